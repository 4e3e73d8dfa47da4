/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Working memory for one step of a frame (sort keys, sort scratch): megabytes at 100,000
 * connections, needed for a few milliseconds. Large ones come from the kernel and go back to it
 * when freed, so that they never stay in conntop's memory between frames: malloc keeps freed
 * memory to reuse, and glibc raises its mmap threshold to the size of the last large block freed,
 * so such blocks would soon come from (and stay in) the heap.
 */
#ifndef CONNTOP_SCRATCH_H
#define CONNTOP_SCRATCH_H

#include <stddef.h>

/* @size bytes, not zeroed, or NULL. */
void *scratch_alloc(size_t size);
void scratch_free(void *p);

#endif /* CONNTOP_SCRATCH_H */
