// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcpfixture: makes TCP connections with known endpoints for conntop's integration tests.
 *
 * usage: tcpfixture MODE ADDR PORT [N|BYTES] [-c N] [-j PARALLEL] [-r BYTES] [-p RATE] [-x]
 *                   [-t SECONDS] [-N NAME]
 *
 *   serve ADDR PORT [-c N]     listen, print "listening", accept up to N connections (default 1),
 *                              printing "accepted <peer>" for each and "closed <peer>" when a
 *                              peer closes; hold them until stdin EOF or SIGTERM, then exit 0.
 *                              Connections beyond N are not accepted (they wait in the backlog).
 *   connect ADDR PORT          connect, print "connected <local>", hold the connection until
 *                              stdin EOF or SIGTERM, then exit 0.
 *   hold ADDR PORT N           open N connections one after the other, print "holding N", hold
 *                              them until stdin EOF or SIGTERM, then exit 0.
 *   burst-serve ADDR PORT N    listen, print "listening", accept N connections one at a time,
 *                              read each to EOF and close it, print "served N", exit 0.
 *   burst ADDR PORT N [-j P]   connect() and close() N times in a row, or split evenly over P
 *                              child processes (whose pids are not printed); any failed
 *                              connect() exits 1 at once (no retries); print "done N" and exit
 *                              0 once all N connected.
 *   sink ADDR PORT [-c N] [-r BYTES]
 *                              listen, print "listening", accept up to N connections (default 1);
 *                              on each, print "accepted <peer>", write BYTES (default 0) to it
 *                              while reading everything it sends; at its EOF (or a reset), once
 *                              the BYTES are written (or the peer is gone), print "received R
 *                              sent S <peer>" and close it. Hold until stdin EOF or SIGTERM.
 *   send ADDR PORT BYTES [-r REPLY] [-p RATE] [-x]
 *                              connect, print "connected <local>", write BYTES while reading
 *                              what the server sends; once BYTES are written and REPLY bytes
 *                              (default 0) read, print "sent N received M". Then hold the
 *                              connection until stdin EOF or SIGTERM (the server's EOF prints
 *                              "closed <local>"), or with -x close it at once, print "closed
 *                              <local>" and wait for stdin EOF or SIGTERM without it. -p paces
 *                              the writes to RATE bytes per second (in 10 ms steps). A server
 *                              that closes before REPLY bytes came is an error (exit 1).
 *                              With sink -r M, send -r M reads the whole reply, and the server's
 *                              "received" line comes when the client closes.
 *
 * Every mode first prints "pid=<pid>"; each line is flushed as it is printed. ADDR is a numeric
 * IPv4 or IPv6 address (brackets are allowed: [::1]). Endpoints print as 127.0.0.1:port or
 * [::1]:port; connect and hold print "closed <local>" if the server closes a connection.
 * serve, connect and hold read and discard stdin and quit at its EOF, so keep a writer open
 * (e.g. `sleep 60 >fifo &`, killed to stop them): stdin at EOF (/dev/null, which scripts give to
 * `cmd &`) makes them quit at once. SIGTERM and SIGINT also make them close everything and exit
 * 0. Inherited fds other than 0-2 are closed at start.
 * -t SECONDS is a hard timeout (default 30) for every mode: when it expires, tcpfixture prints a
 * message on stderr, kills and reaps its burst children and exits 3.
 * -N NAME sets the process's name (its comm, what ps and conntop show; the kernel keeps the first
 * 15 bytes) with prctl(PR_SET_NAME) as soon as the arguments are read, before anything else;
 * burst's children inherit it. A test can so give it a hostile name, e.g. $'\e[31mevil'.
 * Exit status: 0 success, 1 error (message on stderr), 2 usage error, 3 timeout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NAME_LEN	(INET6_ADDRSTRLEN + 16)
#define BACKLOG		4096
#define DEFAULT_TIMEOUT 30
#define MAX_TIMEOUT	1000000UL
#define MAX_COUNT	10000000UL
#define MAX_PARALLEL	1024UL
#define MAX_BYTES	0xffffffffUL
#define MAX_RATE	0xffffffffUL
#define XFER_CHUNK	65536
#define PACE_STEP_NS	10000000L /* -p: a write every 10 ms at most */

static const char usage_text[] =
	"usage: tcpfixture MODE ADDR PORT [N|BYTES] [-c N] [-j PARALLEL] [-r BYTES] [-p RATE]\n"
	"                  [-x] [-t SECONDS] [-N NAME]\n"
	"  serve ADDR PORT [-c N]    listen, print \"listening\"; accept up to N connections\n"
	"                            (default 1), print \"accepted <peer>\" for each and\n"
	"                            \"closed <peer>\" when one closes; hold until stop\n"
	"  connect ADDR PORT         connect, print \"connected <local>\"; hold until stop\n"
	"  hold ADDR PORT N          open N connections, print \"holding N\"; hold until stop\n"
	"  burst-serve ADDR PORT N   listen, print \"listening\"; accept N connections one\n"
	"                            at a time, read each to EOF, close; print \"served N\"\n"
	"  burst ADDR PORT N [-j P]  connect() and close() N times, split over P processes\n"
	"                            (default 1); a failed connect() exits 1; print \"done N\"\n"
	"  sink ADDR PORT [-c N] [-r BYTES]\n"
	"                            listen, print \"listening\"; accept up to N connections\n"
	"                            (default 1), print \"accepted <peer>\", write BYTES\n"
	"                            (default 0) to each while reading all it sends; at its\n"
	"                            EOF print \"received R sent S <peer>\", close; hold\n"
	"  send ADDR PORT BYTES [-r REPLY] [-p RATE] [-x]\n"
	"                            connect, print \"connected <local>\", write BYTES (at\n"
	"                            RATE bytes/s with -p) while reading REPLY bytes (default\n"
	"                            0), print \"sent N received M\"; hold until stop, or\n"
	"                            with -x close, print \"closed <local>\", wait for stop\n"
	"  -t SECONDS                hard timeout (default 30): exit 3 when it expires\n"
	"  -N NAME                   set the process name (comm, 15 bytes kept) first\n"
	"Every mode first prints \"pid=<pid>\". ADDR is numeric IPv4 or IPv6; endpoints print\n"
	"as 127.0.0.1:port or [::1]:port. Stop is stdin EOF (/dev/null stops at once),\n"
	"SIGTERM or SIGINT; then everything is closed and the exit status is 0.\n"
	"Exit status: 0 success, 1 error, 2 usage error, 3 timeout.\n";

enum mode { SERVE, CONNECT, HOLD, BURST_SERVE, BURST, SINK, SEND };

static const struct {
	const char *name;
	int nargs; /* positional arguments after the mode */
} modes[] = {
	[SERVE] = { "serve", 2 }, [CONNECT] = { "connect", 2 },
	[HOLD] = { "hold", 3 },	  [BURST_SERVE] = { "burst-serve", 3 },
	[BURST] = { "burst", 3 }, [SINK] = { "sink", 2 },
	[SEND] = { "send", 3 },
};

struct opts {
	enum mode mode;
	const char *addr;
	const char *port;
	unsigned long count; /* N, or send's BYTES */
	unsigned long accepts; /* -c */
	unsigned long reply; /* -r: bytes sink writes, bytes send reads */
	unsigned long rate; /* -p: send's bytes per second, 0 unpaced */
	bool close_after; /* -x */
	unsigned long parallel; /* -j */
	unsigned long timeout; /* -t */
	const char *name; /* -N, or NULL */
};

struct target {
	struct sockaddr_storage ss;
	socklen_t len;
	char name[NAME_LEN];
};

/* What sink has done on one connection. */
struct xfer {
	unsigned long received, sent;
	bool eof; /* the peer has no more to send */
	bool broken; /* an error: nothing more can be written */
};

/* The fds to poll: [0] is stdin, [1] the listener (or -1), then one per connection. */
struct fdset {
	struct pollfd *pfd;
	char (*name)[NAME_LEN];
	struct xfer *xfer;
	size_t n, cap;
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t *child_pids;
static volatile sig_atomic_t nchildren;
static bool in_child;
static char timeout_msg[96];
static size_t timeout_msg_len;

static void __attribute__((noreturn)) finish(int status)
{
	fflush(stderr);
	if (in_child)
		_exit(status);
	exit(status);
}

/*
 * Prints "tcpfixture: <message>[: strerror(err)]" on stderr and exits 1. One write(), so that
 * the messages of burst's children do not interleave.
 */
static void __attribute__((noreturn, format(printf, 2, 3))) fail(int err, const char *fmt, ...)
{
	char msg[512];
	size_t len;
	va_list ap;
	ssize_t unused;

	len = snprintf(msg, sizeof(msg), "tcpfixture: ");
	va_start(ap, fmt);
	vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	va_end(ap);
	len = strlen(msg);
	if (err)
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(err));
	len = strlen(msg);
	if (len == sizeof(msg) - 1)
		len--;
	msg[len++] = '\n';
	fflush(stderr);
	unused = write(STDERR_FILENO, msg, len);
	(void)unused;
	finish(1);
}

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpfixture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	finish(2);
}

