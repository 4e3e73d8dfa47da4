// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON export: byte for byte against tests/fixtures/export/, and read back by jq, which must be
 * installed (scripts/install-deps.sh test): a missing jq fails, it never skips.
 */
#include "test_util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "export_common.h"
#include "snapshot.h"
#include "table.h"
#include "topology.h"
#include "tracker.h"

#define NS_HOST 4026531840u
#define NS_WEB	4026532300u
#define NS_LAB	4026532500u

/* A process name with everything that breaks a naive writer, raw as a kernel could give it. */
#define HOSTILE_RAW                                            \
	"q\"b\\s\x1b[31m\x7f"                                  \
	"\xff|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe6\x97" \
	"A"
#define HOSTILE_JQ                                                                   \
	"q\\\"b\\\\s\\u001b[31m\\u007f\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|" \
	"\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffdA"

static const char *fixtures(void)
{
	return getenv("FIXTURES") ?: "tests/fixtures";
}

/* The whole file at @path, NUL-terminated; NULL if it cannot be read. */
static char *read_file(const char *path)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r"), *mem;
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	mem = open_memstream(&text, &size);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	fclose(f);
	return text;
}

/*
 * Compares with a file under tests/fixtures/export/: review a change there as a diff (`jq .`
 * makes one line readable). CONNTOP_UPDATE_GOLDEN=1 writes the file instead.
 */
static void assert_golden(const char *text, const char *name)
{
	char path[512], *want;

	snprintf(path, sizeof(path), "%s/export/%s", fixtures(), name);
	if (getenv("CONNTOP_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	want = read_file(path);
	if (!want)
		fail_msg("cannot read %s", path);
	assert_string_equal(text, want);
	free(want);
}

static char *json_of(const struct snapshot *snap)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_int_equal(export_json(out, snap), 0);
	fclose(out);
	return text;
}

static void require_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0)
		fail_msg("%s is not installed: run scripts/install-deps.sh test (make test does)",
			 tool);
}

/* Runs `sh -c @cmd` with @input on stdin; returns its exit status and its stdout in @output. */
static int run_with_input(const char *cmd, const char *input, char **output)
{
	char path[] = "/tmp/conntop-test-XXXXXX", full[1024];
	char *text = NULL;
	size_t size = 0;
	FILE *mem, *p;
	char buf[4096];
	size_t n;
	int fd = mkstemp(path), status;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, input, strlen(input)), (ssize_t)strlen(input));
	close(fd);
	snprintf(full, sizeof(full), "%s < %s", cmd, path);
	p = popen(full, "r");
	assert_non_null(p);
	mem = open_memstream(&text, &size);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(mem);
	status = pclose(p);
	unlink(path);
	if (output)
		*output = text;
	else
		free(text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * @json must be one valid document on one line: jq parses it, iconv finds it valid UTF-8 (jq
 * would mend bad bytes silently), and no control byte but the final newline is in it.
 */
static void assert_valid_json(const char *json)
{
	size_t len = strlen(json), i;

	require_tool("jq");
	require_tool("iconv");
	assert_true(len > 0 && json[len - 1] == '\n');
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)json[i] < 0x20)
			fail_msg("control byte 0x%02x at %zu", (unsigned char)json[i], i);
	if (run_with_input("jq -e . >/dev/null", json, NULL) != 0)
		fail_msg("jq rejects: %s", json);
	if (run_with_input("iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1", json, NULL) != 0)
		fail_msg("not valid UTF-8: %s", json);
}

/* jq -e @filter on @json must be true; the filter goes through a file, never a shell. */
static void assert_jq(const char *json, const char *filter)
{
	char path[] = "/tmp/conntop-filter-XXXXXX", cmd[128], *out;
	int fd, rc;

	require_tool("jq");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, filter, strlen(filter)), (ssize_t)strlen(filter));
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq -e -f %s 2>&1", path);
	rc = run_with_input(cmd, json, &out);
	unlink(path);
	if (rc != 0)
		fail_msg("jq -e '%s' gave %d: %s", filter, rc, out);
	free(out);
}

