/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connection table as text: header lines, column titles and cells. The batch/text export
 * and the curses view both lay out these same strings, so they never disagree.
 */
#ifndef CONNTOP_TABLE_H
#define CONNTOP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

enum column {
	COL_PID,
	COL_COMM,
	COL_DIR,
	COL_LOCAL,
	COL_REMOTE,
	COL_STATE,
	COL_AGE,
	COL_CONTAINER,
	COL_NETNS,
	COL_SENT, /* bytes, raw: the text export's; the screen shows them in human units */
	COL_RECV,
	COL_RETR,
	COL_COUNT,
};

struct column_def {
	const char *title;
	int width; /* minimum; the address columns widen to fit (see table_addr_width) */
	bool right_align;
};

#define TABLE_HEADER_LINES 2
#define TABLE_LINE_LEN	   512

const struct column_def *table_column(enum column col);

/* The widest address in @snap, at least @min. */
int table_addr_width(const struct snapshot *snap, int min);

/* The text of one cell of @row, a row of @snap; already printable. Returns its length. */
size_t table_cell(const struct snapshot *snap, const struct snap_conn *row, enum column col,
		  char *buf, size_t size);

/* The state as the screen shows it: CLOSED once closed, else the kernel's name. */
const char *table_state(const struct snap_conn *row);

struct counter {
	const char *name;
	uint64_t value;
	bool notable; /* says something went wrong, or was mended: worth a look when not 0 */
};

#define TABLE_MAX_COUNTERS 32

/* Every counter but those of line 0, in one order for every place that lists them. */
size_t table_counters(const struct snapshot *snap, struct counter *out, size_t max);

/* Line 0: time and the main counters; line 1: every other counter. */
void table_header_line(const struct snapshot *snap, int line, char *buf, size_t size);

#endif /* CONNTOP_TABLE_H */
