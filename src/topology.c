// SPDX-License-Identifier: GPL-2.0-only
#include "topology.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hash.h" /* before uthash.h: its hash function */
#include <uthash.h>

#include "array.h"

/* How an edge's key was made, from which processes: a socket that meets the same again reuses it. */
enum edge_shape {
	SHAPE_JOINED = 1, /* a client's and a server's sockets, joined */
	SHAPE_LONE_OUT, /* a client's socket to an address */
	SHAPE_LONE_IN, /* a server's socket from an address */
};

struct edge_entry {
	struct edge edge;
	uint32_t id; /* what connections keep (struct conn's topo_edge, 1 + it) */
	uint8_t shape; /* enum edge_shape of the socket that made it */
	const struct proc *client_ref, *server_ref; /* the processes of the ends it made it with */
	uint32_t update; /* the topology_update() that counted on it last (topology.updates) */
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
	uint8_t pad2[4];
	uint8_t laddr[16], raddr[16];
};

/*
 * The joins are kept in the connections themselves (struct conn's topo_* fields), so a frame does
 * not look them up again: a joined socket finds its peer by slot, checks that the peer names it
 * back, and counts itself on the edge it counted on before (checked against its key). Only the
 * sockets never joined are indexed by tuple, each frame: new ones, and those of connections with
 * an end elsewhere.
 */
enum {
	TOPO_JOINED =
		1 << 0, /* was joined to its peer; once the peer is gone, it stays on the edge */
};

/* A socket never joined, this frame: accepted ones are indexed by tuple for their clients. */
struct server_slot {
	uint32_t slot; /* 1 + the connection's slot; 0: empty */
	uint32_t hash;
};

