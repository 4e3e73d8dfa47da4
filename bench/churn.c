// SPDX-License-Identifier: GPL-2.0-only
/*
 * churn: loopback TCP connection churn, as fast as the machine allows, for conntop's benchmark.
 *
 * usage: churn [-s SERVERS] [-c CLIENTS] [-t SECONDS] [-m fin|rst] [-a ADDR] [-p PORT] [-r RATE]
 *
 * One listener on ADDR:PORT (default 127.0.0.1, port 0: the kernel picks one). SERVERS processes
 * (default 2) accept() and close() each connection at once; CLIENTS processes (default 4)
 * connect() and close(), in a loop, for SECONDS (default 3, fractions allowed). How a client
 * closes (-m):
 *   fin (default)  it read()s until the server's close arrives (EOF), then closes: a graceful
 *                  close that the server began, so the TIME_WAIT is the server's and the client's
 *                  ephemeral port is free again at once (the port range does not cap the rate).
 *   rst            it closes at once with SO_LINGER 0: a reset, no FIN and no TIME_WAIT.
 * Either way every connection is accepted before its client moves on (fin: the client waits for
 * its server's close; rst: the reset child stays in the accept queue until accept() returns it),
 * so when the clients are done and the servers have accepted as many, the servers are killed.
 * -r RATE paces the clients to RATE connections a second in all (the soak test's steady load);
 * without it they go as fast as they can.
 * TIME_WAIT sockets pile up in the namespace (up to tcp_max_tw_buckets) and slow later runs down
 * as SYNs meet them: run each churn in a network namespace of its own (unshare -n).
 *
 * All start together after a barrier; the time runs from the barrier to the last client's exit.
 * Prints one line on stdout:
 *   connections N accepted A failed F seconds S rate R port P
 * N connect()s succeeded (each one a connection opened and closed at both ends), A accept()s
 * returned, F connect()s failed (counted, then retried), R = N / S connections per second.
 * The processes are named churn-client and churn-server (their comm).
 * Exit status: 0, 1 on an error (message on stderr), 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 256
#define BACKLOG	  4096

/* One process's counters, each on its own cache line: they are written all the time. */
struct counter {
	uint64_t done; /* clients: connect()s that succeeded; servers: accept()s */
	uint64_t failed; /* clients: connect()s that failed */
	char pad[48];
};

struct shared {
	uint64_t deadline_ns; /* CLOCK_MONOTONIC: clients stop connecting then */
	uint64_t interval_ns; /* -r: each client's time between connects; 0: none */
	char pad[48];
	struct counter c[2 * MAX_PROCS];
};

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "churn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: churn [-s SERVERS] [-c CLIENTS] [-t SECONDS] [-m fin|rst] [-a "
			"ADDR] [-p PORT] [-r RATE]\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long parse_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		usage();
	return v;
}

/* Blocks until the parent closes the barrier's write end, then dies with the parent. */
static void child_start(const char *name, int barrier[2])
{
	char c;

	prctl(PR_SET_NAME, name);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	close(barrier[1]);
	while (read(barrier[0], &c, 1) < 0 && errno == EINTR)
		;
	close(barrier[0]);
}

static void __attribute__((noreturn)) serve(int lfd, struct counter *c)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				continue;
			die("accept");
		}
		/* Counted before the close: a client that sees its EOF sees it counted. */
		__atomic_store_n(&c->done, c->done + 1, __ATOMIC_RELEASE);
		close(fd);
	}
}

