// SPDX-License-Identifier: GPL-2.0-only
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* Ids as runtimes write them (random, not from a real host). */
#define D1  "3d900cd39c8547dfdae5a34600ca5495ee8d2b05fbb2f4863cb3c0e0f47d7012" /* web-1 */
#define D2  "9c69bbbf813502b24a5e34d544b072ea9d4bd054c0b4305e0859c1535557a542" /* escaped name */
#define D3  "16d1b82bc0abf4ee5c11766ba4e7ce81993198aeeeac78fd61e1b0c5bba69fa5" /* truncated json */
#define D4  "872dd76476592eb25d2e89dc397299b8ea6f159ca8788657ac31f5a213f1a7e1" /* no Name */
#define D5  "9eb986c4527d08a8011a3f6f055e123afc36bb625f34c5bab938473dacaf1b5e" /* no config */
#define K1  "00815a0c1261c50c30b7d3fa08faaff5cd31307f830d1be7ce31193778adf049" /* nginx in U1 */
#define K2  "29175258bd8e488dec9536a82ecce259f31d5a9967ae6f8f73000360ebcab9dc" /* coredns in U2 */
#define K3  "1edbf143afbb5d0135daca8a76ed504672b83ec80a0cfa299aa1ad2ebfa21850" /* no log link */
#define P1  "01bc3187e240c2bda625d7a603e3da673b2b5318a30a88860b9577b61884d072" /* podman db */
#define P2  "8b74b8d37a3eb43b107dc606b870d8ad3be287029272c91047403c722df6777a" /* podman cache */
#define U1  "e93513ca-f767-4d49-8197-d73267d9afb2"
#define U1_ "e93513ca_f767_4d49_8197_d73267d9afb2"
#define U2  "5fc9c4aa-cc2f-4291-9a43-0dd509d16e3a"
#define U2_ "5fc9c4aa_cc2f_4291_9a43_0dd509d16e3a"
#define U3  "5e3760f5-4fc6-4031-a9df-d0e524206d0f"
#define US  "4f5fb78792110066be612acacae739f4" /* static pod: a hash, not a UUID */

/* Fails at the caller's line, with the path that was parsed. */
#define expect_ct(path, rt, id, pod) expect_ct_at(path, rt, id, pod, __FILE__, __LINE__)

static void expect_ct_at(const char *path, enum container_runtime rt, const char *id,
			 const char *pod, const char *file, int line)
{
	struct container_id out;
	int err = container_from_cgroup_path(path, &out);

	if (err)
		print_error("path: %s\n", path);
	_assert_int_equal(err, 0, file, line);
	_assert_int_equal(out.runtime, rt, file, line);
	_assert_string_equal(out.id, id, file, line);
	_assert_string_equal(out.pod_uid, pod, file, line);
}

#define expect_err(path, err) expect_err_at(path, err, __FILE__, __LINE__)

/* Also checks that nothing is left in @out from an earlier call. */
static void expect_err_at(const char *path, int want, const char *file, int line)
{
	struct container_id out;

	memset(&out, 'x', sizeof(out));
	_assert_int_equal(container_from_cgroup_path(path, &out), want, file, line);
	_assert_int_equal(out.runtime, CT_RUNTIME_NONE, file, line);
	_assert_string_equal(out.id, "", file, line);
	_assert_string_equal(out.pod_uid, "", file, line);
}

static char fixture_root[PATH_MAX];

static const char *root(void)
{
	if (!fixture_root[0]) {
		const char *dir = getenv("FIXTURES");

		snprintf(fixture_root, sizeof(fixture_root), "%s/container",
			 dir && dir[0] ? dir : "tests/fixtures");
	}
	return fixture_root;
}

