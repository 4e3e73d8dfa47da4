// SPDX-License-Identifier: GPL-2.0-only
/* The tracker: lifecycles in order and out of order, reuse of pids and sockets, frames, limits. */
#include "test_util.h"

#include <errno.h>

#include "tracker.h"

struct collected {
	const struct conn *conns[16];
	size_t n;
};

static void collect(const struct conn *conn, void *ctx)
{
	struct collected *c = ctx;

	if (c->n < 16)
		c->conns[c->n++] = conn;
}

static struct collected conns_of(const struct tracker *t)
{
	struct collected c = { .n = 0 };

	tracker_for_each_conn(t, collect, &c);
	return c;
}

static void apply(struct tracker *t, enum ct_event_type type, __u64 cookie, __u64 ts, __u32 pid)
{
	struct ct_event e = test_event(type, cookie, ts, pid, pid ? "app" : NULL);

	tracker_apply(t, &e);
}

static void open_then_close_is_shown_closed_for_one_frame(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct collected c;

	(void)state;
	apply(t, CT_EV_CONNECT, 1, 10, 100);
	apply(t, CT_EV_ACCEPT, 2, 11, 200);
	assert_int_equal(tracker_stats(t)->active, 2);
	assert_int_equal(tracker_stats(t)->opened_out, 1);
	assert_int_equal(tracker_stats(t)->opened_in, 1);

	apply(t, CT_EV_CLOSE, 1, 20, 0);
	c = conns_of(t);
	assert_int_equal(c.n, 2);
	assert_int_equal(tracker_stats(t)->active, 1);
	assert_int_equal(tracker_stats(t)->closed, 1);

	tracker_end_frame(t); /* the frame that showed it closed */
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.conns[0]->cookie, 2);
	assert_int_equal(c.conns[0]->dir, CONN_IN);
	assert_int_equal(c.conns[0]->proc->key.pid, 200);
	tracker_end_frame(t); /* an open connection stays */
	assert_int_equal(conns_of(t).n, 1);
	tracker__free(t);
}

static void connection_shorter_than_a_frame_is_counted_and_shown_once(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct collected c;

	(void)state;
	apply(t, CT_EV_CONNECT, 5, 10, 100);
	apply(t, CT_EV_CLOSE, 5, 11, 0);
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_true(c.conns[0]->closed);
	assert_int_equal(tracker_stats(t)->opened_out, 1);
	assert_int_equal(tracker_stats(t)->closed, 1);
	assert_int_equal(tracker_stats(t)->active, 0);
	tracker_end_frame(t);
	assert_int_equal(conns_of(t).n, 0);
	tracker__free(t);
}

static void close_of_unknown_connection_makes_no_ghost(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = test_event(CT_EV_CLOSE, 77, 50, 0, NULL);

	(void)state;
	e.flags |= CT_F_NOT_ACCEPTED;
	tracker_apply(t, &e);
	assert_int_equal(conns_of(t).n, 0);
	assert_int_equal(tracker_stats(t)->close_unseen, 1);
	assert_int_equal(tracker_stats(t)->not_accepted, 1);
	assert_int_equal(tracker_stats(t)->closed, 0);
	assert_int_equal(tracker_stats(t)->active, 0);
	tracker__free(t);
}

/* Per-CPU buffers can deliver a close before its open: the outcome must be as if in order. */
static void close_before_open_ends_as_in_order(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct collected c;

	(void)state;
	apply(t, CT_EV_CLOSE, 3, 20, 0);
	apply(t, CT_EV_CONNECT, 3, 10, 100);
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_true(c.conns[0]->closed);
	assert_int_equal(tracker_stats(t)->active, 0);
	assert_int_equal(tracker_stats(t)->opened_out, 1);
	assert_int_equal(tracker_stats(t)->closed, 1);
	assert_int_equal(tracker_stats(t)->close_unseen, 0);
	assert_int_equal(tracker_stats(t)->late, 1);
	tracker_end_frame(t);
	assert_int_equal(conns_of(t).n, 0);
	tracker__free(t);
}

