// SPDX-License-Identifier: GPL-2.0-only
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * "<folder>/.conntop-XXXXXX": beside the target, so rename() stays within one filesystem, and of a
 * fixed length, so any name the target may have leaves room for it.
 */
static int temp_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	struct stat st;
	int n;

	if (!path[dir_len] || (!lstat(path, &st) && S_ISDIR(st.st_mode)))
		return -EISDIR; /* before any work is done */
	n = snprintf(buf, size, "%.*s.conntop-XXXXXX", dir_len, path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The rename itself made durable: the folder's entry is flushed too. */
static void sync_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + 1) : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int outfile_write(const char *path, outfile_fill_fn fill, const void *ctx)
{
	char tmp[PATH_MAX];
	mode_t mask;
	FILE *out;
	int fd, err;

	err = temp_name(path, tmp, sizeof(tmp));
	if (err)
		return err;
	fd = mkstemp(tmp); /* O_CREAT | O_EXCL: never opens what is already there */
	if (fd < 0)
		return -errno;
	mask = umask(0);
	umask(mask);
	out = fchmod(fd, 0666 & ~mask) ? NULL : fdopen(fd, "w");
	if (!out) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = fill(out, ctx);
	if (!err && (fflush(out) || fsync(fileno(out))))
		err = -errno;
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		sync_folder(path);
	return err;
}
