// SPDX-License-Identifier: GPL-2.0-only
#include "outfile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "<folder>/.<name>.XXXXXX": beside the target, so rename() stays within one filesystem. */
static int temp_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	int n;

	if (!*name)
		return -EISDIR;
	n = snprintf(buf, size, "%.*s.%s.XXXXXX", dir_len, path, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
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
	return err;
}