static void duplicate_open_is_counted_not_doubled(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct collected c;

	(void)state;
	apply(t, CT_EV_CONNECT, 4, 10, 0); /* owner unknown */
	apply(t, CT_EV_CONNECT, 4, 11, 300);
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_int_equal(tracker_stats(t)->opened_out, 1);
	assert_int_equal(tracker_stats(t)->active, 1);
	assert_int_equal(tracker_stats(t)->duplicate_opens, 1);
	assert_non_null(c.conns[0]->proc); /* the later record knew the owner */
	assert_int_equal(c.conns[0]->proc->key.pid, 300);
	tracker__free(t);
}

static void reused_pid_is_a_new_process(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event a = test_event(CT_EV_CONNECT, 1, 10, 500, "old");
	struct ct_event b = test_event(CT_EV_CONNECT, 2, 20, 500, "new");
	struct collected c;

	(void)state;
	b.proc_start_ns = a.proc_start_ns + 5 * SEC_NS;
	tracker_apply(t, &a);
	tracker_apply(t, &b);
	assert_int_equal(tracker_stats(t)->processes, 2);
	c = conns_of(t);
	assert_int_equal(c.n, 2);
	assert_ptr_not_equal(c.conns[0]->proc, c.conns[1]->proc);
	assert_string_equal(
		c.conns[0]->cookie == 1 ? c.conns[0]->proc->comm : c.conns[1]->proc->comm, "old");
	tracker__free(t);
}

static void process_is_forgotten_after_its_last_connection(void **state)
{
	struct tracker *t = tracker__new(NULL);

	(void)state;
	apply(t, CT_EV_CONNECT, 1, 10, 100);
	apply(t, CT_EV_CLOSE, 1, 20, 0);
	assert_int_equal(tracker_stats(t)->processes, 1);
	tracker_end_frame(t);
	assert_int_equal(tracker_stats(t)->processes, 0);
	tracker__free(t);
}

static void socket_connected_again_is_a_new_connection(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct collected c;

	(void)state;
	apply(t, CT_EV_CONNECT, 8, 10, 100);
	apply(t, CT_EV_CLOSE, 8, 20, 0);
	apply(t, CT_EV_CONNECT, 8, 30, 100); /* connect(AF_UNSPEC) then connect again */
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_false(c.conns[0]->closed);
	assert_int_equal(tracker_stats(t)->opened_out, 2);
	assert_int_equal(tracker_stats(t)->active, 1);
	/* A stale copy of the first open, arriving now, changes nothing. */
	apply(t, CT_EV_CLOSE, 8, 15, 0);
	assert_int_equal(tracker_stats(t)->active, 1);
	assert_int_equal(tracker_stats(t)->late, 1);
	tracker__free(t);
}

static void listeners_are_counted_and_keep_their_process(void **state)
{
	struct tracker *t = tracker__new(NULL);

	(void)state;
	apply(t, CT_EV_LISTEN, 1, 10, 100);
	apply(t, CT_EV_LISTEN, 1, 11, 100); /* listen() again: backlog change */
	assert_int_equal(tracker_stats(t)->listening, 1);
	tracker_end_frame(t);
	assert_int_equal(tracker_stats(t)->processes, 1);
	apply(t, CT_EV_UNLISTEN, 1, 20, 0);
	assert_int_equal(tracker_stats(t)->listening, 0);
	tracker_end_frame(t);
	assert_int_equal(tracker_stats(t)->processes, 0);
	/* An unlisten delivered before its listen leaves no listener behind. */
	apply(t, CT_EV_UNLISTEN, 2, 40, 0);
	apply(t, CT_EV_LISTEN, 2, 30, 100);
	assert_int_equal(tracker_stats(t)->listening, 0);
	tracker__free(t);
}