/* Every kind of thing a frame holds, with a name that tries everything in each string. */
static struct snapshot *scene(void)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	struct snap_node *n;
	struct snap_conn *c;

	snap->wall = (struct timespec){ .tv_sec = 1795000000, .tv_nsec = 250000000 };
	snap->now_ns = 100 * SEC_NS;
	snap->interval_ns = 2 * SEC_NS + 5000000;
	snap->frame_events = 21;
	snprintf(snap->host, sizeof(snap->host), "web\"host\\1");
	snprintf(snap->kernel, sizeof(snap->kernel), "6.18.44");
	snprintf(snap->source, sizeof(snap->source), "eBPF, ring buffer");
	snprintf(snap->source_kind, sizeof(snap->source_kind), "ebpf");
	snap->stats.tracker = (struct tracker_stats){
		.events = 100,
		.invalid = 1,
		.opened_in = 7,
		.opened_out = 5,
		.closed = 9,
		.close_unseen = 2,
		.not_accepted = 3,
		.duplicate_opens = 4,
		.late = 5,
		.table_full = 6,
		.tombstones_evicted = 1,
		.seeded = 8,
		.corrections = 10,
		.active = 3,
		.listening = 11,
		.processes = 12,
	};
	snap->stats.source = (struct source_stats){ .lost = 13,
						    .recursion_misses = 14,
						    .nested_rescued = 15,
						    .pending_full = 16,
						    .connect_failed = 17,
						    .traffic_full = 21,
						    .traffic_skipped = 22,
						    .late_records = 23 };
	snap->stats.topology = (struct topology_stats){ .edges = 4, .joined = 1, .table_full = 18 };
	snap->stats.seed.namespaces = 19;
	snap->stats.seed.untracked = 24;
	snap->stats.lost = 13 + 14;
	snap->stats.cgroup_mismatch = 20;

	snap->nnodes = 5;
	snap->nodes = calloc(snap->nnodes, sizeof(*snap->nodes));
	n = &snap->nodes[0]; /* in a container with a pod */
	n->kind = NODE_PROCESS;
	n->pid = 300;
	n->start_ticks = 3000;
	n->ppid = 1;
	n->netns = NS_WEB;
	n->cgroup_id = 7001;
	snprintf(n->comm, sizeof(n->comm), "nginx");
	snprintf(n->name, sizeof(n->name), "nginx[300]");
	snprintf(n->user, sizeof(n->user), "www-data");
	snprintf(n->cmdline, sizeof(n->cmdline), "nginx: master process -g \"daemon off;\"");
	snprintf(n->container.runtime, sizeof(n->container.runtime), "containerd");
	snprintf(n->container.id, sizeof(n->container.id), "%064d", 7);
	snprintf(n->container.name, sizeof(n->container.name), "web");
	snprintf(n->container.pod, sizeof(n->container.pod), "shop/web-7d9f");
	n->listening[0] = 80;
	n->listening[1] = 443;
	n->nlistening = 2;
	n->conns_in = 1;
	n->opened = 1;
	n->bytes_sent = 1048576;
	n->bytes_received = 5000;
	n->sent_delta = 401; /* over 2.005 s: 200 B/s */
	n->received_delta = 4010;
	n = &snap->nodes[1]; /* on the host, with the raw hostile name */
	n->kind = NODE_PROCESS;
	n->pid = 400;
	n->start_ticks = 4000;
	n->netns = NS_HOST;
	snprintf(n->comm, sizeof(n->comm), "%s", HOSTILE_RAW);
	snprintf(n->name, sizeof(n->name), "%s[400]", HOSTILE_RAW);
	snprintf(n->cmdline, sizeof(n->cmdline), "%s --flag", HOSTILE_RAW);
	n->conns_out = 1;
	n->bytes_sent = 5000;
	n->bytes_received = 1048576;
	n->sent_delta = 4010;
	n->received_delta = 401;
	n = &snap->nodes[2]; /* in a named netns, a CJK name as sanitize() leaves it */
	n->kind = NODE_PROCESS;
	n->pid = 500;
	n->start_ticks = 5000;
	n->netns = NS_LAB;
	snprintf(n->comm, sizeof(n->comm), "日本語\\x1b[2J");
	snprintf(n->name, sizeof(n->name), "日本語\\x1b[2J[500]");
	snprintf(n->netns_name, sizeof(n->netns_name), "lab-\"é\"");
	n->listening[0] = 8080;
	n->nlistening = 1;
	n = &snap->nodes[3];
	n->kind = NODE_ADDRESS;
	snprintf(n->name, sizeof(n->name), "10.0.0.9");
	n = &snap->nodes[4];
	n->kind = NODE_ADDRESS;
	snprintf(n->name, sizeof(n->name), "fd00::9");

	snap->nedges = 3;
	snap->edges = calloc(snap->nedges, sizeof(*snap->edges));
	/* client, server, port, active, opened, closed, sent, received, retransmits, deltas */
	snap->edges[0] = (struct snap_edge){ 1, 0, 80, 1, 3, 2, 5000, 1048576, 1, 4010, 401 };
	snap->edges[1] = (struct snap_edge){ 3, 2, 8080, 0, 1, 1, 7, 9, 0, 7, 9 };
	snap->edges[2] = (struct snap_edge){ 0, 4, 9000, 2, 2, 0, 0, 0, 0, 0, 0 };

	/* What the rows of a process share: nginx's container, the hostile name as it came. */
	snap->nprocs = 2;
	snap->procs = calloc(snap->nprocs, sizeof(*snap->procs));
	snap->procs[0].pid = 300;
	snprintf(snap->procs[0].comm, sizeof(snap->procs[0].comm), "nginx");
	snap->procs[0].container = snap->nodes[0].container;
	snap->procs[1].pid = 400;
	snprintf(snap->procs[1].comm, sizeof(snap->procs[1].comm), "%s", HOSTILE_RAW);

	snap->nconns = 3;
	snap->conns = calloc(snap->nconns, sizeof(*snap->conns));
	c = &snap->conns[0];
	*c = (struct snap_conn){ .cookie = 11,
				 .age_ns = 1500000000,
				 .cgroup_id = 7001,
				 .pid = 300,
				 .netns = NS_WEB,
				 .family = AF_INET6,
				 .state = 1,
				 .dir = CONN_IN,
				 .fresh = true,
				 .lport = 80,
				 .rport = 51000,
				 .retransmits = 1,
				 .bytes_sent = 1048576,
				 .bytes_received = 5000,
				 .sent_delta = 401,
				 .received_delta = 4010 };
	c->proc = 1;
	inet_pton(AF_INET6, "fd00::1", c->laddr);
	inet_pton(AF_INET6, "fd00::2", c->raddr);
	c = &snap->conns[1];
	*c = (struct snap_conn){ .cookie = 12,
				 .age_ns = 61012345678ull,
				 .pid = 400,
				 .netns = NS_HOST,
				 .family = AF_INET,
				 .state = 1,
				 .dir = CONN_OUT,
				 .seeded = true,
				 .lport = 51000,
				 .rport = 80,
				 .bytes_sent = 5000,
				 .bytes_received = 1048576,
				 .sent_delta = 4010,
				 .received_delta = 401 };
	c->proc = 2;
	inet_pton(AF_INET, "10.0.0.1", c->laddr);
	inet_pton(AF_INET, "10.0.0.2", c->raddr);
	c = &snap->conns[2]; /* closed, owner unknown */
	*c = (struct snap_conn){ .cookie = 13,
				 .age_ns = 999,
				 .netns = NS_HOST,
				 .family = AF_INET,
				 .state = 7,
				 .dir = CONN_IN,
				 .closed = true,
				 .lport = 8080,
				 .rport = 40000,
				 .bytes_sent = 9, /* its final counts */
				 .bytes_received = 7,
				 .sent_delta = 9,
				 .received_delta = 7 };
	inet_pton(AF_INET, "127.0.0.1", c->laddr);
	inet_pton(AF_INET, "127.0.0.1", c->raddr);
	return snap;
}

