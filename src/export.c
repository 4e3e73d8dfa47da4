// SPDX-License-Identifier: GPL-2.0-only
#include "export.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "table.h"

#define MAX_TABLE_COLS 12
#define CELL_LEN       PROCFS_CMDLINE_SIZE

/* 0, or the error of the first write that failed. */
static int finish(FILE *out)
{
	if (fflush(out) || ferror(out))
		return -errno ?: -EIO;
	return 0;
}

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

/* Connections: the columns the screen shows, then where each one lives. */
static const enum column conn_columns[] = { COL_PID,   COL_COMM,      COL_DIR,
					    COL_LOCAL, COL_REMOTE,    COL_STATE,
					    COL_AGE,   COL_CONTAINER, COL_NETNS };
#define NCONN_COLUMNS ((int)(sizeof(conn_columns) / sizeof(conn_columns[0])))

static void conn_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;

	table_cell(&snap->conns[row], conn_columns[col], buf, size);
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

static const char *const edge_headers[] = {
	"CLIENT", "SERVER", "PORT", "ACTIVE", "OPENED", "CLOSED"
};
static const bool edge_right[] = { false, false, true, true, true, true };

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
	}
}

static void edge_cell(const void *ctx, size_t row, int col, char *buf, size_t size)
{
	const struct snapshot *snap = ctx;
	const struct snap_edge *e = &snap->edges[row];
	struct snap_group_edge g = {
		.port = e->port, .active = e->active, .opened = e->opened, .closed = e->closed
	};

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
	print_table(out, &(struct text_table){ title, 6, edge_headers, edge_right, (size_t)n,
					       &groups, group_cell });
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
	print_table(out, &(struct text_table){ "EDGES", 6, edge_headers, edge_right, snap->nedges,
					       snap, edge_cell });
	if ((err = print_rollup(out, snap, ROLLUP_CONTAINER, "CONTAINER EDGES")) ||
	    (err = print_rollup(out, snap, ROLLUP_NETNS, "NETNS EDGES")))
		return err;
	fputc('\n', out);
	return finish(out);
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

/*
 * Strings in a snapshot are printable already, but a quote or a backslash still ends or bends a
 * quoted string, and a bug elsewhere must not make a document invalid: every string is escaped
 * here as if it came straight from a process.
 */

/* A char array and its size, so no string is read past its field even without a NUL. */
#define FIELD(array) (array), sizeof(array)

/* The length of the valid UTF-8 character at @s (of at most @n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2) /* a continuation byte, or the lead of an overlong 2-byte form */
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	if (!len) /* beyond U+10FFFF */
		return 0;
	cp = s[0] & (0x7f >> len); /* the lead's payload bits */
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff)) /* overlong, beyond Unicode, or a surrogate */
		return 0;
	return len;
}

enum quoting {
	QUOTE_JSON, /* control characters as \u00XX */
	QUOTE_DOT, /* control characters as the text \xNN (as sanitize writes them), & as &amp; */
};

#define REPLACEMENT_CHARACTER "\xef\xbf\xbd" /* U+FFFD, for each byte that is not UTF-8 */

/*
 * The inside of a quoted string: the bytes of @s up to a NUL or @max, as valid UTF-8 that cannot
 * end the string. `"` and `\` are escaped with a backslash in both languages.
 */
static void put_escaped(FILE *out, const char *s, size_t max, enum quoting q)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max), i = 0, run = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = utf8_len(p + i, n - i);

		if (len && c >= 0x20 && c != 0x7f && c != '"' && c != '\\' &&
		    !(q == QUOTE_DOT && c == '&')) {
			i += len;
			continue;
		}
		fwrite(p + run, 1, i - run, out); /* the plain run before this byte */
		if (!len)
			fputs(REPLACEMENT_CHARACTER, out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '&') /* Graphviz reads entities in labels: show a name as it is */
			fputs("&amp;", out);
		else if (q == QUOTE_JSON)
			fprintf(out, "\\u%04x", c);
		else
			fprintf(out, "\\\\x%02x", c);
		run = ++i;
	}
	fwrite(p + run, 1, i - run, out);
}

