/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the fuzz targets share: a check that aborts (so libFuzzer, and the replay driver in
 * `make test`, report it as a crash with the input kept), and independent checkers of the
 * properties the parsers promise: printable UTF-8, JSON. They are written apart from src/ on
 * purpose: a checker that called the code under test would agree with its bugs.
 */
#ifndef CONNTOP_FUZZ_H
#define CONNTOP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                    \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* A copy of @size bytes in a block of exactly that size, so ASan sees any read past it. */
static inline char *fuzz_dup(const void *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	FUZZ_CHECK(p);
	if (size)
		memcpy(p, data, size);
	return p;
}

/* The same with a NUL after the bytes (a C string of at most @size bytes). */
static inline char *fuzz_strdup(const void *data, size_t size)
{
	char *p = malloc(size + 1);

	FUZZ_CHECK(p);
	if (size)
		memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

/*
 * The length of the strictly valid UTF-8 character at @s (at most @n bytes) with its code point
 * in @cp, or 0: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
static inline size_t fuzz_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, *cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, *cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = fuzz_utf8_char(p + i, n - i, &cp);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

/* What sanitize() promises: valid UTF-8, no C0/C1 controls, DEL, bidi or invisible characters. */
static inline bool fuzz_printable(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t c;

	while (i < n) {
		len = fuzz_utf8_char(p + i, n - i, &c);
		if (!len || c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
		    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
		    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff)
			return false;
		i += len;
	}
	return true;
}

/* A field of @size bytes holds a NUL-terminated printable string. */
static inline void fuzz_check_field(const char *field, size_t size)
{
	size_t len = strnlen(field, size);

	FUZZ_CHECK(len < size);
	FUZZ_CHECK(fuzz_printable(field, len));
}

#define FUZZ_CHECK_FIELD(array) fuzz_check_field((array), sizeof(array))

/*
 * A small JSON validator (RFC 8259), recursive with a depth limit. When @out is not NULL, a
 * string's decoded bytes are appended there (for comparing an escaped string with its source).
 */
struct fuzz_json {
	const char *p, *end;
	char *out;
	size_t out_len, out_cap;
};

static inline void fuzz_json_ws(struct fuzz_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static inline void fuzz_json_put(struct fuzz_json *j, const char *s, size_t n)
{
	if (!j->out)
		return;
	FUZZ_CHECK(j->out_len + n <= j->out_cap);
	memcpy(j->out + j->out_len, s, n);
	j->out_len += n;
}

static inline int fuzz_json_hex4(struct fuzz_json *j, uint32_t *v)
{
	int i;

	if (j->end - j->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = j->p[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 :
					       -1;

		if (d < 0)
			return -1;
		*v = *v << 4 | d;
	}
	j->p += 4;
	return 0;
}

/* The UTF-8 of one code point (< 0x110000, no surrogate: the validator rejects lone halves). */
static inline void fuzz_json_put_cp(struct fuzz_json *j, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | (cp >> 6 & 0x3f), b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | (cp >> 12 & 0x3f);
		b[2] = 0x80 | (cp >> 6 & 0x3f), b[3] = 0x80 | (cp & 0x3f), n = 4;
	}
	fuzz_json_put(j, b, n);
}

static inline int fuzz_json_escape(struct fuzz_json *j)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	uint32_t cp, low;
	const char *e;

	if (j->p >= j->end)
		return -1;
	if (*j->p++ != 'u') {
		for (e = simple; *e; e += 2) {
			if (*e == j->p[-1]) {
				fuzz_json_put(j, e + 1, 1);
				return 0;
			}
		}
		return -1;
	}
	if (fuzz_json_hex4(j, &cp))
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1; /* a lone low half: valid JSON grammar, but no text a writer should make */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
			return -1;
		j->p += 2;
		if (fuzz_json_hex4(j, &low) || low < 0xdc00 || low > 0xdfff)
			return -1;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
	}
	fuzz_json_put_cp(j, cp);
	return 0;
}

/* A string, its opening quote under the cursor: raw bytes valid UTF-8, no control characters. */
static inline int fuzz_json_string(struct fuzz_json *j)
{
	uint32_t cp;
	size_t len;

	if (j->p >= j->end || *j->p++ != '"')
		return -1;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p == '\\') {
			j->p++;
			if (fuzz_json_escape(j))
				return -1;
			continue;
		}
		len = fuzz_utf8_char((const unsigned char *)j->p, j->end - j->p, &cp);
		if (!len || cp < 0x20)
			return -1;
		fuzz_json_put(j, j->p, len);
		j->p += len;
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	return 0;
}

static inline int fuzz_json_digits(struct fuzz_json *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start ? 0 : -1;
}

static inline int fuzz_json_number(struct fuzz_json *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (fuzz_json_digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (fuzz_json_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (fuzz_json_digits(j))
			return -1;
	}
	return 0;
}

static inline int fuzz_json_literal(struct fuzz_json *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return -1;
	j->p += n;
	return 0;
}

static inline int fuzz_json_value(struct fuzz_json *j, int depth)
{
	char close;

	fuzz_json_ws(j);
	if (j->p >= j->end || depth > 64)
		return -1;
	switch (*j->p) {
	case '"':
		return fuzz_json_string(j);
	case 't':
		return fuzz_json_literal(j, "true");
	case 'f':
		return fuzz_json_literal(j, "false");
	case 'n':
		return fuzz_json_literal(j, "null");
	case '{':
	case '[':
		close = *j->p == '{' ? '}' : ']';
		j->p++;
		fuzz_json_ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				fuzz_json_ws(j);
				if (fuzz_json_string(j))
					return -1;
				fuzz_json_ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return -1;
			}
			if (fuzz_json_value(j, depth + 1))
				return -1;
			fuzz_json_ws(j);
			if (j->p >= j->end)
				return -1;
			if (*j->p == close) {
				j->p++;
				return 0;
			}
			if (*j->p++ != ',')
				return -1;
		}
	default:
		return fuzz_json_number(j);
	}
}

/* Whether the @len bytes at @s are exactly one JSON value, with optional white space around. */
static inline bool fuzz_json_valid(const char *s, size_t len)
{
	struct fuzz_json j = { .p = s, .end = s + len };

	if (fuzz_json_value(&j, 0))
		return false;
	fuzz_json_ws(&j);
	return j.p == j.end;
}

#endif /* CONNTOP_FUZZ_H */
