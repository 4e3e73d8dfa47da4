// SPDX-License-Identifier: GPL-2.0-only
#include "snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "array.h"
#include "sanitize.h"

struct node_index {
	struct node_ref key;
	size_t index;
	UT_hash_handle hh;
};

struct builder {
	const struct snapshot_input *in;
	struct snapshot *snap;
	size_t conn_cap, node_cap, edge_cap;
	struct node_index *index;
	bool failed;
};

/* Room for one more element; false (and the snapshot failed) when out of memory. */
static bool grow(struct builder *b, void *items, size_t n, size_t *cap, size_t size)
{
	if (!b->failed && array_reserve(items, n, cap, size))
		b->failed = true;
	return !b->failed;
}

static void fill_container(struct snap_container *out, const struct proc *proc)
{
	const struct proc_detail *d = proc ? proc->detail : NULL;

	memset(out, 0, sizeof(*out));
	if (!d || d->gone || d->container.runtime == CT_RUNTIME_NONE)
		return;
	/* The container module made these printable already. */
	snprintf(out->runtime, sizeof(out->runtime), "%s",
		 container_runtime_name(d->container.runtime));
	snprintf(out->id, sizeof(out->id), "%s", d->container.id);
	snprintf(out->name, sizeof(out->name), "%s",
		 d->container_name.name[0] ? d->container_name.name : d->container.id);
	if (d->container_name.pod_name[0])
		snprintf(out->pod, sizeof(out->pod), "%s/%s", d->container_name.pod_namespace,
			 d->container_name.pod_name);
}

static struct snap_node *node_new(struct builder *b, const struct node_ref *ref, size_t *index)
{
	struct snapshot *snap = b->snap;
	struct node_index *entry;
	struct snap_node *node;

	HASH_FIND(hh, b->index, ref, sizeof(*ref), entry);
	if (entry) {
		*index = entry->index;
		return NULL;
	}
	if (!grow(b, &snap->nodes, snap->nnodes, &b->node_cap, sizeof(*snap->nodes)) ||
	    !(entry = calloc(1, sizeof(*entry)))) {
		b->failed = true;
		return NULL;
	}
	entry->key = *ref;
	entry->index = *index = snap->nnodes++;
	HASH_ADD(hh, b->index, key, sizeof(entry->key), entry);
	node = &snap->nodes[entry->index];
	memset(node, 0, sizeof(*node));
	node->kind = ref->kind;
	return node;
}

/* The index of the node of process @proc, made on first sight. -1 when out of memory. */
static long process_node(struct builder *b, const struct proc *proc, uint32_t netns)
{
	struct node_ref ref = { .kind = NODE_PROCESS, .proc = proc->key };
	const struct proc_detail *d = proc->detail;
	const char *netns_name;
	struct snap_node *node;
	size_t index;

	node = node_new(b, &ref, &index);
	if (!node)
		return b->failed ? -1 : (long)index;
	node->pid = proc->key.pid;
	node->start_ticks = proc->key.start_ticks;
	node->netns = netns;
	sanitize(node->comm, sizeof(node->comm), proc->comm, sizeof(proc->comm));
	snprintf(node->name, sizeof(node->name), "%s[%u]", node->comm, node->pid);
	if (d && !d->gone) {
		node->cgroup_id = d->cgroup_id;
		node->ppid = d->ppid;
		memcpy(node->user, d->user, sizeof(node->user));
		memcpy(node->cmdline, d->cmdline, sizeof(node->cmdline));
	}
	netns_name = b->in->resolver ? resolver_netns_name(b->in->resolver, netns) : NULL;
	if (netns_name)
		sanitize(node->netns_name, sizeof(node->netns_name), netns_name,
			 strlen(netns_name));
	fill_container(&node->container, proc);
	return (long)index;
}

static long address_node(struct builder *b, uint8_t family, const uint8_t *addr)
{
	struct node_ref ref = { .kind = NODE_ADDRESS, .family = family };
	struct snap_node *node;
	size_t index;

	memcpy(ref.addr, addr, sizeof(ref.addr));
	node = node_new(b, &ref, &index);
	if (!node)
		return b->failed ? -1 : (long)index;
	addr_format_host(node->name, sizeof(node->name), family, addr); /* "?" if not inet */
	return (long)index;
}

/* Counts only grow; a close's final count (bytes acknowledged) may be below a live one. */
static uint64_t since(uint64_t now, uint64_t before)
{
	return now > before ? now - before : 0;
}