static void table_limit_drops_and_counts(void **state)
{
	struct tracker_limits limits = { .max_conns = 2,
					 .max_procs = 8,
					 .max_listeners = 1,
					 .max_tombstones = 1,
					 .tombstone_ns = SEC_NS };
	struct tracker *t = tracker__new(&limits);

	(void)state;
	apply(t, CT_EV_CONNECT, 1, 10, 100);
	apply(t, CT_EV_CONNECT, 2, 11, 100);
	apply(t, CT_EV_CONNECT, 3, 12, 100);
	assert_int_equal(conns_of(t).n, 2);
	assert_int_equal(tracker_stats(t)->table_full, 1);
	assert_int_equal(tracker_stats(t)->opened_out, 3); /* counted even when not kept */
	apply(t, CT_EV_CLOSE, 90, 20, 0);
	apply(t, CT_EV_CLOSE, 91, 21, 0); /* evicts the first tombstone */
	assert_int_equal(tracker_stats(t)->tombstones_evicted, 1);
	tracker__free(t);
}

static void tombstones_expire(void **state)
{
	struct tracker_limits limits = { .max_conns = 8,
					 .max_procs = 8,
					 .max_listeners = 8,
					 .max_tombstones = 8,
					 .tombstone_ns = SEC_NS };
	struct tracker *t = tracker__new(&limits);

	(void)state;
	apply(t, CT_EV_CLOSE, 1, 10, 0);
	apply(t, CT_EV_CONNECT, 2, 10 + 2 * SEC_NS, 100); /* time moves on */
	tracker_end_frame(t);
	/* The late open now comes too late to be matched: it is taken as open (self-healing's job). */
	apply(t, CT_EV_CONNECT, 1, 5, 100);
	assert_int_equal(tracker_stats(t)->active, 2);
	assert_int_equal(tracker_stats(t)->late, 0);
	tracker__free(t);
}

static struct ct_event seeded(enum ct_event_type type, __u64 cookie, __u64 ts, __u32 pid)
{
	struct ct_event e = test_event(type, cookie, ts, pid, pid ? "old" : NULL);

	e.flags |= CT_F_SEEDED;
	return e;
}

static void seeded_connection_is_active_not_opened_and_has_no_event(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = seeded(CT_EV_ACCEPT, 1, 10, 300);
	struct collected c;

	(void)state;
	tracker_apply(t, &e);
	c = conns_of(t);
	assert_int_equal(c.n, 1);
	assert_true(c.conns[0]->seeded);
	assert_int_equal(c.conns[0]->dir, CONN_IN);
	assert_int_equal(tracker_stats(t)->seeded, 1);
	assert_int_equal(tracker_stats(t)->active, 1);
	assert_int_equal(tracker_stats(t)->opened_in, 0);
	assert_int_equal(tracker_stats(t)->events, 0); /* not a record from the kernel */
	apply(t, CT_EV_CLOSE, 1, 20, 0);
	assert_int_equal(tracker_stats(t)->closed, 1);
	assert_int_equal(tracker_stats(t)->active, 0);
	tracker__free(t);
}

static void event_and_dump_of_one_socket_count_once(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = seeded(CT_EV_CONNECT, 2, 10, 0);

	(void)state;
	/* Opened after attach and caught by the dump too, in either order: one open. */
	tracker_apply(t, &e);
	apply(t, CT_EV_CONNECT, 2, 5, 100);
	apply(t, CT_EV_CONNECT, 3, 5, 100);
	e = seeded(CT_EV_CONNECT, 3, 10, 0);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->opened_out, 2);
	assert_int_equal(tracker_stats(t)->seeded, 0);
	assert_int_equal(tracker_stats(t)->duplicate_opens, 0);
	assert_int_equal(tracker_stats(t)->active, 2);
	assert_int_equal(conns_of(t).conns[0]->proc->key.pid, 100); /* the event knew the owner */
	tracker__free(t);
}

static void dump_of_a_socket_whose_close_came_first_is_not_a_ghost(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = seeded(CT_EV_CONNECT, 4, 10, 100);

	(void)state;
	apply(t, CT_EV_CLOSE, 4, 12, 0); /* drained before the dump was applied */
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 0);
	assert_int_equal(tracker_stats(t)->closed, 1);
	assert_int_equal(tracker_stats(t)->close_unseen, 0);
	assert_true(conns_of(t).conns[0]->closed);
	tracker_end_frame(t);
	assert_int_equal(conns_of(t).n, 0);
	tracker__free(t);
}

