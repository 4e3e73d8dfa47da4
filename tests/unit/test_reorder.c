// SPDX-License-Identifier: GPL-2.0-only
/*
 * The perf buffers' ordering stage: several CPU streams merged by timestamp under a watermark,
 * ties, a stalled CPU's late records, the cap; and the tracker fed through it ends as in-order
 * delivery leaves it, for every arrival order of a few sockets' records.
 */
#include "test_util.h"

#include <stdint.h>
#include <stdlib.h>

#include "events.h"
#include "reorder.h"
#include "tracker.h"

/* A small record: its timestamp first, as struct ct_event has it, then an id. */
struct rec {
	uint64_t ts;
	uint32_t id;
	uint32_t pad;
};

struct seen {
	struct rec recs[256];
	size_t n;
};

static int collect(void *ctx, const void *data, size_t size)
{
	struct seen *s = ctx;

	assert_int_equal(size, sizeof(struct rec));
	assert_true(s->n < 256);
	memcpy(&s->recs[s->n++], data, sizeof(struct rec));
	return 0;
}

static void push(struct reorder *r, int cpu, uint64_t ts, uint32_t id)
{
	struct rec rec = { .ts = ts, .id = id };

	assert_true(reorder_push(r, cpu, &rec, sizeof(rec)) >= 0);
}

static struct reorder *new_stage(size_t max_held)
{
	struct reorder_opts opts = { .max_held = max_held, .record_size = sizeof(struct rec) };
	struct reorder *r = reorder__new(&opts);

	assert_non_null(r);
	return r;
}

