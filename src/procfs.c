// SPDX-License-Identifier: GPL-2.0-only
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sanitize.h"

#define STAT_SIZE   1024 /* fields 1-22 fit well: a pid, a comm of 64 bytes at most, numbers */
#define STATUS_SIZE 4096 /* the Uid: line is the 9th */
#define LINK_SIZE   32 /* "socket:[4294967295]" fits; a longer link is something else */
#define DENTS_SIZE  (32 * 1024)

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* A process that exits during a read: its files vanish (ENOENT) or refuse reads (ESRCH). */
static int gone_as_enoent(int err)
{
	return err == -ESRCH ? -ENOENT : err;
}

/* Errors that mean "cannot see this process": it exited, or it is another user's. */
static int skippable(int err)
{
	return err == ENOENT || err == ESRCH || err == EACCES || err == EPERM || err == ENOTDIR;
}

/* Opens "<root>/proc", or "<root>/proc/<pid>" when @pid > 0, as a directory. */
static int open_proc(const char *root, int pid)
{
	char path[PATH_MAX];
	int n, fd;

	if (pid > 0)
		n = snprintf(path, sizeof(path), "%s/proc/%d", root, pid);
	else
		n = snprintf(path, sizeof(path), "%s/proc", root);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Reads at most @size - 1 bytes of @name under @dirfd and NUL-terminates them. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return err ? err : (ssize_t)len;
}

int procfs_parse_link(const char *link, size_t len, const char *prefix, uint32_t *out)
{
	size_t plen = strlen(prefix), i;
	uint64_t v = 0;

	if (len < plen + 2 || memcmp(link, prefix, plen) || link[len - 1] != ']')
		return -EINVAL;
	for (i = plen; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9')
			return -EINVAL;
		v = v * 10 + (link[i] - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static int read_link_id(int dirfd, const char *name, const char *prefix, uint32_t *out)
{
	char link[LINK_SIZE];
	ssize_t n = readlinkat(dirfd, name, link, sizeof(link));

	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(link))
		return -EINVAL; /* cut short: not one of ours */
	return procfs_parse_link(link, n, prefix, out);
}

static uint64_t tick_ns(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? 1000000000ULL / hz : 10000000ULL;
}

/*
 * "pid (comm) state ppid ... starttime ...". The comm is any 1-64 bytes but NUL, ") (" and
 * newlines included, so it ends at the last ')': no later field holds one.
 */
int procfs_parse_stat(const char *buf, struct proc_info *out)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');

	if (!open || !close || close < open)
		return -EINVAL;
	sanitize(out->comm, sizeof(out->comm), open + 1, close - open - 1);
	memcpy(out->comm_raw, open + 1, min_size(close - open - 1, sizeof(out->comm_raw) - 1));
	/* Fields 3 (state) and 4 (ppid), 5 to 21 skipped, 22 (starttime). */
	if (sscanf(close + 1,
		   " %*c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
		   " %" SCNu64,
		   &out->ppid, &out->start_ticks) != 2)
		return -EINVAL;
	out->start_ns = out->start_ticks * tick_ns();
	return 0;
}

static int read_stat(int dirfd, struct proc_info *out)
{
	char buf[STAT_SIZE];
	ssize_t n = read_at(dirfd, "stat", buf, sizeof(buf));

	return n < 0 ? n : procfs_parse_stat(buf, out);
}

/* The real uid: the first of the four on the "Uid:" line of status. */
int procfs_parse_status_uid(const char *buf, uint32_t *uid)
{
	const char *line = strstr(buf, "\nUid:");
	unsigned int v;

	if (!line || sscanf(line + 5, "%u", &v) != 1)
		return -EINVAL;
	*uid = v;
	return 0;
}

static int read_uid(int dirfd, uint32_t *uid)
{
	char buf[STATUS_SIZE];
	ssize_t n = read_at(dirfd, "status", buf, sizeof(buf));

	return n < 0 ? n : procfs_parse_status_uid(buf, uid);
}

void procfs_parse_cmdline(char *raw, size_t len, char *out, size_t size)
{
	size_t i;

	/* Each argument ends with a NUL: the last one ends the line, the others are separators. */
	while (len && !raw[len - 1])
		len--;
	for (i = 0; i < len; i++)
		if (!raw[i])
			raw[i] = ' ';
	sanitize(out, size, raw, len);
}

static int read_cmdline(int dirfd, char *out, size_t size)
{
	char raw[PROCFS_CMDLINE_SIZE];
	ssize_t len = read_at(dirfd, "cmdline", raw, sizeof(raw));

	if (len < 0)
		return len;
	procfs_parse_cmdline(raw, len, out, size);
	return 0;
}

static void lookup_user(uint32_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res)
		sanitize(out, size, res->pw_name, strlen(res->pw_name));
}

