// SPDX-License-Identifier: GPL-2.0-only
#include "export.h"

#include <errno.h>

#include "table.h"

static int column_width(enum column col, int addr_width)
{
	return col == COL_LOCAL || col == COL_REMOTE ? addr_width : table_column(col)->width;
}

static void put_cell(FILE *out, enum column col, const char *text, int addr_width)
{
	const struct column_def *def = table_column(col);
	int width = column_width(col, addr_width);

	if (col == COL_AGE) /* the last column: no trailing blanks */
		fprintf(out, "%*s\n", width, text);
	else
		fprintf(out, def->right_align ? "%*s " : "%-*s ", width, text);
}

int export_text(FILE *out, const struct snapshot *snap)
{
	int addr_width = table_addr_width(snap, table_column(COL_LOCAL)->width);
	char buf[TABLE_LINE_LEN];
	enum column col;
	size_t i;
	int line;

	for (line = 0; line < TABLE_HEADER_LINES; line++) {
		table_header_line(snap, line, buf, sizeof(buf));
		fprintf(out, "%s\n", buf);
	}
	for (col = 0; col < COL_COUNT; col++)
		put_cell(out, col, table_column(col)->title, addr_width);
	for (i = 0; i < snap->nconns; i++) {
		for (col = 0; col < COL_COUNT; col++) {
			table_cell(&snap->conns[i], col, buf, sizeof(buf));
			put_cell(out, col, buf, addr_width);
		}
	}
	fputc('\n', out);
	if (fflush(out) || ferror(out))
		return -errno ?: -EIO;
	return 0;
}
