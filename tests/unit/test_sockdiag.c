// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockdiag: the parser on dumps recorded from a real kernel, on truncated and hostile buffers,
 * and one real dump of this machine.
 *
 * Recordings (tests/fixtures/sockdiag/<name>.bin) are written by tests/helpers/sockdiag_record.c:
 * each datagram recv() returned, in order, as a 32-bit length in host byte order (recorded on
 * x86-64, little-endian) followed by that many bytes: the IPv4 dump, then the IPv6 dump, each
 * ending with NLMSG_DONE. <name>.txt holds the expected result: one line per socket, in dump
 * order, "DONE" where a datagram ended the dump. It was written from `ss -tanieH`, run in the
 * same network namespace right after the recording; see fmt_sock() for the fields. "side" is
 * what sockdiag_event_type() must say, from which ports the recording program listened on.
 *
 * basic:  127.0.0.1:5001 and [::1]:5002 listening, one connection to each with a few bytes each
 *         way, a dual-stack [::]:5003 with an IPv4 client (the server side is v4-mapped IPv6),
 *         a TIME_WAIT socket (no tcp_info), and sockets of uid 65534.
 * many:   40 connections, so each dump spans several datagrams.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "addr.h"
#include "sockdiag.h"

#define TCP_ESTABLISHED 1
#define TCP_TIME_WAIT	6
#define TCP_LISTEN	10
#define MAX_SOCKS	256

struct collected {
	struct sockdiag_sock socks[MAX_SOCKS];
	size_t n;
	int stop_at; /* return -ECANCELED for this socket (1-based); 0 = never */
};

static int collect(void *ctx, const struct sockdiag_sock *s)
{
	struct collected *c = ctx;

	if (c->n == MAX_SOCKS)
		return -ENOSPC;
	c->socks[c->n++] = *s;
	if (c->stop_at && (int)c->n == c->stop_at)
		return -ECANCELED;
	return 0;
}

struct file_buf {
	uint8_t *data;
	size_t len;
};

static struct file_buf read_fixture(const char *name)
{
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures";
	struct file_buf f = { 0 };
	char path[4096];
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/sockdiag/%s", dir, name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("failed to open %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fileno(fp), &st), 0);
	f.len = st.st_size;
	f.data = malloc(f.len + 1);
	assert_non_null(f.data);
	assert_int_equal(fread(f.data, 1, f.len, fp), f.len);
	f.data[f.len] = 0;
	fclose(fp);
	return f;
}

/* The @i-th datagram of a recording, copied to its own allocation so ASan sees overreads. */
static uint8_t *record_at(const struct file_buf *rec, size_t i, size_t *len)
{
	size_t off = 0;
	uint32_t n;
	uint8_t *copy;

	for (;;) {
		assert_true(off + sizeof(n) <= rec->len);
		memcpy(&n, rec->data + off, sizeof(n));
		assert_true(off + sizeof(n) + n <= rec->len);
		if (!i--)
			break;
		off += sizeof(n) + n;
	}
	copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, rec->data + off + sizeof(n), n);
	*len = n;
	return copy;
}

static size_t record_count(const struct file_buf *rec)
{
	size_t off = 0, count = 0;
	uint32_t n;

	while (off + sizeof(n) <= rec->len) {
		memcpy(&n, rec->data + off, sizeof(n));
		off += sizeof(n) + n;
		count++;
	}
	assert_int_equal(off, rec->len);
	return count;
}

static const char *side_name(enum ct_event_type type)
{
	switch (type) {
	case CT_EV_LISTEN:
		return "listen";
	case CT_EV_ACCEPT:
		return "in";
	case CT_EV_CONNECT:
		return "out";
	default:
		return "?";
	}
}

