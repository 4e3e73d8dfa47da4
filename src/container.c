// SPDX-License-Identifier: GPL-2.0-only
#include "container.h"

#include "log.h"
#include "sanitize.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_CGROUP_MAX (64 * 1024)
#define METADATA_MAX	(1024 * 1024)
#define HEX_ID_LEN	64
/* cgroupfs layouts are written by many tools; some shorten ids the way `docker ps` does. */
#define HEX_ID_MIN_SHORT 12
#define SHORT_NAME_LEN	 12

/* A piece of a longer string: cgroup paths are walked without copying. */
struct span {
	const char *s;
	size_t len;
};

static struct span span_of(const char *s)
{
	return (struct span){ s, strlen(s) };
}

static bool span_eq(struct span a, const char *lit)
{
	return a.len == strlen(lit) && !memcmp(a.s, lit, a.len);
}

static bool span_starts(struct span a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && !memcmp(a.s, prefix, n);
}

static bool span_ends(struct span a, const char *suffix)
{
	size_t n = strlen(suffix);

	return a.len >= n && !memcmp(a.s + a.len - n, suffix, n);
}

/* Drops @prefix from the front of @a; false, with @a untouched, if it is not there. */
static bool span_eat_prefix(struct span *a, const char *prefix)
{
	if (!span_starts(*a, prefix))
		return false;
	a->s += strlen(prefix);
	a->len -= strlen(prefix);
	return true;
}

static bool span_eat_suffix(struct span *a, const char *suffix)
{
	if (!span_ends(*a, suffix))
		return false;
	a->len -= strlen(suffix);
	return true;
}

/* @a without its first @off bytes. */
static struct span span_from(struct span a, size_t off)
{
	return (struct span){ a.s + off, a.len - off };
}

/* The part of @a before the first @c (all of it without one). */
static struct span span_until(struct span a, char c)
{
	const char *end = memchr(a.s, c, a.len);

	if (end)
		a.len = end - a.s;
	return a;
}