struct topology {
	size_t max_edges;
	struct edge_entry *edges;
	struct edge_entry **by_id; /* NULL where no edge has the id now */
	size_t nids, ids_cap;
	uint32_t *free_ids; /* ids of edges dropped, to give again */
	size_t nfree, free_cap;
	/* Only during an update, kept for the next one. */
	struct tracker *tracker;
	uint32_t *lone; /* slots of the sockets never joined */
	size_t nlone, lone_cap;
	size_t nlone_in; /* of them, accepted ones: what a client could be joined to */
	struct server_slot *servers;
	size_t servers_size; /* a power of two */
	uint32_t frame;
	uint32_t updates; /* topology_update() calls: an edge not counted on in this one is reset */
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

void topology__free(struct topology *topo)
{
	struct edge_entry *entry, *tmp;

	if (!topo)
		return;
	HASH_ITER (hh, topo->edges, entry, tmp) {
		HASH_DEL(topo->edges, entry);
		free(entry);
	}
	free(topo->by_id);
	free(topo->free_ids);
	free(topo->lone);
	free(topo->servers);
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
	uint32_t id;

	HASH_FIND(hh, topo->edges, key, sizeof(*key), entry);
	if (entry)
		return entry;
	if (HASH_COUNT(topo->edges) >= topo->max_edges) {
		topo->stats.table_full++;
		return NULL;
	}
	if (!topo->nfree &&
	    array_reserve(&topo->by_id, topo->nids, &topo->ids_cap, sizeof(*topo->by_id))) {
		topo->stats.table_full++;
		return NULL;
	}
	entry = calloc(1, sizeof(*entry));
	if (!entry) {
		topo->stats.table_full++;
		return NULL;
	}
	id = topo->nfree ? topo->free_ids[--topo->nfree] : (uint32_t)topo->nids++;
	entry->id = id;
	topo->by_id[id] = entry;
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
	struct ct_traffic shown;
	/* The server's socket: what it received is what the client sent. */
	bool swap = conn->dir == CONN_IN;
	uint64_t sent = swap ? conn->traffic.bytes_received : conn->traffic.bytes_sent;
	uint64_t received = swap ? conn->traffic.bytes_sent : conn->traffic.bytes_received;

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
	shown = tracker_conn_shown(topo->tracker, conn);
	edge->sent_delta += since(sent, swap ? shown.bytes_received : shown.bytes_sent);
	edge->received_delta += since(received, swap ? shown.bytes_sent : shown.bytes_received);
}

/*
 * The edge @conn counts on this frame, with @key: found or made. @shape and the processes of its
 * ends are how the key was made; a new edge remembers them (edge_kept()).
 */
static struct edge_entry *edge_of(struct topology *topo, struct conn *conn,
				  const struct edge_key *key, enum edge_shape shape,
				  const struct proc *client, const struct proc *server)
{
	struct edge_entry *entry = NULL;

	if (conn->topo_edge && conn->topo_edge <= topo->nids)
		entry = topo->by_id[conn->topo_edge - 1];
	if (!entry || memcmp(&entry->edge.key, key, sizeof(*key))) {
		entry = edge_get(topo, key);
		conn->topo_edge = entry ? entry->id + 1 : 0;
		if (entry && !entry->shape) {
			entry->shape = (uint8_t)shape;
			entry->client_ref = client;
			entry->server_ref = server;
		}
	}
	return entry;
}

/*
 * The edge @conn counted on last frame, if its key is sure to be the same: made the same way
 * (@shape) from the same processes, which the key names (a process object lives as long as a
 * socket refers to it, so the same pointer is the same process). The key itself is not built
 * and compared each frame. A socket's own tuple does not change while it keeps its edge
 * (struct conn: a socket that connects again starts anew).
 */
static struct edge_entry *edge_kept(const struct topology *topo, const struct conn *conn,
				    enum edge_shape shape, const struct proc *client,
				    const struct proc *server)
{
	struct edge_entry *entry;

	if (!conn->topo_edge || conn->topo_edge > topo->nids)
		return NULL;
	entry = topo->by_id[conn->topo_edge - 1];
	if (!entry || entry->shape != shape || entry->client_ref != client ||
	    entry->server_ref != server)
		return NULL;
	if ((shape != SHAPE_LONE_IN && !client) || (shape != SHAPE_LONE_OUT && !server))
		return NULL; /* an end that is an address: the key has its address, check it */
	return entry;
}

/*
 * Counts socket @conn on edge @entry. A client's socket stands for its connection (active,
 * opened, closed, bytes); a server's does too when its client is not local (@counted), else it
 * adds only its own retransmits. Either names its end of the edge.
 */
static void count_on_edge(struct topology *topo, struct edge_entry *entry, const struct conn *conn,
			  bool counted)
{
	struct edge *edge;
	int end = conn->dir == CONN_IN;

	if (!entry)
		return;
	edge = &entry->edge;
	if (entry->update != topo->updates) { /* its first connection this frame: counts anew */
		entry->update = topo->updates;
		edge->active = 0;
		edge->bytes_sent = edge->bytes_received = edge->retransmits = 0;
		edge->sent_delta = edge->received_delta = 0;
		edge->client_proc = edge->server_proc = NULL;
	}
	if (counted) {
		if (!conn->closed)
			edge->active++;
		if (conn->first_frame == topo->frame && !conn->seeded)
			edge->opened++;
		if (conn->closed)
			edge->closed++;
	}
	add_traffic(topo, entry, conn, counted);
	edge->netns[end] = conn->netns;
	if (end ? edge->server_proc == conn->proc : edge->client_proc == conn->proc)
		return; /* named already this frame: an edge's end is one process */
	if (end)
		edge->server_proc = conn->proc;
	else
		edge->client_proc = conn->proc;
	if (conn->proc)
		memcpy(edge->comm[end], conn->proc->comm, CT_COMM_LEN);
}

/* The socket @conn is joined with, if it is still there and still names @conn back. */
static struct conn *peer_of(struct topology *topo, const struct conn *conn)
{
	struct conn *peer;

