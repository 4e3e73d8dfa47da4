// SPDX-License-Identifier: GPL-2.0-only
#include "curses.h"

#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <langinfo.h>
#include <locale.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "keys.h"
#include "log.h"

struct ui {
	SCREEN *screen;
	bool color;
	bool utf8; /* the terminal's locale can show more than ASCII */
};

/* Whether the user's locale is UTF-8: what the terminal can show. */
static bool terminal_utf8;

void ui_set_locale(void)
{
	setlocale(LC_ALL, "");
	terminal_utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (!terminal_utf8)
		setlocale(LC_CTYPE, "C.UTF-8"); /* decoding and widths; output stays ASCII */
}

/* For the crash handler, which may use only async-signal-safe calls: computed at start. */
static struct termios saved_termios;
static char restore_seq[128];
static size_t restore_len;

static void append_cap(const char *name)
{
	char *cap = tigetstr((char *)name);
	size_t len;

	if (!cap || cap == (char *)-1)
		return;
	len = strlen(cap);
	if (restore_len + len < sizeof(restore_seq)) {
		memcpy(restore_seq + restore_len, cap, len);
		restore_len += len;
	}
}

/* The write end of the guard's pipe (see start_guard()), or -1. */
static int guard_fd = -1;

/* What the guard reads when the terminal needs nothing more from it. */
#define GUARD_DONE 'd'

static void restore_terminal(void)
{
	ssize_t ignored = write(STDOUT_FILENO, restore_seq, restore_len);

	(void)ignored;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
}

/* Tells the guard the terminal is given back: it leaves without touching it. */
static void dismiss_guard(void)
{
	char done = GUARD_DONE;
	ssize_t ignored;

	if (guard_fd < 0)
		return;
	ignored = write(guard_fd, &done, 1);
	(void)ignored;
	close(guard_fd);
	guard_fd = -1;
}

/* A crash must not leave the terminal in raw mode on the alternate screen. */
static void restore_on_crash(int sig)
{
	restore_terminal();
	dismiss_guard(); /* write and close only: async-signal-safe */
	raise(sig); /* SA_RESETHAND: the default action now, core dump and all */
}

/* The guard holds nothing: no capability, no file but the terminal and its pipe. */
static void guard_shed(int pipe_fd)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[2] = {};

	if (pipe_fd != 3)
		dup2(pipe_fd, 3);
	syscall(SYS_close_range, 4, ~0U, 0); /* the BPF links too: they must go with conntop */
	syscall(SYS_capset, &header, none);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_NAME, "conntop-tty", 0, 0, 0);
}

/*
 * A process that outlives conntop by a moment to give the terminal back when conntop could not:
 * killed with SIGKILL (or the OOM killer), nothing in conntop runs. It waits on a pipe; conntop's
 * end closes however conntop ends, and unless conntop said it was done first, the guard restores
 * the terminal as it was and the screen as it was, then leaves. It is forked after the BPF
 * programs are attached, so it closes every file it inherited, and it drops every capability.
 * Signals conntop blocks (INT, TERM, HUP, QUIT) stay blocked in it: they are conntop's to handle.
 */
static void start_guard(void)
{
	char byte = 0;
	int fds[2];
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return; /* then only the crash handler guards the terminal */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid > 0) {
		close(fds[0]);
		guard_fd = fds[1];
		return;
	}
	close(fds[1]);
	guard_shed(fds[0]);
	do
		n = read(3, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || byte != GUARD_DONE)
		restore_terminal();
	_exit(0);
}

static void install_crash_handlers(void)
{
	static const int signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa = { .sa_handler = restore_on_crash, .sa_flags = SA_RESETHAND };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaction(signals[i], &sa, NULL);
}

