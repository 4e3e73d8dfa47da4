/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The view: its state, the reducer that applies a key to it, and the pure renderer of a snapshot
 * in that state into a grid. Nothing here reads the clock, /proc or the terminal.
 */
#ifndef CONNTOP_VIEW_H
#define CONNTOP_VIEW_H

#include <stddef.h>

#include "grid.h"
#include "snapshot.h"

struct view_state {
	size_t scroll; /* index of the first connection row shown */
};

enum view_reaction {
	VIEW_NOTHING = 0,
	VIEW_REDRAW = 1 << 0,
	VIEW_QUIT = 1 << 1,
};

/* Rows above and below the connection rows: header lines, column titles; footer. */
#define VIEW_TOP_ROWS	 3
#define VIEW_BOTTOM_ROWS 1

/* Applies @key, for a screen of @screen_rows showing @nrows connections. */
enum view_reaction view_apply(struct view_state *view, int key, int screen_rows, size_t nrows);

void view_render(const struct snapshot *snap, const struct view_state *view, struct grid *grid);

#endif /* CONNTOP_VIEW_H */
