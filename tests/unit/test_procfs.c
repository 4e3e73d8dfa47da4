// SPDX-License-Identifier: GPL-2.0-only
/*
 * procfs: every reader on the fixture tree tests/fixtures/procfs/proc, and on this machine's /proc.
 *
 * Fixture processes:
 *   100  sshd: fds 0-9 (sockets 20001 and 20002, a pipe, /dev/null, malformed "socket:[...]"
 *        links), netns 4026531840.
 *   200  comm "a) (b c\e[2J", ppid 100, uid 1000 (effective 1001), a command line with escape
 *        sequences, a newline and a byte that is not UTF-8; sockets 20003 and 20001 (shared with
 *        100), netns 4026532000.
 *   300  vanished mid-read: only stat is left.
 *   400  a 10 KiB command line; socket 20004, netns 4026532000.
 *   self, net/, uptime and 12abc/ (holding a socket) are not processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define NETNS_INIT  4026531840u
#define NETNS_OTHER 4026532000u

/* The group's state, given to every test: "<FIXTURES>/procfs", the fixture tree's root. */
static int setup_root(void **state)
{
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures";

	if (asprintf((char **)state, "%s/procfs", dir) < 0)
		return -1;
	return 0;
}

static int teardown_root(void **state)
{
	free(*state);
	return 0;
}

static uint64_t tick_ns(void)
{
	return 1000000000ULL / sysconf(_SC_CLK_TCK);
}

/* No byte that a terminal would act on. */
static void assert_printable(const char *s)
{
	for (; *s; s++)
		assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
}

static void test_read_ordinary(void **state)
{
	struct proc_info p;

	assert_int_equal(procfs_read_process(*state, 100, &p), 0);
	assert_int_equal(p.pid, 100);
	assert_string_equal(p.comm, "sshd");
	assert_int_equal(p.ppid, 1);
	assert_int_equal(p.start_ticks, 987654);
	assert_int_equal(p.start_ns, 987654 * tick_ns());
	assert_int_equal(p.uid, 0);
	assert_string_equal(p.user, ""); /* names are not looked up for a fixture */
	assert_string_equal(p.cmdline, "/usr/sbin/sshd -D");
	assert_int_equal(p.netns, NETNS_INIT);
}

static void test_read_hostile(void **state)
{
	struct proc_info p;

	assert_int_equal(procfs_read_process(*state, 200, &p), 0);
	/* the comm ends at the last ')', and its fields follow it: ppid 100, not garbage */
	assert_string_equal(p.comm, "a) (b c\\x1b[2J");
	assert_int_equal(p.ppid, 100);
	assert_int_equal(p.start_ticks, 1500);
	assert_int_equal(p.uid, 1000);
	assert_string_equal(p.cmdline, "\\x1b[31mred\\x1b[0m --opt\\x0aline2 \\xff");
	assert_printable(p.comm);
	assert_printable(p.cmdline);
	assert_int_equal(p.netns, NETNS_OTHER);
}

static void test_read_long_cmdline(void **state)
{
	struct proc_info p;
	size_t i;

	assert_int_equal(procfs_read_process(*state, 400, &p), 0);
	assert_int_equal(strlen(p.cmdline), PROCFS_CMDLINE_SIZE - 1);
	assert_memory_equal(p.cmdline, "python3 -c AAAA", 15);
	for (i = 11; i < PROCFS_CMDLINE_SIZE - 1; i++)
		assert_int_equal(p.cmdline[i], 'A');
	assert_int_equal(p.uid, 33);
}

static void test_vanished(void **state)
{
	struct proc_info p;

	assert_int_equal(procfs_read_process(*state, 300, &p), -ENOENT); /* stat only */
	assert_int_equal(procfs_read_process(*state, 999, &p), -ENOENT); /* no directory */
	assert_int_equal(p.pid, 999);
	assert_int_equal(procfs_read_process(*state, 0, &p), -EINVAL);
	assert_int_equal(procfs_read_process("/nonexistent", 100, &p), -ENOENT);
}

/* A stat line that is not one: written at run time into a scratch tree. */
static void check_bad_stat(const char *line)
{
	char dir[] = "/tmp/test_procfs.XXXXXX", path[256];
	struct proc_info p;
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/proc", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/proc/77", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/proc/77/stat", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(line, f);
	fclose(f);
	rc = procfs_read_process(dir, 77, &p);
	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/77", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", dir);
	rmdir(path);
	rmdir(dir);
	assert_int_equal(rc, -EINVAL); /* after the clean-up, so a failure leaves nothing behind */
}

static void test_bad_stat(void **state)
{
	(void)state;
	check_bad_stat("77 sshd S 1 77 77 0 -1\n"); /* no parentheses */
	check_bad_stat("77 (sshd) S 1 77 77 0 -1 4194560 1190\n"); /* cut before field 22 */
	check_bad_stat("77 )sshd( S 1\n");
	check_bad_stat("");
}

static void test_same_start(void **state)
{
	struct proc_info p;
	uint64_t ns = 987654 * tick_ns();

	assert_int_equal(procfs_read_process(*state, 100, &p), 0);
	assert_true(procfs_same_start(&p, ns));
	assert_true(procfs_same_start(&p, ns + tick_ns() - 1)); /* /proc rounds down */
	assert_false(procfs_same_start(&p, ns + tick_ns()));
	assert_false(procfs_same_start(&p, ns - 1));
}

