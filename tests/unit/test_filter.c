// SPDX-License-Identifier: GPL-2.0-only
/* Filters: which connections, edges and nodes a filter keeps, on snapshots built by hand. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "snapshot.h"
#include "topology.h"

#define NS_HOST 4026531840u
#define NS_WEB	4026532001u
#define NS_DB	4026532002u

#define WEB_ID "abc123def4567890abc123def4567890abc123def4567890abc123def4567890"
#define DB_ID  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* Nodes, as a snapshot orders them: processes by pid, then addresses. */
enum { NGINX, CURL, POSTGRES, REMOTE, NNODES };

static void in_container(struct snap_container *c, const char *runtime, const char *id,
			 const char *name, const char *pod)
{
	snprintf(c->runtime, sizeof(c->runtime), "%s", runtime);
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->pod, sizeof(c->pod), "%s", pod);
}

static struct snap_node *process(struct snapshot *s, size_t i, uint32_t pid, const char *comm,
				 uint32_t netns, const char *cmdline)
{
	struct snap_node *n = &s->nodes[i];

	n->kind = NODE_PROCESS;
	n->pid = pid;
	n->netns = netns;
	snprintf(n->comm, sizeof(n->comm), "%s", comm);
	snprintf(n->name, sizeof(n->name), "%s[%u]", comm, pid);
	snprintf(n->cmdline, sizeof(n->cmdline), "%s", cmdline);
	return n;
}

/* A connection of its own process (what its rows share: name, container). */
static struct snap_conn *conn(struct snapshot *s, uint32_t pid, const char *comm, uint32_t netns,
			      const char *local, uint16_t lport, const char *remote, uint16_t rport)
{
	struct snap_conn *c = &s->conns[s->nconns++];
	struct snap_proc *p = &s->procs[s->nprocs++];

	c->cookie = s->nconns;
	c->pid = pid;
	c->netns = netns;
	c->family = AF_INET;
	c->lport = lport;
	c->rport = rport;
	c->proc = (uint32_t)s->nprocs;
	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	inet_pton(AF_INET, local, c->laddr);
	inet_pton(AF_INET, remote, c->raddr);
	return c;
}

/* The container of connection @c's process. */
static struct snap_container *container_of(struct snapshot *s, const struct snap_conn *c)
{
	return &s->procs[c->proc - 1].container;
}

static void edge(struct snapshot *s, size_t client, size_t server, uint16_t port)
{
	s->edges[s->nedges++] = (struct snap_edge){
		.client = client, .server = server, .port = port, .active = 1, .opened = 2
	};
}

/*
 * nginx[12] in container "web" (pod shop/web-0) listens on 80; curl[20] on the host and the
 * address 10.0.0.9 are its clients. nginx is the client of postgres[30] in container "db" (pod
 * shop/db-0, netns "dbns"), which listens on 5432 and 9187.
 */
static struct snapshot *world(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct snap_node *n;

	snprintf(s->host, sizeof(s->host), "box");
	s->stats.tracker.events = 41;
	s->stats.tracker.active = 4;
	s->stats.topology.edges = 3;
	s->stats.lost = 5;
	s->conns = calloc(4, sizeof(*s->conns));
	s->procs = calloc(4, sizeof(*s->procs));
	s->nodes = calloc(NNODES, sizeof(*s->nodes));
	s->edges = calloc(3, sizeof(*s->edges));
	s->nnodes = NNODES;

	n = process(s, NGINX, 12, "nginx", NS_WEB, "nginx -g daemon off;");
	in_container(&n->container, "docker", WEB_ID, "web", "shop/web-0");
	n->listening[n->nlistening++] = 80;
	process(s, CURL, 20, "curl", NS_HOST, "curl http://frontend/");
	n = process(s, POSTGRES, 30, "postgres", NS_DB, "postgres -D /var/lib/pg");
	in_container(&n->container, "containerd", DB_ID, "db", "shop/db-0");
	snprintf(n->netns_name, sizeof(n->netns_name), "dbns");
	n->listening[n->nlistening++] = 5432;
	n->listening[n->nlistening++] = 9187;
	s->nodes[REMOTE].kind = NODE_ADDRESS;
	snprintf(s->nodes[REMOTE].name, sizeof(s->nodes[REMOTE].name), "10.0.0.9");

	in_container(container_of(s, conn(s, 12, "nginx", NS_WEB, "172.17.0.2", 80, "172.17.0.1",
					  41000)),
		     "docker", WEB_ID, "web", "shop/web-0");
	in_container(container_of(s, conn(s, 12, "nginx", NS_WEB, "172.17.0.2", 45000, "172.18.0.3",
					  5432)),
		     "docker", WEB_ID, "web", "shop/web-0");
	conn(s, 20, "curl", NS_HOST, "172.17.0.1", 41000, "172.17.0.2", 80);
	in_container(container_of(s, conn(s, 30, "postgres", NS_DB, "172.18.0.3", 5432,
					  "172.17.0.2", 45000)),
		     "containerd", DB_ID, "db", "shop/db-0");

	edge(s, CURL, NGINX, 80); /* by server, port, client */
	edge(s, REMOTE, NGINX, 80);
	edge(s, NGINX, POSTGRES, 5432);
	return s;
}