static void assert_ids(const struct seen *s, const uint32_t *ids, size_t n)
{
	size_t i;

	assert_int_equal(s->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(s->recs[i].id, ids[i]);
}

static void streams_of_several_cpus_merge_in_timestamp_order(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s = { .n = 0 };
	size_t i;

	(void)state;
	/* Each CPU's buffer read whole, one after the other, as perf_buffer__consume does. */
	push(r, 0, 10, 1);
	push(r, 0, 40, 4);
	push(r, 0, 70, 7);
	push(r, 1, 20, 2);
	push(r, 1, 50, 5);
	push(r, 2, 30, 3);
	push(r, 2, 60, 6);
	push(r, 2, 80, 8);
	assert_int_equal(reorder_release(r, 100, collect, &s), 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(s.recs[i].id, i + 1);
	reorder_read_stats(r, &st);
	assert_int_equal(st.pushed, 8);
	assert_int_equal(st.released, 8);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.max_held, 8);
	reorder__free(r);
}

static void records_not_older_than_the_watermark_wait_for_the_next_drain(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s = { .n = 0 };

	(void)state;
	push(r, 0, 10, 1);
	push(r, 0, 100, 4); /* written during the drain, after the clock was read */
	push(r, 1, 99, 3);
	push(r, 1, 20, 2); /* a CPU's own stream need not be sorted: nested programs */
	assert_int_equal(reorder_release(r, 100, collect, &s), 3);
	assert_ids(&s, (const uint32_t[]){ 1, 2, 3 }, 3);
	reorder_read_stats(r, &st);
	assert_int_equal(st.held, 1);

	/* The next drain: cpu 1 wrote 150 and 100 (equal to what waits: arrival decides). */
	push(r, 1, 150, 6);
	push(r, 1, 100, 5);
	push(r, 0, 300, 7);
	assert_int_equal(reorder_release(r, 200, collect, &s), 3);
	assert_ids(&s, (const uint32_t[]){ 1, 2, 3, 4, 5, 6 }, 6);
	reorder_read_stats(r, &st);
	assert_int_equal(st.held, 1);
	assert_int_equal(st.late, 0);

	/* Nothing new: the clock moved on, what waited goes. */
	assert_int_equal(reorder_release(r, 301, collect, &s), 1);
	assert_int_equal(s.recs[6].id, 7);
	reorder__free(r);
}

static void equal_timestamps_keep_their_arrival_order(void **state)
{
	struct reorder *r = new_stage(0);
	struct seen s = { .n = 0 };
	uint32_t id;

	(void)state;
	for (id = 1; id <= 20; id++)
		push(r, (int)(id % 3), 50, id);
	push(r, 0, 49, 0);
	assert_int_equal(reorder_release(r, 51, collect, &s), 21);
	for (id = 0; id <= 20; id++)
		assert_int_equal(s.recs[id].id, id);
	reorder__free(r);
}

/*
 * A virtual CPU stalls between bpf_ktime_get_ns() and the write: its record (ts 40) comes after
 * the watermark passed it and newer records were released. It goes at once, before what waits,
 * and is counted, with how far behind it was.
 */
static void record_of_a_stalled_cpu_is_late_counted_and_released_at_once(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s = { .n = 0 };

	(void)state;
	push(r, 0, 10, 1);
	push(r, 0, 50, 2);
	push(r, 0, 90, 3);
	assert_int_equal(reorder_release(r, 100, collect, &s), 3);

	push(r, 0, 150, 5);
	push(r, 0, 250, 6); /* after the next watermark: waits */
	push(r, 1, 40, 4); /* the stalled CPU's, 50 behind the newest released */
	reorder_read_stats(r, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.late_max_ns, 50);
	assert_int_equal(reorder_release(r, 200, collect, &s), 2);
	assert_ids(&s, (const uint32_t[]){ 1, 2, 3, 4, 5 }, 5);

	/* A late record goes even when the caller releases nothing by the clock. */
	push(r, 1, 60, 7);
	assert_int_equal(reorder_release(r, 0, collect, &s), 1);
	assert_int_equal(s.recs[5].id, 7);
	reorder_read_stats(r, &st);
	assert_int_equal(st.late, 2);
	assert_int_equal(st.late_max_ns, 90);
	assert_int_equal(st.held, 1);
	reorder__free(r);
}

/* Older than the watermark but not than anything released: in order, not late. */
static void record_between_the_last_released_and_the_watermark_is_not_late(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s = { .n = 0 };

	(void)state;
	push(r, 0, 10, 1);
	assert_int_equal(reorder_release(r, 100, collect, &s), 1);
	push(r, 1, 95, 2);
	push(r, 1, 10, 3); /* equal to the newest released: not older */
	reorder_read_stats(r, &st);
	assert_int_equal(st.late, 0);
	assert_int_equal(reorder_release(r, 200, collect, &s), 2);
	assert_ids(&s, (const uint32_t[]){ 1, 3, 2 }, 3);
	reorder__free(r);
}

/* A CPU that writes nothing for a while holds nothing back: the others' records go by the clock. */
static void idle_cpu_does_not_hold_the_others_back(void **state)
{
	struct reorder *r = new_stage(0);
	struct seen s = { .n = 0 };
	uint64_t drain;
	uint32_t id = 0;

	(void)state;
	for (drain = 1; drain <= 10; drain++) {
		push(r, 0, drain * 100 - 50, ++id);
		push(r, 1, drain * 100 - 30, ++id);
		assert_int_equal(reorder_release(r, drain * 100, collect, &s), 2);
	}
	assert_int_equal(s.n, 20);
	reorder__free(r);
}

static void beyond_the_cap_the_oldest_go_early_and_are_counted(void **state)
{
	struct reorder *r = new_stage(4);
	struct reorder_stats st;
	struct seen s = { .n = 0 };
	struct rec rec = { .ts = 0 };
	uint32_t id;

	(void)state;
	for (id = 1; id <= 4; id++) {
		rec.ts = 100 + id;
		rec.id = id;
		assert_int_equal(reorder_push(r, 0, &rec, sizeof(rec)), 0);
	}
	rec.ts = 100;
	rec.id = 0;
	assert_int_equal(reorder_push(r, 1, &rec, sizeof(rec)), 1); /* over: release soon */
	rec.ts = 106;
	rec.id = 6;
	assert_int_equal(reorder_push(r, 1, &rec, sizeof(rec)), 1);
	/* Mid-drain: the watermark is not known to have passed anything; only the excess goes. */
	assert_int_equal(reorder_release(r, 0, collect, &s), 2);
	assert_ids(&s, (const uint32_t[]){ 0, 1 }, 2);
	reorder_read_stats(r, &st);
	assert_int_equal(st.forced, 2);
	assert_int_equal(st.held, 4);
	assert_int_equal(st.max_held, 6);

	/* Older than what went early: late, but still delivered, first. */
	push(r, 2, 100, 99);
	assert_int_equal(reorder_release(r, 105, collect, &s), 4);
	assert_ids(&s, (const uint32_t[]){ 0, 1, 99, 2, 3, 4 }, 6);
	reorder_read_stats(r, &st);
	assert_int_equal(st.late, 1);
	assert_int_equal(st.forced, 2);
	assert_int_equal(st.released, 6);
	assert_int_equal(st.held, 1);
	reorder__free(r);
}

static void flush_hands_on_everything_in_order(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s = { .n = 0 };

	(void)state;
	push(r, 1, UINT64_MAX, 3);
	push(r, 0, 500, 2);
	push(r, 0, 100, 1);
	assert_int_equal(reorder_release(r, 50, collect, &s), 0);
	assert_int_equal(reorder_flush(r, collect, &s), 3);
	assert_ids(&s, (const uint32_t[]){ 1, 2, 3 }, 3);
	reorder_read_stats(r, &st);
	assert_int_equal(st.forced, 0);
	assert_int_equal(st.held, 0);
	/* Held records are freed with the stage (ASan checks). */
	push(r, 0, 700, 4);
	reorder__free(r);
}

struct raw {
	unsigned char bytes[512];
	size_t sizes[8];
	size_t n;
};

static int collect_raw(void *ctx, const void *data, size_t size)
{
	struct raw *raw = ctx;

	raw->sizes[raw->n++] = size;
	if (size)
		memcpy(raw->bytes, data, size < sizeof(raw->bytes) ? size : sizeof(raw->bytes));
	return 0;
}

/* Too short for a timestamp: handed on at once (the consumer counts it invalid). Longer than a
 * block: copied whole. */
static void short_and_long_records_are_handed_on_whole(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	unsigned char big[300];
	struct raw raw = { .n = 0 };
	uint64_t ts = 10;

	(void)state;
	memset(big, 0xab, sizeof(big));
	memcpy(big, &ts, sizeof(ts));
	assert_int_equal(reorder_push(r, 0, big, sizeof(big)), 0);
	assert_int_equal(reorder_push(r, 0, "abc", 3), 0);
	assert_int_equal(reorder_push(r, 0, NULL, 0), 0);
	assert_int_equal(reorder_release(r, 5, collect_raw, &raw), 2);
	assert_int_equal(raw.sizes[0], 3);
	assert_int_equal(raw.sizes[1], 0);
	assert_int_equal(reorder_release(r, 11, collect_raw, &raw), 1);
	assert_int_equal(raw.sizes[2], sizeof(big));
	assert_int_equal(raw.bytes[299], 0xab);
	reorder_read_stats(r, &st);
	assert_int_equal(st.unkeyed, 2);
	assert_int_equal(st.late, 0);
	reorder__free(r);
}

/* Many drains of random per-CPU streams, some stalled: released in order but for the late. */
static void random_streams_with_stalls_release_sorted_but_for_the_late(void **state)
{
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct seen s;
	uint64_t clock = 0, newest = 0, late = 0;
	unsigned seed = 12345;
	int drain;

	(void)state;
	for (drain = 0; drain < 200; drain++) {
		uint64_t watermark = clock + 1000;
		int k;

		s.n = 0;
		for (k = 0; k < 20; k++) {
			/* A record written before the watermark, or a stalled one up to 3 drains old. */
			uint64_t ts = clock + (uint64_t)(rand_r(&seed) % 1200);

			if (rand_r(&seed) % 10 == 0 && clock > 3000)
				ts = clock - (uint64_t)(rand_r(&seed) % 3000);
			if (ts < newest)
				late++;
			push(r, rand_r(&seed) % 4, ts, (uint32_t)k);
		}
		reorder_release(r, watermark, collect, &s);
		/* Sorted: the late ones are older than anything waiting, so they come first. */
		for (k = 0; k < (int)s.n; k++) {
			uint64_t ts = s.recs[k].ts;

			assert_true(k == 0 || s.recs[k - 1].ts <= ts);
			assert_true(ts < watermark || ts < newest);
		}
		if (s.n && s.recs[s.n - 1].ts > newest)
			newest = s.recs[s.n - 1].ts;
		clock = watermark;
	}
	reorder_read_stats(r, &st);
	assert_int_equal(st.late, late);
	assert_int_equal(st.pushed, st.released + st.held);
	reorder__free(r);
}

/* The tracker fed through the stage, against the same records applied in timestamp order. */

#define NREC 6
#define MS   1000000ull

struct scenario {
	struct ct_event events[NREC];
	int cpu[NREC];
};

/*
 * A connects and closes; B is accepted and closed; C connects and stays open; D closes without
 * having been seen open (it predates us); and on cpu 1 and 0 in turn.
 */
static struct scenario scenario(void)
{
	struct scenario sc;

	sc.events[0] = test_event(CT_EV_CONNECT, 0xa, 10 * MS, 100, "client");
	sc.events[1] = test_event(CT_EV_ACCEPT, 0xb, 20 * MS, 200, "server");
	sc.events[2] = test_event(CT_EV_CLOSE, 0xd, 25 * MS, 0, NULL);
	sc.events[2].flags |= CT_F_NOT_ACCEPTED;
	sc.events[3] = test_event(CT_EV_CONNECT, 0xc, 30 * MS, 100, "client");
	sc.events[4] = test_event(CT_EV_CLOSE, 0xb, 40 * MS, 0, NULL);
	sc.events[4].flags |= CT_F_TRAFFIC;
	sc.events[4].traffic.bytes_sent = 7;
	sc.events[5] = test_event(CT_EV_CLOSE, 0xa, 50 * MS, 0, NULL);
	for (int i = 0; i < NREC; i++)
		sc.cpu[i] = i % 2;
	return sc;
}

struct conn_view {
	uint64_t cookie, opened_ns, closed_ns;
	bool closed;
	uint8_t dir;
	uint32_t pid;
	uint64_t bytes_sent;
};

struct outcome {
	struct tracker_stats stats;
	struct conn_view conns[NREC];
	size_t n;
};

static void view_conn(const struct conn *conn, void *ctx)
{
	struct outcome *o = ctx;
	struct conn_view *v = &o->conns[o->n++];

	memset(v, 0, sizeof(*v));
	v->cookie = conn->cookie;
	v->opened_ns = conn->opened_ns;
	v->closed_ns = conn->closed_ns;
	v->closed = conn->closed;
	v->dir = conn->dir;
	v->pid = conn->proc ? conn->proc->key.pid : 0;
	v->bytes_sent = conn->traffic.bytes_sent;
}

static int by_cookie(const void *a, const void *b)
{
	const struct conn_view *x = a, *y = b;

	return x->cookie < y->cookie ? -1 : x->cookie > y->cookie;
}

static struct outcome outcome_of(const struct tracker *t)
{
	struct outcome o;

	memset(&o, 0, sizeof(o));
	o.stats = *tracker_stats(t);
	o.stats.late = 0; /* how it got there: the one difference allowed */
	tracker_for_each_conn(t, view_conn, &o);
	qsort(o.conns, o.n, sizeof(o.conns[0]), by_cookie);
	return o;
}

static void assert_same_outcome(const struct outcome *got, const struct outcome *want)
{
	size_t i;

	assert_memory_equal(&got->stats, &want->stats, sizeof(want->stats));
	assert_int_equal(got->n, want->n);
	for (i = 0; i < want->n; i++)
		assert_memory_equal(&got->conns[i], &want->conns[i], sizeof(want->conns[i]));
}

static int apply_record(void *ctx, const void *data, size_t size)
{
	return events_apply(ctx, data, size);
}

/* In order: the reference. @frames: a frame ends where the run below ends one. */
static struct outcome in_order(const struct scenario *sc, bool frames)
{
	struct tracker *t = tracker__new(NULL);
	struct outcome o;
	int i;

	for (i = 0; i < NREC; i++)
		tracker_apply(t, &sc->events[i]);
	if (frames)
		tracker_end_frame(t);
	o = outcome_of(t);
	tracker__free(t);
	return o;
}

/*
 * Records arrive in the order @perm, in drains of @per_drain; each drain's watermark is
 * @watermark_ns[k], 0 meaning "past everything that has arrived" (nothing waits). At the end the
 * stage is flushed.
 */
static struct outcome through_stage(const struct scenario *sc, const int *perm, int per_drain,
				    const uint64_t *watermark_ns, bool frames, uint64_t *late)
{
	struct tracker *t = tracker__new(NULL);
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct outcome o;
	uint64_t newest = 0;
	int i, drain = 0;

	for (i = 0; i < NREC; i++) {
		const struct ct_event *e = &sc->events[perm[i]];

		assert_int_equal(reorder_push(r, sc->cpu[perm[i]], e, sizeof(*e)), 0);
		if (e->ts_ns >= newest)
			newest = e->ts_ns + 1;
		if ((i + 1) % per_drain == 0 || i == NREC - 1) {
			uint64_t w = watermark_ns[drain] ? watermark_ns[drain] : newest;

			reorder_release(r, w, apply_record, t);
			if (frames)
				tracker_end_frame(t);
			drain++;
		}
	}
	reorder_flush(r, apply_record, t);
	if (frames)
		tracker_end_frame(t);
	reorder_read_stats(r, &st);
	*late = st.late;
	o = outcome_of(t);
	reorder__free(r);
	tracker__free(t);
	return o;
}

static bool next_permutation(int *a, int n)
{
	int i = n - 2, j = n - 1, k;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return false;
	while (a[j] <= a[i])
		j--;
	k = a[i], a[i] = a[j], a[j] = k;
	for (i++, j = n - 1; i < j; i++, j--)
		k = a[i], a[i] = a[j], a[j] = k;
	return true;
}

/*
 * Every arrival order of the six records (a close before its open, an open after its close,
 * stalls of any length), cut into drains of 1, 2, 3 or all records, with watermarks that
 * release all that came, that hold some back, or that release nothing until the flush: the
 * tracker's totals and connections end exactly as in-order delivery leaves them. No ghost (an
 * open connection whose close came first), no stale entry.
 */
static void tracker_ends_as_in_order_for_every_arrival_order(void **state)
{
	static const uint64_t schedules[][NREC] = {
		{ 0, 0, 0, 0, 0, 0 }, /* every record that came goes at once */
		{ 15 * MS, 35 * MS, 45 * MS, 60 * MS, 60 * MS, 60 * MS },
		{ 1, 1, 1, 1, 1, 1 }, /* nothing until the flush: a full sort */
		{ 60 * MS, 60 * MS, 60 * MS, 60 * MS, 60 * MS, 60 * MS },
	};
	const struct scenario sc = scenario();
	uint64_t late_seen = 0, runs = 0;
	int frames;

	(void)state;
	for (frames = 0; frames <= 1; frames++) {
		const struct outcome want = in_order(&sc, frames);
		int perm[NREC] = { 0, 1, 2, 3, 4, 5 };

		/* The reference itself: no ghost, no stale. */
		if (!frames) {
			assert_int_equal(want.stats.active, 1);
			assert_int_equal(want.stats.closed, 2);
			assert_int_equal(want.stats.close_unseen, 1);
			assert_int_equal(want.n, 3);
		} else {
			assert_int_equal(want.n, 1);
			assert_int_equal(want.conns[0].cookie, 0xc);
		}
		do {
			int per_drain;
			size_t k;

			for (per_drain = 1; per_drain <= NREC; per_drain++) {
				for (k = 0; k < sizeof(schedules) / sizeof(schedules[0]); k++) {
					uint64_t late;
					struct outcome got = through_stage(
						&sc, perm, per_drain, schedules[k], frames, &late);

					assert_same_outcome(&got, &want);
					late_seen += late;
					runs++;
				}
			}
		} while (next_permutation(perm, NREC));
	}
	assert_int_equal(runs, 2 * 720 * NREC * 4);
	assert_true(late_seen > 0); /* the orders did include late records */
}

static int by_time(const void *a, const void *b)
{
	const struct ct_event *x = *(const struct ct_event *const *)a;
	const struct ct_event *y = *(const struct ct_event *const *)b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/*
 * A realistic churn: 4 CPUs, 300 short connections whose open and close run on different CPUs,
 * drained every 100 ms with the clock as the watermark, and one CPU that stalls ~100 ms between
 * taking a timestamp and writing (a virtual CPU). Same outcome as in order; late ones counted.
 */
static void churn_with_a_stalled_vcpu_ends_as_in_order(void **state)
{
	enum { N = 300, NCPU = 4 };
	static struct ct_event events[2 * N];
	static uint64_t written[2 * N];
	static int cpus[2 * N];
	static const struct ct_event *order[2 * N];
	struct tracker *ref = tracker__new(NULL), *t = tracker__new(NULL);
	struct reorder *r = new_stage(0);
	struct reorder_stats st;
	struct outcome want, got;
	unsigned seed = 7;
	uint64_t now;
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		uint64_t open = 1000000ull * (uint64_t)i; /* one a ms */
		uint64_t close = open + 1000 + (uint64_t)(rand_r(&seed) % 50000000);

		events[2 * i] = test_event(i % 2 ? CT_EV_ACCEPT : CT_EV_CONNECT, 1000 + (uint64_t)i,
					   open, 100 + (uint32_t)(i % 5), "app");
		events[2 * i + 1] = test_event(CT_EV_CLOSE, 1000 + (uint64_t)i, close, 0, NULL);
		for (int k = 0; k < 2; k++) {
			int e = 2 * i + k;

			cpus[e] = rand_r(&seed) % NCPU;
			/* cpu 3 stalls 100 ms on one record in ten */
			written[e] =
				events[e].ts_ns +
				(cpus[e] == 3 && rand_r(&seed) % 10 == 0 ? 100000000ull : 1000);
		}
	}
	/* In order: by timestamp. */
	for (i = 0; i < 2 * N; i++)
		order[i] = &events[i];
	qsort(order, 2 * N, sizeof(order[0]), by_time);
	for (i = 0; i < 2 * N; i++)
		tracker_apply(ref, order[i]);
	/* Through the stage: every 100 ms, read the clock, take in what each CPU wrote, release. */
	for (now = 100000000ull; now <= 2000000000ull; now += 100000000ull) {
		int cpu;

		for (cpu = 0; cpu < NCPU; cpu++)
			for (i = 0; i < 2 * N; i++)
				if (cpus[i] == cpu && written[i] < now &&
				    written[i] >= now - 100000000ull)
					assert_int_equal(
						reorder_push(r, cpu, &events[i], sizeof(events[i])),
						0);
		reorder_release(r, now, apply_record, t);
		tracker_end_frame(t);
	}
	reorder_flush(r, apply_record, t);
	tracker_end_frame(t);
	tracker_end_frame(ref);
	reorder_read_stats(r, &st);
	assert_true(st.late > 0);
	assert_int_equal(st.released, 2 * N);
	want = outcome_of(ref);
	got = outcome_of(t);
	assert_same_outcome(&got, &want);
	assert_int_equal(got.stats.closed, N);
	assert_int_equal(got.stats.active, 0);
	assert_int_equal(got.n, 0); /* no ghost */
	reorder__free(r);
	tracker__free(ref);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(streams_of_several_cpus_merge_in_timestamp_order),
		cmocka_unit_test(records_not_older_than_the_watermark_wait_for_the_next_drain),
		cmocka_unit_test(equal_timestamps_keep_their_arrival_order),
		cmocka_unit_test(record_of_a_stalled_cpu_is_late_counted_and_released_at_once),
		cmocka_unit_test(record_between_the_last_released_and_the_watermark_is_not_late),
		cmocka_unit_test(idle_cpu_does_not_hold_the_others_back),
		cmocka_unit_test(beyond_the_cap_the_oldest_go_early_and_are_counted),
		cmocka_unit_test(flush_hands_on_everything_in_order),
		cmocka_unit_test(short_and_long_records_are_handed_on_whole),
		cmocka_unit_test(random_streams_with_stalls_release_sorted_but_for_the_late),
		cmocka_unit_test(tracker_ends_as_in_order_for_every_arrival_order),
		cmocka_unit_test(churn_with_a_stalled_vcpu_ends_as_in_order),
	};

	return cmocka_run_group_tests_name("reorder", tests, NULL, NULL);
}
