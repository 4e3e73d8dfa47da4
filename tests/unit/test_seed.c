// SPDX-License-Identifier: GPL-2.0-only
/*
 * Applying sock_diag passes on a /proc fixture tree: owners found from socket inodes, and the
 * healing comparison (what to close, what to add, what to leave alone).
 */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "seed.h"
#include "tracker.h"

#define NS_SCANNED 4026531840u
#define NS_OTHER   4026531999u
#define SCAN_NS	   (50 * SEC_NS)

static char root[512];

/* A scan of namespace NS_SCANNED holding @n records; record i has cookie cookies[i]. */
static struct seed_scan scan_of(const __u64 *cookies, const __u32 *inodes, size_t n)
{
	struct seed_scan scan = { .started_ns = SCAN_NS, .nrecords = n, .cap = n, .nnetns = 1 };
	size_t i;

	scan.records = calloc(n, sizeof(*scan.records));
	scan.inodes = calloc(n, sizeof(*scan.inodes));
	scan.netns = calloc(1, sizeof(*scan.netns));
	scan.netns[0] = NS_SCANNED;
	scan.netns_cap = 1;
	for (i = 0; i < n; i++) {
		scan.records[i] = test_event_addr(i % 2 ? CT_EV_ACCEPT : CT_EV_CONNECT, cookies[i],
						  0, NULL, "10.0.0.1", 1000 + i, "10.0.0.2", 80);
		scan.records[i].ts_ns = SCAN_NS;
		scan.records[i].netns = NS_SCANNED;
		scan.records[i].flags |= CT_F_SEEDED;
		scan.inodes[i] = inodes[i];
	}
	return scan;
}

struct found {
	const struct conn *conn[8];
	size_t n;
};

static void collect(const struct conn *conn, void *ctx)
{
	struct found *f = ctx;

	if (f->n < 8)
		f->conn[f->n++] = conn;
}

static const struct conn *conn_of(const struct tracker *t, __u64 cookie)
{
	struct found f = { .n = 0 };
	size_t i;

	tracker_for_each_conn(t, collect, &f);
	for (i = 0; i < f.n; i++)
		if (f.conn[i]->cookie == cookie)
			return f.conn[i];
	return NULL;
}

static void initial_pass_finds_owners_by_inode(void **state)
{
	static const __u64 cookies[] = { 1, 2, 3 };
	static const __u32 inodes[] = { 20001, 20002, 99999 };
	struct seed_scan scan = scan_of(cookies, inodes, 3);
	struct tracker *t = tracker__new(NULL);

	(void)state;
	seed_apply_initial(t, &scan, root, NULL);
	assert_int_equal(tracker_stats(t)->seeded, 3);
	assert_int_equal(tracker_stats(t)->active, 3);
	assert_non_null(conn_of(t, 1)->proc);
	assert_int_equal(conn_of(t, 1)->proc->key.pid, 100); /* 200 holds it too: lowest wins */
	assert_int_equal(conn_of(t, 1)->proc->key.start_ticks, 987654);
	assert_string_equal(conn_of(t, 1)->proc->comm, "sshd");
	assert_int_equal(conn_of(t, 2)->dir, CONN_IN);
	assert_ptr_equal(conn_of(t, 2)->proc, conn_of(t, 1)->proc); /* one process, two sockets */
	assert_null(conn_of(t, 3)->proc); /* no process holds inode 99999 */
	seed_scan_release(&scan);
	tracker__free(t);
}

/* The walk of /proc made ahead, in a thread beside the dump, finds the same owners. */
static void walk_ahead_finds_the_same_owners(void **state)
{
	static const __u64 cookies[] = { 1, 2, 3 };
	static const __u32 inodes[] = { 20001, 20002, 99999 };
	struct seed_scan scan = scan_of(cookies, inodes, 3);
	struct tracker *t = tracker__new(NULL);
	struct seed_walk *walk = seed_walk_start(root, NULL, NULL),
			 *unused = seed_walk_start(root, NULL, NULL);

	(void)state;
	assert_non_null(walk);
	seed_apply_initial(t, &scan, root, walk);
	seed_walk_free(walk);
	seed_walk_free(unused); /* started, never collected */
	assert_int_equal(tracker_stats(t)->seeded, 3);
	assert_int_equal(conn_of(t, 1)->proc->key.pid, 100);
	assert_string_equal(conn_of(t, 1)->proc->comm, "sshd");
	assert_ptr_equal(conn_of(t, 2)->proc, conn_of(t, 1)->proc);
	assert_null(conn_of(t, 3)->proc);
	seed_scan_release(&scan);
	tracker__free(t);
}

