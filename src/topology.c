// SPDX-License-Identifier: GPL-2.0-only
#include "topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uthash.h>

struct edge_entry {
	struct edge edge;
	bool touched; /* had a connection this frame */
	/* The final counts of the connections closed on the edge so far (client's view). */
	uint64_t done_sent, done_received, done_retransmits;
	UT_hash_handle hh;
};

/* A socket's tuple as it sees itself. Loopback tuples repeat across namespaces: netns tells. */
struct tuple_key {
	uint8_t family;
	uint8_t pad[3];
	uint32_t netns; /* only for loopback addresses, else 0 */
	uint16_t lport, rport;
	uint8_t laddr[16], raddr[16];
};

/*
 * A socket that was joined to its peer: once one side is gone (a server closes after answering,
 * the client lingers in FIN_WAIT, or the reverse) the other stays on the same edge.
 */
struct joined {
	uint64_t cookie;
	struct edge_key key;
	bool seen; /* its socket was there this frame */
	UT_hash_handle hh;
};

/* This frame's accepted sockets, by tuple, waiting for their client. */
struct server_side {
	struct tuple_key key;
	const struct conn *conn;
	bool joined;
	UT_hash_handle hh;
};

struct topology {
	size_t max_edges;
	struct edge_entry *edges;
	struct server_side *servers; /* only during an update */
	struct joined *joined;
	const struct tracker *tracker; /* during an update */
	uint64_t frame;
	struct topology_stats stats;
	int error;
};

struct topology *topology__new(size_t max_edges)
{
	struct topology *topo = calloc(1, sizeof(*topo));

	if (topo)
		topo->max_edges = max_edges;
	return topo;
}

static void free_servers(struct topology *topo)
{
	struct server_side *side, *tmp;

	HASH_ITER (hh, topo->servers, side, tmp) {
		HASH_DEL(topo->servers, side);
		free(side);
	}
}

static void forget_joined(struct topology *topo, bool all)
{
	struct joined *j, *tmp;

	HASH_ITER (hh, topo->joined, j, tmp) {
		if (j->seen && !all) {
			j->seen = false;
			continue;
		}
		HASH_DEL(topo->joined, j);
		free(j);
	}
}

static struct joined *joined_find(struct topology *topo, uint64_t cookie)
{
	struct joined *j;

	HASH_FIND(hh, topo->joined, &cookie, sizeof(cookie), j);
	if (j)
		j->seen = true;
	return j;
}

static void remember_joined(struct topology *topo, uint64_t cookie, const struct edge_key *key)
{
	struct joined *j = joined_find(topo, cookie);

	if (!j) {
		j = calloc(1, sizeof(*j));
		if (!j) {
			topo->error = -ENOMEM;
			return;
		}
		j->cookie = cookie;
		j->seen = true;
		HASH_ADD(hh, topo->joined, cookie, sizeof(j->cookie), j);
	}
	j->key = *key;
}

void topology__free(struct topology *topo)
{
	struct edge_entry *entry, *tmp;

	if (!topo)
		return;
	forget_joined(topo, true);
	HASH_ITER (hh, topo->edges, entry, tmp) {
		HASH_DEL(topo->edges, entry);
		free(entry);
	}
	free_servers(topo);
	free(topo);
}

static bool is_loopback(uint8_t family, const uint8_t *addr)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET)
		return addr[0] == 127;
	return !memcmp(addr, v6_loopback, 16) || (!memcmp(addr, v4_mapped, 12) && addr[12] == 127);
}

/* The tuple @conn's peer sees when @reverse, its own otherwise. */
static struct tuple_key tuple_of(const struct conn *conn, bool reverse)
{
	struct tuple_key key;

	memset(&key, 0, sizeof(key));
	key.family = conn->family;
	key.lport = reverse ? conn->rport : conn->lport;
	key.rport = reverse ? conn->lport : conn->rport;
	memcpy(key.laddr, reverse ? conn->raddr : conn->laddr, 16);
	memcpy(key.raddr, reverse ? conn->laddr : conn->raddr, 16);
	if (is_loopback(conn->family, conn->raddr))
		key.netns = conn->netns;
	return key;
}

/* The local end of @conn: its process, or its address when the owner is not known. */
static struct node_ref local_node(const struct conn *conn)
{
	struct node_ref node;