static void empty_snapshot(void **state)
{
	struct snapshot *snap = calloc(1, sizeof(*snap));
	char *json;

	(void)state;
	snap->wall.tv_sec = 1795000000;
	json = json_of(snap);
	assert_golden(json, "empty.json");
	assert_valid_json(json);
	assert_jq(json, ".format == 1 and .time == \"2026-11-18T11:06:40Z\" and .host == null and "
			".source == null and .interval_s == null and .nodes == [] and .edges == [] "
			"and .connections == [] and .stats.events == 0");
	free(json);
	snapshot__free(snap);
}

static void scene_is_golden_and_valid(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_golden(json, "scene.json");
	assert_valid_json(json);
	/* One document on one line: batch mode writes JSON Lines. */
	assert_ptr_equal(strchr(json, '\n'), json + strlen(json) - 1);
	free(json);
	snapshot__free(snap);
}

static void top_level_and_stats(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_jq(json, ".format == 1 and .time == \"2026-11-18T11:06:40Z\" and "
			".time_ms == 1795000000250 and (.time | fromdateiso8601) == 1795000000 and "
			".host == \"web\\\"host\\\\1\" and .kernel == \"6.18.44\" and "
			".source == \"ebpf\" and .source_detail == \"eBPF, ring buffer\" and "
			".interval_s == 2.005");
	assert_jq(json, ".stats == {events: 100, lost: 27, active: 3, opened: 12, opened_in: 7, "
			"opened_out: 5, closed: 9, frame_events: 21, processes: 12, listening: 11, "
			"closed_unseen: 2, not_accepted: 3, late: 5, duplicate: 4, invalid: 1, "
			"table_full: 6, untracked: 24, tombstones_evicted: 1, pending_full: 16, "
			"ring_full: 13, "
			"skipped_runs: 14, nested: 15, late_records: 23, failed_connects: 17, "
			"traffic_full: 21, "
			"traffic_skipped: 22, seeded: 8, "
			"corrections: 10, namespaces: 19, namespace_errors: 0, sockets_dumped: 0, "
			"dump_passes: 0, edges: 4, joined: 1, edge_table_full: 18, "
			"cgroup_mismatch: 20}");
	free(json);
	snapshot__free(snap);
}