static bool is_digits(struct span a)
{
	size_t i;

	for (i = 0; i < a.len; i++) {
		if (a.s[i] < '0' || a.s[i] > '9')
			return false;
	}
	return a.len > 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Runtimes write ids in lowercase; anything else is some other name that happens to look alike. */
static bool is_lower_hex(struct span a, size_t min, size_t max)
{
	size_t i;

	if (a.len < min || a.len > max)
		return false;
	for (i = 0; i < a.len; i++) {
		if (!(a.s[i] >= '0' && a.s[i] <= '9') && !(a.s[i] >= 'a' && a.s[i] <= 'f'))
			return false;
	}
	return true;
}

const char *container_runtime_name(enum container_runtime runtime)
{
	switch (runtime) {
	case CT_RUNTIME_DOCKER:
		return "docker";
	case CT_RUNTIME_CONTAINERD:
		return "containerd";
	case CT_RUNTIME_CRIO:
		return "cri-o";
	case CT_RUNTIME_PODMAN:
		return "podman";
	case CT_RUNTIME_NSPAWN:
		return "nspawn";
	case CT_RUNTIME_LXC:
		return "lxc";
	case CT_RUNTIME_SERVICE:
		return "service";
	case CT_RUNTIME_NONE:
		break;
	}
	return "";
}

/*
 * Pod uids are UUIDs, or 32 hex digits for static pods (the kubelet hashes their manifest). systemd
 * slice names write the UUID's dashes as underscores (@dash), since "-" means nesting.
 */
static bool pod_uid_parse(struct span uid, char dash, char *out, size_t size)
{
	char buf[40];
	size_t i;

	if (uid.len != 32 && uid.len != 36)
		return false;
	for (i = 0; i < uid.len; i++) {
		bool dash_place = uid.len == 36 && (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash_place ? uid.s[i] != dash :
				 !is_lower_hex((struct span){ uid.s + i, 1 }, 1, 1))
			return false;
		buf[i] = dash_place ? '-' : uid.s[i];
	}
	sanitize(out, size, buf, uid.len);
	return true;
}

/*
 * "kubepods-burstable-pod<uid>.slice" or "kubepods-pod<uid>.slice" (systemd driver), "pod<uid>"
 * below a kubepods cgroup (cgroupfs driver).
 */
static bool pod_component(struct span c, bool in_kubepods, char *uid, size_t size)
{
	struct span u = c;

	if (span_eat_prefix(&u, "kubepods-") && span_eat_suffix(&u, ".slice")) {
		const char *dash = memrchr(u.s, '-', u.len);

		if (dash) {
			u.len -= dash + 1 - u.s;
			u.s = dash + 1;
		}
		return span_eat_prefix(&u, "pod") && pod_uid_parse(u, '_', uid, size);
	}
	u = c;
	return in_kubepods && span_eat_prefix(&u, "pod") && pod_uid_parse(u, '-', uid, size);
}

static bool set_id(struct container_id *out, enum container_runtime runtime, struct span id)
{
	out->runtime = runtime;
	sanitize(out->id, sizeof(out->id), id.s, id.len);
	return true;
}

static const struct runtime_prefix {
	const char *prefix;
	enum container_runtime runtime;
} scope_prefixes[] = {
	{ "docker-", CT_RUNTIME_DOCKER },      { "cri-containerd-", CT_RUNTIME_CONTAINERD },
	{ "nerdctl-", CT_RUNTIME_CONTAINERD }, { "crio-", CT_RUNTIME_CRIO },
	{ "libpod-", CT_RUNTIME_PODMAN },      { "libpod-payload-", CT_RUNTIME_PODMAN },
};

/*
 * "<prefix><id>.scope" (systemd driver, full ids only) or "<prefix><id>" (cgroupfs driver, as CRI-O
 * and Podman write it). "crio-conmon-<id>" and "libpod-conmon-<id>" are the runtimes' monitors, not
 * the container: their id part is not hex, so they do not match.
 */
static bool scope_container(struct span c, struct container_id *out)
{
	size_t i;

	for (i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		struct span id = c;
		bool scope;

		if (!span_eat_prefix(&id, scope_prefixes[i].prefix))
			continue;
		scope = span_eat_suffix(&id, ".scope");
		if (is_lower_hex(id, scope ? HEX_ID_LEN : HEX_ID_MIN_SHORT, HEX_ID_LEN))
			return set_id(out, scope_prefixes[i].runtime, id);
	}
	return false;
}

/*
 * "<slice>:<runtime>:<id>": what runc makes of a systemd-style cgroupsPath when it is told to use
 * cgroupfs (containerd without SystemdCgroup = true under a systemd kubelet).
 */
static bool colon_container(struct span c, struct container_id *out)
{
	static const struct runtime_prefix runtimes[] = {
		{ "cri-containerd", CT_RUNTIME_CONTAINERD },
		{ "crio", CT_RUNTIME_CRIO },
		{ "docker", CT_RUNTIME_DOCKER },
	};
	struct span slice = span_until(c, ':'), rest, runtime, id;
	size_t i;

	if (slice.len == c.len)
		return false;
	rest = span_from(c, slice.len + 1);
	runtime = span_until(rest, ':');
	if (runtime.len == rest.len)
		return false;
	id = span_from(rest, runtime.len + 1);
	for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		if (span_eq(runtime, runtimes[i].prefix) &&
		    is_lower_hex(id, HEX_ID_LEN, HEX_ID_LEN))
			return set_id(out, runtimes[i].runtime, id);
	}
	return false;
}

/* systemd writes bytes that unit names cannot hold as "\xNN": a "-" in a name is "\x2d". */
static size_t unit_unescape(char *dst, size_t size, struct span s)
{
	size_t i = 0, n = 0;

	while (i < s.len && n + 1 < size) {
		int hi = s.len - i >= 4 && s.s[i] == '\\' && s.s[i + 1] == 'x' ?
				 hex_value(s.s[i + 2]) :
				 -1;
		int lo = hi >= 0 ? hex_value(s.s[i + 3]) : -1;

		if (lo >= 0) {
			dst[n++] = (char)(hi << 4 | lo);
			i += 4;
		} else {
			dst[n++] = s.s[i++];
		}
	}
	dst[n] = '\0';
	return n;
}

