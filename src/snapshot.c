// SPDX-License-Identifier: GPL-2.0-only
#include "snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h"
#include "sanitize.h"
#include "scratch.h"

#include <uthash.h>

/* Nodes by their reference: open addressing, 1 + a stub's index per entry (0: free). */
struct node_map {
	uint32_t *at;
	size_t size; /* a power of two */
};

/* A process of the tracker met in this frame: its shared part and its node, found once. */
struct proc_slot {
	const struct proc *proc; /* NULL: free */
	uint32_t shared; /* into snap->procs */
	uint32_t node; /* into snap->nodes */
	uint64_t cgroup_id; /* its cgroup from /proc, 0 unknown: its sockets' should be the same */
};

struct sort_key;

/*
 * A node while the snapshot is built: what it sorts by and what it adds up. Nodes are 5 KB (a
 * command line): each is written whole only once, in its sorted place, from its stub.
 */
struct node_stub {
	struct node_ref ref; /* what it is found by */
	uint8_t kind; /* enum node_kind */
	uint8_t nlistening;
	uint32_t pid, netns;
	uint64_t start_ticks;
	const struct proc *proc; /* its details, when the process is at hand */
	char comm[SNAP_COMM_LEN];
	char name[SNAP_NAME_LEN];
	uint16_t listening[SNAP_MAX_LISTEN];
	uint32_t conns_in, conns_out, opened;
	uint64_t bytes_sent, bytes_received, sent_delta, received_delta;
};

/* How many rows ahead write_row() asks for a connection: enough misses in flight at once. */
#define PREFETCH_AHEAD 8

struct builder {
	const struct snapshot_input *in;
	struct snapshot *snap;
	uint64_t frame; /* tracker_frame(): which rows are fresh */
	struct node_stub *stubs; /* the nodes, in the order they were met */
	size_t nstubs, stubs_cap;
	struct sort_key *keys; /* one per connection: in the rows' memory, or scratch */
	size_t nkeys, keys_cap;
	bool keys_in_rows; /* keys live in snap->conns until the rows overwrite them */
	/* The order of the frame before, when it can be followed (write_in_order()). */
	const uint32_t *prev_order;
	size_t nprev_order;
	uint64_t prev_frame;
	struct sort_key *extra; /* the keys of the others: new since that frame, or closed */
	size_t nextra, extra_cap;
	uint32_t *new_order; /* where this frame's order goes (snapshot.order), or NULL */
	size_t nnew_order;
	int width; /* the longest address as text */
	size_t conn_cap, node_cap, edge_cap, proc_cap;
	struct node_map nodes;
	struct proc_slot *slots; /* open addressing by pointer; a power of two of them */
	size_t nslots;
	bool failed;
};

/* Room for one more element; false (and the snapshot failed) when out of memory. */
static bool grow(struct builder *b, void *items, size_t n, size_t *cap, size_t size)
{
	if (!b->failed && array_reserve(items, n, cap, size))
		b->failed = true;
	return !b->failed;
}