/* Every counter the screen lists is in "stats", under its name in snake case, with its value. */
static void every_counter_is_in_stats(void **state)
{
	struct snapshot *snap = scene();
	struct counter counters[TABLE_MAX_COUNTERS];
	size_t n = table_counters(snap, counters, TABLE_MAX_COUNTERS), i, j;
	char *json = json_of(snap), filter[4096];
	size_t used;

	(void)state;
	used = snprintf(filter, sizeof(filter), ".stats | length == %zu", 8 + n);
	for (i = 0; i < n; i++) {
		char key[64];

		for (j = 0; counters[i].name[j] && j + 1 < sizeof(key); j++)
			key[j] = counters[i].name[j] == ' ' ? '_' : counters[i].name[j];
		key[j] = '\0';
		used += snprintf(filter + used, sizeof(filter) - used, " and .%s == %llu", key,
				 (unsigned long long)counters[i].value);
		assert_true(used < sizeof(filter));
	}
	assert_jq(json, filter);
	free(json);
	snapshot__free(snap);
}

static void nodes(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_jq(json, ".nodes | map(.id) == [\"pid:300:3000\", \"pid:400:4000\", "
			"\"pid:500:5000\", \"addr:10.0.0.9\", \"addr:fd00::9\"]");
	assert_jq(json,
		  ".nodes[0] == {id: \"pid:300:3000\", kind: \"process\", name: "
		  "\"nginx[300]\", pid: 300, ppid: 1, comm: \"nginx\", user: \"www-data\", "
		  "cmdline: \"nginx: master process -g \\\"daemon off;\\\"\", netns: 4026532300, "
		  "netns_name: null, cgroup_id: 7001, container: {id: "
		  "\"0000000000000000000000000000000000000000000000000000000000000007\", "
		  "name: \"web\", runtime: \"containerd\", pod: \"shop/web-7d9f\"}, "
		  "listening: [80, 443], conns_in: 1, conns_out: 0, opened: 1, send_rate: 200, "
		  "receive_rate: 2000}");
	assert_jq(json, ".nodes[1].comm == \"" HOSTILE_JQ "\" and .nodes[1].name == \"" HOSTILE_JQ
			"[400]\" and .nodes[1].cmdline == \"" HOSTILE_JQ " --flag\" and "
			".nodes[1].container == null and .nodes[1].ppid == null and "
			".nodes[1].netns == 4026531840 and .nodes[1].listening == []");
	assert_jq(json,
		  ".nodes[2].comm == \"日本語\\\\x1b[2J\" and "
		  ".nodes[2].netns_name == \"lab-\\\"é\\\"\" and .nodes[2].listening == [8080]");
	assert_jq(json,
		  ".nodes[3] == {id: \"addr:10.0.0.9\", kind: \"remote\", name: "
		  "\"10.0.0.9\", address: \"10.0.0.9\"} and .nodes[4].address == \"fd00::9\"");
	free(json);
	snapshot__free(snap);
}

