// SPDX-License-Identifier: GPL-2.0-only
/*
 * conntop's kernel side: one record per step of a TCP connection's life (connect, accept, close,
 * listen, unlisten) in every network namespace, into one BPF ring buffer or, where the kernel has
 * none (before 5.8) or when asked, into per-CPU perf buffers (see emit).
 *
 * The ~10 state changes of a connection are filtered here. What needs two hooks is remembered in
 * the "pending" map, keyed by socket address, until the second hook fires:
 *   - connect: CLOSE->SYN_SENT runs in the connecting task (remember it), SYN_SENT->ESTABLISHED
 *     often runs in softirq (emit CONNECT with the remembered task);
 *   - accept: the task in the passive state changes is whoever sent the packet (on loopback, the
 *     client), so the passive socket is remembered at SYN_RECV and CT_EV_ACCEPT is emitted at the
 *     exit of accept()/accept4(), where the task is the acceptor.
 *
 * The kernel runs a program at most once per CPU at a time: a state change in a softirq that runs
 * while handle_set_state holds its per-CPU guard is skipped (its recursion_misses). Measured here,
 * a loopback churn lost up to 5 % of its closes that way, also in the guard's windows before and
 * after the program body. So a second copy, attached after the first, handles the calls the
 * kernel skipped the first one for; see first_copy.
 *
 * The hooks come in variants (tp_btf, raw_tp, classic tracepoint, fentry, kprobe), all feeding
 * on_set_state the tracepoint's arguments; the loader loads the one it chose by probing.
 */
#include "vmlinux.h"
#include "conntop.bpf.h"
#include <bpf/bpf_tracing.h>

#include "conntop/event.h"

char LICENSE[] SEC("license") = "GPL";

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT	2
#define TCP_SYN_RECV	3
#define TCP_CLOSE	7
#define TCP_LISTEN	10
#define IPPROTO_TCP	6
#define MSG_PEEK	2
#define S_IFMT		0170000 /* not in vmlinux.h: macros have no BTF */
#define S_IFSOCK	0140000

/* Set by the loader before load. 0 wakes the reader for every record. */
const volatile __u64 wakeup_bytes = 0;
/* Whether the traffic programs count bytes (see count_send). */
const volatile bool count_bytes = false;
/*
 * Where they count them: each socket's own storage (sk_traffic), or, where a kernel cannot give
 * tracing programs socket storage or walk it with an iterator, the "traffic" hash map. Chosen by
 * the loader; the verifier prunes the other way, and its map is not created.
 */
const volatile bool use_sk_storage = false;
/*
 * The transport, chosen by the loader before load: the ring buffer "events", or the per-CPU perf
 * buffers "perf_events". A constant to the verifier, which so never walks the other one's code:
 * the unused map is not created and its helpers need not exist in the running kernel.
 */
const volatile bool use_perfbuf = false;
/*
 * Whether the programs may ask for socket cookies (tp_btf and fentry may; kprobes and raw and
 * classic tracepoints may not: their records carry 0 and user space names sockets by tuple).
 */
const volatile bool have_cookies = true;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

/* One perf buffer per CPU; libbpf sizes it to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf_events SEC(".maps");

/*
 * Per CPU: records a full perf buffer refused (-ENOSPC). The kernel counts them too, but tells
 * user space (PERF_RECORD_LOST) only with that CPU's next record, which may be long in coming:
 * user space takes the larger of the two, so a loss shows at once and is counted once.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} perf_full SEC(".maps");

/* Per CPU: when a record last forced a wake-up of the reader (see submit_flags). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} last_wakeup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_STAT_MAX);
	__type(key, u32);
	__type(value, u64);
} stats SEC(".maps");

/* A connect or accept in progress: what the second hook needs from the first. */
struct pending {
	u64 cookie;
	u64 cgroup_id;
	u64 proc_start_ns;
	u32 pid;
	u32 tid;
	u8 passive;
	u8 has_task;
	u8 pad[6];
	char comm[CT_COMM_LEN];
};

