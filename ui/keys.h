/* SPDX-License-Identifier: GPL-2.0-only */
/* Keys as the view understands them: a character, or one of these (outside Unicode). */
#ifndef CONNTOP_KEYS_H
#define CONNTOP_KEYS_H

enum ui_key {
	UI_KEY_NONE = -1,
	UI_KEY_UP = 0x110000,
	UI_KEY_DOWN,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_F1,
	UI_KEY_F10,
	UI_KEY_RESIZE,
	UI_KEY_OTHER,
};

#endif /* CONNTOP_KEYS_H */