static const short role_colors[ROLE_COUNT][2] = {
	/* foreground, background, as htop's default scheme */
	[ROLE_NORMAL] = { -1, -1 },
	[ROLE_HEADER] = { COLOR_CYAN, -1 },
	[ROLE_VALUE] = { COLOR_WHITE, -1 },
	[ROLE_ALERT] = { COLOR_RED, -1 },
	[ROLE_TITLE] = { COLOR_BLACK, COLOR_GREEN },
	[ROLE_SORTED] = { COLOR_BLACK, COLOR_CYAN },
	[ROLE_SELECTED] = { COLOR_BLACK, COLOR_CYAN },
	[ROLE_CLOSED] = { COLOR_RED, -1 },
	[ROLE_TREE] = { COLOR_CYAN, -1 },
	[ROLE_TAB] = { -1, -1 },
	[ROLE_TAB_ACTIVE] = { COLOR_BLACK, COLOR_GREEN },
	[ROLE_FILTER] = { COLOR_YELLOW, -1 },
	[ROLE_PANEL] = { COLOR_BLACK, COLOR_WHITE },
	[ROLE_PROMPT] = { COLOR_BLACK, COLOR_YELLOW },
	[ROLE_FOOTER_KEY] = { COLOR_WHITE, COLOR_BLACK },
	[ROLE_FOOTER] = { COLOR_BLACK, COLOR_CYAN },
};

/* Without colour (NO_COLOR, or a terminal without) the roles still read: bold, reverse, dim. */
static attr_t role_attr(const struct ui *ui, enum role role)
{
	static const attr_t mono[ROLE_COUNT] = {
		[ROLE_HEADER] = A_NORMAL,
		[ROLE_VALUE] = A_BOLD,
		[ROLE_ALERT] = A_BOLD | A_UNDERLINE,
		[ROLE_TITLE] = A_REVERSE,
		[ROLE_SORTED] = A_REVERSE | A_BOLD,
		[ROLE_SELECTED] = A_REVERSE | A_BOLD,
		[ROLE_CLOSED] = A_DIM,
		[ROLE_TAB_ACTIVE] = A_REVERSE,
		[ROLE_FILTER] = A_BOLD,
		[ROLE_PANEL] = A_REVERSE,
		[ROLE_PROMPT] = A_REVERSE,
		[ROLE_FOOTER_KEY] = A_BOLD,
		[ROLE_FOOTER] = A_REVERSE,
	};
	static const attr_t bold = 1u << ROLE_ALERT | 1u << ROLE_VALUE | 1u << ROLE_FILTER;

	if (ui->color)
		return COLOR_PAIR(role + 1) | (bold & (1u << role) ? A_BOLD : 0) |
		       (role == ROLE_CLOSED ? A_DIM : 0); /* a closed row fades */
	return mono[role];
}

static void setup_colors(struct ui *ui)
{
	const char *no_color = getenv("NO_COLOR");
	int role;

	ui->color = has_colors() && !(no_color && no_color[0]);
	if (!ui->color)
		return;
	start_color();
	use_default_colors();
	for (role = 0; role < ROLE_COUNT; role++)
		init_pair(role + 1, role_colors[role][0], role_colors[role][1]);
}

bool ui_terminal_usable(void)
{
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		return true;
	log_error("the screen needs a terminal; use -b for text output to a pipe or file");
	return false;
}

struct ui *ui__open(void)
{
	struct ui *ui;

	if (!ui_terminal_usable())
		return NULL;
	ui = calloc(1, sizeof(*ui));
	if (!ui)
		return NULL;
	tcgetattr(STDIN_FILENO, &saved_termios);
	ui->screen = newterm(NULL, stdout, stdin);
	if (!ui->screen) {
		log_error("failed to set up the terminal '%s'; check TERM",
			  getenv("TERM") ?: "(unset)");
		free(ui);
		return NULL;
	}
	append_cap("rmcup");
	append_cap("cnorm");
	append_cap("sgr0");
	install_crash_handlers();
	start_guard();
	cbreak();
	noecho();
	nonl();
	curs_set(0);
	keypad(stdscr, TRUE);
	set_escdelay(25); /* Esc is a key here (clear filters, go back), not only a prefix */
	nodelay(stdscr, TRUE);
	setup_colors(ui);
	ui->utf8 = terminal_utf8;
	log_hold();
	return ui;
}

