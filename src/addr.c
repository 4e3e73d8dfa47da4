// SPDX-License-Identifier: GPL-2.0-only
#include "addr.h"
#include "decimal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Formatting is on the path of every row a frame sorts or prints (50,000 rows a frame and more):
 * done by hand, not with snprintf and inet_ntop (glibc's formats each part with sprintf), which
 * took 42 % of conntop's instructions in a replayed churn. The output is inet_ntop's, byte for
 * byte: tests/unit/test_addr.c compares the two.
 */

static char *put_ipv4(char *p, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = decimal_u64(p, a[i]);
	}
	return p;
}

/* @value in lower-case hex, no leading zeros. */
static char *put_hex(char *p, unsigned int value)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !(value >> shift & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[value >> shift & 0xf];
	return p;
}

/* RFC 5952 as glibc's inet_ntop writes it: the longest run of two or more zero groups is "::". */
static char *put_ipv6(char *p, const uint8_t *a)
{
	int best = -1, best_len = 0, cur = -1, cur_len = 0, i;
	unsigned int words[8];

	for (i = 0; i < 8; i++) {
		words[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (!words[i]) {
			if (cur < 0)
				cur = i, cur_len = 0;
			cur_len++;
			if (cur_len > best_len)
				best = cur, best_len = cur_len;
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)))
			return put_ipv4(p, a + 12); /* "::a.b.c.d", "::ffff:a.b.c.d" */
		p = put_hex(p, words[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

/* As snprintf: what fits of @text into @buf, always terminated; returns the length it needed. */
static int put_out(char *buf, size_t size, const char *text, size_t len)
{
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, text, n);
		buf[n] = '\0';
	}
	return (int)len;
}

int addr_format(char *buf, size_t size, int family, const uint8_t *addr, uint16_t port)
{
	char text[ADDR_PORT_LEN], *p = text;

	if (family == AF_INET) {
		p = put_ipv4(p, addr);
	} else if (family == AF_INET6) {
		*p++ = '[';
		p = put_ipv6(p, addr);
		*p++ = ']';
	} else {
		snprintf(buf, size, "?");
		return -EAFNOSUPPORT;
	}
	*p++ = ':';
	p = decimal_u64(p, port);
	return put_out(buf, size, text, (size_t)(p - text));
}

int addr_format_host(char *buf, size_t size, int family, const uint8_t *addr)
{
	char text[ADDR_PORT_LEN], *p = text;

	if (family == AF_INET) {
		p = put_ipv4(p, addr);
	} else if (family == AF_INET6) {
		p = put_ipv6(p, addr);
	} else {
		snprintf(buf, size, "?");
		return -EAFNOSUPPORT;
	}
	return put_out(buf, size, text, (size_t)(p - text));
}

int addr_text_len(int family, const uint8_t *addr, uint16_t port)
{
	char text[ADDR_PORT_LEN];
	int len;

	if (family != AF_INET) {
		len = addr_format(text, sizeof(text), family, addr, port);
		return len < 0 ? 1 : len; /* "?" */
	}
	return (addr[0] < 10  ? 1 :
		addr[0] < 100 ? 2 :
				3) +
	       (addr[1] < 10  ? 1 :
		addr[1] < 100 ? 2 :
				3) +
	       (addr[2] < 10  ? 1 :
		addr[2] < 100 ? 2 :
				3) +
	       (addr[3] < 10  ? 1 :
		addr[3] < 100 ? 2 :
				3) +
	       3 + 1 + (int)decimal_u64_len(port);
}

/*
 * A number's decimal text followed by a separator, as a number in base 11 over @width digit
 * places that compares as the text does: each digit d is d + @shift, a place past the end is
 * @pad (0 for a separator below '0', as '.' and the end; 10 for one above '9', as ':').
 */
static uint64_t decimal_order(unsigned int value, int width, unsigned int shift, unsigned int pad)
{
	int n = (int)decimal_u64_len(value), i;
	unsigned int scale = 1;
	uint64_t code = 0;

	for (i = 1; i < n; i++)
		scale *= 10;
	for (i = 0; i < width; i++, scale /= 10)
		code = code * 11 + (i < n ? value / scale % 10 + shift : pad);
	return code;
}

/* decimal_order(port, 5, 1, 0), straight-line: once per row of every frame. */
static uint64_t port_order(unsigned int p)
{
	unsigned int d4 = p % 10 + 1, q = p / 10, d3 = q % 10 + 1, d2, d1, d0;

	q /= 10;
	d2 = q % 10 + 1;
	q /= 10;
	d1 = q % 10 + 1;
	d0 = q / 10 + 1;
	if (p >= 10000)
		return (((d0 * 11ull + d1) * 11 + d2) * 11 + d3) * 11 + d4;
	if (p >= 1000)
		return (((d1 * 11ull + d2) * 11 + d3) * 11 + d4) * 11;
	if (p >= 100)
		return ((d2 * 11ull + d3) * 11 + d4) * 121;
	if (p >= 10)
		return (d3 * 11ull + d4) * 1331;
	return d4 * 14641ull;
}

/* decimal_order() of every octet, followed by '.' and by ':', worked out once. */
static uint16_t octet_dot[256], octet_colon[256];

static void octet_orders(void)
{
	static bool done;
	unsigned int i;

	if (done)
		return;
	for (i = 0; i < 256; i++) {
		octet_dot[i] = (uint16_t)decimal_order(i, 3, 1, 0);
		octet_colon[i] = (uint16_t)decimal_order(i, 3, 0, 10);
	}
	done = true;
}

uint64_t addr_text_order(int family, const uint8_t *addr, uint16_t port, bool *exact)
{
	char text[ADDR_PORT_LEN] = { 0 };
	uint64_t key = 0;
	int i;

	*exact = true;
	if (family == AF_INET) {
		/* "a.b.c.d:port": each part and its separator compares as its text (see above). */
		octet_orders();
		key = (uint64_t)octet_dot[addr[0]] << 33 | (uint64_t)octet_dot[addr[1]] << 22 |
		      (uint64_t)octet_dot[addr[2]] << 11 | octet_colon[addr[3]];
		return key << 18 | port_order(port); /* "p" and its end */
	}
	if (family != AF_INET6)
		return 2ull << 62; /* "?": after any digit, before '[' */
	/* "[...]": after "?"; its first 7 characters after the bracket, then the whole text. */
	addr_format(text, sizeof(text), family, addr, port);
	for (i = 1; i < 8; i++)
		key = key << 8 | (unsigned char)text[i]; /* IPv6 text is longer: no NUL yet */
	*exact = false;
	return 3ull << 62 | key;
}

const char *tcp_state_name(unsigned int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT",	[3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2",   [6] = "TIME_WAIT", [7] = "CLOSE",	  [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK",    [10] = "LISTEN",	[11] = "CLOSING", [12] = "NEW_SYN_RECV",
	};

	if (state >= sizeof(names) / sizeof(names[0]) || !names[state])
		return "UNKNOWN";
	return names[state];
}