static void edges_name_their_nodes(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_jq(json,
		  ".edges[0] == {from: \"pid:400:4000\", to: \"pid:300:3000\", port: 80, "
		  "active: 1, opened: 3, closed: 2, bytes_sent: 5000, bytes_received: 1048576, "
		  "retransmits: 1, send_rate: 2000, receive_rate: 200}");
	/* Every end is a node: the join scripts do. */
	assert_jq(json, "(.nodes | map(.id)) as $ids | .edges | all(.from as $f | .to as $t | "
			"($ids | index([$f])) != null and ($ids | index([$t])) != null)");
	assert_jq(json, "(.nodes | INDEX(.id)) as $n | [.edges[] | \"\\($n[.from].name) -> "
			"\\($n[.to].name):\\(.port)\"] | .[2] == \"nginx[300] -> fd00::9:9000\"");
	free(json);
	snapshot__free(snap);
}

static void connections(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_jq(json,
		  ".connections[0] == {cookie: 11, pid: 300, comm: \"nginx\", netns: "
		  "4026532300, cgroup_id: 7001, container: {id: "
		  "\"0000000000000000000000000000000000000000000000000000000000000007\", "
		  "name: \"web\", runtime: \"containerd\", pod: \"shop/web-7d9f\"}, "
		  "direction: \"in\", local: \"[fd00::1]:80\", remote: \"[fd00::2]:51000\", "
		  "local_port: 80, remote_port: 51000, state: \"ESTABLISHED\", age_s: 1.5, "
		  "closed: false, seeded: false, new: true, bytes_sent: 1048576, "
		  "bytes_received: 5000, retransmits: 1, send_rate: 200, receive_rate: 2000}");
	assert_jq(json, ".connections[1] | .comm == \"" HOSTILE_JQ "\" and .direction == \"out\" "
			"and .age_s == 61.012 and .seeded and (.new | not) and .container == null");
	assert_jq(json, ".connections[2] | .pid == null and .comm == \"\" and .closed and "
			".state == \"CLOSED\" and .age_s == 0");
	/* A connection that closed since the previous frame still has its final bytes. */
	assert_jq(json, ".connections[2] | .bytes_sent == 9 and .bytes_received == 7 and "
			".send_rate == 4.5 and .receive_rate == 3.5");
	/* The connections of one container, as docs/EXPORT.md shows it. */
	assert_jq(json, "[.connections[] | select(.container.name == \"web\") | .cookie] == [11]");
	free(json);
	snapshot__free(snap);
}

/* Age and interval have 3 decimals, written as such: "age_s":61.012, never 6.1012e1. */
static void numbers_are_plain(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap);

	(void)state;
	assert_non_null(strstr(json, "\"age_s\":61.012,"));
	assert_non_null(strstr(json, "\"age_s\":0.000,"));
	assert_non_null(strstr(json, "\"interval_s\":2.005,"));
	assert_non_null(strstr(json, "\"netns\":4026531840,"));
	/* Rates have 1 decimal; bytes are integers. */
	assert_non_null(strstr(json, "\"send_rate\":2000.0,\"receive_rate\":200.0}"));
	assert_non_null(strstr(json, "\"send_rate\":4.5,\"receive_rate\":3.5}"));
	assert_non_null(strstr(json, "\"bytes_received\":1048576,"));
	free(json);
	snapshot__free(snap);
}