/* "2026-11-18T11:06:40Z", or "" when the time cannot be written. */
static void iso_time(const struct timespec *wall, char *buf, size_t size)
{
	struct tm tm;

	buf[0] = '\0';
	if (!gmtime_r(&wall->tv_sec, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
}

/* A process is its pid and start time; an address is itself. */
static void node_id(const struct snap_node *node, char *buf, size_t size)
{
	if (node->kind == NODE_PROCESS)
		snprintf(buf, size, "pid:%u:%llu", node->pid,
			 (unsigned long long)node->start_ticks);
	else
		snprintf(buf, size, "addr:%.*s", (int)sizeof(node->name), node->name);
}

#define NODE_ID_LEN (SNAP_NAME_LEN + 8)

static void json_str(FILE *out, const char *s, size_t max)
{
	fputc('"', out);
	put_escaped(out, s, max, QUOTE_JSON);
	fputc('"', out);
}

/* null for "": not known, or none. */
static void json_str_or_null(FILE *out, const char *s, size_t max)
{
	if (max && s[0])
		json_str(out, s, max);
	else
		fputs("null", out);
}

/* Seconds with 3 decimals, from nanoseconds. */
static void json_seconds(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%03llu", (unsigned long long)(ns / 1000000000ull),
		(unsigned long long)(ns / 1000000ull % 1000));
}

static void json_container(FILE *out, const struct snap_container *c)
{
	if (!c->runtime[0]) {
		fputs("null", out);
		return;
	}
	fputs("{\"id\":", out);
	json_str(out, FIELD(c->id));
	fputs(",\"name\":", out);
	json_str(out, FIELD(c->name));
	fputs(",\"runtime\":", out);
	json_str(out, FIELD(c->runtime));
	fputs(",\"pod\":", out);
	json_str_or_null(out, FIELD(c->pod));
	fputc('}', out);
}

/* A counter's name as a key: "edge table full" is "edge_table_full". */
static void snake_case(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		buf[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
	}
	buf[i] = '\0';
}

/* The counters of header line 0, then every counter of line 1: none is left out. */
static void json_stats(FILE *out, const struct snapshot *snap)
{
	const struct tracker_stats *t = &snap->stats.tracker;
	struct counter counters[TABLE_MAX_COUNTERS];
	size_t n = table_counters(snap, counters, TABLE_MAX_COUNTERS), i;
	char key[64];

	fprintf(out,
		"{\"events\":%llu,\"lost\":%llu,\"active\":%llu,\"opened\":%llu,"
		"\"opened_in\":%llu,\"opened_out\":%llu,\"closed\":%llu,\"frame_events\":%llu",
		(unsigned long long)t->events, (unsigned long long)snap->stats.lost,
		(unsigned long long)t->active, (unsigned long long)(t->opened_in + t->opened_out),
		(unsigned long long)t->opened_in, (unsigned long long)t->opened_out,
		(unsigned long long)t->closed, (unsigned long long)snap->frame_events);
	for (i = 0; i < n; i++) {
		snake_case(counters[i].name, key, sizeof(key));
		fputc(',', out);
		json_str(out, FIELD(key));
		fprintf(out, ":%llu", (unsigned long long)counters[i].value);
	}
	fputc('}', out);
}

static void json_node(FILE *out, const struct snap_node *node)
{
	char id[NODE_ID_LEN];
	int i;

	node_id(node, FIELD(id));
	fputs("{\"id\":", out);
	json_str(out, FIELD(id));
	if (node->kind != NODE_PROCESS) {
		fputs(",\"kind\":\"remote\",\"name\":", out);
		json_str(out, FIELD(node->name));
		fputs(",\"address\":", out);
		json_str(out, FIELD(node->name));
		fputc('}', out);
		return;
	}
	fputs(",\"kind\":\"process\",\"name\":", out);
	json_str(out, FIELD(node->name));
	fprintf(out, ",\"pid\":%u,\"ppid\":", node->pid);
	if (node->ppid)
		fprintf(out, "%u", node->ppid);
	else
		fputs("null", out);
	fputs(",\"comm\":", out);
	json_str(out, FIELD(node->comm));
	fputs(",\"user\":", out);
	json_str(out, FIELD(node->user));
	fputs(",\"cmdline\":", out);
	json_str(out, FIELD(node->cmdline));
	fprintf(out, ",\"netns\":%u,\"netns_name\":", node->netns);
	json_str_or_null(out, FIELD(node->netns_name));
	fprintf(out, ",\"cgroup_id\":%llu,\"container\":", (unsigned long long)node->cgroup_id);
	json_container(out, &node->container);
	fputs(",\"listening\":[", out);
	for (i = 0; i < node->nlistening && i < SNAP_MAX_LISTEN; i++)
		fprintf(out, "%s%u", i ? "," : "", node->listening[i]);
	fprintf(out, "],\"conns_in\":%u,\"conns_out\":%u,\"opened\":%u}", node->conns_in,
		node->conns_out, node->opened);
}

/* An end of an edge by its node's id; null if the index is out of range (never, but cheap). */
static void json_node_ref(FILE *out, const struct snapshot *snap, size_t index)
{
	char id[NODE_ID_LEN];

	if (index >= snap->nnodes) {
		fputs("null", out);
		return;
	}
	node_id(&snap->nodes[index], FIELD(id));
	json_str(out, FIELD(id));
}

static void json_edge(FILE *out, const struct snapshot *snap, const struct snap_edge *e)
{
	fputs("{\"from\":", out);
	json_node_ref(out, snap, e->client);
	fputs(",\"to\":", out);
	json_node_ref(out, snap, e->server);
	fprintf(out, ",\"port\":%u,\"active\":%u,\"opened\":%llu,\"closed\":%llu}", e->port,
		e->active, (unsigned long long)e->opened, (unsigned long long)e->closed);
}

static void json_conn(FILE *out, const struct snap_conn *c)
{
	char state[32];

	fprintf(out, "{\"cookie\":%llu,\"pid\":", (unsigned long long)c->cookie);
	if (c->pid)
		fprintf(out, "%u", c->pid);
	else
		fputs("null", out);
	fputs(",\"comm\":", out);
	json_str(out, FIELD(c->comm));
	fprintf(out, ",\"netns\":%u,\"cgroup_id\":%llu,\"container\":", c->netns,
		(unsigned long long)c->cgroup_id);
	json_container(out, &c->container);
	fprintf(out, ",\"direction\":\"%s\",\"local\":", c->dir == CONN_IN ? "in" : "out");
	json_str(out, FIELD(c->local));
	fputs(",\"remote\":", out);
	json_str(out, FIELD(c->remote));
	fprintf(out, ",\"local_port\":%u,\"remote_port\":%u,\"state\":", c->lport, c->rport);
	table_cell(c, COL_STATE, FIELD(state)); /* as the screen says it: CLOSED once closed */
	json_str(out, FIELD(state));
	fputs(",\"age_s\":", out);
	json_seconds(out, c->age_ns);
	fprintf(out, ",\"closed\":%s,\"seeded\":%s,\"new\":%s}", c->closed ? "true" : "false",
		c->seeded ? "true" : "false", c->fresh ? "true" : "false");
}

int export_json(FILE *out, const struct snapshot *snap)
{
	char time[64];
	size_t i;

	iso_time(&snap->wall, FIELD(time));
	fprintf(out, "{\"format\":%d,\"time\":", EXPORT_JSON_VERSION);
	json_str_or_null(out, FIELD(time));
	fprintf(out, ",\"time_ms\":%lld,\"host\":",
		(long long)snap->wall.tv_sec * 1000 + snap->wall.tv_nsec / 1000000);
	json_str_or_null(out, FIELD(snap->host));
	fputs(",\"kernel\":", out);
	json_str_or_null(out, FIELD(snap->kernel));
	fputs(",\"source\":", out);
	json_str_or_null(out, FIELD(snap->source_kind));
	fputs(",\"interval_s\":", out);
	if (snap->interval_ns)
		json_seconds(out, snap->interval_ns);
	else
		fputs("null", out);
	fputs(",\"stats\":", out);
	json_stats(out, snap);
	fputs(",\"nodes\":[", out);
	for (i = 0; i < snap->nnodes && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_node(out, &snap->nodes[i]);
	}
	fputs("],\"edges\":[", out);
	for (i = 0; i < snap->nedges && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_edge(out, snap, &snap->edges[i]);
	}
	fputs("],\"connections\":[", out);
	for (i = 0; i < snap->nconns && !ferror(out); i++) {
		if (i)
			fputc(',', out);
		json_conn(out, &snap->conns[i]);
	}
	fputs("]}\n", out);
	return finish(out);
}

/* DOT: every id and label quoted, whatever the names hold. */

static void dot_str(FILE *out, const char *s, size_t max)
{
	fputc('"', out);
	put_escaped(out, s, max, QUOTE_DOT);
	fputc('"', out);
}

static bool in_container(const struct snap_node *node)
{
	return node->container.runtime[0];
}

#define STRNCMP_FIELD(a, b, field) strncmp((a)->field, (b)->field, sizeof((a)->field))

/* Containers by name, then network namespaces by inode; in a cluster, snapshot order. */
static int cluster_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct snap_node *nodes = ctx;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct snap_node *a = &nodes[ia], *b = &nodes[ib];
	int c;

	if ((c = (int)in_container(b) - (int)in_container(a)))
		return c;
	if (in_container(a)) {
		if ((c = STRNCMP_FIELD(a, b, container.name)) ||
		    (c = STRNCMP_FIELD(a, b, container.runtime)) ||
		    (c = STRNCMP_FIELD(a, b, container.id)))
			return c;
	} else if (a->netns != b->netns) {
		return a->netns < b->netns ? -1 : 1;
	}
	return (ia > ib) - (ia < ib);
}

