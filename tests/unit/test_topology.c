// SPDX-License-Identifier: GPL-2.0-only
/* Edges: joining the two local sockets of a connection, counting each connection once, roll-ups. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "snapshot.h"
#include "topology.h"
#include "tracker.h"

#define NS_A 4026531001u
#define NS_B 4026531002u

struct world {
	struct tracker *tracker;
	struct topology *topo;
	struct snapshot *snap;
};

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));

	w->tracker = tracker__new(NULL);
	w->topo = topology__new(1024);
	return w;
}

static void world_free(struct world *w)
{
	snapshot__free(w->snap);
	topology__free(w->topo);
	tracker__free(w->tracker);
	free(w);
}

/* A connection end: @type CT_EV_CONNECT (client) or CT_EV_ACCEPT (server). */
static void sock(struct world *w, enum ct_event_type type, __u64 cookie, __u32 pid, __u32 netns,
		 const char *laddr, __u16 lport, const char *raddr, __u16 rport)
{
	/* Servers have pids from 300 on: names read apart in the edges. */
	struct ct_event e = test_event_addr(type, cookie, pid, pid >= 300 ? "server" : "client",
					    laddr, lport, raddr, rport);

	e.netns = netns;
	tracker_apply(w->tracker, &e);
}

static void close_sock(struct world *w, __u64 cookie)
{
	struct ct_event e = test_event(CT_EV_CLOSE, cookie, 2 * SEC_NS, 0, NULL);

	tracker_apply(w->tracker, &e);
}

/* The counts socket @cookie has now, as a sock_diag pass gives them. */
static void traffic(struct world *w, __u64 cookie, __u64 sent, __u64 received, __u32 retransmits)
{
	struct ct_traffic t = { sent, received, retransmits, 0 };

	tracker_set_traffic(w->tracker, cookie, &t, true);
}

/* A close record with the socket's final counts (none of these sockets is seeded). */
static void close_with(struct world *w, __u64 cookie, __u64 sent, __u64 received, __u32 retransmits)
{
	struct ct_event e = test_event(CT_EV_CLOSE, cookie, 2 * SEC_NS, 0, NULL);

	e.flags |= CT_F_TRAFFIC; /* counted since the socket was first seen: all of it here */
	e.traffic = (struct ct_traffic){ sent, received, retransmits, 0 };
	tracker_apply(w->tracker, &e);
}

/* One frame: fold, take the snapshot the view would get, end the frame. */
static void frame(struct world *w)
{
	assert_int_equal(topology_update(w->topo, w->tracker), 0);
	snapshot__free(w->snap);
	w->snap = snapshot_take(&(struct snapshot_input){
		.tracker = w->tracker, .topology = w->topo, .now_ns = 3 * SEC_NS });
	assert_non_null(w->snap);
	tracker_end_frame(w->tracker);
}

static const struct snap_edge *edge(struct world *w, size_t i)
{
	assert_true(i < w->snap->nedges);
	return &w->snap->edges[i];
}

static const char *name(struct world *w, size_t node)
{
	return w->snap->nodes[node].name;
}

static void local_connection_across_namespaces_is_one_edge(void **state)
{
	struct world *w = world_new();

	(void)state;
	/* veth: the client in namespace A, the server in B, each seeing the other's address. */
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.77.0.4", 40000, "10.77.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.77.0.2", 80, "10.77.0.4", 40000);
	frame(w);
	assert_int_equal(w->snap->nedges, 1);
	assert_string_equal(name(w, edge(w, 0)->client), "client[100]");
	assert_string_equal(name(w, edge(w, 0)->server), "server[300]");
	assert_int_equal(edge(w, 0)->port, 80);
	assert_int_equal(edge(w, 0)->active, 1);
	assert_int_equal(edge(w, 0)->opened, 1); /* one connection, not two sockets */
	assert_int_equal(w->snap->stats.topology.joined, 1);
	assert_int_equal(w->snap->nodes[edge(w, 0)->server].netns, NS_B);
	world_free(w);
}