static void fmt_sock(char *line, size_t size, const struct sockdiag_sock *s,
		     const struct collected *all)
{
	char local[ADDR_PORT_LEN], remote[ADDR_PORT_LEN];
	int n;

	addr_format(local, sizeof(local), s->family, s->laddr, s->lport);
	addr_format(remote, sizeof(remote), s->family, s->raddr, s->rport);
	n = snprintf(line, size, "%s %s %s cookie=%llu inode=%u uid=%u cgroup=%llu ",
		     tcp_state_name(s->state), local, remote, (unsigned long long)s->cookie,
		     s->inode, s->uid, (unsigned long long)s->cgroup_id);
	if (s->has_info)
		n += snprintf(line + n, size - n, "acked=%llu received=%llu retrans=%u",
			      (unsigned long long)s->bytes_acked,
			      (unsigned long long)s->bytes_received, s->total_retrans);
	else
		n += snprintf(line + n, size - n, "info=none");
	snprintf(line + n, size - n, " side=%s\n",
		 side_name(sockdiag_event_type(s, all->socks, all->n)));
}

/* Parses every datagram of a recording, one sockdiag_parse() call each, into expected-file text. */
static char *parse_recording(const struct file_buf *rec, struct collected *all)
{
	size_t i, count = record_count(rec), size = 1 << 20, len = 0, first;
	char *text = malloc(size);
	int *done = calloc(count, sizeof(*done));
	size_t *ends = calloc(count, sizeof(*ends));

	assert_non_null(text);
	assert_non_null(done);
	assert_non_null(ends);
	for (i = 0; i < count; i++) {
		size_t n;
		uint8_t *buf = record_at(rec, i, &n);
		int rc = sockdiag_parse(buf, n, collect, all);

		assert_true(rc == 0 || rc == 1);
		done[i] = rc;
		ends[i] = all->n;
		free(buf);
	}
	/* Listeners are known only once the whole dump is parsed: format afterwards. */
	for (i = 0, first = 0; i < count; first = ends[i], i++) {
		size_t j;

		for (j = first; j < ends[i]; j++)
			fmt_sock(text + len, size - len, &all->socks[j], all),
				len += strlen(text + len);
		if (done[i])
			len += snprintf(text + len, size - len, "DONE\n");
	}
	free(done);
	free(ends);
	return text;
}

static void check_recording(const char *name, size_t min_records)
{
	char bin[64], txt[64];
	struct file_buf rec, expected;
	struct collected *all = calloc(1, sizeof(*all));
	char *text;

	assert_non_null(all);
	snprintf(bin, sizeof(bin), "%s.bin", name);
	snprintf(txt, sizeof(txt), "%s.txt", name);
	rec = read_fixture(bin);
	expected = read_fixture(txt);
	assert_true(record_count(&rec) >= min_records);
	text = parse_recording(&rec, all);
	if (strcmp(text, (char *)expected.data))
		fprintf(stderr, "parsed %s:\n%s", bin, text);
	assert_string_equal(text, (char *)expected.data);
	free(text);
	free(rec.data);
	free(expected.data);
	free(all);
}

static void test_recorded_basic(void **state)
{
	(void)state;
	check_recording("basic", 4);
}

static void test_recorded_many(void **state)
{
	(void)state;
	check_recording("many", 5); /* two data datagrams for a family at least */
}

/* The first datagram of the recording cut at every length: an error or whole sockets, no crash. */
static void test_truncated_datagram(void **state)
{
	struct file_buf rec = read_fixture("basic.bin");
	struct collected *all = calloc(1, sizeof(*all));
	size_t full_len, cut, full_count;
	uint8_t *full = record_at(&rec, 0, &full_len);

	(void)state;
	assert_non_null(all);
	assert_int_equal(sockdiag_parse(full, full_len, collect, all), 0);
	full_count = all->n;
	assert_true(full_count >= 2);
	for (cut = 0; cut < full_len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int rc;

		assert_non_null(copy);
		memcpy(copy, full, cut);
		all->n = 0;
		rc = sockdiag_parse(copy, cut, collect, all);
		free(copy);
		if (rc != -EBADMSG)
			assert_int_equal(rc, 0); /* cut exactly between messages */
		assert_true(all->n < full_count);
	}
	free(full);
	free(rec.data);
	free(all);
}

/*
 * The first message cut at every length with its header saying so: a cut inside struct
 * inet_diag_msg or inside an attribute is -EBADMSG; a cut between attributes is one clean socket
 * with what came before the cut.
 */