/* The first frame has no interval: no rates yet, null; the totals are there. */
static void rates_are_null_on_the_first_frame(void **state)
{
	struct snapshot *snap = scene();
	char *json;

	(void)state;
	snap->interval_ns = 0;
	json = json_of(snap);
	assert_valid_json(json);
	assert_jq(json,
		  ".interval_s == null and "
		  "([.connections[], .edges[], (.nodes[] | select(.kind == \"process\"))] | "
		  "all(.send_rate == null and .receive_rate == null)) and "
		  ".edges[0].bytes_received == 1048576 and .connections[1].bytes_sent == 5000");
	assert_jq(json, "[.nodes[] | select(.kind == \"remote\") | has(\"send_rate\")] == "
			"[false, false]");
	free(json);
	snapshot__free(snap);
}

/* Bytes a string field holds past its size are never read, NUL or not. */
static void unterminated_field_stays_inside(void **state)
{
	struct snapshot *snap = scene();
	char *json;

	(void)state;
	memset(snap->nodes[0].comm, 'x', sizeof(snap->nodes[0].comm));
	json = json_of(snap);
	assert_valid_json(json);
	free(json);
	snapshot__free(snap);
}

/* Every key in a document is described in docs/EXPORT.md, as `key`. */
static void every_key_is_documented(void **state)
{
	struct snapshot *snap = scene();
	char *json = json_of(snap), *keys, *doc, path[512], *key, *save;

	(void)state;
	require_tool("jq");
	snprintf(path, sizeof(path), "%s/../../docs/EXPORT.md", fixtures());
	doc = read_file(path);
	if (!doc)
		fail_msg("cannot read %s", path);
	assert_int_equal(run_with_input("jq -r '[.. | objects | keys[]] | unique[]'", json, &keys),
			 0);
	for (key = strtok_r(keys, "\n", &save); key; key = strtok_r(NULL, "\n", &save)) {
		char quoted[80];

		snprintf(quoted, sizeof(quoted), "`%s`", key);
		if (!strstr(doc, quoted))
			fail_msg("docs/EXPORT.md does not describe the key %s", quoted);
	}
	free(keys);
	free(doc);
	free(json);
	snapshot__free(snap);
}

/* Through the real path: records, tracker, topology, snapshot. */
static void from_a_tracker(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct topology *topo = topology__new(64);
	struct snapshot *snap;
	struct ct_event e;
	char *json;

	(void)state;
	e = test_event_addr(CT_EV_LISTEN, 9, 300, "nginx", "::1", 80, "::", 0);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "::1", 80, "::1", 51000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 400, "curl\x1b[2J\"", "::1", 51000, "::1", 80);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 3, 0, NULL, "fd00::1:2:3:4", 51000, "fd00::9", 80);
	tracker_apply(t, &e);
	assert_int_equal(topology_update(topo, t), 0);
	snap = snapshot_take(&(struct snapshot_input){ .tracker = t,
						       .topology = topo,
						       .host = "lab",
						       .source_kind = "ebpf",
						       .now_ns = 100 * SEC_NS,
						       .wall = { .tv_sec = 1795000000 } });
	json = json_of(snap);
	assert_valid_json(json);
	assert_jq(json, ".host == \"lab\" and .source == \"ebpf\" and .stats.active == 3 and "
			"(.connections | length) == 3 and .connections[1].local == \"[::1]:80\" "
			"and .connections[0].pid == null");
	assert_jq(json, ".nodes | map(.kind) == [\"process\", \"process\", \"remote\", "
			"\"remote\"]");
	assert_jq(json, "[.nodes[] | select(.pid == 400) | .comm] == [\"curl\\\\x1b[2J\\\"\"]");
	assert_jq(json,
		  "(.nodes | INDEX(.id)) as $n | [.edges[] | \"\\($n[.from].name) -> "
		  "\\($n[.to].name):\\(.port)\"] == [\"curl\\\\x1b[2J\\\"[400] -> nginx[300]:80\", "
		  "\"fd00::1:2:3:4 -> fd00::9:80\"]");
	free(json);
	snapshot__free(snap);
	topology__free(topo);
	tracker__free(t);
}