/* <fixtures>/container/@rel in @buf, PATH_MAX bytes. */
static const char *fixture_path(char *buf, const char *rel)
{
	if (snprintf(buf, PATH_MAX, "%s/%s", root(), rel) >= PATH_MAX)
		fail_msg("fixture path too long");
	return buf;
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(container_runtime_name(CT_RUNTIME_NONE), "");
	assert_string_equal(container_runtime_name(CT_RUNTIME_DOCKER), "docker");
	assert_string_equal(container_runtime_name(CT_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(container_runtime_name(CT_RUNTIME_CRIO), "cri-o");
	assert_string_equal(container_runtime_name(CT_RUNTIME_PODMAN), "podman");
	assert_string_equal(container_runtime_name(CT_RUNTIME_NSPAWN), "nspawn");
	assert_string_equal(container_runtime_name(CT_RUNTIME_LXC), "lxc");
	assert_string_equal(container_runtime_name(CT_RUNTIME_SERVICE), "service");
	assert_string_equal(container_runtime_name((enum container_runtime)99), "");
}

static void test_docker(void **state)
{
	(void)state;
	expect_ct("/system.slice/docker-" D1 ".scope", CT_RUNTIME_DOCKER, D1, "");
	expect_ct("/docker/" D1, CT_RUNTIME_DOCKER, D1, "");
	/* cgroupfs forms may carry short ids */
	expect_ct("/docker/3d900cd39c85", CT_RUNTIME_DOCKER, "3d900cd39c85", "");
	/* sub-cgroups made inside the container */
	expect_ct("/system.slice/docker-" D1 ".scope/init.scope", CT_RUNTIME_DOCKER, D1, "");
	expect_ct("/system.slice/docker-" D1 ".scope/system.slice/nginx.service", CT_RUNTIME_DOCKER,
		  D1, "");
	/* docker-in-docker: the inner container */
	expect_ct("/docker/" D1 "/docker/" D5, CT_RUNTIME_DOCKER, D5, "");
	expect_ct("/system.slice/docker-" D1 ".scope/docker/" D5, CT_RUNTIME_DOCKER, D5, "");
	/* the daemon itself is a service */
	expect_ct("/system.slice/docker.service", CT_RUNTIME_SERVICE, "docker.service", "");
}

static void test_kube_systemd(void **state)
{
	(void)state;
	expect_ct("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" U1_
		  ".slice/cri-containerd-" K1 ".scope",
		  CT_RUNTIME_CONTAINERD, K1, U1);
	expect_ct("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" U2_
		  ".slice/crio-" K2 ".scope",
		  CT_RUNTIME_CRIO, K2, U2);
	/* Guaranteed pods sit right below kubepods.slice */
	expect_ct("/kubepods.slice/kubepods-pod" U1_ ".slice/cri-containerd-" K1 ".scope",
		  CT_RUNTIME_CONTAINERD, K1, U1);
	/* cri-dockerd */
	expect_ct("/kubepods.slice/kubepods-pod" U1_ ".slice/docker-" D1 ".scope",
		  CT_RUNTIME_DOCKER, D1, U1);
	/* static pods have hash uids */
	expect_ct("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" US
		  ".slice/cri-containerd-" K3 ".scope",
		  CT_RUNTIME_CONTAINERD, K3, US);
	/* runc with cgroupfs given a systemd cgroupsPath */
	expect_ct("/system.slice/containerd.service/kubepods-burstable-pod" U1_
		  ".slice:cri-containerd:" K1,
		  CT_RUNTIME_CONTAINERD, K1, U1);
	/* the runtime monitor is no container */
	expect_err("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" U2_
		   ".slice/crio-conmon-" K2 ".scope",
		   -ENOENT);
}

static void test_kube_cgroupfs(void **state)
{
	(void)state;
	expect_ct("/kubepods/burstable/pod" U1 "/" K1, CT_RUNTIME_CONTAINERD, K1, U1);
	expect_ct("/kubepods/besteffort/pod" U2 "/" K2, CT_RUNTIME_CONTAINERD, K2, U2);
	expect_ct("/kubepods/pod" U1 "/" K1, CT_RUNTIME_CONTAINERD, K1, U1);
	expect_ct("/kubepods/besteffort/pod" U2 "/crio-" K2, CT_RUNTIME_CRIO, K2, U2);
	expect_ct("/kubepods/pod" US "/" K3, CT_RUNTIME_CONTAINERD, K3, US);
	/* kind: a node container, a pod inside; the innermost container wins */
	expect_ct("/docker/" D1 "/kubepods/besteffort/pod" U1 "/" K1, CT_RUNTIME_CONTAINERD, K1,
		  U1);
	/* a pod cgroup alone is no container; an id with no pod or docker above is not either */
	expect_err("/kubepods/burstable/pod" U1, -ENOENT);
	expect_err("/kubepods/burstable/" K1, -ENOENT);
	expect_err("/pod" U1 "/" K1, -ENOENT);
	/* malformed pod uids */
	expect_err("/kubepods/burstable/pode93513ca-f767-4d49-8197-d73267d9afb/" K1, -ENOENT);
	expect_err("/kubepods/burstable/podE93513CA-F767-4D49-8197-D73267D9AFB2/" K1, -ENOENT);
	expect_err("/kubepods/burstable/pod" U1_ "/" K1, -ENOENT);
	/* static pod hashes of 31 and 33 digits */
	expect_err("/kubepods/pod4f5fb78792110066be612acacae739f/" K3, -ENOENT);
	expect_err("/kubepods/pod" US "0/" K3, -ENOENT);
	expect_err("/kubepods/pod" US US "/" K3, -ENOENT);
}

static void test_nested_pod(void **state)
{
	(void)state;
	/* docker running inside a pod (a DinD sidecar): its container, the pod's uid */
	expect_ct("/kubepods/burstable/pod" U1 "/" K1 "/docker/" D5, CT_RUNTIME_DOCKER, D5, U1);
	expect_ct("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" U1_
		  ".slice/cri-containerd-" K1 ".scope/system.slice/docker-" D5 ".scope",
		  CT_RUNTIME_DOCKER, D5, U1);
	/* a pod found below the outer container does not belong to it */
	expect_ct("/docker/" D1 "/kubepods/burstable/pod" U1, CT_RUNTIME_DOCKER, D1, "");
}

static void test_podman(void **state)
{
	(void)state;
	expect_ct("/machine.slice/libpod-" P1 ".scope", CT_RUNTIME_PODMAN, P1, "");
	expect_ct("/machine.slice/libpod-" P1 ".scope/container", CT_RUNTIME_PODMAN, P1, "");
	expect_ct("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" P2 ".scope",
		  CT_RUNTIME_PODMAN, P2, "");
	expect_ct("/libpod_parent/libpod-" P1, CT_RUNTIME_PODMAN, P1, "");
	expect_ct("/machine.slice/libpod-payload-" P1 ".scope", CT_RUNTIME_PODMAN, P1, "");
	expect_ct("/system.slice/nerdctl-" K3 ".scope", CT_RUNTIME_CONTAINERD, K3, "");
	/* Podman's monitor is no container */
	expect_err("/machine.slice/libpod-conmon-" P1 ".scope", -ENOENT);
}

static void test_nspawn(void **state)
{
	(void)state;
	expect_ct("/machine.slice/machine-web.scope", CT_RUNTIME_NSPAWN, "web", "");
	expect_ct("/machine.slice/machine-my\\x2dbox.scope/payload/system.slice/sshd.service",
		  CT_RUNTIME_NSPAWN, "my-box", "");
	expect_ct("/machine.slice/systemd-nspawn@debian\\x2d12.service/payload", CT_RUNTIME_NSPAWN,
		  "debian-12", "");
	/* an escaped newline decodes to a newline, which must not reach the screen */
	expect_ct("/machine.slice/machine-evil\\x0aname.scope", CT_RUNTIME_NSPAWN, "evil\\x0aname",
		  "");
	/* a broken escape stays as it is */
	expect_ct("/machine.slice/machine-a\\x2.scope", CT_RUNTIME_NSPAWN, "a\\x2", "");
	expect_err("/machine.slice/machine-.scope", -ENOENT);
	expect_err("/machine.slice", -ENOENT);
}

static void test_lxc(void **state)
{
	(void)state;
	expect_ct("/lxc/web01", CT_RUNTIME_LXC, "web01", "");
	expect_ct("/lxc/web01/ns/system.slice", CT_RUNTIME_LXC, "web01", "");
	expect_ct("/lxc.payload.web01", CT_RUNTIME_LXC, "web01", "");
	expect_ct("/lxc.payload.web01/system.slice/nginx.service", CT_RUNTIME_LXC, "web01", "");
	expect_ct("/lxc.payload/web01", CT_RUNTIME_LXC, "web01", "");
	expect_ct("/lxc/evil\x1b[31mred\x7f", CT_RUNTIME_LXC, "evil\\x1b[31mred\\x7f", "");
	/* LXC's monitor process is not the container */
	expect_err("/lxc.monitor.web01", -ENOENT);
	expect_err("/lxc.payload.", -ENOENT);
	expect_err("/lxc", -ENOENT);
}

static void test_service(void **state)
{
	(void)state;
	expect_ct("/system.slice/nginx.service", CT_RUNTIME_SERVICE, "nginx.service", "");
	expect_ct("/system.slice/getty@tty1.service", CT_RUNTIME_SERVICE, "getty@tty1.service", "");
	expect_ct("/system.slice/postgresql.service/main", CT_RUNTIME_SERVICE, "postgresql.service",
		  "");
	expect_ct("/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service",
		  CT_RUNTIME_SERVICE, "dbus.service", "");
	expect_ct("/system.slice/x\x1b]0;pwned\x07.service", CT_RUNTIME_SERVICE,
		  "x\\x1b]0;pwned\\x07.service", "");
	expect_err("/system.slice/.service", -ENOENT);
}

static void test_plain(void **state)
{
	(void)state;
	expect_err("/", -ENOENT);
	expect_err("//", -ENOENT);
	expect_err("/init.scope", -ENOENT);
	expect_err("/system.slice", -ENOENT);
	expect_err("/user.slice/user-0.slice/session-1.scope", -ENOENT);
	expect_err("/../..", -ENOENT);
	/* runtimes this module does not know */
	expect_err("/system.slice/rkt-" D1 ".scope", -ENOENT);
	expect_err("/machine.slice/qemu-" D1 ".scope", -ENOENT);
	expect_err("/garden/" D1, -ENOENT);
}

static void test_bad_ids(void **state)
{
	char upper[] = "/system.slice/docker-" D1 ".scope";
	char *p;

	(void)state;
	for (p = upper; *p; p++) {
		if (*p >= 'a' && *p <= 'f' && p > upper + strlen("/system.slice/docker-"))
			*p -= 'a' - 'A';
	}
	expect_err(upper, -ENOENT);
	/* 63 and 65 hex digits */
	expect_err("/system.slice/"
		   "docker-3d900cd39c8547dfdae5a34600ca5495ee8d2b05fbb2f4863cb3c0e0f47d701"
		   ".scope",
		   -ENOENT);
	expect_err("/system.slice/docker-" D1 "0.scope", -ENOENT);
	/* systemd scopes always carry full ids */
	expect_err("/system.slice/docker-3d900cd39c85.scope", -ENOENT);
	/* cgroupfs: 11 and 65 digits, and something that is not hex */
	expect_err("/docker/3d900cd39c8", -ENOENT);
	expect_err("/docker/" D1 "0", -ENOENT);
	expect_err("/docker/3d900cd39c8547dfdae5a34600ca5495ee8d2b05fbb2f4863cb3c0e0f47d701g",
		   -ENOENT);
	expect_err("/system.slice/docker-" D1 ".scopex", -ENOENT);
	expect_err("/system.slice/cri-containerd-" D1 ".slice", -ENOENT);
}

static void test_garbage(void **state)
{
	static char long_path[10 * 1024 + 1], max_path[PATH_MAX + 1];
	struct container_id out;

	(void)state;
	expect_err("", -EINVAL);
	expect_err("system.slice/docker-" D1 ".scope", -EINVAL);
	expect_err("/system.slice/docker-" D1 ".scope\n", -EINVAL);
	expect_err("/system.slice/ng\ninx.service", -EINVAL);
	memset(&out, 'x', sizeof(out));
	assert_int_equal(container_from_cgroup_path(NULL, &out), -EINVAL);
	assert_int_equal(out.runtime, CT_RUNTIME_NONE);

	/* 10 KiB, and exactly PATH_MAX - 1 (still a path) and PATH_MAX (not one) */
	memset(long_path, 'a', 10 * 1024);
	long_path[0] = '/';
	long_path[10 * 1024] = '\0';
	expect_err(long_path, -EINVAL);
	memset(max_path, 'a', PATH_MAX);
	max_path[0] = '/';
	strcpy(max_path + PATH_MAX - 1 - strlen("/docker/" D1), "/docker/" D1);
	assert_int_equal(strlen(max_path), PATH_MAX - 1);
	expect_ct(max_path, CT_RUNTIME_DOCKER, D1, "");
	memmove(max_path + 1, max_path, PATH_MAX);
	assert_int_equal(strlen(max_path), PATH_MAX);
	expect_err(max_path, -EINVAL);
}

/* An LXC name longer than the id field is cut, and still terminated. */
static void test_long_name(void **state)
{
	char path[300] = "/lxc/";
	struct container_id out;

	(void)state;
	memset(path + 5, 'n', 200);
	path[205] = '\0';
	assert_int_equal(container_from_cgroup_path(path, &out), 0);
	assert_int_equal(strlen(out.id), sizeof(out.id) - 1);
}

#define expect_proc(text, err, rt, id, unified) \
	expect_proc_at(text, sizeof(text) - 1, err, rt, id, unified, __FILE__, __LINE__)

static void expect_proc_at(const char *text, size_t len, int want, enum container_runtime rt,
			   const char *id, const char *unified, const char *file, int line)
{
	struct container_id out;
	char path[PATH_MAX];

	memset(path, 'x', sizeof(path));
	_assert_int_equal(container_from_proc_cgroup(text, len, &out, path, sizeof(path)), want,
			  file, line);
	_assert_int_equal(out.runtime, rt, file, line);
	_assert_string_equal(out.id, id, file, line);
	_assert_string_equal(path, unified, file, line);
}

static void test_proc_v2(void **state)
{
	(void)state;
	expect_proc("0::/system.slice/docker-" D1 ".scope\n", 0, CT_RUNTIME_DOCKER, D1,
		    "/system.slice/docker-" D1 ".scope");
	/* no final newline */
	expect_proc("0::/system.slice/sshd.service", 0, CT_RUNTIME_SERVICE, "sshd.service",
		    "/system.slice/sshd.service");
	expect_proc("0::/user.slice/user-1000.slice/session-3.scope\n", -ENOENT, CT_RUNTIME_NONE,
		    "", "/user.slice/user-1000.slice/session-3.scope");
	/* cgroup names may hold ':' */
	expect_proc("0::/lxc.payload.a:b\n", 0, CT_RUNTIME_LXC, "a:b", "/lxc.payload.a:b");
}

static void test_proc_v1(void **state)
{
	(void)state;
	/* name=systemd first, even when it comes last */
	expect_proc("4:memory:/docker/" D5 "\n"
		    "1:name=systemd:/docker/" D1 "\n",
		    0, CT_RUNTIME_DOCKER, D1, "");
	/* name=systemd says nothing: the first controller line that does */
	expect_proc("5:pids:/\n"
		    "4:memory:/kubepods/besteffort/pod" U1 "/" K1 "\n"
		    "3:cpu,cpuacct:/docker/" D5 "\n"
		    "1:name=systemd:/init.scope\n",
		    0, CT_RUNTIME_CONTAINERD, K1, "");
	expect_proc("3:cpu,cpuacct:/\n1:name=systemd:/\n", -ENOENT, CT_RUNTIME_NONE, "", "");
	/* only hierarchy 0 is v2, even with no controllers named */
	expect_proc("3::/docker/" D1 "\n", 0, CT_RUNTIME_DOCKER, D1, "");
}

static void test_proc_hybrid(void **state)
{
	(void)state;
	/* the v2 line wins when it says something */
	expect_proc("1:name=systemd:/docker/" D5 "\n"
		    "0::/system.slice/docker-" D1 ".scope\n",
		    0, CT_RUNTIME_DOCKER, D1, "/system.slice/docker-" D1 ".scope");
	/* else the v1 lines are asked: systemd in hybrid mode leaves v2 at the root */
	expect_proc("12:pids:/system.slice/docker-" D1 ".scope\n"
		    "1:name=systemd:/system.slice/docker-" D1 ".scope\n"
		    "0::/\n",
		    0, CT_RUNTIME_DOCKER, D1, "/");
}

static void test_proc_garbage(void **state)
{
	static const char nul[] = "0::/system.slice/docker-" D1 ".scope\0\n";
	struct container_id out;
	char small[8];

	(void)state;
	expect_proc("", -EINVAL, CT_RUNTIME_NONE, "", "");
	expect_proc("\n\n", -EINVAL, CT_RUNTIME_NONE, "", "");
	expect_proc_at(nul, sizeof(nul) - 1, -EINVAL, CT_RUNTIME_NONE, "", "", __FILE__, __LINE__);
	expect_proc("0::/system.slice/docker-" D1 ".scope\ngarbage\n", -EINVAL, CT_RUNTIME_NONE, "",
		    "");
	expect_proc("x:memory:/docker/" D1 "\n", -EINVAL, CT_RUNTIME_NONE, "", "");
	expect_proc(":memory:/docker/" D1 "\n", -EINVAL, CT_RUNTIME_NONE, "", "");
	expect_proc("4:memory\n", -EINVAL, CT_RUNTIME_NONE, "", "");
	expect_proc("0::relative/path\n", -EINVAL, CT_RUNTIME_NONE, "", "");
	assert_int_equal(container_from_proc_cgroup(NULL, 4, &out, NULL, 0), -EINVAL);
	/* the unified path only when it fits; the container all the same */
	memset(small, 'x', sizeof(small));
	assert_int_equal(container_from_proc_cgroup("0::/docker/" D1, strlen("0::/docker/" D1),
						    &out, small, sizeof(small)),
			 0);
	assert_string_equal(small, "");
	assert_string_equal(out.id, D1);
	/* @len is obeyed: the text goes on past it */
	assert_int_equal(container_from_proc_cgroup("0::/\n0::/docker/" D1, 5, &out, NULL, 0),
			 -ENOENT);
}

static void test_read_pid(void **state)
{
	struct container_id out;
	char unified[PATH_MAX];

	(void)state;
	assert_int_equal(container_read_pid(root(), 1001, &out), 0);
	assert_int_equal(out.runtime, CT_RUNTIME_DOCKER);
	assert_string_equal(out.id, D1);
	assert_int_equal(container_read_pid_unified(root(), 1002, &out, unified, sizeof(unified)),
			 0);
	assert_int_equal(out.runtime, CT_RUNTIME_CONTAINERD);
	assert_string_equal(out.id, K1);
	assert_string_equal(out.pod_uid, U1);
	assert_string_equal(unified, "");
	assert_int_equal(container_read_pid_unified(root(), 1003, &out, unified, sizeof(unified)),
			 0);
	assert_string_equal(out.id, D1);
	assert_string_equal(unified, "/");
	assert_int_equal(container_read_pid_unified(root(), 1004, &out, unified, sizeof(unified)),
			 -ENOENT);
	assert_string_equal(unified, "/user.slice/user-1000.slice/session-3.scope");
	assert_int_equal(container_read_pid(root(), 1005, &out), -EINVAL);
	/* gone */
	assert_int_equal(container_read_pid(root(), 4242, &out), -ENOENT);
	assert_int_equal(container_read_pid(root(), 0, &out), -EINVAL);
	assert_int_equal(container_read_pid(root(), -1, &out), -EINVAL);
}

/* The running system: whatever we are in, the answer is well-formed. */
static void test_read_pid_host(void **state)
{
	struct container_id out;
	char unified[PATH_MAX];
	int err;

	(void)state;
	err = container_read_pid_unified("/", getpid(), &out, unified, sizeof(unified));
	if (err == -ENOENT && access("/proc/self/cgroup", R_OK))
		skip();
	assert_true(err == 0 || err == -ENOENT);
	assert_true(unified[0] == '\0' || unified[0] == '/');
	assert_int_equal(container_read_pid_unified("", getpid(), &out, unified, sizeof(unified)),
			 err);
}

static void expect_name(const struct container_id *id, int want, const char *name, const char *ns,
			const char *pod)
{
	struct container_name out;

	memset(&out, 'x', sizeof(out));
	assert_int_equal(container_resolve_name(root(), id, &out), want);
	assert_string_equal(out.name, name);
	assert_string_equal(out.pod_namespace, ns);
	assert_string_equal(out.pod_name, pod);
}

static void test_name_docker(void **state)
{
	struct container_id id = { CT_RUNTIME_DOCKER, D1, "" };

	(void)state;
	/* the top-level Name, not the label or the volume called Name */
	expect_name(&id, 0, "web-1", "", "");
	strcpy(id.id, D2);
	expect_name(&id, 0, "caf\xc3\xa9\"q\\x0a\\x1b[31mred\xf0\x9f\x98\x80", "", "");
	strcpy(id.id, D3);
	expect_name(&id, -EINVAL, "16d1b82bc0ab", "", "");
	strcpy(id.id, D4);
	expect_name(&id, -ENOENT, "872dd7647659", "", "");
	strcpy(id.id, D5);
	expect_name(&id, -ENOENT, "9eb986c4527d", "", "");
	/* an id is never a path */
	strcpy(id.id, "../../../../etc");
	expect_name(&id, -EINVAL, "../../../../", "", "");
	strcpy(id.id, "3d900cd39c85");
	expect_name(&id, -ENOENT, "3d900cd39c85", "", "");
}

static void test_name_podman(void **state)
{
	struct container_id id = { CT_RUNTIME_PODMAN, P1, "" };

	(void)state;
	/* P1's id also appears in the metadata string of the entry before it */
	expect_name(&id, 0, "db", "", "");
	strcpy(id.id, P2);
	expect_name(&id, 0, "cache", "", "");
	strcpy(id.id, K3);
	expect_name(&id, -ENOENT, "1edbf143afbb", "", "");
}

static void test_name_kube(void **state)
{
	struct container_id id = { CT_RUNTIME_CONTAINERD, K1, U1 };

	(void)state;
	expect_name(&id, 0, "nginx", "default", "web-7d4b9c-x2kqz");
	id = (struct container_id){ CT_RUNTIME_CRIO, K2, U2 };
	expect_name(&id, 0, "coredns", "kube-system", "coredns-5d78c9869d-abcde");
	/* no log link: the short id, but the pod is known */
	id = (struct container_id){ CT_RUNTIME_CONTAINERD, K3, US };
	expect_name(&id, -ENOENT, "1edbf143afbb", "kube-system", "etcd-node1");
	/* a pod without log directory */
	id = (struct container_id){ CT_RUNTIME_CONTAINERD, K3, U3 };
	expect_name(&id, -ENOENT, "1edbf143afbb", "", "");
	/* the log link is only asked for containers of a pod */
	id = (struct container_id){ CT_RUNTIME_CONTAINERD, K1, "" };
	expect_name(&id, -ENOENT, "00815a0c1261", "", "");
}

static void test_name_by_id(void **state)
{
	struct container_id id = { CT_RUNTIME_NSPAWN, "debian-12", "" };
	struct container_name out;

	(void)state;
	expect_name(&id, 0, "debian-12", "", "");
	id = (struct container_id){ CT_RUNTIME_LXC, "web01", "" };
	expect_name(&id, 0, "web01", "", "");
	id = (struct container_id){ CT_RUNTIME_SERVICE, "nginx.service", "" };
	expect_name(&id, 0, "nginx.service", "", "");
	/* a caller-made id with a control byte is sanitized on the way out */
	id = (struct container_id){ CT_RUNTIME_LXC, "a\033b", "" };
	expect_name(&id, 0, "a\\x1bb", "", "");
	id = (struct container_id){ CT_RUNTIME_NONE, "x", "" };
	assert_int_equal(container_resolve_name(root(), &id, &out), -EINVAL);
	assert_int_equal(container_resolve_name(root(), NULL, &out), -EINVAL);
}

/* A scratch root for what a fixture in git should not hold: symlinks, FIFOs, big files. */
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
	strcpy(s->dir, "/tmp/conntop-container-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(s);
	return 0;
}

/* mkdir -p of the parent of <scratch>/@rel, then the full path in @buf. */
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

#define DOCKER_CONFIG(id) "var/lib/docker/containers/" id "/config.v2.json"

/* Directory names that are not "<namespace>_<pod>_<uid>" name no pod. */
static void test_pod_dirs(void **state)
{
	static const char *const bad[] = {
		"var/log/pods/_web_" U3 "/x",	      "var/log/pods/default__" U3 "/x",
		"var/log/pods/defaultweb_" U3 "/x",   "var/log/pods/default_web" U3 "/x",
		"var/log/pods/default_web_x" U3 "/x", "var/log/pods/" U3 "/x",
	};
	struct scratch *s = *state;
	struct container_id id = { CT_RUNTIME_CONTAINERD, K3, U3 };
	struct container_name out;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		scratch_write(s, bad[i], "", 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -ENOENT);
	assert_string_equal(out.pod_namespace, "");
	assert_string_equal(out.pod_name, "");
	scratch_write(s, "var/log/pods/default_web_" U3 "/x", "", 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -ENOENT);
	assert_string_equal(out.pod_namespace, "default");
	assert_string_equal(out.pod_name, "web");
	/* the container's name from its log link, sanitized once */
	scratch_write(s, "var/log/containers/web_default_ev\x1bil-" K3 ".log", "", 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), 0);
	assert_string_equal(out.name, "ev\\x1bil");
}

static void test_name_symlink(void **state)
{
	static const char json[] = "{\"Name\":\"/web-1\"}";
	struct scratch *s = *state;
	struct container_id id = { CT_RUNTIME_DOCKER, D1, "" };
	struct container_name out;
	char path[PATH_MAX];

	scratch_write(s, "elsewhere.json", json, sizeof(json) - 1);
	assert_int_equal(
		symlink("../../../../../elsewhere.json", scratch_path(s, DOCKER_CONFIG(D1), path)),
		0);
	/* the target is fine, followed it would give web-1: the link itself is refused */
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -ELOOP);
	assert_string_equal(out.name, "3d900cd39c85");
	/* the same as a regular file is read */
	assert_int_equal(unlink(path), 0);
	scratch_write(s, DOCKER_CONFIG(D1), json, sizeof(json) - 1);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), 0);
	assert_string_equal(out.name, "web-1");
}