static void test_truncated_message(void **state)
{
	struct file_buf rec = read_fixture("basic.bin");
	struct collected *all = calloc(1, sizeof(*all));
	size_t full_len, cut, clean = 0, bad = 0;
	uint8_t *full = record_at(&rec, 0, &full_len);
	struct nlmsghdr h;
	struct sockdiag_sock whole;

	(void)state;
	assert_non_null(all);
	memcpy(&h, full, sizeof(h));
	all->stop_at = 1;
	assert_int_equal(sockdiag_parse(full, h.nlmsg_len, collect, all), -ECANCELED);
	whole = all->socks[0];
	assert_true(whole.has_info);
	all->stop_at = 0;
	for (cut = 0; cut <= h.nlmsg_len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct nlmsghdr patched = h;
		int rc;

		assert_non_null(copy);
		memcpy(copy, full, cut);
		patched.nlmsg_len = cut;
		if (cut >= sizeof(patched))
			memcpy(copy, &patched, sizeof(patched));
		all->n = 0;
		rc = sockdiag_parse(copy, cut, collect, all);
		free(copy);
		if (cut == 0) {
			assert_int_equal(rc, 0);
			assert_int_equal(all->n, 0);
		} else if (rc == -EBADMSG) {
			assert_int_equal(all->n, 0);
			bad++;
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(all->n, 1);
			assert_true(cut >= NLMSG_HDRLEN + sizeof(struct inet_diag_msg));
			assert_int_equal(all->socks[0].cookie, whole.cookie);
			assert_memory_equal(all->socks[0].laddr, whole.laddr, 16);
			if (all->socks[0].has_info)
				assert_int_equal(all->socks[0].bytes_acked, whole.bytes_acked);
			clean++;
		}
	}
	/* Clean: right after inet_diag_msg and after each attribute; bad: every cut before. */
	assert_true(clean >= 3);
	assert_true(bad >= NLMSG_HDRLEN + sizeof(struct inet_diag_msg) - 1);
	free(full);
	free(rec.data);
	free(all);
}

/* Builds a netlink message of @type with @payload into @buf at @off; returns the new offset. */
static size_t put_msg(uint8_t *buf, size_t off, uint16_t type, const void *payload, size_t len)
{
	struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(len), .nlmsg_type = type };

	memcpy(buf + off, &h, sizeof(h));
	if (len)
		memcpy(buf + off + NLMSG_HDRLEN, payload, len);
	return off + NLMSG_ALIGN(h.nlmsg_len);
}

static size_t put_attr(uint8_t *buf, size_t off, uint16_t type, const void *data, size_t len)
{
	struct rtattr rta = { .rta_len = RTA_LENGTH(len), .rta_type = type };

	memcpy(buf + off, &rta, sizeof(rta));
	memcpy(buf + off + RTA_LENGTH(0), data, len);
	return off + RTA_ALIGN(rta.rta_len);
}

/* A SOCK_DIAG_BY_FAMILY payload: inet_diag_msg, then tcp_info cut to @info_len, then a cgroup. */
static size_t make_sock(uint8_t *payload, const struct inet_diag_msg *m, size_t info_len,
			uint64_t cgroup)
{
	struct tcp_info info = { 0 };
	size_t off = NLMSG_ALIGN(sizeof(*m));

	info.tcpi_total_retrans = 7;
	info.tcpi_bytes_acked = 0x123456789aULL;
	info.tcpi_bytes_received = 42;
	memcpy(payload, m, sizeof(*m));
	if (info_len)
		off = put_attr(payload, off, INET_DIAG_INFO, &info, info_len);
	if (cgroup)
		off = put_attr(payload, off, INET_DIAG_CGROUP_ID, &cgroup, sizeof(cgroup));
	return off;
}