int procfs_read_process(const char *root, int pid, struct proc_info *out)
{
	int dirfd, err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	if (pid <= 0)
		return -EINVAL;
	/* Every file is read through this one directory: a pid reused meanwhile gives ESRCH. */
	dirfd = open_proc(root, pid);
	if (dirfd < 0)
		return gone_as_enoent(dirfd);
	err = read_stat(dirfd, out);
	if (!err)
		err = read_uid(dirfd, &out->uid);
	if (!err)
		err = read_cmdline(dirfd, out->cmdline, sizeof(out->cmdline));
	/* ns/net needs ptrace access: another user's process keeps netns 0. */
	if (!err && read_link_id(dirfd, "ns/net", "net:[", &out->netns))
		out->netns = 0;
	close(dirfd);
	if (err)
		return gone_as_enoent(err);
	/* The host's user database says nothing about a fixture's uids. */
	if (!*root)
		lookup_user(out->uid, out->user, sizeof(out->user));
	return 0;
}

int procfs_same_start(const struct proc_info *p, uint64_t boottime_ns)
{
	return boottime_ns / tick_ns() == p->start_ticks;
}

/* The pid a /proc entry names, or 0 for the rest (self, net, sys, ...). */
static int entry_pid(const char *name)
{
	long v = 0;

	if (*name < '1' || *name > '9')
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9')
			return 0;
		v = v * 10 + (*name - '0');
		if (v > INT_MAX)
			return 0;
	}
	return v;
}

typedef int (*pid_fn)(int procfd, const char *name, int pid, void *arg);

/* Calls @fn for every process: only tgids are listed in /proc, threads are not. */
static int for_each_pid(const char *root, pid_fn fn, void *arg)
{
	int procfd = open_proc(root, 0), err = 0;
	DIR *dir;

	if (procfd < 0)
		return procfd;
	dir = fdopendir(procfd);
	if (!dir) {
		err = -errno;
		close(procfd);
		return err;
	}
	while (!err) {
		struct dirent *de;
		int pid;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			err = -errno;
			break;
		}
		pid = entry_pid(de->d_name);
		if (pid)
			err = fn(procfd, de->d_name, pid, arg);
	}
	closedir(dir);
	return err;
}

struct owner_scan {
	sockowner_cb cb;
	void *ctx;
	char *dents; /* DENTS_SIZE bytes, one buffer for the whole scan */
};

static int scan_dents(int fdfd, const char *dents, size_t len, int pid,
		      const struct owner_scan *scan)
{
	size_t off = 0;

	while (off < len) {
		const struct dirent64 *d = (const struct dirent64 *)(dents + off);
		uint32_t inode;
		int err;

		off += d->d_reclen;
		if (d->d_name[0] == '.')
			continue;
		/* An fd closed since getdents fails here: it is simply not there. */
		if (read_link_id(fdfd, d->d_name, "socket:[", &inode))
			continue;
		err = scan->cb(scan->ctx, inode, pid);
		if (err)
			return err;
	}
	return 0;
}

/* The sockets of one process, read with getdents64 and readlinkat: no allocation per fd. */
static int scan_fds(int procfd, const char *name, int pid, void *arg)
{
	const struct owner_scan *scan = arg;
	char rel[32];
	ssize_t n;
	int fdfd, err = 0;

	snprintf(rel, sizeof(rel), "%s/fd", name);
	fdfd = openat(procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdfd < 0)
		return skippable(errno) ? 0 : -errno;
	while ((n = getdents64(fdfd, scan->dents, DENTS_SIZE)) > 0) {
		err = scan_dents(fdfd, scan->dents, n, pid, scan);
		if (err)
			break;
	}
	if (n < 0 && !skippable(errno))
		err = -errno;
	close(fdfd);
	return err;
}

int procfs_socket_owners(const char *root, sockowner_cb cb, void *ctx)
{
	struct owner_scan scan = { .cb = cb, .ctx = ctx };
	int err;

	/* getdents64 records are 8-byte aligned within the buffer; malloc aligns its start. */
	scan.dents = malloc(DENTS_SIZE);
	if (!scan.dents)
		return -ENOMEM;
	err = for_each_pid(root, scan_fds, &scan);
	free(scan.dents);
	return err;
}

/* A set of namespace inodes: a sorted array, as there are a few, or a few thousand. */
struct id_set {
	uint32_t *ids;
	size_t n, cap;
};

/* Returns 1 if @id is new (and now in the set), 0 if it was there, or -ENOMEM. */
static int id_set_add(struct id_set *set, uint32_t id)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < set->n && set->ids[lo] == id)
		return 0;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		uint32_t *ids = realloc(set->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		set->ids = ids;
		set->cap = cap;
	}
	memmove(set->ids + lo + 1, set->ids + lo, (set->n - lo) * sizeof(*set->ids));
	set->ids[lo] = id;
	set->n++;
	return 1;
}

struct netns_scan {
	netns_cb cb;
	void *ctx;
	struct id_set seen;
};

static int check_netns(int procfd, const char *name, int pid, void *arg)
{
	struct netns_scan *scan = arg;
	char rel[32];
	uint32_t netns;
	int added;

	snprintf(rel, sizeof(rel), "%s/ns/net", name);
	if (read_link_id(procfd, rel, "net:[", &netns))
		return 0; /* gone, or another user's process */
	added = id_set_add(&scan->seen, netns);
	if (added <= 0)
		return added;
	return scan->cb(scan->ctx, netns, pid);
}

int procfs_netns_pids(const char *root, netns_cb cb, void *ctx)
{
	struct netns_scan scan = { .cb = cb, .ctx = ctx };
	int err = for_each_pid(root, check_netns, &scan);

	free(scan.seen.ids);
	return err;
}