/*
 * Machines registered with systemd-machined: "machine-<name>.scope" (nspawn, also libvirt guests,
 * which machined does not tell apart) and "systemd-nspawn@<name>.service" (machinectl).
 */
static bool machine_container(struct span c, struct container_id *out)
{
	struct span name = c;
	char buf[256];
	size_t len;

	if (!(span_eat_prefix(&name, "machine-") && span_eat_suffix(&name, ".scope"))) {
		name = c;
		if (!(span_eat_prefix(&name, "systemd-nspawn@") &&
		      span_eat_suffix(&name, ".service")))
			return false;
	}
	if (!name.len)
		return false;
	len = unit_unescape(buf, sizeof(buf), name);
	return set_id(out, CT_RUNTIME_NSPAWN, (struct span){ buf, len });
}

/* LXC 4+ and LXD: "lxc.payload.<name>" or "lxc.payload/<name>"; older LXC: "lxc/<name>". */
static bool lxc_container(struct span c, struct span parent, struct container_id *out)
{
	struct span name = c;

	if (span_eat_prefix(&name, "lxc.payload.") && name.len)
		return set_id(out, CT_RUNTIME_LXC, name);
	if (span_eq(parent, "lxc") || span_eq(parent, "lxc.payload"))
		return set_id(out, CT_RUNTIME_LXC, c);
	return false;
}

/* What a cgroup path walk has seen so far, outermost first. */
struct cgroup_walk {
	struct span parent;
	bool parent_is_pod;
	bool in_kubepods;
	char pod_uid[40]; /* innermost pod so far */
	struct container_id found; /* innermost container so far */
	struct span service; /* innermost service unit so far */
};

/* A bare id is a container only where a runtime puts one: below "docker" or a pod. */
static bool bare_container(const struct cgroup_walk *w, struct span c, struct container_id *out)
{
	if (!is_lower_hex(c, HEX_ID_MIN_SHORT, HEX_ID_LEN))
		return false;
	if (span_eq(w->parent, "docker"))
		return set_id(out, CT_RUNTIME_DOCKER, c);
	/* containerd; CRI-O says "crio-<id>" and dockershim is gone since Kubernetes 1.24. */
	if (w->parent_is_pod)
		return set_id(out, CT_RUNTIME_CONTAINERD, c);
	return false;
}

static bool component_container(const struct cgroup_walk *w, struct span c,
				struct container_id *out)
{
	return scope_container(c, out) || colon_container(c, out) || bare_container(w, c, out) ||
	       machine_container(c, out) || lxc_container(c, w->parent, out);
}

static void walk_component(struct cgroup_walk *w, struct span c)
{
	struct container_id ct = { 0 };
	/* Zeroed whole: all of it is copied, and a recording writes every byte of a container id. */
	char uid[sizeof(w->pod_uid)] = "";
	/* The colon form carries its pod's slice before the first ':'. */
	bool is_pod = pod_component(span_until(c, ':'), w->in_kubepods, uid, sizeof(uid));

	if (is_pod)
		memcpy(w->pod_uid, uid, sizeof(uid));
	if (span_starts(c, "kubepods"))
		w->in_kubepods = true;
	if (component_container(w, c, &ct)) {
		memcpy(ct.pod_uid, w->pod_uid, sizeof(ct.pod_uid));
		w->found = ct;
	} else if (c.len > strlen(".service") && span_ends(c, ".service")) {
		w->service = c;
	}
	w->parent = c;
	w->parent_is_pod = is_pod;
}

static int check_cgroup_path(struct span path)
{
	if (!path.len || path.len >= PATH_MAX || path.s[0] != '/' ||
	    memchr(path.s, '\n', path.len) || memchr(path.s, '\0', path.len))
		return -EINVAL;
	return 0;
}

/* Containers win over services: a service running inside a container belongs to the container. */
static int cgroup_path_parse(struct span path, struct container_id *out)
{
	struct cgroup_walk w = { 0 };
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (check_cgroup_path(path))
		return -EINVAL;
	while (i < path.len) {
		struct span c = span_until(span_from(path, i), '/');

		if (c.len)
			walk_component(&w, c);
		i += c.len + 1;
	}
	if (w.found.runtime != CT_RUNTIME_NONE) {
		*out = w.found;
		return 0;
	}
	if (w.service.len) {
		set_id(out, CT_RUNTIME_SERVICE, w.service);
		return 0;
	}
	return -ENOENT;
}