static void loopback_joins_only_within_a_namespace(void **state)
{
	struct world *w = world_new();

	(void)state;
	/* Same loopback tuples in two namespaces: two separate edges to separate servers. */
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "127.0.0.1", 40000, "127.0.0.1", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "127.0.0.1", 80, "127.0.0.1", 40000);
	sock(w, CT_EV_CONNECT, 3, 101, NS_B, "127.0.0.1", 40000, "127.0.0.1", 80);
	sock(w, CT_EV_ACCEPT, 4, 301, NS_B, "127.0.0.1", 80, "127.0.0.1", 40000);
	frame(w);
	assert_int_equal(w->snap->nedges, 2);
	assert_int_equal(w->snap->stats.topology.joined, 2);
	assert_string_equal(name(w, edge(w, 0)->client), "client[100]");
	assert_string_equal(name(w, edge(w, 0)->server), "server[300]");
	assert_string_equal(name(w, edge(w, 1)->client), "client[101]");
	assert_string_equal(name(w, edge(w, 1)->server), "server[301]");
	world_free(w);
}

static void lone_sides_meet_an_address(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.1", 40000, "93.184.216.34", 443);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "10.0.0.1", 22, "203.0.113.9", 51000);
	frame(w);
	assert_int_equal(w->snap->nedges, 2);
	/* Sorted by server: the process (index 1 after app[100]) ... check by names instead. */
	for (size_t i = 0; i < 2; i++) {
		const struct snap_edge *e = edge(w, i);

		if (e->port == 443) {
			assert_string_equal(name(w, e->client), "client[100]");
			assert_string_equal(name(w, e->server), "93.184.216.34");
		} else {
			assert_int_equal(e->port, 22);
			assert_string_equal(name(w, e->client), "203.0.113.9");
			assert_string_equal(name(w, e->server), "server[300]");
		}
	}
	world_free(w);
}

static void totals_count_each_connection_once_and_idle_edges_go(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "10.0.0.2", 80, "10.0.0.4", 40000);
	frame(w);
	/* A second, short connection on the same edge, and the first one closes. */
	sock(w, CT_EV_CONNECT, 3, 100, NS_A, "10.0.0.4", 40001, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 4, 300, NS_A, "10.0.0.2", 80, "10.0.0.4", 40001);
	close_sock(w, 3);
	close_sock(w, 4);
	close_sock(w, 1);
	frame(w);
	assert_int_equal(w->snap->nedges, 1);
	assert_int_equal(edge(w, 0)->opened, 2);
	assert_int_equal(edge(w, 0)->closed, 2);
	assert_int_equal(edge(w, 0)->active, 0);
	close_sock(w, 2);
	frame(w); /* the server side closing alone changes no totals */
	assert_int_equal(w->snap->nedges, 1);
	assert_int_equal(edge(w, 0)->closed, 2);
	frame(w); /* nothing left on the edge: no stale edge */
	assert_int_equal(w->snap->nedges, 0);
	assert_int_equal(topology_stats(w->topo)->edges, 0);
	world_free(w);
}

static void client_outliving_its_server_stays_on_the_edge(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40000);
	frame(w);
	close_sock(w, 2); /* the server answers and closes first */
	frame(w);
	frame(w); /* the server side is gone; the client lingers */
	assert_int_equal(w->snap->nedges, 1);
	assert_string_equal(name(w, edge(w, 0)->server), "server[300]");
	assert_int_equal(edge(w, 0)->active, 1);
	assert_int_equal(edge(w, 0)->opened, 1);
	close_sock(w, 1);
	frame(w);
	assert_int_equal(edge(w, 0)->closed, 1);
	assert_int_equal(edge(w, 0)->active, 0);
	world_free(w);
}

/* A client at time @ts: its port reused within one frame (port reuse at 50,000 a second). */
static void sock_at(struct world *w, enum ct_event_type type, __u64 cookie, __u32 pid, __u64 ts,
		    __u16 lport, __u16 rport)
{
	struct ct_event e = test_event_addr(type, cookie, pid, pid >= 300 ? "server" : "client",
					    "127.0.0.1", lport, "127.0.0.1", rport);

	e.ts_ns = ts;
	e.netns = NS_A;
	tracker_apply(w->tracker, &e);
}

