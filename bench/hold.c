// SPDX-License-Identifier: GPL-2.0-only
/*
 * hold: N concurrent established TCP connections over loopback, held until stopped, spread over
 * several processes, for conntop's benchmark (memory, start-up).
 *
 * usage: hold -n CONNECTIONS [-P PAIRS] [-a ADDR] [-N NAME]
 *
 * PAIRS (default 2) pairs of processes: in pair i, a server accepts its share of the connections
 * on a listener of its own (ADDR, default 127.0.0.1, a port the kernel picks) and a client opens
 * them, one after the other, each from a port it binds (10000 up, skipping those in use). Each process raises its fd limit (RLIMIT_NOFILE) to the hard limit;
 * a share above that limit is a usage error: use more pairs. Once every connection is
 * established at both ends, prints "holding N" (flushed), then holds them until stdin reaches EOF
 * or SIGTERM/SIGINT, then kills the pairs and exits 0. So keep stdin open (a fifo, or `sleep
 * 600 | hold ...`); with stdin at EOF from the start (/dev/null) it stops right after "holding".
 * The processes are named NAME (default bench-hold), the listeners are closed once their share is
 * accepted (so only connections are left). A hard timeout of 120 s applies to the set-up.
 * Exit status: 0, 1 on an error (message on stderr), 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PAIRS  64
#define BACKLOG	   4096
#define SPARE_FDS  16 /* stdio, the listener, the pipes */
#define FIRST_PORT 10000 /* clients bind from here up */

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "hold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn)) usage(const char *why)
{
	fprintf(stderr, "hold: %s\nusage: hold -n CONNECTIONS [-P PAIRS] [-a ADDR] [-N NAME]\n",
		why);
	exit(2);
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		usage("bad number");
	return v;
}

static rlim_t raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	return rl.rlim_cur;
}

/* Tells the parent this side is ready, then sleeps until killed (or the parent dies). */
static void __attribute__((noreturn)) ready_and_wait(int ready_fd)
{
	char c = 'r';

	if (write(ready_fd, &c, 1) != 1)
		die("write");
	close(ready_fd);
	for (;;)
		pause();
}

static void child_setup(const char *name)
{
	prctl(PR_SET_NAME, name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	raise_nofile();
}

static void __attribute__((noreturn)) server(int lfd, long share, int ready_fd)
{
	for (long n = 0; n < share;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			n++;
		else if (errno != EINTR && errno != ECONNABORTED)
			die("accept");
	}
	close(lfd);
	ready_and_wait(ready_fd);
}

/*
 * Each connection is bound to a port of its own choosing first, with SO_REUSEADDR: the kernel's
 * search for a free ephemeral port grows with every port in use and would take seconds at this
 * count. The 4-tuple stays unique (one server port per pair); a port some listener has is skipped.
 */
static void __attribute__((noreturn)) client(const struct sockaddr_in *sa, long share, int ready_fd)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = sa->sin_addr };
	int one = 1;
	long port = FIRST_PORT;

	for (long n = 0; n < share; port++) {
		int fd;

		if (port > 65535) {
			errno = EADDRNOTAVAIL;
			die("bind");
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		local.sin_port = htons((uint16_t)port);
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
			die("SO_REUSEADDR");
		if (bind(fd, (struct sockaddr *)&local, sizeof(local))) {
			if (errno != EADDRINUSE)
				die("bind");
			close(fd);
			continue;
		}
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
			if (errno != EADDRNOTAVAIL && errno != EADDRINUSE)
				die("connect");
			close(fd);
			continue;
		}
		n++;
	}
	ready_and_wait(ready_fd);
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long total = 0, pairs = 2;
	const char *addr = "127.0.0.1", *name = "bench-hold";
	struct in_addr in;
	pid_t pids[2 * MAX_PAIRS];
	int ready[2], opt, got = 0;
	rlim_t limit;

	while ((opt = getopt(argc, argv, "n:P:a:N:")) != -1) {
		switch (opt) {
		case 'n':
			total = parse_long(optarg, 1, 10000000);
			break;
		case 'P':
			pairs = parse_long(optarg, 1, MAX_PAIRS);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'N':
			name = optarg;
			break;
		default:
			usage("bad option");
		}
	}
	if (optind != argc || !total)
		usage("-n CONNECTIONS is needed");
	if (inet_pton(AF_INET, addr, &in) != 1)
		usage("bad address");
	limit = raise_nofile();
	if ((rlim_t)(total / pairs + 1 + SPARE_FDS) > limit) {
		fprintf(stderr,
			"hold: %ld connections per process is above the fd limit %llu: use -P\n",
			total / pairs + 1, (unsigned long long)limit);
		return 2;
	}
	if (pipe2(ready, O_CLOEXEC))
		die("pipe");
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	alarm(120);

	for (long i = 0; i < pairs; i++) {
		long share = total / pairs + (i < total % pairs);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = in };
		socklen_t len = sizeof(sa);
		int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (lfd < 0)
			die("socket");
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, BACKLOG) ||
		    getsockname(lfd, (struct sockaddr *)&sa, &len))
			die("listen");
		for (int side = 0; side < 2; side++) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0) {
				close(ready[0]);
				child_setup(name);
				if (side == 0)
					server(lfd, share, ready[1]);
				close(lfd);
				client(&sa, share, ready[1]);
			}
			pids[2 * i + side] = pid;
		}
		close(lfd);
	}
	close(ready[1]);
	while (got < 2 * pairs) {
		char buf[2 * MAX_PAIRS];
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r > 0)
			got += (int)r;
		else if (r == 0 || errno != EINTR || stop) {
			fprintf(stderr, "hold: a process failed before it was ready\n");
			goto out;
		}
	}
	alarm(0);
	printf("holding %ld\n", total);
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		char buf[256];

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			break;
	}
out:
	for (long i = 0; i < 2 * pairs; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < 2 * pairs; i++)
		waitpid(pids[i], NULL, 0);
	return got == 2 * pairs ? 0 : 1;
}