static bool same_cluster(const struct snap_node *a, const struct snap_node *b)
{
	if (in_container(a) != in_container(b))
		return false;
	if (!in_container(a))
		return a->netns == b->netns;
	return !STRNCMP_FIELD(a, b, container.runtime) && !STRNCMP_FIELD(a, b, container.id);
}

/* "web-1 (docker)\nshop/web-1", or "netns lab-web", or "netns 4026531840". */
static void dot_cluster_label(FILE *out, const struct snap_node *node)
{
	const struct snap_container *c = &node->container;

	fputc('"', out);
	if (in_container(node)) {
		put_escaped(out, FIELD(c->name), QUOTE_DOT);
		fputs(" (", out);
		put_escaped(out, FIELD(c->runtime), QUOTE_DOT);
		fputc(')', out);
		if (c->pod[0]) {
			fputs("\\n", out);
			put_escaped(out, FIELD(c->pod), QUOTE_DOT);
		}
	} else if (node->netns_name[0]) {
		fputs("netns ", out);
		put_escaped(out, FIELD(node->netns_name), QUOTE_DOT);
	} else {
		fprintf(out, "netns %u", node->netns);
	}
	fputc('"', out);
}

static void dot_node(FILE *out, const struct snap_node *node, const char *indent)
{
	char id[NODE_ID_LEN];
	int i;

	node_id(node, FIELD(id));
	fputs(indent, out);
	dot_str(out, FIELD(id));
	fputs(" [label=\"", out);
	put_escaped(out, FIELD(node->name), QUOTE_DOT);
	if (node->kind != NODE_PROCESS) {
		fputs("\", shape=ellipse];\n", out);
		return;
	}
	for (i = 0; i < node->nlistening && i < SNAP_MAX_LISTEN; i++)
		fprintf(out, "%s%u", i ? ", " : "\\nlistening ", node->listening[i]);
	fputc('"', out);
	if (node->cmdline[0]) {
		fputs(", tooltip=", out);
		dot_str(out, FIELD(node->cmdline));
	}
	fputs("];\n", out);
}

