/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readers of /proc under a root path: "" for this system, a fixture tree in tests; every path is
 * "<root>/proc/...". Processes come and go while they are read: one that is gone (or goes
 * half-way) gives -ENOENT, which callers treat as normal, not as an error. Nothing here logs.
 */
#ifndef CONNTOP_PROCFS_H
#define CONNTOP_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#define PROCFS_COMM_SIZE    64 /* sanitized: 15 hostile bytes become up to 60 */
#define PROCFS_COMM_RAW	    16 /* the kernel's TASK_COMM_LEN, as the BPF side records it */
#define PROCFS_USER_SIZE    64
#define PROCFS_CMDLINE_SIZE 4096

struct proc_info {
	uint64_t start_ticks; /* field 22 of stat: start after boot, in clock ticks */
	uint64_t start_ns; /* the same in ns, so at tick resolution: see procfs_same_start() */
	int pid;
	int ppid;
	uint32_t uid; /* real uid */
	uint32_t netns; /* inode of the network namespace; 0 when not readable (another user's) */
	char comm[PROCFS_COMM_SIZE]; /* sanitized */
	/* The comm's bytes as they are (NUL-terminated, at most 15): for a record that stands
	 * for a BPF one, which carries raw bytes, so that it is sanitized once, where it is shown. */
	char comm_raw[PROCFS_COMM_RAW];
	char user[PROCFS_USER_SIZE]; /* sanitized; "" for a uid without a name, or a fixture */
	char cmdline[PROCFS_CMDLINE_SIZE]; /* arguments joined by spaces, sanitized, cut at 4 KiB;
					    * "" for kernel threads and zombies */
};

/*
 * Reads what conntop shows of process @pid. Returns 0, -ENOENT when the process is gone or
 * vanished during the read, -EINVAL for a stat line that cannot be parsed, or another negative
 * errno. The user name is looked up (getpwuid_r) only for the real system (@root "").
 */
int procfs_read_process(const char *root, int pid, struct proc_info *out);

/*
 * Whether @p is the process the BPF side saw start at @boottime_ns (task->start_boottime): /proc
 * gives the start in clock ticks, rounded down, so a reused pid shows as another start.
 */
int procfs_same_start(const struct proc_info *p, uint64_t boottime_ns);

/*
 * Calls @cb for every socket file descriptor of every process: the socket's inode (as
 * sockdiag_sock.inode) and the pid (tgid), once per fd: a socket shared after fork() or dup()
 * comes more than once.
 * Processes that cannot be read (gone, or another user's without privilege) are skipped.
 * @cb returns 0 to go on or a negative errno to stop with it. Returns 0 or a negative errno.
 */
typedef int (*sockowner_cb)(void *ctx, uint32_t inode, int pid);
int procfs_socket_owners(const char *root, sockowner_cb cb, void *ctx);

/*
 * Calls @cb once per distinct network namespace, with the namespace's inode and one pid living
 * in it (to open /proc/<pid>/ns/net and setns() into). Same return and skip rules as above.
 */
typedef int (*netns_cb)(void *ctx, uint32_t netns, int pid);
int procfs_netns_pids(const char *root, netns_cb cb, void *ctx);

/*
 * The parsers behind procfs_read_process(), apart from the reads so that any bytes can be fed to
 * them (tests/fuzz). @buf is NUL-terminated, as a read leaves it.
 */
/* Fills comm, ppid, start_ticks and start_ns of @out from a stat line; 0 or -EINVAL. */
int procfs_parse_stat(const char *buf, struct proc_info *out);
/* The real uid from the text of status; 0 or -EINVAL. */
int procfs_parse_status_uid(const char *buf, uint32_t *uid);
/* The @len bytes of cmdline, NULs turned into spaces in place, into @out sanitized. */
void procfs_parse_cmdline(char *raw, size_t len, char *out, size_t size);
/* "<prefix><decimal>]" in @len bytes (no NUL), as "socket:[12345]" or "net:[4026531840]". */
int procfs_parse_link(const char *link, size_t len, const char *prefix, uint32_t *out);

#endif /* CONNTOP_PROCFS_H */