/* 1 MiB of padding inside a label, then the name: past the cap, so never seen. */
static void test_name_huge(void **state)
{
	struct scratch *s = *state;
	struct container_id id = { CT_RUNTIME_DOCKER, D1, "" };
	struct container_name out;
	size_t pad = 1024 * 1024 + 10, len;
	static char json[1024 * 1024 + 200];

	len = sprintf(json, "{\"Config\":{\"Labels\":{\"x\":\"");
	memset(json + len, 'a', pad);
	len += pad;
	len += sprintf(json + len, "\"}},\"Name\":\"/late\"}");
	scratch_write(s, DOCKER_CONFIG(D1), json, len);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -EINVAL);
	assert_string_equal(out.name, "3d900cd39c85");
	/* the name first, the padding after it: found in the first MiB */
	len = sprintf(json, "{\"Name\":\"/early\",\"Config\":{\"Labels\":{\"x\":\"");
	memset(json + len, 'a', pad);
	len += pad;
	len += sprintf(json + len, "\"}}}");
	scratch_write(s, DOCKER_CONFIG(D1), json, len);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), 0);
	assert_string_equal(out.name, "early");
}

static void test_name_not_a_file(void **state)
{
	struct scratch *s = *state;
	struct container_id id = { CT_RUNTIME_DOCKER, D1, "" };
	struct container_name out;
	char path[PATH_MAX];

	/* a FIFO would block a plain open() forever */
	assert_int_equal(mkfifo(scratch_path(s, DOCKER_CONFIG(D1), path), 0600), 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -EINVAL);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(container_resolve_name(s->dir, &id, &out), -EINVAL);
	assert_string_equal(out.name, "3d900cd39c85");
}

