/* test-choosers.c - Open, Save As and Load Weights through their file choosers, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without a portal (Xvfb, no xdg-desktop-portal), GtkFileChooserNative shows a
 * GtkFileChooserDialog: the test finds it, checks its filters, chooses a file as a user
 * would and checks that the window opened, saved or loaded it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ll-window-private.h"
#include "test-common.h"

/* GTK 4.8's file chooser leaks (its sidebar's libcloudproviders client, the GFileInfos
 * of its folder model, gtk_tree_view_get_visible_range's paths), in code without
 * symbols that tests/lsan.supp could name. Leak reports here would be GTK's, not ours:
 * this program runs without leak checking, while AddressSanitizer still checks every
 * memory access. */
#ifdef __SANITIZE_ADDRESS__
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}
#endif

static gboolean
not_busy (gpointer win)
{
  return !ll_window_get_busy (win);
}

/* win.edit-tensor edits the document within the activation: nothing to wait for. */
static void
activate (LlWindow   *win,
          const char *action,
          GVariant   *param)
{
  test_activate (win, action, param);
}

/* The file chooser shown for win: without a portal (Xvfb), GtkFileChooserNative shows
 * a GtkFileChooserDialog transient for the window. */
static GtkFileChooser *
find_chooser (LlWindow *win)
{
  return (GtkFileChooser *) test_find_toplevel (win, GTK_TYPE_FILE_CHOOSER_DIALOG);
}

static gboolean
has_chooser (gpointer win)
{
  return find_chooser (win) != NULL;
}

static gboolean
no_chooser (gpointer win)
{
  return find_chooser (win) == NULL;
}

/* Whether one of the chooser's filters has every glob pattern in patterns. */
static gboolean
filter_has_patterns (GtkFileChooser     *chooser,
                     const char *const  *patterns)
{
  g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (chooser);

  for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = g_list_model_get_item (filters, i);
      g_autoptr(GVariant) v = g_variant_ref_sink (gtk_file_filter_to_gvariant (filter));
      g_autofree char *text = g_variant_print (v, FALSE);
      gboolean all = TRUE;

      for (const char *const *p = patterns; *p != NULL && all; p++)
        {
          g_autofree char *quoted = g_strdup_printf ("'%s'", *p);

          all = strstr (text, quoted) != NULL;
        }
      if (all)
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  GtkFileChooser *chooser;
  GFile *file;
} Selected;

/* The chooser shows sel->file as its folder: GTK 4.8 looks a folder up asynchronously
 * when it is set, and setting another folder (or a file) while that runs cancels it,
 * which the chooser takes for an error ("Could not change folder", and it goes up to
 * the parent). The window sets the folder to start in before it shows the chooser. */
static gboolean
folder_shown (gpointer data)
{
  Selected *sel = data;
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (sel->chooser);

  return folder != NULL && g_file_equal (folder, sel->file);
}

static gboolean
file_selected (gpointer data)
{
  Selected *sel = data;
  g_autoptr(GFile) file = gtk_file_chooser_get_file (sel->chooser);

  return file != NULL && g_file_equal (file, sel->file);
}

/* Triggers action, checks the chooser it shows (its filters, the current one named
 * with filter_name), chooses file (an existing one to open, a new name to save; with
 * offered, the name a Save chooser must offer by itself) and accepts. */