static void __attribute__((noreturn))
client(const struct sockaddr_in *sa, bool reset, struct shared *sh, struct counter *c)
{
	static const struct linger abort_close = { .l_onoff = 1, .l_linger = 0 };
	uint64_t deadline = sh->deadline_ns, next = now_ns();
	char buf[64];

	while (now_ns() < deadline) {
		int fd;
		ssize_t r;

		if (sh->interval_ns) { /* paced: sleep until this connect's turn */
			struct timespec at = { (time_t)(next / 1000000000u),
					       (long)(next % 1000000000u) };

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
				;
			next += sh->interval_ns;
			if (now_ns() >= deadline)
				break;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket");
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
			__atomic_store_n(&c->failed, c->failed + 1, __ATOMIC_RELAXED);
			close(fd);
			continue;
		}
		__atomic_store_n(&c->done, c->done + 1, __ATOMIC_RELAXED);
		if (reset) {
			if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close,
				       sizeof(abort_close)))
				die("SO_LINGER");
		} else {
			do
				r = read(fd, buf, sizeof(buf));
			while (r > 0 || (r < 0 && errno == EINTR));
		}
		close(fd);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	long servers = 2, clients = 4, port = 0, rate = 0;
	double seconds = 3;
	bool reset = false;
	const char *addr = "127.0.0.1";
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	pid_t pids[2 * MAX_PROCS];
	uint64_t done = 0, failed = 0, accepted = 0, start, end;
	struct shared *sh;
	int barrier[2], lfd, opt, one = 1;
	char *end_ptr;

	while ((opt = getopt(argc, argv, "s:c:t:m:a:p:r:")) != -1) {
		switch (opt) {
		case 's':
			servers = parse_long(optarg, 1, MAX_PROCS);
			break;
		case 'c':
			clients = parse_long(optarg, 1, MAX_PROCS);
			break;
		case 't':
			seconds = strtod(optarg, &end_ptr);
			if (*end_ptr || !(seconds > 0 && seconds <= 3600))
				usage();
			break;
		case 'm':
			if (strcmp(optarg, "fin") && strcmp(optarg, "rst"))
				usage();
			reset = !strcmp(optarg, "rst");
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = parse_long(optarg, 0, 65535);
			break;
		case 'r':
			rate = parse_long(optarg, 1, 100000000);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	sa.sin_port = htons((uint16_t)port);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, BACKLOG))
		die("listen");
	if (getsockname(lfd, (struct sockaddr *)&sa, &salen))
		die("getsockname");
	if (pipe(barrier))
		die("pipe");
	/* A hard stop, whatever happens: the children die with us (PR_SET_PDEATHSIG). */
	alarm((unsigned int)seconds + 60);

	for (long i = 0; i < servers + clients; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			if (i < servers) {
				child_start("churn-server", barrier);
				serve(lfd, &sh->c[i]);
			}
			close(lfd);
			child_start("churn-client", barrier);
			client(&sa, reset, sh, &sh->c[i]);
		}
		pids[i] = pid;
	}
	start = now_ns();
	sh->deadline_ns = start + (uint64_t)(seconds * 1e9);
	sh->interval_ns = rate ? (uint64_t)(clients * 1e9 / (double)rate) : 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	close(barrier[0]);
	close(barrier[1]); /* go */

	for (long i = servers; i < servers + clients; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "churn: a client failed\n");
			return 1;
		}
	}
	end = now_ns();
	for (long i = servers; i < servers + clients; i++) {
		done += sh->c[i].done;
		failed += sh->c[i].failed;
	}
	/* The servers may still have connections to accept (rst): up to 5 s for them. */
	for (uint64_t give_up = now_ns() + 5000000000ull;; usleep(1000)) {
		accepted = 0;
		for (long i = 0; i < servers; i++)
			accepted += __atomic_load_n(&sh->c[i].done, __ATOMIC_ACQUIRE);
		if (accepted >= done || now_ns() > give_up)
			break;
	}
	for (long i = 0; i < servers; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	printf("connections %llu accepted %llu failed %llu seconds %.3f rate %.0f port %u\n",
	       (unsigned long long)done, (unsigned long long)accepted, (unsigned long long)failed,
	       (double)(end - start) / 1e9, (double)done * 1e9 / (double)(end - start),
	       ntohs(sa.sin_port));
	return 0;
}
