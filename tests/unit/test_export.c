// SPDX-License-Identifier: GPL-2.0-only
/* The batch text frame, byte for byte, for snapshots built in code. */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "topology.h"
#include "snapshot.h"
#include "tracker.h"

#define COUNTERS_ZERO                                                                            \
	"processes: 0  listening: 0  closed unseen: 0  not accepted: 0  late: 0  duplicate: 0  " \
	"invalid: 0  table full: 0  untracked: 0  tombstones evicted: 0  pending full: 0  ring " \
	"full: 0  "                                                                              \
	"skipped runs: 0  nested: 0  late records: 0  failed connects: 0  traffic full: 0  "     \
	"traffic skipped: 0  "                                                                   \
	"seeded: 0  corrections: 0  "                                                            \
	"namespaces: 0  namespace errors: 0  sockets dumped: 0  dump passes: 0  edges: 0  "      \
	"joined: 0  edge table full: 0  cgroup mismatch: 0"

/*
 * Compares with a file under tests/fixtures/export/: review a change there as a diff.
 * CONNTOP_UPDATE_GOLDEN=1 writes the file instead.
 */
static void assert_golden(const char *text, const char *name)
{
	static char want[16384];
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/export/%s", getenv("FIXTURES") ?: "tests/fixtures", name);
	if (getenv("CONNTOP_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(want, 1, sizeof(want) - 1, f);
	want[n] = '\0';
	fclose(f);
	assert_string_equal(text, want);
}

static char *frame_of(struct tracker *t, struct topology *topo, const struct source_stats *src)
{
	static char buf[16384];
	struct timespec wall = { .tv_sec = 1795000000 }; /* 2026-11-18 11:06:40 UTC */
	struct snapshot *snap;
	FILE *out = fmemopen(buf, sizeof(buf), "w");

	if (topo)
		assert_int_equal(topology_update(topo, t), 0);
	snap = snapshot_take(&(struct snapshot_input){ .tracker = t,
						       .topology = topo,
						       .source = src,
						       .now_ns = 100 * SEC_NS,
						       .wall = wall });
	assert_int_equal(export_text(out, snap), 0);
	fclose(out);
	snapshot__free(snap);
	return buf;
}

static void empty_frame(void **state)
{
	struct tracker *t = tracker__new(NULL);

	(void)state;
	assert_string_equal(
		frame_of(t, NULL, NULL),
		"conntop 11:06:40  events: 0  lost: 0  active: 0  opened: 0 (in 0, out "
		"0)  closed: 0\n" COUNTERS_ZERO "\n"
		"PID COMM DIR LOCAL REMOTE STATE AGE CONTAINER NETNS SENT RECV RETR\n"
		"\nNODES\nPID COMM USER CONTAINER NAME POD NETNS LISTEN IN OUT PPID CMDLINE\n"
		"\nEDGES\nCLIENT SERVER PORT ACTIVE OPENED CLOSED SENT RECV RETR\n"
		"\nCONTAINER EDGES\nCLIENT SERVER PORT ACTIVE OPENED CLOSED SENT RECV RETR\n"
		"\nNETNS EDGES\nCLIENT SERVER PORT ACTIVE OPENED CLOSED SENT RECV RETR\n"
		"\n");
	tracker__free(t);
}

static void rows_nodes_edges_and_rollups(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct topology *topo = topology__new(64);
	struct source_stats src = {
		.lost = 2, .recursion_misses = 1, .connect_failed = 4, .traffic_full = 5
	};
	struct ct_traffic server = { 1048576, 120, 0, 0 }, client = { 120, 1048576, 2, 0 };
	struct ct_event e;

	(void)state;
	e = test_event_addr(CT_EV_LISTEN, 9, 300, "nginx", "::1", 80, "::", 0);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "::1", 80, "::1", 51000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 400, "curl\x1b[2J", "::1", 51000, "::1", 80);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 3, 0, NULL, "fd00::1:2:3:4", 51000, "fd00::9", 80);
	tracker_apply(t, &e);
	/* Bytes are raw counts: one local connection, counted once on its edge, client's view. */
	tracker_set_traffic(t, 1, &server, true);
	tracker_set_traffic(t, 2, &client, true);
	assert_golden(frame_of(t, topo, &src), "rows_nodes_edges.txt");
	topology__free(topo);
	tracker__free(t);
}

