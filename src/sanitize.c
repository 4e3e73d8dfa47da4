// SPDX-License-Identifier: GPL-2.0-only
#include "sanitize.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), its code point in @cp; 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past Unicode are not text. */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that are invisible or move other text around: shown as escapes. */
static int is_deceptive(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || /* C1 controls */
	       cp == 0x061c || /* Arabic letter mark: a bidi control like RLM */
	       (cp >= 0x200b && cp <= 0x200f) || /* zero width, LRM, RLM */
	       (cp >= 0x2028 && cp <= 0x202e) || /* line/paragraph separators, bidi embeddings */
	       (cp >= 0x2060 && cp <= 0x206f) || /* word joiner, bidi isolates */
	       cp == 0xfeff || /* BOM */
	       (cp >= 0xe0000 && cp <= 0xe007f); /* tags: invisible copies of ASCII */
}

size_t sanitize(char *dst, size_t dstsize, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, i = 0;

	if (!dstsize)
		return 0;
	while (i < srclen && s[i]) {
		char piece[16];
		size_t piece_len;
		uint32_t cp;
		size_t n = utf8_decode(s + i, srclen - i, &cp);

		if (n == 0) {
			piece_len = snprintf(piece, sizeof(piece), "\\x%02x", s[i]);
			n = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			piece_len = snprintf(piece, sizeof(piece), "\\x%02x", (unsigned int)cp);
		} else if (is_deceptive(cp)) {
			piece_len = snprintf(piece, sizeof(piece), "\\u{%04x}", (unsigned int)cp);
		} else {
			memcpy(piece, s + i, n);
			piece_len = n;
		}
		if (out + piece_len >= dstsize)
			break;
		memcpy(dst + out, piece, piece_len);
		out += piece_len;
		i += n;
	}
	dst[out] = '\0';
	return out;
}
