// SPDX-License-Identifier: GPL-2.0-only
#include "export.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "export_common.h"
#include "scratch.h"
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
	/* Writes a cell's text into @buf (CELL_LEN bytes); returns its length. */
	size_t (*cell)(const void *ctx, size_t row, int col, char *buf, size_t size);
};

/*
 * Every cell's text, made once: the widths need all of them before the first row is written.
 * The texts follow each other in one buffer in row order, each after its length (2 bytes, in
 * host order: a cell is shorter than CELL_LEN) and NUL-terminated.
 */
struct cells {
	char *text;
	size_t used, cap;
};

#define CELL_ROOM (sizeof(uint16_t) + CELL_LEN)

/* A cell of the connection table takes 12 bytes on average: the first guess of the size. */
#define CELL_GUESS 12

/*
 * Room for one more cell and its length; -ENOMEM. Megabytes for one frame's moment: scratch
 * memory, which goes back to the kernel when freed (scratch.h).
 */
static int cells_reserve(struct cells *c, size_t guess)
{
	size_t cap = c->cap ? 2 * c->cap : guess + CELL_ROOM;
	char *text;

	if (c->cap - c->used >= CELL_ROOM)
		return 0;
	while (cap - c->used < CELL_ROOM)
		cap *= 2;
	text = scratch_alloc(cap);
	if (!text)
		return -ENOMEM;
	if (c->used)
		memcpy(text, c->text, c->used);
	scratch_free(c->text);
	c->text = text;
	c->cap = cap;
	return 0;
}

/* @n blanks: a column padded to its width. */
static void put_blanks(struct outbuf *ob, size_t n)
{
	static const char blanks[] =
		"                                                                ";

	while (n > sizeof(blanks) - 1) {
		outbuf_write(ob, blanks, sizeof(blanks) - 1);
		n -= sizeof(blanks) - 1;
	}
	outbuf_write(ob, blanks, n);
}

/* One cell and what follows it: a blank between columns, none after the last left-aligned one. */
static void put_cell(struct outbuf *ob, const struct text_table *t, int col, size_t width,
		     const char *text, size_t len)
{
	bool last = col == t->ncols - 1, right = t->right[col];
	size_t pad = !right && last ? 0 : width - len;
	char *p;

	if (len + pad + 1 > OUTBUF_ROOM) { /* long: a command line, or a wide column */
		if (right)
			put_blanks(ob, pad);
		outbuf_write(ob, text, len);
		if (!right)
			put_blanks(ob, pad);
		outbuf_putc(ob, last ? '\n' : ' ');
		return;
	}
	/* Short, as most are: one check for room, and no call to copy a few bytes. */
	p = outbuf_room(ob, OUTBUF_ROOM);
	if (right) {
		memset(p, ' ', pad);
		p += pad;
	}
	memcpy(p, text, len);
	p += len;
	if (!right) {
		memset(p, ' ', pad);
		p += pad;
	}
	*p++ = last ? '\n' : ' ';
	ob->p = p;
}

static int print_table(struct outbuf *ob, const struct text_table *t)
{
	size_t widths[MAX_TABLE_COLS], row, len;
	struct cells cells = { 0 };
	const char *text;
	uint16_t len16;
	int col, err;

	for (col = 0; col < t->ncols; col++)
		widths[col] = strlen(t->headers[col]);
	for (row = 0; row < t->nrows; row++) {
		for (col = 0; col < t->ncols; col++) {
			if ((err = cells_reserve(&cells, t->nrows * t->ncols * CELL_GUESS))) {
				scratch_free(cells.text);
				return err;
			}
			text = cells.text + cells.used + sizeof(len16);
			len = t->cell(t->ctx, row, col, (char *)text, CELL_LEN);
			len16 = (uint16_t)len;
			memcpy(cells.text + cells.used, &len16, sizeof(len16));
			cells.used += sizeof(len16) + len + 1;
			if (len > widths[col])
				widths[col] = len;
		}
	}
	if (t->title) {
		outbuf_putc(ob, '\n');
		outbuf_puts(ob, t->title);
		outbuf_putc(ob, '\n');
	}
	for (col = 0; col < t->ncols; col++)
		put_cell(ob, t, col, widths[col], t->headers[col], strlen(t->headers[col]));
	text = cells.text;
	for (row = 0; row < t->nrows && !ob->err; row++) {
		for (col = 0; col < t->ncols; col++) {
			memcpy(&len16, text, sizeof(len16));
			put_cell(ob, t, col, widths[col], text + sizeof(len16), len16);
			text += sizeof(len16) + len16 + 1;
		}
	}
	scratch_free(cells.text);
	return 0;
}

/*
 * Connections: the columns the screen shows, then where each one lives, then its bytes (raw,
 * for scripts) last, so the columns before them stay where they were.
 */
static const enum column conn_columns[] = { COL_PID,	COL_COMM,  COL_DIR,  COL_LOCAL,
					    COL_REMOTE, COL_STATE, COL_AGE,  COL_CONTAINER,
					    COL_NETNS,	COL_SENT,  COL_RECV, COL_RETR };
#define NCONN_COLUMNS ((int)(sizeof(conn_columns) / sizeof(conn_columns[0])))

static size_t conn_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;

	return table_cell(snap, &snap->conns[row], conn_columns[col], buf, size);
}

static int print_conns(struct outbuf *ob, const struct snapshot *snap)
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
	return print_table(ob, &t);
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

