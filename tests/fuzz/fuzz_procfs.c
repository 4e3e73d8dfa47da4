// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parsers of /proc/<pid>/stat, status, cmdline and the fd and ns links (procfs.c). Byte 0
 * picks the file; the rest is its content. Strings that come out are printable and NUL-terminated
 * within their fields; a link that parses is exactly prefix, digits, "]".
 */
#include <errno.h>

#include "fuzz.h"
#include "procfs.h"

static void fuzz_stat(const char *text)
{
	struct proc_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = procfs_parse_stat(text, &info);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	/* The comm is filled as soon as the parentheses are found, so check it either way. */
	FUZZ_CHECK_FIELD(info.comm);
	if (!ret)
		FUZZ_CHECK(strchr(text, '(') && strrchr(text, ')'));
}

static void fuzz_status(const char *text)
{
	uint32_t uid = 12345;
	int ret = procfs_parse_status_uid(text, &uid);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		FUZZ_CHECK(uid == 12345);
	else
		FUZZ_CHECK(strstr(text, "\nUid:"));
}

static void fuzz_cmdline(const uint8_t *data, size_t size, size_t out_size)
{
	char *raw = fuzz_dup(data, size), *out = malloc(out_size);
	size_t len;

	FUZZ_CHECK(out);
	procfs_parse_cmdline(raw, size, out, out_size);
	len = strnlen(out, out_size);
	FUZZ_CHECK(len < out_size);
	FUZZ_CHECK(fuzz_printable(out, len));
	free(out);
	free(raw);
}

static void fuzz_link(const uint8_t *data, size_t size, const char *prefix)
{
	char *link = fuzz_dup(data, size);
	size_t plen = strlen(prefix), i;
	uint64_t v = 0;
	uint32_t id = 7;
	int ret = procfs_parse_link(link, size, prefix, &id);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (!ret) {
		FUZZ_CHECK(size >= plen + 2 && !memcmp(link, prefix, plen) &&
			   link[size - 1] == ']');
		for (i = plen; i < size - 1; i++) {
			FUZZ_CHECK(link[i] >= '0' && link[i] <= '9');
			v = v * 10 + (link[i] - '0');
			FUZZ_CHECK(v <= UINT32_MAX);
		}
		FUZZ_CHECK(v == id);
	} else {
		FUZZ_CHECK(id == 7);
	}
	free(link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = fuzz_strdup(data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		fuzz_stat(text);
		break;
	case 1:
		fuzz_status(text);
		break;
	case 2:
		fuzz_cmdline(data + 1, size - 1, PROCFS_CMDLINE_SIZE);
		break;
	case 3:
		fuzz_cmdline(data + 1, size - 1, 1 + data[0] / 6);
		break;
	case 4:
		fuzz_link(data + 1, size - 1, "socket:[");
		break;
	default:
		fuzz_link(data + 1, size - 1, "net:[");
		break;
	}
	free(text);
	return 0;
}