	if (!conn->topo_peer)
		return NULL;
	peer = tracker_conn_at(topo->tracker, conn->topo_peer - 1);
	return peer && peer->topo_peer == conn->slot + 1 ? peer : NULL;
}

/* A socket joined with its peer: on the edge between their processes, the server's port. */
static void count_joined(struct topology *topo, struct conn *conn, const struct conn *peer)
{
	const struct conn *client = conn->dir == CONN_IN ? peer : conn;
	const struct conn *server = conn->dir == CONN_IN ? conn : peer;
	struct edge_entry *entry = edge_kept(topo, conn, SHAPE_JOINED, client->proc, server->proc);
	struct edge_key key;

	if (conn == client)
		topo->stats.joined++;
	if (!entry || entry->edge.key.port != server->lport) {
		/* Its peer's edge is its own: the peer may have found it already. */
		entry = edge_kept(topo, peer, SHAPE_JOINED, client->proc, server->proc);
		if (entry && entry->edge.key.port == server->lport)
			conn->topo_edge = entry->id + 1;
		else
			entry = NULL;
	}
	if (!entry) {
		memset(&key, 0, sizeof(key));
		key.client = local_node(client);
		key.server = local_node(server);
		key.port = server->lport;
		entry = edge_of(topo, conn, &key, SHAPE_JOINED, client->proc, server->proc);
	}
	count_on_edge(topo, entry, conn, conn == client);
}

/* A socket whose peer is elsewhere (or not traced): the other end is its address. */
static void count_lone(struct topology *topo, struct conn *conn)
{
	bool in = conn->dir == CONN_IN;
	enum edge_shape shape = in ? SHAPE_LONE_IN : SHAPE_LONE_OUT;
	const struct proc *client = in ? NULL : conn->proc, *server = in ? conn->proc : NULL;
	struct edge_entry *entry = edge_kept(topo, conn, shape, client, server);
	struct edge_key key;

	if (!entry) {
		memset(&key, 0, sizeof(key));
		if (in) {
			key.client = remote_node(conn);
			key.server = local_node(conn);
			key.port = conn->lport;
		} else {
			key.client = local_node(conn);
			key.server = remote_node(conn);
			key.port = conn->rport;
		}
		entry = edge_of(topo, conn, &key, shape, client, server);
	}
	count_on_edge(topo, entry, conn, true);
}

/* How many sockets ahead the pass over the lone ones asks for a socket. */
#define LONE_AHEAD 8
#define FOLD_AHEAD 16

/*
 * Every socket once: a joined one with its peer, or on the edge it had with it when the peer is
 * gone (a server closing after its answer, a client lingering). Those never joined wait for the
 * tuple pass.
 */
static void fold_socket(struct conn *conn, void *ctx)
{
	struct topology *topo = ctx;
	struct conn *peer;
	struct edge_entry *entry = NULL;

	tracker_prefetch_conn(tracker_slot(topo->tracker, conn->slot + FOLD_AHEAD));
	if (!(conn->topo_state & TOPO_JOINED)) {
		if (array_reserve(&topo->lone, topo->nlone, &topo->lone_cap, sizeof(*topo->lone)))
			topo->error = -ENOMEM;
		else
			topo->lone[topo->nlone++] = conn->slot;
		topo->nlone_in += conn->dir == CONN_IN;
		return;
	}
	if ((peer = peer_of(topo, conn))) {
		count_joined(topo, conn, peer);
		return;
	}
	conn->topo_peer = 0;
	if (conn->topo_edge && conn->topo_edge <= topo->nids)
		entry = topo->by_id[conn->topo_edge - 1];
	if (entry) /* the client's socket still stands for the connection */
		count_on_edge(topo, entry, conn, conn->dir == CONN_OUT);
	else
		count_lone(topo, conn);
}

/*
 * Sockets waiting to be joined are hashed by their family and ports only, as the server sees
 * them: a client finds its candidates without building its whole tuple, and most clients, whose
 * servers are elsewhere, find none at once (the ports of a connection all but name it; the
 * whole tuples of the candidates are compared).
 */
static uint32_t ports_hash(uint8_t family, uint16_t server_port, uint16_t client_port)
{
	uint64_t h = ((uint64_t)family << 32 | (uint32_t)server_port << 16 | client_port) *
		     0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32);
}

/* Whether server socket @a is a better peer than @b for client @client (see below). */
static bool better_peer(const struct conn *client, const struct conn *a, const struct conn *b)
{
	bool a_after = a->opened_ns >= client->opened_ns,
	     b_after = b->opened_ns >= client->opened_ns;

	if (a_after != b_after)
		return a_after;
	if (a->opened_ns != b->opened_ns)
		return a_after ? a->opened_ns < b->opened_ns : a->opened_ns > b->opened_ns;
	return a->cookie < b->cookie;
}

/*
 * The server socket for client @client, whose tuple reversed is @key, among those not joined:
 * NULL when there is none. A tuple can come twice in a frame: a client's port is free again at
 * once when its server closes first, and a churn of 50,000 connections a second reuses it
 * within the second. Each connection's server accepted after its client connected, and before
 * the next client with that port did: so the first one accepted after the client's connect is
 * its own (or else the latest before it, when the records' times do not say).
 */
static struct conn *server_for(struct topology *topo, const struct conn *client)
{
	uint32_t hash = ports_hash(client->family, client->rport, client->lport);
	size_t mask = topo->servers_size - 1, at;
	struct conn *best = NULL;
	struct tuple_key key;
	bool made = false;

