// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile input (issue 9): what any process or container runtime can put in front of conntop,
 * built at run time under a scratch root, because git cannot hold FIFOs, sparse 50 MB files or
 * symlinks to /etc/shadow. Every reader must give a defined result, never hang, never crash.
 *
 *   sanitize   every byte sequence gives printable, valid UTF-8 that a second pass leaves as it
 *              is (a replay sanitizes again); a 4 KiB run of escapes is cut between escapes.
 *   procfs     files missing, empty, cut short; a comm's raw bytes next to its sanitized form.
 *   container  metadata that is malformed, 50 MB sparse, a symlink (to /etc/shadow, to a FIFO),
 *              a FIFO, a directory; a /proc/<pid>/cgroup that is a FIFO or 50 MB sparse.
 *   sockdiag   replies with lengths that lie, attributes of length 0, errors out of range.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "container.h"
#include "procfs.h"
#include "sanitize.h"
#include "sockdiag.h"

#define D1	      "3d900cd39c8547dfdae5a34600ca5495ee8d2b05fbb2f4863cb3c0e0f47d7012"
#define P1	      "01bc3187e240c2bda625d7a603e3da673b2b5318a30a88860b9577b61884d072"
#define DOCKER_CONFIG "var/lib/docker/containers/" D1 "/config.v2.json"
#define PODMAN_DB     "var/lib/containers/storage/overlay-containers/containers.json"
#define BIG_SPARSE    (50L * 1024 * 1024)
/* A reader that blocks on a FIFO would hang the test: SIGALRM ends it, as a failure. */
#define HANG_LIMIT_S 10

/* ---- scratch root ---- */