/* Bytes through the real path, over two frames 2 s apart: rates from the interval, client's view. */
static void traffic_from_a_tracker(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct topology *topo = topology__new(64);
	struct ct_traffic client = { 100, 1000, 0, 0 }, server = { 1000, 100, 1, 0 };
	struct snapshot *first, *second;
	struct ct_event e;
	char *json;

	(void)state;
	e = test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "::1", 80, "::1", 51000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 400, "curl", "::1", 51000, "::1", 80);
	tracker_apply(t, &e);
	tracker_set_traffic(t, 1, &server, true);
	tracker_set_traffic(t, 2, &client, true);
	assert_int_equal(topology_update(topo, t), 0);
	first = snapshot_take(&(struct snapshot_input){ .tracker = t,
							.topology = topo,
							.now_ns = 100 * SEC_NS,
							.wall = { .tv_sec = 1795000000 } });
	tracker_end_frame(t);
	client = (struct ct_traffic){ 300, 5096, 0, 0 };
	server = (struct ct_traffic){ 5096, 300, 1, 0 };
	tracker_set_traffic(t, 1, &server, true);
	tracker_set_traffic(t, 2, &client, true);
	assert_int_equal(topology_update(topo, t), 0);
	second = snapshot_take(&(struct snapshot_input){ .tracker = t,
							 .topology = topo,
							 .prev = first,
							 .now_ns = 102 * SEC_NS,
							 .wall = { .tv_sec = 1795000002 } });
	json = json_of(second);
	assert_valid_json(json);
	assert_jq(json,
		  ".interval_s == 2 and .edges == [{from: \"pid:400:0\", to: \"pid:300:0\", "
		  "port: 80, active: 1, opened: 1, closed: 0, bytes_sent: 300, "
		  "bytes_received: 5096, retransmits: 1, send_rate: 100, receive_rate: 2048}]");
	assert_jq(json, "[.connections[] | [.pid, .bytes_sent, .bytes_received, .send_rate, "
			".receive_rate]] == [[300, 5096, 300, 2048, 100], [400, 300, 5096, 100, "
			"2048]]");
	assert_jq(json, "[.nodes[] | [.name, .send_rate, .receive_rate]] == "
			"[[\"nginx[300]\", 2048, 100], [\"curl[400]\", 100, 2048]]");
	free(json);
	snapshot__free(first);
	snapshot__free(second);
	topology__free(topo);
	tracker__free(t);
}

static void write_errors_are_reported(void **state)
{
	struct snapshot *snap = scene();
	FILE *full = fopen("/dev/full", "w"), *pipe_out;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int fds[2];

	(void)state;
	assert_non_null(full);
	assert_int_equal(export_json(full, snap), -ENOSPC);
	fclose(full);
	/* A reader that has gone (`conntop -b --format json | head -1`): the caller stops. */
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	pipe_out = fdopen(fds[1], "w");
	assert_int_equal(export_json(pipe_out, snap), -EPIPE);
	fclose(pipe_out);
	signal(SIGPIPE, old);
	snapshot__free(snap);
}

/* What @fn writes into an outbuf on a memory stream, as a string (free it). */
static char *through_outbuf(void (*fn)(struct outbuf *ob, const void *arg), const void *arg,
			    size_t bufsize)
{
	char *text = NULL, *buf = malloc(bufsize);
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	struct outbuf ob;

	assert_non_null(buf);
	assert_non_null(mem);
	outbuf_init(&ob, mem, buf, bufsize);
	fn(&ob, arg);
	assert_int_equal(outbuf_close(&ob), 0);
	fclose(mem);
	free(buf);
	return text;
}

static void put_fixed1(struct outbuf *ob, const void *arg)
{
	outbuf_fixed1(ob, *(const double *)arg);
}

static void put_u64(struct outbuf *ob, const void *arg)
{
	outbuf_u64(ob, *(const uint64_t *)arg);
}

