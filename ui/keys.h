/* SPDX-License-Identifier: GPL-2.0-only */
/* Keys as the view understands them: a character, or one of these (outside Unicode). */
#ifndef CONNTOP_KEYS_H
#define CONNTOP_KEYS_H

#define UI_KEY_TAB    '\t'
#define UI_KEY_ENTER  '\r'
#define UI_KEY_ESC    27
#define UI_KEY_CTRL_L 12
#define UI_KEY_CTRL_U 21

enum ui_key {
	UI_KEY_NONE = -1,
	UI_KEY_UP = 0x110000,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_BACKSPACE,
	UI_KEY_BTAB, /* shift-tab */
	UI_KEY_F1,
	UI_KEY_F2,
	UI_KEY_F3,
	UI_KEY_F4,
	UI_KEY_F5,
	UI_KEY_F6,
	UI_KEY_F10,
	UI_KEY_RESIZE,
	UI_KEY_OTHER,
};

#endif /* CONNTOP_KEYS_H */