void ui__close(struct ui *ui)
{
	if (!ui)
		return;
	endwin();
	dismiss_guard();
	delscreen(ui->screen);
	free(ui);
	log_release();
}

void ui_size(const struct ui *ui, int *rows, int *cols)
{
	(void)ui;
	getmaxyx(stdscr, *rows, *cols);
}

void ui_resize(struct ui *ui)
{
	struct winsize ws;

	(void)ui;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
}

/*
 * Outside a UTF-8 locale the view's few drawing characters become ASCII (as htop does); anything
 * else beyond ASCII cannot be shown and reads as "?".
 */
static wchar_t shown_char(const struct ui *ui, wchar_t ch)
{
	if (ui->utf8 || ch < 0x80)
		return ch;
	switch (ch) {
	case L'▲':
		return L'^';
	case L'▼':
		return L'v';
	case L'├':
		return L'|';
	case L'└':
		return L'`';
	case L'─':
		return L'-';
	default:
		return L'?';
	}
}

void ui_paint(struct ui *ui, const struct grid *grid)
{
	int row, col;

	erase();
	for (row = 0; row < grid->rows && row < LINES; row++) {
		for (col = 0; col < grid->cols && col < COLS; col++) {
			const struct cell *cell = &grid->cells[row * grid->cols + col];
			wchar_t text[2] = { shown_char(ui, cell->ch), L'\0' };
			attr_t attr = role_attr(ui, cell->role);
			cchar_t cc;

			if (!cell->ch) /* right half of a wide character */
				continue;
			/* The pair goes in its own argument: setcchar() ignores it in @attr. */
			setcchar(&cc, text, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
			mvadd_wch(row, col, &cc);
		}
	}
	refresh();
}

static int translate_key(int code)
{
	switch (code) {
	case KEY_UP:
		return UI_KEY_UP;
	case KEY_DOWN:
		return UI_KEY_DOWN;
	case KEY_LEFT:
		return UI_KEY_LEFT;
	case KEY_RIGHT:
		return UI_KEY_RIGHT;
	case KEY_BACKSPACE:
		return UI_KEY_BACKSPACE;
	case KEY_ENTER:
		return UI_KEY_ENTER;
	case KEY_BTAB:
		return UI_KEY_BTAB;
	case KEY_PPAGE:
		return UI_KEY_PGUP;
	case KEY_NPAGE:
		return UI_KEY_PGDN;
	case KEY_HOME:
		return UI_KEY_HOME;
	case KEY_END:
		return UI_KEY_END;
	case KEY_F(1):
		return UI_KEY_F1;
	case KEY_F(2):
		return UI_KEY_F2;
	case KEY_F(3):
		return UI_KEY_F3;
	case KEY_F(4):
		return UI_KEY_F4;
	case KEY_F(5):
		return UI_KEY_F5;
	case KEY_F(6):
		return UI_KEY_F6;
	case KEY_F(10):
		return UI_KEY_F10;
	case KEY_RESIZE:
		return UI_KEY_RESIZE;
	default:
		return UI_KEY_OTHER;
	}
}

int ui_next_key(struct ui *ui)
{
	wint_t ch;
	int kind;

	(void)ui;
	kind = get_wch(&ch);
	if (kind == ERR)
		return UI_KEY_NONE;
	if (kind == KEY_CODE_YES)
		return translate_key(ch);
	switch (ch) { /* what terminals send for these varies: one code each for the view */
	case '\n':
		return UI_KEY_ENTER;
	case 127:
	case '\b':
		return UI_KEY_BACKSPACE;
	default:
		return (int)ch;
	}
}
