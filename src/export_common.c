// SPDX-License-Identifier: GPL-2.0-only
#include "export_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scratch.h"

/* 0, or the error of the first write that failed. */
int export_finish(FILE *out)
{
	if (fflush(out) || ferror(out))
		return -errno ?: -EIO;
	return 0;
}

/*
 * Strings in a snapshot are printable already, but a quote or a backslash still ends or bends a
 * quoted string, and a bug elsewhere must not make a document invalid: every string is escaped
 * here as if it came straight from a process.
 */

/* The length of the valid UTF-8 character at @s (of at most @n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2) /* a continuation byte, or the lead of an overlong 2-byte form */
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	if (!len) /* beyond U+10FFFF */
		return 0;
	cp = s[0] & (0x7f >> len); /* the lead's payload bits */
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff)) /* overlong, beyond Unicode, or a surrogate */
		return 0;
	return len;
}

#define REPLACEMENT_CHARACTER "\xef\xbf\xbd" /* U+FFFD, for each byte that is not UTF-8 */

/* Bytes that stand for themselves inside quotes, per language: printable ASCII but `"` and `\`. */
#define PLAIN_JSON 1
#define PLAIN_DOT  2
#define PLAIN_BOTH (PLAIN_JSON | PLAIN_DOT)

static const unsigned char plain[256] = {
	[0x20 ... 0x21] = PLAIN_BOTH, /* '"' is 0x22 */
	[0x23 ... 0x25] = PLAIN_BOTH, ['&'] = PLAIN_JSON, /* Graphviz reads entities */
	[0x27 ... 0x5b] = PLAIN_BOTH, /* '\\' is 0x5c */
	[0x5d ... 0x7e] = PLAIN_BOTH,
};

/* The escape of one byte that is not plain and does not start a valid UTF-8 character. */
static void put_escape(struct outbuf *ob, unsigned char c, enum quoting q)
{
	static const char hex[] = "0123456789abcdef";
	char *p = outbuf_room(ob, 8);

	if (c >= 0x80) {
		memcpy(p, REPLACEMENT_CHARACTER, 3);
		p += 3;
	} else if (c == '"' || c == '\\') {
		*p++ = '\\';
		*p++ = (char)c;
	} else if (c == '&') { /* show a name as it is, not as the entity it may spell */
		memcpy(p, "&amp;", 5);
		p += 5;
	} else if (q == QUOTE_JSON) { /* \u00XX */
		memcpy(p, "\\u00", 4);
		p[4] = hex[c >> 4];
		p[5] = hex[c & 0xf];
		p += 6;
	} else { /* \\xNN: the text \xNN, as sanitize writes it */
		memcpy(p, "\\\\x", 3);
		p[3] = hex[c >> 4];
		p[4] = hex[c & 0xf];
		p += 5;
	}
	ob->p = p;
}

/*
 * Runs of plain bytes and valid UTF-8 are copied whole; names are almost all plain ASCII, so the
 * common case is one table look-up a byte and one copy a string.
 */
void outbuf_escaped(struct outbuf *ob, const char *s, size_t max, enum quoting q)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char mask = q == QUOTE_JSON ? PLAIN_JSON : PLAIN_DOT;
	size_t i = 0, run = 0, len;

	for (;;) {
		while (i < max && (plain[p[i]] & mask))
			i++;
		if (i >= max || !p[i])
			break;
		/* A NUL is no continuation byte: a character cut by the end is not valid. */
		if (p[i] >= 0x80 && (len = utf8_len(p + i, max - i))) {
			i += len;
			continue;
		}
		outbuf_write(ob, p + run, i - run);
		put_escape(ob, p[i], q);
		run = ++i;
	}
	outbuf_write(ob, p + run, i - run);
}

void export_put_escaped(FILE *out, const char *s, size_t max, enum quoting q)
{
	char buf[1024];
	struct outbuf ob;

	outbuf_init(&ob, out, buf, sizeof(buf));
	outbuf_escaped(&ob, s, max, q);
	outbuf_flush(&ob);
}

/* 256 KiB: few write() calls for a frame of megabytes, and a size the caches still like. */
#define OUTBUF_SIZE (256 * 1024)

void outbuf_init(struct outbuf *ob, FILE *out, char *buf, size_t size)
{
	*ob = (struct outbuf){ .out = out, .buf = buf, .p = buf, .end = buf + size };
}

