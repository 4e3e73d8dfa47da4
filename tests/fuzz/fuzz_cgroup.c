// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup parsers of container.c. Byte 0: bit 0 picks the whole /proc/<pid>/cgroup text
 * (container_from_proc_cgroup) or one path (container_from_cgroup_path), the rest sizes the
 * buffer for the v2 path. Whatever comes in, a result is one of the documented codes, @out is
 * cleared unless one was found, and what was found is a known runtime with printable,
 * NUL-terminated fields.
 */
#include <errno.h>
#include <limits.h>

#include "container.h"
#include "fuzz.h"

static void check_result(int ret, const struct container_id *id)
{
	static const struct container_id none;
	size_t i, uid_len;

	FUZZ_CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
	if (ret) {
		FUZZ_CHECK(!memcmp(id, &none, sizeof(none)));
		return;
	}
	FUZZ_CHECK(id->runtime > CT_RUNTIME_NONE && id->runtime <= CT_RUNTIME_SERVICE);
	FUZZ_CHECK(container_runtime_name(id->runtime)[0]);
	FUZZ_CHECK_FIELD(id->id);
	FUZZ_CHECK(id->id[0]);
	FUZZ_CHECK_FIELD(id->pod_uid);
	/* A pod uid is shown as a UUID: 36 lower-case hex digits and dashes, or nothing. */
	uid_len = strlen(id->pod_uid);
	FUZZ_CHECK(uid_len == 0 || uid_len == 36);
	for (i = 0; i < uid_len; i++)
		FUZZ_CHECK(strchr("0123456789abcdef-", id->pod_uid[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct container_id id;
	size_t unified_size;
	char *text, *unified;
	int ret;

	if (size < 1)
		return 0;
	memset(&id, 0xa5, sizeof(id)); /* must be cleared or set, never left as it was */
	if (data[0] & 1) {
		text = fuzz_dup(data + 1, size - 1);
		/* 0 (no buffer), small ones that cut paths, or PATH_MAX that fits every path. */
		unified_size = data[0] >> 1 == 127 ? PATH_MAX : data[0] >> 1;
		unified = unified_size ? malloc(unified_size) : NULL;
		if (unified)
			memset(unified, 'X', unified_size);
		ret = container_from_proc_cgroup(text, size - 1, &id, unified, unified_size);
		check_result(ret, &id);
		if (unified) {
			size_t len = strnlen(unified, unified_size);

			FUZZ_CHECK(len < unified_size);
			/* A path from a line of the text, or nothing. */
			FUZZ_CHECK(!len || (unified[0] == '/' && !memchr(unified, '\n', len) &&
					    memmem(text, size - 1, unified, len)));
			if (ret == -EINVAL)
				FUZZ_CHECK(!len);
		}
		free(unified);
	} else {
		text = fuzz_strdup(data + 1, size - 1);
		ret = container_from_cgroup_path(text, &id);
		check_result(ret, &id);
		if (text[0] != '/')
			FUZZ_CHECK(ret == -EINVAL);
	}
	free(text);
	return 0;
}