static void
choose_through_dialog (LlWindow   *win,
                       const char *action,
                       GFile      *file,
                       gboolean    pytorch,
                       const char *filter_name,
                       gboolean    offered)
{
  static const char *const hdf5[] = { "*.h5", "*.hdf5", NULL };
  static const char *const pt[] = { "*.pt", NULL };
  static const char *const onnx[] = { "*.onnx", NULL };
  g_autoptr(GFile) folder = g_file_get_parent (file);
  g_autofree char *name = g_file_get_basename (file);
  GtkFileChooser *chooser;
  Selected sel;

  if (g_str_has_prefix (action, "app."))
    g_action_group_activate_action (G_ACTION_GROUP (test_app), action + 4, NULL);
  else
    activate (win, action, NULL);
  test_wait_until (has_chooser, win);
  chooser = find_chooser (win);
  g_assert_true (filter_has_patterns (chooser, hdf5));
  g_assert_true (!pytorch || filter_has_patterns (chooser, pt));
  /* ONNX files are models: offered for models, never for weights alone */
  g_assert_true (filter_has_patterns (chooser, onnx) == (strstr (filter_name, "state_dict") == NULL));
  /* the filter says what the chooser is for: a model, or a state_dict */
  g_assert_nonnull (strstr (gtk_file_filter_get_name (gtk_file_chooser_get_filter (chooser)),
                            filter_name));
  /* the chooser starts in the folder the window chose (the document's, else the last
   * one): wait until it shows it before choosing (see folder_shown()) */
  sel = (Selected) { chooser, folder };
  test_wait_until (folder_shown, &sel);
  /* in that folder a Save chooser takes the name alone: setting the folder again would
   * start another lookup of it, racing the first */
  if (gtk_file_chooser_get_action (chooser) == GTK_FILE_CHOOSER_ACTION_SAVE && offered)
    {
      g_autofree char *current = gtk_file_chooser_get_current_name (chooser);

      g_assert_cmpstr (current, ==, name);
    }
  else if (gtk_file_chooser_get_action (chooser) == GTK_FILE_CHOOSER_ACTION_SAVE)
    gtk_file_chooser_set_current_name (chooser, name);
  else
    g_assert_true (gtk_file_chooser_set_file (chooser, file, NULL));
  /* the folder loads asynchronously: the file counts as chosen once it is selected */
  sel = (Selected) { chooser, file };
  test_wait_until (file_selected, &sel);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  /* a Save chooser answers after checking the name asynchronously; then the window
   * starts its load or save */
  test_wait_until (no_chooser, win);
  /* the chooser's response started the load or save (busy) before it went away; the
   * job's callback applies the result and ends the busy state */
  test_wait_until (not_busy, win);
}

static gboolean
bias_is (LlWindow *win,
         float     value)
{
  const nn_tensor *bias = nn_net_find_param (ll_document_get_net (ll_window_get_document (win)), "0.bias");

  for (gint64 i = 0; i < nn_tensor_numel (bias); i++)
    if (bias->data[i] != value)
      return FALSE;
  return TRUE;
}

/* Save As, Load Weights and Open through their choosers, as a user would. */
static void
test_file_choosers (void)
{
  LlWindow *win = test_new_window ("seed");
  LlWindow *second;
  g_autofree char *dir = g_dir_make_tmp ("layerlab-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "chosen.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *folder_uri = g_file_get_uri (folder);
  g_autofree char *weights_path = g_build_filename (dir, "chosen-weights.pt", NULL);
  g_autoptr(GFile) weights = g_file_new_for_path (weights_path);
  nn_net *net = NULL;
  nn_error err = { 0 };
  GSettings *settings = ll_application_get_settings (test_app);

  /* An untitled document's chooser starts in the last folder used: here dir, so that
   * every chooser of the test starts in a folder known to the test. */
  g_assert_nonnull (settings);
  g_settings_set_string (settings, "last-folder", folder_uri);
  activate (win, "win.edit-tensor", g_variant_new ("(ssd)", "0.bias", "constant", 5.0));
  choose_through_dialog (win, "win.save-as", file, FALSE, "PyTorch model", FALSE);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_equal (ll_document_get_file (ll_window_get_document (win)), file));
  g_assert_false (ll_document_get_modified (ll_window_get_document (win)));

  /* change the bias, then load the saved weights back: 5 again */
  activate (win, "win.edit-tensor", g_variant_new ("(ssd)", "0.bias", "constant", 1.0));
  g_assert_true (bias_is (win, 1.0f));
  choose_through_dialog (win, "win.load-weights", file, TRUE, "state_dict", FALSE);
  g_assert_true (bias_is (win, 5.0f));
  g_assert_nonnull (strstr (ll_window_get_last_toast (win), "chosen.h5"));

  /* Save Weights Only offers "chosen-weights.pt" beside the model (never the model file
   * itself) and writes a state_dict there: weights, not a model to open */
  choose_through_dialog (win, "win.save-weights", weights, TRUE, "state_dict", TRUE);
  g_assert_true (g_file_test (weights_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (nn_file_open_model (weights_path, NULL, &net, &err), ==, NN_STATUS_WEIGHTS_ONLY);
  g_assert_null (net);
  g_assert_true (g_file_equal (ll_document_get_file (ll_window_get_document (win)), file));
  test_destroy_window (win);

  /* app.open from a pristine window opens the file in it */
  second = test_new_window (NULL);
  gtk_window_present (GTK_WINDOW (second));
  choose_through_dialog (second, "app.open", file, TRUE, "PyTorch model", FALSE);
  g_assert_nonnull (ll_document_get_file (ll_window_get_document (second)));
  g_assert_true (g_file_equal (ll_document_get_file (ll_window_get_document (second)), file));
  g_assert_true (bias_is (second, 5.0f));
  test_destroy_window (second);

  g_unlink (path);
  g_unlink (weights_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/choosers/save-as-load-weights-open", test_file_choosers);
  return test_app_run ();
}