/* "nginx:80 curl:41000": the connections @f keeps (all when NULL), as comm:local port. */
static const char *conns_kept(const struct snapshot *s, const struct snapshot_filter *f)
{
	static char buf[512];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nconns; i++)
		if (!f || filter_conn(f, s, &s->conns[i]))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s:%u", len ? " " : "",
					snap_conn_comm(s, &s->conns[i]), s->conns[i].lport);
	return buf;
}

/* "curl[20]>nginx[12]:80": the edges @f keeps (all when NULL), named through their ends. */
static const char *edges_kept(const struct snapshot *s, const struct snapshot_filter *f)
{
	static char buf[512];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nedges; i++) {
		const struct snap_edge *e = &s->edges[i];

		assert_true(e->client < s->nnodes && e->server < s->nnodes);
		if (!f || filter_edge(f, s, e))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s>%s:%u", len ? " " : "",
					s->nodes[e->client].name, s->nodes[e->server].name,
					e->port);
	}
	return buf;
}

/* "nginx[12] 10.0.0.9": the nodes filter_nodes shows (all when NULL). */
static const char *nodes_shown(const struct snapshot *s, const struct snapshot_filter *f)
{
	static char buf[512];
	bool shown[16];
	size_t i, len = 0;

	assert_true(s->nnodes <= 16);
	if (f)
		filter_nodes(f, s, shown);
	buf[0] = '\0';
	for (i = 0; i < s->nnodes; i++)
		if (!f || shown[i])
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "",
					s->nodes[i].name);
	return buf;
}

static struct snapshot_filter by_port(int port)
{
	struct snapshot_filter f;

	filter_init(&f);
	f.port = port;
	return f;
}

static struct snapshot_filter by_pid(uint32_t pid)
{
	struct snapshot_filter f;

	filter_init(&f);
	f.pid = pid;
	return f;
}

static struct snapshot_filter by_netns(uint32_t netns)
{
	struct snapshot_filter f;

	filter_init(&f);
	f.netns = netns;
	return f;
}

static struct snapshot_filter by_container(const char *container)
{
	struct snapshot_filter f;

	filter_init(&f);
	snprintf(f.container, sizeof(f.container), "%s", container);
	return f;
}

static struct snapshot_filter by_text(const char *text)
{
	struct snapshot_filter f;

	filter_init(&f);
	snprintf(f.text, sizeof(f.text), "%s", text);
	return f;
}

static void init_passes_everything(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f;

	(void)state;
	filter_init(&f);
	assert_false(filter_active(&f));
	assert_string_equal(conns_kept(s, &f), "nginx:80 nginx:45000 curl:41000 postgres:5432");
	assert_string_equal(
		edges_kept(s, &f),
		"curl[20]>nginx[12]:80 10.0.0.9>nginx[12]:80 nginx[12]>postgres[30]:5432");
	assert_string_equal(nodes_shown(s, &f), "nginx[12] curl[20] postgres[30] 10.0.0.9");
	snapshot__free(s);
}

static void each_criterion_makes_the_filter_active(void **state)
{
	struct snapshot_filter f;

	(void)state;
	f = by_port(0);
	assert_true(filter_active(&f));
	f = by_pid(1);
	assert_true(filter_active(&f));
	f = by_netns(NS_DB);
	assert_true(filter_active(&f));
	f = by_container("web");
	assert_true(filter_active(&f));
	f = by_text("x");
	assert_true(filter_active(&f));
}