/* Prints one line on stdout and flushes it. */
static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fflush(stdout) || ferror(stdout))
		fail(errno, "writing to stdout");
}

/* Async-signal-safe: on_timeout() calls it. */
static void kill_children(void)
{
	for (sig_atomic_t i = 0; i < nchildren; i++)
		if (child_pids[i] > 0)
			kill(child_pids[i], SIGKILL);
}

static void on_timeout(int sig)
{
	ssize_t unused;

	(void)sig;
	kill_children();
	/* Reap them, so that their sockets are gone when we are. */
	for (sig_atomic_t i = 0; i < nchildren; i++)
		if (child_pids[i] > 0)
			waitpid(child_pids[i], NULL, 0);
	unused = write(STDERR_FILENO, timeout_msg, timeout_msg_len);
	(void)unused;
	_exit(3);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static unsigned long parse_num(const char *s, unsigned long min, unsigned long max,
			       const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < min || v > max)
		usage_error("bad %s '%s' (want %lu to %lu)", what, s, min, max);
	return v;
}

static void format_endpoint(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	const void *addr;
	unsigned int port;

	if (sa->sa_family == AF_INET) {
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		snprintf(buf, size, "?");
		return;
	}
	if (!inet_ntop(sa->sa_family, addr, host, sizeof(host)))
		snprintf(buf, size, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", host, port);
	else
		snprintf(buf, size, "%s:%u", host, port);
}

static void local_name(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		fail(errno, "getsockname");
	format_endpoint((struct sockaddr *)&ss, buf, size);
}

static void parse_target(const char *addr, const char *port, struct target *t)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char host[NAME_LEN];
	size_t len = strlen(addr);
	in_port_t nport = htons(parse_num(port, 1, 65535, "port"));
	int rc;

	if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
		addr++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		usage_error("bad address '%s'", addr);
	memcpy(host, addr, len);
	host[len] = '\0';
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc)
		usage_error("bad address '%s': %s", host, gai_strerror(rc));
	memcpy(&t->ss, ai->ai_addr, ai->ai_addrlen);
	t->len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (t->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&t->ss)->sin_port = nport;
	else if (t->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&t->ss)->sin6_port = nport;
	else
		usage_error("bad address '%s': not IPv4 or IPv6", host);
	format_endpoint((struct sockaddr *)&t->ss, t->name, sizeof(t->name));
}