static void a_tuple_twice_in_a_frame_joins_each_to_its_own(void **state)
{
	struct world *w = world_new();
	struct ct_event e;

	(void)state;
	/*
	 * Two connections from client port 40000 one after the other, both within the frame, of two
	 * client processes to two servers; the first one's sockets added last (slots say nothing).
	 */
	sock_at(w, CT_EV_CONNECT, 11, 101, 3 * SEC_NS, 40000, 80);
	sock_at(w, CT_EV_ACCEPT, 12, 301, 3 * SEC_NS + 10, 80, 40000);
	sock_at(w, CT_EV_CONNECT, 1, 100, SEC_NS, 40000, 80);
	sock_at(w, CT_EV_ACCEPT, 2, 300, SEC_NS + 10, 80, 40000);
	e = test_event(CT_EV_CLOSE, 1, 2 * SEC_NS, 0, NULL);
	tracker_apply(w->tracker, &e);
	e = test_event(CT_EV_CLOSE, 2, 2 * SEC_NS, 0, NULL);
	tracker_apply(w->tracker, &e);
	frame(w);
	assert_int_equal(w->snap->stats.topology.joined, 2);
	assert_int_equal(w->snap->nedges, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct snap_edge *x = edge(w, i);
		const char *client = name(w, x->client), *server = name(w, x->server);

		assert_true((!strcmp(client, "client[100]") && !strcmp(server, "server[300]")) ||
			    (!strcmp(client, "client[101]") && !strcmp(server, "server[301]")));
		assert_int_equal(x->opened, 1);
	}
	world_free(w);
}

/* Joins are remembered, not looked up again: they must follow what happens to the sockets. */
static void joins_follow_their_sockets(void **state)
{
	struct world *w = world_new();
	struct ct_event e;

	(void)state;
	/* A client seen first in a dump, then its own connect record: still the same join. */
	e = test_event_addr(CT_EV_CONNECT, 1, 100, "client", "10.0.0.4", 40000, "10.0.0.2", 80);
	e.flags |= CT_F_SEEDED;
	e.netns = NS_A;
	tracker_apply(w->tracker, &e);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "10.0.0.2", 80, "10.0.0.4", 40000);
	frame(w);
	assert_int_equal(w->snap->stats.topology.joined, 1);
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	frame(w);
	assert_int_equal(w->snap->stats.topology.joined, 1);
	assert_int_equal(w->snap->nedges, 1);

	/* The client closes and its socket connects again elsewhere: a new, lone connection. */
	close_sock(w, 1);
	e = test_event_addr(CT_EV_CONNECT, 1, 100, "client", "10.0.0.4", 40000, "10.0.0.9", 443);
	e.ts_ns = 3 * SEC_NS;
	e.netns = NS_A;
	tracker_apply(w->tracker, &e);
	frame(w);
	assert_int_equal(w->snap->stats.topology.joined, 0);
	assert_int_equal(w->snap->nedges, 2); /* the server stays on its edge, the client moved */
	for (size_t i = 0; i < 2; i++) {
		const struct snap_edge *x = edge(w, i);

		if (x->port == 443) {
			assert_string_equal(name(w, x->server), "10.0.0.9");
			assert_int_equal(x->active, 1);
		} else {
			assert_string_equal(name(w, x->server), "server[300]");
			assert_int_equal(x->active, 0); /* its client's socket stood for it */
		}
	}
	world_free(w);
}

/* An edge is kept from frame to frame without building its key: unless an end's owner changes. */
static void an_owner_learned_later_moves_the_edge(void **state)
{
	struct world *w = world_new();
	struct ct_event e;

	(void)state;
	/* The server's accept came without its task: the server end is its address. */
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	e = test_event_addr(CT_EV_ACCEPT, 2, 0, NULL, "10.0.0.2", 80, "10.0.0.4", 40000);
	e.netns = NS_A;
	tracker_apply(w->tracker, &e);
	frame(w);
	frame(w);
	assert_int_equal(w->snap->nedges, 1);
	assert_string_equal(name(w, edge(w, 0)->server), "10.0.0.2");
	/* A later record of that socket names its owner. */
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "10.0.0.2", 80, "10.0.0.4", 40000);
	frame(w);
	assert_int_equal(w->snap->nedges, 1);
	assert_string_equal(name(w, edge(w, 0)->client), "client[100]");
	assert_string_equal(name(w, edge(w, 0)->server), "server[300]");
	assert_int_equal(edge(w, 0)->active, 1);
	/* A lone client's owner learned late, too. */
	e = test_event_addr(CT_EV_CONNECT, 3, 0, NULL, "10.0.0.4", 40001, "93.184.216.34", 443);
	e.netns = NS_A;
	tracker_apply(w->tracker, &e);
	frame(w);
	frame(w);
	sock(w, CT_EV_CONNECT, 3, 101, NS_A, "10.0.0.4", 40001, "93.184.216.34", 443);
	frame(w);
	assert_int_equal(w->snap->nedges, 2);
	for (size_t i = 0; i < 2; i++)
		if (edge(w, i)->port == 443)
			assert_string_equal(name(w, edge(w, i)->client), "client[101]");
	world_free(w);
}