static void healing_closes_and_adds_and_counts(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = seeded(CT_EV_CONNECT, 9, 30, 100);

	(void)state;
	apply(t, CT_EV_CONNECT, 5, 10, 100);
	apply(t, CT_EV_LISTEN, 6, 10, 100);
	assert_true(tracker_has_socket(t, 5));
	assert_false(tracker_has_socket(t, 9));
	assert_int_equal(tracker_heal_close(t, 5, 30), 0); /* its close was lost */
	assert_int_equal(tracker_heal_close(t, 6, 30), 0);
	assert_int_equal(tracker_heal_close(t, 7, 30), -ENOENT);
	tracker_heal_open(t, &e); /* its open was lost */
	assert_int_equal(tracker_stats(t)->corrections, 3);
	assert_int_equal(tracker_stats(t)->active, 1);
	assert_int_equal(tracker_stats(t)->listening, 0);
	assert_int_equal(tracker_stats(t)->closed, 1);
	tracker__free(t);
}

static void process_identity_is_at_proc_tick_resolution(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event a = test_event(CT_EV_CONNECT, 1, 10, 500, "app");
	struct ct_event b = seeded(CT_EV_CONNECT, 2, 20, 500);

	(void)state;
	/* The kernel's start time in ns and /proc's in ticks name the same process. */
	a.proc_start_ns = 123 * PROC_TICK_NS + 4567;
	b.proc_start_ns = 123 * PROC_TICK_NS;
	tracker_apply(t, &a);
	tracker_apply(t, &b);
	assert_int_equal(tracker_stats(t)->processes, 1);
	tracker__free(t);
}

/* The one connection @cookie, or a failed test. */
static const struct conn *find_conn(const struct tracker *t, __u64 cookie)
{
	struct collected c = conns_of(t);
	size_t i;

	for (i = 0; i < c.n; i++)
		if (c.conns[i]->cookie == cookie)
			return c.conns[i];
	fail_msg("no connection %llu", (unsigned long long)cookie);
	return NULL;
}

/* A connection that was open before we looked, with history, then counted live, then closed. */
static void traffic_adds_live_counts_to_what_came_before(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event seed = test_event(CT_EV_CONNECT, 1, SEC_NS, 100, "c");
	struct ct_event close = test_event(CT_EV_CLOSE, 1, 3 * SEC_NS, 0, NULL);
	struct ct_traffic live = { .bytes_sent = 10, .bytes_received = 20, .retransmits = 7 };
	const struct conn *c;

	(void)state;
	seed.flags |= CT_F_SEEDED;
	seed.traffic =
		(struct ct_traffic){ .bytes_sent = 1000, .bytes_received = 2000, .retransmits = 5 };
	tracker_apply(t, &seed);
	c = find_conn(t, 1);
	/* History is a total, and what the next frame's rate starts from. */
	assert_int_equal(c->traffic.bytes_sent, 1000);
	assert_int_equal(tracker_conn_shown(t, c).bytes_sent, 1000);
	tracker_set_traffic(t, 1, &live, false);
	assert_int_equal(c->traffic.bytes_sent, 1010);
	assert_int_equal(c->traffic.bytes_received, 2020);
	assert_int_equal(c->traffic.retransmits, 7); /* the socket's own total, not a sum */
	/* A close without counts (sock_diag mode) keeps what was known ... */
	close.traffic = (struct ct_traffic){ .bytes_sent = 99 };
	tracker_apply(t, &close);
	assert_int_equal(c->traffic.bytes_sent, 1010);
	tracker__free(t);

	/* ... one with counts (CT_F_TRAFFIC) has the final word, even when its open comes late. */
	t = tracker__new(NULL);
	close.flags |= CT_F_TRAFFIC;
	close.traffic = (struct ct_traffic){ .bytes_sent = 30, .bytes_received = 40 };
	tracker_apply(t, &close);
	seed = test_event(CT_EV_CONNECT, 1, SEC_NS, 100, "c");
	tracker_apply(t, &seed);
	c = find_conn(t, 1);
	assert_true(c->closed);
	assert_int_equal(c->traffic.bytes_sent, 30);
	assert_int_equal(c->traffic.bytes_received, 40);
	tracker__free(t);
}

