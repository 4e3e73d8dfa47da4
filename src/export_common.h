/* SPDX-License-Identifier: GPL-2.0-only */
/* What the export formats share: error checks, quoting, node ids. Not for use outside export*.c. */
#ifndef CONNTOP_EXPORT_COMMON_H
#define CONNTOP_EXPORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"

#include "snapshot.h"

/* A char array and its size, so no string is read past its field even without a NUL. */
#define FIELD(array) (array), sizeof(array)

enum quoting {
	QUOTE_JSON, /* control characters as \u00XX */
	QUOTE_DOT, /* control characters as the text \xNN (as sanitize writes them), & as &amp; */
};

/* 0, or the error of the first write that failed. */
int export_finish(FILE *out);

/*
 * A frame's text gathered in memory and handed to the stream in large pieces: one stdio call per
 * field (printf parsing its format each time) made a 20,000-row frame take 30 ms to write.
 */
struct outbuf {
	FILE *out;
	char *buf, *p, *end; /* the buffer, where the next byte goes, the end of the buffer */
	bool owned; /* buf was allocated by outbuf_open() */
	int err; /* -errno of the first write that failed; what comes after it is dropped */
};

/* The most outbuf_room() may be asked for: room for any number or escape, and a bit more. */
#define OUTBUF_ROOM 64

/* On @out, into a buffer of its own; -ENOMEM. outbuf_close() frees it. */
int outbuf_open(struct outbuf *ob, FILE *out);

/*
 * On @out, into @buf (of at least OUTBUF_ROOM bytes), which the caller owns. With @out NULL, the
 * text stays in @buf (ob->p is its end), which must be large enough for it and OUTBUF_ROOM more:
 * past that, what was gathered is dropped and ob->err set.
 */
void outbuf_init(struct outbuf *ob, FILE *out, char *buf, size_t size);

/* Hands what is gathered to the stream; records the first error. */
void outbuf_flush(struct outbuf *ob);

/* Flushes the buffer and the stream, frees the buffer: 0, or the first error (export_finish). */
int outbuf_close(struct outbuf *ob);

void outbuf_write_slow(struct outbuf *ob, const void *s, size_t n);

/* Room for @n (at most OUTBUF_ROOM) bytes at ob->p; the caller moves ob->p past what it writes. */
static inline char *outbuf_room(struct outbuf *ob, size_t n)
{
	if ((size_t)(ob->end - ob->p) < n)
		outbuf_flush(ob);
	return ob->p;
}

static inline void outbuf_write(struct outbuf *ob, const void *s, size_t n)
{
	if ((size_t)(ob->end - ob->p) >= n) {
		memcpy(ob->p, s, n);
		ob->p += n;
	} else {
		outbuf_write_slow(ob, s, n);
	}
}

/* A string literal, its length known when compiling. */
#define outbuf_lit(ob, lit) outbuf_write((ob), "" lit, sizeof(lit) - 1)

static inline void outbuf_puts(struct outbuf *ob, const char *s)
{
	outbuf_write(ob, s, strlen(s));
}

static inline void outbuf_putc(struct outbuf *ob, char c)
{
	*outbuf_room(ob, 1) = c;
	ob->p++;
}

/* @v in decimal, as "%llu". */
static inline void outbuf_u64(struct outbuf *ob, uint64_t v)
{
	ob->p = decimal_u64(outbuf_room(ob, DECIMAL_U64_LEN), v);
}

/* @v with one decimal, as "%.1f" writes it (rounded from its exact binary value, ties to even). */
void outbuf_fixed1(struct outbuf *ob, double v);

/*
 * The inside of a quoted string: the bytes of @s up to a NUL or @max, as valid UTF-8 that cannot
 * end the string. `"` and `\` are escaped with a backslash in both languages.
 */
void outbuf_escaped(struct outbuf *ob, const char *s, size_t max, enum quoting q);

/* outbuf_escaped() straight onto a stream. */
void export_put_escaped(FILE *out, const char *s, size_t max, enum quoting q);

/*
 * A process is its pid and start time ("pid:12:345"); an address is itself ("addr:10.0.0.1").
 * Returns the length written (cut to fit @size, as snprintf would).
 */
size_t export_node_id(const struct snap_node *node, char *buf, size_t size);
#define NODE_ID_LEN (SNAP_NAME_LEN + 8)

/* "2026-11-18T11:06:40Z", or "" when the time cannot be written. */
void export_iso_time(const struct timespec *wall, char *buf, size_t size);

#endif /* CONNTOP_EXPORT_COMMON_H */
