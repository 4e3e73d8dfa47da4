/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Gives the tracker's processes what /proc and their cgroup say: command line, user, parent,
 * container and its name. Read once per process (pid and start time), again after an exec;
 * container names are read once per container. Network namespace names (ip netns) are re-read
 * every few frames.
 */
#ifndef CONNTOP_RESOLVE_H
#define CONNTOP_RESOLVE_H

#include <stdint.h>

#include "tracker.h"

struct resolve_stats {
	uint64_t reads; /* processes read from /proc */
	uint64_t gone; /* processes that had exited (or whose pid was reused) when read */
	uint64_t containers; /* container names known */
};

struct resolver;

/* @root prefixes every path read ("" for this system). */
struct resolver *resolver__new(const char *root);
void resolver__free(struct resolver *resolver);

/* Fills in the processes of @tracker that have no details yet. */
void resolver_update(struct resolver *resolver, struct tracker *tracker);

/* The `ip netns` name of @netns, or NULL. */
const char *resolver_netns_name(const struct resolver *resolver, uint32_t netns);

/* Every `ip netns` name known now: @count of them. For a recording. */
const struct netns_name *resolver_netns_names(const struct resolver *resolver, size_t *count);

/* Replaces the names known: what a replay read from its recording. -ENOSPC past the limit. */
int resolver_set_netns_names(struct resolver *resolver, const struct netns_name *names,
			     size_t count);

const struct resolve_stats *resolver_stats(const struct resolver *resolver);

#endif /* CONNTOP_RESOLVE_H */
