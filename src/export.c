// SPDX-License-Identifier: GPL-2.0-only
#include "export.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "export_common.h"
#include "table.h"

#define MAX_TABLE_COLS 12
#define CELL_LEN       PROCFS_CMDLINE_SIZE

/* A table to print with columns as wide as their widest cell, like ss and ps do. */
struct text_table {
	const char *title; /* a line before the table, or NULL */
	int ncols;
	const char *const *headers;
	const bool *right; /* right-aligned columns */
	size_t nrows;
	const void *ctx;
	void (*cell)(const void *ctx, size_t row, int col, char *buf, size_t size);
};

static void print_row(FILE *out, const struct text_table *t, const int *widths,
		      char cells[][CELL_LEN])
{
	int col;

	for (col = 0; col < t->ncols; col++) {
		if (col == t->ncols - 1 && !t->right[col]) /* the last column: no trailing blanks */
			fprintf(out, "%s\n", cells[col]);
		else
			fprintf(out, t->right[col] ? "%*s%s" : "%-*s%s", widths[col], cells[col],
				col == t->ncols - 1 ? "\n" : " ");
	}
}

static void print_table(FILE *out, const struct text_table *t)
{
	static char cells[MAX_TABLE_COLS][CELL_LEN]; /* large: not on the stack */
	int widths[MAX_TABLE_COLS], col;
	size_t row;

	for (col = 0; col < t->ncols; col++)
		widths[col] = strlen(t->headers[col]);
	for (row = 0; row < t->nrows; row++) {
		for (col = 0; col < t->ncols; col++) {
			int len;

			t->cell(t->ctx, row, col, cells[col], CELL_LEN);
			len = strlen(cells[col]);
			if (len > widths[col])
				widths[col] = len;
		}
	}
	if (t->title)
		fprintf(out, "\n%s\n", t->title);
	for (col = 0; col < t->ncols; col++)
		snprintf(cells[col], CELL_LEN, "%s", t->headers[col]);
	print_row(out, t, widths, cells);
	for (row = 0; row < t->nrows; row++) {
		for (col = 0; col < t->ncols; col++)
			t->cell(t->ctx, row, col, cells[col], CELL_LEN);
		print_row(out, t, widths, cells);
	}
}

/*
 * Connections: the columns the screen shows, then where each one lives, then its bytes (raw,
 * for scripts) last, so the columns before them stay where they were.
 */
static const enum column conn_columns[] = { COL_PID,	COL_COMM,  COL_DIR,  COL_LOCAL,
					    COL_REMOTE, COL_STATE, COL_AGE,  COL_CONTAINER,
					    COL_NETNS,	COL_SENT,  COL_RECV, COL_RETR };
#define NCONN_COLUMNS ((int)(sizeof(conn_columns) / sizeof(conn_columns[0])))

static void conn_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;

	table_cell(snap, &snap->conns[row], conn_columns[col], buf, size);
}

static void print_conns(FILE *out, const struct snapshot *snap)
{
	const char *headers[NCONN_COLUMNS];
	bool right[NCONN_COLUMNS];
	struct text_table t = {
		NULL, NCONN_COLUMNS, headers, right, snap->nconns, snap, conn_cell
	};
	int col;

	for (col = 0; col < NCONN_COLUMNS; col++) {
		headers[col] = table_column(conn_columns[col])->title;
		right[col] = table_column(conn_columns[col])->right_align;
	}
	print_table(out, &t);
}

/* "nginx[812]", or "nginx[812]@web-1" for a process in a container. */
static void node_label(const struct snap_node *node, char *buf, size_t size)
{
	if (node->container.name[0])
		snprintf(buf, size, "%s@%s", node->name, node->container.name);
	else
		snprintf(buf, size, "%s", node->name);
}

static void ports_text(const struct snap_node *node, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < node->nlistening && used < size; i++)
		used += snprintf(buf + used, size - used, "%s%u", i ? "," : "", node->listening[i]);
	if (!node->nlistening)
		snprintf(buf, size, "-");
}

static void node_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snap_node *node = &((const struct snapshot *)ctx)->nodes[row];

	switch (col) {
	case 0:
		snprintf(buf, size, "%u", node->pid);
		break;
	case 1:
		snprintf(buf, size, "%s", node->comm);
		break;
	case 2:
		snprintf(buf, size, "%s", node->user[0] ? node->user : "-");
		break;
	case 3:
		if (node->container.runtime[0])
			snprintf(buf, size, "%s:%.12s", node->container.runtime,
				 node->container.id);
		else
			snprintf(buf, size, "-");
		break;
	case 4:
		snprintf(buf, size, "%s", node->container.name[0] ? node->container.name : "-");
		break;
	case 5:
		snprintf(buf, size, "%s", node->container.pod[0] ? node->container.pod : "-");
		break;
	case 6:
		if (node->netns_name[0])
			snprintf(buf, size, "%u(%s)", node->netns, node->netns_name);
		else
			snprintf(buf, size, "%u", node->netns);
		break;
	case 7:
		ports_text(node, buf, size);
		break;
	case 8:
		snprintf(buf, size, "%u", node->conns_in);
		break;
	case 9:
		snprintf(buf, size, "%u", node->conns_out);
		break;
	case 10:
		if (node->ppid)
			snprintf(buf, size, "%u", node->ppid);
		else
			snprintf(buf, size, "-");
		break;
	case 11:
		snprintf(buf, size, "%s", node->cmdline[0] ? node->cmdline : "-");
		break;
	}
}

