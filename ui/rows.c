// SPDX-License-Identifier: GPL-2.0-only
#include "rows.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "table.h"

#define SORT_TEXT_LEN 64

uint64_t rows_hash(uint64_t seed, const char *text)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 0x100000001b3ull;
	return h;
}

double rows_rate(const struct snapshot *snap, uint64_t count)
{
	return snap->interval_ns ? (double)count * 1e9 / (double)snap->interval_ns : -1.0;
}

void rows_ports(const uint16_t *ports, int n, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%u", i ? "," : "", ports[i]);

		if (w < 0 || (size_t)w >= size - len) {
			buf[len] = '\0'; /* a port is shown whole or not at all */
			break;
		}
		len += (size_t)w;
	}
	if (!n && size > 1)
		snprintf(buf, size, "-");
}

static void format_rate(char *buf, size_t size, double rate)
{
	if (rate < 0)
		snprintf(buf, size, "-");
	else if (rate < 100)
		snprintf(buf, size, "%.1f", rate);
	else
		snprintf(buf, size, "%.0f", rate);
}

/* "99999", then "100K", "1M": a count in at most 5 characters (powers of 1000). */
static void format_count(char *buf, size_t size, uint64_t n)
{
	static const char units[] = "KMGTPE";
	double value = (double)n;
	int unit = -1;

	if (n < 100000) {
		snprintf(buf, size, "%llu", (unsigned long long)n);
		return;
	}
	while (value >= 999.5 && unit < (int)sizeof(units) - 2) {
		value /= 1000;
		unit++;
	}
	snprintf(buf, size, "%.0f%c", value, units[unit]);
}

static const char *container_label(const struct snap_container *c)
{
	return c->pod[0] ? c->pod : c->name[0] ? c->name : "-";
}

static void netns_label(const struct snap_node *node, char *buf, size_t size)
{
	if (node->kind != NODE_PROCESS)
		snprintf(buf, size, "-");
	else if (node->netns_name[0])
		snprintf(buf, size, "%s", node->netns_name);
	else
		snprintf(buf, size, "%u", node->netns);
}

/* Cells of the connection table: the same text as the text export (table.c). */

static const struct snap_conn *conn_of(const struct view_rows *rows, const struct view_row *row)
{
	return &rows->snap->conns[row->index];
}

#define CONN_TEXT(name, col)                                                                  \
	static void name(const struct view_rows *rows, const struct view_row *row, char *buf, \
			 size_t size)                                                         \
	{                                                                                     \
		table_cell(rows->snap, conn_of(rows, row), col, buf, size);                   \
	}
CONN_TEXT(conn_pid, COL_PID)
CONN_TEXT(conn_comm, COL_COMM)
CONN_TEXT(conn_dir, COL_DIR)
CONN_TEXT(conn_local, COL_LOCAL)
CONN_TEXT(conn_remote, COL_REMOTE)
CONN_TEXT(conn_state, COL_STATE)
CONN_TEXT(conn_age, COL_AGE)

static void conn_container(const struct view_rows *rows, const struct view_row *row, char *buf,
			   size_t size)
{
	snprintf(buf, size, "%s",
		 container_label(snap_conn_container(rows->snap, conn_of(rows, row))));
}

static double conn_pid_number(const struct view_rows *rows, const struct view_row *row)
{
	return conn_of(rows, row)->pid;
}

static double conn_age_number(const struct view_rows *rows, const struct view_row *row)
{
	return (double)conn_of(rows, row)->age_ns;
}

static double conn_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	const struct snap_conn *c = conn_of(rows, row);

	return rows_rate(rows->snap, c->sent_delta + c->received_delta);
}

static uint64_t conn_sent_value(const struct view_rows *rows, const struct view_row *row)
{
	return conn_of(rows, row)->bytes_sent;
}

static uint64_t conn_recv_value(const struct view_rows *rows, const struct view_row *row)
{
	return conn_of(rows, row)->bytes_received;
}

static uint64_t conn_retr_value(const struct view_rows *rows, const struct view_row *row)
{
	return conn_of(rows, row)->retransmits;
}

/* Cells of the node table. */

static const struct snap_node *node_of(const struct view_rows *rows, const struct view_row *row)
{
	return &rows->snap->nodes[row->index];
}

static void node_pid(const struct view_rows *rows, const struct view_row *row, char *buf,
		     size_t size)
{
	snprintf(buf, size, "%u", node_of(rows, row)->pid);
}