static void test_v4_fields(void **state)
{
	uint8_t payload[1024], buf[2048];
	struct inet_diag_msg m = {
		.idiag_family = AF_INET,
		.idiag_state = TCP_ESTABLISHED,
		.id = {
			.idiag_sport = htons(443),
			.idiag_dport = htons(51234),
			/* only word 0 is the address: the rest must not leak into laddr */
			.idiag_src = { htonl(0x0a000001), 0xdeadbeef, 1, 2 },
			.idiag_dst = { htonl(0xc0a80102), 3, 4, 5 },
			.idiag_cookie = { 0x11223344, 0x55667788 },
		},
		.idiag_uid = 1000,
		.idiag_inode = 987654,
	};
	static const uint8_t laddr[16] = { 10, 0, 0, 1 }, raddr[16] = { 192, 168, 1, 2 };
	struct collected *c = calloc(1, sizeof(*c));
	size_t len;

	(void)state;
	assert_non_null(c);
	len = make_sock(payload, &m, sizeof(struct tcp_info), 77);
	assert_int_equal(
		sockdiag_parse(buf, put_msg(buf, 0, SOCK_DIAG_BY_FAMILY, payload, len), collect, c),
		0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->socks[0].family, AF_INET);
	assert_int_equal(c->socks[0].state, TCP_ESTABLISHED);
	assert_int_equal(c->socks[0].lport, 443);
	assert_int_equal(c->socks[0].rport, 51234);
	assert_memory_equal(c->socks[0].laddr, laddr, 16);
	assert_memory_equal(c->socks[0].raddr, raddr, 16);
	assert_int_equal(c->socks[0].cookie, 0x5566778811223344ULL);
	assert_int_equal(c->socks[0].uid, 1000);
	assert_int_equal(c->socks[0].inode, 987654);
	assert_int_equal(c->socks[0].cgroup_id, 77);
	assert_int_equal(c->socks[0].has_info, 1);
	assert_int_equal(c->socks[0].bytes_acked, 0x123456789aULL);
	assert_int_equal(c->socks[0].bytes_received, 42);
	assert_int_equal(c->socks[0].total_retrans, 7);
	free(c);
}

static void test_v6_fields(void **state)
{
	uint8_t payload[1024], buf[2048];
	struct inet_diag_msg m = {
		.idiag_family = AF_INET6,
		.idiag_state = TCP_LISTEN,
		.id = { .idiag_sport = htons(8080), .idiag_cookie = { 5, 0 } },
	};
	uint8_t laddr[16], raddr[16] = { 0 };
	struct collected *c = calloc(1, sizeof(*c));
	size_t len;

	(void)state;
	assert_non_null(c);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1:2", laddr), 1);
	memcpy(m.id.idiag_src, laddr, 16);
	/* tcp_info of a kernel before 4.1: ends before the byte counters */
	len = make_sock(payload, &m, offsetof(struct tcp_info, tcpi_bytes_received) + 7, 0);
	assert_int_equal(
		sockdiag_parse(buf, put_msg(buf, 0, SOCK_DIAG_BY_FAMILY, payload, len), collect, c),
		0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->socks[0].family, AF_INET6);
	assert_int_equal(c->socks[0].lport, 8080);
	assert_int_equal(c->socks[0].rport, 0);
	assert_memory_equal(c->socks[0].laddr, laddr, 16);
	assert_memory_equal(c->socks[0].raddr, raddr, 16);
	assert_int_equal(c->socks[0].cookie, 5);
	assert_int_equal(c->socks[0].has_info, 0);
	assert_int_equal(c->socks[0].bytes_acked, 0);
	assert_int_equal(c->socks[0].cgroup_id, 0);
	free(c);
}

static int parse_one(uint16_t type, const void *payload, size_t len, struct collected *c)
{
	uint8_t buf[2048];

	return sockdiag_parse(buf, put_msg(buf, 0, type, payload, len), collect, c);
}