	memset(&node, 0, sizeof(node));
	if (conn->proc) {
		node.kind = NODE_PROCESS;
		node.proc = conn->proc->key;
	} else {
		node.kind = NODE_ADDRESS;
		node.family = conn->family;
		memcpy(node.addr, conn->laddr, 16);
	}
	return node;
}

static struct node_ref remote_node(const struct conn *conn)
{
	struct node_ref node;

	memset(&node, 0, sizeof(node));
	node.kind = NODE_ADDRESS;
	node.family = conn->family;
	memcpy(node.addr, conn->raddr, 16);
	return node;
}

static struct edge_entry *edge_get(struct topology *topo, const struct edge_key *key)
{
	struct edge_entry *entry;

	HASH_FIND(hh, topo->edges, key, sizeof(*key), entry);
	if (entry)
		return entry;
	if (HASH_COUNT(topo->edges) >= topo->max_edges || !(entry = calloc(1, sizeof(*entry)))) {
		topo->stats.table_full++;
		return NULL;
	}
	entry->edge.key = *key;
	HASH_ADD(hh, topo->edges, edge.key, sizeof(entry->edge.key), entry);
	return entry;
}

static uint64_t since(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0; /* a close's final count may be below a live one */
}

/*
 * Adds the traffic of @conn, one socket of a connection on the edge: its retransmits, and with
 * @bytes (the socket that stands for the connection) its bytes in the client's view. An open
 * socket adds what it has now, for this frame only; a closed one is shown closed in one frame
 * only, and its final counts are kept from then on.
 */
static void add_traffic(const struct topology *topo, struct edge_entry *entry,
			const struct conn *conn, bool bytes)
{
	struct edge *edge = &entry->edge;
	struct ct_traffic shown = tracker_conn_shown(topo->tracker, conn);
	/* The server's socket: what it received is what the client sent. */
	bool swap = conn->dir == CONN_IN;
	uint64_t sent = swap ? conn->traffic.bytes_received : conn->traffic.bytes_sent;
	uint64_t received = swap ? conn->traffic.bytes_sent : conn->traffic.bytes_received;
	uint64_t sent_before = swap ? shown.bytes_received : shown.bytes_sent;
	uint64_t received_before = swap ? shown.bytes_sent : shown.bytes_received;

	if (conn->closed)
		entry->done_retransmits += conn->traffic.retransmits;
	else
		edge->retransmits += conn->traffic.retransmits;
	if (!bytes)
		return;
	if (conn->closed) {
		entry->done_sent += sent;
		entry->done_received += received;
	} else {
		edge->bytes_sent += sent;
		edge->bytes_received += received;
	}
	edge->sent_delta += since(sent, sent_before);
	edge->received_delta += since(received, received_before);
}

/*
 * Counts one connection on its edge. @counted is the socket whose life stands for the
 * connection (the client's when both are local), @client and @server give names and namespaces.
 * A local server's socket adds its retransmits too.
 */
static void count_on_edge(struct topology *topo, const struct edge_key *key,
			  const struct conn *counted, const struct conn *client,
			  const struct conn *server)
{
	struct edge_entry *entry = edge_get(topo, key);
	struct edge *edge;

	if (!entry)
		return;
	edge = &entry->edge;
	entry->touched = true;
	if (server && server != counted) /* both sockets are local: the server's retransmits */
		add_traffic(topo, entry, server, false);
	if (!counted) /* the server side of a connection whose client side is gone */
		goto names;
	if (!counted->closed)
		edge->active++;
	if (counted->first_frame == (uint32_t)topo->frame && !counted->seeded)
		edge->opened++;
	if (counted->closed)
		edge->closed++;
	add_traffic(topo, entry, counted, true);
names:
	if (client) {
		edge->client_proc = client->proc;
		edge->netns[0] = client->netns;
		if (client->proc)
			memcpy(edge->comm[0], client->proc->comm, CT_COMM_LEN);
	}
	if (server) {
		edge->server_proc = server->proc;
		edge->netns[1] = server->netns;
		if (server->proc)
			memcpy(edge->comm[1], server->proc->comm, CT_COMM_LEN);
	}
}

