/* Strict UTF-8, as Python's decoder takes it: what the SQLite reader accepts as text.
 * Text Python's sqlite3 driver could not decode must not pass in C either (the driver's
 * walk then raises, and so must the reader's verdict lead there, never to "intact"). */
#ifndef LEADREVIEW_VERIFY_UTF8_H
#define LEADREVIEW_VERIFY_UTF8_H

#include <stdint.h>
#include <string.h>

/* Strict UTF-8 as Python decodes it: no overlong forms, no surrogates, nothing past
 * U+10FFFF, nothing truncated. */
static int valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) { /* ASCII eight bytes at a time: most of every event */
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (word & 0x8080808080808080ULL) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i += 1;
        } else if (c < 0xC2) {
            return 0;
        } else if (c < 0xE0) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) {
                return 0;
            }
            i += 2;
        } else if (c < 0xF0) {
            if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
                (c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0)) {
                return 0;
            }
            i += 3;
        } else if (c < 0xF5) {
            if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80 || (c == 0xF0 && s[i + 1] < 0x90) ||
                (c == 0xF4 && s[i + 1] >= 0x90)) {
                return 0;
            }
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

#endif
