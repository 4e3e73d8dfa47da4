// SPDX-License-Identifier: GPL-2.0-only
#include "events.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "tracker.h"

_Static_assert(sizeof(struct ct_event) == CT_EVENT_SIZE, "kernel/user record layout changed");

int event_decode(const void *data, size_t size, struct ct_event *out)
{
	if (!data || size != sizeof(*out))
		return -EBADMSG;
	memcpy(out, data, sizeof(*out)); /* the ring buffer gives no alignment promise to rely on */
	if (out->type == 0 || out->type >= CT_EV_TYPE_MAX)
		return -EPROTO;
	if (out->family != AF_INET && out->family != AF_INET6)
		return -EAFNOSUPPORT;
	out->comm[CT_COMM_LEN - 1] = '\0';
	return 0;
}

int events_apply(struct tracker *tracker, const void *data, size_t size)
{
	struct ct_event event;
	int err = event_decode(data, size, &event);

	if (err) {
		tracker_count_invalid(tracker);
		return err;
	}
	tracker_apply(tracker, &event);
	return 0;
}