/* Which modes take each option. */
static bool option_applies(char opt, enum mode m)
{
	switch (opt) {
	case 'c':
		return m == SERVE || m == SINK;
	case 'j':
		return m == BURST;
	case 'r':
		return m == SINK || m == SEND;
	case 'p':
	case 'x':
		return m == SEND;
	default:
		return true;
	}
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *pos[4];
	char given[8];
	int npos = 0, ngiven = 0;
	bool opts_done = false;
	size_t m;

	*o = (struct opts){ .accepts = 1, .parallel = 1, .timeout = DEFAULT_TIMEOUT };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val;
		char opt;

		if (opts_done || arg[0] != '-' || !arg[1]) {
			if (npos == (int)(sizeof(pos) / sizeof(pos[0])))
				usage_error("too many arguments");
			pos[npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			opts_done = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage_text, stdout);
			finish(0);
		}
		opt = arg[1];
		if (!strchr("cjtNrpx", opt))
			usage_error("unknown option '%s'", arg);
		if (!memchr(given, opt, ngiven)) {
			if (ngiven == (int)sizeof(given))
				usage_error("too many options");
			given[ngiven++] = opt;
		}
		if (opt == 'x') {
			if (arg[2])
				usage_error("option -x takes no value");
			o->close_after = true;
			continue;
		}
		val = arg[2] ? arg + 2 : i + 1 < argc ? argv[++i] : NULL;
		if (!val)
			usage_error("option -%c needs a value", opt);
		if (opt == 'c')
			o->accepts = parse_num(val, 0, MAX_COUNT, "-c count");
		else if (opt == 'j')
			o->parallel = parse_num(val, 1, MAX_PARALLEL, "-j parallelism");
		else if (opt == 'N')
			o->name = val;
		else if (opt == 'r')
			o->reply = parse_num(val, 0, MAX_BYTES, "-r byte count");
		else if (opt == 'p')
			o->rate = parse_num(val, 1, MAX_RATE, "-p rate");
		else
			o->timeout = parse_num(val, 1, MAX_TIMEOUT, "-t timeout");
	}
	if (npos == 0)
		usage_error("no mode given");
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		if (!strcmp(pos[0], modes[m].name))
			break;
	if (m == sizeof(modes) / sizeof(modes[0]))
		usage_error("unknown mode '%s'", pos[0]);
	if (npos != modes[m].nargs + 1)
		usage_error("%s takes %d arguments", modes[m].name, modes[m].nargs);
	for (int k = 0; k < ngiven; k++)
		if (!option_applies(given[k], m))
			usage_error("option -%c does not apply to %s", given[k], modes[m].name);
	o->mode = m;
	o->addr = pos[1];
	o->port = pos[2];
	if (m == SEND)
		o->count = parse_num(pos[3], 0, MAX_BYTES, "byte count");
	else if (modes[m].nargs == 3)
		o->count = parse_num(pos[3], 0, MAX_COUNT, "count");
}

