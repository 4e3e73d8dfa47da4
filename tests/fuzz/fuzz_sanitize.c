// SPDX-License-Identifier: GPL-2.0-only
/*
 * sanitize(): byte 0 picks the output size, the rest is the source (not NUL-terminated). The
 * output must be printable UTF-8, NUL-terminated within the size, the same as a larger output cut
 * at a character, kept as it is by a second pass, and equal to the source when that was printable.
 */
#include "fuzz.h"
#include "sanitize.h"

/* The most one source byte can become: "\u{NNNN}" is 8 bytes for a 3-byte character. */
#define MAX_GROWTH 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t dstsize, srclen, full_len, len, again_len, cut;
	char *src, *full, *dst, *again;

	if (size < 1)
		return 0;
	dstsize = data[0]; /* 0 to 255: small sizes cut inside characters and escapes */
	src = fuzz_dup(data + 1, size - 1);
	srclen = size - 1;
	cut = strnlen(src, srclen);

	full = malloc(MAX_GROWTH * srclen + 1);
	FUZZ_CHECK(full);
	full_len = sanitize(full, MAX_GROWTH * srclen + 1, src, srclen);
	FUZZ_CHECK(full_len == strlen(full));
	FUZZ_CHECK(full_len <= MAX_GROWTH * cut);
	FUZZ_CHECK(fuzz_printable(full, full_len));
	/* Printable text (up to the first NUL) passes unchanged. */
	if (fuzz_printable(src, cut))
		FUZZ_CHECK(full_len == cut && !memcmp(full, src, cut));

	dst = malloc(dstsize ? dstsize : 1);
	FUZZ_CHECK(dst);
	memset(dst, 'X', dstsize ? dstsize : 1);
	len = sanitize(dst, dstsize, src, srclen);
	if (!dstsize) {
		FUZZ_CHECK(len == 0 && dst[0] == 'X'); /* nothing written */
	} else {
		FUZZ_CHECK(len < dstsize && len == strnlen(dst, dstsize));
		FUZZ_CHECK(len <= full_len && !memcmp(dst, full, len));
		FUZZ_CHECK(fuzz_printable(dst, len));
		/* Cut only where nothing more fits: a whole output is never shortened. */
		if (full_len < dstsize)
			FUZZ_CHECK(len == full_len);
	}

	/* Output is already printable: a second pass keeps it byte for byte. */
	again = malloc(full_len + 1);
	FUZZ_CHECK(again);
	again_len = sanitize(again, full_len + 1, full, full_len);
	FUZZ_CHECK(again_len == full_len && !memcmp(again, full, full_len));

	free(again);
	free(dst);
	free(full);
	free(src);
	return 0;
}