static void write_error_is_reported(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap = snapshot_take(&(struct snapshot_input){ .tracker = t });
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(full);
	assert_true(export_text(full, snap) < 0);
	fclose(full);
	snapshot__free(snap);
	tracker__free(t);
}

static void format_names(void **state)
{
	enum export_format fmt = EXPORT_DOT;

	(void)state;
	assert_int_equal(export_format_parse("text", &fmt), 0);
	assert_int_equal(fmt, EXPORT_TEXT);
	assert_int_equal(export_format_parse("json", &fmt), 0);
	assert_int_equal(fmt, EXPORT_JSON);
	assert_int_equal(export_format_parse("dot", &fmt), 0);
	assert_int_equal(fmt, EXPORT_DOT);
	assert_int_equal(export_format_parse("JSON", &fmt), 0);
	assert_int_equal(fmt, EXPORT_JSON);
	fmt = EXPORT_DOT;
	assert_int_equal(export_format_parse("", &fmt), -EINVAL);
	assert_int_equal(export_format_parse("jsonl", &fmt), -EINVAL);
	assert_int_equal(export_format_parse("gv", &fmt), -EINVAL);
	assert_int_equal(export_format_parse(" json", &fmt), -EINVAL);
	assert_int_equal(export_format_parse(NULL, &fmt), -EINVAL);
	assert_int_equal(fmt, EXPORT_DOT); /* untouched on error */
}

static void format_of_path(void **state)
{
	(void)state;
	assert_int_equal(export_format_of_path("now.json"), EXPORT_JSON);
	assert_int_equal(export_format_of_path("/tmp/a.b/now.JSON"), EXPORT_JSON);
	assert_int_equal(export_format_of_path("now.dot"), EXPORT_DOT);
	assert_int_equal(export_format_of_path("now.Dot"), EXPORT_DOT);
	assert_int_equal(export_format_of_path("graph.gv"), EXPORT_DOT);
	assert_int_equal(export_format_of_path("graph.GV"), EXPORT_DOT);
	assert_int_equal(export_format_of_path("now.txt"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("now"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("now.json.txt"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("now.txt.json"), EXPORT_JSON);
	assert_int_equal(export_format_of_path("now.jsonl"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("now."), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("dir.json/now"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path("dir.dot/"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path(".json"), EXPORT_TEXT); /* a hidden file's name */
	assert_int_equal(export_format_of_path("dir/.dot"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path(".conntop.json"), EXPORT_JSON);
	assert_int_equal(export_format_of_path("-"), EXPORT_TEXT);
	assert_int_equal(export_format_of_path(""), EXPORT_TEXT);
	assert_int_equal(export_format_of_path(NULL), EXPORT_TEXT);
}

/* export_write() gives what the writer of its format gives, byte for byte. */
static void write_dispatches(void **state)
{
	int (*const writers[])(FILE *, const struct snapshot *) = { export_text, export_json,
								    export_dot };
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap;
	struct ct_event e;
	int fmt;

	(void)state;
	e = test_event_addr(CT_EV_CONNECT, 2, 400, "curl", "::1", 51000, "::1", 80);
	tracker_apply(t, &e);
	snap = snapshot_take(&(struct snapshot_input){ .tracker = t, .now_ns = 100 * SEC_NS });
	for (fmt = EXPORT_TEXT; fmt <= EXPORT_DOT; fmt++) {
		char *want = NULL, *got = NULL;
		size_t want_size = 0, got_size = 0;
		FILE *a = open_memstream(&want, &want_size), *b = open_memstream(&got, &got_size);

		assert_int_equal(writers[fmt](a, snap), 0);
		assert_int_equal(export_write(b, snap, fmt), 0);
		fclose(a);
		fclose(b);
		assert_true(got_size > 0);
		assert_string_equal(got, want);
		free(want);
		free(got);
	}
	assert_int_equal(export_write(stdout, snap, (enum export_format)42), -EINVAL);
	snapshot__free(snap);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_frame),
		cmocka_unit_test(rows_nodes_edges_and_rollups),
		cmocka_unit_test(write_error_is_reported),
		cmocka_unit_test(format_names),
		cmocka_unit_test(format_of_path),
		cmocka_unit_test(write_dispatches),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
