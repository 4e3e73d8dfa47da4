/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which container or systemd service a process belongs to, told by its cgroup path, and the names
 * people know those containers by, read from the runtimes' own files: no API calls, so a stuck
 * daemon cannot stall the viewer.
 *
 * Functions that read files take @root, put in front of every absolute path: "" or "/" for the
 * running system, a fixture directory in tests.
 */
#ifndef CONNTOP_CONTAINER_H
#define CONNTOP_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

enum container_runtime {
	CT_RUNTIME_NONE,
	CT_RUNTIME_DOCKER,
	CT_RUNTIME_CONTAINERD,
	CT_RUNTIME_CRIO,
	CT_RUNTIME_PODMAN,
	CT_RUNTIME_NSPAWN,
	CT_RUNTIME_LXC,
	CT_RUNTIME_SERVICE,
};

struct container_id {
	enum container_runtime runtime;
	/* 64-hex container id, or the machine/LXC/service name (sanitized: printable) */
	char id[80];
	/* Kubernetes pod uid with dashes ("" when not a pod) */
	char pod_uid[40];
};

struct container_name {
	char name[128];
	char pod_namespace[64];
	char pod_name[128];
};

/* A named network namespace (`ip netns add NAME`): the inode of its nsfs file is the netns id. */
struct netns_name {
	uint64_t ino;
	char name[128];
};

/* "docker", "containerd", "cri-o", "podman", "nspawn", "lxc", "service"; "" for none. */
const char *container_runtime_name(enum container_runtime runtime);

/*
 * Recognises the container (innermost when they nest) or, failing that, the systemd service in one
 * cgroup path such as "/system.slice/docker-<id>.scope". A pod uid comes from an ancestor of the
 * container. Returns 0 when found, -ENOENT for a plain cgroup ("/", a login session), -EINVAL for a
 * path that cannot come from the kernel (empty, relative, PATH_MAX or longer, with a newline). @out
 * is cleared unless 0 is returned.
 */
int container_from_cgroup_path(const char *path, struct container_id *out);

/*
 * The same for the whole text of /proc/<pid>/cgroup (v1, v2 or hybrid): the v2 line ("0::/path") if
 * it identifies something, else the first v1 line that does, name=systemd first. When @unified is
 * not NULL it receives the v2 path, "" if there is none or it does not fit (PATH_MAX always fits),
 * for cgroup_id_of_path(). It is a file system path, not sanitized: pass it through sanitize()
 * before showing it. Returns as container_from_cgroup_path(); -EINVAL also for text with a NUL byte
 * or a line that is not "N:controllers:/path".
 */
int container_from_proc_cgroup(const char *contents, size_t len, struct container_id *out,
			       char *unified, size_t unified_size);

/*
 * Reads <root>/proc/<pid>/cgroup (at most 64 KiB) and parses it as above. A process that is gone
 * gives -ENOENT, silently; other read errors are returned as they are.
 */
int container_read_pid(const char *root, int pid, struct container_id *out);
/* The same, also giving the v2 path as container_from_proc_cgroup() does. */
int container_read_pid_unified(const char *root, int pid, struct container_id *out, char *unified,
			       size_t unified_size);

/*
 * Names @id from files under @root: Docker's config.v2.json, Podman's containers.json, the
 * kubelet's /var/log/pods and /var/log/containers; machines, LXC containers and services are named
 * by their id. @out is always filled: when the name cannot be found it is the first 12 characters
 * of the id and the reason is returned (-ENOENT missing, -ELOOP a symlink where a file was
 * expected, -EINVAL unreadable metadata or an id that is not hex). The pod fields are filled
 * whenever the pod's log directory is there, whatever is returned.
 */
int container_resolve_name(const char *root, const struct container_id *id,
			   struct container_name *out);

/*
 * The name of container @id in the text of a runtime's metadata file (@len bytes, no NUL needed):
 * Docker's config.v2.json or Podman's containers.json, as container_resolve_name() reads them.
 * On 0 @name (of @size > 0) holds it NUL-terminated, raw: sanitize it before showing it. -ENOENT
 * when the file does not name @id, -EINVAL for text that is not the JSON expected, or -EOPNOTSUPP
 * for a runtime without such a file.
 */
int container_name_from_metadata(enum container_runtime runtime, const char *buf, size_t len,
				 const char *id, char *name, size_t size);

/*
 * The cgroup id (what bpf_get_current_cgroup_id() returns) of the v2 cgroup @cgroup_path: the inode
 * number of its directory, under /sys/fs/cgroup or, in hybrid mode, /sys/fs/cgroup/unified. On the
 * running system only a mounted cgroup2 file system counts (-EOPNOTSUPP without one); a fixture
 * @root needs plain directories. Returns -ENOENT when the cgroup is gone, -EINVAL for a relative
 * path or one with "..".
 */
int cgroup_id_of_path(const char *root, const char *cgroup_path, uint64_t *id);

/*
 * Fills @out with up to @max entries of <root>/run/netns; *@count says how many. No such directory
 * means no named namespaces: 0. Returns -ENOSPC when there were more than @max (the first @max are
 * kept). On the running system, entries that are not nsfs mounts are skipped.
 */
int netns_names_read(const char *root, struct netns_name *out, size_t max, size_t *count);

#endif /* CONNTOP_CONTAINER_H */