static void port_keeps_connections_by_local_or_remote_port(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_port(80);

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:80 curl:41000");
	f = by_port(45000);
	assert_string_equal(conns_kept(s, &f), "nginx:45000 postgres:5432");
	snapshot__free(s);
}

static void port_keeps_edges_by_server_port_only(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_port(80);

	(void)state;
	assert_string_equal(edges_kept(s, &f), "curl[20]>nginx[12]:80 10.0.0.9>nginx[12]:80");
	f = by_port(41000); /* curl's own port: a connection has it, an edge does not */
	assert_string_equal(edges_kept(s, &f), "");
	assert_string_equal(conns_kept(s, &f), "nginx:80 curl:41000");
	snapshot__free(s);
}

static void port_shows_nodes_that_listen_or_talk_on_it(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_port(5432);

	(void)state;
	assert_string_equal(nodes_shown(s, &f), "nginx[12] postgres[30]");
	f = by_port(80);
	assert_string_equal(nodes_shown(s, &f), "nginx[12] curl[20] 10.0.0.9");
	f = by_port(9187); /* listens, nobody connected */
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	f = by_port(41000);
	assert_string_equal(nodes_shown(s, &f), "");
	snapshot__free(s);
}

static void pid_keeps_its_connections_edges_and_node(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_pid(12);

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:80 nginx:45000");
	assert_string_equal(
		edges_kept(s, &f),
		"curl[20]>nginx[12]:80 10.0.0.9>nginx[12]:80 nginx[12]>postgres[30]:5432");
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	f = by_pid(20);
	assert_string_equal(conns_kept(s, &f), "curl:41000");
	assert_string_equal(edges_kept(s, &f), "curl[20]>nginx[12]:80");
	assert_string_equal(nodes_shown(s, &f), "curl[20]");
	snapshot__free(s);
}

static void netns_keeps_what_lives_in_it(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_netns(NS_DB);

	(void)state;
	assert_string_equal(conns_kept(s, &f), "postgres:5432");
	assert_string_equal(edges_kept(s, &f), "nginx[12]>postgres[30]:5432");
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	snapshot__free(s);
}

static void container_matches_by_name(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("web");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:80 nginx:45000");
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	f = by_container("we"); /* a name is matched whole */
	assert_string_equal(conns_kept(s, &f), "");
	snapshot__free(s);
}

static void container_matches_by_pod(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("shop/db-0");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "postgres:5432");
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	snapshot__free(s);
}

static void container_matches_by_id_prefix(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("fedcba98");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "postgres:5432");
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	f = by_container(DB_ID);
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	f = by_container("edcba98"); /* not a prefix */
	assert_string_equal(nodes_shown(s, &f), "");
	snapshot__free(s);
}

static void container_never_matches_a_host_process(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("host"); /* what roll-ups call the host */

	(void)state;
	assert_string_equal(conns_kept(s, &f), "");
	assert_string_equal(edges_kept(s, &f), "");
	assert_string_equal(nodes_shown(s, &f), "");
	/* Stale container fields without a runtime are not a container either. */
	in_container(&s->nodes[CURL].container, "", "curl", "curl", "");
	in_container(container_of(s, &s->conns[2]), "", "curl", "curl", "");
	f = by_container("curl");
	assert_string_equal(conns_kept(s, &f), "");
	assert_string_equal(nodes_shown(s, &f), "");
	snapshot__free(s);
}

static void text_finds_comm_in_any_case(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("NGinX");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:80 nginx:45000");
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	snapshot__free(s);
}

static void text_finds_addresses(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("172.18.");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:45000 postgres:5432");
	f = by_text("10.0.0.9");
	assert_string_equal(nodes_shown(s, &f), "10.0.0.9");
	snapshot__free(s);
}

static void text_finds_cmdline(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("DAEMON OFF");

	(void)state;
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	snapshot__free(s);
}

static void text_finds_container_name(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("WEB");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "nginx:80 nginx:45000");
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	snapshot__free(s);
}

static void text_finds_netns_name(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("DbNs");

	(void)state;
	assert_string_equal(nodes_shown(s, &f), "postgres[30]");
	snapshot__free(s);
}

