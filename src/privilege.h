/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capabilities after start-up: the BPF programs are loaded and attached and the first pass over
 * the kernel's socket tables is done, so what loading needed is given up, for good (the bounding
 * set too), and only what the running tool still uses is kept.
 */
#ifndef CONNTOP_PRIVILEGE_H
#define CONNTOP_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>

struct privilege_needs {
	bool read_processes; /* /proc of every process: a live source, not a replay */
	bool enter_namespaces; /* sock_diag in other namespaces: healing, polling, bytes (setns) */
	bool write_files; /* -o or the screen's export key: a file where the user says */
	bool read_bpf_maps; /* bpf() on our own maps: before Linux 6.5 it needs CAP_BPF */
};

/*
 * Keeps, as @needs says: CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (other users' /proc/<pid>/fd and
 * ns links, container metadata whoever owns it), CAP_SYS_ADMIN, CAP_DAC_OVERRIDE and CAP_BPF; drops every other, from the bounding set too, and sets
 * no_new_privs. A process without those capabilities keeps what it has. Writes the names kept
 * into @kept ("sys_ptrace,dac_read_search"). 0, or -errno.
 */
int privilege_drop(const struct privilege_needs *needs, char *kept, size_t size);

/* Whether bpf() on a map we hold needs CAP_BPF here: kernels before 6.5 check every call. */
bool privilege_bpf_calls_checked(void);

#endif /* CONNTOP_PRIVILEGE_H */
