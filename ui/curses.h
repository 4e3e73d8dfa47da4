/* SPDX-License-Identifier: GPL-2.0-only */
/* The terminal: the only file that talks to ncurses. */
#ifndef CONNTOP_CURSES_H
#define CONNTOP_CURSES_H

#include <stdbool.h>

#include "grid.h"

struct ui;

/*
 * Takes the user's locale, so a UTF-8 terminal shows UTF-8 names. Text inside conntop is UTF-8
 * whatever the terminal's locale: outside a UTF-8 locale it is still read as UTF-8, and only what
 * reaches the terminal is cut down to ASCII.
 */
void ui_set_locale(void);

/* Whether stdin and stdout are a terminal the screen can use; logs why not. */
bool ui_terminal_usable(void);

/* Takes the terminal. NULL (with a logged reason) when stdout is not a usable terminal. */
struct ui *ui__open(void);
/* Gives the terminal back as it was. */
void ui__close(struct ui *ui);

void ui_size(const struct ui *ui, int *rows, int *cols);
/* After SIGWINCH: learns the new size from the terminal. */
void ui_resize(struct ui *ui);
void ui_paint(struct ui *ui, const struct grid *grid);
/* The next key typed (enum ui_key or a character), UI_KEY_NONE when there is none. */
int ui_next_key(struct ui *ui);

#endif /* CONNTOP_CURSES_H */
