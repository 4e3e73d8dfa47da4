// SPDX-License-Identifier: GPL-2.0-only
/*
 * event_decode(), the check every ring buffer record passes, and the tracker behind it. The whole
 * input is decoded as one record (any size), then cut into 128-byte records applied to a tracker
 * in turn, with a frame ended every 8. A record accepted has a known type and family and a
 * NUL-terminated comm; one refused changes nothing but the invalid count.
 */
#include <errno.h>
#include <sys/socket.h>

#include "events.h"
#include "fuzz.h"
#include "tracker.h"

static void check_decoded(int ret, const struct ct_event *ev, const uint8_t *raw)
{
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTO || ret == -EAFNOSUPPORT);
	if (ret)
		return;
	FUZZ_CHECK(ev->type >= CT_EV_CONNECT && ev->type < CT_EV_TYPE_MAX);
	FUZZ_CHECK(ev->family == AF_INET || ev->family == AF_INET6);
	FUZZ_CHECK(strnlen(ev->comm, CT_COMM_LEN) < CT_COMM_LEN);
	/* Nothing else is touched: what the kernel wrote is what the tracker gets. */
	FUZZ_CHECK(!memcmp(ev, raw, offsetof(struct ct_event, comm)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracker *tracker;
	struct ct_event ev;
	uint64_t invalid = 0;
	size_t off;
	int ret;

	ret = event_decode(data, size, &ev);
	if (size != sizeof(ev))
		FUZZ_CHECK(ret == -EBADMSG);
	check_decoded(ret, &ev, data);

	tracker = tracker__new(NULL);
	FUZZ_CHECK(tracker);
	for (off = 0; off + sizeof(ev) <= size; off += sizeof(ev)) {
		const uint8_t *rec = data + off;

		ret = events_apply(tracker, rec, sizeof(ev));
		if (ret)
			invalid++;
		else
			check_decoded(event_decode(rec, sizeof(ev), &ev), &ev, rec);
		FUZZ_CHECK(tracker_stats(tracker)->invalid == invalid);
		if ((off / sizeof(ev)) % 8 == 7)
			tracker_end_frame(tracker);
	}
	tracker__free(tracker);
	return 0;
}
