/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Files written whole or not at all: into a temporary file in the target's folder, flushed to
 * disk, then renamed over the target. A symlink at the target is replaced, never followed, and a
 * failed write leaves the target as it was and no temporary file behind.
 */
#ifndef CONNTOP_OUTFILE_H
#define CONNTOP_OUTFILE_H

#include <stdio.h>

/* Writes the content to @out; returns 0 or -errno. */
typedef int (*outfile_fill_fn)(FILE *out, const void *ctx);

/* Returns 0 or -errno. */
int outfile_write(const char *path, outfile_fill_fn fill, const void *ctx);

#endif /* CONNTOP_OUTFILE_H */
