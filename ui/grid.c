// SPDX-License-Identifier: GPL-2.0-only
#include "grid.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct grid *grid__new(int rows, int cols)
{
	struct grid *grid;

	if (rows <= 0 || cols <= 0)
		return NULL;
	grid = calloc(1, sizeof(*grid));
	if (!grid)
		return NULL;
	grid->cells = calloc((size_t)rows * cols, sizeof(*grid->cells));
	if (!grid->cells) {
		free(grid);
		return NULL;
	}
	grid->rows = rows;
	grid->cols = cols;
	grid_clear(grid);
	return grid;
}

void grid__free(struct grid *grid)
{
	if (!grid)
		return;
	free(grid->cells);
	free(grid);
}

void grid_clear(struct grid *grid)
{
	size_t i, n = (size_t)grid->rows * grid->cols;

	for (i = 0; i < n; i++)
		grid->cells[i] = (struct cell){ L' ', ROLE_NORMAL };
}

void grid_set_row_role(struct grid *grid, int row, enum role role)
{
	int col;

	if (row < 0 || row >= grid->rows)
		return;
	for (col = 0; col < grid->cols; col++)
		grid->cells[row * grid->cols + col].role = role;
}

/* Decodes the next character of @text; unprintable or invalid input reads as one '?'. */
static size_t next_char(const char *text, size_t len, mbstate_t *state, wchar_t *wc, int *width)
{
	size_t n;

	if (!len)
		return 0;
	n = mbrtowc(wc, text, len, state);
	if (n == 0)
		return 0;
	if (n == (size_t)-1 || n == (size_t)-2) { /* not text in this locale */
		memset(state, 0, sizeof(*state));
		n = 1;
		*wc = L'?';
	}
	*width = wcwidth(*wc);
	if (*width <= 0) { /* control or combining mark: the input is sanitized, so rare */
		*wc = L'?';
		*width = 1;
	}
	return n;
}

int grid_text_width(const char *text, int max)
{
	mbstate_t state = { 0 };
	size_t len = strlen(text), n;
	int used = 0, width;
	wchar_t wc;

	while ((n = next_char(text, len, &state, &wc, &width)) && used + width <= max) {
		used += width;
		text += n;
		len -= n;
	}
	return used;
}

int grid_put(struct grid *grid, int row, int col, int max, const char *text, enum role role)
{
	mbstate_t state = { 0 };
	size_t len = strlen(text), n;
	int used = 0, width;
	wchar_t wc;

	if (row < 0 || row >= grid->rows || col < 0 || col >= grid->cols)
		return 0;
	if (max > grid->cols - col)
		max = grid->cols - col;
	while ((n = next_char(text, len, &state, &wc, &width)) && used + width <= max) {
		struct cell *cell = &grid->cells[row * grid->cols + col + used];

		cell[0] = (struct cell){ wc, role };
		if (width == 2)
			cell[1] = (struct cell){ 0, role };
		used += width;
		text += n;
		len -= n;
	}
	return used;
}

void grid_row_text(const struct grid *grid, int row, char *buf, size_t size)
{
	size_t out = 0;
	int col;

	buf[0] = '\0';
	if (row < 0 || row >= grid->rows || size == 0)
		return;
	for (col = 0; col < grid->cols; col++) {
		char mb[MB_LEN_MAX];
		mbstate_t state = { 0 };
		wchar_t wc = grid->cells[row * grid->cols + col].ch;
		size_t n;

		if (!wc)
			continue;
		n = wcrtomb(mb, wc, &state);
		if (n == (size_t)-1 || out + n >= size)
			break;
		memcpy(buf + out, mb, n);
		out += n;
	}
	while (out && buf[out - 1] == ' ')
		out--;
	buf[out] = '\0';
}