static void copy_conn(const struct conn *conn, void *ctx)
{
	struct builder *b = ctx;
	struct snapshot *snap = b->snap;
	const struct proc_detail *d = conn->proc ? conn->proc->detail : NULL;
	struct snap_conn *row;
	uint64_t end;
	long node;

	if (!grow(b, &snap->conns, snap->nconns, &b->conn_cap, sizeof(*snap->conns)))
		return;
	row = &snap->conns[snap->nconns++];
	memset(row, 0, sizeof(*row));
	row->cookie = conn->cookie;
	end = conn->closed ? conn->closed_ns : snap->now_ns;
	row->age_ns = end > conn->opened_ns ? end - conn->opened_ns : 0;
	row->cgroup_id = conn->cgroup_id;
	row->netns = conn->netns;
	row->family = conn->family;
	row->state = conn->state;
	row->dir = conn->dir;
	row->closed = conn->closed;
	row->seeded = conn->seeded;
	row->fresh = !conn->seeded && conn->first_frame == tracker_frame(b->in->tracker);
	row->lport = conn->lport;
	row->rport = conn->rport;
	row->bytes_sent = conn->traffic.bytes_sent;
	row->bytes_received = conn->traffic.bytes_received;
	row->retransmits = conn->traffic.retransmits;
	row->sent_delta = since(conn->traffic.bytes_sent, conn->shown.bytes_sent);
	row->received_delta = since(conn->traffic.bytes_received, conn->shown.bytes_received);
	addr_format(row->local, sizeof(row->local), conn->family, conn->laddr, conn->lport);
	addr_format(row->remote, sizeof(row->remote), conn->family, conn->raddr, conn->rport);
	if (!conn->proc)
		return;
	row->pid = conn->proc->key.pid;
	sanitize(row->comm, sizeof(row->comm), conn->proc->comm, sizeof(conn->proc->comm));
	fill_container(&row->container, conn->proc);
	if (d && !d->gone && d->cgroup_id && conn->cgroup_id && d->cgroup_id != conn->cgroup_id)
		snap->stats.cgroup_mismatch++;
	node = process_node(b, conn->proc, conn->netns);
	if (node < 0)
		return;
	snap->nodes[node].bytes_sent += row->bytes_sent;
	snap->nodes[node].bytes_received += row->bytes_received;
	snap->nodes[node].sent_delta += row->sent_delta;
	snap->nodes[node].received_delta += row->received_delta;
	if (row->fresh)
		snap->nodes[node].opened++;
	if (!conn->closed) {
		if (conn->dir == CONN_IN)
			snap->nodes[node].conns_in++;
		else
			snap->nodes[node].conns_out++;
	}
}

static void add_listening(struct snap_node *node, uint16_t port)
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
		add_listening(&b->snap->nodes[node], listener->port);
}

/*
 * An end of an edge. A process end whose socket has gone this frame (the other side lingers) has
 * no proc at hand: it is the node the process already has, from a listener or another socket,
 * or else one that knows only its pid.
 */
