// SPDX-License-Identifier: GPL-2.0-only
/*
 * The container runtimes' metadata files (Docker's config.v2.json, Podman's containers.json), as
 * container_resolve_name() reads them. Byte 0: bit 0 picks the runtime, the rest the size of the
 * name buffer; the rest is the file. A name found is NUL-terminated within the buffer and not
 * empty; anything else is one of the documented codes, never a read past the text.
 */
#include <errno.h>

#include "container.h"
#include "fuzz.h"

/* The id the Podman file is searched for: the seeds hold it. */
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum container_runtime runtime;
	size_t name_size, len;
	char *text, *name;
	int ret;

	if (size < 1)
		return 0;
	runtime = data[0] & 1 ? CT_RUNTIME_PODMAN : CT_RUNTIME_DOCKER;
	name_size = 1 + (data[0] >> 1); /* 1 to 128 */
	text = fuzz_dup(data + 1, size - 1);
	name = malloc(name_size);
	FUZZ_CHECK(name);
	memset(name, 'X', name_size);
	ret = container_name_from_metadata(runtime, text, size - 1, ID, name, name_size);
	FUZZ_CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
	if (!ret) {
		len = strnlen(name, name_size);
		FUZZ_CHECK(len < name_size);
		FUZZ_CHECK(len > 0); /* an empty name is no name: the id is shown instead */
	}
	FUZZ_CHECK(container_name_from_metadata(CT_RUNTIME_LXC, text, size - 1, ID, name,
						name_size) == -EOPNOTSUPP);
	free(name);
	free(text);
	return 0;
}