static void test_name_json_edges(void **state)
{
	static const struct {
		const char *json;
		int err;
		const char *name;
	} cases[] = {
		{ "{\"Name\":\"/a\\u0062c\"}", 0, "abc" },
		{ "{\"ImageName\":\"/no\",\"NameX\":\"/no\",\"Name\":\"/yes\"}", 0, "yes" },
		{ "  {  \"Name\"  :  \"/x\"  }  ", 0, "x" },
		{ "{\"\\u004eame\":\"/escaped-key\"}", 0, "escaped-key" },
		{ "{\"N\":1,\"Nam\":[1,{\"Name\":\"/deep\"}],\"Name\":\"/top\"}", 0, "top" },
		{ "{\"a\":\"\\\"Name\\\":\\\"/in-a-string\\\"\",\"Name\":\"/real\"}", 0, "real" },
		{ "{\"Name\":\"/lone\\ud800surrogate\"}", 0, "lone\xef\xbf\xbdsurrogate" },
		{ "{\"Name\":\"/\"}", -ENOENT, "3d900cd39c85" },
		{ "{\"Name\":null}", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/bad\\q\"}", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/bad\\u12\"}", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/unterminated", -EINVAL, "3d900cd39c85" },
		{ "{\"Name\":\"/end\\", -EINVAL, "3d900cd39c85" },
		{ "[\"Name\",\"/array\"]", -EINVAL, "3d900cd39c85" },
		{ "", -EINVAL, "3d900cd39c85" },
		{ "{}", -ENOENT, "3d900cd39c85" },
		{ "{\"a\":}", -EINVAL, "3d900cd39c85" },
	};
	struct scratch *s = *state;
	struct container_id id = { CT_RUNTIME_DOCKER, D1, "" };
	struct container_name out;
	size_t i;
	int err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		scratch_write(s, DOCKER_CONFIG(D1), cases[i].json, strlen(cases[i].json));
		err = container_resolve_name(s->dir, &id, &out);
		if (err != cases[i].err || strcmp(out.name, cases[i].name))
			print_error("json: %s\n", cases[i].json);
		assert_int_equal(err, cases[i].err);
		assert_string_equal(out.name, cases[i].name);
	}
}