struct scratch {
	char dir[64];
};

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	strcpy(s->dir, "/tmp/conntop-hostile-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	*state = s;
	alarm(HANG_LIMIT_S);
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	alarm(0);
	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

/* mkdir -p of the parent of <scratch>/@rel, then the full path in @buf (PATH_MAX bytes). */
static const char *scratch_path(struct scratch *s, const char *rel, char *buf)
{
	char *slash;

	snprintf(buf, PATH_MAX, "%s/%s", s->dir, rel);
	for (slash = strchr(buf + strlen(s->dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", buf, strerror(errno));
		*slash = '/';
	}
	return buf;
}

static void scratch_write(struct scratch *s, const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f = fopen(scratch_path(s, rel, path), "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void scratch_puts(struct scratch *s, const char *rel, const char *text)
{
	scratch_write(s, rel, text, strlen(text));
}

/* @head, a hole up to @size bytes (50 MB that cost no disk), then @tail. */
static void scratch_sparse(struct scratch *s, const char *rel, const char *head, off_t size,
			   const char *tail)
{
	char path[PATH_MAX];
	FILE *f;

	scratch_puts(s, rel, head);
	assert_int_equal(truncate(scratch_path(s, rel, path), size), 0);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_int_equal(fputs(tail, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- sanitize ---- */

/* Printable UTF-8 as sanitize() defines it: no C0/C1 control, DEL, bidi control or bad byte. */
static void assert_inert(const char *s)
{
	char again[4 * PROCFS_CMDLINE_SIZE];
	size_t len = strlen(s), i;

	for (i = 0; i < len; i++)
		assert_true((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	/* A second pass changes nothing: the text is valid and holds nothing deceptive. */
	assert_int_equal(sanitize(again, sizeof(again), s, len), len);
	assert_string_equal(again, s);
}

static void test_sanitize_random(void **state)
{
	uint32_t x = 88172645u;
	char in[64], out[4 * sizeof(in) + 1];
	int round;
	size_t i;

	(void)state;
	for (round = 0; round < 200000; round++) {
		size_t len;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		len = x % sizeof(in);
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* Half the bytes from the ranges that make UTF-8 sequences. */
			in[i] = x & 0x100 ? (char)(0x80 | (x & 0x7f)) : (char)x;
			if ((x & 0x3000) == 0x3000)
				in[i] = "\xe2\x80\xae\xc2\x9b\xef\xbb\xbf\x1b\x07\n"[x % 11];
		}
		sanitize(out, 1 + x % sizeof(out), in, len);
		assert_inert(out);
	}
}

/* 4 KiB of one escape sequence, as a command line can be: cut between escapes, never in one. */
static void test_sanitize_4k(void **state)
{
	static const char unit[] = "\x1b[2J\n", shown[] = "\\x1b[2J\\x0a";
	char raw[PROCFS_CMDLINE_SIZE], out[PROCFS_CMDLINE_SIZE];
	size_t ulen = sizeof(unit) - 1, slen = sizeof(shown) - 1, i, n;

	(void)state;
	for (i = 0; i + ulen <= sizeof(raw); i += ulen)
		memcpy(raw + i, unit, ulen);
	n = sanitize(out, sizeof(out), raw, i);
	assert_int_equal(n, (sizeof(out) - 1) / slen * slen);
	for (i = 0; i < n; i += slen)
		assert_memory_equal(out + i, shown, slen);
	assert_inert(out);
}

/*
 * Every Unicode Bidi_Control (U+061C, the Arabic letter mark, too: like U+200F it reorders what
 * follows), and tag characters, which hide ASCII text in plain sight: shown as escapes.
 */
static void test_sanitize_all_bidi_controls(void **state)
{
	static const char *const controls[] = {
		"\xd8\x9c",	    "\xe2\x80\x8e",	"\xe2\x80\x8f", "\xe2\x80\xaa",
		"\xe2\x80\xab",	    "\xe2\x80\xac",	"\xe2\x80\xad", "\xe2\x80\xae",
		"\xe2\x81\xa6",	    "\xe2\x81\xa7",	"\xe2\x81\xa8", "\xe2\x81\xa9",
		"\xf3\xa0\x80\x81", "\xf3\xa0\x81\xbf",
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++) {
		sanitize(out, sizeof(out), controls[i], strlen(controls[i]));
		if (strncmp(out, "\\u{", 3))
			print_error("control %zu: '%s'\n", i, out);
		assert_memory_equal(out, "\\u{", 3);
	}
}

/* ---- procfs ---- */

/* <scratch>/proc/77 with the files given (NULL: no such file). */
static void proc_tree(struct scratch *s, const char *stat, const char *status, const char *cmdline)
{
	char path[PATH_MAX];

	mkdir(scratch_path(s, "proc/77/x", path), 0755);
	if (stat)
		scratch_puts(s, "proc/77/stat", stat);
	if (status)
		scratch_puts(s, "proc/77/status", status);
	if (cmdline)
		scratch_write(s, "proc/77/cmdline", cmdline, strlen(cmdline) + 1);
}

#define STAT_OK	  "77 (\x1b]0;x\x07\xe2\x80\xae) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n"
#define STATUS_OK "Name:\tx\nUmask:\t0022\nState:\tS\nTgid:\t77\nPid:\t77\nUid:\t5\t5\t5\t5\n"

static int read_77(struct scratch *s, struct proc_info *p)
{
	return procfs_read_process(s->dir, 77, p);
}

/* A process is read whole or not at all: each file may be gone, empty or cut short. */
static void test_procfs_partial(void **state)
{
	struct scratch *s = *state;
	struct proc_info p;
	char path[PATH_MAX];

	proc_tree(s, STAT_OK, STATUS_OK, "a\x1b[2J");
	assert_int_equal(read_77(s, &p), 0);
	assert_string_equal(p.comm, "\\x1b]0;x\\x07\\u{202e}");
	assert_string_equal(p.comm_raw, "\x1b]0;x\x07\xe2\x80\xae"); /* for seeded records */
	assert_string_equal(p.cmdline, "a\\x1b[2J");
	assert_int_equal(p.uid, 5);
	assert_int_equal(p.start_ticks, 4242);
	assert_int_equal(p.netns, 0); /* no ns/net: unknown, not an error */

	/* an empty command line: a kernel thread or a zombie */
	scratch_write(s, "proc/77/cmdline", "", 0);
	assert_int_equal(read_77(s, &p), 0);
	assert_string_equal(p.cmdline, "");

	/* gone half-way: a file that is no longer there */
	unlink(scratch_path(s, "proc/77/cmdline", path));
	assert_int_equal(read_77(s, &p), -ENOENT);
	proc_tree(s, NULL, NULL, "a");
	unlink(scratch_path(s, "proc/77/status", path));
	assert_int_equal(read_77(s, &p), -ENOENT);

	/* empty or cut short */
	scratch_puts(s, "proc/77/status", "");
	assert_int_equal(read_77(s, &p), -EINVAL);
	scratch_puts(s, "proc/77/status", "Name:\tx\nUmask:\t0022\nUi");
	assert_int_equal(read_77(s, &p), -EINVAL);
	scratch_puts(s, "proc/77/status", STATUS_OK);
	scratch_puts(s, "proc/77/stat", "");
	assert_int_equal(read_77(s, &p), -EINVAL);
	scratch_puts(s, "proc/77/stat", "77 (\x1b]0;x");
	assert_int_equal(read_77(s, &p), -EINVAL);
	scratch_puts(s, "proc/77/stat", "77 (x) S 1 77 77 0 -1 0 0 0 0 0 0");
	assert_int_equal(read_77(s, &p), -EINVAL);
	assert_int_equal(p.pid, 77);
	assert_string_equal(p.cmdline, ""); /* nothing half-read is left for a caller */

	/* a directory where a file should be */
	unlink(scratch_path(s, "proc/77/stat", path));
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(read_77(s, &p) < 0);
}

/* A comm of 15 bytes that each become 4: the raw form keeps all 15, the shown one all 60. */
static void test_procfs_comm_forms(void **state)
{
	struct scratch *s = *state;
	struct proc_info p;

	proc_tree(s,
		  "77 (\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f) S 1 77 77 0 -1"
		  " 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0\n",
		  STATUS_OK, "");
	assert_int_equal(read_77(s, &p), 0);
	assert_int_equal(strlen(p.comm_raw), 15);
	assert_memory_equal(p.comm_raw,
			    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 15);
	assert_int_equal(strlen(p.comm), 60);
	assert_memory_equal(p.comm + 56, "\\x0f", 4);
	assert_inert(p.comm);
}

/* ---- container metadata ---- */

static void expect_name(struct scratch *s, const struct container_id *id, int err, const char *name)
{
	struct container_name out;
	double start = now_s();

	assert_int_equal(container_resolve_name(s->dir, id, &out), err);
	assert_string_equal(out.name, name);
	assert_inert(out.name);
	assert_true(now_s() - start < 2); /* 1 MiB read at most, whatever the file's size */
}

static const struct container_id docker_id = { CT_RUNTIME_DOCKER, D1, "" };
static const struct container_id podman_id = { CT_RUNTIME_PODMAN, P1, "" };

static void test_metadata_sparse(void **state)
{
	struct scratch *s = *state;

	/* The name after 50 MB (of NUL bytes in a string): past the cap, the JSON is cut. */
	scratch_sparse(s, DOCKER_CONFIG, "{\"Config\":\"", BIG_SPARSE, "\",\"Name\":\"/late\"}");
	expect_name(s, &docker_id, -EINVAL, "3d900cd39c85");
	scratch_sparse(s, PODMAN_DB, "[{\"x\":\"", BIG_SPARSE,
		       "\"},{\"id\":\"" P1 "\",\"names\":[\"late\"]}]");
	expect_name(s, &podman_id, -EINVAL, "01bc3187e240");
	/* The name first: found in the first MiB, the rest is never read. */
	scratch_sparse(s, DOCKER_CONFIG, "{\"Name\":\"/early\",\"Config\":\"", BIG_SPARSE, "\"}");
	expect_name(s, &docker_id, 0, "early");
}

static void test_metadata_symlinks(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX], fifo[PATH_MAX];

	/* to a file only root may read, that a name lookup must never show */
	assert_int_equal(symlink("/etc/shadow", scratch_path(s, DOCKER_CONFIG, path)), 0);
	expect_name(s, &docker_id, -ELOOP, "3d900cd39c85");
	assert_int_equal(symlink("/etc/shadow", scratch_path(s, PODMAN_DB, path)), 0);
	expect_name(s, &podman_id, -ELOOP, "01bc3187e240");

	/* to a FIFO nobody writes: opening it to read would block forever */
	assert_int_equal(mkfifo(scratch_path(s, "fifo", fifo), 0600), 0);
	assert_int_equal(unlink(scratch_path(s, DOCKER_CONFIG, path)), 0);
	assert_int_equal(symlink(fifo, path), 0);
	expect_name(s, &docker_id, -ELOOP, "3d900cd39c85");
	/* and a relative link to a directory */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("..", path), 0);
	expect_name(s, &docker_id, -ELOOP, "3d900cd39c85");
}

static void test_metadata_not_files(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX];

	assert_int_equal(mkfifo(scratch_path(s, PODMAN_DB, path), 0600), 0);
	expect_name(s, &podman_id, -EINVAL, "01bc3187e240");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_name(s, &podman_id, -EINVAL, "01bc3187e240");
	assert_int_equal(symlink("/dev/zero", scratch_path(s, DOCKER_CONFIG, path)), 0);
	expect_name(s, &docker_id, -ELOOP, "3d900cd39c85");
}

/* Malformed JSON gives the short id; names with escapes, raw or \u-encoded, come out inert. */
static void test_metadata_malformed(void **state)
{
	static const struct {
		const char *json;
		int err;
		const char *name;
	} docker[] = {
		{ "{\"Name\":\"/\\u001b]0;pwn\\u0007\\u202e\"}", 0, "\\x1b]0;pwn\\x07\\u{202e}" },
		{ "{\"Name\":\"/raw\x1b[2J\xff\n\"}", 0, "raw\\x1b[2J\\xff\\x0a" },
		{ "{\"Name\":\"/nul\\u0000after\"}", 0, "nul" },
		{ "{\"Name\":\"/x\"", 0, "x" }, /* cut after the name: what came whole is used */
		{ "{\"Name\"", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/a\\", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/a\\u", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/a\\ud83d\\u", -EINVAL, "3d900cd39c85" },
		{ "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", -EINVAL, "3d900cd39c85" },
		{ "{\"a\":]]]]]]]]]],\"Name\":\"/x\"}", -EINVAL, "3d900cd39c85" },
		{ "\xff\xfe{\"Name\":\"/bom\"}", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":42}", -EINVAL, "3d900cd39c85" },
	};
	static const struct {
		const char *json;
		int err;
		const char *name;
	} podman[] = {
		{ "[{\"id\":\"" P1 "\",\"names\":[\"\\u001b[31mred\"]}]", 0, "\\x1b[31mred" },
		{ "[{\"id\":\"" P1 "\",\"names\":[]}]", -ENOENT, "01bc3187e240" },
		{ "[{\"id\":\"" P1 "\",\"names\":\"web\"}]", -EINVAL, "01bc3187e240" },
		{ "[{\"id\":\"" P1 "\"}]", -ENOENT, "01bc3187e240" },
		{ "[{\"id\":\"" P1 "x\",\"names\":[\"no\"]}]", -ENOENT, "01bc3187e240" },
		/* cut after the name: what came whole is used */
		{ "[{\"id\":\"" P1 "\",\"names\":[\"web\"", 0, "web" },
		{ "[{\"id\":", -EINVAL, "01bc3187e240" },
		{ "[1,2,", -EINVAL, "01bc3187e240" },
		{ "{}", -EINVAL, "01bc3187e240" },
	};
	struct scratch *s = *state;
	size_t i;

	for (i = 0; i < sizeof(docker) / sizeof(docker[0]); i++) {
		scratch_puts(s, DOCKER_CONFIG, docker[i].json);
		print_message("docker %zu\n", i);
		expect_name(s, &docker_id, docker[i].err, docker[i].name);
	}
	for (i = 0; i < sizeof(podman) / sizeof(podman[0]); i++) {
		scratch_puts(s, PODMAN_DB, podman[i].json);
		print_message("podman %zu\n", i);
		expect_name(s, &podman_id, podman[i].err, podman[i].name);
	}
}

/* A name longer than the field: cut at a character, never inside an escape. */
static void test_metadata_long_name(void **state)
{
	struct scratch *s = *state;
	struct container_name out;
	char json[8192];
	size_t len, i;

	len = sprintf(json, "{\"Name\":\"/");
	for (i = 0; i < 1000; i++)
		len += sprintf(json + len, "\\u001b");
	sprintf(json + len, "\"}");
	scratch_puts(s, DOCKER_CONFIG, json);
	assert_int_equal(container_resolve_name(s->dir, &docker_id, &out), 0);
	assert_int_equal(strlen(out.name), (sizeof(out.name) - 1) / 4 * 4);
	for (i = 0; i < strlen(out.name); i += 4)
		assert_memory_equal(out.name + i, "\\x1b", 4);
}

/* /proc/<pid>/cgroup is the kernel's; in a fixture root it could be anything. */
static void test_proc_cgroup_not_a_file(void **state)
{
	struct scratch *s = *state;
	struct container_id id;
	char path[PATH_MAX], unified[PATH_MAX];
	double start = now_s();

	assert_int_equal(mkfifo(scratch_path(s, "proc/77/cgroup", path), 0600), 0);
	assert_int_equal(container_read_pid_unified(s->dir, 77, &id, unified, sizeof(unified)),
			 -EINVAL);
	assert_int_equal(unlink(path), 0);
	/* 50 MB: the first 64 KiB, and of them only whole lines; here none, so invalid */
	scratch_sparse(s, "proc/77/cgroup", "0::/system.slice/docker-" D1 ".scope", BIG_SPARSE,
		       "\n");
	assert_int_equal(container_read_pid_unified(s->dir, 77, &id, unified, sizeof(unified)),
			 -EINVAL);
	assert_string_equal(unified, "");
	/* a hostile cgroup name is a service with an inert id; the path itself is raw */
	scratch_puts(s, "proc/77/cgroup", "0::/ev\x1b]0;x\x07il\xe2\x80\xae.service\n");
	assert_int_equal(container_read_pid_unified(s->dir, 77, &id, unified, sizeof(unified)), 0);
	assert_int_equal(id.runtime, CT_RUNTIME_SERVICE);
	assert_string_equal(id.id, "ev\\x1b]0;x\\x07il\\u{202e}.service");
	assert_string_equal(unified, "/ev\x1b]0;x\x07il\xe2\x80\xae.service");
	assert_true(now_s() - start < 2);
}

/* ---- sockdiag replies ---- */

struct count {
	size_t n;
	struct sockdiag_sock last;
};

static int count_sock(void *ctx, const struct sockdiag_sock *s)
{
	struct count *c = ctx;

	c->n++;
	c->last = *s;
	return 0;
}

/* A netlink message of @type with @len bytes of @payload at @buf + @off; the new offset. */
static size_t put_msg(uint8_t *buf, size_t off, uint16_t type, const void *payload, size_t len)
{
	struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(len), .nlmsg_type = type };

	memcpy(buf + off, &h, sizeof(h));
	memcpy(buf + off + NLMSG_HDRLEN, payload, len);
	return off + NLMSG_ALIGN(h.nlmsg_len);
}

/* One attribute at @blob + *@off: a header saying @rta_len, then @data_len zero bytes. */
static void put_attr(uint8_t *blob, size_t *off, uint16_t type, uint16_t rta_len, size_t data_len)
{
	struct rtattr rta = { .rta_len = rta_len, .rta_type = type };

	memcpy(blob + *off, &rta, sizeof(rta));
	memset(blob + *off + sizeof(rta), 0, data_len);
	*off += RTA_ALIGN(sizeof(rta) + data_len);
}

/* One IPv4 socket message at @buf + @off, its attributes the @alen bytes of @attrs. */
static size_t put_sock(uint8_t *buf, size_t off, const uint8_t *attrs, size_t alen)
{
	uint8_t payload[512] = { 0 };
	struct inet_diag_msg m = { .idiag_family = AF_INET, .idiag_state = 1 };

	memcpy(payload, &m, sizeof(m));
	if (alen)
		memcpy(payload + NLMSG_ALIGN(sizeof(m)), attrs, alen);
	return put_msg(buf, off, SOCK_DIAG_BY_FAMILY, payload, NLMSG_ALIGN(sizeof(m)) + alen);
}

/* Header and attribute lengths that lie: -EBADMSG after the sockets before, never a loop. */
static void test_sockdiag_lying_lengths(void **state)
{
	static const uint32_t bad_lens[] = { 0, 1, 15, 0xffffffffu, 0xfffffffcu, 0x80000000u };
	uint8_t buf[4096], attrs[256];
	struct count c;
	struct nlmsghdr h;
	size_t first, off, alen, i;

	(void)state;
	for (i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
		memset(&c, 0, sizeof(c));
		first = put_sock(buf, 0, NULL, 0);
		off = put_sock(buf, first, NULL, 0);
		memcpy(&h, buf + first, sizeof(h));
		h.nlmsg_len = bad_lens[i];
		memcpy(buf + first, &h, sizeof(h));
		assert_int_equal(sockdiag_parse(buf, off, count_sock, &c), -EBADMSG);
		assert_int_equal(c.n, 1); /* the first socket, whole, and nothing after */
	}

	/* an attribute of length 0 (that would never advance), one past the message, 0xffff */
	memset(&c, 0, sizeof(c));
	alen = 0;
	put_attr(attrs, &alen, INET_DIAG_INFO, 0, 8);
	assert_int_equal(sockdiag_parse(buf, put_sock(buf, 0, attrs, alen), count_sock, &c),
			 -EBADMSG);
	alen = 0;
	put_attr(attrs, &alen, INET_DIAG_INFO, 200, 8);
	assert_int_equal(sockdiag_parse(buf, put_sock(buf, 0, attrs, alen), count_sock, &c),
			 -EBADMSG);
	alen = 0;
	put_attr(attrs, &alen, INET_DIAG_CGROUP_ID, 0xffff, 8);
	assert_int_equal(sockdiag_parse(buf, put_sock(buf, 0, attrs, alen), count_sock, &c),
			 -EBADMSG);
	assert_int_equal(c.n, 0);

	/* empty and too-short attributes are no error: the counters stay unknown */
	alen = 0;
	put_attr(attrs, &alen, INET_DIAG_INFO, RTA_LENGTH(0), 0);
	put_attr(attrs, &alen, INET_DIAG_INFO, RTA_LENGTH(1), 1);
	put_attr(attrs, &alen, INET_DIAG_CGROUP_ID, RTA_LENGTH(0), 0);
	put_attr(attrs, &alen, INET_DIAG_CGROUP_ID, RTA_LENGTH(7), 7);
	put_attr(attrs, &alen, 0x7fff, RTA_LENGTH(0), 0);
	assert_int_equal(sockdiag_parse(buf, put_sock(buf, 0, attrs, alen), count_sock, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.last.has_info, 0);
	assert_int_equal(c.last.cgroup_id, 0);
}

/* Errors the kernel never sends, and a dump that ends early: a result, not a crash. */
static void test_sockdiag_errors_and_early_done(void **state)
{
	static const int bad_errors[] = { 1, 4096, -4096, -2147483647 - 1, 2147483647 };
	uint8_t buf[4096];
	struct count c = { 0 };
	size_t off, i;
	int err = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_errors) / sizeof(bad_errors[0]); i++) {
		struct nlmsgerr e = { .error = bad_errors[i] };

		off = put_sock(buf, 0, NULL, 0);
		off = put_msg(buf, off, NLMSG_ERROR, &e, sizeof(e));
		assert_int_equal(sockdiag_parse(buf, off, count_sock, &c), -EBADMSG);
	}
	/* NLMSG_ERROR too short to hold its error */
	off = put_msg(buf, 0, NLMSG_ERROR, &err, 2);
	assert_int_equal(sockdiag_parse(buf, off, count_sock, &c), -EBADMSG);
	/* DONE first: the dump is over, what follows is not read even when it is garbage */
	memset(&c, 0, sizeof(c));
	off = put_msg(buf, 0, NLMSG_DONE, &err, sizeof(err));
	off = put_sock(buf, off, NULL, 0);
	memset(buf + off, 0xff, 64);
	assert_int_equal(sockdiag_parse(buf, off + 64, count_sock, &c), 1);
	assert_int_equal(c.n, 0);
	/* a dump the kernel cut short says so in DONE */
	err = -EINTR;
	off = put_sock(buf, 0, NULL, 0);
	off = put_msg(buf, off, NLMSG_DONE, &err, sizeof(err));
	assert_int_equal(sockdiag_parse(buf, off, count_sock, &c), -EINTR);
	assert_int_equal(c.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_random),
		cmocka_unit_test(test_sanitize_4k),
		cmocka_unit_test(test_sanitize_all_bidi_controls),
		cmocka_unit_test_setup_teardown(test_procfs_partial, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_procfs_comm_forms, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_sparse, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_symlinks, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_not_files, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_malformed, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_metadata_long_name, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_proc_cgroup_not_a_file, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_sockdiag_lying_lengths),
		cmocka_unit_test(test_sockdiag_errors_and_early_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
