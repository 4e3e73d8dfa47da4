// SPDX-License-Identifier: GPL-2.0-only
#include "view.h"

#include <stdio.h>

#include "keys.h"
#include "table.h"

#define EMPTY_TEXT "No TCP connections yet: they appear here as they open."

static size_t body_rows(int screen_rows)
{
	int rows = screen_rows - VIEW_TOP_ROWS - VIEW_BOTTOM_ROWS;

	return rows > 0 ? (size_t)rows : 0;
}

static size_t max_scroll(int screen_rows, size_t nrows)
{
	size_t body = body_rows(screen_rows);

	return nrows > body ? nrows - body : 0;
}

enum view_reaction view_apply(struct view_state *view, int key, int screen_rows, size_t nrows)
{
	size_t page = body_rows(screen_rows) ?: 1, last = max_scroll(screen_rows, nrows);

	switch (key) {
	case 'q':
	case 'Q':
	case UI_KEY_F10:
		return VIEW_QUIT;
	case UI_KEY_UP:
		view->scroll = view->scroll ? view->scroll - 1 : 0;
		break;
	case UI_KEY_DOWN:
		view->scroll++;
		break;
	case UI_KEY_PGUP:
		view->scroll = view->scroll > page ? view->scroll - page : 0;
		break;
	case UI_KEY_PGDN:
		view->scroll += page;
		break;
	case UI_KEY_HOME:
		view->scroll = 0;
		break;
	case UI_KEY_END:
		view->scroll = last;
		break;
	case UI_KEY_RESIZE:
		break;
	default:
		return VIEW_NOTHING;
	}
	if (view->scroll > last)
		view->scroll = last;
	return VIEW_REDRAW;
}

/* The columns of the connection view, left to right. */
static const enum column view_columns[] = { COL_PID,	COL_COMM,  COL_DIR, COL_LOCAL,
					    COL_REMOTE, COL_STATE, COL_AGE };
#define NVIEW_COLUMNS (sizeof(view_columns) / sizeof(view_columns[0]))

#define SCREEN_ADDR_MIN 15 /* "255.255.255.255" fits, so IPv4 columns rarely move */
#define SCREEN_COMM_MIN 8

/*
 * Column widths for this screen. Addresses are never cut: the command name shrinks first, and
 * on a screen still too narrow the columns past its right edge are clipped, as in htop.
 */
static void layout(const struct snapshot *snap, int cols, int widths[COL_COUNT])
{
	int fixed = 0, addr = table_addr_width(snap, SCREEN_ADDR_MIN), excess;
	size_t i;

	for (i = 0; i < NVIEW_COLUMNS; i++) {
		enum column col = view_columns[i];

		widths[col] = table_column(col)->width;
		if (col != COL_LOCAL && col != COL_REMOTE)
			fixed += widths[col] + 1;
	}
	excess = fixed + 2 * (addr + 1) - 1 - cols;
	if (excess > 0) {
		int give = widths[COL_COMM] - SCREEN_COMM_MIN;

		give = excess < give ? excess : give;
		widths[COL_COMM] -= give;
		excess -= give;
	}
	widths[COL_LOCAL] = widths[COL_REMOTE] = addr;
}

static void put_cells(struct grid *grid, int row, const int widths[COL_COUNT],
		      const char *const text[COL_COUNT], enum role role)
{
	int x = 0;
	size_t i;

	grid_set_row_role(grid, row, role);
	for (i = 0; i < NVIEW_COLUMNS && x < grid->cols; i++) {
		enum column col = view_columns[i];
		int pad = 0;

		if (table_column(col)->right_align)
			pad = widths[col] - grid_text_width(text[col], widths[col]);
		grid_put(grid, row, x + pad, widths[col] - pad, text[col], role);
		x += widths[col] + 1;
	}
}

static void render_header(const struct snapshot *snap, struct grid *grid)
{
	char line[TABLE_LINE_LEN];
	int i;

	for (i = 0; i < TABLE_HEADER_LINES; i++) {
		table_header_line(snap, i, line, sizeof(line));
		grid_put(grid, i, 0, grid->cols, line, snap->stats.lost ? ROLE_ALERT : ROLE_HEADER);
	}
}

static void render_rows(const struct snapshot *snap, const struct view_state *view,
			struct grid *grid, const int widths[COL_COUNT])
{
	size_t body = body_rows(grid->rows), i;
	char cells[COL_COUNT][TABLE_LINE_LEN];
	const char *text[COL_COUNT];
	size_t col;

	if (!snap->nconns && body) {
		grid_put(grid, VIEW_TOP_ROWS, 1, grid->cols - 1, EMPTY_TEXT, ROLE_NORMAL);
		return;
	}
	for (i = 0; i < body && view->scroll + i < snap->nconns; i++) {
		const struct snap_conn *row = &snap->conns[view->scroll + i];

		for (col = 0; col < NVIEW_COLUMNS; col++) {
			enum column c = view_columns[col];

			table_cell(row, c, cells[c], sizeof(cells[c]));
			text[c] = cells[c];
		}
		put_cells(grid, VIEW_TOP_ROWS + i, widths, text,
			  row->closed ? ROLE_CLOSED : ROLE_NORMAL);
	}
}

static void render_footer(struct grid *grid)
{
	int row = grid->rows - 1, x;

	if (row < VIEW_TOP_ROWS)
		return;
	grid_set_row_role(grid, row, ROLE_FOOTER);
	x = grid_put(grid, row, 0, grid->cols, "q", ROLE_FOOTER_KEY);
	grid_put(grid, row, x, grid->cols, "Quit", ROLE_FOOTER);
}

void view_render(const struct snapshot *snap, const struct view_state *view, struct grid *grid)
{
	const char *titles[COL_COUNT];
	int widths[COL_COUNT], col;

	grid_clear(grid);
	layout(snap, grid->cols, widths);
	render_header(snap, grid);
	for (col = 0; col < COL_COUNT; col++)
		titles[col] = table_column(col)->title;
	put_cells(grid, VIEW_TOP_ROWS - 1, widths, titles, ROLE_TITLE);
	render_rows(snap, view, grid, widths);
	render_footer(grid);
}
