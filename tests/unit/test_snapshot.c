// SPDX-License-Identifier: GPL-2.0-only
/* Snapshots from a tracker: the order of their rows, and what rows share with their process. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "snapshot.h"
#include "tracker.h"

/* The order a snapshot promises, spelled out: open first, pid, direction, local text, cookie. */
static int reference_cmp(const struct snap_conn *a, const struct snap_conn *b)
{
	char x[ADDR_PORT_LEN], y[ADDR_PORT_LEN];
	int c;

	if ((c = (int)a->closed - (int)b->closed))
		return c;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if ((c = (int)a->dir - (int)b->dir))
		return c;
	snap_conn_local(a, x, sizeof(x));
	snap_conn_local(b, y, sizeof(y));
	if ((c = strcmp(x, y)))
		return c;
	return (a->cookie > b->cookie) - (a->cookie < b->cookie);
}

/* A local address of one of many shapes: short and long IPv4, IPv6 alike past 24 characters. */
static void some_address(unsigned int n, struct ct_event *e)
{
	static const char *const v6[] = { "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
					  "2001:db8:aaaa:bbbb:cccc:dddd:eeee:10",
					  "2001:db8:aaaa:bbbb:cccc:dddd:eeee:2", "::1", "fe80::1" };
	char text[64];

	memset(e->laddr, 0, sizeof(e->laddr));
	if (n % 3) {
		e->family = AF_INET;
		snprintf(text, sizeof(text), "%u.%u.0.%u", 1 + n % 200, n % 7 * 10, n % 13);
		inet_pton(AF_INET, text, e->laddr);
	} else {
		e->family = AF_INET6;
		inet_pton(AF_INET6, v6[n % 5], e->laddr);
	}
	memcpy(e->raddr, e->laddr, sizeof(e->raddr));
	e->lport = (__u16)(n % 2 ? 80 : 1000 + n % 9000); /* the same text, cookies apart */
}

static void rows_are_in_order(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap;
	unsigned int seed = 7, i;
	size_t j;
	int width = 0;

	(void)state;
	for (i = 1; i <= 3000; i++) {
		struct ct_event e;
		__u32 pid;

		seed = seed * 1103515245 + 12345;
		pid = (seed >> 8) % 5 ? 100 + (seed >> 12) % 40 : 0; /* some owners unknown */
		e = test_event(seed >> 20 & 1 ? CT_EV_ACCEPT : CT_EV_CONNECT, i, SEC_NS, pid,
			       pid ? "p" : NULL);
		/* A reused pid: another process, its rows among those of the first. */
		if (pid == 101 && seed >> 24 & 1)
			e.proc_start_ns += 7 * PROC_TICK_NS;
		some_address(seed >> 4, &e);
		tracker_apply(t, &e);
		if ((seed >> 22) % 3 == 0) {
			e = test_event(CT_EV_CLOSE, i, 2 * SEC_NS, 0, NULL);
			tracker_apply(t, &e);
		}
	}
	snap = snapshot_take(&(struct snapshot_input){ .tracker = t, .now_ns = 3 * SEC_NS });
	assert_non_null(snap);
	assert_int_equal(snap->nconns, 3000);
	assert_true(snap->conns[0].pid == 0 && !snap->conns[0].closed);
	assert_true(snap->conns[2999].closed); /* some of each */
	for (j = 1; j < snap->nconns; j++)
		if (reference_cmp(&snap->conns[j - 1], &snap->conns[j]) >= 0)
			fail_msg("rows %zu and %zu are out of order", j - 1, j);
	for (j = 0; j < snap->nconns; j++) {
		char text[ADDR_PORT_LEN];
		int len = snap_conn_local(&snap->conns[j], text, sizeof(text));

		width = len > width ? len : width;
		len = snap_conn_remote(&snap->conns[j], text, sizeof(text));
		width = len > width ? len : width;
	}
	assert_int_equal(snapshot_addr_width(snap), width);
	snapshot__free(snap);
	tracker__free(t);
}

