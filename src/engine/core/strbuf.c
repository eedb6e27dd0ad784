/* core/strbuf.c - a growing string (see strbuf.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
nn_strbuf_printf (nn_strbuf *sb, const char *fmt, ...)
{
  va_list ap;
  int n;

  if (sb->failed)
    return;
  for (;;)
    {
      size_t room = sb->cap - sb->len;

      va_start (ap, fmt);
      n = vsnprintf (sb->data ? sb->data + sb->len : NULL, sb->data ? room : 0, fmt, ap);
      va_end (ap);
      if (n < 0)
        {
          sb->failed = true;
          return;
        }
      if (sb->data != NULL && (size_t) n < room)
        {
          sb->len += (size_t) n;
          return;
        }
      size_t cap = sb->cap ? sb->cap * 2 : 256;
      while (cap < sb->len + (size_t) n + 1)
        cap *= 2;
      char *data = realloc (sb->data, cap);
      if (data == NULL)
        {
          sb->failed = true;
          return;
        }
      sb->data = data;
      sb->cap = cap;
    }
}

void
nn_strbuf_pystr (nn_strbuf *sb, const char *s)
{
  nn_strbuf_printf (sb, "\"");
  for (; *s; s++)
    {
      if (*s == '"' || *s == '\\')
        nn_strbuf_printf (sb, "\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        nn_strbuf_printf (sb, "\\x%02x", (unsigned char) *s);
      else
        nn_strbuf_printf (sb, "%c", *s);
    }
  nn_strbuf_printf (sb, "\"");
}

char *
nn_strbuf_finish (nn_strbuf *sb)
{
  if (sb->failed || sb->data == NULL)
    {
      free (sb->data);
      return sb->failed ? NULL : strdup ("");
    }
  return sb->data;
}