/* An owner search as the kernel's iterator makes one: inode 20001 held by pid 200 only. */
static int owners_fake(void *ctx, sockowner_cb cb, void *cb_ctx)
{
	int *calls = ctx;

	(*calls)++;
	return cb(cb_ctx, 20001, 200);
}

static int owners_failing(void *ctx, sockowner_cb cb, void *cb_ctx)
{
	int *calls = ctx;

	(void)cb;
	(void)cb_ctx;
	(*calls)++;
	return -ENOTSUP;
}

/* Owners from the search given (the kernel's iterator); when it fails, from /proc after all. */
static void walk_takes_owners_from_the_search_given(void **state)
{
	static const __u64 cookies[] = { 1, 2 };
	static const __u32 inodes[] = { 20001, 20002 };
	struct seed_scan scan = scan_of(cookies, inodes, 2);
	struct tracker *t = tracker__new(NULL);
	int calls = 0;
	struct seed_walk *walk = seed_walk_start(root, owners_fake, &calls);

	(void)state;
	assert_non_null(walk);
	seed_apply_initial(t, &scan, root, walk);
	seed_walk_free(walk);
	assert_int_equal(calls, 1);
	assert_int_equal(conn_of(t, 1)->proc->key.pid, 200); /* the search's, not /proc's 100 */
	assert_null(conn_of(t, 2)->proc); /* the search did not name it */
	seed_scan_release(&scan);
	tracker__free(t);

	scan = scan_of(cookies, inodes, 2);
	t = tracker__new(NULL);
	walk = seed_walk_start(root, owners_failing, &calls);
	seed_apply_initial(t, &scan, root, walk);
	seed_walk_free(walk);
	assert_int_equal(calls, 2);
	assert_int_equal(conn_of(t, 1)->proc->key.pid, 100); /* from the walk of /proc */
	assert_ptr_equal(conn_of(t, 2)->proc, conn_of(t, 1)->proc);
	seed_scan_release(&scan);
	tracker__free(t);
}

static void heal_pass_closes_the_lost_and_adds_the_missed(void **state)
{
	static const __u64 cookies[] = { 10, 60 };
	static const __u32 inodes[] = { 0, 20001 };
	struct seed_scan scan = scan_of(cookies, inodes, 2);
	struct tracker *t = tracker__new(NULL);
	struct ct_event e;

	(void)state;
	e = test_event(CT_EV_CONNECT, 10, SCAN_NS - 5, 7, "kept"); /* in the dump: stays */
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	e = test_event(CT_EV_CONNECT, 50, SCAN_NS - 5, 7,
		       "lost"); /* not in it: its close was lost */
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	e = test_event(CT_EV_CONNECT, 51, SCAN_NS + 5, 7, "new"); /* opened after the dump began */
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	e = test_event(CT_EV_CONNECT, 52, SCAN_NS - 5, 7, "away"); /* in a namespace not dumped */
	e.netns = NS_OTHER;
	tracker_apply(t, &e);

	seed_apply_heal(t, &scan, root, NULL);
	assert_false(conn_of(t, 10)->closed);
	assert_true(conn_of(t, 50)->closed);
	assert_false(conn_of(t, 51)->closed);
	assert_false(conn_of(t, 52)->closed);
	assert_non_null(conn_of(t, 60)); /* the missed open, with its owner from /proc */
	assert_int_equal(conn_of(t, 60)->proc->key.pid, 100);
	assert_int_equal(tracker_stats(t)->corrections, 2);
	assert_int_equal(tracker_stats(t)->active, 4);
	seed_scan_release(&scan);
	tracker__free(t);
}

/*
 * A socket missing from the tracker is added only when two passes in a row miss it: the first may
 * have caught it before its record arrived (a connection waiting to be accepted).
 */
static void heal_adds_only_what_two_passes_miss(void **state)
{
	static const __u64 cookies[] = { 60, 61 };
	static const __u32 inodes[] = { 20001, 20002 };
	struct seed_missed missed = { 0 };
	struct tracker *t = tracker__new(NULL);
	struct seed_scan scan = scan_of(cookies, inodes, 2);
	struct ct_event e;

	(void)state;
	seed_apply_heal(t, &scan, root, &missed);
	seed_scan_release(&scan);
	assert_null(conn_of(t, 60));
	assert_null(conn_of(t, 61));
	assert_int_equal(tracker_stats(t)->corrections, 0);
	/* 61's record arrives before the next pass: nothing to correct for it. */
	e = test_event(CT_EV_ACCEPT, 61, SCAN_NS + 5, 7, "late");
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	scan = scan_of(cookies, inodes, 2);
	seed_apply_heal(t, &scan, root, &missed);
	seed_scan_release(&scan);
	assert_non_null(conn_of(t, 60)); /* missed twice: a real missed open */
	assert_int_equal(tracker_stats(t)->corrections, 1);
	assert_int_equal(tracker_stats(t)->active, 2);
	seed_missed_release(&missed);
	tracker__free(t);
}

