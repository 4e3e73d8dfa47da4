// SPDX-License-Identifier: GPL-2.0-only
#include "resolve.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define MAX_NETNS_NAMES	     256
#define NETNS_REFRESH_FRAMES 5

struct name_entry {
	char id[sizeof(((struct container_id *)0)->id)];
	struct container_name name;
	UT_hash_handle hh;
};

struct resolver {
	char root[PATH_MAX];
	struct name_entry *names; /* container id -> name */
	struct netns_name netns[MAX_NETNS_NAMES];
	size_t nnetns;
	unsigned int frames;
	struct resolve_stats stats;
};

struct resolver *resolver__new(const char *root)
{
	struct resolver *resolver = calloc(1, sizeof(*resolver));

	if (!resolver)
		return NULL;
	snprintf(resolver->root, sizeof(resolver->root), "%s", root);
	return resolver;
}

void resolver__free(struct resolver *resolver)
{
	struct name_entry *entry, *tmp;

	if (!resolver)
		return;
	HASH_ITER (hh, resolver->names, entry, tmp) {
		HASH_DEL(resolver->names, entry);
		free(entry);
	}
	free(resolver);
}

/* Container names do not change while it runs: read once. */
static void container_name_of(struct resolver *resolver, const struct container_id *id,
			      struct container_name *out)
{
	struct name_entry *entry;

	HASH_FIND_STR(resolver->names, id->id, entry);
	if (!entry) {
		entry = calloc(1, sizeof(*entry));
		if (!entry) {
			memset(out, 0, sizeof(*out));
			return;
		}
		snprintf(entry->id, sizeof(entry->id), "%s", id->id);
		container_resolve_name(resolver->root, id,
				       &entry->name); /* falls back to a short id */
		HASH_ADD_STR(resolver->names, id, entry);
		resolver->stats.containers++;
	}
	*out = entry->name;
}

static void read_cgroup(struct resolver *resolver, int pid, struct proc_detail *detail)
{
	char unified[PATH_MAX] = "";

	if (container_read_pid_unified(resolver->root, pid, &detail->container, unified,
				       sizeof(unified)) == 0)
		container_name_of(resolver, &detail->container, &detail->container_name);
	if (unified[0])
		cgroup_id_of_path(resolver->root, unified, &detail->cgroup_id);
}

static void read_detail(struct resolver *resolver, const struct proc *proc,
			struct proc_detail *detail)
{
	struct proc_info info;
	int pid = proc->key.pid;

	memset(detail, 0, sizeof(*detail));
	memcpy(detail->comm, proc->comm, sizeof(detail->comm));
	resolver->stats.reads++;
	if (procfs_read_process(resolver->root, pid, &info) ||
	    !procfs_same_start(&info, proc->key.start_ticks * PROC_TICK_NS)) {
		detail->gone = true; /* normal: short-lived processes exit before we look */
		resolver->stats.gone++;
		return;
	}
	detail->ppid = info.ppid;
	detail->uid = info.uid;
	memcpy(detail->user, info.user, sizeof(detail->user));
	memcpy(detail->cmdline, info.cmdline, sizeof(detail->cmdline));
	read_cgroup(resolver, pid, detail);
}

struct resolve_pass {
	struct resolver *resolver;
	struct tracker *tracker;
};

static void resolve_proc(struct proc *proc, void *ctx)
{
	struct resolve_pass *pass = ctx;
	struct proc_detail detail;

	if (!proc->key.pid)
		return;
	if (proc->detail && !memcmp(proc->detail->comm, proc->comm, sizeof(proc->comm)))
		return; /* known, and no exec since */
	read_detail(pass->resolver, proc, &detail);
	tracker_give_detail(pass->tracker, &proc->key, &detail);
}

void resolver_update(struct resolver *resolver, struct tracker *tracker)
{
	struct resolve_pass pass = { resolver, tracker };

	if (resolver->frames++ % NETNS_REFRESH_FRAMES == 0) {
		size_t n = 0;
		int err = netns_names_read(resolver->root, resolver->netns, MAX_NETNS_NAMES, &n);

		/* -ENOSPC keeps the first MAX_NETNS_NAMES names. */
		resolver->nnetns = !err || err == -ENOSPC ? n : 0;
	}
	tracker_for_each_proc(tracker, resolve_proc, &pass);
}

const char *resolver_netns_name(const struct resolver *resolver, uint32_t netns)
{
	size_t i;

	for (i = 0; i < resolver->nnetns; i++)
		if (resolver->netns[i].ino == netns)
			return resolver->netns[i].name;
	return NULL;
}

const struct netns_name *resolver_netns_names(const struct resolver *resolver, size_t *count)
{
	*count = resolver->nnetns;
	return resolver->netns;
}

int resolver_set_netns_names(struct resolver *resolver, const struct netns_name *names,
			     size_t count)
{
	if (count > MAX_NETNS_NAMES)
		return -ENOSPC;
	memcpy(resolver->netns, names, count * sizeof(*names));
	resolver->nnetns = count;
	return 0;
}

const struct resolve_stats *resolver_stats(const struct resolver *resolver)
{
	return &resolver->stats;
}
