// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockdiag_parse(), on input framed as the recordings of tests/fixtures/sockdiag (each datagram as a 32-bit
 * length in host order, then its bytes), so the recorded dumps are seeds as they are. Datagrams
 * are parsed in turn, each in its own allocation, until one ends the reply or fails, as
 * sockdiag_dump() does. Every socket passed on must be well-formed, and the record it seeds must
 * pass the validation kernel records get.
 */
#include <errno.h>
#include <sys/socket.h>

#include "events.h"
#include "fuzz.h"
#include "sockdiag.h"

#define MAX_SOCKS 512

struct dump {
	struct sockdiag_sock socks[MAX_SOCKS];
	size_t n;
};

static int on_sock(void *ctx, const struct sockdiag_sock *s)
{
	static const uint8_t zero[12];
	struct dump *d = ctx;

	FUZZ_CHECK(s->family == AF_INET || s->family == AF_INET6);
	if (s->family == AF_INET)
		FUZZ_CHECK(!memcmp(s->laddr + 4, zero, 12) && !memcmp(s->raddr + 4, zero, 12));
	FUZZ_CHECK(s->has_info <= 1 && !s->pad);
	if (!s->has_info)
		FUZZ_CHECK(!s->bytes_acked && !s->bytes_received && !s->total_retrans);
	if (d->n < MAX_SOCKS)
		d->socks[d->n++] = *s;
	return 0;
}

/* What seeding makes of the dump: every socket becomes a record the tracker accepts. */
static void check_seeds(const struct dump *d)
{
	struct sockdiag_sock listeners[MAX_SOCKS];
	struct ct_event ev, decoded;
	size_t i, nl = 0;

	for (i = 0; i < d->n; i++)
		if (sockdiag_event_type(&d->socks[i], NULL, 0) == CT_EV_LISTEN)
			listeners[nl++] = d->socks[i];
	for (i = 0; i < d->n; i++) {
		enum ct_event_type type = sockdiag_event_type(&d->socks[i], listeners, nl);

		FUZZ_CHECK(type == CT_EV_LISTEN || type == CT_EV_ACCEPT || type == CT_EV_CONNECT);
		sockdiag_to_event(&d->socks[i], 4026531840u, 1000, type, &ev);
		FUZZ_CHECK(!event_decode(&ev, sizeof(ev), &decoded));
		FUZZ_CHECK(!memcmp(&ev, &decoded, sizeof(ev)));
		if (!d->socks[i].has_info)
			FUZZ_CHECK(!ev.traffic.bytes_sent && !ev.traffic.bytes_received);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dump d;
	size_t off = 0;
	int ret = 0;

	d.n = 0;
	while (off < size && ret == 0) {
		uint32_t n = size - off;
		char *dgram;

		if (size - off >= sizeof(n)) {
			memcpy(&n, data + off, sizeof(n));
			off += sizeof(n);
			if (n > size - off)
				n = size - off; /* a cut recording: what is left */
		}
		dgram = fuzz_dup(data + off, n);
		ret = sockdiag_parse(dgram, n, on_sock, &d);
		free(dgram);
		FUZZ_CHECK(ret == 0 || ret == 1 || (ret < 0 && ret >= -4095));
		off += n;
		if (!n)
			break; /* an empty datagram: the socket would have failed first */
	}
	check_seeds(&d);
	return 0;
}