static void set_handler(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		fail(errno, "sigaction");
}

static void close_inherited_fds(void)
{
	struct rlimit rl;

#ifdef SYS_close_range /* close_range() itself needs glibc 2.34 */
	if (!syscall(SYS_close_range, 3U, ~0U, 0U))
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (rlim_t fd = 3; fd < rl.rlim_cur; fd++)
		close(fd);
}

static void setup_process(const struct opts *o)
{
	struct rlimit rl;
	sigset_t none;

	/*
	 * Inherited fds are not ours to keep open: holding, say, the write end of another
	 * fixture's stdin fifo would keep that one from ever seeing EOF.
	 */
	close_inherited_fds();
	/* A closed stdin reads as EOF; otherwise a socket would get fd 0 (or 1, 2). */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
			fail(errno, "open /dev/null");
	/* Whatever the caller left blocked, the timeout must get through. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* hold and serve may need many fds. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	timeout_msg_len = snprintf(timeout_msg, sizeof(timeout_msg),
				   "tcpfixture: %s: timed out after %lu s, exiting\n",
				   modes[o->mode].name, o->timeout);
	set_handler(SIGALRM, on_timeout);
	alarm(o->timeout);
}

/*
 * Blocks SIGTERM and SIGINT but for the waits in ppoll(), so that a stop request is never lost
 * between checking stop_requested and going to sleep. Returns the mask for ppoll() in *waitmask.
 */
static void block_stop_signals(sigset_t *waitmask)
{
	sigset_t set;

	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, waitmask))
		fail(errno, "sigprocmask");
}

