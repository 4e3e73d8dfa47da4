// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records the kernel's NETLINK_SOCK_DIAG replies for tests/unit/test_sockdiag.c: a dump of the TCP
 * sockets in every state, IPv4 then IPv6, with INET_DIAG_INFO, as conntop asks for them.
 *
 * Usage: sockdiag_record FILE
 *
 * FILE holds each datagram that recv() returned, in order, as a record: its length as a 32-bit
 * unsigned integer in the recording machine's byte order, then that many bytes. Netlink itself is
 * in host byte order, so a recording is read back on a machine of the same byte order.
 * Stand-alone on purpose: it records what the kernel says, not what conntop's code makes of it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#define BUF_SIZE (32 * 1024)

static int send_dump(int fd, uint8_t family)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.r = {
			.sdiag_family = family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_ext = 1 << (INET_DIAG_INFO - 1),
			.idiag_states = 0x1ffe, /* every TCP state */
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		fprintf(stderr, "failed to send dump request: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* 1 if the datagram holds NLMSG_DONE or NLMSG_ERROR: the dump is over. */
static int dump_ends(const uint8_t *buf, size_t len)
{
	struct nlmsghdr h;

	while (len >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR)
			return 1;
		if (h.nlmsg_len < sizeof(h) || NLMSG_ALIGN(h.nlmsg_len) >= len)
			break;
		buf += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}

static int record_dump(int fd, FILE *out)
{
	uint8_t buf[BUF_SIZE];
	uint32_t len;
	ssize_t n;

	do {
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || n > (ssize_t)sizeof(buf)) {
			fprintf(stderr, "failed to receive dump: %s\n",
				n < 0 ? strerror(errno) : "datagram truncated");
			return -1;
		}
		len = n;
		if (fwrite(&len, sizeof(len), 1, out) != 1 || fwrite(buf, 1, len, out) != len) {
			fprintf(stderr, "failed to write recording: %s\n", strerror(errno));
			return -1;
		}
	} while (n < 0 || !dump_ends(buf, n));
	return 0;
}

int main(int argc, char **argv)
{
	struct timeval timeout = { .tv_sec = 2 };
	FILE *out;
	int fd, err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout))) {
		fprintf(stderr, "failed to open sock_diag socket: %s\n", strerror(errno));
		return 1;
	}
	out = fopen(argv[1], "wb");
	if (!out) {
		fprintf(stderr, "failed to open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = send_dump(fd, AF_INET) || record_dump(fd, out) || send_dump(fd, AF_INET6) ||
	      record_dump(fd, out);
	if (fclose(out) && !err) {
		fprintf(stderr, "failed to write %s: %s\n", argv[1], strerror(errno));
		err = 1;
	}
	close(fd);
	return err ? 1 : 0;
}
