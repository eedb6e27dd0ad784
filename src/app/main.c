/* main.c - layerlab's entry point: locale, translations, the application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "ll-application.h"
#include "nn.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(LlApplication) app = NULL;
  const char *localedir;

  nn_init ();
  /* LAYERLAB_LOCALEDIR lets an uninstalled build find its .mo files
   * (BUILDDIR/po, where meson puts de/LC_MESSAGES/layerlab.mo). */
  localedir = g_getenv ("LAYERLAB_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = ll_application_new (G_APPLICATION_HANDLES_OPEN);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
