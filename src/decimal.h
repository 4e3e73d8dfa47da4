/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers as decimal text without printf: the text and JSON exports write a dozen numbers on each
 * of 50,000 rows and more, and printf's parsing of its format costs more than the digits.
 */
#ifndef CONNTOP_DECIMAL_H
#define CONNTOP_DECIMAL_H

#include <stdint.h>
#include <string.h>

/* The most a uint64_t takes: 18446744073709551615. */
#define DECIMAL_U64_LEN 20

/* How many digits @v has in decimal. */
static inline size_t decimal_u64_len(uint64_t v)
{
	uint64_t limit = 10;
	size_t n = 1;

	while (n < DECIMAL_U64_LEN && v >= limit) {
		n++;
		limit *= 10;
	}
	return n;
}

/* @v in decimal at @p, as "%llu" writes it, no NUL; returns the end. Two digits at a time. */
static inline char *decimal_u64(char *p, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
				    "31323334353637383940414243444546474849505152535455565758596061"
				    "62636465666768697071727374757677787980818283848586878889909192"
				    "93949596979899";
	char *end = p + decimal_u64_len(v), *t = end;

	while (v >= 100) {
		t -= 2;
		memcpy(t, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(t - 2, pairs + 2 * v, 2);
	else
		t[-1] = (char)('0' + v);
	return end;
}

/* As decimal_u64(), NUL-terminated: @buf has room for DECIMAL_U64_LEN + 1. Returns the length. */
static inline size_t decimal_u64_str(char *buf, uint64_t v)
{
	char *end = decimal_u64(buf, v);

	*end = '\0';
	return (size_t)(end - buf);
}

/* As snprintf(buf, size, "%llu", v): what fits, always terminated when @size is not 0. */
static inline void decimal_u64_cut(char *buf, size_t size, uint64_t v)
{
	char text[DECIMAL_U64_LEN + 1];
	size_t len = decimal_u64_str(text, v);

	if (!size)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(buf, text, len);
	buf[len] = '\0';
}

#endif /* CONNTOP_DECIMAL_H */