/* Process nodes only; addresses are named in the edges. */
static void print_nodes(FILE *out, const struct snapshot *snap)
{
	static const char *const headers[] = { "PID",  "COMM", "USER",	"CONTAINER",
					       "NAME", "POD",  "NETNS", "LISTEN",
					       "IN",   "OUT",  "PPID",	"CMDLINE" };
	static const bool right[] = { true,  false, false, false, false, false,
				      false, false, true,  true,  true,	 false };
	size_t nprocs = 0;

	while (nprocs < snap->nnodes && snap->nodes[nprocs].kind == NODE_PROCESS)
		nprocs++; /* sorted: processes first */
	print_table(out,
		    &(struct text_table){ "NODES", 12, headers, right, nprocs, snap, node_cell });
}

/* Bytes in the client's view: SENT is what clients sent to the server. */
static const char *const edge_headers[] = { "CLIENT", "SERVER", "PORT", "ACTIVE", "OPENED",
					    "CLOSED", "SENT",	"RECV", "RETR" };
static const bool edge_right[] = { false, false, true, true, true, true, true, true, true };
#define NEDGE_COLUMNS ((int)(sizeof(edge_headers) / sizeof(edge_headers[0])))

/* One cell of an edge row: edges and their roll-ups print the same way. */
static void group_edge_cell(const struct snap_group_edge *g, int col, char *buf, size_t size)
{
	switch (col) {
	case 0:
		snprintf(buf, size, "%s", g->client);
		break;
	case 1:
		snprintf(buf, size, "%s", g->server);
		break;
	case 2:
		snprintf(buf, size, "%u", g->port);
		break;
	case 3:
		snprintf(buf, size, "%u", g->active);
		break;
	case 4:
		snprintf(buf, size, "%llu", (unsigned long long)g->opened);
		break;
	case 5:
		snprintf(buf, size, "%llu", (unsigned long long)g->closed);
		break;
	case 6:
		snprintf(buf, size, "%llu", (unsigned long long)g->bytes_sent);
		break;
	case 7:
		snprintf(buf, size, "%llu", (unsigned long long)g->bytes_received);
		break;
	case 8:
		snprintf(buf, size, "%llu", (unsigned long long)g->retransmits);
		break;
	}
}

static void edge_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;
	const struct snap_edge *e = &snap->edges[row];
	struct snap_group_edge g = { .port = e->port,
				     .active = e->active,
				     .opened = e->opened,
				     .closed = e->closed,
				     .bytes_sent = e->bytes_sent,
				     .bytes_received = e->bytes_received,
				     .retransmits = e->retransmits };

	node_label(&snap->nodes[e->client], g.client, sizeof(g.client));
	node_label(&snap->nodes[e->server], g.server, sizeof(g.server));
	group_edge_cell(&g, col, buf, size);
}

struct groups {
	const struct snap_group_edge *items;
};

static void group_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	group_edge_cell(&((const struct groups *)ctx)->items[row], col, buf, size);
}

static int print_rollup(FILE *out, const struct snapshot *snap, enum rollup by, const char *title)
{
	struct snap_group_edge *items;
	struct groups groups;
	int n = snapshot_rollup(snap, by, &items);

	if (n < 0)
		return n;
	groups.items = items;
	print_table(out, &(struct text_table){ title, NEDGE_COLUMNS, edge_headers, edge_right,
					       (size_t)n, &groups, group_cell });
	free(items);
	return 0;
}

int export_text(FILE *out, const struct snapshot *snap)
{
	char line[TABLE_LINE_LEN];
	int i, err;

	for (i = 0; i < TABLE_HEADER_LINES; i++) {
		table_header_line(snap, i, line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
	print_conns(out, snap);
	print_nodes(out, snap);
	print_table(out, &(struct text_table){ "EDGES", NEDGE_COLUMNS, edge_headers, edge_right,
					       snap->nedges, snap, edge_cell });
	if ((err = print_rollup(out, snap, ROLLUP_CONTAINER, "CONTAINER EDGES")) ||
	    (err = print_rollup(out, snap, ROLLUP_NETNS, "NETNS EDGES")))
		return err;
	fputc('\n', out);
	return export_finish(out);
}

int export_format_parse(const char *name, enum export_format *fmt)
{
	static const struct {
		const char *name;
		enum export_format fmt;
	} names[] = { { "text", EXPORT_TEXT }, { "json", EXPORT_JSON }, { "dot", EXPORT_DOT } };
	size_t i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(name, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return -EINVAL;
}

enum export_format export_format_of_path(const char *path)
{
	const char *base, *ext;

	if (!path)
		return EXPORT_TEXT;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	while (*base == '.') /* ".json" is a hidden file's name, not an extension */
		base++;
	ext = strrchr(base, '.');
	if (!ext)
		return EXPORT_TEXT;
	if (!strcasecmp(ext, ".json"))
		return EXPORT_JSON;
	if (!strcasecmp(ext, ".dot") || !strcasecmp(ext, ".gv"))
		return EXPORT_DOT;
	return EXPORT_TEXT;
}

int export_write(FILE *out, const struct snapshot *snap, enum export_format fmt)
{
	switch (fmt) {
	case EXPORT_TEXT:
		return export_text(out, snap);
	case EXPORT_JSON:
		return export_json(out, snap);
	case EXPORT_DOT:
		return export_dot(out, snap);
	}
	return -EINVAL;
}