static void assert_fixed1(double v)
{
	char want[400], *got = through_outbuf(put_fixed1, &v, OUTBUF_ROOM);

	snprintf(want, sizeof(want), "%.1f", v);
	assert_string_equal(got, want);
	free(got);
}

/* Rates by hand must be printf's "%.1f" exactly, ties and huge values included. */
static void rates_are_printf_exactly(void **state)
{
	static const double edges[] = { 0.0,
					0.05,
					0.25,
					0.35,
					0.45,
					2.25,
					1023.95,
					1e15 + 0.25,
					4503599627370495.5,
					9007199254740993.0,
					1.8e19,
					2e19,
					1e30,
					-1.5,
					5e-324,
					0.049999999999999996 };
	uint64_t seed = 88172645463325252ull;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		assert_fixed1(edges[i]);
	for (k = 0; k < 200000; k++) { /* xorshift: rates as snapshot_rate() makes them */
		uint64_t bytes, interval;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		bytes = seed >> (seed % 64);
		interval = (seed >> 20 & 0xffffffff) + 1;
		assert_fixed1((double)bytes * 1e9 / (double)interval);
		assert_fixed1((double)(k % 20000) / 20); /* every tie of tenths up to 1000 */
		assert_fixed1((double)(bytes >> 11) / 1024);
	}
}

static void numbers_are_printf_exactly(void **state)
{
	uint64_t values[] = { 0, 9, 10, 99, 100, 4294967295u, 18446744073709551615ull, 1 };
	char want[32], *got;
	size_t i;
	int bit;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (bit = 0; bit < 64; bit++) {
			uint64_t v = values[i] ^ (bit ? 1ull << bit : 0);

			snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
			got = through_outbuf(put_u64, &v, OUTBUF_ROOM);
			assert_string_equal(got, want);
			free(got);
		}
	}
}

/* A string longer than the buffer, with escapes across each flush, comes out whole. */
static void put_long(struct outbuf *ob, const void *arg)
{
	outbuf_escaped(ob, arg, SIZE_MAX, QUOTE_JSON);
	outbuf_lit(ob, "|");
	outbuf_write(ob, arg, strlen(arg));
}

static void long_strings_cross_flushes(void **state)
{
	char src[5000], want[40000], *p = want, *got;
	size_t i, bufsize;

	(void)state;
	for (i = 0; i + 1 < sizeof(src); i++)
		src[i] = i % 7 ? (char)('a' + i % 26) : i % 2 ? '"' : '\x01';
	src[sizeof(src) - 1] = '\0';
	for (i = 0; src[i]; i++) {
		if (src[i] == '"')
			p += sprintf(p, "\\\"");
		else if (src[i] == '\x01')
			p += sprintf(p, "\\u0001");
		else
			*p++ = src[i];
	}
	p += sprintf(p, "|%s", src);
	for (bufsize = OUTBUF_ROOM; bufsize <= 8192; bufsize = bufsize * 3 + 1) {
		got = through_outbuf(put_long, src, bufsize);
		assert_string_equal(got, want);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_snapshot),
		cmocka_unit_test(scene_is_golden_and_valid),
		cmocka_unit_test(top_level_and_stats),
		cmocka_unit_test(every_counter_is_in_stats),
		cmocka_unit_test(nodes),
		cmocka_unit_test(edges_name_their_nodes),
		cmocka_unit_test(connections),
		cmocka_unit_test(numbers_are_plain),
		cmocka_unit_test(rates_are_null_on_the_first_frame),
		cmocka_unit_test(unterminated_field_stays_inside),
		cmocka_unit_test(every_key_is_documented),
		cmocka_unit_test(from_a_tracker),
		cmocka_unit_test(traffic_from_a_tracker),
		cmocka_unit_test(write_errors_are_reported),
		cmocka_unit_test(rates_are_printf_exactly),
		cmocka_unit_test(numbers_are_printf_exactly),
		cmocka_unit_test(long_strings_cross_flushes),
	};

	return cmocka_run_group_tests_name("export_json", tests, NULL, NULL);
}
