/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who talks to whom: connections folded into edges between nodes. A node is a process on this
 * host, or an address elsewhere. The two sockets of a local connection (the client's "out" and the
 * server's "in", possibly in different network namespaces joined by veth) are joined by their
 * tuples, one the reverse of the other, and count once.
 */
#ifndef CONNTOP_TOPOLOGY_H
#define CONNTOP_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracker.h"

enum node_kind {
	NODE_PROCESS, /* a process on this host */
	NODE_ADDRESS, /* an address: a remote host, or a local socket whose owner is unknown */
};

struct node_ref {
	uint8_t kind; /* enum node_kind */
	uint8_t family; /* NODE_ADDRESS */
	uint8_t pad[6]; /* zero: keys are hashed as bytes */
	struct proc_key proc; /* NODE_PROCESS */
	uint8_t addr[16]; /* NODE_ADDRESS */
};

struct edge_key {
	struct node_ref client, server;
	uint16_t port; /* the server's port */
	uint8_t pad[6];
};

struct edge {
	struct edge_key key;
	uint32_t active; /* open connections now */
	uint64_t opened; /* connections first seen while the edge existed, seeded ones excepted */
	uint64_t closed;
	/*
	 * Traffic in the client's view: what clients sent to the server and what they got back,
	 * each connection counted once (from its client socket, else from its server socket with
	 * the directions swapped). Totals over the edge's life: the final counts of connections
	 * closed while it existed, plus what the open ones have moved (a seeded one's history too).
	 */
	uint64_t bytes_sent, bytes_received;
	uint64_t retransmits; /* both sockets' when both are local: each retransmits its own data */
	uint64_t sent_delta, received_delta; /* bytes moved since the previous frame */
	uint32_t netns[2]; /* client's and server's network namespace (0 for an address) */
	char comm[2][CT_COMM_LEN]; /* client's and server's names, kept when a side's socket goes */
	/* Valid until the tracker's next end of frame: for names. */
	const struct proc *client_proc, *server_proc;
};

struct topology_stats {
	uint64_t edges; /* edges now */
	uint64_t joined; /* connections this frame whose two local sockets were joined */
	uint64_t table_full; /* edges not kept: the limit was reached */
};

struct topology;

struct topology *topology__new(size_t max_edges);
void topology__free(struct topology *topo);

/*
 * Folds the connections the tracker has now into the edges: call once per frame, before taking
 * the snapshot. It keeps which sockets it joined in the connections themselves (struct conn's
 * topo_* fields): one topology per tracker. An edge with no connection left in a frame (its last one was shown closed in
 * the frame before) is dropped, so no stale edge stays.
 */
int topology_update(struct topology *topo, struct tracker *tracker);

typedef void (*edge_visit_fn)(const struct edge *edge, void *ctx);
void topology_for_each_edge(const struct topology *topo, edge_visit_fn visit, void *ctx);
const struct topology_stats *topology_stats(const struct topology *topo);

#endif /* CONNTOP_TOPOLOGY_H */