struct pair {
	uint32_t id;
	int pid;
};

struct pairs {
	struct pair v[64];
	size_t n;
	size_t stop_after; /* 0 = never */
};

static int add_pair(void *ctx, uint32_t id, int pid)
{
	struct pairs *ps = ctx;

	if (ps->n == 64)
		return -ENOSPC;
	ps->v[ps->n].id = id;
	ps->v[ps->n++].pid = pid;
	if (ps->stop_after && ps->n == ps->stop_after)
		return -ECANCELED;
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pid - y->pid;
}

static void test_socket_owners(void **state)
{
	static const struct pair expected[] = {
		{ 20001, 100 }, { 20001, 200 }, { 20002, 100 }, { 20003, 200 }, { 20004, 400 },
	};
	struct pairs ps = { .n = 0 };
	size_t i;

	assert_int_equal(procfs_socket_owners(*state, add_pair, &ps), 0);
	qsort(ps.v, ps.n, sizeof(ps.v[0]), cmp_pair);
	assert_int_equal(ps.n, sizeof(expected) / sizeof(expected[0]));
	for (i = 0; i < ps.n; i++) {
		assert_int_equal(ps.v[i].id, expected[i].id);
		assert_int_equal(ps.v[i].pid, expected[i].pid);
	}
}

static void test_callback_stops(void **state)
{
	struct pairs ps = { .stop_after = 1 };

	assert_int_equal(procfs_socket_owners(*state, add_pair, &ps), -ECANCELED);
	assert_int_equal(ps.n, 1);
	ps.n = 0;
	assert_int_equal(procfs_netns_pids(*state, add_pair, &ps), -ECANCELED);
	assert_int_equal(ps.n, 1);
}

static void test_netns_pids(void **state)
{
	struct pairs ps = { .n = 0 };

	assert_int_equal(procfs_netns_pids(*state, add_pair, &ps), 0);
	qsort(ps.v, ps.n, sizeof(ps.v[0]), cmp_pair);
	assert_int_equal(ps.n, 2);
	assert_int_equal(ps.v[0].id, NETNS_INIT);
	assert_int_equal(ps.v[0].pid, 100);
	assert_int_equal(ps.v[1].id, NETNS_OTHER);
	/* either process of that namespace: /proc order is the file system's */
	assert_true(ps.v[1].pid == 200 || ps.v[1].pid == 400);
}

static void test_missing_root(void **state)
{
	struct pairs ps = { .n = 0 };

	(void)state;
	assert_int_equal(procfs_socket_owners("/nonexistent", add_pair, &ps), -ENOENT);
	assert_int_equal(procfs_netns_pids("/nonexistent", add_pair, &ps), -ENOENT);
	assert_int_equal(ps.n, 0);
}

static void test_real_self(void **state)
{
	struct proc_info p;
	struct passwd *pw = getpwuid(getuid());
	struct timespec now;
	struct stat st;
	uint64_t now_ticks;

	(void)state;
	assert_int_equal(procfs_read_process("", getpid(), &p), 0);
	/* the kernel keeps 15 bytes of the executable's name */
	assert_int_equal(strncmp(p.comm, program_invocation_short_name, 15), 0);
	assert_int_equal(strlen(p.comm), strnlen(program_invocation_short_name, 15));
	assert_int_equal(p.ppid, getppid());
	assert_int_equal(p.uid, getuid());
	if (pw)
		assert_string_equal(p.user, pw->pw_name);
	assert_non_null(strstr(p.cmdline, program_invocation_name));
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(p.netns, st.st_ino);
	/* started after boot, and not long ago */
	assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &now), 0);
	now_ticks = ((uint64_t)now.tv_sec * 1000000000 + now.tv_nsec) / tick_ns();
	assert_true(p.start_ticks > 0 && p.start_ticks <= now_ticks);
	assert_true(now_ticks - p.start_ticks < 3600 * (uint64_t)sysconf(_SC_CLK_TCK));
}

struct wanted {
	uint32_t inode;
	int pid;
	int found;
};

static int find_wanted(void *ctx, uint32_t inode, int pid)
{
	struct wanted *w = ctx;

	w->found += inode == w->inode && pid == w->pid;
	return 0;
}

static int find_netns(void *ctx, uint32_t netns, int pid)
{
	struct wanted *w = ctx;

	assert_true(pid > 0);
	w->found += netns == w->inode;
	return 0;
}

static void test_real_scans(void **state)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat sock_st, ns_st;
	struct wanted w;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sock_st), 0);
	assert_int_equal(stat("/proc/self/ns/net", &ns_st), 0);
	w = (struct wanted){ .inode = sock_st.st_ino, .pid = getpid() };
	assert_int_equal(procfs_socket_owners("", find_wanted, &w), 0);
	assert_int_equal(w.found, 1);
	close(fd);

	/* our namespace, once, whichever process is named for it */
	w = (struct wanted){ .inode = ns_st.st_ino };
	assert_int_equal(procfs_netns_pids("", find_netns, &w), 0);
	assert_int_equal(w.found, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_ordinary),	  cmocka_unit_test(test_read_hostile),
		cmocka_unit_test(test_read_long_cmdline), cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_bad_stat),	  cmocka_unit_test(test_same_start),
		cmocka_unit_test(test_socket_owners),	  cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_netns_pids),	  cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_real_self),	  cmocka_unit_test(test_real_scans),
	};

	return cmocka_run_group_tests(tests, setup_root, teardown_root);
}