/*
 * SO_REUSEADDR on every socket, clients too: the TIME_WAIT left by a client socket without it
 * makes a later bind() to the same port fail with EADDRINUSE, even with SO_REUSEADDR there.
 */
static int new_socket(const struct target *t, int flags)
{
	int one = 1;
	int fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	if (fd < 0)
		fail(errno, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		fail(errno, "SO_REUSEADDR");
	return fd;
}

static int listen_on(const struct target *t, int flags)
{
	int fd = new_socket(t, flags);

	if (bind(fd, (const struct sockaddr *)&t->ss, t->len))
		fail(errno, "bind %s", t->name);
	if (listen(fd, BACKLOG))
		fail(errno, "listen %s", t->name);
	return fd;
}

/* A non-blocking connect() whose wait SIGTERM can interrupt. Returns -1 if it did. */
static int connect_to(const struct target *t, const sigset_t *waitmask)
{
	int fd = new_socket(t, SOCK_NONBLOCK);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (!connect(fd, (const struct sockaddr *)&t->ss, t->len))
		return fd;
	if (errno != EINPROGRESS)
		fail(errno, "connect %s", t->name);
	while (ppoll(&pfd, 1, NULL, waitmask) < 0) {
		if (errno != EINTR)
			fail(errno, "poll");
		if (stop_requested) {
			close(fd);
			return -1;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		fail(errno, "getsockopt");
	if (err)
		fail(err, "connect %s", t->name);
	return fd;
}

static void fdset_add(struct fdset *s, int fd, const char *name)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct pollfd *pfd = realloc(s->pfd, cap * sizeof(*s->pfd));

		if (!pfd)
			fail(ENOMEM, "realloc");
		s->pfd = pfd;
		void *names = realloc(s->name, cap * sizeof(*s->name));

		if (!names)
			fail(ENOMEM, "realloc");
		s->name = names;
		void *xfer = realloc(s->xfer, cap * sizeof(*s->xfer));

		if (!xfer)
			fail(ENOMEM, "realloc");
		s->xfer = xfer;
		s->cap = cap;
	}
	s->pfd[s->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	snprintf(s->name[s->n], NAME_LEN, "%s", name);
	s->xfer[s->n] = (struct xfer){ 0 };
	s->n++;
}

static void fdset_del(struct fdset *s, size_t i)
{
	close(s->pfd[i].fd);
	s->n--;
	s->pfd[i] = s->pfd[s->n];
	memcpy(s->name[i], s->name[s->n], NAME_LEN);
	s->xfer[i] = s->xfer[s->n];
}

static void fdset_free(struct fdset *s)
{
	while (s->n > 2)
		fdset_del(s, s->n - 1);
	free(s->pfd);
	free(s->name);
	free(s->xfer);
}

/* Reads what is there and discards it. Returns true at EOF or on an error. */
static bool drained_to_eof(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			return false;
		if (n == 0)
			return true;
		if (errno == EINTR)
			continue;
		return errno != EAGAIN && errno != EWOULDBLOCK;
	}
}

static unsigned long accept_some(struct fdset *s, int lfd, unsigned long max)
{
	unsigned long done = 0;

	while (done < max) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char name[NAME_LEN];
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			fail(errno, "accept");
		}
		format_endpoint((struct sockaddr *)&ss, name, sizeof(name));
		out("accepted %s", name);
		fdset_add(s, fd, name);
		done++;
	}
	return done;
}

/*
 * Holds the connections in s, accepting up to max_accept more on lfd (if not -1), until stdin
 * reaches EOF or a stop signal comes.
 */
