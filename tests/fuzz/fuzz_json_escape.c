// SPDX-License-Identifier: GPL-2.0-only
/*
 * export_put_escaped(), the quoting of every string in the JSON and DOT exports. Byte 0 picks the
 * language and whether a NUL or the size ends the string; the rest is the string. In quotes, the
 * JSON output must be one valid JSON string that decodes to the source with each byte that is not
 * UTF-8 replaced by U+FFFD; the DOT output valid UTF-8 with no control byte, no bare quote and no
 * '&' but "&amp;".
 */
#include "export_common.h"
#include "fuzz.h"

#define REPLACEMENT "\xef\xbf\xbd"

/* What JSON should decode to: @s with every byte that does not start a character as U+FFFD. */
static size_t expected_text(const char *s, size_t n, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, len;
	uint32_t cp;

	while (i < n) {
		len = fuzz_utf8_char(p + i, n - i, &cp);
		if (!len) {
			memcpy(out + o, REPLACEMENT, 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, len);
		o += len;
		i += len;
	}
	return o;
}

static void check_json(const char *s, size_t n, const char *buf, size_t len)
{
	struct fuzz_json j = { .p = buf, .end = buf + len };
	char *want = malloc(3 * n + 1);
	size_t want_len = expected_text(s, n, want);

	j.out = malloc(3 * n + 1);
	j.out_cap = 3 * n + 1;
	FUZZ_CHECK(want && j.out);
	FUZZ_CHECK(len >= 2 && buf[0] == '"');
	FUZZ_CHECK(!fuzz_json_string(&j) && j.p == j.end);
	FUZZ_CHECK(fuzz_json_valid(buf, len));
	FUZZ_CHECK(j.out_len == want_len && !memcmp(j.out, want, want_len));
	free(j.out);
	free(want);
}

static void check_dot(const char *buf, size_t len)
{
	size_t i;

	FUZZ_CHECK(len >= 2 && buf[0] == '"' && buf[len - 1] == '"');
	buf++, len -= 2;
	FUZZ_CHECK(fuzz_utf8_valid(buf, len));
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		if (c == '\\') { /* an escape: its next byte is taken as it is */
			FUZZ_CHECK(i + 1 < len);
			i++;
		} else {
			FUZZ_CHECK(c != '"');
			if (c == '&')
				FUZZ_CHECK(len - i >= 5 && !memcmp(buf + i, "&amp;", 5));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum quoting q;
	size_t n, max, len = 0;
	char *s, *buf = NULL;
	FILE *out;

	if (size < 1)
		return 0;
	q = data[0] & 1 ? QUOTE_DOT : QUOTE_JSON;
	s = fuzz_dup(data + 1, size - 1);
	/* A field that fills its array has no NUL: the size must stop the read. */
	max = data[0] & 2 ? size - 1 : (size - 1) / 2;
	n = strnlen(s, max);
	out = open_memstream(&buf, &len);
	FUZZ_CHECK(out);
	fputc('"', out);
	export_put_escaped(out, s, max, q);
	fputc('"', out);
	FUZZ_CHECK(!fclose(out));
	/* "\u00XX" is the longest a byte becomes; U+FFFD is 3 bytes. */
	FUZZ_CHECK(len <= 6 * n + 2);
	if (q == QUOTE_JSON)
		check_json(s, n, buf, len);
	else
		check_dot(buf, len);
	free(buf);
	free(s);
	return 0;
}