static void test_read_pid_edges(void **state)
{
	struct scratch *s = *state;
	struct container_id out;
	char path[PATH_MAX];
	size_t len = 0;
	static char text[70 * 1024];

	/* a FIFO where the file should be: no hang */
	assert_int_equal(mkfifo(scratch_path(s, "proc/7/cgroup", path), 0600), 0);
	assert_int_equal(container_read_pid(s->dir, 7, &out), -EINVAL);
	/* reads stop at 64 KiB: a line past that is never seen */
	while (len < 65 * 1024)
		len += sprintf(text + len, "3:cpu:/%s\n",
			       "user.slice/user-1000.slice/session-3.scope");
	len += sprintf(text + len, "0::/docker/" D1 "\n");
	scratch_write(s, "proc/8/cgroup", text, len);
	assert_int_equal(container_read_pid(s->dir, 8, &out), -ENOENT);
	len = sprintf(text, "0::/docker/" D1 "\n");
	while (len < 65 * 1024)
		len += sprintf(text + len, "3:cpu:/%s\n",
			       "user.slice/user-1000.slice/session-3.scope");
	scratch_write(s, "proc/9/cgroup", text, len);
	assert_int_equal(container_read_pid(s->dir, 9, &out), 0);
	assert_string_equal(out.id, D1);
	/* a line cut at the cap is dropped: cut, it would name a container "3d900cd39c85..." */
	len = 0;
	while (len < 64 * 1024 - 200)
		len += sprintf(text + len, "3:cpu:/%s\n",
			       "user.slice/user-1000.slice/session-3.scope");
	len += sprintf(text + len, "%-*s\n", (int)(64 * 1024 - 30 - len - 1), "4:memory:/");
	len += sprintf(text + len, "0::/docker/" D1 "\n");
	scratch_write(s, "proc/10/cgroup", text, len);
	assert_int_equal(container_read_pid(s->dir, 10, &out), -ENOENT);
	/* a root with a trailing slash */
	snprintf(path, sizeof(path), "%s/", s->dir);
	assert_int_equal(container_read_pid(path, 9, &out), 0);
}