static void seeded_connections_are_active_but_not_opened(void **state)
{
	struct world *w = world_new();
	struct ct_event e =
		test_event_addr(CT_EV_CONNECT, 1, 100, "c", "10.0.0.4", 40000, "10.0.0.2", 80);

	(void)state;
	e.flags |= CT_F_SEEDED;
	tracker_apply(w->tracker, &e);
	frame(w);
	assert_int_equal(edge(w, 0)->active, 1);
	assert_int_equal(edge(w, 0)->opened, 0);
	assert_int_equal(tracker_stats(w->tracker)->seeded, 1);
	world_free(w);
}

static void set_container(struct proc *proc, void *ctx)
{
	(void)ctx;
	proc->detail = calloc(1, sizeof(*proc->detail));
	memcpy(proc->detail->comm, proc->comm, sizeof(proc->comm));
	if (proc->key.pid < 300)
		return;
	proc->detail->container.runtime = CT_RUNTIME_DOCKER;
	snprintf(proc->detail->container.id, sizeof(proc->detail->container.id), "%064d", 7);
	snprintf(proc->detail->container_name.name, sizeof(proc->detail->container_name.name),
		 "web-%u", proc->key.pid);
}

static void rollups_sum_by_container_and_namespace(void **state)
{
	struct world *w = world_new();
	struct snap_group_edge *groups;

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40000);
	sock(w, CT_EV_CONNECT, 3, 101, NS_A, "10.0.0.4", 40001, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 4, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40001);
	tracker_for_each_proc(w->tracker, set_container, NULL);
	frame(w);
	assert_int_equal(w->snap->nedges, 2); /* two client processes */
	assert_int_equal(snapshot_rollup(w->snap, ROLLUP_CONTAINER, &groups), 1);
	assert_string_equal(groups[0].client, "host");
	assert_string_equal(groups[0].server, "web-300");
	assert_int_equal(groups[0].active, 2);
	assert_int_equal(groups[0].port, 80);
	free(groups);
	assert_int_equal(snapshot_rollup(w->snap, ROLLUP_NETNS, &groups), 1);
	assert_string_equal(groups[0].client, "netns:4026531001");
	assert_string_equal(groups[0].server, "netns:4026531002");
	free(groups);
	world_free(w);
}

static void filters_keep_matching_rows_nodes_and_edges(void **state)
{
	struct world *w = world_new();
	struct snapshot_filter f;
	struct snapshot *full, *snap;

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40000);
	sock(w, CT_EV_CONNECT, 3, 101, NS_A, "10.0.0.4", 40001, "10.0.0.3", 6379);
	tracker_for_each_proc(w->tracker, set_container, NULL); /* 300 is in web-300 */
	assert_int_equal(topology_update(w->topo, w->tracker), 0);
	full = snapshot_take(
		&(struct snapshot_input){ .tracker = w->tracker, .topology = w->topo });
	filter_init(&f);

	snprintf(f.container, sizeof(f.container), "web-300");
	snap = snapshot_filtered(full, &f);
	assert_int_equal(snap->nconns, 1); /* only the server's own socket */
	assert_int_equal(snap->conns[0].pid, 300);
	assert_int_equal(snap->nedges, 1); /* the edge into the container, with its client */
	assert_string_equal(snap->nodes[snap->edges[0].client].name, "client[100]");
	snapshot__free(snap);

	f.container[0] = '\0';
	f.port = 6379;
	snap = snapshot_filtered(full, &f);
	assert_int_equal(snap->nconns, 1);
	assert_int_equal(snap->conns[0].pid, 101);
	assert_int_equal(snap->nedges, 1);
	assert_int_equal(snap->edges[0].port, 6379);
	snapshot__free(snap);

	f.port = -1;
	f.pid = 100;
	snap = snapshot_filtered(full, &f);
	assert_int_equal(snap->nconns, 1);
	assert_int_equal(snap->nedges, 1);
	assert_int_equal(snap->edges[0].port, 80);
	assert_int_equal(snap->stats.tracker.active, 3); /* counters stay whole */
	snapshot__free(snap);
	snapshot__free(full);
	world_free(w);
}