/*
 * A full table: what does not fit is counted once per pass as untracked, never as a correction
 * or as table_full again at every pass, and what fits is kept.
 */
static void full_table_counts_untracked_once_per_pass(void **state)
{
	static const __u64 cookies[] = { 1, 2, 3, 4, 5 };
	static const __u32 inodes[] = { 20001, 20002, 0, 0, 0 };
	struct tracker_limits limits = tracker_default_limits;
	struct seed_stats stats = { 0 };
	struct seed_scan scan;
	struct tracker *t;
	int pass;

	(void)state;
	limits.max_conns = 2;
	t = tracker__new(&limits);
	scan = scan_of(cookies, inodes, 5);
	seed_apply_initial(t, &scan, root, NULL);
	seed_count(&stats, &scan);
	seed_scan_release(&scan);
	assert_int_equal(tracker_stats(t)->active, 2);
	assert_int_equal(tracker_stats(t)->seeded, 2);
	assert_int_equal(stats.untracked, 3);
	for (pass = 0; pass < 3; pass++) {
		scan = scan_of(cookies, inodes, 5);
		seed_apply_heal(t, &scan, root, NULL);
		seed_count(&stats, &scan);
		seed_scan_release(&scan);
		assert_int_equal(stats.untracked, 3);
	}
	assert_int_equal(tracker_stats(t)->corrections, 0);
	assert_int_equal(tracker_stats(t)->table_full, 0);
	assert_int_equal(tracker_stats(t)->active, 2);
	tracker__free(t);
}

/* A namespace no process or name holds any more: its connections went with it. */
static void heal_pass_closes_what_a_gone_namespace_held(void **state)
{
	static const __u64 cookies[] = { 10 };
	static const __u32 inodes[] = { 20001 };
	struct seed_scan scan = scan_of(cookies, inodes, 1);
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = test_event(CT_EV_CONNECT, 52, SCAN_NS - 5, 7, "away");

	(void)state;
	e.netns = NS_OTHER;
	tracker_apply(t, &e);
	e = test_event(CT_EV_CONNECT, 10, SCAN_NS - 5, 7, "kept"); /* in the dump: stays */
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	scan.errors = 1; /* a namespace could not be dumped: it may have been NS_OTHER */
	scan.all_found = true;
	seed_apply_heal(t, &scan, root, NULL);
	assert_false(conn_of(t, 52)->closed);
	scan.errors = 0;
	scan.all_found = false; /* /run/netns could not be read whole */
	seed_apply_heal(t, &scan, root, NULL);
	assert_false(conn_of(t, 52)->closed);
	scan.all_found = true;
	seed_apply_heal(t, &scan, root, NULL);
	assert_true(conn_of(t, 52)->closed);
	assert_false(conn_of(t, 10)->closed);
	assert_int_equal(tracker_stats(t)->corrections, 1);
	seed_scan_release(&scan);
	tracker__free(t);
}

static void healthy_pass_corrects_nothing(void **state)
{
	static const __u64 cookies[] = { 10 };
	static const __u32 inodes[] = { 20001 };
	struct seed_scan scan = scan_of(cookies, inodes, 1);
	struct tracker *t = tracker__new(NULL);
	struct seed_stats stats = { 0 };
	struct ct_event e = test_event(CT_EV_CONNECT, 10, SCAN_NS - 5, 7, "kept");

	(void)state;
	e.netns = NS_SCANNED;
	tracker_apply(t, &e);
	seed_apply_heal(t, &scan, root, NULL);
	seed_count(&stats, &scan);
	assert_int_equal(tracker_stats(t)->corrections, 0);
	assert_int_equal(stats.passes, 1);
	assert_int_equal(stats.sockets, 1);
	assert_int_equal(stats.namespaces, 1);
	seed_scan_release(&scan);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_pass_finds_owners_by_inode),
		cmocka_unit_test(walk_ahead_finds_the_same_owners),
		cmocka_unit_test(walk_takes_owners_from_the_search_given),
		cmocka_unit_test(heal_pass_closes_what_a_gone_namespace_held),
		cmocka_unit_test(heal_pass_closes_the_lost_and_adds_the_missed),
		cmocka_unit_test(healthy_pass_corrects_nothing),
		cmocka_unit_test(full_table_counts_untracked_once_per_pass),
		cmocka_unit_test(heal_adds_only_what_two_passes_miss),
	};

	snprintf(root, sizeof(root), "%s/procfs", getenv("FIXTURES") ?: "tests/fixtures");
	return cmocka_run_group_tests_name("seed", tests, NULL, NULL);
}