	for (at = hash & mask; topo->servers[at].slot; at = (at + 1) & mask) {
		struct tuple_key other;
		struct conn *server;

		if (topo->servers[at].hash != hash)
			continue;
		server = tracker_conn_at(topo->tracker, topo->servers[at].slot - 1);
		if (server->topo_state & TOPO_JOINED)
			continue;
		if (!made) { /* the client's tuple reversed: what its server's would be */
			key = tuple_of(client, true);
			made = true;
		}
		other = tuple_of(server, false);
		if (memcmp(&other, &key, sizeof(other)))
			continue;
		if (!best || better_peer(client, server, best))
			best = server;
	}
	return best;
}

/* Sockets never joined: accepted ones by tuple, then each client looks for its server. */
static void join_lone_sockets(struct topology *topo)
{
	size_t nservers = topo->nlone_in, size = 64, mask, i;

	if (!nservers)
		return; /* no client can join */
	while (size < 2 * nservers + 2)
		size *= 2;
	if (size > topo->servers_size) {
		free(topo->servers);
		topo->servers = malloc(size * sizeof(*topo->servers));
		topo->servers_size = topo->servers ? size : 0;
		if (!topo->servers) {
			topo->error = -ENOMEM;
			return;
		}
	}
	memset(topo->servers, 0, topo->servers_size * sizeof(*topo->servers));
	mask = topo->servers_size - 1;
	for (i = 0; i < topo->nlone; i++) {
		struct conn *conn = tracker_conn_at(topo->tracker, topo->lone[i]);
		uint32_t hash;
		size_t at;

		if (conn->dir != CONN_IN)
			continue;
		hash = ports_hash(conn->family, conn->lport, conn->rport);
		for (at = hash & mask; topo->servers[at].slot; at = (at + 1) & mask)
			;
		topo->servers[at] = (struct server_slot){ conn->slot + 1, hash };
	}
	for (i = 0; i < topo->nlone; i++) {
		struct conn *conn = tracker_conn_at(topo->tracker, topo->lone[i]), *server;

		if (conn->dir != CONN_OUT)
			continue;
		server = server_for(topo, conn);
		if (!server)
			continue;
		conn->topo_peer = server->slot + 1;
		server->topo_peer = conn->slot + 1;
		conn->topo_state |= TOPO_JOINED;
		server->topo_state |= TOPO_JOINED;
	}
}

int topology_update(struct topology *topo, struct tracker *tracker)
{
	struct edge_entry *entry, *tmp;
	size_t i;

	topo->tracker = tracker;
	topo->frame = (uint32_t)tracker_frame(tracker);
	topo->stats.joined = 0;
	topo->error = 0;
	topo->nlone = topo->nlone_in = 0;
	/* Edges are reset as they are first counted on (count_on_edge()): not a pass of their own. */
	if (!++topo->updates)
		topo->updates = 1; /* 0 is a new edge's */
	tracker_for_each_conn_mut(tracker, fold_socket, topo);
	if (!topo->error)
		join_lone_sockets(topo);
	for (i = 0; i < topo->nlone && !topo->error; i++) {
		struct conn *conn = tracker_conn_at(tracker, topo->lone[i]), *peer;

		if (i + LONE_AHEAD < topo->nlone) /* read again, at random: gone from the caches */
			tracker_prefetch_conn(tracker_slot(tracker, topo->lone[i + LONE_AHEAD]));

		if ((peer = peer_of(topo, conn)))
			count_joined(topo, conn, peer);
		else
			count_lone(topo, conn);
	}
	HASH_ITER (hh, topo->edges, entry, tmp) {
		if (entry->update ==
		    topo->updates) { /* the open ones' counts, and the closed ones' */
			entry->edge.bytes_sent += entry->done_sent;
			entry->edge.bytes_received += entry->done_received;
			entry->edge.retransmits += entry->done_retransmits;
			continue;
		}
		HASH_DEL(topo->edges, entry);
		topo->by_id[entry->id] = NULL;
		if (!array_reserve(&topo->free_ids, topo->nfree, &topo->free_cap,
				   sizeof(*topo->free_ids)))
			topo->free_ids[topo->nfree++] = entry->id;
		free(entry);
	}
	topo->stats.edges = HASH_COUNT(topo->edges);
	topo->tracker = NULL;
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
