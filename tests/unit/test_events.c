// SPDX-License-Identifier: GPL-2.0-only
/* The record decoder: what a ring buffer or a recording may hand us, good and bad. */
#include "test_util.h"

#include <errno.h>

#include "events.h"
#include "tracker.h"

static void decodes_a_valid_record(void **state)
{
	struct ct_event in = test_event(CT_EV_CONNECT, 7, 100, 42, "curl"), out;

	(void)state;
	assert_int_equal(event_decode(&in, sizeof(in), &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void rejects_short_and_long_records(void **state)
{
	unsigned char buf[sizeof(struct ct_event) + 8] = { 0 };
	struct ct_event out;

	(void)state;
	memcpy(buf, &(struct ct_event){ .type = CT_EV_CONNECT, .family = AF_INET },
	       sizeof(struct ct_event));
	assert_int_equal(event_decode(buf, 0, &out), -EBADMSG);
	assert_int_equal(event_decode(buf, sizeof(struct ct_event) - 1, &out), -EBADMSG);
	assert_int_equal(event_decode(buf, sizeof(buf), &out), -EBADMSG);
	assert_int_equal(event_decode(NULL, sizeof(struct ct_event), &out), -EBADMSG);
}

static void rejects_unknown_type_and_family(void **state)
{
	struct ct_event e = test_event(CT_EV_CLOSE, 1, 1, 1, "x"), out;

	(void)state;
	e.type = 0;
	assert_int_equal(event_decode(&e, sizeof(e), &out), -EPROTO);
	e.type = CT_EV_TYPE_MAX;
	assert_int_equal(event_decode(&e, sizeof(e), &out), -EPROTO);
	e.type = CT_EV_CLOSE;
	e.family = 1; /* AF_UNIX */
	assert_int_equal(event_decode(&e, sizeof(e), &out), -EAFNOSUPPORT);
}

static void terminates_an_unterminated_comm(void **state)
{
	struct ct_event e = test_event(CT_EV_ACCEPT, 1, 1, 1, NULL), out;

	(void)state;
	e.flags = 0;
	memset(e.comm, 'A', sizeof(e.comm));
	assert_int_equal(event_decode(&e, sizeof(e), &out), 0);
	assert_int_equal(strlen(out.comm), CT_COMM_LEN - 1);
}

static void counts_bad_records_and_applies_good_ones(void **state)
{
	struct tracker *t = tracker__new(NULL);
	struct ct_event e = test_event(CT_EV_CONNECT, 9, 10, 5, "nc");

	(void)state;
	assert_int_equal(events_apply(t, &e, 3), -EBADMSG);
	assert_int_equal(events_apply(t, &e, sizeof(e)), 0);
	assert_int_equal(tracker_stats(t)->invalid, 1);
	assert_int_equal(tracker_stats(t)->events, 1);
	assert_int_equal(tracker_stats(t)->active, 1);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_a_valid_record),
		cmocka_unit_test(rejects_short_and_long_records),
		cmocka_unit_test(rejects_unknown_type_and_family),
		cmocka_unit_test(terminates_an_unterminated_comm),
		cmocka_unit_test(counts_bad_records_and_applies_good_ones),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
