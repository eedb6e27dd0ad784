/* test-dialogs.c - the About and shortcuts windows, the PyTorch pane's room (Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test environment makes GTK's warnings fatal (G_DEBUG=fatal-warnings), so a
 * window that warns while it is laid out ("GtkLabel ... reported min width -3") fails
 * here. Each window is waited for until it is mapped and has a size: then GTK has
 * measured and allocated everything in it once.
 */
#include "config.h"

#include <adwaita.h>

#include "ll-repr-view.h"
#include "ll-window-private.h"
#include "test-common.h"

#ifndef APP_ID
#define APP_ID "io.github.layerlab.Layerlab"
#endif

typedef struct {
  LlWindow *win;
  GType type;
  GtkWindow *found;
} FindToplevel;

/* TestCond: a visible toplevel of the type, transient for win, mapped and allocated. */
static gboolean
toplevel_shown (gpointer data)
{
  FindToplevel *f = data;

  f->found = test_find_toplevel (f->win, f->type);
  return f->found != NULL && gtk_widget_get_mapped (GTK_WIDGET (f->found))
         && gtk_widget_get_width (GTK_WIDGET (f->found)) > 0;
}

static gboolean
widget_allocated (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_height (data) > 0;
}

static GtkWindow *
wait_for_toplevel (LlWindow *win, GType type)
{
  FindToplevel f = { win, type, NULL };

  test_wait_until (toplevel_shown, &f, 20);
  return f.found;
}

static void
test_about (void)
{
  LlWindow *win = test_new_window ("seed");
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (win)));
  GtkWindow *about;

  /* the icon comes with the program's resources: the About window of a build that is
   * not installed (launch.sh) shows it, not the missing-icon placeholder */
  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (test_app), "about"));
  g_action_group_activate_action (G_ACTION_GROUP (test_app), "about", NULL);
  about = wait_for_toplevel (win, ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_application_icon (ADW_ABOUT_WINDOW (about)), ==, APP_ID);
  gtk_window_destroy (about);
  test_destroy_window (win);
}

static void
test_shortcuts (void)
{
  LlWindow *win = test_new_window ("seed");
  GtkWindow *shortcuts;

  test_activate (win, "win.show-help-overlay", NULL);
  shortcuts = wait_for_toplevel (win, GTK_TYPE_SHORTCUTS_WINDOW);
  gtk_window_destroy (shortcuts);
  test_destroy_window (win);
}

/* At the default size the PyTorch pane shows the seed network's whole repr (12 lines)
 * below a visible handle, and the split is remembered. */
static void
test_repr_pane (void)
{
  LlWindow *win = ll_window_new (test_app);
  GSettings *settings = ll_application_get_settings (test_app);
  PangoLayout *layout;
  int line_height, lines = 12;

  gtk_window_present (GTK_WINDOW (win));
  ll_window_new_document (win, "seed");
  test_wait_until (widget_allocated, win->repr_view, 20);
  g_assert_true (gtk_paned_get_wide_handle (win->list_paned));
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (win->repr_view), "Sequential(");
  pango_layout_get_pixel_size (layout, NULL, &line_height);
  g_object_unref (layout);
  g_test_message ("window %d x %d, PyTorch pane %d px high, %d px a line",
                  gtk_widget_get_width (GTK_WIDGET (win)), gtk_widget_get_height (GTK_WIDGET (win)),
                  gtk_widget_get_height (GTK_WIDGET (win->repr_view)), line_height);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win->repr_view)), >=, lines * line_height);

  gtk_paned_set_position (win->list_paned, 250);
  gtk_window_close (GTK_WINDOW (win));
  g_assert_cmpint (g_settings_get_int (settings, "list-height"), ==, 250);
  win = ll_window_new (test_app);
  g_assert_cmpint (gtk_paned_get_position (win->list_paned), ==, 250);
  g_settings_reset (settings, "list-height");
  test_destroy_window (win);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/dialogs/about", test_about);
  g_test_add_func ("/ui/dialogs/shortcuts", test_shortcuts);
  g_test_add_func ("/ui/window/repr-pane", test_repr_pane);
  return test_app_run ();
}