/* Rows name their process's shared part; a filtered copy keeps the parts its rows need. */
static void rows_share_their_process(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap, *out;
	struct snapshot_filter f;
	struct ct_event e;

	(void)state;
	e = test_event_addr(CT_EV_CONNECT, 1, 100, "curl", "10.0.0.1", 40000, "10.0.0.2", 80);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_CONNECT, 2, 100, "curl", "10.0.0.1", 40001, "10.0.0.2", 443);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_ACCEPT, 3, 200, "nginx\x1b", "10.0.0.1", 8080, "10.0.0.3", 5000);
	tracker_apply(t, &e);
	e = test_event_addr(CT_EV_ACCEPT, 4, 0, NULL, "10.0.0.1", 8080, "10.0.0.4", 5001);
	tracker_apply(t, &e);
	snap = snapshot_take(&(struct snapshot_input){ .tracker = t, .now_ns = 3 * SEC_NS });
	assert_int_equal(snap->nconns, 4);
	assert_int_equal(snap->nprocs, 2); /* one each for curl and nginx */
	assert_int_equal(snap->conns[0].pid, 0);
	assert_string_equal(snap_conn_comm(snap, &snap->conns[0]), "");
	assert_string_equal(snap_conn_comm(snap, &snap->conns[1]), "curl");
	assert_int_equal(snap->conns[1].proc, snap->conns[2].proc);
	assert_string_equal(snap_conn_comm(snap, &snap->conns[3]), "nginx\\x1b");
	assert_string_equal(snap_conn_container(snap, &snap->conns[3])->runtime, "");

	filter_init(&f);
	f.port = 8080;
	out = snapshot_filtered(snap, &f);
	assert_int_equal(out->nconns, 2);
	assert_int_equal(out->nprocs, 1);
	assert_string_equal(snap_conn_comm(out, &out->conns[0]), "");
	assert_string_equal(snap_conn_comm(out, &out->conns[1]), "nginx\\x1b");
	assert_int_equal(snapshot_addr_width(out), strlen("10.0.0.1:8080"));
	snapshot__free(out);
	snapshot__free(snap);
	tracker__free(t);
}

static bool keep_by_filter(const struct snapshot *snap, const struct snap_conn *row,
			   const void *ctx)
{
	return filter_conn(ctx, snap, row);
}

/*
 * A frame that keeps only the rows a filter shows (a batch frame's) has exactly the rows a
 * filtered copy of the whole frame has, in the same order; its processes still count every row.
 */
static void kept_rows_are_the_filtered_ones(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *all, *kept, *copy;
	struct snapshot_filter f;
	unsigned int seed = 11, i;
	size_t j, k;

	(void)state;
	for (i = 1; i <= 500; i++) {
		struct ct_event e;
		__u32 pid;

		seed = seed * 1103515245 + 12345;
		pid = (seed >> 8) % 4 ? 100 + (seed >> 12) % 10 : 0;
		e = test_event(seed >> 20 & 1 ? CT_EV_ACCEPT : CT_EV_CONNECT, i, SEC_NS, pid,
			       pid ? "p" : NULL);
		some_address(seed >> 4, &e);
		e.rport = (__u16)(seed >> 16 & 1 ? 443 : 5432);
		tracker_apply(t, &e);
	}
	filter_init(&f);
	f.port = 443;
	all = snapshot_take(&(struct snapshot_input){ .tracker = t, .now_ns = 3 * SEC_NS });
	kept = snapshot_take(&(struct snapshot_input){
		.tracker = t, .now_ns = 3 * SEC_NS, .keep_row = keep_by_filter, .keep_ctx = &f });
	copy = snapshot_filtered(all, &f);
	assert_non_null(kept);
	assert_non_null(copy);
	assert_true(copy->nconns > 0 && copy->nconns < all->nconns);
	assert_int_equal(kept->nconns, copy->nconns);
	for (j = 0; j < kept->nconns; j++) {
		assert_int_equal(kept->conns[j].cookie, copy->conns[j].cookie);
		assert_int_equal(kept->conns[j].pid, copy->conns[j].pid);
		assert_string_equal(snap_conn_comm(kept, &kept->conns[j]),
				    snap_conn_comm(copy, &copy->conns[j]));
	}
	assert_int_equal(kept->nnodes, all->nnodes);
	for (k = 0; k < kept->nnodes; k++) {
		assert_int_equal(kept->nodes[k].conns_in, all->nodes[k].conns_in);
		assert_int_equal(kept->nodes[k].conns_out, all->nodes[k].conns_out);
	}
	snapshot__free(copy);
	snapshot__free(kept);
	snapshot__free(all);
	tracker__free(t);
}

static bool keep_all(const struct snapshot *snap, const struct snap_conn *row, const void *ctx)
{
	(void)snap;
	(void)row;
	(void)ctx;
	return true;
}

/* The same rows, field by field (a row's padding is not compared). */
static void assert_same_rows(const struct snapshot *a, const struct snapshot *b)
{
	size_t j;

	assert_int_equal(a->nconns, b->nconns);
	for (j = 0; j < a->nconns; j++) {
		const struct snap_conn *x = &a->conns[j], *y = &b->conns[j];

		if (x->cookie != y->cookie)
			fail_msg("row %zu: cookie %llu, not %llu", j, (unsigned long long)x->cookie,
				 (unsigned long long)y->cookie);
		assert_int_equal(x->pid, y->pid);
		assert_int_equal(x->age_ns, y->age_ns);
		assert_int_equal(x->bytes_sent, y->bytes_sent);
		assert_int_equal(x->sent_delta, y->sent_delta);
		assert_int_equal(x->received_delta, y->received_delta);
		assert_int_equal(x->lport, y->lport);
		assert_int_equal(x->dir, y->dir);
		assert_int_equal(x->closed, y->closed);
		assert_int_equal(x->fresh, y->fresh);
		assert_memory_equal(x->laddr, y->laddr, sizeof(x->laddr));
		assert_string_equal(snap_conn_comm(a, x), snap_conn_comm(b, y));
	}
	assert_int_equal(snapshot_addr_width(a), snapshot_addr_width(b));
	assert_int_equal(a->nnodes, b->nnodes);
	for (j = 0; j < a->nnodes; j++)
		assert_string_equal(a->nodes[j].name, b->nodes[j].name);
}