static void test_error_and_done(void **state)
{
	struct collected *c = calloc(1, sizeof(*c));
	struct nlmsgerr e = { .error = -EPERM };
	int status = -EINTR, zero = 0;
	uint8_t payload[1024], buf[4096];
	struct inet_diag_msg m = { .idiag_family = AF_INET };
	size_t off;

	(void)state;
	assert_non_null(c);
	assert_int_equal(parse_one(NLMSG_ERROR, &e, sizeof(e), c), -EPERM);
	e.error = 0; /* an acknowledgement */
	assert_int_equal(parse_one(NLMSG_ERROR, &e, sizeof(e), c), 1);
	e.error = 5;
	assert_int_equal(parse_one(NLMSG_ERROR, &e, sizeof(e), c), -EBADMSG);
	assert_int_equal(parse_one(NLMSG_ERROR, &e, 3, c), -EBADMSG);
	assert_int_equal(parse_one(NLMSG_DONE, &status, sizeof(status), c), -EINTR);
	assert_int_equal(parse_one(NLMSG_DONE, &zero, sizeof(zero), c), 1);
	assert_int_equal(parse_one(NLMSG_DONE, NULL, 0, c), 1);
	assert_int_equal(parse_one(NLMSG_NOOP, NULL, 0, c), 0);
	assert_int_equal(c->n, 0);

	/* A socket, then DONE, then junk that must not be read. */
	off = put_msg(buf, 0, SOCK_DIAG_BY_FAMILY, payload, make_sock(payload, &m, 0, 0));
	off = put_msg(buf, off, NLMSG_DONE, &zero, sizeof(zero));
	memset(buf + off, 0xff, 8);
	assert_int_equal(sockdiag_parse(buf, off + 8, collect, c), 1);
	assert_int_equal(c->n, 1);
	free(c);
}

static void test_callback_error(void **state)
{
	struct collected *c = calloc(1, sizeof(*c));
	struct inet_diag_msg m = { .idiag_family = AF_INET6 };
	uint8_t payload[1024], buf[4096];
	size_t off = 0, len = make_sock(payload, &m, 0, 0);
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 3; i++)
		off = put_msg(buf, off, SOCK_DIAG_BY_FAMILY, payload, len);
	c->stop_at = 2;
	assert_int_equal(sockdiag_parse(buf, off, collect, c), -ECANCELED);
	assert_int_equal(c->n, 2);
	free(c);
}

static void test_malformed(void **state)
{
	struct collected *c = calloc(1, sizeof(*c));
	struct inet_diag_msg m = { .idiag_family = AF_INET };
	uint8_t payload[1024], buf[2048];
	struct nlmsghdr h;
	struct rtattr rta;
	size_t len, off;

	(void)state;
	assert_non_null(c);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sockdiag_parse(buf, 15, collect, c), -EBADMSG); /* short header */
	assert_int_equal(sockdiag_parse(buf, 16, collect, c), -EBADMSG); /* nlmsg_len 0 */
	h = (struct nlmsghdr){ .nlmsg_len = 15, .nlmsg_type = NLMSG_NOOP };
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sockdiag_parse(buf, 16, collect, c), -EBADMSG);
	h.nlmsg_len = 17; /* longer than the buffer */
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(sockdiag_parse(buf, 16, collect, c), -EBADMSG);
	/* 3 stray bytes after a whole message */
	off = put_msg(buf, 0, NLMSG_NOOP, NULL, 0);
	assert_int_equal(sockdiag_parse(buf, off + 3, collect, c), -EBADMSG);

	/* payload shorter than inet_diag_msg */
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, &m, sizeof(m) - 1, c), -EBADMSG);
	/* a family that is not inet */
	m.idiag_family = AF_UNIX;
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, &m, sizeof(m), c), -EBADMSG);
	m.idiag_family = AF_INET;

	len = make_sock(payload, &m, 0, 99);
	rta = (struct rtattr){ .rta_len = 3, .rta_type = INET_DIAG_CGROUP_ID };
	memcpy(payload + sizeof(m), &rta, sizeof(rta)); /* attribute shorter than its header */
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, payload, len, c), -EBADMSG);
	rta.rta_len = 13; /* reaches past the message */
	memcpy(payload + sizeof(m), &rta, sizeof(rta));
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, payload, len, c), -EBADMSG);
	/* 2 bytes after the last attribute: not an attribute */
	len = make_sock(payload, &m, 0, 99);
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, payload, len + 2, c), -EBADMSG);
	/* a cgroup attribute too short to hold one is ignored, the socket is fine */
	rta.rta_len = RTA_LENGTH(4);
	memcpy(payload + sizeof(m), &rta, sizeof(rta));
	assert_int_equal(parse_one(SOCK_DIAG_BY_FAMILY, payload, sizeof(m) + RTA_LENGTH(4), c), 0);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->socks[0].cgroup_id, 0);
	free(c);
}