static void dot_edge(FILE *out, const struct snapshot *snap, const struct snap_edge *e)
{
	char from[NODE_ID_LEN], to[NODE_ID_LEN];

	if (e->client >= snap->nnodes || e->server >= snap->nnodes)
		return;
	node_id(&snap->nodes[e->client], FIELD(from));
	node_id(&snap->nodes[e->server], FIELD(to));
	fputc('\t', out);
	dot_str(out, FIELD(from));
	fputs(" -> ", out);
	dot_str(out, FIELD(to));
	fprintf(out, " [label=\":%u\\n%u active, %llu opened, %llu closed\"%s];\n", e->port,
		e->active, (unsigned long long)e->opened, (unsigned long long)e->closed,
		e->active ? "" : ", style=dashed");
}

int export_dot(FILE *out, const struct snapshot *snap)
{
	size_t *order = malloc((snap->nnodes + 1) * sizeof(*order));
	size_t nprocs = 0, cluster = 0, i;
	char time[64];

	if (!order)
		return -ENOMEM;
	for (i = 0; i < snap->nnodes; i++)
		if (snap->nodes[i].kind == NODE_PROCESS)
			order[nprocs++] = i;
	qsort_r(order, nprocs, sizeof(*order), cluster_cmp, snap->nodes);

	iso_time(&snap->wall, FIELD(time));
	fputs("digraph conntop {\n\tgraph [label=\"conntop", out);
	if (snap->host[0]) {
		fputs(" on ", out);
		put_escaped(out, FIELD(snap->host), QUOTE_DOT);
	}
	fprintf(out, "%s%s\", labelloc=t, rankdir=LR, fontname=\"sans-serif\"];\n",
		time[0] ? ", " : "", time);
	fputs("\tnode [shape=box, style=rounded, fontname=\"sans-serif\"];\n"
	      "\tedge [fontname=\"sans-serif\", fontsize=10];\n",
	      out);
	for (i = 0; i < nprocs && !ferror(out); i++) {
		const struct snap_node *node = &snap->nodes[order[i]];

		if (!i || !same_cluster(&snap->nodes[order[i - 1]], node)) {
			if (i)
				fputs("\t}\n", out);
			fprintf(out, "\tsubgraph \"cluster_%zu\" {\n\t\tlabel=", cluster++);
			dot_cluster_label(out, node);
			fputs(in_container(node) ? ";\n\t\tstyle=\"rounded,filled\";"
						   "\n\t\tfillcolor=\"#eef3fb\";\n" :
						   ";\n\t\tstyle=dashed;\n",
			      out);
		}
		dot_node(out, node, "\t\t");
	}
	if (nprocs)
		fputs("\t}\n", out);
	free(order);
	for (i = 0; i < snap->nnodes && !ferror(out); i++)
		if (snap->nodes[i].kind != NODE_PROCESS)
			dot_node(out, &snap->nodes[i], "\t");
	for (i = 0; i < snap->nedges && !ferror(out); i++)
		dot_edge(out, snap, &snap->edges[i]);
	fputs("}\n", out);
	return finish(out);
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