static void collect_server_side(const struct conn *conn, void *ctx)
{
	struct topology *topo = ctx;
	struct server_side *side;
	struct tuple_key key;

	if (conn->dir != CONN_IN || topo->error)
		return;
	key = tuple_of(conn, false);
	HASH_FIND(hh, topo->servers, &key, sizeof(key), side);
	if (side)
		return; /* the same tuple twice (isolated namespaces): the first one joins */
	side = calloc(1, sizeof(*side));
	if (!side) {
		topo->error = -ENOMEM;
		return;
	}
	side->key = key;
	side->conn = conn;
	HASH_ADD(hh, topo->servers, key, sizeof(side->key), side);
}

static void fold_client_side(const struct conn *conn, void *ctx)
{
	struct topology *topo = ctx;
	struct tuple_key peer;
	struct server_side *side;
	struct edge_key key;
	struct joined *j;

	if (conn->dir != CONN_OUT)
		return;
	memset(&key, 0, sizeof(key));
	key.client = local_node(conn);
	peer = tuple_of(conn, true);
	HASH_FIND(hh, topo->servers, &peer, sizeof(peer), side);
	if (side && !side->joined) {
		side->joined = true;
		topo->stats.joined++;
		key.server = local_node(side->conn);
		key.port = side->conn->lport;
		remember_joined(topo, conn->cookie, &key);
		remember_joined(topo, side->conn->cookie, &key);
		count_on_edge(topo, &key, conn, conn, side->conn);
		return;
	}
	if ((j = joined_find(topo, conn->cookie))) {
		count_on_edge(topo, &j->key, conn, conn, NULL); /* its server side is gone */
		return;
	}
	key.server = remote_node(conn);
	key.port = conn->rport;
	count_on_edge(topo, &key, conn, conn, NULL);
}

/* Accepted sockets whose client is elsewhere (or not traced): the client is its address. */
static void fold_lone_server_sides(struct topology *topo)
{
	struct server_side *side;
	struct edge_key key;
	struct joined *j;

	for (side = topo->servers; side; side = side->hh.next) {
		if (side->joined)
			continue;
		if ((j = joined_find(topo, side->conn->cookie))) {
			/* Its client side is gone: the connection was counted there. */
			count_on_edge(topo, &j->key, NULL, NULL, side->conn);
			continue;
		}
		memset(&key, 0, sizeof(key));
		key.client = remote_node(side->conn);
		key.server = local_node(side->conn);
		key.port = side->conn->lport;
		count_on_edge(topo, &key, side->conn, NULL, side->conn);
	}
}

int topology_update(struct topology *topo, const struct tracker *tracker)
{
	struct edge_entry *entry, *tmp;

	topo->tracker = tracker;
	topo->frame = tracker_frame(tracker);
	topo->stats.joined = 0;
	topo->error = 0;
	for (entry = topo->edges; entry; entry = entry->hh.next) {
		entry->touched = false;
		entry->edge.active = 0;
		entry->edge.bytes_sent = entry->edge.bytes_received = entry->edge.retransmits = 0;
		entry->edge.sent_delta = entry->edge.received_delta = 0;
		entry->edge.client_proc = entry->edge.server_proc = NULL;
	}
	tracker_for_each_conn(tracker, collect_server_side, topo);
	tracker_for_each_conn(tracker, fold_client_side, topo);
	fold_lone_server_sides(topo);
	free_servers(topo);
	forget_joined(topo, false); /* sockets gone; the rest are marked unseen for next time */
	HASH_ITER (hh, topo->edges, entry, tmp) {
		if (entry->touched) { /* the open connections' counts, and the closed ones' */
			entry->edge.bytes_sent += entry->done_sent;
			entry->edge.bytes_received += entry->done_received;
			entry->edge.retransmits += entry->done_retransmits;
			continue;
		}
		HASH_DEL(topo->edges, entry);
		free(entry);
	}
	topo->stats.edges = HASH_COUNT(topo->edges);
	return topo->error;
}

void topology_for_each_edge(const struct topology *topo, edge_visit_fn visit, void *ctx)
{
	const struct edge_entry *entry;

	for (entry = topo->edges; entry; entry = entry->hh.next)
		visit(&entry->edge, ctx);
}

const struct topology_stats *topology_stats(const struct topology *topo)
{
	return &topo->stats;
}
