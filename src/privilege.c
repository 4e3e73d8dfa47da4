// SPDX-License-Identifier: GPL-2.0-only
#include "privilege.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const struct {
	int cap;
	const char *name;
} named[] = {
	{ CAP_SYS_PTRACE, "sys_ptrace" },
	{ CAP_DAC_READ_SEARCH, "dac_read_search" },
	{ CAP_SYS_ADMIN, "sys_admin" },
	{ CAP_DAC_OVERRIDE, "dac_override" },
	{ CAP_BPF, "bpf" },
};

static uint64_t wanted(const struct privilege_needs *needs)
{
	uint64_t keep = 0;

	if (needs->read_processes)
		keep |= 1ull << CAP_SYS_PTRACE | 1ull << CAP_DAC_READ_SEARCH;
	if (needs->enter_namespaces)
		keep |= 1ull << CAP_SYS_ADMIN;
	if (needs->write_files)
		keep |= 1ull << CAP_DAC_OVERRIDE;
	if (needs->read_bpf_maps)
		keep |= 1ull << CAP_BPF;
	return keep;
}

static int cap_get(uint64_t *permitted)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &header, data))
		return -errno;
	*permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	return 0;
}

static int cap_set(uint64_t caps)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32) },
	};

	return syscall(SYS_capset, &header, data) ? -errno : 0;
}

/* The bounding set first, while CAP_SETPCAP is still held: then no exec could bring any back. */
static void drop_bounding(uint64_t keep)
{
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep & 1ull << cap))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
}

static void describe(uint64_t caps, char *kept, size_t size)
{
	size_t i, len = 0;

	kept[0] = '\0';
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (caps & 1ull << named[i].cap && len < size)
			len += (size_t)snprintf(kept + len, size - len, "%s%s", len ? "," : "",
						named[i].name);
}

int privilege_drop(const struct privilege_needs *needs, char *kept, size_t size)
{
	uint64_t permitted = 0, keep;
	int err = cap_get(&permitted);

	if (err)
		return err;
	keep = wanted(needs) & permitted;
	if (permitted & 1ull << CAP_SETPCAP)
		drop_bounding(keep);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	err = cap_set(keep);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	describe(keep, kept, size);
	return err;
}

bool privilege_bpf_calls_checked(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return true; /* unknown: keep it rather than lose the maps */
	return major < 6 || (major == 6 && minor < 5);
}
