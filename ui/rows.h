/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rows a view lists: which of a snapshot's nodes, groups, connections or edges, in which
 * order, and the text of their cells. Pure: built from a snapshot and the view's choices, read by
 * the renderer to draw and by the reducer to move the selection.
 */
#ifndef CONNTOP_ROWS_H
#define CONNTOP_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "snapshot.h"

/* The tables a view can show: each has its own columns, sort and selection. */
enum table_kind {
	TABLE_NODES, /* one row per process */
	TABLE_GROUPS, /* one row per container or network namespace */
	TABLE_CONNS, /* one row per connection */
	TABLE_TREE, /* servers, each with its clients as branches */
	TABLE_COUNT,
};

enum group_by {
	GROUP_NONE,
	GROUP_CONTAINER,
	GROUP_NETNS,
	GROUP_COUNT,
};

/* Processes summed by container or namespace. */
struct group_row {
	char label[SNAP_NAME_LEN]; /* a container's pod or name, "host", a netns name */
	char container[SNAP_NAME_LEN]; /* the value a container filter takes; "" outside one */
	uint32_t netns; /* GROUP_NETNS */
	uint32_t procs, conns_in, conns_out, opened;
	uint64_t sent_delta, received_delta; /* its processes' bytes since the previous frame */
	uint16_t listening[SNAP_MAX_LISTEN];
	uint8_t nlistening;
};

/* A server of the tree with its branches' sums. */
struct server_row {
	size_t node; /* into snap->nodes */
	uint32_t active;
	uint64_t opened, closed;
	uint64_t bytes_sent, bytes_received, retransmits; /* in the clients' view */
	uint64_t sent_delta, received_delta;
	uint16_t ports[SNAP_MAX_LISTEN]; /* its branches' ports, sorted */
	uint8_t nports;
};

enum row_kind {
	ROW_NODE,
	ROW_GROUP,
	ROW_CONN,
	ROW_SERVER,
	ROW_BRANCH,
};

/* 16 bytes: the connections view lists every connection each frame. */
struct view_row {
	uint64_t key; /* the row's identity from frame to frame: the selection follows it */
	uint32_t index; /* into snap->nodes, groups, snap->conns, servers or snap->edges */
	uint32_t server : 28; /* ROW_BRANCH: its server, into servers */
	uint32_t kind : 3; /* enum row_kind */
	uint32_t last : 1; /* ROW_BRANCH: the server's last client */
};

struct rows_query {
	enum table_kind table;
	enum group_by group; /* TABLE_GROUPS */
	const struct snapshot_filter *filter; /* NULL: everything */
	const struct snap_node *owner; /* TABLE_CONNS: only this node's connections; may be NULL */
	int sort_column; /* into the table's columns */
	bool descending;
};

struct view_rows {
	const struct snapshot *snap;
	struct rows_query query;
	int addr_width; /* the widest address among the connections listed */
	struct view_row *rows;
	size_t nrows, cap;
	struct group_row *groups;
	size_t ngroups;
	struct server_row *servers;
	size_t nservers;
};

struct view_column {
	const char *title;
	int width; /* wanted */
	int min; /* what it may shrink to on a narrow screen: 0 hides it */
	bool right; /* numbers align right */
	bool address; /* as wide as the widest address */
	void (*text)(const struct view_rows *rows, const struct view_row *row, char *buf,
		     size_t size);
	/* The sort key of a numeric column; NULL sorts by text. */
	double (*number)(const struct view_rows *rows, const struct view_row *row);
	bool descending; /* an amount: chosen to sort by, it sorts the most first (as htop's CPU%) */
};

/* The columns of @table; the last one takes the width left over. */
const struct view_column *rows_columns(enum table_kind table, enum group_by group, int *count);

/* The RATE column of @table (bytes per second, sent and received), or -1. */
int rows_rate_column(enum table_kind table, enum group_by group);

/* Returns 0, or -ENOMEM (and @rows empty). */
int rows_build(struct view_rows *rows, const struct snapshot *snap, const struct rows_query *q);
void rows_release(struct view_rows *rows);

/* The position of the row with @key, or -1. */
long rows_find(const struct view_rows *rows, uint64_t key);

/* The node a row is about (for the detail), or NULL: a group, or a connection without owner. */
const struct snap_node *rows_node(const struct view_rows *rows, const struct view_row *row);

/* Whether @conn belongs to @node: its process's socket, or one whose remote end it is. */
bool rows_conn_of(const struct snap_node *node, const struct snap_conn *conn);

/* Opened per second, or a negative number when the snapshot has no interval yet. */
double rows_rate(const struct snapshot *snap, uint64_t count);

/* "80,443,6379": as many ports as fit. */
void rows_ports(const uint16_t *ports, int n, char *buf, size_t size);

/* A stable 64-bit hash of a string: row keys. */
uint64_t rows_hash(uint64_t seed, const char *text);

#endif /* CONNTOP_ROWS_H */