static void hold_until_stopped(struct fdset *s, int lfd, unsigned long max_accept,
			       const sigset_t *waitmask)
{
	unsigned long accepted = 0;

	while (!stop_requested) {
		s->pfd[1].fd = lfd >= 0 && accepted < max_accept ? lfd : -1;
		if (ppoll(s->pfd, s->n, NULL, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fail(errno, "poll");
		}
		if (s->pfd[0].revents & POLLNVAL)
			break;
		if (s->pfd[0].revents && drained_to_eof(STDIN_FILENO))
			break;
		for (size_t i = s->n; i-- > 2;) {
			if (s->pfd[i].revents && drained_to_eof(s->pfd[i].fd)) {
				out("closed %s", s->name[i]);
				fdset_del(s, i);
			}
		}
		if (s->pfd[1].fd >= 0 && s->pfd[1].revents)
			accepted += accept_some(s, lfd, max_accept - accepted);
	}
}

static int run_serve(const struct opts *o, const struct target *t)
{
	struct fdset s = { 0 };
	sigset_t waitmask;
	int lfd;

	block_stop_signals(&waitmask);
	lfd = listen_on(t, SOCK_NONBLOCK);
	out("listening");
	fdset_add(&s, STDIN_FILENO, "stdin");
	fdset_add(&s, -1, "listener");
	hold_until_stopped(&s, lfd, o->accepts, &waitmask);
	fdset_free(&s);
	close(lfd);
	return 0;
}

/* connect and hold. */
static int run_clients(const struct opts *o, const struct target *t)
{
	unsigned long n = o->mode == HOLD ? o->count : 1;
	struct fdset s = { 0 };
	sigset_t waitmask;

	block_stop_signals(&waitmask);
	fdset_add(&s, STDIN_FILENO, "stdin");
	fdset_add(&s, -1, "listener");
	for (unsigned long i = 0; i < n && !stop_requested; i++) {
		char name[NAME_LEN];
		int fd = connect_to(t, &waitmask);

		if (fd < 0)
			break;
		local_name(fd, name, sizeof(name));
		fdset_add(&s, fd, name);
		if (o->mode == CONNECT)
			out("connected %s", name);
	}
	if (o->mode == HOLD && !stop_requested)
		out("holding %lu", n);
	hold_until_stopped(&s, -1, 0, &waitmask);
	fdset_free(&s);
	return 0;
}

static int run_burst_serve(const struct opts *o, const struct target *t)
{
	int lfd = listen_on(t, 0);

	out("listening");
	for (unsigned long served = 0; served < o->count;) {
		char buf[4096];
		ssize_t n;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				fail(errno, "accept (after %lu connections)", served);
			continue;
		}
		served++;
		while ((n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == ECONNRESET)
				break;
			if (n < 0 && errno != EINTR)
				fail(errno, "read (connection %lu)", served);
		}
		close(fd);
	}
	close(lfd);
	out("served %lu", o->count);
	return 0;
}

/* Makes connections first+1 to first+n of total; exits 1 if one fails. */
static void burst_range(const struct target *t, unsigned long first, unsigned long n,
			unsigned long total)
{
	for (unsigned long i = first; i < first + n; i++) {
		int fd = new_socket(t, 0);

		if (connect(fd, (const struct sockaddr *)&t->ss, t->len))
			fail(errno, "connect %s (connection %lu of %lu)", t->name, i + 1, total);
		close(fd);
	}
}