int outbuf_open(struct outbuf *ob, FILE *out)
{
	char *buf = scratch_alloc(OUTBUF_SIZE); /* for one frame's moment: not kept in the heap */

	if (!buf)
		return -ENOMEM;
	outbuf_init(ob, out, buf, OUTBUF_SIZE);
	ob->owned = true;
	return 0;
}

/* @n bytes at @s to the stream, unless a write failed before; records the first failure. */
static void outbuf_emit(struct outbuf *ob, const void *s, size_t n)
{
	if (!n || ob->err)
		return;
	if (!ob->out) /* a buffer in memory only, too small: never, by its size */
		ob->err = -ENOBUFS;
	else if (fwrite(s, 1, n, ob->out) != n)
		ob->err = -errno ?: -EIO;
}

void outbuf_flush(struct outbuf *ob)
{
	outbuf_emit(ob, ob->buf, (size_t)(ob->p - ob->buf));
	ob->p = ob->buf;
}

void outbuf_write_slow(struct outbuf *ob, const void *s, size_t n)
{
	outbuf_flush(ob);
	if (n > (size_t)(ob->end - ob->buf)) {
		outbuf_emit(ob, s, n);
		return;
	}
	memcpy(ob->p, s, n);
	ob->p += n;
}

int outbuf_close(struct outbuf *ob)
{
	int err;

	outbuf_flush(ob);
	err = export_finish(ob->out);
	if (ob->owned)
		scratch_free(ob->buf);
	ob->buf = ob->p = ob->end = NULL;
	return ob->err ?: err;
}

/*
 * "%.1f" by hand for what rates are (not negative, below 2^64): @v is m * 2^e exactly, so ten
 * times it is 10m shifted, and the bits shifted out say how to round, as glibc's printf does it.
 */
void outbuf_fixed1(struct outbuf *ob, double v)
{
	uint64_t bits, m, tenths, rest, half;
	int e, shift;
	char *p;

	memcpy(&bits, &v, sizeof(bits));
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((1ull << 52) - 1);
	if (bits >> 63 || e == 0x7ff || (e && e - 1075 > 11)) { /* negative, not finite, huge */
		char text[400];
		int n = snprintf(text, sizeof(text), "%.1f", v);

		if (n > 0)
			outbuf_write(ob, text,
				     (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
		return;
	}
	if (!e) { /* 0, or subnormal: far below 0.05 */
		tenths = 0;
	} else if ((shift = 1075 - e) <= 0) { /* a whole number */
		tenths = (m | 1ull << 52) << -shift;
		p = decimal_u64(outbuf_room(ob, DECIMAL_U64_LEN + 2), tenths);
		memcpy(p, ".0", 2);
		ob->p = p + 2;
		return;
	} else if (shift > 57) { /* 10m < 2^57: ten times @v is below one half */
		tenths = 0;
	} else {
		m = (m | 1ull << 52) * 10;
		tenths = m >> shift;
		rest = m & ((1ull << shift) - 1);
		half = 1ull << (shift - 1);
		if (rest > half || (rest == half && (tenths & 1)))
			tenths++;
	}
	p = decimal_u64(outbuf_room(ob, DECIMAL_U64_LEN + 2), tenths / 10);
	p[0] = '.';
	p[1] = (char)('0' + tenths % 10);
	ob->p = p + 2;
}

/* A process is its pid and start time; an address is itself. By hand: twice for every edge. */
size_t export_node_id(const struct snap_node *node, char *buf, size_t size)
{
	char text[NODE_ID_LEN], *p = text;
	size_t len;

	if (node->kind == NODE_PROCESS) {
		memcpy(p, "pid:", 4);
		p = decimal_u64(p + 4, node->pid);
		*p++ = ':';
		p = decimal_u64(p, node->start_ticks);
		len = (size_t)(p - text);
	} else {
		memcpy(p, "addr:", 5);
		len = 5 + strnlen(node->name, sizeof(node->name));
		memcpy(p + 5, node->name, len - 5);
	}
	if (!size)
		return 0;
	if (len >= size) /* as snprintf would: cut, terminated */
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return len;
}

/* "2026-11-18T11:06:40Z", or "" when the time cannot be written. */
void export_iso_time(const struct timespec *wall, char *buf, size_t size)
{
	struct tm tm;

	buf[0] = '\0';
	if (!gmtime_r(&wall->tv_sec, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
}
