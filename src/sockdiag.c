// SPDX-License-Identifier: GPL-2.0-only
#include "sockdiag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

/* The kernel fills a dump datagram up to 32 KiB at most, so this buffer never truncates one. */
#define RECV_BUF_SIZE  (32 * 1024)
#define RECV_TIMEOUT_S 2
#define TCP_STATE_LISTEN \
	10 /* the kernel's TCP_LISTEN; <netinet/tcp.h> clashes with <linux/tcp.h> */
#define MAX_ERRNO 4095

/* tcp_info grew over the years: a field counts only when the attribute reaches its end. */
#define TCP_INFO_HAS(len, field) \
	((len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

/*
 * Buffers come from recv() or from a file, at any alignment: every field is copied out with
 * memcpy rather than read through a cast pointer.
 */
static void parse_tcp_info(const uint8_t *data, size_t len, struct sockdiag_sock *s)
{
	if (!TCP_INFO_HAS(len, tcpi_bytes_received))
		return; /* before Linux 4.1: the counters are not there, has_info stays 0 */
	memcpy(&s->total_retrans, data + offsetof(struct tcp_info, tcpi_total_retrans),
	       sizeof(s->total_retrans));
	memcpy(&s->bytes_acked, data + offsetof(struct tcp_info, tcpi_bytes_acked),
	       sizeof(s->bytes_acked));
	memcpy(&s->bytes_received, data + offsetof(struct tcp_info, tcpi_bytes_received),
	       sizeof(s->bytes_received));
	s->has_info = 1;
}

static void parse_attr(unsigned int type, const uint8_t *data, size_t len, struct sockdiag_sock *s)
{
	switch (type) {
	case INET_DIAG_INFO:
		parse_tcp_info(data, len, s);
		break;
	case INET_DIAG_CGROUP_ID:
		if (len >= sizeof(s->cgroup_id))
			memcpy(&s->cgroup_id, data, sizeof(s->cgroup_id));
		break;
	}
}

static int parse_attrs(const uint8_t *p, size_t len, struct sockdiag_sock *s)
{
	while (len >= sizeof(struct rtattr)) {
		struct rtattr rta;
		size_t step;

		memcpy(&rta, p, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len)
			return -EBADMSG;
		parse_attr(rta.rta_type & NLA_TYPE_MASK, p + RTA_LENGTH(0),
			   rta.rta_len - RTA_LENGTH(0), s);
		/* The last attribute's padding may be missing. */
		step = RTA_ALIGN(rta.rta_len) < len ? RTA_ALIGN(rta.rta_len) : len;
		p += step;
		len -= step;
	}
	return len ? -EBADMSG : 0;
}

static int parse_sock(const uint8_t *payload, size_t len, sockdiag_cb cb, void *ctx)
{
	struct sockdiag_sock s = { 0 };
	struct inet_diag_msg m;
	size_t addr_len;
	int err;

	if (len < sizeof(m))
		return -EBADMSG;
	memcpy(&m, payload, sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -EBADMSG;
	addr_len = m.idiag_family == AF_INET ? 4 : 16;
	s.family = m.idiag_family;
	s.state = m.idiag_state;
	s.lport = ntohs(m.id.idiag_sport);
	s.rport = ntohs(m.id.idiag_dport);
	memcpy(s.laddr, m.id.idiag_src, addr_len);
	memcpy(s.raddr, m.id.idiag_dst, addr_len);
	s.cookie = m.id.idiag_cookie[0] | (uint64_t)m.id.idiag_cookie[1] << 32;
	s.inode = m.idiag_inode;
	s.uid = m.idiag_uid;
	err = parse_attrs(payload + NLMSG_ALIGN(sizeof(m)), len - NLMSG_ALIGN(sizeof(m)), &s);
	if (err)
		return err;
	err = cb(ctx, &s);
	return err < 0 ? err : 0;
}

/* NLMSG_ERROR carries the request's result: 0 is an acknowledgement, which ends the reply. */
static int parse_error(const uint8_t *payload, size_t len)
{
	int error;

	if (len < sizeof(error))
		return -EBADMSG;
	memcpy(&error, payload, sizeof(error));
	if (error > 0 || error < -MAX_ERRNO)
		return -EBADMSG;
	return error ? error : 1;
}

/* NLMSG_DONE carries the dump's result: a dump cut short by an error ends with it. */
static int parse_done(const uint8_t *payload, size_t len)
{
	int error;

	if (len < sizeof(error))
		return 1;
	memcpy(&error, payload, sizeof(error));
	if (error < -MAX_ERRNO)
		return -EBADMSG;
	return error < 0 ? error : 1;
}

static int parse_msg(unsigned int type, const uint8_t *payload, size_t len, sockdiag_cb cb,
		     void *ctx)
{
	switch (type) {
	case NLMSG_DONE:
		return parse_done(payload, len);
	case NLMSG_ERROR:
		return parse_error(payload, len);
	case SOCK_DIAG_BY_FAMILY:
		return parse_sock(payload, len, cb, ctx);
	default:
		return 0; /* NLMSG_NOOP and the like */
	}
}

int sockdiag_parse(const void *buf, size_t len, sockdiag_cb cb, void *ctx)
{
	const uint8_t *p = buf;

	while (len) {
		struct nlmsghdr h;
		size_t step;
		int err;

		if (len < sizeof(h))
			return -EBADMSG;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return -EBADMSG;
		err = parse_msg(h.nlmsg_type, p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, cb,
				ctx);
		if (err)
			return err;
		step = NLMSG_ALIGN(h.nlmsg_len) < len ? NLMSG_ALIGN(h.nlmsg_len) : len;
		p += step;
		len -= step;
	}
	return 0;
}

static int open_diag_socket(void)
{
	struct timeval timeout = { .tv_sec = RECV_TIMEOUT_S };
	int fd, err;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	/* A dump must never hang the caller, which is also the UI's loop. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A dump when @id is NULL, else an exact lookup of the socket @id names. */
static int send_request(int fd, uint8_t family, uint32_t states, const struct inet_diag_sockid *id)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | (id ? 0 : NLM_F_DUMP),
		},
		.r = {
			.sdiag_family = family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_ext = 1 << (INET_DIAG_INFO - 1),
			.idiag_states = states,
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (id)
		req.r.id = *id;
	do {
		n = sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

static ssize_t recv_from_kernel(int fd, void *buf)
{
	for (;;) {
		struct sockaddr_nl from = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = RECV_BUF_SIZE };
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		/* Any process may send to our port id; only the kernel's replies count. */
		if (from.nl_pid != 0)
			continue;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		return n;
	}
}

/* Reads replies until the dump ends, or, for a lookup (!@dump), the one reply datagram. */
static int recv_replies(int fd, void *buf, int dump, sockdiag_cb cb, void *ctx)
{
	for (;;) {
		ssize_t n = recv_from_kernel(fd, buf);
		int err;

		if (n < 0)
			return n;
		err = sockdiag_parse(buf, n, cb, ctx);
		if (err || !dump)
			return err < 0 ? err : 0;
	}
}

int sockdiag_dump(uint32_t states, sockdiag_cb cb, void *ctx)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	void *buf = malloc(RECV_BUF_SIZE);
	int fd, err = 0;
	size_t i;

	if (!buf)
		return -ENOMEM;
	fd = open_diag_socket();
	if (fd < 0) {
		free(buf);
		return fd;
	}
	for (i = 0; i < sizeof(families) && !err; i++) {
		err = send_request(fd, families[i], states, NULL);
		if (!err)
			err = recv_replies(fd, buf, 1, cb, ctx);
	}
	close(fd);
	free(buf);
	return err;
}

struct lookup_result {
	struct sockdiag_sock *out;
	int found;
};

static int lookup_cb(void *ctx, const struct sockdiag_sock *s)
{
	struct lookup_result *res = ctx;

	*res->out = *s;
	res->found = 1;
	return 0;
}

int sockdiag_lookup(const struct sockdiag_sock *key, struct sockdiag_sock *out)
{
	struct lookup_result res = { .out = out };
	struct inet_diag_sockid id = {
		.idiag_sport = htons(key->lport),
		.idiag_dport = htons(key->rport),
		.idiag_cookie = { (uint32_t)key->cookie, (uint32_t)(key->cookie >> 32) },
	};
	void *buf;
	int fd, err;

	memcpy(id.idiag_src, key->laddr, sizeof(id.idiag_src));
	memcpy(id.idiag_dst, key->raddr, sizeof(id.idiag_dst));
	buf = malloc(RECV_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	fd = open_diag_socket();
	err = fd < 0 ? fd : send_request(fd, key->family, SOCKDIAG_ALL_STATES, &id);
	if (!err)
		err = recv_replies(fd, buf, 0, lookup_cb, &res);
	if (fd >= 0)
		close(fd);
	free(buf);
	/* The kernel says -ENOENT itself, also when the 4-tuple is another socket's (cookie). */
	if (!err && !res.found)
		return -ENOENT;
	return err;
}

static int listener_matches(const struct sockdiag_sock *l, const struct sockdiag_sock *s)
{
	static const uint8_t any[16];
	size_t addr_len = s->family == AF_INET ? 4 : 16;

	return l->state == TCP_STATE_LISTEN && l->family == s->family && l->lport == s->lport &&
	       (!memcmp(l->laddr, any, addr_len) || !memcmp(l->laddr, s->laddr, addr_len));
}

enum ct_event_type sockdiag_event_type(const struct sockdiag_sock *s,
				       const struct sockdiag_sock *listeners, size_t n_listeners)
{
	size_t i;

	if (s->state == TCP_STATE_LISTEN)
		return CT_EV_LISTEN;
	for (i = 0; i < n_listeners; i++)
		if (listener_matches(&listeners[i], s))
			return CT_EV_ACCEPT;
	return CT_EV_CONNECT;
}

void sockdiag_to_event(const struct sockdiag_sock *s, uint32_t netns, uint64_t now_ns,
		       enum ct_event_type type, struct ct_event *out)
{
	memset(out, 0, sizeof(*out));
	out->ts_ns = now_ns;
	out->cookie = s->cookie;
	out->cgroup_id = s->cgroup_id;
	out->netns = netns;
	out->type = type;
	out->flags = CT_F_NO_TASK;
	out->family = s->family;
	out->state = s->state;
	out->lport = s->lport;
	out->rport = s->rport;
	memcpy(out->laddr, s->laddr, sizeof(out->laddr));
	memcpy(out->raddr, s->raddr, sizeof(out->raddr));
	if (s->has_info)
		sockdiag_traffic(s, &out->traffic);
}

/* TCP states by number, as the kernel's. */
enum {
	STATE_FIN_WAIT2 = 5,
	STATE_TIME_WAIT = 6,
	STATE_CLOSE_WAIT = 8,
	STATE_LAST_ACK = 9,
	STATE_CLOSING = 11,
};

/*
 * tcp_info counts sequence numbers: bytes_acked includes our SYN, and our FIN once it is
 * acknowledged; bytes_received includes the peer's FIN once it came. Payload is what is left.
 */
void sockdiag_traffic(const struct sockdiag_sock *s, struct ct_traffic *out)
{
	uint64_t syn_fin = s->bytes_acked ? 1 : 0;
	uint64_t fin_in = 0;

	if (s->state == STATE_FIN_WAIT2 || s->state == STATE_TIME_WAIT)
		syn_fin++;
	if (s->state == STATE_CLOSE_WAIT || s->state == STATE_LAST_ACK ||
	    s->state == STATE_CLOSING || s->state == STATE_TIME_WAIT)
		fin_in = 1;
	memset(out, 0, sizeof(*out));
	out->bytes_sent = s->bytes_acked > syn_fin ? s->bytes_acked - syn_fin : 0;
	out->bytes_received = s->bytes_received > fin_in ? s->bytes_received - fin_in : 0;
	out->retransmits = s->total_retrans;
}