static int run_burst(const struct opts *o, const struct target *t)
{
	unsigned long jobs = o->parallel < o->count ? o->parallel : o->count;
	unsigned long first = 0, failed = 0;
	pid_t parent = getpid();

	if (jobs <= 1) {
		burst_range(t, 0, o->count, o->count);
		out("done %lu", o->count);
		return 0;
	}
	child_pids = calloc(jobs, sizeof(*child_pids));
	if (!child_pids)
		fail(ENOMEM, "calloc");
	for (unsigned long k = 0; k < jobs; k++) {
		unsigned long share = o->count / jobs + (k < o->count % jobs);
		pid_t pid = fork();

		if (pid < 0) {
			kill_children();
			fail(errno, "fork");
		}
		if (pid == 0) {
			in_child = true;
			/* Die with the parent, e.g. when it times out. */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(1);
			burst_range(t, first, share, o->count);
			_exit(0);
		}
		child_pids[k] = pid;
		nchildren = k + 1;
		first += share;
	}
	for (unsigned long left = jobs; left > 0;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			kill_children();
			fail(errno, "waitpid");
		}
		for (unsigned long k = 0; k < jobs; k++)
			if (child_pids[k] == pid)
				child_pids[k] = 0;
		left--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (!failed++)
			kill_children();
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			fprintf(stderr, "tcpfixture: child %d killed by signal %d\n", (int)pid,
				WTERMSIG(status));
	}
	free((void *)child_pids);
	child_pids = NULL;
	nchildren = 0;
	if (failed)
		fail(0, "burst failed: not all %lu connections were made", o->count);
	out("done %lu", o->count);
	return 0;
}

static const char zeros[XFER_CHUNK];