int container_from_cgroup_path(const char *path, struct container_id *out)
{
	if (!path) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	/* Never measure past PATH_MAX: the caller's string may be anything. */
	return cgroup_path_parse((struct span){ path, strnlen(path, PATH_MAX) }, out);
}

/* One line of /proc/<pid>/cgroup: "hierarchy:controllers:path"; the path may hold ':'. */
struct cgroup_line {
	struct span controllers;
	struct span path;
	bool v2;
};

static int cgroup_line_parse(struct span line, struct cgroup_line *out)
{
	struct span hier = span_until(line, ':'), rest;

	if (hier.len == line.len || !is_digits(hier))
		return -EINVAL;
	rest = span_from(line, hier.len + 1);
	out->controllers = span_until(rest, ':');
	if (out->controllers.len == rest.len)
		return -EINVAL;
	out->path = span_from(rest, out->controllers.len + 1);
	out->v2 = span_eq(hier, "0") && !out->controllers.len;
	return check_cgroup_path(out->path);
}

static bool next_line(struct span *rest, struct span *line)
{
	size_t skip;

	if (!rest->len)
		return false;
	*line = span_until(*rest, '\n');
	skip = line->len < rest->len ? line->len + 1 : line->len;
	*rest = span_from(*rest, skip);
	return true;
}

/* Checks every line and finds the v2 one, so a bad file fails whole, not halfway. */
static int proc_cgroup_check(struct span text, char *unified, size_t unified_size)
{
	struct span rest = text, line;
	struct cgroup_line l;
	int lines = 0;

	while (next_line(&rest, &line)) {
		if (!line.len)
			continue;
		if (cgroup_line_parse(line, &l))
			return -EINVAL;
		if (l.v2 && unified && l.path.len < unified_size) {
			memcpy(unified, l.path.s, l.path.len);
			unified[l.path.len] = '\0';
		}
		lines++;
	}
	return lines ? 0 : -EINVAL;
}

enum line_pass { PASS_V2, PASS_SYSTEMD, PASS_V1, PASS_COUNT };

static bool line_in_pass(const struct cgroup_line *l, enum line_pass pass)
{
	bool systemd = span_eq(l->controllers, "name=systemd");

	switch (pass) {
	case PASS_V2:
		return l->v2;
	case PASS_SYSTEMD:
		return !l->v2 && systemd;
	default:
		return !l->v2 && !systemd;
	}
}

static int proc_cgroup_pass(struct span text, enum line_pass pass, struct container_id *out)
{
	struct span rest = text, line;
	struct cgroup_line l;

	while (next_line(&rest, &line)) {
		if (!line.len || cgroup_line_parse(line, &l) || !line_in_pass(&l, pass))
			continue;
		if (!cgroup_path_parse(l.path, out))
			return 0;
	}
	return -ENOENT;
}

int container_from_proc_cgroup(const char *contents, size_t len, struct container_id *out,
			       char *unified, size_t unified_size)
{
	struct span text = { contents, len };
	int pass;

	memset(out, 0, sizeof(*out));
	if (unified && unified_size)
		unified[0] = '\0';
	if (!contents || !len || memchr(contents, '\0', len) ||
	    proc_cgroup_check(text, unified, unified_size)) {
		if (unified && unified_size)
			unified[0] = '\0';
		return -EINVAL;
	}
	for (pass = PASS_V2; pass < PASS_COUNT; pass++) {
		if (!proc_cgroup_pass(text, pass, out))
			return 0;
	}
	return -ENOENT;
}

static bool root_is_host(const char *root)
{
	return !root || !root[0] || !strcmp(root, "/");
}