/*
 * Per CPU and per pair of copies (one per hooked function): whether the first copy is running its
 * body (see first_copy).
 */
#define PAIRS 2

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PAIRS);
	__type(key, u32);
	__type(value, u32);
} first_running SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by the loader */
	__type(key, u64); /* struct sock * */
	__type(value, struct pending);
} pending SEC(".maps");

/*
 * Bytes and retransmits per socket, summed here and read by user space once per refresh: never a
 * ring record per send. An entry is made at a socket's first send or receive and removed at its
 * close, whose record carries the socket's own final counts instead.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144); /* resized by the loader */
	__type(key, u64); /* socket cookie */
	__type(value, struct ct_traffic);
} traffic SEC(".maps");

/*
 * The same counts in the socket's own storage: found by a pointer from the socket, not a hash
 * lookup, made at its first send or receive, deleted at its close and freed with the socket in
 * any case. User space reads it once per refresh through dump_sk_traffic, an iterator.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ct_traffic);
} sk_traffic SEC(".maps");

/* The ctx of a syscalls:sys_exit_* tracepoint, as its format file gives it. */
struct syscall_exit_ctx {
	u64 common;
	s32 syscall_nr;
	s32 pad;
	s64 ret;
};

static __always_inline u64 cookie_of(struct sock *sk)
{
	return have_cookies ? bpf_get_socket_cookie(sk) : 0;
}

static __always_inline void count(u32 stat)
{
	u64 *value = bpf_map_lookup_elem(&stats, &stat);

	if (value)
		*value += 1;
}

/*
 * Batch wake-ups: the reader drains on its tick and is woken early only when a quarter of the
 * ring waits, then at most once a millisecond per CPU until it has drained. Not by every record
 * past a quarter: until the reader ran, each would raise its own wake-up (an IPI, a VM exit
 * here). Not by the one record that crosses the quarter either: with two CPUs reserving at once,
 * each can see the other's record already counted, and neither would wake it.
 * Past half the ring, every record wakes it: a full ring takes no more records, so a wake-up
 * held back there would never come, and the reader would sleep until its tick while everything
 * is lost (a 4 KiB ring under churn applied a few hundred records a second).
 */
#define WAKEUP_EVERY_NS 1000000