/* A connection record on port 80 from client port @cport, naming its socket by @cookie. */
static struct ct_event child(enum ct_event_type type, __u64 cookie, __u64 ts, __u16 cport)
{
	struct ct_event e = test_event_addr(type, cookie, type == CT_EV_CLOSE ? 0 : 300, "nginx",
					    "10.0.0.1", 80, "10.0.0.2", cport);

	e.ts_ns = ts;
	return e;
}

/*
 * Linux 6.1 copies a listener's cookie into every socket it accepts: each is still its own
 * connection (named by tuple), and each close ends its own, also after the listener is gone.
 */
static void children_sharing_their_listeners_cookie_stay_apart(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event listen =
		test_event_addr(CT_EV_LISTEN, 7, 300, "nginx", "10.0.0.1", 80, "0.0.0.0", 0);
	struct ct_event e;
	struct collected c;

	(void)state;
	tracker_apply(t, &listen);
	e = child(CT_EV_ACCEPT, 7, 10, 50001);
	tracker_apply(t, &e);
	e = child(CT_EV_ACCEPT, 7, 11, 50002);
	tracker_apply(t, &e);
	e = child(CT_EV_ACCEPT, 7, 12, 50003);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 3);
	assert_int_equal(tracker_stats(t)->duplicate_opens, 0);
	c = conns_of(t);
	assert_int_equal(c.n, 3);
	assert_true(c.conns[0]->cookie >> 63 && c.conns[1]->cookie >> 63);
	assert_true(c.conns[0]->cookie != c.conns[1]->cookie);

	e = child(CT_EV_CLOSE, 7, 20, 50002);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 2);
	listen.type = CT_EV_UNLISTEN; /* the listener goes; its children's closes still match */
	tracker_apply(t, &listen);
	e = child(CT_EV_CLOSE, 7, 21, 50001);
	tracker_apply(t, &e);
	e = child(CT_EV_CLOSE, 7, 22, 50003);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 0);
	assert_int_equal(tracker_stats(t)->closed, 3);
	assert_int_equal(tracker_stats(t)->close_unseen, 0);
	tracker__free(t);
}

/* Hooks without cookies: records carry 0, dumps real cookies; both name sockets by tuple. */
static void ids_by_tuple_match_records_and_dumps(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event seeded = child(CT_EV_ACCEPT, 4242, 5, 50001), e;

	(void)state;
	tracker_set_ids_by_tuple(t, true);
	seeded.flags |= CT_F_SEEDED;
	tracker_apply(t, &seeded); /* from sock_diag, with its real cookie */
	e = child(CT_EV_ACCEPT, 0, 10, 50002);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 2);
	e = child(CT_EV_CLOSE, 0, 20, 50001); /* the record of the seeded one's close */
	tracker_apply(t, &e);
	e = child(CT_EV_CLOSE, 0, 21, 50002);
	tracker_apply(t, &e);
	assert_int_equal(tracker_stats(t)->active, 0);
	assert_int_equal(tracker_stats(t)->close_unseen, 0);
	assert_true(tracker_has_socket(t, tracker_tuple_id(&e)));
	tracker_identify(t, &seeded);
	assert_int_equal(seeded.cookie, tracker_tuple_id(&seeded));
	tracker__free(t);
}

/*
 * Connections come and go by the thousand, their slots and index entries reused, cookies too (a
 * socket named by its tuple gets the same name each time it connects): the tracker always finds
 * exactly the open ones.
 */
