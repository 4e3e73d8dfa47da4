/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one contract between the BPF programs and user space.
 *
 * This header includes nothing: the BPF side gets the __u* types from vmlinux.h, user space from
 * <linux/types.h>, included before this file. Every field has a fixed width and the padding is
 * explicit, so the layout is the same for clang -target bpf, gcc and a recording read on another
 * machine. Change the layout only together with CT_EVENT_VERSION.
 */
#ifndef CONNTOP_EVENT_H
#define CONNTOP_EVENT_H

#define CT_EVENT_VERSION 2
#define CT_COMM_LEN	 16

/* What happened to a socket. A connection's socket emits its lifecycle, not every state change. */
enum ct_event_type {
	CT_EV_CONNECT =
		1, /* active open reached ESTABLISHED; task = the process that called connect */
	CT_EV_ACCEPT = 2, /* accept() returned the socket; task = the accepting process */
	CT_EV_CLOSE = 3, /* the socket left a connected state for CLOSE; task = not meaningful */
	CT_EV_LISTEN = 4, /* listen(); task = the listening process */
	CT_EV_UNLISTEN = 5, /* a listening socket closed; task = not meaningful */
	CT_EV_TYPE_MAX,
};

/* ct_event.flags */
enum ct_event_flag {
	CT_F_NO_TASK = 1 << 0, /* pid, comm and start time are unknown (not from a task) */
	CT_F_NOT_ACCEPTED = 1 << 1, /* close of a passive socket that accept() never returned */
	CT_F_SEEDED = 1 << 2, /* made by user space from a sock_diag dump: open before we looked */
	CT_F_TRAFFIC = 1 << 3, /* CT_EV_CLOSE: .traffic holds the bytes counted since we began */
};

/* Counters kept per CPU in the BPF "stats" map, summed by user space. */
enum ct_stat {
	CT_STAT_LOST = 0, /* ring buffer full: a record could not be reserved */
	CT_STAT_PENDING_FULL = 1, /* could not remember a connect/accept in progress */
	CT_STAT_CONNECT_FAILED = 2, /* SYN_SENT -> CLOSE: the connect never completed (not lost) */
	CT_STAT_NESTED_RESCUED = 3, /* state changes handled by the nested copy (not lost) */
	CT_STAT_TRAFFIC_FULL = 4, /* a socket's byte counters found no room (storage or map) */
	CT_STAT_MAX,
};

/*
 * A socket's traffic as the socket sees it: payload bytes sent and received, and retransmitted
 * segments (as tcp_info counts them). Live, in the socket's BPF storage ("sk_traffic"), or in the
 * "traffic" map keyed by cookie: what sendmsg and recvmsg moved since we began counting. In a CT_EV_CLOSE record with CT_F_TRAFFIC:
 * the same, final. In a seeded record: what tcp_info said when the socket was found.
 */
struct ct_traffic {
	__u64 bytes_sent;
	__u64 bytes_received;
	__u32 retransmits;
	__u32 pad;
};

/* What the socket-storage iterator (dump_sk_traffic) writes for each socket it counts. */
struct ct_traffic_record {
	__u64 cookie;
	struct ct_traffic traffic;
};

/*
 * What the socket-owner iterator (dump_socket_owners) writes for each socket file a process
 * holds: the socket's inode and the holder's process id (init pid namespace).
 */
struct ct_socket_owner {
	__u32 inode;
	__u32 pid;
};

struct ct_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) when it happened */
	__u64 cookie; /* socket cookie: unique per boot, the socket's identity */
	__u64 cgroup_id; /* cgroup v2 id of the socket's owner */
	__u64 proc_start_ns; /* start of the process (boot-based ns): a reused pid is a new process */
	__u32 pid; /* tgid; 0 when CT_F_NO_TASK */
	__u32 tid;
	__u32 netns; /* inode of the socket's network namespace */
	__u16 type; /* enum ct_event_type */
	__u16 flags; /* enum ct_event_flag */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 state; /* TCP state after the change; for CT_EV_CLOSE the state it left */
	__u16 lport; /* local port, host byte order */
	__u16 rport; /* remote port, host byte order */
	__u16 pad;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes, network byte order */
	__u8 raddr[16];
	char comm[CT_COMM_LEN]; /* the process's name (thread group leader); may hold any bytes */
	struct ct_traffic traffic; /* CT_EV_CLOSE and seeded records; 0 otherwise */
};

#define CT_EVENT_SIZE	       128
#define CT_TRAFFIC_SIZE	       24
#define CT_TRAFFIC_RECORD_SIZE 32

#endif /* CONNTOP_EVENT_H */