/* "<root><path>", @root "" or "/" meaning the running system. */
__attribute__((format(printf, 4, 5))) static int root_path(char *buf, size_t size, const char *root,
							   const char *fmt, ...)
{
	size_t rlen = root ? strlen(root) : 0;
	va_list ap;
	int n;

	while (rlen && root[rlen - 1] == '/')
		rlen--;
	if (rlen >= size)
		return -ENAMETOOLONG;
	memcpy(buf, root, rlen);
	va_start(ap, fmt);
	n = vsnprintf(buf + rlen, size - rlen, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - rlen ? -ENAMETOOLONG : 0;
}

/*
 * Reads at most @cap bytes of the regular file @path. O_NONBLOCK and the type check keep a FIFO
 * planted where a file should be from hanging us.
 */
static ssize_t read_capped(const char *path, int flags, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	ssize_t err = 0;
	size_t len = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	while (!err && len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n == 0)
			break;
		else if (n > 0)
			len += n;
	}
	close(fd);
	return err ? err : (ssize_t)len;
}

int container_read_pid_unified(const char *root, int pid, struct container_id *out, char *unified,
			       size_t unified_size)
{
	char path[PATH_MAX], *buf;
	ssize_t n;
	int err;

	memset(out, 0, sizeof(*out));
	if (unified && unified_size)
		unified[0] = '\0';
	if (pid <= 0)
		return -EINVAL;
	err = root_path(path, sizeof(path), root, "/proc/%d/cgroup", pid);
	if (err)
		return err;
	buf = malloc(PROC_CGROUP_MAX);
	if (!buf)
		return -ENOMEM;
	n = read_capped(path, 0, buf, PROC_CGROUP_MAX);
	/* Cut at the cap: a shortened path could name another cgroup, so drop the partial line. */
	if (n == PROC_CGROUP_MAX) {
		const char *nl = memrchr(buf, '\n', n);

		n = nl ? nl + 1 - buf : 0;
	}
	if (n >= 0)
		err = container_from_proc_cgroup(buf, n, out, unified, unified_size);
	else if (n == -ENOENT || n == -ESRCH) /* the process exited: it happens all the time */
		err = -ENOENT;
	else
		err = (int)n;
	if (n < 0 && err != -ENOENT)
		log_debug("%s: %s", path, strerror(-err));
	free(buf);
	return err;
}

int container_read_pid(const char *root, int pid, struct container_id *out)
{
	return container_read_pid_unified(root, pid, out, NULL, 0);
}

/*
 * Just enough JSON to pull strings out of runtime metadata. Values that are not looked at are
 * skipped by counting brackets outside strings, so nesting depth costs no stack.
 */
struct json {
	const char *p, *end;
};

