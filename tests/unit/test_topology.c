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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_connection_across_namespaces_is_one_edge),
		cmocka_unit_test(loopback_joins_only_within_a_namespace),
		cmocka_unit_test(lone_sides_meet_an_address),
		cmocka_unit_test(totals_count_each_connection_once_and_idle_edges_go),
		cmocka_unit_test(client_outliving_its_server_stays_on_the_edge),
		cmocka_unit_test(seeded_connections_are_active_but_not_opened),
		cmocka_unit_test(rollups_sum_by_container_and_namespace),
		cmocka_unit_test(filters_keep_matching_rows_nodes_and_edges),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