static void text_that_nothing_has_keeps_nothing(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("redis");

	(void)state;
	assert_string_equal(conns_kept(s, &f), "");
	assert_string_equal(edges_kept(s, &f), "");
	assert_string_equal(nodes_shown(s, &f), "");
	snapshot__free(s);
}

static void edge_matches_when_either_end_does(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("web");

	(void)state;
	/* nginx as a server keeps its clients; as a client, the server it calls. */
	assert_string_equal(
		edges_kept(s, &f),
		"curl[20]>nginx[12]:80 10.0.0.9>nginx[12]:80 nginx[12]>postgres[30]:5432");
	f = by_container("db");
	assert_string_equal(edges_kept(s, &f), "nginx[12]>postgres[30]:5432");
	snapshot__free(s);
}

static void edge_needs_its_port_and_a_matching_end(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("web");

	(void)state;
	f.port = 5432;
	assert_string_equal(edges_kept(s, &f), "nginx[12]>postgres[30]:5432");
	assert_string_equal(nodes_shown(s, &f), "nginx[12]");
	f.pid = 20; /* curl is not in "web", nginx is not pid 20 */
	f.port = 80;
	assert_string_equal(edges_kept(s, &f), "");
	snapshot__free(s);
}

static void filtered_keeps_the_client_a_container_needs(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_container("db");
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_string_equal(nodes_shown(s, &f), "postgres[30]"); /* not on its own merits */
	assert_string_equal(nodes_shown(out, NULL), "nginx[12] postgres[30]");
	assert_string_equal(edges_kept(out, NULL), "nginx[12]>postgres[30]:5432");
	assert_string_equal(conns_kept(out, NULL), "postgres:5432");
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_renumbers_edge_ends(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_text("10.0.0.9");
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_int_equal(out->nnodes, 2);
	assert_int_equal(out->nedges, 1);
	assert_int_equal(out->edges[0].client, 1); /* was REMOTE, 3 */
	assert_int_equal(out->edges[0].server, 0);
	assert_string_equal(edges_kept(out, NULL), "10.0.0.9>nginx[12]:80");
	assert_int_equal(out->edges[0].active, 1);
	assert_int_equal(out->edges[0].opened, 2);
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_renumbers_a_server_past_dropped_nodes(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_netns(NS_DB);
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_int_equal(out->edges[0].server, 1); /* was POSTGRES, 2 */
	assert_string_equal(edges_kept(out, NULL), "nginx[12]>postgres[30]:5432");
	assert_string_equal(nodes_shown(out, NULL), "nginx[12] postgres[30]");
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_copies_stats_and_header_whole(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_port(5432);
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_int_equal(out->nconns, 2);
	assert_memory_equal(&out->stats, &s->stats, sizeof(s->stats));
	assert_int_equal(out->stats.tracker.active, 4); /* not the 2 kept */
	assert_int_equal(out->stats.topology.edges, 3);
	assert_int_equal(out->stats.lost, 5);
	assert_string_equal(out->host, "box");
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_keeps_order(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_port(80);
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_string_equal(conns_kept(out, NULL), "nginx:80 curl:41000");
	assert_string_equal(nodes_shown(out, NULL), "nginx[12] curl[20] 10.0.0.9");
	assert_string_equal(edges_kept(out, NULL), "curl[20]>nginx[12]:80 10.0.0.9>nginx[12]:80");
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_without_criteria_is_a_full_copy(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f;
	struct snapshot *out;

	(void)state;
	filter_init(&f);
	out = snapshot_filtered(s, &f);
	assert_non_null(out);
	assert_int_equal(out->nconns, s->nconns);
	assert_int_equal(out->nnodes, s->nnodes);
	assert_int_equal(out->nedges, s->nedges);
	assert_memory_equal(out->conns, s->conns, s->nconns * sizeof(*s->conns));
	assert_memory_equal(out->nodes, s->nodes, s->nnodes * sizeof(*s->nodes));
	assert_memory_equal(out->edges, s->edges, s->nedges * sizeof(*s->edges));
	assert_ptr_not_equal(out->conns, s->conns); /* its own arrays: both are freed */
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_empty_snapshot_is_empty(void **state)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	struct snapshot_filter f = by_port(80);
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_int_equal(out->nconns, 0);
	assert_int_equal(out->nnodes, 0);
	assert_int_equal(out->nedges, 0);
	snapshot__free(out);
	snapshot__free(s);
}

static void filtered_out_everything_leaves_an_empty_frame(void **state)
{
	struct snapshot *s = world();
	struct snapshot_filter f = by_pid(999);
	struct snapshot *out = snapshot_filtered(s, &f);

	(void)state;
	assert_non_null(out);
	assert_int_equal(out->nconns, 0);
	assert_int_equal(out->nnodes, 0);
	assert_int_equal(out->nedges, 0);
	assert_int_equal(out->stats.tracker.events, 41);
	assert_string_equal(out->host, "box");
	snapshot__free(out);
	snapshot__free(s);
}

static void describe_lists_criteria_in_order(void **state)
{
	struct snapshot_filter f = by_port(80);
	char buf[256];

	(void)state;
	f.pid = 12;
	snprintf(f.container, sizeof(f.container), "web");
	f.netns = NS_HOST;
	snprintf(f.text, sizeof(f.text), "x");
	filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "port 80, pid 12, container web, netns 4026531840, search \"x\"");
}

static void describe_one_criterion_has_no_comma(void **state)
{
	struct snapshot_filter f = by_netns(NS_DB);
	char buf[64];

	(void)state;
	filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "netns 4026532002");
	f = by_port(0);
	filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "port 0");
}

static void describe_nothing_is_empty(void **state)
{
	struct snapshot_filter f;
	char buf[64];

	(void)state;
	filter_init(&f);
	memset(buf, 'x', sizeof(buf));
	filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void describe_cuts_to_the_buffer(void **state)
{
	struct snapshot_filter f = by_port(80);
	char buf[64], untouched[52];

	(void)state;
	f.pid = 12;
	snprintf(f.text, sizeof(f.text), "a long search text");
	memset(buf, 'x', sizeof(buf));
	memset(untouched, 'x', sizeof(untouched));
	filter_describe(&f, buf, 12);
	assert_string_equal(buf, "port 80, pi");
	assert_memory_equal(buf + 12, untouched, sizeof(untouched)); /* nothing past size */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_passes_everything),
		cmocka_unit_test(each_criterion_makes_the_filter_active),
		cmocka_unit_test(port_keeps_connections_by_local_or_remote_port),
		cmocka_unit_test(port_keeps_edges_by_server_port_only),
		cmocka_unit_test(port_shows_nodes_that_listen_or_talk_on_it),
		cmocka_unit_test(pid_keeps_its_connections_edges_and_node),
		cmocka_unit_test(netns_keeps_what_lives_in_it),
		cmocka_unit_test(container_matches_by_name),
		cmocka_unit_test(container_matches_by_pod),
		cmocka_unit_test(container_matches_by_id_prefix),
		cmocka_unit_test(container_never_matches_a_host_process),
		cmocka_unit_test(text_finds_comm_in_any_case),
		cmocka_unit_test(text_finds_addresses),
		cmocka_unit_test(text_finds_cmdline),
		cmocka_unit_test(text_finds_container_name),
		cmocka_unit_test(text_finds_netns_name),
		cmocka_unit_test(text_that_nothing_has_keeps_nothing),
		cmocka_unit_test(edge_matches_when_either_end_does),
		cmocka_unit_test(edge_needs_its_port_and_a_matching_end),
		cmocka_unit_test(filtered_keeps_the_client_a_container_needs),
		cmocka_unit_test(filtered_renumbers_edge_ends),
		cmocka_unit_test(filtered_renumbers_a_server_past_dropped_nodes),
		cmocka_unit_test(filtered_copies_stats_and_header_whole),
		cmocka_unit_test(filtered_keeps_order),
		cmocka_unit_test(filtered_without_criteria_is_a_full_copy),
		cmocka_unit_test(filtered_empty_snapshot_is_empty),
		cmocka_unit_test(filtered_out_everything_leaves_an_empty_frame),
		cmocka_unit_test(describe_lists_criteria_in_order),
		cmocka_unit_test(describe_one_criterion_has_no_comma),
		cmocka_unit_test(describe_nothing_is_empty),
		cmocka_unit_test(describe_cuts_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