/* Asserts an edge's bytes (client's view), retransmits and this frame's deltas. */
static void assert_edge_traffic(const struct snap_edge *e, uint64_t sent, uint64_t received,
				uint64_t retransmits, uint64_t sent_delta, uint64_t received_delta)
{
	assert_int_equal(e->bytes_sent, sent);
	assert_int_equal(e->bytes_received, received);
	assert_int_equal(e->retransmits, retransmits);
	assert_int_equal(e->sent_delta, sent_delta);
	assert_int_equal(e->received_delta, received_delta);
}

static void local_connection_bytes_count_once_in_the_clients_view(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40000);
	traffic(w, 1, 100, 5000, 1); /* the client sent a request, got an answer */
	traffic(w, 2, 5000, 100, 2); /* the server's socket sees the same bytes, mirrored */
	frame(w);
	assert_int_equal(w->snap->nedges, 1);
	/* Once, not twice; each side's retransmits: each side retransmits its own data. */
	assert_edge_traffic(edge(w, 0), 100, 5000, 3, 100, 5000);
	/* Each socket's row has its own view. */
	assert_int_equal(w->snap->conns[0].cookie, 1);
	assert_int_equal(w->snap->conns[0].bytes_sent, 100);
	assert_int_equal(w->snap->conns[0].received_delta, 5000);
	assert_int_equal(w->snap->conns[1].bytes_sent, 5000);
	assert_int_equal(w->snap->conns[1].retransmits, 2);

	traffic(w, 1, 300, 15000, 1);
	traffic(w, 2, 15000, 300, 2);
	frame(w);
	assert_edge_traffic(edge(w, 0), 300, 15000, 3, 200, 10000);
	frame(w); /* nothing moved */
	assert_edge_traffic(edge(w, 0), 300, 15000, 3, 0, 0);

	/* The client closes first: its final counts (a last request) are kept once. */
	close_with(w, 1, 310, 15000, 1);
	frame(w);
	assert_edge_traffic(edge(w, 0), 310, 15000, 3, 10, 0);
	frame(w); /* the server lingers: nothing counted twice */
	assert_edge_traffic(edge(w, 0), 310, 15000, 3, 0, 0);
	close_with(w, 2, 15000, 310, 4); /* two more retransmits before its close */
	frame(w);
	assert_edge_traffic(edge(w, 0), 310, 15000, 5, 0, 0);
	frame(w);
	assert_int_equal(w->snap->nedges, 0);
	world_free(w);
}

static void a_lone_server_socket_counts_for_its_client(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_ACCEPT, 2, 300, NS_A, "10.0.0.1", 22, "203.0.113.9", 51000);
	traffic(w, 2, 70000, 900, 6);
	frame(w);
	assert_string_equal(name(w, edge(w, 0)->client), "203.0.113.9");
	/* What the client sent is what the server received. */
	assert_edge_traffic(edge(w, 0), 900, 70000, 6, 900, 70000);
	world_free(w);
}

static void several_connections_sum_on_their_edge(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "93.184.216.34", 443);
	sock(w, CT_EV_CONNECT, 3, 100, NS_A, "10.0.0.4", 40001, "93.184.216.34", 443);
	traffic(w, 1, 10, 1000, 0);
	traffic(w, 3, 20, 2000, 1);
	frame(w);
	assert_edge_traffic(edge(w, 0), 30, 3000, 1, 30, 3000);
	/* One closes between two reads: its final bytes still count, in its last frame. */
	sock(w, CT_EV_CONNECT, 5, 100, NS_A, "10.0.0.4", 40002, "93.184.216.34", 443);
	close_with(w, 5, 50, 5000, 0);
	frame(w);
	assert_int_equal(edge(w, 0)->closed, 1);
	assert_edge_traffic(edge(w, 0), 80, 8000, 1, 50, 5000);
	frame(w); /* it is gone; its bytes stay in the edge's totals */
	assert_edge_traffic(edge(w, 0), 80, 8000, 1, 0, 0);
	world_free(w);
}