/*
 * A frame taken into the memory of the one before follows that frame's order, and must come out
 * as a frame sorted afresh does (one that keeps its rows one by one sorts them all): through
 * churn, owners learnt late (which move a row), a frame in between that kept only some rows, a
 * filtered copy's memory and none.
 */
static void frames_taken_in_place_are_sorted_afresh(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct snapshot *snap = NULL, *fresh;
	struct snapshot_filter f;
	static struct ct_event opened[40 * 61 + 1]; /* by cookie */
	unsigned int seed = 5, frame, i;
	__u64 next = 1, first = 1;

	(void)state;
	filter_init(&f);
	f.port = 80;
	for (frame = 1; frame <= 40; frame++) {
		__u64 now = frame * SEC_NS;
		struct snapshot *reuse = snap;
		bool some = frame % 10 == 7; /* keeps only some rows: no order for the next */

		for (i = 0; i < 60; i++) { /* new ones, and old ones closed */
			struct ct_event e;
			__u32 pid;

			seed = seed * 1103515245 + 12345;
			pid = (seed >> 8) % 6 ? 100 + (seed >> 12) % 30 : 0;
			e = test_event(seed >> 20 & 1 ? CT_EV_ACCEPT : CT_EV_CONNECT, next++, now,
				       pid, pid ? "p" : NULL);
			some_address(seed >> 4, &e);
			tracker_apply(t, &e);
			opened[e.cookie] = e;
			if ((seed >> 23) % 3 == 0 && first < next) {
				e = test_event(CT_EV_CLOSE, first++, now, 0, NULL);
				tracker_apply(t, &e);
			}
		}
		if (frame % 4 == 0) /* a later record names the owner of some without */
			for (i = 0; i < 200; i++) {
				struct ct_event e = opened[next - 1 - i];

				if (e.pid)
					continue;
				e.pid = e.tid = 99;
				e.proc_start_ns = 99000;
				e.flags &= (__u16)~CT_F_NO_TASK;
				memcpy(e.comm, "late", 5);
				tracker_apply(t, &e);
			}
		for (__u64 c = first; c < next; c++)
			tracker_set_traffic(t, c,
					    &(struct ct_traffic){ .bytes_sent = c * frame,
								  .bytes_received = frame },
					    false);
		if (frame % 5 == 3) { /* two in one frame: the second order has what began since */
			struct ct_event e = test_event(CT_EV_CONNECT, next++, now, 100, "p");

			snap = snapshot_take(&(struct snapshot_input){
				.tracker = t, .now_ns = now, .reuse = reuse });
			assert_non_null(snap);
			reuse = snap;
			some_address(next, &e);
			tracker_apply(t, &e);
			opened[e.cookie] = e;
		}
		if (frame == 20) { /* the memory of a filtered copy, which has no order */
			reuse = snapshot_filtered(snap, &f);
			assert_non_null(reuse);
			snapshot__free(snap);
		} else if (frame == 30) {
			snapshot__free(snap);
			reuse = NULL;
		}
		fresh = snapshot_take(&(struct snapshot_input){
			.tracker = t, .now_ns = now, .keep_row = keep_all });
		snap = snapshot_take(
			&(struct snapshot_input){ .tracker = t,
						  .now_ns = now,
						  .reuse = reuse,
						  .keep_row = some ? keep_by_filter : NULL,
						  .keep_ctx = &f });
		assert_non_null(fresh);
		assert_non_null(snap);
		if (some) {
			assert_null(snap->order);
		} else {
			size_t open = 0;

			assert_same_rows(snap, fresh);
			while (open < snap->nconns && !snap->conns[open].closed)
				open++;
			assert_int_equal(snap->norder, open); /* kept for the next frame */
		}
		snapshot__free(fresh);
		tracker_end_frame(t);
	}
	snapshot__free(snap);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_are_in_order),
		cmocka_unit_test(rows_share_their_process),
		cmocka_unit_test(kept_rows_are_the_filtered_ones),
		cmocka_unit_test(frames_taken_in_place_are_sorted_afresh),
	};

	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