static double node_pid_number(const struct view_rows *rows, const struct view_row *row)
{
	return node_of(rows, row)->pid;
}

static void node_comm(const struct view_rows *rows, const struct view_row *row, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%s", node_of(rows, row)->comm);
}

static void node_container(const struct view_rows *rows, const struct view_row *row, char *buf,
			   size_t size)
{
	snprintf(buf, size, "%s", container_label(&node_of(rows, row)->container));
}

static void node_netns(const struct view_rows *rows, const struct view_row *row, char *buf,
		       size_t size)
{
	netns_label(node_of(rows, row), buf, size);
}

static double node_in_number(const struct view_rows *rows, const struct view_row *row)
{
	return node_of(rows, row)->conns_in;
}

static double node_out_number(const struct view_rows *rows, const struct view_row *row)
{
	return node_of(rows, row)->conns_out;
}

static double node_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	return rows_rate(rows->snap, node_of(rows, row)->opened);
}

static double node_bytes_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	const struct snap_node *node = node_of(rows, row);

	return rows_rate(rows->snap, node->sent_delta + node->received_delta);
}

static void node_listen(const struct view_rows *rows, const struct view_row *row, char *buf,
			size_t size)
{
	const struct snap_node *node = node_of(rows, row);

	rows_ports(node->listening, node->nlistening, buf, size);
}

static void node_cmdline(const struct view_rows *rows, const struct view_row *row, char *buf,
			 size_t size)
{
	const struct snap_node *node = node_of(rows, row);

	snprintf(buf, size, "%s", node->cmdline[0] ? node->cmdline : node->comm);
}

/* Cells of the group table. */

static const struct group_row *group_of(const struct view_rows *rows, const struct view_row *row)
{
	return &rows->groups[row->index];
}

static void group_label_text(const struct view_rows *rows, const struct view_row *row, char *buf,
			     size_t size)
{
	snprintf(buf, size, "%s", group_of(rows, row)->label);
}

static double group_procs_number(const struct view_rows *rows, const struct view_row *row)
{
	return group_of(rows, row)->procs;
}

static double group_in_number(const struct view_rows *rows, const struct view_row *row)
{
	return group_of(rows, row)->conns_in;
}

static double group_out_number(const struct view_rows *rows, const struct view_row *row)
{
	return group_of(rows, row)->conns_out;
}

static double group_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	return rows_rate(rows->snap, group_of(rows, row)->opened);
}

static double group_bytes_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	const struct group_row *g = group_of(rows, row);

	return rows_rate(rows->snap, g->sent_delta + g->received_delta);
}

static void group_listen(const struct view_rows *rows, const struct view_row *row, char *buf,
			 size_t size)
{
	const struct group_row *g = group_of(rows, row);

	rows_ports(g->listening, g->nlistening, buf, size);
}

/* Cells of the tree: a server row sums its branches. */

static const struct snap_edge *edge_of(const struct view_rows *rows, const struct view_row *row)
{
	return &rows->snap->edges[row->index];
}

static const struct server_row *server_of(const struct view_rows *rows, const struct view_row *row)
{
	return &rows->servers[row->kind == ROW_SERVER ? row->index : row->server];
}

static const struct snap_node *tree_node(const struct view_rows *rows, const struct view_row *row)
{
	if (row->kind == ROW_SERVER)
		return &rows->snap->nodes[server_of(rows, row)->node];
	return &rows->snap->nodes[edge_of(rows, row)->client];
}

static void tree_name(const struct view_rows *rows, const struct view_row *row, char *buf,
		      size_t size)
{
	snprintf(buf, size, "%s", tree_node(rows, row)->name);
}

static void tree_container(const struct view_rows *rows, const struct view_row *row, char *buf,
			   size_t size)
{
	const struct snap_node *node = tree_node(rows, row);

	snprintf(buf, size, "%s",
		 node->kind == NODE_PROCESS ? container_label(&node->container) : "-");
}

static void tree_port(const struct view_rows *rows, const struct view_row *row, char *buf,
		      size_t size)
{
	const struct server_row *s = server_of(rows, row);

	if (row->kind == ROW_SERVER)
		rows_ports(s->ports, s->nports, buf, size);
	else
		snprintf(buf, size, "%u", edge_of(rows, row)->port);
}

static double tree_port_number(const struct view_rows *rows, const struct view_row *row)
{
	const struct server_row *s = server_of(rows, row);

	if (row->kind == ROW_SERVER)
		return s->nports ? s->ports[0] : 0;
	return edge_of(rows, row)->port;
}

