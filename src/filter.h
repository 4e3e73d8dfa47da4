/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a user asked to see: by port, pid, container, network namespace or text. One set of rules
 * serves the view (rows it lists), the batch frames and the exports (snapshots they write), so the
 * screen and a file never disagree about what a filter keeps. Counters are never filtered.
 */
#ifndef CONNTOP_FILTER_H
#define CONNTOP_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define FILTER_TEXT_LEN 64

struct snapshot_filter {
	int port; /* -1: any; else a connection's local or remote port, an edge's server port */
	uint32_t pid; /* 0: any; else a socket's owner, either end of an edge */
	uint32_t netns; /* 0: any; else a socket's or a process's network namespace inode */
	char container[SNAP_NAME_LEN]; /* "": any; else a container's name, pod, or id prefix */
	char text[FILTER_TEXT_LEN]; /* "": any; else found (any case) in names or addresses */
};

/* Everything passes. */
void filter_init(struct snapshot_filter *f);
bool filter_active(const struct snapshot_filter *f);

/* "port 80, container web": the criteria in force, or "" for none. */
void filter_describe(const struct snapshot_filter *f, char *buf, size_t size);

/* Whether @f keeps @conn, a row of @snap. */
bool filter_conn(const struct snapshot_filter *f, const struct snapshot *snap,
		 const struct snap_conn *conn);
/* An edge matches on its port and when either end does: a container keeps its clients. */
bool filter_edge(const struct snapshot_filter *f, const struct snapshot *snap,
		 const struct snap_edge *edge);

/*
 * Which nodes a list of nodes shows: @shown has one flag per node of @snap. A node is shown when
 * it matches on its own merits and, under a port filter, listens or talks on that port.
 */
void filter_nodes(const struct snapshot_filter *f, const struct snapshot *snap, bool *shown);

/*
 * A copy of @snap with only what @f keeps: matching connections and edges, and the nodes that
 * match or that a kept edge needs. Stats are copied whole. NULL when out of memory.
 */
struct snapshot *snapshot_filtered(const struct snapshot *snap, const struct snapshot_filter *f);

#endif /* CONNTOP_FILTER_H */