/* @src (at most @size - 1 bytes of it) into @dst, terminated: only what it holds is written. */
static void copy_text(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The same from a field of @srcsize bytes, which may lack its NUL. */
static void copy_field(char *dst, size_t dstsize, const char *src, size_t srcsize)
{
	size_t n = strnlen(src, dstsize - 1 < srcsize ? dstsize - 1 : srcsize);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void fill_container(struct snap_container *out, const struct proc *proc)
{
	const struct proc_detail *d = proc ? proc->detail : NULL;

	if (!d || d->gone || d->container.runtime == CT_RUNTIME_NONE) {
		/* Empty strings: only their first bytes, not the half KB (a node is written whole). */
		out->runtime[0] = out->id[0] = out->name[0] = out->pod[0] = '\0';
		return;
	}
	/* The container module made these printable already. */
	copy_text(out->runtime, container_runtime_name(d->container.runtime), sizeof(out->runtime));
	copy_field(out->id, sizeof(out->id), d->container.id, sizeof(d->container.id));
	if (d->container_name.name[0])
		copy_field(out->name, sizeof(out->name), d->container_name.name,
			   sizeof(d->container_name.name));
	else
		copy_field(out->name, sizeof(out->name), d->container.id, sizeof(d->container.id));
	out->pod[0] = '\0';
	if (d->container_name.pod_name[0])
		snprintf(out->pod, sizeof(out->pod), "%s/%s", d->container_name.pod_namespace,
			 d->container_name.pod_name);
}

/* Room for @n nodes in the map, at most half full. */
static bool node_map_reserve(struct builder *b, size_t n)
{
	struct node_map *m = &b->nodes;
	size_t size = 256, i;
	uint32_t *at;

	while (size < 2 * n)
		size *= 2;
	if (size <= m->size)
		return true;
	at = calloc(size, sizeof(*at));
	if (!at) {
		b->failed = true;
		return false;
	}
	for (i = 0; i < b->nstubs; i++) { /* the stubs there are, again */
		size_t j = hash_words(&b->stubs[i].ref, sizeof(b->stubs[i].ref)) & (size - 1);

		while (at[j])
			j = (j + 1) & (size - 1);
		at[j] = (uint32_t)i + 1;
	}
	free(m->at);
	m->at = at;
	m->size = size;
	return true;
}

/* The stub of node @ref: NULL with *@index when it has one, else a new one, zeroed. */
static struct node_stub *node_new(struct builder *b, const struct node_ref *ref, size_t *index)
{
	struct node_map *m = &b->nodes;
	struct node_stub *stub;
	size_t j;

	if (2 * (b->nstubs + 1) > m->size && !node_map_reserve(b, b->nstubs + 1))
		return NULL;
	for (j = hash_words(ref, sizeof(*ref)) & (m->size - 1); m->at[j];
	     j = (j + 1) & (m->size - 1))
		if (!memcmp(&b->stubs[m->at[j] - 1].ref, ref, sizeof(*ref))) {
			*index = m->at[j] - 1;
			return NULL;
		}
	if (!grow(b, &b->stubs, b->nstubs, &b->stubs_cap, sizeof(*b->stubs)))
		return NULL;
	*index = b->nstubs;
	m->at[j] = (uint32_t)++b->nstubs;
	stub = &b->stubs[*index];
	memset(stub, 0, sizeof(*stub));
	stub->ref = *ref;
	stub->kind = ref->kind;
	return stub;
}

/* The node of process @proc, made on first sight. -1 when out of memory. */
static long make_process_node(struct builder *b, const struct proc *proc, uint32_t netns)
{
	struct node_ref ref = { .kind = NODE_PROCESS, .proc = proc->key };
	struct node_stub *stub;
	size_t index;

	stub = node_new(b, &ref, &index);
	if (!stub)
		return b->failed ? -1 : (long)index;
	stub->pid = proc->key.pid;
	stub->start_ticks = proc->key.start_ticks;
	stub->netns = netns;
	stub->proc = proc;
	sanitize(stub->comm, sizeof(stub->comm), proc->comm, sizeof(proc->comm));
	snprintf(stub->name, sizeof(stub->name), "%s[%u]", stub->comm, stub->pid);
	return (long)index;
}

/* Node @node, whole, from @stub: written once, its strings only as long as they are. */
static void make_node(struct builder *b, struct snap_node *node, const struct node_stub *stub)
{
	const struct proc_detail *d = stub->proc ? stub->proc->detail : NULL;
	const char *netns_name = NULL;

	node->kind = stub->kind;
	node->pid = stub->pid;
	node->start_ticks = stub->start_ticks;
	node->netns = stub->netns;
	node->ppid = d && !d->gone ? (uint32_t)d->ppid : 0;
	node->cgroup_id = d && !d->gone ? d->cgroup_id : 0;
	copy_text(node->comm, stub->comm, sizeof(node->comm));
	copy_text(node->name, stub->name, sizeof(node->name));
	node->user[0] = node->cmdline[0] = '\0';
	if (d && !d->gone) {
		copy_field(node->user, sizeof(node->user), d->user, sizeof(d->user));
		copy_field(node->cmdline, sizeof(node->cmdline), d->cmdline, sizeof(d->cmdline));
	}
	if (stub->proc && b->in->resolver) /* as its own socket found it */
		netns_name = resolver_netns_name(b->in->resolver, stub->netns);
	node->netns_name[0] = '\0';
	if (netns_name)
		sanitize(node->netns_name, sizeof(node->netns_name), netns_name,
			 strlen(netns_name));
	fill_container(&node->container, stub->proc);
	memcpy(node->listening, stub->listening, sizeof(node->listening));
	node->nlistening = stub->nlistening;
	node->conns_in = stub->conns_in;
	node->conns_out = stub->conns_out;
	node->opened = stub->opened;
	node->bytes_sent = stub->bytes_sent;
	node->bytes_received = stub->bytes_received;
	node->sent_delta = stub->sent_delta;
	node->received_delta = stub->received_delta;
}

static size_t slot_of(const struct builder *b, const struct proc *proc)
{
	uint64_t h = (uint64_t)(uintptr_t)proc * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (b->nslots - 1);
}

/* Room for @n processes at most half full. */
static bool slots_reserve(struct builder *b, size_t n)
{
	struct proc_slot *old = b->slots;
	size_t nold = b->nslots, want = 64, i;

	while (want < 2 * n)
		want *= 2;
	if (want <= b->nslots)
		return true;
	b->slots = calloc(want, sizeof(*b->slots));
	if (!b->slots) {
		b->slots = old;
		b->failed = true;
		return false;
	}
	b->nslots = want;
	for (i = 0; i < nold; i++) {
		size_t at;

		if (!old[i].proc)
			continue;
		for (at = slot_of(b, old[i].proc); b->slots[at].proc; at = (at + 1) & (want - 1))
			;
		b->slots[at] = old[i];
	}
	free(old);
	return true;
}

static const struct proc_slot *process(struct builder *b, const struct proc *proc, uint32_t netns);

/* Process @proc met already in this snapshot, or process() to make it: once per connection. */
static inline const struct proc_slot *process_of(struct builder *b, const struct proc *proc,
						 uint32_t netns)
{
	size_t at;

	for (at = slot_of(b, proc); b->slots[at].proc; at = (at + 1) & (b->nslots - 1))
		if (b->slots[at].proc == proc)
			return &b->slots[at];
	return process(b, proc, netns);
}

/*
 * Process @proc in this snapshot: its shared part (name, container) and its node, made on first
 * sight and found again by pointer. NULL when out of memory.
 */
static const struct proc_slot *process(struct builder *b, const struct proc *proc, uint32_t netns)
{
	struct snapshot *snap = b->snap;
	struct snap_proc *shared;
	size_t at;
	long node;

	if (2 * (snap->nprocs + 1) > b->nslots && !slots_reserve(b, snap->nprocs + 1))
		return NULL;
	for (at = slot_of(b, proc); b->slots[at].proc; at = (at + 1) & (b->nslots - 1))
		if (b->slots[at].proc == proc)
			return &b->slots[at];
	node = make_process_node(b, proc, netns);
	if (node < 0 || !grow(b, &snap->procs, snap->nprocs, &b->proc_cap, sizeof(*snap->procs)))
		return NULL;
	shared = &snap->procs[snap->nprocs];
	shared->pid = proc->key.pid;
	sanitize(shared->comm, sizeof(shared->comm), proc->comm, sizeof(proc->comm));
	fill_container(&shared->container, proc);
	b->slots[at] =
		(struct proc_slot){ proc, (uint32_t)snap->nprocs++, (uint32_t)node,
				    proc->detail && !proc->detail->gone ? proc->detail->cgroup_id :
									  0 };
	return &b->slots[at];
}

static long process_node(struct builder *b, const struct proc *proc, uint32_t netns)
{
	const struct proc_slot *slot = b->nslots ? process_of(b, proc, netns) : NULL;

	return slot ? (long)slot->node : -1;
}

static long address_node(struct builder *b, uint8_t family, const uint8_t *addr)
{
	struct node_ref ref = { .kind = NODE_ADDRESS, .family = family };
	struct node_stub *stub;
	size_t index;

	memcpy(ref.addr, addr, sizeof(ref.addr));
	stub = node_new(b, &ref, &index);
	if (!stub)
		return b->failed ? -1 : (long)index;
	addr_format_host(stub->name, sizeof(stub->name), family, addr); /* "?" if not inet */
	return (long)index;
}

/* Counts only grow; a close's final count (bytes acknowledged) may be below a live one. */
static uint64_t since(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

/*
 * Rows are ordered open before closed, then by pid, direction, local address as text (strcmp),
 * and the cookie breaks ties. Each connection gets a key as it is met: a number that sorts as
 * its local address's text would (addr_text_order()), its cookie, and where it goes. The keys go
 * into buckets of (closed, pid, direction) by counting, in place, are compared only within a
 * bucket, and then each row is written once, in its place: nothing is formatted, and no row
 * moves after it is written.
 */
struct sort_key {
	uint64_t text; /* addr_text_order() of the local address: exact for IPv4 */
	uint64_t cookie;
	const struct conn *conn;
	uint32_t proc; /* 1 + its process's shared part, or SNAP_NO_PROC */
	uint32_t bucket; /* closed << 1 | direction, then the whole bucket */
};

/* Whether the text says it all: for IPv6 it holds the start only (addr_text_order()). */
static bool text_exact(uint64_t text)
{
	return text >> 62 != 3;
}

static bool row_kept(struct builder *b, const struct sort_key *key);
static void write_row(struct builder *b, struct snap_conn *row, const struct sort_key *key);

/* @conn's key, with its process's shared part @proc (SNAP_NO_PROC: unknown). */
static struct sort_key make_key(const struct conn *conn, uint32_t proc)
{
	bool exact; /* text_exact() tells it from the text */

	return (struct sort_key){
		.text = addr_text_order(conn->family, conn->laddr, conn->lport, &exact),
		.cookie = conn->cookie,
		.conn = conn,
		.proc = proc,
		.bucket = (uint32_t)conn->closed << 1 | (conn->dir ? 1 : 0),
	};
}

/* The decimal digits of @v, below 100,000. */
static inline int digits(unsigned int v)
{
	return 1 + (v >= 10) + (v >= 100) + (v >= 1000) + (v >= 10000);
}

/* addr_text_len(), IPv4 worked out here: twice for every connection of every frame. */
static inline int text_len(uint8_t family, const uint8_t *addr, uint16_t port)
{
	static const uint8_t octet[256] = { [0 ... 9] = 1, [10 ... 99] = 2, [100 ... 255] = 3 };

	if (family != AF_INET)
		return addr_text_len(family, addr, port);
	/* "a.b.c.d:port" */
	return octet[addr[0]] + octet[addr[1]] + octet[addr[2]] + octet[addr[3]] + 4 + digits(port);
}

/*
 * Whether @conn was shown in the frame whose order is followed (b->prev_frame): it is in that
 * order if it was open then. The others began since: tracker_added() lists them.
 */
static bool in_prev_frame(const struct builder *b, const struct conn *conn)
{
	return conn->first_frame <= b->prev_frame;
}

static void add_key(struct builder *b, const struct sort_key *key)
{
	if (b->nkeys == b->keys_cap) { /* never: there are as many keys as the tracker said */
		b->failed = true;
		return;
	}
	b->keys[b->nkeys++] = *key;
}

static void add_extra(struct builder *b, const struct sort_key *key)
{
	if (grow(b, &b->extra, b->nextra, &b->extra_cap, sizeof(*b->extra)))
		b->extra[b->nextra++] = *key;
}

/* The longest address as text, with @conn's ends (its local one only if @local). */
static inline void count_width(struct builder *b, const struct conn *conn, bool local)
{
	int len;

	if (local) {
		len = text_len(conn->family, conn->laddr, conn->lport);
		if (len > b->width)
			b->width = len;
	}
	len = text_len(conn->family, conn->raddr, conn->rport);
	if (len > b->width)
		b->width = len;
}

/* The share of @conn, whose process has @slot, in its process node's counts. */
static void count_conn(struct builder *b, const struct conn *conn, const struct proc_slot *slot)
{
	struct ct_traffic shown;
	struct node_stub *node;

	if (slot->cgroup_id && conn->cgroup_id && slot->cgroup_id != conn->cgroup_id)
		b->snap->stats.cgroup_mismatch++;
	node = &b->stubs[slot->node];
	shown = tracker_conn_shown(b->in->tracker, conn);
	node->bytes_sent += conn->traffic.bytes_sent;
	node->bytes_received += conn->traffic.bytes_received;
	node->sent_delta += since(conn->traffic.bytes_sent, shown.bytes_sent);
	node->received_delta += since(conn->traffic.bytes_received, shown.bytes_received);
	if (!conn->seeded && conn->first_frame == (uint32_t)b->frame)
		node->opened++;
	if (!conn->closed) {
		if (conn->dir == CONN_IN)
			node->conns_in++;
		else
			node->conns_out++;
	}
}

/*
 * A connection's share of what is counted over them all: the longest address, and its process
 * node's counts. Its process's slot (found or made), or NULL when it has none.
 */
static const struct proc_slot *account(struct builder *b, const struct conn *conn)
{
	const struct proc_slot *slot = NULL;

	count_width(b, conn, true);
	if (conn->proc && b->nslots)
		slot = process_of(b, conn->proc, conn->netns);
	if (slot)
		count_conn(b, conn, slot);
	return slot;
}

/*
 * A connection met in a pass over them all: its share of the counts, and its key. The row itself
 * is written later, in its place (write_row()).
 */
static void collect_conn(const struct conn *conn, void *ctx)
{
	struct builder *b = ctx;
	const struct proc_slot *slot = account(b, conn);
	struct sort_key key = make_key(conn, slot ? slot->shared + 1 : SNAP_NO_PROC);

	if (row_kept(b, &key)) /* its process still counts it, above */
		add_key(b, &key);
}

/*
 * Whether the frame keeps @key's row (snapshot_input.keep_row): asked of the row as it would be
 * written, once its process is known. A row not kept costs neither memory nor a place in the sort.
 */
static bool row_kept(struct builder *b, const struct sort_key *key)
{
	struct snap_conn row;

	if (!b->in->keep_row)
		return true;
	write_row(b, &row, key);
	return b->in->keep_row(b->snap, &row, b->in->keep_ctx);
}

static void write_row(struct builder *b, struct snap_conn *row, const struct sort_key *key)
{
	const struct conn *conn = key->conn;
	struct ct_traffic shown = tracker_conn_shown(b->in->tracker, conn);
	uint64_t end = conn->closed ? conn->closed_ns : b->snap->now_ns;

	*row = (struct snap_conn){
		.cookie = conn->cookie,
		.age_ns = end > conn->opened_ns ? end - conn->opened_ns : 0,
		.cgroup_id = conn->cgroup_id,
		.bytes_sent = conn->traffic.bytes_sent,
		.bytes_received = conn->traffic.bytes_received,
		.sent_delta = since(conn->traffic.bytes_sent, shown.bytes_sent),
		.received_delta = since(conn->traffic.bytes_received, shown.bytes_received),
		.pid = key->proc != SNAP_NO_PROC ? b->snap->procs[key->proc - 1].pid : 0,
		.netns = conn->netns,
		.retransmits = conn->traffic.retransmits,
		.proc = key->proc,
		.lport = conn->lport,
		.rport = conn->rport,
		.family = conn->family,
		.state = conn->state,
		.dir = conn->dir,
		.closed = conn->closed,
		.seeded = conn->seeded,
		.fresh = !conn->seeded && conn->first_frame == (uint32_t)b->frame,
	};
	memcpy(row->laddr, conn->laddr, sizeof(row->laddr));
	memcpy(row->raddr, conn->raddr, sizeof(row->raddr));
}

static void add_listening(struct node_stub *node, uint16_t port)
{
	int i, at;

	for (at = 0; at < node->nlistening && node->listening[at] < port; at++)
		;
	if ((at < node->nlistening && node->listening[at] == port) ||
	    node->nlistening == SNAP_MAX_LISTEN)
		return; /* v4 and v6 sockets on one port are one port */
	for (i = node->nlistening; i > at; i--)
		node->listening[i] = node->listening[i - 1];
	node->listening[at] = port;
	node->nlistening++;
}

/* A listening socket makes its process a server node, even with no connections. */
static void copy_listener(const struct listener *listener, void *ctx)
{
	struct builder *b = ctx;
	long node;

	if (!listener->proc)
		return;
	node = process_node(b, listener->proc, listener->netns);
	if (node >= 0)
		add_listening(&b->stubs[node], listener->port);
}

/*
 * An end of an edge. A process end whose socket has gone this frame (the other side lingers) has
 * no proc at hand: it is the node the process already has, from a listener or another socket,
 * or else one that knows only its pid.
 */
static long edge_end(struct builder *b, const struct node_ref *ref, const struct proc *proc,
		     uint32_t netns, const char *comm)
{
	struct node_stub *node;
	size_t index;

	if (ref->kind != NODE_PROCESS)
		return address_node(b, ref->family, ref->addr);
	if (proc)
		return process_node(b, proc, netns);
	node = node_new(b, ref, &index);
	if (node) {
		node->pid = ref->proc.pid;
		node->start_ticks = ref->proc.start_ticks;
		node->netns = netns;
		sanitize(node->comm, sizeof(node->comm), comm, CT_COMM_LEN);
		snprintf(node->name, sizeof(node->name), "%s[%u]", node->comm, node->pid);
	}
	return b->failed ? -1 : (long)index;
}

static void copy_edge(const struct edge *edge, void *ctx)
{
	struct builder *b = ctx;
	struct snapshot *snap = b->snap;
	long client, server;

	client = edge_end(b, &edge->key.client, edge->client_proc, edge->netns[0], edge->comm[0]);
	server = edge_end(b, &edge->key.server, edge->server_proc, edge->netns[1], edge->comm[1]);
	if (client < 0 || server < 0 ||
	    !grow(b, &snap->edges, snap->nedges, &b->edge_cap, sizeof(*snap->edges)))
		return;
	snap->edges[snap->nedges++] = (struct snap_edge){
		.client = client,
		.server = server,
		.port = edge->key.port,
		.active = edge->active,
		.opened = edge->opened,
		.closed = edge->closed,
		.bytes_sent = edge->bytes_sent,
		.bytes_received = edge->bytes_received,
		.retransmits = edge->retransmits,
		.sent_delta = edge->sent_delta,
		.received_delta = edge->received_delta,
	};
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* IPv6 keys alike in their first characters: the whole texts, then the cookies. */
static __attribute__((noinline)) int key_cmp_text(const struct sort_key *a,
						  const struct sort_key *b)
{
	char x[ADDR_PORT_LEN], y[ADDR_PORT_LEN];
	int c;

	addr_format(x, sizeof(x), a->conn->family, a->conn->laddr, a->conn->lport);
	addr_format(y, sizeof(y), b->conn->family, b->conn->laddr, b->conn->lport);
	if ((c = strcmp(x, y)))
		return c;
	return (a->cookie > b->cookie) - (a->cookie < b->cookie);
}

static inline int key_cmp(const struct sort_key *a, const struct sort_key *b)
{
	if (a->text != b->text)
		return a->text < b->text ? -1 : 1;
	if (!text_exact(a->text))
		return key_cmp_text(a, b);
	return (a->cookie > b->cookie) - (a->cookie < b->cookie);
}

static void key_swap(struct sort_key *a, struct sort_key *b)
{
	struct sort_key t = *a;

	*a = *b;
	*b = t;
}

/* Quicksort with insertion sort for short runs; keys are unique (cookies are). */
static void sort_keys(struct sort_key *k, size_t n)
{
	while (n > 12) {
		size_t mid = n / 2, i = 0, j = n - 1;
		struct sort_key pivot;

		/* Median of three to the middle. */
		if (key_cmp(&k[mid], &k[0]) < 0)
			key_swap(&k[mid], &k[0]);
		if (key_cmp(&k[n - 1], &k[mid]) < 0) {
			key_swap(&k[n - 1], &k[mid]);
			if (key_cmp(&k[mid], &k[0]) < 0)
				key_swap(&k[mid], &k[0]);
		}
		pivot = k[mid];
		for (;;) {
			while (key_cmp(&k[i], &pivot) < 0)
				i++;
			while (key_cmp(&pivot, &k[j]) < 0)
				j--;
			if (i >= j)
				break;
			key_swap(&k[i++], &k[j--]);
		}
		/* [0, j] and [j + 1, n): recurse into the smaller, loop on the larger. */
		if (j + 1 < n - j - 1) {
			sort_keys(k, j + 1);
			k += j + 1;
			n -= j + 1;
		} else {
			sort_keys(k + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		struct sort_key t = k[i];
		size_t j = i;

		for (; j > 0 && key_cmp(&t, &k[j - 1]) < 0; j--)
			k[j] = k[j - 1];
		k[j] = t;
	}
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/*
 * The last @n keys' worth of the memory of @n rows. Keys sorted there can be read in order while
 * the rows are written from the start: row i ends at i + 1 rows, key i + 1 starts at n rows less
 * n - i - 1 keys, and (n - i - 1) * (row - key) >= 0 bytes separate them (row i overlaps only
 * key i when i = n - 1, so write_row() is given a copy). The keys as collected lie at the start,
 * clear of the tail while a key is no bigger than half a row.
 */
static struct sort_key *rows_tail(struct snapshot *snap, size_t n)
{
	_Static_assert(2 * sizeof(struct sort_key) <= sizeof(struct snap_conn),
		       "keys are sorted within the rows' memory");
	return (struct sort_key *)(snap->conns + n) - n;
}

/*
 * Sorts the keys: into buckets of (closed, pid, direction) by counting, in place (each key moves
 * straight to its bucket, as in American flag sort), then within each bucket.
 */
static int sort_rows(struct builder *b)
{
	struct snapshot *snap = b->snap;
	struct sort_key *keys = b->keys;
	size_t n = b->nkeys, npids = 0, nbuckets, i;
	uint32_t *pids = malloc((snap->nprocs + 1) * sizeof(*pids));
	uint32_t *rank = malloc((snap->nprocs + 1) * sizeof(*rank));
	uint32_t *next = NULL, *end = NULL;
	struct sort_key *to;
	int err = -ENOMEM;

	if (!pids || !rank)
		goto out;
	/* A pid's rank among the pids there are, 0 for none: the buckets' order. */
	pids[npids++] = 0;
	for (i = 0; i < snap->nprocs; i++)
		pids[npids++] = snap->procs[i].pid;
	qsort(pids, npids, sizeof(*pids), u32_cmp);
	for (i = 1, nbuckets = 1; i < npids; i++)
		if (pids[i] != pids[nbuckets - 1])
			pids[nbuckets++] = pids[i];
	npids = nbuckets;
	for (i = 0; i < snap->nprocs; i++) {
		uint32_t *at = bsearch(&snap->procs[i].pid, pids, npids, sizeof(*pids), u32_cmp);

		rank[i] = at ? (uint32_t)(at - pids) : 0;
	}
	nbuckets = 2 * npids * 2;
	next = calloc(nbuckets + 1, sizeof(*next));
	end = malloc((nbuckets + 1) * sizeof(*end));
	if (!next || !end)
		goto out;
	for (i = 0; i < n; i++) {
		struct sort_key *k = &keys[i];
		uint32_t r = k->proc == SNAP_NO_PROC ? 0 : rank[k->proc - 1];

		/* closed, then pid, then direction */
		k->bucket = ((k->bucket >> 1) * (uint32_t)npids + r) * 2 + (k->bucket & 1);
		next[k->bucket + 1]++;
	}
	for (i = 0; i < nbuckets; i++)
		next[i + 1] += next[i];
	memcpy(end, next + 1, nbuckets * sizeof(*end));
	to = b->keys_in_rows ? rows_tail(snap, n) : scratch_alloc((n + 1) * sizeof(*to));
	if (!to)
		goto out;
	for (i = 0; i < n; i++)
		to[next[keys[i].bucket]++] = keys[i];
	if (!b->keys_in_rows)
		scratch_free(b->keys);
	b->keys = keys = to;
	for (i = 0; i < nbuckets; i++) {
		size_t first = i ? end[i - 1] : 0;

		if (end[i] - first > 1)
			sort_keys(&keys[first], end[i] - first);
	}
	err = 0;
out:
	free(pids);
	free(rank);
	free(next);
	free(end);
	return err;
}

/* Processes by pid (a reused pid: by name, then start), then addresses by name. */
static int node_cmp(const struct node_stub *a, const struct node_stub *b)
{
	int c;

	if ((c = (int)a->kind - (int)b->kind) || (c = cmp_u64(a->pid, b->pid)) ||
	    (c = strcmp(a->name, b->name)))
		return c;
	return cmp_u64(a->start_ticks, b->start_ticks);
}

static int order_cmp(const void *pa, const void *pb, void *stubs)
{
	const size_t *a = pa, *b = pb;
	const struct node_stub *base = stubs;

	return node_cmp(&base[*a], &base[*b]);
}

static int edge_cmp(const void *pa, const void *pb)
{
	const struct snap_edge *a = pa, *b = pb;
	int c;

	if ((c = cmp_u64(a->server, b->server)) || (c = (int)a->port - (int)b->port))
		return c;
	return cmp_u64(a->client, b->client);
}

/* The nodes, sorted, each made whole once in its place; the edges' ends renumbered to match. */
static int make_nodes(struct builder *b)
{
	struct snapshot *snap = b->snap;
	size_t n = b->nstubs, i;
	size_t *order = malloc((n + 1) * sizeof(*order));
	size_t *where = malloc((n + 1) * sizeof(*where));
	int err = -ENOMEM;

	if (!order || !where)
		goto out;
	if (n > b->node_cap) {
		free(snap->nodes);
		snap->nodes = malloc(n * sizeof(*snap->nodes));
		b->node_cap = snap->nodes ? n : 0;
		if (!snap->nodes)
			goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), order_cmp, b->stubs);
	for (i = 0; i < n; i++) {
		where[order[i]] = i;
		make_node(b, &snap->nodes[i], &b->stubs[order[i]]);
	}
	snap->nnodes = n;
	for (i = 0; i < snap->nedges; i++) {
		snap->edges[i].client = where[snap->edges[i].client];
		snap->edges[i].server = where[snap->edges[i].server];
	}
	err = 0;
out:
	free(order);
	free(where);
	return err;
}

/* Outside strings (a host name can be set by any root in a UTS namespace) made printable. */
static void copy_label(char *dst, size_t size, const char *src)
{
	if (src)
		sanitize(dst, size, src, strlen(src));
}

static void fill_stats(struct snapshot *snap, const struct snapshot_input *in, uint64_t prev_ns,
		       uint64_t prev_events)
{
	snap->stats.tracker = *tracker_stats(in->tracker);
	if (in->source)
		snap->stats.source = *in->source;
	if (in->topology)
		snap->stats.topology = *topology_stats(in->topology);
	if (in->seed)
		snap->stats.seed = *in->seed;
	snap->stats.lost = snap->stats.source.lost + snap->stats.source.recursion_misses;
	if (in->prev && in->now_ns > prev_ns) {
		snap->interval_ns = in->now_ns - prev_ns;
		snap->frame_events = snap->stats.tracker.events - prev_events;
	}
	copy_label(snap->host, sizeof(snap->host), in->host);
	copy_label(snap->kernel, sizeof(snap->kernel), in->kernel);
	copy_label(snap->source, sizeof(snap->source), in->source_name);
	snap->replay = in->replay;
	copy_label(snap->source_kind, sizeof(snap->source_kind), in->source_kind);
}

/* @old's memory, emptied, for a new snapshot; or a new one. */
static struct snapshot *recycle(struct snapshot *old)
{
	struct snapshot *snap = old ? old : calloc(1, sizeof(*snap));
	struct snapshot keep;

	if (!old)
		return snap;
	keep = *old;
	memset(snap, 0, sizeof(*snap));
	snap->conns = keep.conns;
	snap->procs = keep.procs;
	snap->nodes = keep.nodes;
	snap->edges = keep.edges;
	snap->conns_cap = keep.conns_cap;
	snap->procs_cap = keep.procs_cap;
	snap->nodes_cap = keep.nodes_cap;
	snap->edges_cap = keep.edges_cap;
	snap->order = keep.order;
	snap->norder = keep.norder;
	snap->order_frame = keep.order_frame;
	snap->order_rows = keep.order_rows;
	return snap;
}

/*
 * Room for @n rows in @snap, all at once (growing by doubling would copy them over and over),
 * and after them two orders of as many slots (snapshot.order): one read, the other written.
 * Rows allocated elsewhere (a filtered copy's) have no such room: they are allocated again.
 * Room for an eighth more is taken when growing, so that a count growing a little every frame
 * does not allocate every frame: pages never written are not resident. The order *@order of
 * @norder slots, if any, moves to the new memory.
 */
static bool rows_reserve(struct snapshot *snap, size_t n, const uint32_t **order, size_t norder)
{
	size_t cap = n + n / 8;
	struct snap_conn *rows;

	if (n <= snap->conns_cap && snap->order_rows == snap->conns)
		return true;
	rows = malloc(cap * (sizeof(*rows) + 2 * sizeof(*snap->order)));
	if (rows && order && *order) {
		uint32_t *to = (uint32_t *)(rows + cap); /* order_area(0) */

		memcpy(to, *order, norder * sizeof(*to));
		*order = to;
	}
	free(snap->conns);
	snap->order = NULL;
	snap->conns = rows;
	snap->conns_cap = rows ? cap : 0;
	snap->order_rows = rows;
	return rows != NULL;
}

/* Order @k (0 or 1) of the two after the rows of @snap (rows_reserve()). */
static uint32_t *order_area(const struct snapshot *snap, int k)
{
	return (uint32_t *)(snap->conns + snap->conns_cap) + (size_t)k * snap->conns_cap;
}

/* The order @snap kept from its frame, if it is still where rows_reserve() put it. */
static void take_prev_order(struct builder *b)
{
	const struct snapshot *snap = b->snap;

	if (snap->order_rows != snap->conns || snap->norder > snap->conns_cap ||
	    (snap->order != order_area(snap, 0) && snap->order != order_area(snap, 1)))
		return;
	b->prev_order = snap->order;
	b->nprev_order = snap->norder;
	b->prev_frame = snap->order_frame;
}

/*
 * Where the keys of @nconns connections are collected. When every row is kept, the rows' own
 * memory holds them until the rows are written over them (rows_tail()): memory a reused
 * snapshot has already, where scratch would be mapped and populated afresh every frame; and
 * the order of the frame it held, if any, is followed (write_in_order()). A frame that keeps
 * some rows only has room for those: its keys are scratch, and it keeps no order.
 */
static void place_keys(struct builder *b, size_t nconns)
{
	struct snapshot *snap = b->snap;

	b->keys_cap = nconns;
	b->keys_in_rows = !b->in->keep_row && nconns;
	if (b->keys_in_rows) {
		take_prev_order(b);
		if (rows_reserve(snap, nconns, &b->prev_order, b->nprev_order)) {
			b->keys = (struct sort_key *)snap->conns;
			b->new_order = order_area(snap, b->prev_order == order_area(snap, 0));
		} else {
			b->prev_order = NULL;
		}
	} else {
		b->keys = scratch_alloc((nconns + 1) * sizeof(*b->keys));
	}
	snap->order = NULL;
	snap->norder = 0;
	if (!b->keys)
		b->failed = true;
}

/* How many rows ahead of the one written emit_row() asks for the memory of one. */
#define ROW_AHEAD 16

/* The next row, and its connection's slot in this frame's order when it is open. */
static const struct snap_conn *emit_row(struct builder *b, const struct sort_key *key)
{
	struct snap_conn *row = &b->snap->conns[b->snap->nconns++];

	/* Written in order, yet not foreseen by the hardware here (measured): asked for ahead. */
	if (b->snap->nconns + ROW_AHEAD < b->snap->conns_cap) {
		__builtin_prefetch(row + ROW_AHEAD, 1);
		__builtin_prefetch((const char *)(row + ROW_AHEAD) + 64, 1);
	}
	write_row(b, row, key);
	if (b->new_order && !key->conn->closed)
		b->new_order[b->nnew_order++] = key->conn->slot;
	return row;
}

/* count_conn() from the row just written of an open connection: what it reads is there. */
static void count_row(struct builder *b, const struct snap_conn *row, const struct proc_slot *slot)
{
	struct node_stub *node = &b->stubs[slot->node];

	if (slot->cgroup_id && row->cgroup_id && slot->cgroup_id != row->cgroup_id)
		b->snap->stats.cgroup_mismatch++;
	node->bytes_sent += row->bytes_sent;
	node->bytes_received += row->bytes_received;
	node->sent_delta += row->sent_delta;
	node->received_delta += row->received_delta;
	node->opened += row->fresh;
	if (row->dir == CONN_IN)
		node->conns_in++;
	else
		node->conns_out++;
}

static uint32_t key_pid(const struct builder *b, const struct sort_key *key)
{
	return key->proc != SNAP_NO_PROC ? b->snap->procs[key->proc - 1].pid : 0;
}

/*
 * The rows' order, whole: open before closed, pid (0: unknown), direction, then key_cmp(). @px
 * and @py are the keys' pids (key_pid()).
 */
static inline int place_cmp(uint32_t px, const struct sort_key *x, uint32_t py,
			    const struct sort_key *y)
{
	if (x->bucket >> 1 != y->bucket >> 1)
		return x->bucket >> 1 < y->bucket >> 1 ? -1 : 1;
	if (px != py)
		return px < py ? -1 : 1;
	if ((x->bucket & 1) != (y->bucket & 1))
		return (x->bucket & 1) < (y->bucket & 1) ? -1 : 1;
	return key_cmp(x, y);
}

static int row_cmp(const struct builder *b, const struct sort_key *x, const struct sort_key *y)
{
	return place_cmp(key_pid(b, x), x, key_pid(b, y), y);
}

static int extra_cmp(const void *x, const void *y, void *b)
{
	return row_cmp(b, x, y);
}

/*
 * The connections that began since the order's frame (tracker_added()), each once: counted, and
 * their keys among the extra ones. Returns how many, or -1 when out of memory.
 */
static long take_added(struct builder *b)
{
	const struct tracker *tracker = b->in->tracker;
	const uint32_t *listed;
	size_t n = tracker_added(tracker, &listed), i;
	uint32_t *slots = malloc((n + 1) * sizeof(*slots));
	long found = 0;

	if (!slots)
		return -1;
	if (n)
		memcpy(slots, listed, n * sizeof(*slots));
	qsort(slots, n, sizeof(*slots), u32_cmp); /* a slot listed twice comes once */
	for (i = 0; i < n && !b->failed; i++) {
		const struct conn *conn = tracker_slot(tracker, slots[i]);
		const struct proc_slot *slot;
		struct sort_key key;

		if ((i && slots[i] == slots[i - 1]) || !conn || !conn->in_use ||
		    in_prev_frame(b, conn))
			continue;
		slot = account(b, conn);
		key = make_key(conn, slot ? slot->shared + 1 : SNAP_NO_PROC);
		add_extra(b, &key);
		found++;
	}
	free(slots);
	return b->failed ? -1 : found;
}

/* Whether @a and @b have the same local address and port: the same text. */
static inline bool same_local(const struct conn *a, const struct conn *b)
{
	return a->lport == b->lport && a->family == b->family &&
	       !memcmp(a->laddr, b->laddr, sizeof(a->laddr));
}

/*
 * Takes the rows in the order of the frame before (b->prev_order), without a pass over every
 * connection and without sorting them again: a connection's place depends on whether it is
 * closed, its process, direction, address and cookie, and only the first changes once it is
 * open. So the connections that order lists stay in it while open, merged with the ones begun
 * since (tracker_added(), sorted); those closed since go last, sorted. Each is counted as it is
 * met (account()). Whatever the order and the list hold, the rows come out as a pass and a sort
 * would make them, or not at all: each row the order gives must come after the one before (a
 * process learnt late moves a row), and the connections found must be as many as the tracker
 * has. False when either fails: the builder is then to start again (restart()).
 */
static bool take_in_order(struct builder *b)
{
	const struct tracker *tracker = b->in->tracker;
	size_t total = tracker_conn_count(tracker), nopen = 0, e = 0, found = 0, j;
	const struct proc *proc = NULL; /* the last row's: rows of a process come together */
	struct proc_slot slot = { 0 }; /* proc's, a copy: process() may move them */
	const struct conn *ahead[PREFETCH_AHEAD];
	uint32_t shared = SNAP_NO_PROC, pid = 0, last_pid = 0, extra_pid = 0;
	struct sort_key key, last = { 0 };
	long added = take_added(b);

	if (added < 0 || (size_t)added > total)
		return false;
	if (b->nextra)
		qsort_r(b->extra, b->nextra, sizeof(*b->extra), extra_cmp, b);
	while (nopen < b->nextra && !(b->extra[nopen].bucket >> 1))
		nopen++;
	if (nopen)
		extra_pid = key_pid(b, &b->extra[0]);
	for (j = 0; j < PREFETCH_AHEAD && j < b->nprev_order; j++)
		ahead[j] = tracker_slot(tracker, b->prev_order[j]);
	for (j = 0; j < b->nprev_order; j++) {
		const struct conn *conn = ahead[j % PREFETCH_AHEAD];
		const struct snap_conn *row;
		bool same;
		int c = 1;

		if (j + PREFETCH_AHEAD < b->nprev_order) { /* asked for now, read in a while */
			ahead[j % PREFETCH_AHEAD] =
				tracker_slot(tracker, b->prev_order[j + PREFETCH_AHEAD]);
			tracker_prefetch_conn(ahead[j % PREFETCH_AHEAD]);
		}
		if (!conn || !conn->in_use || !in_prev_frame(b, conn))
			continue;
		if (++found + (size_t)added > total || b->failed)
			return false; /* listed twice: not an order this snapshot wrote */
		if (conn->proc != proc || !conn->proc) {
			const struct proc_slot *found_slot = NULL;

			proc = conn->proc;
			if (proc && b->nslots)
				found_slot = process_of(b, proc, conn->netns);
			slot = found_slot ? *found_slot : (struct proc_slot){ 0 };
			shared = found_slot ? slot.shared + 1 : SNAP_NO_PROC;
			pid = shared != SNAP_NO_PROC ? b->snap->procs[shared - 1].pid : 0;
		}
		same = last.conn && same_local(conn, last.conn);
		count_width(b, conn, !same);
		if (conn->closed) { /* last, with the others closed */
			if (shared != SNAP_NO_PROC)
				count_conn(b, conn, &slot);
			key = make_key(conn, shared);
			add_extra(b, &key);
			continue;
		}
		if (same) { /* a server's sockets: one text */
			key = last;
			key.cookie = conn->cookie;
			key.conn = conn;
			key.proc = shared;
			key.bucket = conn->dir ? 1 : 0;
		} else {
			key = make_key(conn, shared);
		}
		if (last.conn && place_cmp(last_pid, &last, pid, &key) >= 0)
			return false;
		for (; e < nopen && (c = place_cmp(extra_pid, &b->extra[e], pid, &key)) < 0; e++) {
			emit_row(b, &b->extra[e]);
			if (e + 1 < nopen)
				extra_pid = key_pid(b, &b->extra[e + 1]);
		}
		if (e < nopen && !c)
			return false;
		row = emit_row(b, &key);
		if (shared != SNAP_NO_PROC)
			count_row(b, row, &slot);
		last = key;
		last_pid = pid;
	}
	if (found + (size_t)added != total || b->failed)
		return false;
	for (; e < nopen; e++)
		emit_row(b, &b->extra[e]);
	if (b->nextra > nopen)
		qsort_r(b->extra + nopen, b->nextra - nopen, sizeof(*b->extra), extra_cmp, b);
	for (; e < b->nextra; e++)
		emit_row(b, &b->extra[e]);
	return true;
}

/* Empties what take_in_order() made, for a pass over every connection instead. */
static void restart(struct builder *b)
{
	if (b->nodes.at)
		memset(b->nodes.at, 0, b->nodes.size * sizeof(*b->nodes.at));
	memset(b->slots, 0, b->nslots * sizeof(*b->slots));
	b->nstubs = 0;
	b->snap->nprocs = 0;
	b->snap->nconns = 0;
	b->snap->stats.cgroup_mismatch = 0;
	b->width = 0;
	b->nextra = b->nnew_order = b->nkeys = 0;
	b->prev_order = NULL;
}

/* The rows of every connection's key, sorted (after collect_conn()). */
static int write_rows(struct builder *b)
{
	size_t i;

	if (sort_rows(b))
		return -ENOMEM;
	for (i = 0; i < b->nkeys; i++) { /* rows in order; connections read at random: ask early */
		struct sort_key key = b->keys[i]; /* the last row overlaps its key (rows_tail()) */

		if (i + PREFETCH_AHEAD < b->nkeys)
			tracker_prefetch_conn(b->keys[i + PREFETCH_AHEAD].conn);
		emit_row(b, &key);
	}
	return 0;
}

struct snapshot *snapshot_take(const struct snapshot_input *in)
{
	uint64_t prev_ns = in->prev ? in->prev->now_ns : 0;
	uint64_t prev_events = in->prev ? in->prev->stats.tracker.events : 0;
	struct snapshot *snap = recycle(in->reuse); /* after reading @prev: it may be the same */
	struct builder b = { .in = in, .snap = snap, .frame = tracker_frame(in->tracker) };
	const struct tracker_stats *stats = tracker_stats(in->tracker);
	size_t nconns = tracker_conn_count(in->tracker);
	bool in_order = false;

	if (!snap)
		return NULL;
	b.node_cap = snap->nodes_cap;
	b.edge_cap = snap->edges_cap;
	b.proc_cap = snap->procs_cap;
	snap->now_ns = in->now_ns;
	snap->wall = in->wall;
	fill_stats(snap, in, prev_ns, prev_events);
	place_keys(&b, nconns);
	slots_reserve(&b, stats->processes);
	if (!b.failed && b.prev_order && !(in_order = take_in_order(&b)) && !b.failed)
		restart(&b);
	if (!b.failed && !in_order)
		tracker_for_each_conn(in->tracker, collect_conn, &b);
	if (!b.keys_in_rows && !b.failed && !rows_reserve(snap, b.nkeys, NULL, 0))
		b.failed = true;
	tracker_for_each_listener(in->tracker, copy_listener, &b);
	if (in->topology)
		topology_for_each_edge(in->topology, copy_edge, &b);
	free(b.nodes.at);
	if (!b.failed && make_nodes(&b))
		b.failed = true;
	free(b.stubs);
	snap->nodes_cap = b.node_cap;
	snap->edges_cap = b.edge_cap;
	snap->procs_cap = b.proc_cap;
	if (!b.failed && !in_order && write_rows(&b))
		b.failed = true;
	free(b.slots); /* write_rows() finds processes again */
	free(b.extra);
	if (!b.keys_in_rows)
		scratch_free(b.keys);
	if (b.failed) {
		snapshot__free(snap);
		return NULL;
	}
	if (b.new_order) {
		snap->order = b.new_order;
		snap->norder = b.nnew_order;
		snap->order_frame = b.frame;
	}
	snap->addr_width = b.width;
	if (snap->nedges)
		qsort(snap->edges, snap->nedges, sizeof(*snap->edges), edge_cmp);
	return snap;
}

void snapshot__free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->conns);
	free(snap->procs);
	free(snap->nodes);
	free(snap->edges);
	free(snap);
}

const char *snap_conn_comm(const struct snapshot *snap, const struct snap_conn *conn)
{
	return conn->proc && conn->proc <= snap->nprocs ? snap->procs[conn->proc - 1].comm : "";
}

const struct snap_container *snap_conn_container(const struct snapshot *snap,
						 const struct snap_conn *conn)
{
	static const struct snap_container none;

	return conn->proc && conn->proc <= snap->nprocs ? &snap->procs[conn->proc - 1].container :
							  &none;
}

int snap_conn_local(const struct snap_conn *conn, char *buf, size_t size)
{
	return addr_format(buf, size, conn->family, conn->laddr, conn->lport);
}

int snap_conn_remote(const struct snap_conn *conn, char *buf, size_t size)
{
	return addr_format(buf, size, conn->family, conn->raddr, conn->rport);
}

int snapshot_addr_width(const struct snapshot *snap)
{
	int width = 0, len;
	size_t i;

	if (snap->addr_width || !snap->nconns)
		return snap->addr_width;
	for (i = 0; i < snap->nconns; i++) {
		const struct snap_conn *c = &snap->conns[i];

		len = addr_text_len(c->family, c->laddr, c->lport);
		if (len > width)
			width = len;
		len = addr_text_len(c->family, c->raddr, c->rport);
		if (len > width)
			width = len;
	}
	return width;
}

static void group_label(const struct snap_node *node, enum rollup by, char *out, size_t size)
{
	if (node->kind != NODE_PROCESS)
		snprintf(out, size, "%s", node->name);
	else if (by == ROLLUP_CONTAINER)
		snprintf(out, size, "%s",
			 node->container.pod[0]	 ? node->container.pod :
			 node->container.name[0] ? node->container.name :
						   "host");
	else if (node->netns_name[0])
		snprintf(out, size, "%s", node->netns_name);
	else
		snprintf(out, size, "netns:%u", node->netns);
}

/* A group's place in the rollup, found by its key: the port, then the two labels. */
struct group_slot {
	UT_hash_handle hh;
	size_t index;
	char key[];
};

/* @key's bytes: the port, then the client's label and the server's, each with its NUL. */
static size_t group_key(const struct snap_group_edge *group, char *key)
{
	size_t client = strlen(group->client) + 1, server = strlen(group->server) + 1;

	memcpy(key, &group->port, sizeof(group->port));
	memcpy(key + sizeof(group->port), group->client, client);
	memcpy(key + sizeof(group->port) + client, group->server, server);
	return sizeof(group->port) + client + server;
}

/*
 * The edges summed by (port, client's group, server's group), in the order each group is first
 * met. Found by a hash of the key: a scan of the groups so far took most of a text frame with
 * 10,000 edges in 5,000 groups.
 */
int snapshot_rollup(const struct snapshot *snap, enum rollup by, struct snap_group_edge **out)
{
	struct snap_group_edge *groups = calloc(snap->nedges + 1, sizeof(*groups));
	struct group_slot *table = NULL, *slot, *tmp;
	char key[sizeof(uint16_t) + 2 * SNAP_LABEL_LEN];
	size_t n = 0, i, len;
	int err = 0;

	if (!groups)
		return -ENOMEM;
	for (i = 0; i < snap->nedges && !err; i++) {
		const struct snap_edge *e = &snap->edges[i];
		struct snap_group_edge *g = &groups[n];

		g->port = e->port;
		group_label(&snap->nodes[e->client], by, g->client, sizeof(g->client));
		group_label(&snap->nodes[e->server], by, g->server, sizeof(g->server));
		len = group_key(g, key);
		HASH_FIND(hh, table, key, len, slot);
		if (!slot) {
			slot = malloc(sizeof(*slot) + len);
			if (!slot) {
				err = -ENOMEM;
				break;
			}
			memcpy(slot->key, key, len);
			slot->index = n++;
			HASH_ADD_KEYPTR(hh, table, slot->key, len, slot);
		} else {
			memset(g, 0, sizeof(*g)); /* the labels made for the lookup */
			g = &groups[slot->index];
		}
		g->active += e->active;
		g->opened += e->opened;
		g->closed += e->closed;
		g->bytes_sent += e->bytes_sent;
		g->bytes_received += e->bytes_received;
		g->retransmits += e->retransmits;
	}
	HASH_ITER (hh, table, slot, tmp) {
		HASH_DEL(table, slot);
		free(slot);
	}
	if (err) {
		free(groups);
		return err;
	}
	*out = groups;
	return (int)n;
}

void format_age(char *buf, size_t size, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;

	if (s < 60)
		snprintf(buf, size, "%u.%us", (unsigned int)s,
			 (unsigned int)(ns / 100000000ull % 10));
	else if (s < 3600)
		snprintf(buf, size, "%um%02us", (unsigned int)(s / 60), (unsigned int)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%uh%02um", (unsigned int)(s / 3600),
			 (unsigned int)(s / 60 % 60));
	else
		snprintf(buf, size, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned int)(s / 3600 % 24));
}

/* @value in units of 1024 from @unit on: what fits in 5 characters, rounded. */
static void format_scaled(char *buf, size_t size, double value, int unit)
{
	static const char units[] = "KMGTPEZY";

	while (value >= 1023.5 && unit < (int)sizeof(units) - 2) { /* "1024K" would be 1.0M */
		value /= 1024;
		unit++;
	}
	if (value < 9.95)
		snprintf(buf, size, "%.1f%c", value, units[unit]);
	else
		snprintf(buf, size, "%.0f%c", value, units[unit]);
}

void format_bytes(char *buf, size_t size, uint64_t bytes)
{
	if (bytes < 1024)
		snprintf(buf, size, "%u", (unsigned int)bytes);
	else
		format_scaled(buf, size, (double)bytes / 1024, 0);
}

void format_byte_rate(char *buf, size_t size, double rate)
{
	if (rate < 0)
		snprintf(buf, size, "-");
	else if (rate < 1023.5)
		snprintf(buf, size, "%.0f", rate);
	else
		format_scaled(buf, size, rate / 1024, 0);
}

double snapshot_rate(const struct snapshot *snap, uint64_t bytes)
{
	return snap->interval_ns ? (double)bytes * 1e9 / (double)snap->interval_ns : -1.0;
}