static long edge_end(struct builder *b, const struct node_ref *ref, const struct proc *proc,
		     uint32_t netns, const char *comm)
{
	struct snap_node *node;
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

/* Open before closed, then by pid, direction, local address; the cookie breaks ties. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct snap_conn *a = pa, *b = pb;
	int c;

	if ((c = (int)a->closed - (int)b->closed) || (c = cmp_u64(a->pid, b->pid)) ||
	    (c = (int)a->dir - (int)b->dir) || (c = strcmp(a->local, b->local)))
		return c;
	return cmp_u64(a->cookie, b->cookie);
}

/* Processes by pid, then addresses by name. */
static int node_cmp(const struct snap_node *a, const struct snap_node *b)
{
	int c;

	if ((c = (int)a->kind - (int)b->kind) || (c = cmp_u64(a->pid, b->pid)))
		return c;
	return strcmp(a->name, b->name);
}

static int order_cmp(const void *pa, const void *pb, void *nodes)
{
	const size_t *a = pa, *b = pb;
	const struct snap_node *base = nodes;

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

/* Sorts the nodes and renumbers the edges' ends to match. */
static int sort_nodes(struct snapshot *snap)
{
	size_t *order = malloc((snap->nnodes + 1) * sizeof(*order));
	size_t *where = malloc((snap->nnodes + 1) * sizeof(*where));
	struct snap_node *sorted = malloc((snap->nnodes + 1) * sizeof(*sorted));
	size_t i;

	if (!order || !where || !sorted) {
		free(order);
		free(where);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < snap->nnodes; i++)
		order[i] = i;
	qsort_r(order, snap->nnodes, sizeof(*order), order_cmp, snap->nodes);
	for (i = 0; i < snap->nnodes; i++) {
		sorted[i] = snap->nodes[order[i]];
		where[order[i]] = i;
	}
	for (i = 0; i < snap->nedges; i++) {
		snap->edges[i].client = where[snap->edges[i].client];
		snap->edges[i].server = where[snap->edges[i].server];
	}
	free(snap->nodes);
	snap->nodes = sorted;
	free(order);
	free(where);
	return 0;
}

/* Outside strings (a host name can be set by any root in a UTS namespace) made printable. */
static void copy_label(char *dst, size_t size, const char *src)
{
	if (src)
		sanitize(dst, size, src, strlen(src));
}

static void fill_stats(struct snapshot *snap, const struct snapshot_input *in)
{
	snap->stats.tracker = *tracker_stats(in->tracker);
	if (in->source)
		snap->stats.source = *in->source;
	if (in->topology)
		snap->stats.topology = *topology_stats(in->topology);
	if (in->seed)
		snap->stats.seed = *in->seed;
	snap->stats.lost = snap->stats.source.lost + snap->stats.source.recursion_misses;
	if (in->prev && in->now_ns > in->prev->now_ns) {
		snap->interval_ns = in->now_ns - in->prev->now_ns;
		snap->frame_events = snap->stats.tracker.events - in->prev->stats.tracker.events;
	}
	copy_label(snap->host, sizeof(snap->host), in->host);
	copy_label(snap->kernel, sizeof(snap->kernel), in->kernel);
	copy_label(snap->source, sizeof(snap->source), in->source_name);
	snap->replay = in->replay;
	copy_label(snap->source_kind, sizeof(snap->source_kind), in->source_kind);
}

struct snapshot *snapshot_take(const struct snapshot_input *in)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct builder b = { .in = in, .snap = snap };
	struct node_index *entry, *tmp;

	if (!snap)
		return NULL;
	snap->now_ns = in->now_ns;
	snap->wall = in->wall;
	fill_stats(snap, in);
	tracker_for_each_conn(in->tracker, copy_conn, &b);
	tracker_for_each_listener(in->tracker, copy_listener, &b);
	if (in->topology)
		topology_for_each_edge(in->topology, copy_edge, &b);
	HASH_ITER (hh, b.index, entry, tmp) {
		HASH_DEL(b.index, entry);
		free(entry);
	}
	if (b.failed || sort_nodes(snap)) {
		snapshot__free(snap);
		return NULL;
	}
	if (snap->nconns)
		qsort(snap->conns, snap->nconns, sizeof(*snap->conns), row_cmp);
	if (snap->nedges)
		qsort(snap->edges, snap->nedges, sizeof(*snap->edges), edge_cmp);
	return snap;
}

void snapshot__free(struct snapshot *snap)
{
	if (!snap)
		return;
	free(snap->conns);
	free(snap->nodes);
	free(snap->edges);
	free(snap);
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

int snapshot_rollup(const struct snapshot *snap, enum rollup by, struct snap_group_edge **out)
{
	struct snap_group_edge *groups = calloc(snap->nedges + 1, sizeof(*groups));
	size_t n = 0, i, j;

	if (!groups)
		return -ENOMEM;
	for (i = 0; i < snap->nedges; i++) {
		const struct snap_edge *e = &snap->edges[i];
		struct snap_group_edge key = { .port = e->port };

		group_label(&snap->nodes[e->client], by, key.client, sizeof(key.client));
		group_label(&snap->nodes[e->server], by, key.server, sizeof(key.server));
		for (j = 0; j < n; j++) /* few groups: a scan is simplest */
			if (groups[j].port == key.port && !strcmp(groups[j].client, key.client) &&
			    !strcmp(groups[j].server, key.server))
				break;
		if (j == n)
			groups[n++] = key;
		groups[j].active += e->active;
		groups[j].opened += e->opened;
		groups[j].closed += e->closed;
		groups[j].bytes_sent += e->bytes_sent;
		groups[j].bytes_received += e->bytes_received;
		groups[j].retransmits += e->retransmits;
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