static void test_cgroup_id_fixture(void **state)
{
	char path[PATH_MAX];
	struct stat st;
	uint64_t id = 42;

	(void)state;
	assert_int_equal(
		stat(fixture_path(path, "sys/fs/cgroup/system.slice/docker-" D1 ".scope"), &st), 0);
	assert_int_equal(cgroup_id_of_path(root(), "/system.slice/docker-" D1 ".scope", &id), 0);
	assert_int_equal(id, st.st_ino);
	assert_int_equal(stat(fixture_path(path, "sys/fs/cgroup"), &st), 0);
	assert_int_equal(cgroup_id_of_path(root(), "/", &id), 0);
	assert_int_equal(id, st.st_ino);
	assert_int_equal(cgroup_id_of_path(root(), "/system.slice/gone.scope", &id), -ENOENT);
	assert_int_equal(id, 0);
	assert_int_equal(cgroup_id_of_path(root(), "/system.slice/cgroup.procs", &id), -ENOTDIR);
	assert_int_equal(cgroup_id_of_path(root(), "/system.slice/../system.slice", &id), -EINVAL);
	assert_int_equal(cgroup_id_of_path(root(), "/..", &id), -EINVAL);
	assert_int_equal(cgroup_id_of_path(root(), "system.slice", &id), -EINVAL);
	assert_int_equal(cgroup_id_of_path(root(), "", &id), -EINVAL);
	assert_int_equal(cgroup_id_of_path(root(), NULL, &id), -EINVAL);
	/* "..." and "..x" are names like any other */
	assert_int_equal(cgroup_id_of_path(root(), "/...", &id), -ENOENT);
}

