/* SPDX-License-Identifier: GPL-2.0-only */
/* Records built in code for the unit tests, with the fields a test cares about spelled out. */
#ifndef CONNTOP_TEST_UTIL_H
#define CONNTOP_TEST_UTIL_H

#include <arpa/inet.h>
#include <linux/types.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "conntop/event.h"

#define SEC_NS 1000000000ull

static inline struct ct_event test_event(enum ct_event_type type, __u64 cookie, __u64 ts_ns,
					 __u32 pid, const char *comm)
{
	struct ct_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.cookie = cookie;
	e.ts_ns = ts_ns;
	e.pid = pid;
	e.tid = pid;
	e.proc_start_ns = 1000ull * pid;
	e.netns = 4026531840u;
	e.family = AF_INET;
	e.state = type == CT_EV_CLOSE ? 4 /* FIN_WAIT1 */ : 1 /* ESTABLISHED */;
	e.lport = 40000;
	e.rport = 80;
	inet_pton(AF_INET, "127.0.0.1", e.laddr);
	inet_pton(AF_INET, "127.0.0.1", e.raddr);
	if (comm) {
		size_t n = 0;

		while (n < sizeof(e.comm) - 1 && comm[n]) /* cut as the kernel cuts it */
			n++;
		memcpy(e.comm, comm, n);
	} else {
		e.flags |= CT_F_NO_TASK;
	}
	return e;
}

/* A record with its addresses spelled as text: "10.0.0.1" or "::1". */
static inline struct ct_event test_event_addr(enum ct_event_type type, __u64 cookie, __u32 pid,
					      const char *comm, const char *laddr, __u16 lport,
					      const char *raddr, __u16 rport)
{
	struct ct_event e = test_event(type, cookie, SEC_NS, pid, comm);

	e.family = strchr(laddr, ':') ? AF_INET6 : AF_INET;
	memset(e.laddr, 0, sizeof(e.laddr));
	memset(e.raddr, 0, sizeof(e.raddr));
	inet_pton(e.family, laddr, e.laddr);
	inet_pton(e.family, raddr, e.raddr);
	e.lport = lport;
	e.rport = rport;
	return e;
}

#endif /* CONNTOP_TEST_UTIL_H */
