/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TCP sockets that exist now, from the kernel's NETLINK_SOCK_DIAG dump (what ss uses): the
 * connections opened before the BPF programs were attached, and the periodic pass that heals what
 * the event stream missed. Everything here works on the calling thread's network namespace; the
 * caller setns()es into each namespace in turn.
 *
 * I/O and parsing are apart: sockdiag_parse() reads one buffer of netlink messages, and the tests
 * feed it recorded dumps.
 */
#ifndef CONNTOP_SOCKDIAG_H
#define CONNTOP_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>
#include "conntop/event.h"

/* Bits of a states mask: the kernel's TCP state numbers (1 = ESTABLISHED ... 12 = NEW_SYN_RECV). */
#define SOCKDIAG_STATE(state) (1u << (state))
#define SOCKDIAG_ALL_STATES   0x1ffeu

struct sockdiag_sock {
	uint64_t cookie; /* the socket cookie, the same value the BPF side records */
	uint64_t cgroup_id; /* cgroup v2 id of the owner; 0 when the kernel did not say */
	uint64_t bytes_acked; /* tcp_info counters, valid when has_info */
	uint64_t bytes_received;
	uint32_t total_retrans;
	uint32_t inode; /* 0 for TIME_WAIT and SYN_RECV sockets: they have no file */
	uint32_t uid;
	uint16_t lport; /* host byte order */
	uint16_t rport;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t state; /* TCP state */
	uint8_t has_info; /* the counters above came with the socket (not for TIME_WAIT) */
	uint8_t pad;
	uint8_t laddr[16]; /* as in struct ct_event: IPv4 in the first 4 bytes, rest zero */
	uint8_t raddr[16];
};

/* Called once per socket; returns 0 to go on or a negative errno to stop with that error. */
typedef int (*sockdiag_cb)(void *ctx, const struct sockdiag_sock *s);

/*
 * Parses one buffer of netlink messages, as one recv() on a NETLINK_SOCK_DIAG socket returns it,
 * calling @cb for each socket. Returns 1 when the buffer ends the reply (NLMSG_DONE, or an
 * acknowledgement), 0 when more is to come, or a negative errno: the kernel's (NLMSG_ERROR, or a
 * dump that failed), @cb's, or -EBADMSG for a message or attribute that does not fit. Sockets
 * before a bad message have been passed to @cb.
 */
int sockdiag_parse(const void *buf, size_t len, sockdiag_cb cb, void *ctx);

/*
 * Dumps the TCP sockets of the current network namespace, IPv4 then IPv6, whose state is in
 * @states (SOCKDIAG_STATE() bits), calling @cb for each. Returns 0 or a negative errno
 * (-ETIMEDOUT if the kernel stops answering for 2 s). The kernel walks its hash tables while
 * sockets come and go: one socket can be missed or seen twice, which the next pass mends.
 */
int sockdiag_dump(uint32_t states, sockdiag_cb cb, void *ctx);

/*
 * Asks whether the socket @key names still exists: the same family, addresses and ports, and the
 * same cookie (so not a new socket that reuses the 4-tuple). Fills @out and returns 0, or returns
 * -ENOENT when it is gone, or another negative errno.
 */
int sockdiag_lookup(const struct sockdiag_sock *key, struct sockdiag_sock *out);

/*
 * Which event a socket of a dump stands for; the dump does not say who opened a connection. A
 * LISTEN socket is CT_EV_LISTEN. A connection whose local address and port are those of a
 * listener of the same namespace (same family, listener bound to that address or to the
 * wildcard) is the server side: CT_EV_ACCEPT. Any other is CT_EV_CONNECT. @listeners holds the
 * LISTEN sockets of the same dump (others are ignored); the scan is linear.
 */
enum ct_event_type sockdiag_event_type(const struct sockdiag_sock *s,
				       const struct sockdiag_sock *listeners, size_t n_listeners);

/*
 * Fills @out as the record of @type (see sockdiag_event_type()) that seeds the socket @s of the
 * namespace @netns, stamped @now_ns (CLOCK_MONOTONIC). The owner is not known from a dump: the
 * record has CT_F_NO_TASK, and the pid comes later from /proc (procfs_socket_owners()). Its
 * traffic is the socket's tcp_info counts, when the dump had them.
 */
void sockdiag_to_event(const struct sockdiag_sock *s, uint32_t netns, uint64_t now_ns,
		       enum ct_event_type type, struct ct_event *out);

/* A socket's payload bytes and retransmits from its tcp_info (@s->has_info): SYN and FIN left out. */
void sockdiag_traffic(const struct sockdiag_sock *s, struct ct_traffic *out);

#endif /* CONNTOP_SOCKDIAG_H */