/* Hybrid layout: v2 lives in /sys/fs/cgroup/unified. */
static void test_cgroup_id_hybrid_fixture(void **state)
{
	struct scratch *s = *state;
	char path[PATH_MAX];
	struct stat st;
	uint64_t id;

	scratch_write(s, "sys/fs/cgroup/unified/system.slice/cgroup.procs", "", 0);
	scratch_write(s, "sys/fs/cgroup/system.slice/cgroup.procs", "", 0);
	assert_int_equal(stat(scratch_path(s, "sys/fs/cgroup/unified/system.slice", path), &st), 0);
	assert_int_equal(cgroup_id_of_path(s->dir, "/system.slice", &id), 0);
	assert_int_equal(id, st.st_ino);
}

/* The kernel's own word: on cgroup2 a file handle holds the 64-bit cgroup id. */
static int kernel_cgroup_id(const char *cgroup, uint64_t *id)
{
	static const char *const mounts[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	char path[PATH_MAX];
	int mount_id;
	size_t i;

	for (i = 0; i < 2; i++) {
		h.fh.handle_bytes = sizeof(h.id);
		if (snprintf(path, sizeof(path), "%s%s", mounts[i], cgroup) >= (int)sizeof(path))
			return -1;
		if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) &&
		    h.fh.handle_bytes == sizeof(h.id) &&
		    h.fh.handle_type == 0xfe /* FILEID_KERNFS */) {
			memcpy(id, h.fh.f_handle, sizeof(*id));
			return 0;
		}
	}
	return -1;
}

