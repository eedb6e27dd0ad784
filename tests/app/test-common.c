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
  /* Animations (the busy spinner, stack transitions, toasts) ask for a frame after
   * frame for as long as they run: without them a state change shows at once, and the
   * main loop goes idle when nothing is left to do (test_wait_idle()). */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

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

static void
count_cb (GdkFrameClock *clock,
          guint         *count)
{
  (*count)++;
}

static gboolean
is_nonzero (gpointer data)
{
  return *(guint *) data > 0;
}

void
test_wait_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint painted = 0;
  gulong id;

  g_assert_nonnull (clock);   /* realized */
  /* A cycle that emits ::layout also emits ::after-paint at its end (gdkframeclockidle.c),
   * and asking for the paint phase starts one. What was queued before this call (a
   * resize, a draw) is laid out and painted in it: its layout phase runs after now. */
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_cb), &painted);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  test_wait_until (is_nonzero, &painted);
  g_signal_handler_disconnect (clock, id);
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
  /* the list view makes its rows when it is first allocated */
  test_wait_frame (GTK_WIDGET (win));
  return win;
}

LlWindow *
test_new_window_for_document (LlDocument *doc)
{
  LlWindow *win = present_window ();

  ll_window_set_document (win, doc);
  test_wait_frame (GTK_WIDGET (win));
  return win;
}

void
test_destroy_window (LlWindow *win)
{
  gtk_window_destroy (GTK_WINDOW (win));
  test_wait_idle ();
}

GtkWidget *
test_find_matching (GtkWidget       *widget,
                    TestWidgetMatch  match,
                    gconstpointer    data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = test_find_matching (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
test_widget_is_type (GtkWidget     *widget,
                     gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, (GType) GPOINTER_TO_SIZE (type));
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
}

gboolean
test_activations_current (gpointer data)
{
  LlWindow *win = data;
  LlActivations *acts = ll_activations_page_get_activations (win->activations_page);

  return acts != NULL && acts->run->generation == ll_document_get_generation (win->document)
         && !win->forward_timeout;
}

GtkWidget *
test_find_descendant (GtkWidget *widget,
                      GType      type)
{
  return test_find_matching (widget, test_widget_is_type, GSIZE_TO_POINTER (type));
}