static __always_inline u64 submit_flags(u64 now)
{
	u32 zero = 0;
	u64 *last;

	u64 waiting;

	if (!wakeup_bytes)
		return 0;
	waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (waiting < wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	if (waiting >= 2 * wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	last = bpf_map_lookup_elem(&last_wakeup, &zero);
	if (last && now - *last < WAKEUP_EVERY_NS)
		return BPF_RB_NO_WAKEUP;
	if (last)
		*last = now;
	return BPF_RB_FORCE_WAKEUP;
}

/*
 * @direct: the program's socket argument is a pointer the verifier trusts (tp_btf, fentry), so
 * fields are plain loads; else (raw_tp, tp, kprobe, and sockets found by other means) each is a
 * probe read, a helper call. A constant at every call site: the compiler keeps one of the two.
 */
static __always_inline void remember_task(struct pending *p, bool direct)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();

	p->pid = pid_tgid >> 32;
	p->tid = (u32)pid_tgid;
	/*
	 * The process's main thread is its own leader: plain loads. Another thread's leader is
	 * read by probe reads: loading the group_leader pointer from the trusted current task
	 * would cost the verifier a few scans of the kernel's BTF (see tcp_sock_of).
	 */
	if (direct && p->pid == p->tid &&
	    bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *leader = bpf_get_current_task_btf();

		p->proc_start_ns = leader_start_boottime(leader);
		__builtin_memcpy(p->comm, leader->comm, sizeof(p->comm));
	} else {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();

		p->proc_start_ns = task_start_boottime(task);
		BPF_CORE_READ_INTO(&p->comm, task, group_leader, comm);
	}
	p->has_task = 1;
}

static __always_inline void fill_tuple(struct ct_event *e, struct sock *sk, bool direct)
{
	struct inet_sock *inet = (struct inet_sock *)sk;
	struct tcp_sock *tp;

	if (direct && (tp = tcp_sock_of(sk))) {
		e->family = sk->__sk_common.skc_family;
		e->netns = tp->inet_conn.icsk_inet.sk.__sk_common.skc_net.net->ns.inum;
		e->lport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
		e->rport = bpf_ntohs(sk->__sk_common.skc_dport);
		if (e->family == AF_INET) {
			__builtin_memcpy(e->laddr, &sk->__sk_common.skc_rcv_saddr, 4);
			__builtin_memcpy(e->raddr, &sk->__sk_common.skc_daddr, 4);
		} else {
			__builtin_memcpy(e->laddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
			__builtin_memcpy(e->raddr, &sk->__sk_common.skc_v6_daddr, 16);
		}
		return;
	}
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->netns = sk_netns(sk);
	/* inet_sport, not skc_num: skc_num is already 0 when the socket closes. */
	e->lport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Explicit sizes: CORE_READ_INTO on an array would copy sizeof one element. */
	if (e->family == AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/*
 * A socket's counts at its close: the bytes its sends and receives moved since we began counting
 * (exact: tcp_sock's bytes_acked and bytes_received also count SYN and FIN), and its own
 * retransmitted segments. Returns whether bytes were counted for it (the map is in use).
 */
static __always_inline bool final_traffic(struct sock *sk, u64 cookie, struct ct_traffic *t)
{
	struct ct_traffic *live;

	if (!count_bytes)
		return false;
	if (use_sk_storage)
		live = bpf_sk_storage_get(&sk_traffic, sk, 0, 0);
	else
		live = bpf_map_lookup_elem(&traffic, &cookie);
	if (live) {
		t->bytes_sent = live->bytes_sent;
		t->bytes_received = live->bytes_received;
	}
	t->retransmits = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	return true;
}

/* A socket's live counts are over at its close (it may connect again: a new connection). */
static __always_inline void forget_traffic(struct sock *sk, u64 cookie)
{
	if (!count_bytes)
		return;
	if (use_sk_storage)
		bpf_sk_storage_delete(&sk_traffic, sk);
	else
		bpf_map_delete_elem(&traffic, &cookie);
}

/*
 * Emit one record. The task comes from @p when given (remembered by an earlier hook), else from
 * the current task when @task_is_owner, else the record says CT_F_NO_TASK. @ctx is the program's,
 * which bpf_perf_event_output needs.
 *
 * Ring buffer: the record is written in place. Perf buffer: it is built on the stack and copied
 * into this CPU's buffer; a full buffer is counted in perf_full, any other failure as lost.
 */
static __always_inline void emit(void *ctx, struct sock *sk, u64 cookie, u16 type, u8 state,
				 u16 flags, const struct pending *p, bool task_is_owner,
				 bool direct)
{
	struct ct_event local;
	struct ct_event *e;

	if (use_perfbuf) {
		e = &local;
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			count(CT_STAT_LOST);
			return;
		}
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->cookie = cookie;
	e->type = type;
	e->state = state;
	fill_tuple(e, sk, direct);
	if (p && p->has_task) {
		e->pid = p->pid;
		e->tid = p->tid;
		e->proc_start_ns = p->proc_start_ns;
		e->cgroup_id = p->cgroup_id;
		__builtin_memcpy(e->comm, p->comm, sizeof(e->comm));
	} else if (task_is_owner) {
		struct pending now = {};

		remember_task(&now, direct);
		e->pid = now.pid;
		e->tid = now.tid;
		e->proc_start_ns = now.proc_start_ns;
		e->cgroup_id = sk_cgroup_id(sk, direct);
		__builtin_memcpy(e->comm, now.comm, sizeof(e->comm));
	} else {
		flags |= CT_F_NO_TASK;
		e->cgroup_id = p ? p->cgroup_id : 0;
	}
	if (type == CT_EV_CLOSE && final_traffic(sk, cookie, &e->traffic))
		flags |= CT_F_TRAFFIC;
	e->flags = flags;
	if (use_perfbuf) {
		long err =
			bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, e, sizeof(*e));

		if (err == -28 /* ENOSPC */) {
			u32 zero = 0;
			u64 *full = bpf_map_lookup_elem(&perf_full, &zero);

			if (full)
				*full += 1;
		} else if (err) {
			count(CT_STAT_LOST);
		}
	} else {
		bpf_ringbuf_submit(e, submit_flags(e->ts_ns));
	}
}

static __always_inline void remember(u64 key, struct pending *p)
{
	long err = bpf_map_update_elem(&pending, &key, p, BPF_NOEXIST);

	/* -EEXIST is a simultaneous open already remembered; anything else (full, or -EBUSY when
	 * nested in an update on this CPU) loses the task: counted. */
	if (err && err != -17 /* EEXIST */)
		count(CT_STAT_PENDING_FULL);
}

static __always_inline void on_established(void *ctx, struct sock *sk, u64 key, int oldstate,
					   bool direct)
{
	struct pending *p = bpf_map_lookup_elem(&pending, &key);

	if (oldstate == TCP_SYN_SENT || (p && !p->passive)) {
		/* Active open done. Without a remembered task it began before we attached. */
		emit(ctx, sk, cookie_of(sk), CT_EV_CONNECT, TCP_ESTABLISHED, 0, p, false, direct);
		if (p)
			bpf_map_delete_elem(&pending, &key);
	}
	/* Passive: remembered at SYN_RECV, emitted by accept(). */
}

static __always_inline void on_close(void *ctx, struct sock *sk, u64 key, int oldstate, bool direct)
{
	struct pending *p = bpf_map_lookup_elem(&pending, &key);
	u16 flags = 0;

	if (oldstate == TCP_SYN_SENT)
		count(CT_STAT_CONNECT_FAILED);
	if (oldstate == TCP_LISTEN) {
		emit(ctx, sk, cookie_of(sk), CT_EV_UNLISTEN, TCP_LISTEN, 0, NULL, false, direct);
	} else if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV) {
		/*
		 * Emitted for every connected socket, also those opened before conntop started,
		 * so user space can close what it seeded from sock_diag.
		 */
		u64 cookie = cookie_of(sk);

		if (p && p->passive)
			flags |= CT_F_NOT_ACCEPTED;
		emit(ctx, sk, cookie, CT_EV_CLOSE, oldstate, flags, p, false, direct);
		/* Even when the record was lost: its live counts are over either way. */
		forget_traffic(sk, cookie);
	}
	if (p)
		bpf_map_delete_elem(&pending, &key);
}

/* The changes a connection's records come from; the others (FIN_WAIT1, CLOSE_WAIT...) cost nothing. */
static __always_inline bool matters(int newstate)
{
	return newstate == TCP_SYN_SENT || newstate == TCP_SYN_RECV ||
	       newstate == TCP_ESTABLISHED || newstate == TCP_LISTEN || newstate == TCP_CLOSE;
}

static __always_inline void on_set_state(void *ctx, struct sock *sk, int oldstate, int newstate,
					 bool direct)
{
	struct pending p = {};
	u64 key = (u64)sk;

	if (!matters(newstate) || sk_protocol(sk, direct) != IPPROTO_TCP)
		return;

	switch (newstate) {
	case TCP_SYN_SENT:
		/* In connect(): the current task is the owner. The port is not chosen yet. */
		p.cgroup_id = sk_cgroup_id(sk, direct);
		remember_task(&p, direct);
		remember(key, &p);
		break;
	case TCP_SYN_RECV:
		/* A passive child (or a simultaneous open, already remembered: NOEXIST keeps it). */
		p.passive = 1;
		p.cookie = cookie_of(sk);
		p.cgroup_id = sk_cgroup_id(sk, direct);
		remember(key, &p);
		break;
	case TCP_ESTABLISHED:
		on_established(ctx, sk, key, oldstate, direct);
		break;
	case TCP_LISTEN:
		emit(ctx, sk, cookie_of(sk), CT_EV_LISTEN, TCP_LISTEN, 0, NULL, true, direct);
		break;
	case TCP_CLOSE:
		on_close(ctx, sk, key, oldstate, direct);
		break;
	}
}

/*
 * The kernel runs a program at most once per CPU at a time, so a state change in an interrupt
 * that comes while the program runs is skipped (counted in its recursion_misses). So each
 * state-change hook has two copies, called one after the other for every call. The first
 * handles the call, and says while its body runs that it is running on this CPU. The second
 * handles the call only when the first is running on this CPU: then it is running for a call
 * below this one, which the kernel skipped it for. Nothing else is kept, so nothing can go stale:
 * the answer is exact but in the few instructions the kernel's guard holds before and after the
 * body. A call skipped there is handled by neither copy, and shows as lost (user space reports
 * the first copy's skips less the second copy's rescues).
 */
static __always_inline void first_copy(u32 pair, void *ctx, struct sock *sk, int oldstate,
				       int newstate, bool direct)
{
	u32 *running;

	/* A change that makes no record returns in a few instructions: no wider than the guard's. */
	if (!matters(newstate))
		return;
	running = bpf_map_lookup_elem(&first_running, &pair);
	if (running)
		*running = 1;
	on_set_state(ctx, sk, oldstate, newstate, direct);
	if (running)
		*running = 0;
}

static __always_inline void second_copy(u32 pair, void *ctx, struct sock *sk, int oldstate,
					int newstate, bool direct)
{
	u32 *running = bpf_map_lookup_elem(&first_running, &pair);

	if (!running || !*running)
		return; /* the first copy ran for this call */
	/*
	 * Counted also when the change makes no record: the kernel counted the skip, and nothing
	 * was lost. (A skip in the guard's window is not told apart: lost counts it either way.)
	 */
	count(CT_STAT_NESTED_RESCUED);
	if (matters(newstate))
		on_set_state(ctx, sk, oldstate, newstate, direct);
}

/*
 * Hook variants, one chosen by the loader by probing (the others are not loaded). Each feeds
 * on_set_state the tracepoint's three arguments.
 *
 * Tracepoint sock:inet_sock_set_state (4.16+): tp_btf (BTF, 5.5+), else raw_tp, else the
 * classic tracepoint (whose programs share one per-CPU guard with every kprobe: no second copy
 * can help there).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state, struct sock *sk, int oldstate, int newstate)
{
	first_copy(0, ctx, sk, oldstate, newstate, true);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_set_state_nested, struct sock *sk, int oldstate, int newstate)
{
	second_copy(0, ctx, sk, oldstate, newstate, true);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_set_state, struct sock *sk, int oldstate, int newstate)
{
	first_copy(0, ctx, sk, oldstate, newstate, false);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_set_state_nested, struct sock *sk, int oldstate, int newstate)
{
	second_copy(0, ctx, sk, oldstate, newstate, false);
	return 0;
}

SEC("tp/sock/inet_sock_set_state")
int tp_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_set_state(ctx, (struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate, false);
	return 0;
}

/*
 * Functions: the two that fire the tracepoint, inet_sk_state_store (every change tcp_set_state
 * makes, and LISTEN) and inet_sk_set_state (a passive child's SYN_RECV), entered before the state
 * changes, so the old state is still the socket's. Hooking these rather than tcp_v4_connect and
 * tcp_close, as tcptracer-bpf did, gives every variant the same records (tcp_set_state itself is
 * not hooked: it ends in inet_sk_state_store, and each change would come twice). fentry (BTF,
 * 5.5+) first; kprobes wherever the kernel has them.
 */
static __always_inline int sk_state(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
}

/*
 * fentry programs have per-program guards too, so each function gets two copies, A and B. But a
 * trampoline calls its programs in an order the kernel does not promise (newest first, in the
 * kernels read), so the copies learn it: the first copy to run for the first call ever says which
 * it is, and from then on that one is the first copy (see first_copy) and the other the second.
 */
__u32 fentry_first = 0; /* 0 until learned, then 1 (A runs first) or 2 (B); user space reads it */

static __always_inline void fentry_copy(u32 pair, u32 copy, void *ctx, struct sock *sk, int state)
{
	u32 first = fentry_first;
	int oldstate = sk_state(sk); /* the copies return early when the change makes no record */

	if (!first) {
		/* Every CPU's first caller is the same program: a race writes the same value. */
		fentry_first = copy;
		first = copy;
	}
	if (copy == first)
		first_copy(pair, ctx, sk, oldstate, state, true);
	else
		second_copy(pair, ctx, sk, oldstate, state, true);
}

#define FENTRY_PAIR(pair, func)                                          \
	SEC("fentry/" #func)                                             \
	int BPF_PROG(fentry_##func, struct sock *sk, int state)          \
	{                                                                \
		fentry_copy(pair, 1, ctx, sk, state);                    \
		return 0;                                                \
	}                                                                \
	SEC("fentry/" #func)                                             \
	int BPF_PROG(fentry_##func##_nested, struct sock *sk, int state) \
	{                                                                \
		fentry_copy(pair, 2, ctx, sk, state);                    \
		return 0;                                                \
	}

FENTRY_PAIR(0, inet_sk_state_store)
FENTRY_PAIR(1, inet_sk_set_state)

/*
 * Kprobe programs share one per-CPU guard with every kprobe and classic tracepoint program, so a
 * second copy would be skipped with the first: one copy each. A kernel before 6.7 does not count
 * what that guard skips: the loader says so, and healing corrects it.
 */

SEC("kprobe/inet_sk_set_state")
int BPF_KPROBE(kprobe_inet_sk_set_state, struct sock *sk, int state)
{
	on_set_state(ctx, sk, sk_state(sk), state, false);
	return 0;
}

SEC("kprobe/inet_sk_state_store")
int BPF_KPROBE(kprobe_inet_sk_state_store, struct sock *sk, int state)
{
	on_set_state(ctx, sk, sk_state(sk), state, false);
	return 0;
}

/* fd -> file -> socket -> sock of the calling task. */
static __always_inline struct sock *fd_to_sock(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	struct socket *sock;

	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* An accepted socket, in the acceptor's task: the ACCEPT record of a child seen being born. */
static __always_inline int on_accept(void *ctx, struct sock *sk)
{
	struct pending *p;
	u64 key;

	if (!sk)
		return 0;
	key = (u64)sk;
	p = bpf_map_lookup_elem(&pending, &key);
	if (!p || !p->passive)
		return 0; /* not a TCP child we saw being born (unix socket, or before start) */
	emit(ctx, sk, p->cookie, CT_EV_ACCEPT, TCP_ESTABLISHED, 0, NULL, true, false);
	bpf_map_delete_elem(&pending, &key);
	return 0;
}

/* With the tracepoint variants: the accept()/accept4() syscalls' exits, and the fd they return. */
SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct syscall_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : on_accept(ctx, fd_to_sock(ctx->ret));
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit(struct syscall_exit_ctx *ctx)
{
	return ctx->ret < 0 ? 0 : on_accept(ctx, fd_to_sock(ctx->ret));
}

/*
 * With the function variants: inet_csk_accept's return, the new socket (its arguments changed in
 * 6.10; bpf_get_func_ret, 5.17+, reads the return value whatever they are).
 */
SEC("fexit/inet_csk_accept")
int BPF_PROG(fexit_accept)
{
	u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return on_accept(ctx, (struct sock *)ret);
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kretprobe_accept, struct sock *sk)
{
	return on_accept(ctx, sk);
}

/* Traffic: counted per socket in its storage or the map, never one record per send. */

/*
 * The socket's storage, made at its first count. NULL when it cannot be made (out of memory, or
 * the socket is being freed): counted. A socket counted on two CPUs at once may have its storage
 * made by the other in between: the kernel then refuses ours (-EEXIST) and the other is found.
 */
static __always_inline struct ct_traffic *sk_traffic_of(struct sock *sk)
{
	struct ct_traffic *t = bpf_sk_storage_get(&sk_traffic, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);

	if (!t)
		t = bpf_sk_storage_get(&sk_traffic, sk, 0, 0);
	if (!t)
		count(CT_STAT_TRAFFIC_FULL);
	return t;
}

static __always_inline struct ct_traffic *traffic_of(struct sock *sk)
{
	struct ct_traffic *t;
	u64 cookie;

	if (use_sk_storage)
		return sk_traffic_of(sk);
	cookie = cookie_of(sk);
	t = bpf_map_lookup_elem(&traffic, &cookie);
	if (!t) {
		struct ct_traffic zero = {};
		long err = bpf_map_update_elem(&traffic, &cookie, &zero, BPF_NOEXIST);

		if (err && err != -17 /* EEXIST: another CPU made it first */) {
			count(CT_STAT_TRAFFIC_FULL);
			return NULL;
		}
		t = bpf_map_lookup_elem(&traffic, &cookie);
	}
	return t;
}

static __always_inline void add_traffic(struct sock *sk, u64 sent, u64 received)
{
	struct ct_traffic *t = traffic_of(sk);

	if (!t)
		return;
	/* One socket may send on one CPU and receive on another at once. */
	if (sent)
		__sync_fetch_and_add(&t->bytes_sent, sent);
	if (received)
		__sync_fetch_and_add(&t->bytes_received, received);
}

static __always_inline void set_retransmits(struct sock *sk, u32 total)
{
	struct ct_traffic *t = traffic_of(sk);

	if (t && total > t->retransmits) /* retransmits of one socket do not run in parallel */
		t->retransmits = total;
}

/* A TCP socket with a connection: not listening, and not closed (its close record has the rest). */
static __always_inline bool counts_traffic(struct sock *sk)
{
	u8 state = sk->__sk_common.skc_state; /* tp_btf: a plain load */

	return sk_protocol(sk, true) == IPPROTO_TCP && state != TCP_CLOSE && state != TCP_LISTEN;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(count_send, struct sock *sk, int ret, int flags)
{
	if (ret > 0 && counts_traffic(sk))
		add_traffic(sk, ret, 0);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(count_receive, struct sock *sk, int ret, int flags)
{
	if (ret > 0 && !(flags & MSG_PEEK) && counts_traffic(sk))
		add_traffic(sk, 0, ret);
	return 0;
}

/*
 * Retransmits in segments, as tcp_info counts them: the socket's own total, read here (an skb
 * may hold many segments). A kernel that raised the total only after this tracepoint would show
 * one retransmit late, until the next one or the close, whose record has the final total.
 */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(count_retransmit, struct sock *sk)
{
	u32 total;

	if (!counts_traffic(sk))
		return 0;
	total = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	set_retransmits(sk, total);
	return 0;
}

/*
 * Every socket's storage, one record (struct ct_traffic_record) each, for user space's read at
 * each refresh: bpf_iter_create() on this program's link, then read().
 */
SEC("iter/bpf_sk_storage_map")
int dump_sk_traffic(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	struct ct_traffic *t = ctx->value;
	struct sock *sk = ctx->sk;
	struct ct_traffic_record r;

	if (!sk || !t)
		return 0;
	r.cookie = bpf_get_socket_cookie(sk);
	r.traffic = *t;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/*
 * Who holds each socket, read once at start: one record (struct ct_socket_owner) for every socket
 * file of every process (a thread sharing its leader's files is skipped by the kernel). What a
 * walk of every /proc/<pid>/fd finds, in ~9 ms instead of ~40 ms for 20,000 sockets, and without
 * a system call per file. Probe reads, not loads: a pointer loaded from the trusted file would
 * cost the verifier scans of the kernel's BTF (see tcp_sock_of()).
 */
SEC("iter/task_file")
int dump_socket_owners(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct task_struct *task = ctx->task;
	struct ct_socket_owner r;

	if (!file || !task)
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	r.inode = BPF_CORE_READ(file, f_inode, i_ino);
	r.pid = task->tgid;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
