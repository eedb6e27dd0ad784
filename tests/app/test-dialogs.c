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
#include <glib/gstdio.h>
#include <string.h>

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

  test_wait_until (toplevel_shown, &f);
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
  test_wait_until (widget_allocated, win->repr_view);
  g_assert_true (gtk_paned_get_wide_handle (win->list_paned));
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (win->repr_view), "Sequential(");
  pango_layout_get_pixel_size (layout, NULL, &line_height);
  g_object_unref (layout);
  g_test_message ("window %d x %d, PyTorch pane %d px high, %d px a line",
                  gtk_widget_get_width (GTK_WIDGET (win)), gtk_widget_get_height (GTK_WIDGET (win)),
                  gtk_widget_get_height (GTK_WIDGET (win->repr_view)), line_height);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (win->repr_view)), >=, lines * line_height);
  /* long lines wrap (GTK 4.8 drew lines wider than the view without their i's dots):
   * nothing to scroll sideways */
  {
    GtkWidget *text = test_find_descendant (GTK_WIDGET (win->repr_view), GTK_TYPE_TEXT_VIEW);
    GtkAdjustment *h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (text));

    test_wait_frame (text);
    g_test_message ("repr: %g px wide in a page of %g", gtk_adjustment_get_upper (h),
                    gtk_adjustment_get_page_size (h));
    g_assert_cmpfloat (gtk_adjustment_get_upper (h), <=, gtk_adjustment_get_page_size (h));
  }

  gtk_paned_set_position (win->list_paned, 250);
  gtk_window_close (GTK_WINDOW (win));
  g_assert_cmpint (g_settings_get_int (settings, "list-height"), ==, 250);
  win = ll_window_new (test_app);
  g_assert_cmpint (gtk_paned_get_position (win->list_paned), ==, 250);
  g_settings_reset (settings, "list-height");
  test_destroy_window (win);
}

/* ------------------------------------------------------------ error dialogs */

static char *
write_file (const char *dir, const char *name, const char *bytes, gssize size)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, bytes, size, NULL));
  return path;
}

typedef struct {
  GdkClipboard *clipboard;
  char *text;
  gboolean done;
} ClipboardRead;

static void
clipboard_read_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ClipboardRead *r = data;

  r->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  r->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

/* A file that is not a model: a dialog names it once, says what it is, stays until
 * closed and copies its text. */
static void
test_error_foreign_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-dialogs-XXXXXX", NULL);
  g_autofree char *path = write_file (dir, "pic.h5", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LlWindow *win = test_new_window ("seed");
  GtkWindow *dialog;
  ClipboardRead r = { NULL, NULL, FALSE };
  const char *shown;

  ll_window_open_file (win, file);
  dialog = wait_for_toplevel (win, ADW_TYPE_MESSAGE_DIALOG);
  shown = ll_window_get_last_error (win);
  g_assert_nonnull (shown);
  g_test_message ("%s", shown);
  g_assert_true (g_str_has_prefix (shown, "Could not open “pic.h5”\nThis is a PNG image, not a model file"));
  g_assert_null (strstr (shown, path));           /* the file once, in the heading */
  g_assert_null (strstr (shown, "layerlab-cli"));
  g_assert_null (test_find_descendant (GTK_WIDGET (dialog), GTK_TYPE_EXPANDER));
  /* Copy Text puts heading and text on the clipboard */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "copy");
  r.clipboard = gtk_widget_get_clipboard (GTK_WIDGET (win));
  gdk_clipboard_read_text_async (r.clipboard, NULL, clipboard_read_cb, &r);
  test_wait_until (clipboard_read_done, &r);
  g_assert_cmpstr (r.text, ==, shown);
  g_free (r.text);
  /* the document is the one it was */
  g_assert_cmpint (ll_document_get_net (win->document)->n_layers, ==, 10);
  if (test_find_toplevel (win, ADW_TYPE_MESSAGE_DIALOG) != NULL)
    gtk_window_destroy (test_find_toplevel (win, ADW_TYPE_MESSAGE_DIALOG));
  test_destroy_window (win);
  g_unlink (path);
  g_rmdir (dir);
}

/* A weights-only file: the window names its own action, not a command to run. */
static void
test_error_weights_only (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-dialogs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "w.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LlWindow *win = test_new_window ("seed");
  nn_error err;
  GtkWindow *dialog;

  g_assert_cmpint (nn_weights_save (path, ll_document_get_net (win->document), &err), ==, NN_OK);
  ll_window_open_file (win, file);
  dialog = wait_for_toplevel (win, ADW_TYPE_MESSAGE_DIALOG);
  g_test_message ("%s", ll_window_get_last_error (win));
  g_assert_nonnull (strstr (ll_window_get_last_error (win), "holds only weights"));
  g_assert_nonnull (strstr (ll_window_get_last_error (win), "Load Weights…"));
  g_assert_null (strstr (ll_window_get_last_error (win), "layerlab-cli"));
  gtk_window_destroy (dialog);
  test_destroy_window (win);
  g_unlink (path);
  g_rmdir (dir);
}