/* Writes up to @left zero bytes. Returns what was written (0 when the socket is full), or -errno. */
static long write_some(int fd, unsigned long left)
{
	size_t len = left < sizeof(zeros) ? left : sizeof(zeros);

	for (;;) {
		ssize_t n = send(fd, zeros, len, MSG_NOSIGNAL);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}

/*
 * Reads what is there (a bounded number of reads, so that writing gets its turn), adding the
 * bytes to *count. Returns 1 at EOF, -errno on an error, 0 otherwise.
 */
static int read_some(int fd, unsigned long *count)
{
	char buf[XFER_CHUNK];

	for (int reads = 0; reads < 16; reads++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			*count += n;
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
	return 0;
}

/* True when stdin asks us to stop: EOF, an error, or a closed fd. */
static bool stdin_says_stop(const struct pollfd *pfd)
{
	return (pfd->revents & POLLNVAL) || (pfd->revents && drained_to_eof(STDIN_FILENO));
}

/* Sink's work on connection i after poll: read, write its share of -r, close it once done. */
static void sink_step(struct fdset *s, size_t i, unsigned long reply)
{
	struct xfer *x = &s->xfer[i];
	int fd = s->pfd[i].fd;

	if (!x->eof && (s->pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
		int rc = read_some(fd, &x->received);

		if (rc) {
			x->eof = true;
			x->broken = rc < 0;
		}
	}
	if (!x->broken && x->sent < reply && (s->pfd[i].revents & (POLLOUT | POLLHUP | POLLERR))) {
		long n = write_some(fd, reply - x->sent);

		if (n < 0)
			x->broken = true;
		else
			x->sent += n;
	}
	if (x->eof && (x->broken || x->sent == reply)) {
		out("received %lu sent %lu %s", x->received, x->sent, s->name[i]);
		fdset_del(s, i);
	}
}

static int run_sink(const struct opts *o, const struct target *t)
{
	struct fdset s = { 0 };
	unsigned long accepted = 0;
	sigset_t waitmask;
	int lfd;

	block_stop_signals(&waitmask);
	lfd = listen_on(t, SOCK_NONBLOCK);
	out("listening");
	fdset_add(&s, STDIN_FILENO, "stdin");
	fdset_add(&s, -1, "listener");
	while (!stop_requested) {
		s.pfd[1].fd = accepted < o->accepts ? lfd : -1;
		for (size_t i = 2; i < s.n; i++) {
			const struct xfer *x = &s.xfer[i];

			s.pfd[i].events = (x->eof ? 0 : POLLIN) |
					  (!x->broken && x->sent < o->reply ? POLLOUT : 0);
		}
		if (ppoll(s.pfd, s.n, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fail(errno, "poll");
		}
		if (stdin_says_stop(&s.pfd[0]))
			break;
		for (size_t i = s.n; i-- > 2;)
			if (s.pfd[i].revents)
				sink_step(&s, i, o->reply);
		if (s.pfd[1].fd >= 0 && s.pfd[1].revents)
			accepted += accept_some(&s, lfd, o->accepts - accepted);
	}
	fdset_free(&s);
	close(lfd);
	return 0;
}

static long elapsed_ns(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000000000L + (now.tv_nsec - since->tv_nsec);
}

/*
 * What send may have written by now: all of it, or with -p RATE bytes per second so far, in
 * whole steps of 10 ms (so that it writes a step at a time, not a few bytes per loop).
 */
static unsigned long send_allowance(const struct opts *o, const struct timespec *start)
{
	long steps;
	double paced;

	if (!o->rate)
		return o->count;
	steps = elapsed_ns(start) / PACE_STEP_NS;
	paced = (double)o->rate * (double)steps * PACE_STEP_NS / 1e9;
	return paced < (double)o->count ? (unsigned long)paced : o->count;
}

static int run_send(const struct opts *o, const struct target *t)
{
	struct fdset s = { 0 };
	unsigned long sent = 0, received = 0;
	char name[NAME_LEN];
	struct timespec start;
	sigset_t waitmask;
	int fd;

	block_stop_signals(&waitmask);
	fdset_add(&s, STDIN_FILENO, "stdin");
	fdset_add(&s, -1, "listener");
	fd = connect_to(t, &waitmask);
	if (fd < 0) {
		fdset_free(&s);
		return 0;
	}
	local_name(fd, name, sizeof(name));
	fdset_add(&s, fd, name);
	out("connected %s", name);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!stop_requested && (sent < o->count || received < o->reply)) {
		const struct timespec step = { .tv_nsec = PACE_STEP_NS };
		unsigned long allowed = send_allowance(o, &start);
		short revents;

		s.pfd[2].events =
			(received < o->reply ? POLLIN : 0) | (sent < allowed ? POLLOUT : 0);
		/* Paced and ahead of the pace: wake up at the next step. */
		if (ppoll(s.pfd, s.n, sent < o->count && sent >= allowed ? &step : NULL,
			  &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fail(errno, "poll");
		}
		if (stdin_says_stop(&s.pfd[0]))
			break;
		revents = s.pfd[2].revents;
		if (received < o->reply && (revents & (POLLIN | POLLHUP | POLLERR))) {
			int rc = read_some(fd, &received);

			if (rc < 0)
				fail(-rc, "read %s", t->name);
			if (rc > 0 && received < o->reply)
				fail(0,
				     "%s closed the connection after %lu of %lu bytes (%lu of %lu "
				     "sent)",
				     t->name, received, o->reply, sent, o->count);
		}
		if (sent < allowed && (revents & (POLLOUT | POLLHUP | POLLERR))) {
			long n = write_some(fd, allowed - sent);

			if (n < 0)
				fail(-n, "write %s (after %lu of %lu bytes)", t->name, sent,
				     o->count);
			sent += n;
		}
	}
	if (sent == o->count && received >= o->reply) {
		out("sent %lu received %lu", sent, received);
		s.pfd[2].events = POLLIN;
		if (o->close_after) {
			fdset_del(&s, 2);
			out("closed %s", name);
		}
		hold_until_stopped(&s, -1, 0, &waitmask);
	}
	fdset_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct target t;

	parse_args(argc, argv, &o);
	if (o.name && prctl(PR_SET_NAME, o.name))
		fail(errno, "prctl PR_SET_NAME");
	parse_target(o.addr, o.port, &t);
	setup_process(&o);
	out("pid=%d", (int)getpid());
	switch (o.mode) {
	case SERVE:
		return run_serve(&o, &t);
	case CONNECT:
	case HOLD:
		return run_clients(&o, &t);
	case BURST_SERVE:
		return run_burst_serve(&o, &t);
	case BURST:
		return run_burst(&o, &t);
	case SINK:
		return run_sink(&o, &t);
	case SEND:
		return run_send(&o, &t);
	}
	return 1;
}
