/* ll-renderer.c - GTK's CPU renderer where OpenGL is only emulated
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 draws with OpenGL ("ngl") whenever the display offers it, even when that
 * OpenGL is Mesa's llvmpipe: a software rasterizer, as on machines without a GPU, in
 * virtual machines and under Xvfb. There every frame that shows a new activation
 * picture cost 40-50 ms of the main loop (seed network: edit to painted 89 ms), where
 * GTK's own CPU renderer ("cairo") needs 6-9 ms (33 ms); docs/performance.md. So when
 * the user has not chosen (GSK_RENDERER unset), we ask OpenGL who it is, once, before
 * the first window exists, and pick cairo for a software rasterizer. GTK reads
 * GSK_RENDERER when it makes its first renderer.
 */
#define G_LOG_DOMAIN "ll-renderer"

#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "ll-renderer.h"

gboolean
ll_renderer_is_software (const char *renderer)
{
  static const char *const software[] = { "llvmpipe", "softpipe", "Software Rasterizer",
                                          "SWR", "swrast" };

  if (renderer == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]) != NULL)
      return TRUE;
  return FALSE;
}

char *
ll_renderer_choose (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *renderer;
  char *found;

  if (g_getenv ("GSK_RENDERER") != NULL || display == NULL)
    return NULL;
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("no OpenGL (%s): GTK draws with cairo anyway",
               error != NULL ? error->message : "?");
      return NULL;
    }
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  found = g_strdup (renderer);
  gdk_gl_context_clear_current ();
  if (ll_renderer_is_software (found))
    {
      g_debug ("OpenGL is %s, a software rasterizer: drawing with cairo", found);
      g_setenv ("GSK_RENDERER", "cairo", FALSE);
    }
  return found;
}
