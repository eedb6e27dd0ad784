/* test-common.c - what the GUI tests share: a registered application, main-loop waits,
 * windows and actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ll-activations-page.h"
#include "ll-window-private.h"
#include "test-common.h"

LlApplication *test_app;
static char *data_home;
static gboolean owns_data_home;
static char *autosave_dir;

void
test_app_init (int    *argc,
               char ***argv)
{
  g_autoptr(GError) error = NULL;

  /* Recent files go to a private place, not the user's list. A test's subprocess
   * (g_test_trap_subprocess, perhaps SIGKILLed) shares its parent's, which removes it. */
  data_home = g_strdup (g_getenv ("LAYERLAB_TEST_DATA_HOME"));
  owns_data_home = data_home == NULL;
  if (owns_data_home)
    {
      data_home = g_dir_make_tmp ("layerlab-data-XXXXXX", NULL);
      g_setenv ("LAYERLAB_TEST_DATA_HOME", data_home, TRUE);
    }
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (argc, argv, NULL);

  test_app = ll_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (test_app), NULL, &error));
  g_assert_no_error (error);
  /* keep the app alive between windows */
  g_application_hold (G_APPLICATION (test_app));
}

void
test_app_private_autosave (void)
{
  g_free (autosave_dir);
  autosave_dir = g_dir_make_tmp ("layerlab-autosave-XXXXXX", NULL);
  g_setenv ("LAYERLAB_AUTOSAVE_DIR", autosave_dir, TRUE);
}

/* Removes a test's private directory and the files GTK or the tests left in it
 * (recently-used.xbel, autosaves); the directories hold no subdirectories. */
static void
remove_private_dir (const char *path)
{
  g_autoptr(GDir) dir = path != NULL ? g_dir_open (path, 0, NULL) : NULL;
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_unlink (file);
    }
  g_rmdir (path);
}

int
test_app_run (void)
{
  int status = g_test_run ();

  g_application_release (G_APPLICATION (test_app));
  g_clear_object (&test_app);
  if (owns_data_home)
    remove_private_dir (data_home);
  g_clear_pointer (&data_home, g_free);
  remove_private_dir (autosave_dir);
  g_clear_pointer (&autosave_dir, g_free);
  return status;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
test_wait_until (TestCond cond,
                 gpointer data,
                 guint    timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);
}

static LlWindow *
present_window (void)
{
  LlWindow *win = ll_window_new (test_app);

  gtk_window_set_default_size (GTK_WINDOW (win), 1300, 880);
  gtk_window_present (GTK_WINDOW (win));
  return win;
}

LlWindow *
test_new_window (const char *template_name)
{
  LlWindow *win = present_window ();

  if (template_name != NULL)
    ll_window_new_document (win, template_name);
  test_wait_ms (150);
  return win;
}

LlWindow *
test_new_window_for_document (LlDocument *doc)
{
  LlWindow *win = present_window ();

  ll_window_set_document (win, doc);
  test_wait_ms (150);
  return win;
}

void
test_destroy_window (LlWindow *win)
{
  gtk_window_destroy (GTK_WINDOW (win));
  test_wait_ms (50);
}

GtkWindow *
test_find_toplevel (LlWindow *win,
                    GType     type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_window_get_transient_for (w) == GTK_WINDOW (win)
          && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

void
test_activate (LlWindow   *win,
               const char *action,
               GVariant   *param)
{
  if (param != NULL)
    g_variant_ref_sink (param);
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (win), action, param));
  if (param != NULL)
    g_variant_unref (param);
}

void
test_type_into (GtkSpinButton *spin,
                const char    *text)
{
  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  gtk_spin_button_update (spin);
  test_wait_ms (30);
}

gboolean
test_activations_current (gpointer data)
{
  LlWindow *win = data;
  LlActivations *acts = ll_activations_page_get_activations (win->activations_page);

  return acts != NULL && acts->run->generation == ll_document_get_generation (win->document)
         && !win->forward_timeout;
}