static void test_cgroup_id_host(void **state)
{
	struct container_id out;
	char unified[PATH_MAX];
	uint64_t id = 0, kid = 0;
	int err;

	(void)state;
	container_read_pid_unified("/", getpid(), &out, unified, sizeof(unified));
	if (!unified[0])
		skip(); /* no cgroup v2 here */
	err = cgroup_id_of_path("/", unified, &id);
	/* not mounted, or our cgroup is outside this mount namespace's view */
	if (err == -EOPNOTSUPP || err == -ENOENT || kernel_cgroup_id(unified, &kid))
		skip();
	assert_int_equal(err, 0);
	assert_int_equal(id, kid);
	assert_int_equal(cgroup_id_of_path("", "/", &id), 0);
	assert_int_equal(kernel_cgroup_id("/", &kid), 0);
	assert_int_equal(id, kid);
}

static void test_netns_fixture(void **state)
{
	struct netns_name ns[4];
	char path[PATH_MAX];
	struct stat blue, red;
	size_t count = 99, i;

	(void)state;
	assert_int_equal(stat(fixture_path(path, "run/netns/blue"), &blue), 0);
	assert_int_equal(stat(fixture_path(path, "run/netns/red"), &red), 0);
	assert_int_equal(netns_names_read(root(), ns, 4, &count), 0);
	assert_int_equal(count, 2);
	for (i = 0; i < count; i++) {
		if (!strcmp(ns[i].name, "blue"))
			assert_int_equal(ns[i].ino, blue.st_ino);
		else if (!strcmp(ns[i].name, "red"))
			assert_int_equal(ns[i].ino, red.st_ino);
		else
			fail_msg("unexpected netns %s", ns[i].name);
	}
	assert_string_not_equal(ns[0].name, ns[1].name);
	/* room for one */
	assert_int_equal(netns_names_read(root(), ns, 1, &count), -ENOSPC);
	assert_int_equal(count, 1);
	assert_int_equal(netns_names_read(root(), ns, 0, &count), -ENOSPC);
	assert_int_equal(count, 0);
}

static void test_netns_scratch(void **state)
{
	struct scratch *s = *state;
	struct netns_name ns[4];
	char path[PATH_MAX];
	size_t count = 99;

	/* no /run/netns: no names, no error */
	assert_int_equal(netns_names_read(s->dir, ns, 4, &count), 0);
	assert_int_equal(count, 0);
	/* a symlink and a directory are no namespaces; a name with an escape is sanitized */
	scratch_write(s, "run/netns/evil\x1b[2J", "", 0);
	assert_int_equal(symlink("/proc/self/ns/net", scratch_path(s, "run/netns/link", path)), 0);
	assert_int_equal(mkdir(scratch_path(s, "run/netns/dir", path), 0755), 0);
	assert_int_equal(netns_names_read(s->dir, ns, 4, &count), 0);
	assert_int_equal(count, 1);
	assert_string_equal(ns[0].name, "evil\\x1b[2J");
	/* skipped entries take no room */
	assert_int_equal(netns_names_read(s->dir, ns, 1, &count), 0);
	assert_int_equal(count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kube_systemd),
		cmocka_unit_test(test_kube_cgroupfs),
		cmocka_unit_test(test_nested_pod),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_nspawn),
		cmocka_unit_test(test_lxc),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_proc_v2),
		cmocka_unit_test(test_proc_v1),
		cmocka_unit_test(test_proc_hybrid),
		cmocka_unit_test(test_proc_garbage),
		cmocka_unit_test(test_read_pid),
		cmocka_unit_test(test_read_pid_host),
		cmocka_unit_test(test_name_docker),
		cmocka_unit_test(test_name_podman),
		cmocka_unit_test(test_name_kube),
		cmocka_unit_test(test_name_by_id),
		cmocka_unit_test_setup_teardown(test_pod_dirs, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_name_symlink, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_name_huge, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_name_not_a_file, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_name_json_edges, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_read_pid_edges, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_cgroup_id_fixture),
		cmocka_unit_test_setup_teardown(test_cgroup_id_hybrid_fixture, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_cgroup_id_host),
		cmocka_unit_test(test_netns_fixture),
		cmocka_unit_test_setup_teardown(test_netns_scratch, scratch_setup,
						scratch_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