/* The tables of nodes and edges are small: their cells are measured after they are made. */
static size_t node_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snap_node *node = &((const struct snapshot *)ctx)->nodes[row];

	buf[0] = '\0';
	switch (col) {
	case 0:
		decimal_u64_cut(buf, size, node->pid);
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
		decimal_u64_cut(buf, size, node->conns_in);
		break;
	case 9:
		decimal_u64_cut(buf, size, node->conns_out);
		break;
	case 10:
		if (node->ppid)
			decimal_u64_cut(buf, size, node->ppid);
		else
			snprintf(buf, size, "-");
		break;
	case 11:
		snprintf(buf, size, "%s", node->cmdline[0] ? node->cmdline : "-");
		break;
	}
	return strlen(buf);
}

/* Process nodes only; addresses are named in the edges. */
static int print_nodes(struct outbuf *ob, const struct snapshot *snap)
{
	static const char *const headers[] = { "PID",  "COMM", "USER",	"CONTAINER",
					       "NAME", "POD",  "NETNS", "LISTEN",
					       "IN",   "OUT",  "PPID",	"CMDLINE" };
	static const bool right[] = { true,  false, false, false, false, false,
				      false, false, true,  true,  true,	 false };
	size_t nprocs = 0;

	while (nprocs < snap->nnodes && snap->nodes[nprocs].kind == NODE_PROCESS)
		nprocs++; /* sorted: processes first */
	return print_table(
		ob, &(struct text_table){ "NODES", 12, headers, right, nprocs, snap, node_cell });
}

/* Bytes in the client's view: SENT is what clients sent to the server. */
static const char *const edge_headers[] = { "CLIENT", "SERVER", "PORT", "ACTIVE", "OPENED",
					    "CLOSED", "SENT",	"RECV", "RETR" };
static const bool edge_right[] = { false, false, true, true, true, true, true, true, true };
#define NEDGE_COLUMNS ((int)(sizeof(edge_headers) / sizeof(edge_headers[0])))

/* One cell of an edge row: edges and their roll-ups print the same way. */
static size_t group_edge_cell(const struct snap_group_edge *g, int col, char *buf, size_t size)
{
	buf[0] = '\0';
	switch (col) {
	case 0:
		snprintf(buf, size, "%s", g->client);
		break;
	case 1:
		snprintf(buf, size, "%s", g->server);
		break;
	case 2:
		decimal_u64_cut(buf, size, g->port);
		break;
	case 3:
		decimal_u64_cut(buf, size, g->active);
		break;
	case 4:
		decimal_u64_cut(buf, size, g->opened);
		break;
	case 5:
		decimal_u64_cut(buf, size, g->closed);
		break;
	case 6:
		decimal_u64_cut(buf, size, g->bytes_sent);
		break;
	case 7:
		decimal_u64_cut(buf, size, g->bytes_received);
		break;
	case 8:
		decimal_u64_cut(buf, size, g->retransmits);
		break;
	}
	return strlen(buf);
}

static size_t edge_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;
	const struct snap_edge *e = &snap->edges[row];
	struct snap_group_edge g; /* its numbers only: each label is made for its own column */

	if (col < 2) {
		node_label(&snap->nodes[col ? e->server : e->client], buf, size);
		return strlen(buf);
	}
	g.port = e->port;
	g.active = e->active;
	g.opened = e->opened;
	g.closed = e->closed;
	g.bytes_sent = e->bytes_sent;
	g.bytes_received = e->bytes_received;
	g.retransmits = e->retransmits;
	return group_edge_cell(&g, col, buf, size);
}

struct groups {
	const struct snap_group_edge *items;
};

static size_t group_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	return group_edge_cell(&((const struct groups *)ctx)->items[row], col, buf, size);
}

static int print_rollup(struct outbuf *ob, const struct snapshot *snap, enum rollup by,
			const char *title)
{
	struct snap_group_edge *items;
	struct groups groups;
	int n = snapshot_rollup(snap, by, &items);

	if (n < 0)
		return n;
	groups.items = items;
	n = print_table(ob, &(struct text_table){ title, NEDGE_COLUMNS, edge_headers, edge_right,
						  (size_t)n, &groups, group_cell });
	free(items);
	return n;
}

/* The frame into @ob: -ENOMEM when a table's cells do not fit in memory. */
static int text_frame(struct outbuf *ob, const struct snapshot *snap)
{
	char line[TABLE_LINE_LEN];
	int i, err;

	for (i = 0; i < TABLE_HEADER_LINES; i++) {
		table_header_line(snap, i, line, sizeof(line));
		outbuf_puts(ob, line);
		outbuf_putc(ob, '\n');
	}
	if ((err = print_conns(ob, snap)) || (err = print_nodes(ob, snap)) ||
	    (err = print_table(ob, &(struct text_table){ "EDGES", NEDGE_COLUMNS, edge_headers,
							 edge_right, snap->nedges, snap,
							 edge_cell })) ||
	    (err = print_rollup(ob, snap, ROLLUP_CONTAINER, "CONTAINER EDGES")) ||
	    (err = print_rollup(ob, snap, ROLLUP_NETNS, "NETNS EDGES")))
		return err;
	outbuf_putc(ob, '\n');
	return 0;
}

int export_text(FILE *out, const struct snapshot *snap)
{
	struct outbuf ob;
	int err;

	if ((err = outbuf_open(&ob, out)))
		return err;
	err = text_frame(&ob, snap);
	return outbuf_close(&ob) ?: err;
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