static double tree_active_number(const struct view_rows *rows, const struct view_row *row)
{
	return row->kind == ROW_SERVER ? server_of(rows, row)->active : edge_of(rows, row)->active;
}

static double tree_opened_number(const struct view_rows *rows, const struct view_row *row)
{
	return (double)(row->kind == ROW_SERVER ? server_of(rows, row)->opened :
						  edge_of(rows, row)->opened);
}

static double tree_closed_number(const struct view_rows *rows, const struct view_row *row)
{
	return (double)(row->kind == ROW_SERVER ? server_of(rows, row)->closed :
						  edge_of(rows, row)->closed);
}

/* A server row's traffic is its branches' sum. */
#define TREE_FIELD(row_, field) \
	((row_)->kind == ROW_SERVER ? server_of(rows, row_)->field : edge_of(rows, row_)->field)

static double tree_rate_number(const struct view_rows *rows, const struct view_row *row)
{
	return rows_rate(rows->snap, TREE_FIELD(row, sent_delta) + TREE_FIELD(row, received_delta));
}

static uint64_t tree_sent_value(const struct view_rows *rows, const struct view_row *row)
{
	return TREE_FIELD(row, bytes_sent);
}

static uint64_t tree_recv_value(const struct view_rows *rows, const struct view_row *row)
{
	return TREE_FIELD(row, bytes_received);
}

static uint64_t tree_retr_value(const struct view_rows *rows, const struct view_row *row)
{
	return TREE_FIELD(row, retransmits);
}

static void tree_netns(const struct view_rows *rows, const struct view_row *row, char *buf,
		       size_t size)
{
	netns_label(tree_node(rows, row), buf, size);
}

/* A numeric column's text is its sort key, formatted: one source for both. */
#define NUMBER_TEXT(name, number)                                                             \
	static void name(const struct view_rows *rows, const struct view_row *row, char *buf, \
			 size_t size)                                                         \
	{                                                                                     \
		snprintf(buf, size, "%.0f", number(rows, row));                               \
	}
NUMBER_TEXT(node_in, node_in_number)
NUMBER_TEXT(node_out, node_out_number)
NUMBER_TEXT(group_procs, group_procs_number)
NUMBER_TEXT(group_in, group_in_number)
NUMBER_TEXT(group_out, group_out_number)
NUMBER_TEXT(tree_active, tree_active_number)
NUMBER_TEXT(tree_opened, tree_opened_number)
NUMBER_TEXT(tree_closed, tree_closed_number)

static void node_rate(const struct view_rows *rows, const struct view_row *row, char *buf,
		      size_t size)
{
	format_rate(buf, size, node_rate_number(rows, row));
}

/*
 * Traffic cells in human units (bytes in powers of 1024, as top; counts in powers of 1000), and
 * their sort keys, from one value.
 */