/* Random bytes, some behind a plausible header: only defined results, and no crash under ASan. */
static void test_garbage(void **state)
{
	struct collected *c = calloc(1, sizeof(*c));
	uint32_t x = 2463534242u;
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 20000; i++) {
		size_t len, j;
		uint8_t *buf;
		int rc;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		len = x % 600;
		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		for (j = 0; j < len; j++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			buf[j] = x;
		}
		if (len >= 16 && (i & 1)) { /* a header that fits, so the payload gets parsed */
			struct nlmsghdr h = { .nlmsg_len = len - (x % 8), .nlmsg_type = 20 };

			if (i & 2)
				h.nlmsg_type = x & 4 ? NLMSG_DONE : NLMSG_ERROR;
			memcpy(buf, &h, sizeof(h));
			if (len >= 18 + sizeof(struct inet_diag_msg))
				buf[16] = x & 8 ? AF_INET : AF_INET6;
		}
		c->n = 0;
		rc = sockdiag_parse(buf, len, collect, c);
		free(buf);
		assert_true(rc <= 1);
		assert_true(rc >= -4095);
	}
	free(c);
}

static struct sockdiag_sock sock_at(uint8_t family, const char *addr, uint16_t port, int state)
{
	struct sockdiag_sock s = { .family = family, .lport = port, .state = state };

	assert_int_equal(inet_pton(family, addr, s.laddr), 1);
	return s;
}

static void test_event_type(void **state)
{
	struct sockdiag_sock listeners[] = {
		sock_at(AF_INET, "0.0.0.0", 80, TCP_LISTEN),
		sock_at(AF_INET, "127.0.0.1", 22, TCP_LISTEN),
		sock_at(AF_INET6, "::1", 443, TCP_LISTEN),
		sock_at(AF_INET6, "::", 8080, TCP_LISTEN),
		sock_at(AF_INET, "10.0.0.1", 25, TCP_ESTABLISHED), /* not a listener: ignored */
	};
	struct sockdiag_sock s;
	size_t n = sizeof(listeners) / sizeof(listeners[0]);

	(void)state;
	assert_int_equal(sockdiag_event_type(&listeners[0], listeners, n), CT_EV_LISTEN);
	s = sock_at(AF_INET, "192.168.1.5", 80, TCP_ESTABLISHED); /* wildcard listener */
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_ACCEPT);
	s = sock_at(AF_INET, "127.0.0.1", 22, 8 /* CLOSE_WAIT */);
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_ACCEPT);
	s = sock_at(AF_INET, "10.0.0.1", 22, TCP_ESTABLISHED); /* 22 listens on loopback only */
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_CONNECT);
	s = sock_at(AF_INET6, "::1", 443, TCP_ESTABLISHED);
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_ACCEPT);
	s = sock_at(AF_INET, "127.0.0.1", 443, TCP_ESTABLISHED); /* other family */
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_CONNECT);
	s = sock_at(AF_INET6, "::ffff:10.1.1.1", 8080, TCP_ESTABLISHED); /* dual-stack child */
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_ACCEPT);
	s = sock_at(AF_INET, "10.0.0.1", 25, TCP_ESTABLISHED);
	assert_int_equal(sockdiag_event_type(&s, listeners, n), CT_EV_CONNECT);
	assert_int_equal(sockdiag_event_type(&s, NULL, 0), CT_EV_CONNECT);
}

static void test_to_event(void **state)
{
	struct sockdiag_sock s = sock_at(AF_INET6, "fe80::1", 5000, 8);
	struct ct_event ev;

	(void)state;
	assert_int_equal(sizeof(ev), CT_EVENT_SIZE);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::9", s.raddr), 1);
	s.rport = 40000;
	s.cookie = 0xabcdef0123ULL;
	s.cgroup_id = 4242;
	memset(&ev, 0xa5, sizeof(ev));
	sockdiag_to_event(&s, 4026531840u, 123456789, CT_EV_ACCEPT, &ev);
	assert_int_equal(ev.ts_ns, 123456789);
	assert_int_equal(ev.cookie, 0xabcdef0123ULL);
	assert_int_equal(ev.cgroup_id, 4242);
	assert_int_equal(ev.netns, 4026531840u);
	assert_int_equal(ev.type, CT_EV_ACCEPT);
	assert_int_equal(ev.flags, CT_F_NO_TASK);
	assert_int_equal(ev.pid, 0);
	assert_int_equal(ev.tid, 0);
	assert_int_equal(ev.proc_start_ns, 0);
	assert_int_equal(ev.family, AF_INET6);
	assert_int_equal(ev.state, 8);
	assert_int_equal(ev.lport, 5000);
	assert_int_equal(ev.rport, 40000);
	assert_int_equal(ev.pad, 0);
	assert_memory_equal(ev.laddr, s.laddr, 16);
	assert_memory_equal(ev.raddr, s.raddr, 16);
	assert_int_equal(ev.comm[0], 0);
}