/* A long message (every key that does not fit) shows its first line and the rest
 * behind Details, all of it selectable. */
static void
test_error_details (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-dialogs-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "lenet.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LlWindow *win = test_new_window ("seed");
  nn_net *other = nn_net_new_template ("lenet5", 1, NULL);
  nn_error err;
  GtkWindow *dialog;
  GtkWidget *expander;

  g_assert_cmpint (nn_weights_save (path, other, &err), ==, NN_OK);
  nn_net_free (other);
  ll_window_load_weights_from_file (win, file);
  dialog = wait_for_toplevel (win, ADW_TYPE_MESSAGE_DIALOG);
  g_test_message ("%s", ll_window_get_last_error (win));
  g_assert_true (g_str_has_prefix (ll_window_get_last_error (win),
                                   "Could not load weights from “lenet.h5”\n"));
  g_assert_nonnull (strstr (ll_window_get_last_error (win), "\nsize mismatch for 0.weight"));
  expander = test_find_descendant (GTK_WIDGET (dialog), GTK_TYPE_EXPANDER);
  g_assert_nonnull (expander);
  g_assert_true (g_str_has_prefix (gtk_expander_get_label (GTK_EXPANDER (expander)), "Details ("));
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (test_find_descendant (gtk_expander_get_child (GTK_EXPANDER (expander)), GTK_TYPE_LABEL))));
  gtk_window_destroy (dialog);
  test_destroy_window (win);
  g_unlink (path);
  g_rmdir (dir);
}

static gboolean
window_not_busy (gpointer win)
{
  return !ll_window_get_busy (win);
}

/* Whether menu has an item whose target is uri. */
static gboolean
menu_has_target (GMenuModel *menu,
                 const char *uri)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (menu, i, "target",
                                                                          G_VARIANT_TYPE_STRING);

      if (target != NULL && g_str_equal (g_variant_get_string (target, NULL), uri))
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  LlWindow *win;
  const char *uri;
} RecentWait;

static gboolean
recent_lists (gpointer data)
{
  RecentWait *w = data;

  return menu_has_target (G_MENU_MODEL (w->win->recent_section), w->uri);
}

/* Open Recent lists the models the window opened, not the other files GTK's choosers
 * put in the same recent list under the application's name (an image chosen as input). */
static void
test_open_recent_models_only (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-dialogs-XXXXXX", NULL);
  g_autofree char *model = g_build_filename (dir, "recent-model.h5", NULL);
  g_autofree char *image = write_file (dir, "digit.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  g_autofree char *model_uri = g_filename_to_uri (model, NULL, NULL);
  g_autofree char *image_uri = g_filename_to_uri (image, NULL, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (model);
  LlWindow *win = test_new_window ("seed");
  GtkRecentData as_chooser = {
    .mime_type = (char *) "image/png",
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "layerlab %u",
  };
  RecentWait w = { win, model_uri };
  nn_error err;

  g_assert_cmpstr (g_get_application_name (), ==, "Layerlab");
  g_assert_cmpint (nn_model_save (model, ll_document_get_net (win->document), &err), ==, NN_OK);
  /* what GtkFileChooserWidget does with the image a user chose as input */
  g_assert_true (gtk_recent_manager_add_full (gtk_recent_manager_get_default (), image_uri, &as_chooser));
  ll_window_open_file (win, file);
  test_wait_until (window_not_busy, win);
  /* the menu is rebuilt from the recent list, which by then holds both */
  test_wait_until (recent_lists, &w);
  g_assert_false (menu_has_target (G_MENU_MODEL (win->recent_section), image_uri));
  g_assert_false (menu_has_target (G_MENU_MODEL (win->recent_submenu), image_uri));
  g_assert_true (menu_has_target (G_MENU_MODEL (win->recent_submenu), model_uri));
  test_destroy_window (win);
  gtk_recent_manager_remove_item (gtk_recent_manager_get_default (), model_uri, NULL);
  gtk_recent_manager_remove_item (gtk_recent_manager_get_default (), image_uri, NULL);
  g_unlink (model);
  g_unlink (image);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/dialogs/about", test_about);
  g_test_add_func ("/ui/dialogs/shortcuts", test_shortcuts);
  g_test_add_func ("/ui/window/repr-pane", test_repr_pane);
  g_test_add_func ("/ui/errors/foreign-file", test_error_foreign_file);
  g_test_add_func ("/ui/errors/weights-only", test_error_weights_only);
  g_test_add_func ("/ui/errors/details", test_error_details);
  g_test_add_func ("/ui/window/open-recent-models-only", test_open_recent_models_only);
  return test_app_run ();
}