static void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool json_eat(struct json *j, char c)
{
	json_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

/* Skips the string whose opening quote is under the cursor. */
static int json_skip_string(struct json *j)
{
	const char *p = j->p + 1;

	while (p < j->end) {
		if (*p == '"') {
			j->p = p + 1;
			return 0;
		}
		if (*p == '\\' && j->end - p < 2)
			break;
		p += *p == '\\' ? 2 : 1;
	}
	return -EINVAL;
}

static int json_skip_literal(struct json *j)
{
	const char *start = j->p;

	while (j->p < j->end && !memchr(",:]} \t\r\n", *j->p, 8))
		j->p++;
	return j->p > start ? 0 : -EINVAL;
}

static int json_skip_value(struct json *j)
{
	int depth = 0;

	json_ws(j);
	if (j->p < j->end && *j->p != '"' && *j->p != '{' && *j->p != '[')
		return json_skip_literal(j);
	do {
		if (j->p >= j->end)
			return -EINVAL;
		if (*j->p == '"') {
			if (json_skip_string(j))
				return -EINVAL;
			continue;
		}
		if (*j->p == '{' || *j->p == '[')
			depth++;
		else if (*j->p == '}' || *j->p == ']')
			depth--;
		j->p++;
	} while (depth > 0);
	return 0;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int json_hex4(struct json *j, uint32_t *cp)
{
	int i;

	if (j->end - j->p < 4)
		return -EINVAL;
	*cp = 0;
	for (i = 0; i < 4; i++) {
		int v = hex_value(j->p[i]);

		if (v < 0)
			return -EINVAL;
		*cp = *cp << 4 | v;
	}
	j->p += 4;
	return 0;
}

/* "\uXXXX", after the "\u": a surrogate pair makes one character, a lone half U+FFFD. */
static int json_unicode(struct json *j, char *out, size_t *len)
{
	uint32_t cp, low;

	if (json_hex4(j, &cp))
		return -EINVAL;
	if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
	    j->p[1] == 'u') {
		struct json save = *j;

		j->p += 2;
		if (!json_hex4(j, &low) && low >= 0xdc00 && low < 0xe000)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		else
			*j = save;
	}
	if (cp >= 0xd800 && cp < 0xe000)
		cp = 0xfffd;
	*len = utf8_encode(cp, out);
	return 0;
}

/* One character of a string, escapes decoded; raw bytes pass as they are, sanitize() sees them. */
static int json_char(struct json *j, char *out, size_t *len)
{
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const char *e;

	*len = 1;
	if (*j->p != '\\') {
		out[0] = *j->p++;
		return 0;
	}
	if (j->end - j->p < 2)
		return -EINVAL;
	j->p += 2;
	if (j->p[-1] == 'u')
		return json_unicode(j, out, len);
	for (e = escapes; *e; e += 2) {
		if (*e == j->p[-1]) {
			out[0] = e[1];
			return 0;
		}
	}
	return -EINVAL;
}

/* Decodes the string under the cursor into @buf, NUL-terminated, cut to fit. */
static int json_string(struct json *j, char *buf, size_t size)
{
	bool full = false;
	size_t n = 0;

	if (!json_eat(j, '"'))
		return -EINVAL;
	while (j->p < j->end && *j->p != '"') {
		char ch[4];
		size_t len;

		if (json_char(j, ch, &len))
			return -EINVAL;
		full = full || n + len >= size;
		if (!full) {
			memcpy(buf + n, ch, len);
			n += len;
		}
	}
	buf[n] = '\0';
	return json_eat(j, '"') ? 0 : -EINVAL;
}

/* Moves the cursor, on an object, to the value of its member @key: -ENOENT when it has none. */
static int json_member(struct json *j, const char *key)
{
	char name[64];

	if (!json_eat(j, '{'))
		return -EINVAL;
	if (json_eat(j, '}'))
		return -ENOENT;
	do {
		if (json_string(j, name, sizeof(name)) || !json_eat(j, ':'))
			return -EINVAL;
		if (!strcmp(name, key))
			return 0;
		if (json_skip_value(j))
			return -EINVAL;
	} while (json_eat(j, ','));
	return json_eat(j, '}') ? -ENOENT : -EINVAL;
}

/* The first string of the array under the cursor. */
static int json_first_string(struct json *j, char *buf, size_t size)
{
	if (!json_eat(j, '['))
		return -EINVAL;
	if (json_eat(j, ']'))
		return -ENOENT;
	return json_string(j, buf, size);
}

/* The metadata file @file under @root, read whole up to METADATA_MAX, then handed to @parse. */
static int metadata_parse(const char *root, const char *file, const char *id,
			  int (*parse)(struct json j, const char *id, char *name, size_t size),
			  char *name, size_t size)
{
	char path[PATH_MAX], *buf;
	ssize_t n;
	int err;

	err = root_path(path, sizeof(path), root, "%s", file);
	if (err)
		return err;
	buf = malloc(METADATA_MAX);
	if (!buf)
		return -ENOMEM;
	/* A symlink could point anywhere, /proc/kcore included: these files never are links. */
	n = read_capped(path, O_NOFOLLOW, buf, METADATA_MAX);
	err = n < 0 ? (int)n : parse((struct json){ buf, buf + n }, id, name, size);
	if (err && err != -ENOENT)
		log_debug("%s: %s", path, strerror(-err));
	free(buf);
	return err;
}

/* config.v2.json: {..., "Name":"/web-1", ...}; only the top level: labels may be called Name. */
static int docker_parse(struct json j, const char *id, char *name, size_t size)
{
	int err = json_member(&j, "Name");

	(void)id;
	if (err)
		return err;
	err = json_string(&j, name, size);
	if (err)
		return err;
	if (name[0] == '/')
		memmove(name, name + 1, strlen(name));
	return name[0] ? 0 : -ENOENT;
}

/* containers.json: [{"id":"<id>","names":["web"],...},...] */
static int podman_parse(struct json j, const char *id, char *name, size_t size)
{
	char cur[HEX_ID_LEN + 2]; /* one too many: a longer string cannot pass for a full id */
	int err;

	if (!json_eat(&j, '['))
		return -EINVAL;
	if (json_eat(&j, ']'))
		return -ENOENT;
	do {
		struct json elem;

		json_ws(&j);
		elem = j;
		if (!json_member(&elem, "id") && !json_string(&elem, cur, sizeof(cur)) &&
		    !strcmp(cur, id)) {
			elem = j;
			if (json_member(&elem, "names"))
				return -ENOENT;
			err = json_first_string(&elem, name, size);
			/* An empty name is none: the caller shows the id, as for Docker. */
			return !err && !name[0] ? -ENOENT : err;
		}
		if (json_skip_value(&j))
			return -EINVAL;
	} while (json_eat(&j, ','));
	return json_eat(&j, ']') ? -ENOENT : -EINVAL;
}

int container_name_from_metadata(enum container_runtime runtime, const char *buf, size_t len,
				 const char *id, char *name, size_t size)
{
	struct json j = { buf, buf + len };

	switch (runtime) {
	case CT_RUNTIME_DOCKER:
		return docker_parse(j, id, name, size);
	case CT_RUNTIME_PODMAN:
		return podman_parse(j, id, name, size);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * The kubelet names its log directories "<namespace>_<pod>_<uid>"; neither namespaces nor pod names
 * can hold "_".
 */
static bool pod_dir_match(const char *entry, const char *uid, void *arg)
{
	struct container_name *out = arg;
	size_t len = strlen(entry), ulen = strlen(uid);
	const char *first = strchr(entry, '_'), *last;

	if (!first || len < ulen + 4 || strcmp(entry + len - ulen, uid))
		return false;
	last = entry + len - ulen - 1;
	if (*last != '_' || first == entry || last <= first + 1)
		return false;
	sanitize(out->pod_namespace, sizeof(out->pod_namespace), entry, first - entry);
	sanitize(out->pod_name, sizeof(out->pod_name), first + 1, last - first - 1);
	return true;
}

/*
 * The kubelet's links "<pod>_<namespace>_<container>-<id>.log" are the only place on disk that ties
 * a CRI container id to its name.
 */
struct name_buf {
	char *s;
	size_t size;
};

static bool kube_log_match(const char *entry, const char *id, void *arg)
{
	struct span e = span_of(entry), container;
	struct name_buf *name = arg;
	const char *sep;

	if (!span_eat_suffix(&e, ".log") || !span_eat_suffix(&e, id) || !span_eat_suffix(&e, "-"))
		return false;
	sep = memrchr(e.s, '_', e.len);
	if (!sep)
		return false;
	container = span_from(e, sep + 1 - e.s);
	if (!container.len)
		return false;
	/* raw: container_resolve_name() sanitizes whatever the name came from */
	snprintf(name->s, name->size, "%.*s", (int)container.len, container.s);
	return true;
}

/* Scans the directory @dir under @root once for the entry @match accepts. */
static int dir_find(const char *root, const char *dir, const char *key,
		    bool (*match)(const char *entry, const char *key, void *arg), void *arg)
{
	char path[PATH_MAX];
	struct dirent *e;
	int err;
	DIR *d;

	err = root_path(path, sizeof(path), root, "%s", dir);
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return -errno;
	err = -ENOENT;
	while (err && (e = readdir(d)))
		err = match(e->d_name, key, arg) ? 0 : -ENOENT;
	closedir(d);
	return err;
}

static int hex_container_name(const char *root, const struct container_id *id, char *name,
			      size_t size)
{
	char path[PATH_MAX];

	/* The id goes into a path: it must be an id, not "../../x". */
	if (!is_lower_hex(span_of(id->id), HEX_ID_MIN_SHORT, HEX_ID_LEN))
		return -EINVAL;
	if (id->pod_uid[0] && !dir_find(root, "/var/log/containers", id->id, kube_log_match,
					&(struct name_buf){ name, size }))
		return 0;
	switch (id->runtime) {
	case CT_RUNTIME_DOCKER:
		if (snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json",
			     id->id) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		return metadata_parse(root, path, id->id, docker_parse, name, size);
	case CT_RUNTIME_PODMAN:
		return metadata_parse(
			root, "/var/lib/containers/storage/overlay-containers/containers.json",
			id->id, podman_parse, name, size);
	default:
		return -ENOENT;
	}
}

int container_resolve_name(const char *root, const struct container_id *id,
			   struct container_name *out)
{
	char raw[256];
	int err;

	memset(out, 0, sizeof(*out));
	if (!id || id->runtime == CT_RUNTIME_NONE || !id->id[0])
		return -EINVAL;
	if (id->pod_uid[0])
		dir_find(root, "/var/log/pods", id->pod_uid, pod_dir_match, out);
	switch (id->runtime) {
	case CT_RUNTIME_NSPAWN:
	case CT_RUNTIME_LXC:
	case CT_RUNTIME_SERVICE:
		sanitize(out->name, sizeof(out->name), id->id, sizeof(id->id));
		return 0;
	default:
		break;
	}
	err = hex_container_name(root, id, raw, sizeof(raw));
	if (err)
		sanitize(out->name, sizeof(out->name), id->id, SHORT_NAME_LEN);
	else
		sanitize(out->name, sizeof(out->name), raw, sizeof(raw));
	return err;
}

/* A cgroup path as it is in /proc: absolute, without ".." (seen from another cgroup namespace). */
static int check_lookup_path(const char *path)
{
	struct span rest;

	if (!path || check_cgroup_path((struct span){ path, strnlen(path, PATH_MAX) }))
		return -EINVAL;
	rest = span_of(path);
	while (rest.len) {
		struct span c = span_until(rest, '/');

		if (span_eq(c, ".."))
			return -EINVAL;
		rest = span_from(rest, c.len < rest.len ? c.len + 1 : c.len);
	}
	return 0;
}

/*
 * Where the v2 hierarchy is: /sys/fs/cgroup (unified mode) or /sys/fs/cgroup/unified (hybrid mode,
 * where /sys/fs/cgroup is a tmpfs of v1 hierarchies whose inodes are no cgroup ids).
 */
static int cgroup2_mount(const char *root, char *buf, size_t size)
{
	static const char *const mounts[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct statfs sfs;
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!root_path(buf, size, root, "%s", mounts[i]) && !statfs(buf, &sfs) &&
		    sfs.f_type == CGROUP2_SUPER_MAGIC)
			return 0;
	}
	if (root_is_host(root))
		return -EOPNOTSUPP;
	/* A fixture tree is no cgroup2 file system: its directories stand for one. */
	for (i = 0; i < 2; i++) {
		if (!root_path(buf, size, root, "%s", mounts[i]) && !stat(buf, &st) &&
		    S_ISDIR(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

int cgroup_id_of_path(const char *root, const char *cgroup_path, uint64_t *id)
{
	char base[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int err;

	*id = 0;
	err = check_lookup_path(cgroup_path);
	if (err)
		return err;
	err = cgroup2_mount(root, base, sizeof(base));
	if (err)
		return err;
	if (snprintf(path, sizeof(path), "%s%s", base, cgroup_path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

/* O_PATH: nsfs files need no read permission to be looked at, and nothing can block. */
static int netns_entry(int dfd, const char *name, bool host, struct netns_name *out)
{
	int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (host && fstatfs(fd, &sfs)))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	/* `ip netns` leaves a plain file behind when the bind mount is gone. */
	else if (host && sfs.f_type != NSFS_MAGIC)
		err = -ENOENT;
	close(fd);
	if (err)
		return err;
	out->ino = st.st_ino;
	sanitize(out->name, sizeof(out->name), name, strlen(name));
	return 0;
}

int netns_names_read(const char *root, struct netns_name *out, size_t max, size_t *count)
{
	char path[PATH_MAX];
	struct dirent *e;
	int err;
	DIR *d;

	*count = 0;
	err = root_path(path, sizeof(path), root, "/run/netns");
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		/* Zeroed: a recording writes the whole name buffer, not just the string in it. */
		struct netns_name ns = { 0 };

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    netns_entry(dirfd(d), e->d_name, root_is_host(root), &ns))
			continue;
		if (*count == max) {
			err = -ENOSPC;
			break;
		}
		out[(*count)++] = ns;
	}
	closedir(d);
	return err;
}