/* A loopback listener on @family with the port the kernel picks, and a connection to it. */
struct real_conn {
	int listener, client, server;
	uint16_t port;
};

static void open_real_conn(int family, struct real_conn *rc)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len =
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	rc->listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(rc->listener >= 0);
	assert_int_equal(bind(rc->listener, (struct sockaddr *)&ss, len), 0);
	assert_int_equal(listen(rc->listener, 8), 0);
	assert_int_equal(getsockname(rc->listener, (struct sockaddr *)&ss, &len), 0);
	rc->port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in sockaddr_in6 */
	rc->client = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(rc->client >= 0);
	assert_int_equal(connect(rc->client, (struct sockaddr *)&ss, len), 0);
	rc->server = accept(rc->listener, NULL, NULL);
	assert_true(rc->server >= 0);
}

static uint64_t fd_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len), 0);
	return cookie;
}

static uint32_t fd_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static const struct sockdiag_sock *find_cookie(const struct collected *c, uint64_t cookie)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->socks[i].cookie == cookie)
			return &c->socks[i];
	return NULL;
}

/* Keeps only this test's sockets: the machine may have many others. */
struct filtered {
	struct collected c;
	uint64_t cookies[6];
};

static int collect_ours(void *ctx, const struct sockdiag_sock *s)
{
	struct filtered *f = ctx;
	size_t i;

	for (i = 0; i < 6; i++)
		if (s->cookie == f->cookies[i])
			return collect(&f->c, s);
	return 0;
}

static void check_real_conn(const struct collected *c, const struct real_conn *rc, int family)
{
	const struct sockdiag_sock *l = find_cookie(c, fd_cookie(rc->listener));
	const struct sockdiag_sock *cl = find_cookie(c, fd_cookie(rc->client));
	const struct sockdiag_sock *sv = find_cookie(c, fd_cookie(rc->server));

	assert_non_null(l);
	assert_non_null(cl);
	assert_non_null(sv);
	assert_int_equal(l->family, family);
	assert_int_equal(l->state, TCP_LISTEN);
	assert_int_equal(l->lport, rc->port);
	assert_int_equal(l->inode, fd_inode(rc->listener));
	assert_int_equal(l->uid, getuid());
	assert_int_equal(cl->state, TCP_ESTABLISHED);
	assert_int_equal(cl->rport, rc->port);
	assert_int_equal(cl->inode, fd_inode(rc->client));
	assert_int_equal(sv->lport, rc->port);
	assert_int_equal(sv->rport, cl->lport);
	assert_int_equal(sv->inode, fd_inode(rc->server));
	assert_true(cl->has_info && sv->has_info);
	assert_int_equal(sv->bytes_received, 1000);
	assert_int_equal(cl->bytes_received, 0);
	assert_int_equal(sockdiag_event_type(l, c->socks, c->n), CT_EV_LISTEN);
	assert_int_equal(sockdiag_event_type(cl, c->socks, c->n), CT_EV_CONNECT);
	assert_int_equal(sockdiag_event_type(sv, c->socks, c->n), CT_EV_ACCEPT);
}

