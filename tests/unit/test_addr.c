// SPDX-License-Identifier: GPL-2.0-only
/* Addresses and states as people read them, and the sanitizing of outside strings. */
#include "test_util.h"

#include <errno.h>
#include <stdio.h>

#include "addr.h"
#include "sanitize.h"

static void formats_ipv4(void **state)
{
	unsigned char a[16] = { 0 };
	char buf[ADDR_PORT_LEN];

	(void)state;
	inet_pton(AF_INET, "192.168.10.200", a);
	assert_int_equal(addr_format(buf, sizeof(buf), AF_INET, a, 65535), 20);
	assert_string_equal(buf, "192.168.10.200:65535");
}

static void formats_ipv6_in_brackets(void **state)
{
	unsigned char a[16];
	char buf[ADDR_PORT_LEN];

	(void)state;
	inet_pton(AF_INET6, "::1", a);
	addr_format(buf, sizeof(buf), AF_INET6, a, 80);
	assert_string_equal(buf, "[::1]:80");
	inet_pton(AF_INET6, "::ffff:10.0.0.1", a);
	addr_format(buf, sizeof(buf), AF_INET6, a, 443);
	assert_string_equal(buf, "[::ffff:10.0.0.1]:443");
	memset(a, 0xff, sizeof(a)); /* the widest there is must fit */
	assert_int_equal(addr_format(buf, sizeof(buf), AF_INET6, a, 65535), ADDR_PORT_LEN - 1);
	assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* Written by hand for speed: the same text as inet_ntop() gives, for every shape of address. */
static void formats_as_inet_ntop_does(void **state)
{
	unsigned char a[16];
	char want[INET6_ADDRSTRLEN + 16], text[INET6_ADDRSTRLEN], got[ADDR_PORT_LEN];
	unsigned int seed = 1;
	int pattern, i, len;

	(void)state;
	for (pattern = 0; pattern < 256 * 16; pattern++) {
		/* Each of the 8 groups zero or not (every run of zeros), with values of every width. */
		for (i = 0; i < 8; i++) {
			unsigned int word = 0;

			if (pattern >> i & 1) {
				seed = seed * 1103515245 + 12345;
				word = (seed >> 8) & (0xffffu >> (4 * ((pattern >> 8) % 4)));
				word |= 1; /* not zero */
			}
			a[2 * i] = (unsigned char)(word >> 8);
			a[2 * i + 1] = (unsigned char)word;
		}
		if (pattern >> 10 & 1) { /* ::ffff:a.b.c.d and its neighbours */
			a[10] = a[11] = 0xff;
		}
		assert_non_null(inet_ntop(AF_INET6, a, text, sizeof(text)));
		len = snprintf(want, sizeof(want), "[%s]:%u", text, pattern);
		assert_int_equal(addr_format(got, sizeof(got), AF_INET6, a, (uint16_t)pattern),
				 len);
		assert_string_equal(got, want);
		assert_int_equal(addr_format_host(got, sizeof(got), AF_INET6, a), strlen(text));
		assert_string_equal(got, text);
		inet_ntop(AF_INET, a + 12, text, sizeof(text));
		len = snprintf(want, sizeof(want), "%s:%u", text, 65535 - pattern);
		assert_int_equal(
			addr_format(got, sizeof(got), AF_INET, a + 12, (uint16_t)(65535 - pattern)),
			len);
		assert_string_equal(got, want);
	}
	/* The special shapes: all zero, loopback, v4-compatible, v4-mapped, one zero group. */
	for (i = 0; i < 6; i++) {
		static const char *const shapes[] = {
			"::", "::1", "::1.2.3.4", "::ffff:1.2.3.4", "1:0:2:3:4:5:6:7", "0:0:1::"
		};

		inet_pton(AF_INET6, shapes[i], a);
		inet_ntop(AF_INET6, a, text, sizeof(text));
		addr_format_host(got, sizeof(got), AF_INET6, a);
		assert_string_equal(got, text);
	}
	/* Cut to fit, as snprintf: terminated, and the length it needed. */
	inet_pton(AF_INET, "192.168.10.200", a);
	assert_int_equal(addr_format(got, 8, AF_INET, a, 80), 17);
	assert_string_equal(got, "192.168");
}

static int sign(long long x)
{
	return (x > 0) - (x < 0);
}

/* The sort key of an address sorts as its text: every octet and port, v4 before "?" before v6. */
static void text_order_sorts_as_the_text(void **state)
{
	static const int families[] = { AF_INET, AF_INET, AF_INET, AF_INET6, 1 };
	unsigned char a[16] = { 0 }, b[16] = { 0 };
	char x[ADDR_PORT_LEN], y[ADDR_PORT_LEN];
	unsigned int seed = 3;
	int i, j;

	(void)state;
	for (i = 0; i < 200000; i++) {
		int fa = families[i % 5], fb = families[i / 5 % 5];
		uint16_t pa, pb;
		uint64_t ka, kb;
		bool ea, eb;

		for (j = 0; j < 16; j++) {
			seed = seed * 1103515245 + 12345;
			/* small numbers often: "5" against "50" and "500" is where texts differ */
			a[j] = (unsigned char)(seed >> 16 & 1 ? seed >> 8 : seed >> 8 & 7);
			b[j] = (unsigned char)(seed >> 17 & 1 ? seed >> 20 : (seed >> 20 & 1) * 5);
		}
		if (i & 1)
			memcpy(b, a, 3); /* the same first octets, often */
		seed = seed * 1103515245 + 12345;
		pa = (uint16_t)(seed >> 4 & 1 ? seed >> 8 : seed >> 8 & 0x3f);
		pb = (uint16_t)(i & 2 ? pa * 10 : seed >> 12);
		addr_format(x, sizeof(x), fa, a, pa);
		addr_format(y, sizeof(y), fb, b, pb);
		ka = addr_text_order(fa, a, pa, &ea);
		kb = addr_text_order(fb, b, pb, &eb);
		if (ka != kb)
			assert_int_equal(sign(ka < kb ? -1 : 1), sign(strcmp(x, y)));
		else if (ea && eb)
			assert_string_equal(x, y);
	}
}

static void refuses_unknown_family(void **state)
{
	unsigned char a[16] = { 0 };
	char buf[ADDR_PORT_LEN];

	(void)state;
	assert_int_equal(addr_format(buf, sizeof(buf), 1, a, 1), -EAFNOSUPPORT);
	assert_string_equal(buf, "?");
}

static void names_tcp_states(void **state)
{
	(void)state;
	assert_string_equal(tcp_state_name(1), "ESTABLISHED");
	assert_string_equal(tcp_state_name(10), "LISTEN");
	assert_string_equal(tcp_state_name(0), "UNKNOWN");
	assert_string_equal(tcp_state_name(200), "UNKNOWN");
}

static void sanitize_escapes_control_bytes(void **state)
{
	char out[64];
	const char evil[] = "\x1b[2Jx\ny\x7f";

	(void)state;
	sanitize(out, sizeof(out), evil, sizeof(evil));
	assert_string_equal(out, "\\x1b[2Jx\\x0ay\\x7f");
}

static void sanitize_keeps_utf8_and_escapes_invalid_bytes(void **state)
{
	char out[64];

	(void)state;
	sanitize(out, sizeof(out), "caf\xc3\xa9 \xe6\x97\xa5", 64);
	assert_string_equal(out, "caf\xc3\xa9 \xe6\x97\xa5");
	sanitize(out, sizeof(out), "a\xc3(b\xff\xc0\xaf", 64); /* cut sequence, 0xff, overlong */
	assert_string_equal(out, "a\\xc3(b\\xff\\xc0\\xaf");
	sanitize(out, sizeof(out), "\xed\xa0\x80", 64); /* a UTF-16 surrogate */
	assert_string_equal(out, "\\xed\\xa0\\x80");
}

static void sanitize_escapes_text_reordering(void **state)
{
	char out[64];

	(void)state;
	sanitize(out, sizeof(out),
		 "ab\xe2\x80\xae"
		 "cd\xc2\x9b",
		 64); /* RLO, C1 CSI */
	assert_string_equal(out, "ab\\u{202e}cd\\u{009b}");
}

static void sanitize_never_cuts_an_escape_or_a_character(void **state)
{
	char out[6];

	(void)state;
	assert_int_equal(sanitize(out, sizeof(out), "ab\x01", 3), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(sanitize(out, sizeof(out), "abcd\xc3\xa9", 6), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(sanitize(out, 1, "abc", 3), 0);
	/* Stops at the length given, even without a NUL. */
	assert_int_equal(sanitize(out, sizeof(out), "abcdef", 2), 2);
	assert_string_equal(out, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_ipv4),
		cmocka_unit_test(formats_ipv6_in_brackets),
		cmocka_unit_test(formats_as_inet_ntop_does),
		cmocka_unit_test(text_order_sorts_as_the_text),
		cmocka_unit_test(refuses_unknown_family),
		cmocka_unit_test(names_tcp_states),
		cmocka_unit_test(sanitize_escapes_control_bytes),
		cmocka_unit_test(sanitize_keeps_utf8_and_escapes_invalid_bytes),
		cmocka_unit_test(sanitize_escapes_text_reordering),
		cmocka_unit_test(sanitize_never_cuts_an_escape_or_a_character),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
