/* core/strbuf.h - a growing string, for the engine's text output (reprs, summaries,
 * exported scripts)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Appends never fail visibly: a failed allocation marks the buffer, later appends do
 * nothing, and nn_strbuf_finish() returns NULL, so callers check once at the end.
 */
#ifndef NN_CORE_STRBUF_H
#define NN_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nn_strbuf {
  char *data;
  size_t len, cap;
  bool failed;
} nn_strbuf;

void nn_strbuf_printf (nn_strbuf *sb, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* s as a Python string literal in double quotes (paths may hold quotes or backslashes) */
void nn_strbuf_pystr (nn_strbuf *sb, const char *s);
/* The string (malloc'd; "" when nothing was appended), or NULL if memory ran out. */
char *nn_strbuf_finish (nn_strbuf *sb);

#endif /* NN_CORE_STRBUF_H */