static void a_seeded_connections_past_is_a_total_not_a_rate(void **state)
{
	struct world *w = world_new();
	struct ct_event e =
		test_event_addr(CT_EV_CONNECT, 1, 100, "c", "10.0.0.4", 40000, "10.0.0.2", 80);
	struct ct_traffic live = { 40, 400, 0, 0 };

	(void)state;
	e.flags |= CT_F_SEEDED;
	e.traffic = (struct ct_traffic){ 1000, 20000, 3, 0 }; /* what sock_diag said */
	tracker_apply(w->tracker, &e);
	frame(w);
	assert_edge_traffic(edge(w, 0), 1000, 20000, 3, 0, 0);
	assert_int_equal(w->snap->conns[0].bytes_received, 20000);
	assert_int_equal(w->snap->conns[0].received_delta, 0);
	tracker_set_traffic(w->tracker, 1, &live, false); /* counted live since it was found */
	frame(w);
	assert_edge_traffic(edge(w, 0), 1040, 20400, 3, 40, 400);
	world_free(w);
}

/* A close's count is of bytes acknowledged: below what sendmsg counted, it is no negative rate. */
static void a_final_count_below_the_live_one_is_no_negative_rate(void **state)
{
	struct world *w = world_new();

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.9", 80);
	traffic(w, 1, 5000, 100, 0);
	frame(w);
	close_with(w, 1, 4000, 150, 0);
	frame(w);
	assert_edge_traffic(edge(w, 0), 4000, 150, 0, 0, 50);
	assert_int_equal(w->snap->conns[0].sent_delta, 0);
	world_free(w);
}

static void rollups_sum_bytes(void **state)
{
	struct world *w = world_new();
	struct snap_group_edge *groups;

	(void)state;
	sock(w, CT_EV_CONNECT, 1, 100, NS_A, "10.0.0.4", 40000, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 2, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40000);
	sock(w, CT_EV_CONNECT, 3, 101, NS_A, "10.0.0.4", 40001, "10.0.0.2", 80);
	sock(w, CT_EV_ACCEPT, 4, 300, NS_B, "10.0.0.2", 80, "10.0.0.4", 40001);
	traffic(w, 1, 1, 10, 0);
	traffic(w, 3, 2, 20, 1);
	tracker_for_each_proc(w->tracker, set_container, NULL);
	frame(w);
	assert_int_equal(snapshot_rollup(w->snap, ROLLUP_CONTAINER, &groups), 1);
	assert_int_equal(groups[0].bytes_sent, 3);
	assert_int_equal(groups[0].bytes_received, 30);
	assert_int_equal(groups[0].retransmits, 1);
	free(groups);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_connection_across_namespaces_is_one_edge),
		cmocka_unit_test(loopback_joins_only_within_a_namespace),
		cmocka_unit_test(lone_sides_meet_an_address),
		cmocka_unit_test(totals_count_each_connection_once_and_idle_edges_go),
		cmocka_unit_test(client_outliving_its_server_stays_on_the_edge),
		cmocka_unit_test(a_tuple_twice_in_a_frame_joins_each_to_its_own),
		cmocka_unit_test(joins_follow_their_sockets),
		cmocka_unit_test(an_owner_learned_later_moves_the_edge),
		cmocka_unit_test(seeded_connections_are_active_but_not_opened),
		cmocka_unit_test(rollups_sum_by_container_and_namespace),
		cmocka_unit_test(filters_keep_matching_rows_nodes_and_edges),
		cmocka_unit_test(local_connection_bytes_count_once_in_the_clients_view),
		cmocka_unit_test(a_lone_server_socket_counts_for_its_client),
		cmocka_unit_test(several_connections_sum_on_their_edge),
		cmocka_unit_test(a_seeded_connections_past_is_a_total_not_a_rate),
		cmocka_unit_test(a_final_count_below_the_live_one_is_no_negative_rate),
		cmocka_unit_test(rollups_sum_bytes),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
