/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A screen as a grid of cells, each a character and a semantic role. Rendering fills a grid;
 * only ui/curses.c turns roles into colours and puts cells on the terminal.
 */
#ifndef CONNTOP_GRID_H
#define CONNTOP_GRID_H

#include <stddef.h>
#include <wchar.h>

enum role {
	ROLE_NORMAL,
	ROLE_HEADER, /* labels of the header lines */
	ROLE_VALUE, /* a number in the header */
	ROLE_ALERT, /* a counter that says something was lost */
	ROLE_TITLE, /* column titles */
	ROLE_SORTED, /* the title of the column rows are sorted by */
	ROLE_SELECTED, /* the selection bar */
	ROLE_CLOSED, /* a connection that closed since the last frame: it fades */
	ROLE_TREE, /* the branches of the topology tree */
	ROLE_TAB, /* a view's name in the tab line */
	ROLE_TAB_ACTIVE, /* the view on screen */
	ROLE_FILTER, /* the filters in force */
	ROLE_PANEL, /* a pick list or the help */
	ROLE_PROMPT, /* the line where a value is typed */
	ROLE_FOOTER_KEY, /* "q" in the key hints */
	ROLE_FOOTER, /* "Quit" in the key hints */
	ROLE_COUNT,
};

/* A character of width 2 is followed by a cell with ch == 0 that holds its right half. */
struct cell {
	wchar_t ch;
	unsigned char role;
};

struct grid {
	int rows, cols;
	struct cell *cells;
};

struct grid *grid__new(int rows, int cols);
void grid__free(struct grid *grid);

/* Blanks every cell. */
void grid_clear(struct grid *grid);

/* Gives a whole row one role (a bar) without changing its text. */
void grid_set_row_role(struct grid *grid, int row, enum role role);

/*
 * Writes UTF-8 @text from (@row, @col) using at most @max columns (and never past the edge);
 * a character that does not fit is not cut in half. Returns the columns used.
 */
int grid_put(struct grid *grid, int row, int col, int max, const char *text, enum role role);

/* The columns @text takes, counting at most @max. */
int grid_text_width(const char *text, int max);

/* The text of a row as UTF-8, trailing blanks removed: for tests and debugging. */
void grid_row_text(const struct grid *grid, int row, char *buf, size_t size);

#endif /* CONNTOP_GRID_H */
