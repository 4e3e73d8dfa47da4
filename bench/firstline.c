// SPDX-License-Identifier: GPL-2.0-only
/*
 * firstline: how long a command takes to print its first line, and to exit.
 *
 * usage: firstline OUTFILE COMMAND [ARG]...
 *
 * Runs COMMAND with its stdout on a pipe, copies all it prints to OUTFILE, and prints one line:
 *   first_line S exit S status N
 * the seconds from just before the fork to the first newline read from the pipe (-1 if none
 * came), and to the command's exit; N its exit status (128 + signal if killed). For
 * `conntop -b --format json` a frame is one line: the first line is the first complete frame.
 * Exit status: 0, 1 on an error, 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double start, first = -1, end;
	static char buf[1 << 16];
	int pfd[2], out, status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: firstline OUTFILE COMMAND [ARG]...\n");
		return 2;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || pipe2(pfd, O_CLOEXEC)) {
		fprintf(stderr, "firstline: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	start = now_s();
	pid = fork();
	if (pid < 0) {
		perror("firstline: fork");
		return 1;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "firstline: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r = read(pfd[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (first < 0 && memchr(buf, '\n', (size_t)r))
			first = now_s() - start;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));

			if (w < 0) {
				perror("firstline: write");
				return 1;
			}
			off += w;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("firstline: waitpid");
			return 1;
		}
	end = now_s() - start;
	printf("first_line %.4f exit %.4f status %d\n", first, end,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
