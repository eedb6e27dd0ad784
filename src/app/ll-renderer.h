/* ll-renderer.h - GTK's CPU renderer where OpenGL is only emulated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Whether renderer (OpenGL's GL_RENDERER string) names a software rasterizer. */
gboolean ll_renderer_is_software (const char *renderer);

/* Call before the first window is realized: when GSK_RENDERER is unset and the
 * display's OpenGL is a software rasterizer, sets GSK_RENDERER=cairo. Returns the
 * GL_RENDERER string it found (NULL when OpenGL is unavailable or not checked). */
char *ll_renderer_choose (GdkDisplay *display);

G_END_DECLS
