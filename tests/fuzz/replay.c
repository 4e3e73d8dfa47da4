// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runs one fuzz target over saved inputs without libFuzzer, so the normal builds (gcc, and ASan +
 * UBSan in build-san) replay the corpus and every crash once found in `make test`. Usage:
 * replay_NAME FILE|DIR...; a directory's files are all run. A property that fails aborts, as
 * under libFuzzer; otherwise it prints how many inputs ran and exits 0 (1 when none could be
 * read: an empty corpus tests nothing).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (1024 * 1024) /* libFuzzer's -max_len in `make fuzz` is far below */

static int run_file(const char *path)
{
	static unsigned char buf[REPLAY_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t n;
	int err;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	err = ferror(f) || !feof(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "replay: %s: unreadable, or larger than %d bytes\n", path,
			REPLAY_MAX_INPUT);
		return -1;
	}
	/* A copy of exactly the input's size: a read past its end is caught as under libFuzzer. */
	{
		unsigned char *copy = (unsigned char *)fuzz_dup(buf, n);

		LLVMFuzzerTestOneInput(copy, n);
		free(copy);
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of @dir, in name order so that a failure is the same one each run. */
static int run_dir(const char *dir, size_t *count)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	int err = 0;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			FUZZ_CHECK(names);
		}
		names[n] = strdup(e->d_name);
		FUZZ_CHECK(names[n]);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!err && run_file(path))
			err = -1;
		else if (!err)
			(*count)++;
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : run_file(argv[i]))
			return 1;
		if (!S_ISDIR(st.st_mode))
			count++;
	}
	printf("%zu inputs\n", count);
	return count ? 0 : 1;
}