#define AMOUNT_CELL(name, format)                                                             \
	static void name(const struct view_rows *rows, const struct view_row *row, char *buf, \
			 size_t size)                                                         \
	{                                                                                     \
		format(buf, size, name##_value(rows, row));                                   \
	}                                                                                     \
	static double name##_number(const struct view_rows *rows, const struct view_row *row) \
	{                                                                                     \
		return (double)name##_value(rows, row);                                       \
	}
#define RATE_TEXT(name, number)                                                               \
	static void name(const struct view_rows *rows, const struct view_row *row, char *buf, \
			 size_t size)                                                         \
	{                                                                                     \
		format_byte_rate(buf, size, number(rows, row));                               \
	}
AMOUNT_CELL(conn_sent, format_bytes)
AMOUNT_CELL(conn_recv, format_bytes)
AMOUNT_CELL(conn_retr, format_count)
AMOUNT_CELL(tree_sent, format_bytes)
AMOUNT_CELL(tree_recv, format_bytes)
AMOUNT_CELL(tree_retr, format_count)
RATE_TEXT(conn_rate, conn_rate_number)
RATE_TEXT(node_bytes_rate, node_bytes_rate_number)
RATE_TEXT(group_bytes_rate, group_bytes_rate_number)
RATE_TEXT(tree_rate, tree_rate_number)

static void group_rate(const struct view_rows *rows, const struct view_row *row, char *buf,
		       size_t size)
{
	format_rate(buf, size, group_rate_number(rows, row));
}

static const struct view_column node_columns[] = {
	{ "PID", 7, 7, true, false, node_pid, node_pid_number, false },
	{ "NAME", 15, 8, false, false, node_comm, NULL, false },
	{ "CONTAINER", 14, 8, false, false, node_container, NULL, false },
	{ "IN", 5, 5, true, false, node_in, node_in_number, true },
	{ "OUT", 5, 5, true, false, node_out, node_out_number, true },
	{ "OPEN/S", 7, 6, true, false, node_rate, node_rate_number, true },
	{ "RATE", 5, 5, true, false, node_bytes_rate, node_bytes_rate_number, true },
	{ "LISTEN", 12, 6, false, false, node_listen, NULL, false },
	{ "NETNS", 10, 0, false, false, node_netns, NULL, false },
	{ "COMMAND", 7, 0, false, false, node_cmdline, NULL, false },
};

static const struct view_column container_group_columns[] = {
	{ "CONTAINER", 30, 10, false, false, group_label_text, NULL, false },
	{ "PROCS", 6, 6, true, false, group_procs, group_procs_number, true },
	{ "IN", 6, 6, true, false, group_in, group_in_number, true },
	{ "OUT", 6, 6, true, false, group_out, group_out_number, true },
	{ "OPEN/S", 7, 6, true, false, group_rate, group_rate_number, true },
	{ "RATE", 5, 5, true, false, group_bytes_rate, group_bytes_rate_number, true },
	{ "LISTEN", 6, 0, false, false, group_listen, NULL, false },
};

/* The same, titled for namespaces. */
static const struct view_column netns_group_columns[] = {
	{ "NETNS", 30, 10, false, false, group_label_text, NULL, false },
	{ "PROCS", 6, 6, true, false, group_procs, group_procs_number, true },
	{ "IN", 6, 6, true, false, group_in, group_in_number, true },
	{ "OUT", 6, 6, true, false, group_out, group_out_number, true },
	{ "OPEN/S", 7, 6, true, false, group_rate, group_rate_number, true },
	{ "RATE", 5, 5, true, false, group_bytes_rate, group_bytes_rate_number, true },
	{ "LISTEN", 6, 0, false, false, group_listen, NULL, false },
};

static const struct view_column conn_columns[] = {
	{ "PID", 7, 7, true, false, conn_pid, conn_pid_number, false },
	{ "COMM", 15, 10, false, false, conn_comm, NULL, false },
	{ "DIR", 3, 3, false, false, conn_dir, NULL, false },
	{ "LOCAL", 15, 15, false, true, conn_local, NULL, false },
	{ "REMOTE", 15, 15, false, true, conn_remote, NULL, false },
	{ "STATE", 11, 11, false, false, conn_state, NULL, false },
	{ "AGE", 7, 7, true, false, conn_age, conn_age_number, false },
	{ "RATE", 5, 5, true, false, conn_rate, conn_rate_number, true },
	{ "SENT", 5, 5, true, false, conn_sent, conn_sent_number, true },
	{ "RECV", 5, 5, true, false, conn_recv, conn_recv_number, true },
	{ "RETR", 5, 5, true, false, conn_retr, conn_retr_number, true },
	{ "CONTAINER", 9, 0, false, false, conn_container, NULL, false },
};

static const struct view_column tree_columns[] = {
	{ "SERVER / CLIENT", 30, 16, false, false, tree_name, NULL, false },
	{ "CONTAINER", 14, 0, false, false, tree_container, NULL, false },
	{ "PORT", 6, 6, true, false, tree_port, tree_port_number, false },
	{ "ACTIVE", 6, 6, true, false, tree_active, tree_active_number, true },
	{ "OPENED", 7, 7, true, false, tree_opened, tree_opened_number, true },
	{ "CLOSED", 7, 7, true, false, tree_closed, tree_closed_number, true },
	{ "RATE", 5, 5, true, false, tree_rate, tree_rate_number, true },
	{ "SENT", 5, 5, true, false, tree_sent, tree_sent_number, true },
	{ "RECV", 5, 5, true, false, tree_recv, tree_recv_number, true },
	{ "RETR", 5, 5, true, false, tree_retr, tree_retr_number, true },
	{ "NETNS", 5, 0, false, false, tree_netns, NULL, false },
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const struct view_column *rows_columns(enum table_kind table, enum group_by group, int *count)
{
	switch (table) {
	case TABLE_NODES:
		*count = COUNT(node_columns);
		return node_columns;
	case TABLE_GROUPS:
		*count = COUNT(container_group_columns);
		return group == GROUP_NETNS ? netns_group_columns : container_group_columns;
	case TABLE_CONNS:
		*count = COUNT(conn_columns);
		return conn_columns;
	default:
		*count = COUNT(tree_columns);
		return tree_columns;
	}
}

int rows_rate_column(enum table_kind table, enum group_by group)
{
	int ncols, i;
	const struct view_column *cols = rows_columns(table, group, &ncols);

	for (i = 0; i < ncols; i++)
		if (!strcmp(cols[i].title, "RATE"))
			return i;
	return -1;
}

bool rows_conn_of(const struct snap_node *node, const struct snap_conn *conn)
{
	char addr[ADDR_PORT_LEN];

	if (node->kind == NODE_PROCESS)
		return conn->pid && conn->pid == node->pid;
	if (addr_format_host(addr, sizeof(addr), conn->family, conn->raddr) < 0)
		return false;
	return !strcmp(node->name, addr);
}

/* Row lists per table. */

static struct view_row *add_row(struct view_rows *rows, size_t *cap, enum row_kind kind,
				size_t index, uint64_t key)
{
	struct view_row *row;

	if (rows->nrows >= *cap) /* never: room was made for as many as the table can have */
		return NULL;
	row = &rows->rows[rows->nrows++];
	*row = (struct view_row){ .kind = kind, .index = index, .key = key };
	return row;
}

static const struct snapshot_filter *filter_or_all(const struct rows_query *q,
						   struct snapshot_filter *all)
{
	if (q->filter)
		return q->filter;
	filter_init(all);
	return all;
}

static int build_conns(struct view_rows *rows, const struct rows_query *q)
{
	const struct snapshot *snap = rows->snap;
	struct snapshot_filter all;
	const struct snapshot_filter *f = filter_or_all(q, &all);
	bool all_of_them = !q->owner && !filter_active(f);
	size_t i;

	rows->addr_width = table_addr_width(snap, 0);
	for (i = 0; i < snap->nconns; i++) {
		const struct snap_conn *c = &snap->conns[i];

		if (!all_of_them &&
		    (q->owner ? !rows_conn_of(q->owner, c) : !filter_conn(f, snap, c)))
			continue;
		rows->rows[rows->nrows++] =
			(struct view_row){ .kind = ROW_CONN, .index = i, .key = c->cookie };
	}
	return 0;
}

static int build_nodes(struct view_rows *rows, const struct rows_query *q)
{
	const struct snapshot *snap = rows->snap;
	struct snapshot_filter all;
	bool *shown = calloc(snap->nnodes + 1, sizeof(*shown));
	size_t cap = rows->cap, i;
	int err = 0;

	if (!shown)
		return -ENOMEM;
	filter_nodes(filter_or_all(q, &all), snap, shown);
	for (i = 0; i < snap->nnodes && !err; i++)
		if (shown[i] && snap->nodes[i].kind == NODE_PROCESS &&
		    !add_row(rows, &cap, ROW_NODE, i, rows_hash(1, snap->nodes[i].name)))
			err = -ENOMEM;
	free(shown);
	return err;
}

static void group_of_node(const struct snap_node *node, enum group_by by, struct group_row *g)
{
	memset(g, 0, sizeof(*g));
	if (by == GROUP_NETNS) {
		g->netns = node->netns;
		if (node->netns_name[0])
			snprintf(g->label, sizeof(g->label), "%s", node->netns_name);
		else
			snprintf(g->label, sizeof(g->label), "netns:%u", node->netns);
	} else if (node->container.runtime[0]) {
		snprintf(g->label, sizeof(g->label), "%s", container_label(&node->container));
		snprintf(g->container, sizeof(g->container), "%s", g->label);
	} else {
		snprintf(g->label, sizeof(g->label), "host");
	}
}

static void add_ports(uint16_t *ports, uint8_t *n, const uint16_t *more, int nmore)
{
	int i, at, j;

	for (i = 0; i < nmore; i++) {
		for (at = 0; at < *n && ports[at] < more[i]; at++)
			;
		if ((at < *n && ports[at] == more[i]) || *n == SNAP_MAX_LISTEN)
			continue;
		for (j = *n; j > at; j--)
			ports[j] = ports[j - 1];
		ports[at] = more[i];
		(*n)++;
	}
}

static int cmp_group_label(const void *a, const void *b)
{
	return strcmp(((const struct group_row *)a)->label, ((const struct group_row *)b)->label);
}

static int build_groups(struct view_rows *rows, const struct rows_query *q)
{
	const struct snapshot *snap = rows->snap;
	struct snapshot_filter all;
	bool *shown = calloc(snap->nnodes + 1, sizeof(*shown));
	size_t cap = rows->cap, gcap = 0, i, j;
	struct group_row g;

	if (!shown)
		return -ENOMEM;
	filter_nodes(filter_or_all(q, &all), snap, shown);
	for (i = 0; i < snap->nnodes; i++) {
		const struct snap_node *node = &snap->nodes[i];

		if (!shown[i] || node->kind != NODE_PROCESS)
			continue;
		group_of_node(node, q->group, &g);
		for (j = 0; j < rows->ngroups; j++) /* few groups: a scan is simplest */
			if (!strcmp(rows->groups[j].label, g.label))
				break;
		if (j == rows->ngroups) {
			if (array_reserve(&rows->groups, rows->ngroups, &gcap, sizeof(g))) {
				free(shown);
				return -ENOMEM;
			}
			rows->groups[rows->ngroups++] = g;
		}
		rows->groups[j].procs++;
		rows->groups[j].conns_in += node->conns_in;
		rows->groups[j].conns_out += node->conns_out;
		rows->groups[j].opened += node->opened;
		rows->groups[j].sent_delta += node->sent_delta;
		rows->groups[j].received_delta += node->received_delta;
		add_ports(rows->groups[j].listening, &rows->groups[j].nlistening, node->listening,
			  node->nlistening);
	}
	free(shown);
	if (rows->ngroups)
		qsort(rows->groups, rows->ngroups, sizeof(*rows->groups), cmp_group_label);
	for (j = 0; j < rows->ngroups; j++)
		if (!add_row(rows, &cap, ROW_GROUP, j, rows_hash(2, rows->groups[j].label)))
			return -ENOMEM;
	return 0;
}

static uint64_t branch_key(const struct snapshot *snap, const struct snap_edge *e)
{
	char port[8];

	snprintf(port, sizeof(port), "%u", e->port);
	return rows_hash(
		rows_hash(rows_hash(4, snap->nodes[e->server].name), snap->nodes[e->client].name),
		port);
}

/* Server rows each followed by their branches; the edges come sorted by server already. */
static int build_tree(struct view_rows *rows, const struct rows_query *q)
{
	const struct snapshot *snap = rows->snap;
	struct snapshot_filter all;
	const struct snapshot_filter *f = filter_or_all(q, &all);
	size_t cap = rows->cap, scap = 0, i;
	struct server_row *s = NULL;

	for (i = 0; i < snap->nedges; i++) {
		const struct snap_edge *e = &snap->edges[i];
		struct view_row *row;

		if (!filter_edge(f, snap, e))
			continue;
		if (!s || s->node != e->server) {
			if (array_reserve(&rows->servers, rows->nservers, &scap, sizeof(*s)))
				return -ENOMEM;
			s = &rows->servers[rows->nservers];
			*s = (struct server_row){ .node = e->server };
			if (!add_row(rows, &cap, ROW_SERVER, rows->nservers++,
				     rows_hash(3, snap->nodes[e->server].name)))
				return -ENOMEM;
		}
		s->active += e->active;
		s->opened += e->opened;
		s->closed += e->closed;
		s->bytes_sent += e->bytes_sent;
		s->bytes_received += e->bytes_received;
		s->retransmits += e->retransmits;
		s->sent_delta += e->sent_delta;
		s->received_delta += e->received_delta;
		add_ports(s->ports, &s->nports, &e->port, 1);
		row = add_row(rows, &cap, ROW_BRANCH, i, branch_key(snap, e));
		if (!row)
			return -ENOMEM;
		row->server = rows->nservers - 1;
	}
	return 0;
}

/*
 * Sorting: keys computed once per row, ties kept in the order rows were built. The connections
 * view sorts every connection each frame (50,000 and more): numbers go through a stable radix
 * sort of their bits, texts through qsort.
 */

struct number_item {
	uint64_t key; /* the number's bits, made to sort as unsigned (and inverted to descend) */
	uint32_t pos;
};

struct text_item {
	char text[SORT_TEXT_LEN];
	uint64_t pos; /* 8 bytes: the rows that follow the items stay aligned */
};

static uint64_t number_key(double number, bool descending)
{
	uint64_t bits;

	number += 0.0; /* -0 is 0 */
	memcpy(&bits, &number, sizeof(bits));
	bits = bits >> 63 ? ~bits : bits | 1ull << 63; /* IEEE 754 order as unsigned */
	return descending ? ~bits : bits;
}

/*
 * Keys already in at most two ascending runs (rows come in the snapshot's order: open ones, then
 * closed ones, each by pid, so the default PID column is two runs) are merged in one pass, ties
 * from the first run first. Returns false, having done nothing, when there are more runs.
 */
static bool merge_runs(struct number_item *items, struct number_item *tmp, size_t n)
{
	size_t split = 0, i, a, b;

	for (i = 1; i < n; i++) {
		if (items[i].key >= items[i - 1].key)
			continue;
		if (split)
			return false;
		split = i;
	}
	if (!split)
		return true; /* sorted already */
	for (i = 0, a = 0, b = split; i < n; i++)
		tmp[i] = b == n || (a < split && items[a].key <= items[b].key) ? items[a++] :
										 items[b++];
	memcpy(items, tmp, n * sizeof(*items));
	return true;
}

/* Least significant byte first, each pass stable: equal keys keep their order (pos). */
static void radix_sort(struct number_item *items, struct number_item *tmp, size_t n)
{
	size_t count[256], i;
	int shift;

	for (shift = 0; shift < 64; shift += 8) {
		size_t at = 0;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[items[i].key >> shift & 0xff]++;
		if (count[items[0].key >> shift & 0xff] == n)
			continue; /* every key has this byte: nothing to move */
		for (i = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = at;
			at += c;
		}
		for (i = 0; i < n; i++)
			tmp[count[items[i].key >> shift & 0xff]++] = items[i];
		memcpy(items, tmp, n * sizeof(*items));
	}
}

struct sort_order {
	bool descending;
};

static int text_cmp(const void *pa, const void *pb, void *arg)
{
	const struct text_item *a = pa, *b = pb;
	const struct sort_order *o = arg;
	int c = strcmp(a->text, b->text);

	if (o->descending)
		c = -c;
	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* @scratch: room for 2 * @n number items, or @n text items, and @n rows. */
static void sort_rows(struct view_rows *rows, struct view_row *first, size_t n,
		      const struct view_column *col, bool descending, void *scratch)
{
	struct view_row *copy;
	size_t i;

	if (n < 2)
		return;
	if (col->number) {
		struct number_item *items = scratch;

		for (i = 0; i < n; i++)
			items[i] = (struct number_item){
				number_key(col->number(rows, &first[i]), descending), (uint32_t)i
			};
		if (!merge_runs(items, items + n, n))
			radix_sort(items, items + n, n);
		copy = (struct view_row *)(items + 2 * n);
		memcpy(copy, first, n * sizeof(*first));
		for (i = 0; i < n; i++)
			first[i] = copy[items[i].pos];
	} else {
		struct text_item *items = scratch;
		struct sort_order order = { .descending = descending };

		for (i = 0; i < n; i++) {
			col->text(rows, &first[i], items[i].text, sizeof(items[i].text));
			items[i].pos = i;
		}
		qsort_r(items, n, sizeof(*items), text_cmp, &order);
		copy = (struct view_row *)(items + n);
		memcpy(copy, first, n * sizeof(*first));
		for (i = 0; i < n; i++)
			first[i] = copy[items[i].pos];
	}
}

/*
 * Working memory for sort_rows() of up to @n rows by @col. It is kept from one frame to the next
 * (grown, never shrunk): sorting the connections view's 50,000 rows every frame in memory fresh
 * from the kernel cost a page fault per 4 KB, 1-2 ms a frame. Only the interactive view sorts
 * rows; one sort at a time (conntop has one thread).
 */
static void *sort_scratch(size_t n, const struct view_column *col)
{
	static void *mem;
	static size_t size;
	size_t items = col->number ? 2 * sizeof(struct number_item) : sizeof(struct text_item);
	size_t want = (n + 1) * (items + sizeof(struct view_row));

	if (want > size) {
		free(mem);
		mem = malloc(want);
		size = mem ? want : 0;
	}
	return mem;
}

/*
 * The tree: servers sorted among themselves, each server's branches among themselves. A server
 * row's index numbers the servers in the order they were built, which is the order of @rows.
 */
static int sort_tree(struct view_rows *rows, const struct view_column *col, bool descending,
		     void *scratch)
{
	struct view_row *servers = malloc((rows->nservers + 1) * sizeof(*servers));
	struct view_row *out = malloc((rows->nrows + 1) * sizeof(*out));
	size_t *first = malloc((rows->nservers + 1) * sizeof(*first)); /* its first branch */
	size_t *count = malloc((rows->nservers + 1) * sizeof(*count));
	size_t n = 0, i, s;

	if (!servers || !out || !first || !count) {
		free(servers);
		free(out);
		free(first);
		free(count);
		return -ENOMEM;
	}
	for (i = 0; i < rows->nrows; i++) {
		if (rows->rows[i].kind != ROW_SERVER)
			continue;
		s = rows->rows[i].index;
		servers[s] = rows->rows[i];
		first[s] = i + 1;
		for (count[s] = 0; first[s] + count[s] < rows->nrows &&
				   rows->rows[first[s] + count[s]].kind == ROW_BRANCH;
		     count[s]++)
			;
		sort_rows(rows, &rows->rows[first[s]], count[s], col, descending, scratch);
		if (count[s])
			rows->rows[first[s] + count[s] - 1].last = true;
	}
	sort_rows(rows, servers, rows->nservers, col, descending, scratch);
	for (i = 0; i < rows->nservers; i++) {
		s = servers[i].index;
		out[n++] = servers[i];
		memcpy(&out[n], &rows->rows[first[s]], count[s] * sizeof(*out));
		n += count[s];
	}
	if (n)
		memcpy(rows->rows, out, n * sizeof(*out));
	free(servers);
	free(out);
	free(first);
	free(count);
	return 0;
}

static int sort_all(struct view_rows *rows, const struct rows_query *q)
{
	int ncols;
	const struct view_column *cols = rows_columns(q->table, q->group, &ncols);
	const struct view_column *col = &cols[q->sort_column < ncols ? q->sort_column : 0];
	void *scratch = sort_scratch(rows->nrows, col);
	int err = 0;

	if (!scratch)
		return -ENOMEM;
	if (q->table == TABLE_TREE)
		err = sort_tree(rows, col, q->descending, scratch);
	else
		sort_rows(rows, rows->rows, rows->nrows, col, q->descending, scratch);
	return err;
}

int rows_build(struct view_rows *rows, const struct snapshot *snap, const struct rows_query *q)
{
	int err;

	memset(rows, 0, sizeof(*rows));
	rows->snap = snap;
	rows->query = *q;
	rows->query.filter = NULL; /* not kept: the caller's */
	/* Room for every row the table can have: a connection, node or group each; a tree's servers
	 * and branches at most two per edge. */
	rows->cap = q->table == TABLE_CONNS ? snap->nconns :
		    q->table == TABLE_TREE  ? 2 * snap->nedges :
					      snap->nnodes;
	rows->rows = malloc((rows->cap + 1) * sizeof(*rows->rows));
	if (!rows->rows)
		return -ENOMEM;
	switch (q->table) {
	case TABLE_NODES:
		err = build_nodes(rows, q);
		break;
	case TABLE_GROUPS:
		err = build_groups(rows, q);
		break;
	case TABLE_CONNS:
		err = build_conns(rows, q);
		break;
	default:
		err = build_tree(rows, q);
	}
	if (!err)
		err = sort_all(rows, q);
	if (err) {
		rows_release(rows);
		rows->snap = snap;
	}
	return err;
}

void rows_release(struct view_rows *rows)
{
	free(rows->rows);
	free(rows->groups);
	free(rows->servers);
	memset(rows, 0, sizeof(*rows));
}

long rows_find(const struct view_rows *rows, uint64_t key)
{
	size_t i;

	for (i = 0; i < rows->nrows; i++)
		if (rows->rows[i].key == key)
			return (long)i;
	return -1;
}

const struct snap_node *rows_node(const struct view_rows *rows, const struct view_row *row)
{
	size_t i;

	switch (row->kind) {
	case ROW_NODE:
		return node_of(rows, row);
	case ROW_SERVER:
	case ROW_BRANCH:
		return tree_node(rows, row);
	case ROW_CONN:
		for (i = 0; i < rows->snap->nnodes; i++)
			if (rows->snap->nodes[i].kind == NODE_PROCESS &&
			    rows_conn_of(&rows->snap->nodes[i], conn_of(rows, row)))
				return &rows->snap->nodes[i];
		return NULL;
	default:
		return NULL;
	}
}
