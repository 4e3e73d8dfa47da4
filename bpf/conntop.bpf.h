/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BPF-only helpers: CO-RE readers for the socket and task fields conntop records. Each reader
 * checks, by CO-RE relocation against the running kernel's BTF, that the field exists, and
 * falls back for older layouts instead of testing kernel versions.
 */
#ifndef CONNTOP_BPF_H
#define CONNTOP_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define AF_INET	 2
#define AF_INET6 10

/* Before Linux 5.5 the boot-based start time was called real_start_time. */
struct task_struct___pre55 {
	u64 real_start_time;
} __attribute__((preserve_access_index));

/* Before Linux 5.15 the socket's cgroup sat in a tagged u64, not behind a pointer. */
struct sock_cgroup_data___pre515 {
	u64 val;
} __attribute__((preserve_access_index));

/* The start time that /proc/<pid>/stat reports (as clock ticks), so user space can match it. */
static __always_inline u64 task_start_boottime(struct task_struct *task)
{
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);

	if (bpf_core_field_exists(leader->start_boottime))
		return BPF_CORE_READ(leader, start_boottime);
	return BPF_CORE_READ((struct task_struct___pre55 *)leader, real_start_time);
}

/* The same of a thread group leader the verifier trusts: a plain load. */
static __always_inline u64 leader_start_boottime(struct task_struct *leader)
{
	if (bpf_core_field_exists(leader->start_boottime))
		return leader->start_boottime;
	return BPF_CORE_READ((struct task_struct___pre55 *)leader, real_start_time);
}

/*
 * The socket as a tcp_sock whose fields are plain loads, for a trusted @sk (a tp_btf or fentry
 * argument); NULL if it is not a TCP socket. Why not @sk itself: for each load of a pointer field
 * from a trusted pointer, the verifier searches the kernel's BTF by name for "safe" annotations,
 * up to four linear scans of ~100,000 types, and the programs' inlined paths hold dozens of such
 * loads (13 ms to verify each state-change program, 3 ms this way). The helper's result is a
 * pointer it does not trust, from which loads are checked against the type alone. Same code at
 * run time, but for one helper call.
 */
static __always_inline struct tcp_sock *tcp_sock_of(struct sock *sk)
{
	return bpf_skc_to_tcp_sock(sk);
}

/*
 * cgroup v2 id of the cgroup that owns the socket (set when the socket was created, inherited
 * by accepted children from the listener). Older layouts: the calling task's cgroup, which is
 * the owner in the connect/accept/listen paths where this is called.
 */
static __always_inline u64 sk_cgroup_id(struct sock *sk, bool direct)
{
	struct tcp_sock *tp;

	if (direct && bpf_core_field_exists(sk->sk_cgrp_data.cgroup) && (tp = tcp_sock_of(sk))) {
		struct cgroup *cgrp = tp->inet_conn.icsk_inet.sk.sk_cgrp_data.cgroup;

		return cgrp ? cgrp->kn->id : bpf_get_current_cgroup_id();
	}
	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup)) {
		struct cgroup *cgrp = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);

		if (cgrp)
			return BPF_CORE_READ(cgrp, kn, id);
	}
	return bpf_get_current_cgroup_id();
}

static __always_inline u32 sk_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* sk_protocol is a bitfield before Linux 5.6; the bitfield reads handle both layouts. */
static __always_inline u32 sk_protocol(struct sock *sk, bool direct)
{
	if (direct)
		return BPF_CORE_READ_BITFIELD(sk, sk_protocol);
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

#endif /* CONNTOP_BPF_H */
