// SPDX-License-Identifier: GPL-2.0-only
/* The batch text frame, byte for byte, for snapshots built in code. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "snapshot.h"
#include "tracker.h"

static char *frame_of(struct tracker *t, const struct source_stats *src)
{
	static char buf[8192];
	struct timespec wall = { .tv_sec = 1795000000 }; /* 2026-11-18 11:06:40 UTC */
	struct snapshot *snap = snapshot_take(t, src, 100 * SEC_NS, wall);
	FILE *out = fmemopen(buf, sizeof(buf), "w");

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
		frame_of(t, NULL),
		"conntop 11:06:40  events: 0  lost: 0  active: 0  opened: 0 (in 0, out 0)  "
		"closed: 0\n"
		"processes: 0  listening: 0  closed unseen: 0  not accepted: 0  late: 0  "
		"duplicate: 0  invalid: 0  table full: 0  pending full: 0  ring full: 0  "
		"skipped runs: 0  nested: 0  failed connects: 0\n"
		"    PID COMM            DIR LOCAL                 REMOTE                STATE     "
		"     AGE\n"
		"\n");
	tracker__free(t);
}

static void rows_counters_and_wide_addresses(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct source_stats src = { .lost = 2, .recursion_misses = 1, .connect_failed = 4 };
	struct ct_event e;

	(void)state;
	e = test_event_addr(CT_EV_ACCEPT, 1, 300, "nginx", "::1", 80, "::1", 51000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 0, NULL, "fd00::1:2:3:4", 51000, "fd00::9", 80);
	tracker_apply(t, &e);
	assert_string_equal(
		frame_of(t, &src),
		"conntop 11:06:40  events: 2  lost: 3  active: 2  opened: 2 (in 1, out 1)  "
		"closed: 0\n"
		"processes: 1  listening: 0  closed unseen: 0  not accepted: 0  late: 0  "
		"duplicate: 0  invalid: 0  table full: 0  pending full: 0  ring full: 2  "
		"skipped runs: 1  nested: 0  failed connects: 4\n"
		"    PID COMM            DIR LOCAL                 REMOTE                STATE     "
		"     AGE\n"
		"      - ?               out [fd00::1:2:3:4]:51000 [fd00::9]:80          "
		"ESTABLISHED  1m39s\n"
		"    300 nginx           in  [::1]:80              [::1]:51000           "
		"ESTABLISHED  1m39s\n"
		"\n");
	tracker__free(t);
}

static void write_error_is_reported(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap = snapshot_take(t, NULL, 0, (struct timespec){ 0 });
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(full);
	assert_true(export_text(full, snap) < 0);
	fclose(full);
	snapshot__free(snap);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_frame),
		cmocka_unit_test(rows_counters_and_wide_addresses),
		cmocka_unit_test(write_error_is_reported),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
