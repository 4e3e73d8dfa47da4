// SPDX-License-Identifier: GPL-2.0-only
#include "export_common.h"

#include <errno.h>
#include <string.h>
#include <time.h>

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

/*
 * The inside of a quoted string: the bytes of @s up to a NUL or @max, as valid UTF-8 that cannot
 * end the string. `"` and `\` are escaped with a backslash in both languages.
 */
void export_put_escaped(FILE *out, const char *s, size_t max, enum quoting q)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max), i = 0, run = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len = utf8_len(p + i, n - i);

		if (len && c >= 0x20 && c != 0x7f && c != '"' && c != '\\' &&
		    !(q == QUOTE_DOT && c == '&')) {
			i += len;
			continue;
		}
		fwrite(p + run, 1, i - run, out); /* the plain run before this byte */
		if (!len)
			fputs(REPLACEMENT_CHARACTER, out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '&') /* Graphviz reads entities in labels: show a name as it is */
			fputs("&amp;", out);
		else if (q == QUOTE_JSON)
			fprintf(out, "\\u%04x", c);
		else
			fprintf(out, "\\\\x%02x", c);
		run = ++i;
	}
	fwrite(p + run, 1, i - run, out);
}

/* A process is its pid and start time; an address is itself. */
void export_node_id(const struct snap_node *node, char *buf, size_t size)
{
	if (node->kind == NODE_PROCESS)
		snprintf(buf, size, "pid:%u:%llu", node->pid,
			 (unsigned long long)node->start_ticks);
	else
		snprintf(buf, size, "addr:%.*s", (int)sizeof(node->name), node->name);
}

/* "2026-11-18T11:06:40Z", or "" when the time cannot be written. */
void export_iso_time(const struct timespec *wall, char *buf, size_t size)
{
	struct tm tm;

	buf[0] = '\0';
	if (!gmtime_r(&wall->tv_sec, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
}
