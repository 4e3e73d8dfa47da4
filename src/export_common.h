/* SPDX-License-Identifier: GPL-2.0-only */
/* What the export formats share: error checks, quoting, node ids. Not for use outside export*.c. */
#ifndef CONNTOP_EXPORT_COMMON_H
#define CONNTOP_EXPORT_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"

/* A char array and its size, so no string is read past its field even without a NUL. */
#define FIELD(array) (array), sizeof(array)

enum quoting {
	QUOTE_JSON, /* control characters as \u00XX */
	QUOTE_DOT, /* control characters as the text \xNN (as sanitize writes them), & as &amp; */
};

/* 0, or the error of the first write that failed. */
int export_finish(FILE *out);

/*
 * The inside of a quoted string: the bytes of @s up to a NUL or @max, as valid UTF-8 that cannot
 * end the string. `"` and `\` are escaped with a backslash in both languages.
 */
void export_put_escaped(FILE *out, const char *s, size_t max, enum quoting q);

/* A process is its pid and start time ("pid:12:345"); an address is itself ("addr:10.0.0.1"). */
void export_node_id(const struct snap_node *node, char *buf, size_t size);
#define NODE_ID_LEN (SNAP_NAME_LEN + 8)

/* "2026-11-18T11:06:40Z", or "" when the time cannot be written. */
void export_iso_time(const struct timespec *wall, char *buf, size_t size);

#endif /* CONNTOP_EXPORT_COMMON_H */