static void test_real_dump(void **state)
{
	struct filtered *f = calloc(1, sizeof(*f));
	struct real_conn v4, v6;
	char data[1000] = { 0 };
	struct sockdiag_sock found;
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	int have_v6 = probe >= 0; /* IPv6 may be disabled on a CI machine */

	(void)state;
	assert_non_null(f);
	if (probe >= 0)
		close(probe);
	open_real_conn(AF_INET, &v4);
	if (have_v6)
		open_real_conn(AF_INET6, &v6);
	assert_int_equal(send(v4.client, data, sizeof(data), 0), sizeof(data));
	assert_int_equal(recv(v4.server, data, sizeof(data), MSG_WAITALL), sizeof(data));
	if (have_v6) {
		assert_int_equal(send(v6.client, data, sizeof(data), 0), sizeof(data));
		assert_int_equal(recv(v6.server, data, sizeof(data), MSG_WAITALL), sizeof(data));
	}
	f->cookies[0] = fd_cookie(v4.listener);
	f->cookies[1] = fd_cookie(v4.client);
	f->cookies[2] = fd_cookie(v4.server);
	if (have_v6) {
		f->cookies[3] = fd_cookie(v6.listener);
		f->cookies[4] = fd_cookie(v6.client);
		f->cookies[5] = fd_cookie(v6.server);
	}
	assert_int_equal(sockdiag_dump(SOCKDIAG_STATE(TCP_LISTEN) | SOCKDIAG_STATE(TCP_ESTABLISHED),
				       collect_ours, f),
			 0);
	assert_int_equal(f->c.n, have_v6 ? 6 : 3);
	check_real_conn(&f->c, &v4, AF_INET);
	if (have_v6)
		check_real_conn(&f->c, &v6, AF_INET6);

	/* The states mask is the kernel's filter: LISTEN only leaves the connections out. */
	f->c.n = 0;
	assert_int_equal(sockdiag_dump(SOCKDIAG_STATE(TCP_LISTEN), collect_ours, f), 0);
	assert_int_equal(f->c.n, have_v6 ? 2 : 1);

	/* Exact lookups: found while open, gone once closed, never a stranger with that tuple. */
	assert_int_equal(sockdiag_lookup(find_cookie(&f->c, f->cookies[0]), &found), 0);
	assert_int_equal(found.cookie, f->cookies[0]);
	assert_int_equal(found.inode, fd_inode(v4.listener));
	found.cookie++;
	assert_int_equal(sockdiag_lookup(&found, &found), -ENOENT);
	found.cookie = f->cookies[0];
	close(v4.listener);
	assert_int_equal(sockdiag_lookup(&found, &found), -ENOENT);
	close(v4.client);
	close(v4.server);
	if (have_v6) {
		close(v6.listener);
		close(v6.client);
		close(v6.server);
	}
	free(f);
}

/* tcp_info counts sequence numbers: SYN and FIN are not payload. */
static void test_traffic_leaves_out_syn_and_fin(void **state)
{
	struct sockdiag_sock s = { .has_info = 1,
				   .bytes_acked = 1001,
				   .bytes_received = 500,
				   .total_retrans = 3,
				   .state = 1 /* ESTABLISHED */ };
	struct ct_traffic t;

	(void)state;
	sockdiag_traffic(&s, &t);
	assert_int_equal(t.bytes_sent, 1000);
	assert_int_equal(t.bytes_received, 500);
	assert_int_equal(t.retransmits, 3);
	s.state = 8; /* CLOSE_WAIT: the peer's FIN came */
	s.bytes_received = 501;
	sockdiag_traffic(&s, &t);
	assert_int_equal(t.bytes_received, 500);
	s.state = 6; /* TIME_WAIT: ours was acknowledged too */
	s.bytes_acked = 1002;
	sockdiag_traffic(&s, &t);
	assert_int_equal(t.bytes_sent, 1000);
	assert_int_equal(t.bytes_received, 500);
	s.bytes_acked = 0; /* nothing acknowledged yet: no underflow */
	s.bytes_received = 0;
	sockdiag_traffic(&s, &t);
	assert_int_equal(t.bytes_sent, 0);
	assert_int_equal(t.bytes_received, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_basic),
		cmocka_unit_test(test_recorded_many),
		cmocka_unit_test(test_truncated_datagram),
		cmocka_unit_test(test_truncated_message),
		cmocka_unit_test(test_v4_fields),
		cmocka_unit_test(test_v6_fields),
		cmocka_unit_test(test_error_and_done),
		cmocka_unit_test(test_callback_error),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_event_type),
		cmocka_unit_test(test_to_event),
		cmocka_unit_test(test_real_dump),
		cmocka_unit_test(test_traffic_leaves_out_syn_and_fin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