static void lookups_survive_churn(void **state)
{
	enum { COOKIES = 5000 };
	static bool open[COOKIES];
	struct tracker *t = tracker__new(NULL);
	unsigned int seed = 5, round, i;
	__u64 now = SEC_NS;
	size_t nopen = 0;

	(void)state;
	memset(open, 0, sizeof(open));
	for (round = 0; round < 40; round++) {
		for (i = 0; i < 3000; i++) {
			__u64 cookie;
			struct ct_event e;

			seed = seed * 1103515245 + 12345;
			cookie = 1 + (seed >> 8) % COOKIES;
			now += 1000;
			if (open[cookie - 1]) {
				e = test_event(CT_EV_CLOSE, cookie, now, 0, NULL);
				open[cookie - 1] = false;
				nopen--;
			} else { /* closed this frame or long gone: connected again, a new one */
				e = test_event(CT_EV_CONNECT, cookie, now, 100, "c");
				open[cookie - 1] = true;
				nopen++;
			}
			tracker_apply(t, &e);
		}
		tracker_end_frame(t); /* the closed ones go */
		assert_int_equal(tracker_conn_count(t), nopen);
		assert_int_equal(tracker_stats(t)->active, nopen);
		for (i = 0; i < COOKIES; i++)
			assert_int_equal(tracker_has_socket(t, i + 1), open[i]);
	}
	tracker__free(t);
}

/* The connections begun in a frame are listed by slot until its end; a slot reused is listed again. */
static void connections_begun_in_a_frame_are_listed(void **state)
{
	struct tracker *t = tracker__new(NULL);
	const uint32_t *slots;
	const struct conn *conn;

	(void)state;
	apply(t, CT_EV_CONNECT, 1, 10, 100);
	apply(t, CT_EV_ACCEPT, 2, 11, 200);
	assert_int_equal(tracker_added(t, &slots), 2);
	conn = tracker_slot(t, slots[0]);
	assert_true(conn && conn->in_use && conn->cookie == 1);
	assert_int_equal(tracker_slot(t, slots[1])->cookie, 2);
	assert_null(tracker_slot(t, 2)); /* never handed out */
	tracker_end_frame(t);
	assert_int_equal(tracker_added(t, &slots), 0);

	apply(t, CT_EV_CLOSE, 1, 20, 0);
	tracker_end_frame(t); /* slot 0 is free again */
	assert_false(tracker_slot(t, 0)->in_use);
	apply(t, CT_EV_CONNECT, 3, 30, 100);
	assert_int_equal(tracker_added(t, &slots), 1);
	assert_int_equal(slots[0], 0);
	assert_int_equal(tracker_slot(t, 0)->cookie, 3);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookups_survive_churn),
		cmocka_unit_test(open_then_close_is_shown_closed_for_one_frame),
		cmocka_unit_test(connection_shorter_than_a_frame_is_counted_and_shown_once),
		cmocka_unit_test(close_of_unknown_connection_makes_no_ghost),
		cmocka_unit_test(close_before_open_ends_as_in_order),
		cmocka_unit_test(duplicate_open_is_counted_not_doubled),
		cmocka_unit_test(reused_pid_is_a_new_process),
		cmocka_unit_test(process_is_forgotten_after_its_last_connection),
		cmocka_unit_test(socket_connected_again_is_a_new_connection),
		cmocka_unit_test(listeners_are_counted_and_keep_their_process),
		cmocka_unit_test(table_limit_drops_and_counts),
		cmocka_unit_test(tombstones_expire),
		cmocka_unit_test(seeded_connection_is_active_not_opened_and_has_no_event),
		cmocka_unit_test(event_and_dump_of_one_socket_count_once),
		cmocka_unit_test(dump_of_a_socket_whose_close_came_first_is_not_a_ghost),
		cmocka_unit_test(healing_closes_and_adds_and_counts),
		cmocka_unit_test(process_identity_is_at_proc_tick_resolution),
		cmocka_unit_test(traffic_adds_live_counts_to_what_came_before),
		cmocka_unit_test(children_sharing_their_listeners_cookie_stay_apart),
		cmocka_unit_test(ids_by_tuple_match_records_and_dumps),
		cmocka_unit_test(connections_begun_in_a_frame_are_listed),
	};

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
