// SPDX-License-Identifier: GPL-2.0-only
/* Files written whole or not at all, in a fresh folder per test. */
#include "test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

struct folder {
	char dir[64];
	char path[PATH_MAX];
};

static int setup(void **state)
{
	struct folder *d = calloc(1, sizeof(*d));

	snprintf(d->dir, sizeof(d->dir), "%s/conntop-outfile-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(d->dir))
		return -1;
	*state = d;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct folder *d = *state;

	nftw(d->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	free(d);
	return 0;
}

/* "<folder>/@name". */
static const char *in(struct folder *d, const char *name)
{
	snprintf(d->path, sizeof(d->path), "%s/%s", d->dir, name);
	return d->path;
}

static int write_text(FILE *out, const void *ctx)
{
	return fputs(ctx, out) < 0 ? -EIO : 0;
}

static int fail_midway(FILE *out, const void *ctx)
{
	fputs(ctx, out);
	fflush(out); /* some bytes reach the temporary file */
	return -EIO;
}

static int fill_calls;

static int count_calls(FILE *out, const void *ctx)
{
	fill_calls++;
	return write_text(out, ctx);
}

static const char *content(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* "a b": the names in @dir, sorted, hidden ones included. */
static const char *listing(const char *dir)
{
	static char buf[1024];
	struct dirent **names;
	size_t len = 0;
	int i, n = scandir(dir, &names, NULL, alphasort);

	assert_true(n >= 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "",
					names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return buf;
}

static void writes_the_content(void **state)
{
	struct folder *d = *state;

	assert_int_equal(outfile_write(in(d, "out.txt"), write_text, "hello\n"), 0);
	assert_string_equal(content(in(d, "out.txt")), "hello\n");
	assert_string_equal(listing(d->dir), "out.txt");
}

/* A name as long as a name may be: the temporary name must not be longer. */
static void longest_name_is_written(void **state)
{
	struct folder *d = *state;
	char name[NAME_MAX + 1];

	memset(name, 'a', NAME_MAX);
	name[NAME_MAX] = '\0';
	assert_int_equal(outfile_write(in(d, name), write_text, "long\n"), 0);
	assert_string_equal(content(in(d, name)), "long\n");
	assert_string_equal(listing(d->dir), name);
}

static void replaces_an_existing_file_whole(void **state)
{
	struct folder *d = *state;
	char old[8] = "";
	int fd;

	put(in(d, "out.txt"), "old content, longer than the new\n");
	fd = open(in(d, "out.txt"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(outfile_write(in(d, "out.txt"), write_text, "new\n"), 0);
	assert_string_equal(content(in(d, "out.txt")), "new\n");
	/* Renamed over, not rewritten in place: a reader of the old file still reads it. */
	assert_int_equal(read(fd, old, 3), 3);
	assert_string_equal(old, "old");
	close(fd);
	assert_string_equal(listing(d->dir), "out.txt");
}

static void replaces_a_symlink_without_following_it(void **state)
{
	struct folder *d = *state;
	struct stat st;

	put(in(d, "victim"), "keep me\n");
	assert_int_equal(symlink("victim", in(d, "out.txt")), 0);
	assert_int_equal(outfile_write(in(d, "out.txt"), write_text, "new\n"), 0);
	assert_int_equal(lstat(in(d, "out.txt"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(content(in(d, "out.txt")), "new\n");
	assert_string_equal(content(in(d, "victim")), "keep me\n");
}

static void failed_fill_keeps_the_old_file_and_no_temporary(void **state)
{
	struct folder *d = *state;

	put(in(d, "out.txt"), "old\n");
	assert_int_equal(outfile_write(in(d, "out.txt"), fail_midway, "partial"), -EIO);
	assert_string_equal(content(in(d, "out.txt")), "old\n");
	assert_string_equal(listing(d->dir), "out.txt");
}

static void failed_fill_creates_nothing(void **state)
{
	struct folder *d = *state;

	assert_int_equal(outfile_write(in(d, "out.txt"), fail_midway, "partial"), -EIO);
	assert_string_equal(listing(d->dir), "");
}

static void missing_folder_is_enoent(void **state)
{
	struct folder *d = *state;

	fill_calls = 0;
	assert_int_equal(outfile_write(in(d, "missing/out.txt"), count_calls, "x"), -ENOENT);
	assert_int_equal(fill_calls, 0);
	assert_string_equal(listing(d->dir), "");
}

static void directory_at_the_path_fails_and_creates_nothing(void **state)
{
	struct folder *d = *state;
	int err;

	assert_int_equal(mkdir(in(d, "sub"), 0755), 0);
	err = outfile_write(in(d, "sub"), write_text, "x");
	assert_int_equal(err, -EISDIR);
	assert_string_equal(listing(d->dir), "sub");
	assert_string_equal(listing(in(d, "sub")), "");
}

static void path_ending_in_slash_fails(void **state)
{
	struct folder *d = *state;

	fill_calls = 0;
	assert_int_equal(outfile_write(in(d, "new/"), count_calls, "x"), -EISDIR);
	assert_int_equal(mkdir(in(d, "sub"), 0755), 0);
	assert_int_equal(outfile_write(in(d, "sub/"), count_calls, "x"), -EISDIR);
	assert_int_equal(fill_calls, 0);
	assert_string_equal(listing(d->dir), "sub");
	assert_string_equal(listing(in(d, "sub")), "");
}

static void bare_name_writes_in_the_current_folder(void **state)
{
	struct folder *d = *state;
	int here = open(".", O_RDONLY | O_DIRECTORY);

	assert_true(here >= 0);
	assert_int_equal(chdir(d->dir), 0);
	assert_int_equal(outfile_write("out.txt", write_text, "here\n"), 0);
	assert_int_equal(fchdir(here), 0);
	close(here);
	assert_string_equal(content(in(d, "out.txt")), "here\n");
	assert_string_equal(listing(d->dir), "out.txt");
}

static mode_t mode_under(struct folder *d, mode_t mask)
{
	mode_t old = umask(mask);
	struct stat st;

	assert_int_equal(outfile_write(in(d, "out.txt"), write_text, "x"), 0);
	umask(old);
	assert_int_equal(stat(in(d, "out.txt"), &st), 0);
	return st.st_mode & 07777;
}

static void mode_honours_the_umask(void **state)
{
	struct folder *d = *state;

	assert_int_equal(mode_under(d, 022), 0644);
	assert_int_equal(mode_under(d, 077), 0600);
	assert_int_equal(mode_under(d, 002), 0664);
}

int main(void)
{
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		TEST(writes_the_content),
		TEST(longest_name_is_written),
		TEST(replaces_an_existing_file_whole),
		TEST(replaces_a_symlink_without_following_it),
		TEST(failed_fill_keeps_the_old_file_and_no_temporary),
		TEST(failed_fill_creates_nothing),
		TEST(missing_folder_is_enoent),
		TEST(directory_at_the_path_fails_and_creates_nothing),
		TEST(path_ending_in_slash_fails),
		TEST(bare_name_writes_in_the_current_folder),
		TEST(mode_honours_the_umask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
