/* test-autosave.c - unsaved work is autosaved, and restored after a crash (under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The crash is real: a subprocess (this program, g_test_trap_subprocess) opens a window,
 * edits, waits for its autosave, writes what it expects to be restored and SIGKILLs
 * itself. The parent then sees an orphaned autosave, answers the restore dialog and
 * compares the restored network with the expected one, architecture and weights.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ll-autosave.h"
#include "ll-tensor-editor.h"
#include "ll-window-private.h"
#include "test-common.h"

static char *autosave_dir;

/* ------------------------------------------------------------ conditions */

static gboolean
not_busy (gpointer data)
{
  return !ll_window_get_busy (data);
}

static gboolean
autosave_idle (gpointer data)
{
  LlWindow *win = data;

  return !ll_autosave_get_pending (win->autosave);
}

/* Its delay is over: the save runs (or waits for the worker). */
static gboolean
autosave_saving (gpointer data)
{
  LlWindow *win = data;

  return ll_autosave_get_pending (win->autosave) && ll_autosave_get_due_time (win->autosave) == 0;
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* ------------------------------------------------------------ helpers */

static nn_net *
open_model (const char *path)
{
  nn_net *net = NULL;
  nn_error err = { 0 };

  g_assert_cmpint (nn_model_open (path, &net, &err), ==, NN_OK);
  return net;
}

/* Files in the autosave folder (temporary files of killed saves included). */
static guint
count_files (void)
{
  g_autoptr(GDir) dir = g_dir_open (autosave_dir, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static LlWindow *
new_window (const char *template_name)
{
  LlWindow *win = ll_window_new (test_app);

  gtk_window_present (GTK_WINDOW (win));
  ll_window_new_document (win, template_name);
  /* fast, so the test does not wait for the defaults (3 s after an edit, 15 s apart) */
  ll_autosave_set_timing (win->autosave, 100, 600);
  test_wait_frame (GTK_WIDGET (win));   /* on screen, as the user edits it */
  return win;
}

/* Closes win (after Discard) and waits until its LlAutosave is gone: it removes its
 * files when it goes, and a save still running keeps it until the save is back. */
static void
close_discarding (LlWindow *win)
{
  gpointer autosave = win->autosave;

  g_object_add_weak_pointer (G_OBJECT (autosave), &autosave);
  win->close_confirmed = TRUE;
  gtk_window_close (GTK_WINDOW (win));
  test_wait_until (is_null, &autosave);
}

/* Architecture and weight edits, as a user would make them. */
static void
edit (LlWindow *win)
{
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GError) error = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.add-layer", "s", "Dropout"));
  g_assert_true (ll_tensor_apply_op (doc, "0.weight", LL_TENSOR_OP_SCALE, 0.5, &error));
  g_assert_no_error (error);
  g_assert_true (ll_tensor_apply_op (doc, "0.bias", LL_TENSOR_OP_ADD, 0.25, &error));
  g_assert_no_error (error);
}

static gboolean
has_autosave (gpointer data)
{
  LlWindow *win = data;

  return ll_autosave_get_path (win->autosave) != NULL && !ll_autosave_get_pending (win->autosave);
}

/* ------------------------------------------------------------ tests */

/* Edits produce an autosave holding the current network, not more often than the
 * interval; a running owner's autosave is no orphan; closing removes it. */
static void
test_edits_autosave (void)
{
  LlWindow *win = new_window ("seed");
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GPtrArray) orphans = NULL;
  g_autofree char *path = NULL;
  nn_net *saved;

  g_assert_null (ll_autosave_get_path (win->autosave));
  g_assert_false (ll_autosave_get_pending (win->autosave));
  g_assert_cmpuint (count_files (), ==, 0);

  edit (win);
  g_assert_true (ll_autosave_get_pending (win->autosave));
  test_wait_until (has_autosave, win);
  g_assert_cmpuint (ll_autosave_get_n_saves (win->autosave), ==, 1);
  path = g_strdup (ll_autosave_get_path (win->autosave));
  g_assert_true (g_str_has_prefix (path, autosave_dir));
  saved = open_model (path);
  test_assert_nets_equal (saved, ll_document_get_net (doc));
  nn_net_free (saved);
  g_assert_cmpuint (count_files (), ==, 2);     /* the model and its key file */

  /* This process owns it and runs: nothing to restore. */
  orphans = ll_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 0);
  g_assert_cmpuint (count_files (), ==, 2);

  /* The next edit is saved no sooner than the interval after the previous save: with an
   * interval of an hour, the save the undo schedules is due an hour after the first
   * save, not the delay (100 ms) after the undo. Read off the schedule, not a clock. */
  ll_autosave_set_timing (win->autosave, 100, 3600 * 1000);
  ll_document_undo (doc);
  g_assert_true (ll_autosave_get_pending (win->autosave));
  g_assert_cmpint (ll_autosave_get_last_save_time (win->autosave), >, 0);
  g_assert_cmpint (ll_autosave_get_due_time (win->autosave), >=,
                   ll_autosave_get_last_save_time (win->autosave) + (gint64) 3600 * G_USEC_PER_SEC);
  /* Without an interval, the next change is saved the delay after it: redo and undo,
   * back to the same state, reschedule it. */
  ll_autosave_set_timing (win->autosave, 100, 0);
  ll_document_redo (doc);
  ll_document_undo (doc);
  test_wait_until (autosave_idle, win);
  g_assert_cmpuint (ll_autosave_get_n_saves (win->autosave), ==, 2);
  saved = open_model (path);
  test_assert_nets_equal (saved, ll_document_get_net (doc));
  nn_net_free (saved);

  /* Undoing to the saved state: nothing unsaved, no autosave. */
  while (ll_document_can_undo (doc))
    ll_document_undo (doc);
  g_assert_false (ll_document_get_modified (doc));
  g_assert_null (ll_autosave_get_path (win->autosave));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_files (), ==, 0);

  /* A window closed after Discard leaves nothing. */
  edit (win);
  test_wait_until (has_autosave, win);
  g_assert_cmpuint (count_files (), ==, 2);
  close_discarding (win);
  g_assert_cmpuint (count_files (), ==, 0);
}

/* Saving the document removes its autosave; a closed window edited after a save
 * leaves none either. */
static void
test_save_removes (void)
{
  LlWindow *win = new_window ("lenet5");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-autosave-save-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "net.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  TestWorkerGate *gate;
  gpointer autosave;

  edit (win);
  test_wait_until (has_autosave, win);
  ll_window_save_to_file (win, file, FALSE);
  test_wait_until (not_busy, win);
  g_assert_false (ll_document_get_modified (ll_window_get_document (win)));
  test_wait_until (autosave_idle, win);
  g_assert_null (ll_autosave_get_path (win->autosave));
  g_assert_cmpuint (count_files (), ==, 0);

  /* An edit's autosave still running when the window goes: it finishes after the close,
   * and no file survives it. (A gate holds the worker so that it is still running;
   * test_edits_autosave closes after the save came back, the other order.) */
  gate = test_worker_gate_close ();
  edit (win);
  test_wait_until (autosave_saving, win);
  autosave = win->autosave;
  g_object_add_weak_pointer (G_OBJECT (autosave), &autosave);
  test_destroy_window (win);
  g_assert_nonnull (autosave);     /* the save in flight holds it */
  test_worker_gate_open (gate);
  test_wait_until (is_null, &autosave);
  g_assert_cmpuint (count_files (), ==, 0);
  g_unlink (path);
  g_rmdir (dir);
}

static char *
expected_path (void)
{
  return g_build_filename (autosave_dir, "..", "expected.h5", NULL);
}

/* Runs in the subprocess: an edited document with a file, autosaved, then SIGKILL. */
static void
crash_child (void)
{
  LlWindow *win;
  g_autofree char *original = g_build_filename (autosave_dir, "..", "crashed.h5", NULL);
  g_autofree char *expected = expected_path ();
  g_autoptr(GFile) file = g_file_new_for_path (original);
  nn_error err = { 0 };

  if (!g_test_subprocess ())
    {
      g_test_skip ("the subprocess of /ui/autosave/crash-restore");
      return;
    }
  win = new_window ("seed");
  ll_window_save_to_file (win, file, FALSE);
  test_wait_until (not_busy, win);
  edit (win);
  edit (win);
  test_wait_until (has_autosave, win);
  g_assert_cmpint (nn_model_save (expected, ll_document_get_net (ll_window_get_document (win)), &err),
                   ==, NN_OK);
  kill (getpid (), SIGKILL);
  g_assert_not_reached ();
}

static gboolean
document_restored (gpointer data)
{
  LlWindow *win = data;

  return ll_document_get_file (ll_window_get_document (win)) != NULL;
}

static void
test_crash_restore (void)
{
  g_autofree char *expected_file = expected_path ();
  g_autofree char *original = g_build_filename (autosave_dir, "..", "crashed.h5", NULL);
  g_autoptr(GPtrArray) orphans = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (original);
  g_autoptr(GFile) restored_file = NULL;
  AdwMessageDialog *dialog;
  LlDocument *doc;
  LlWindow *win;
  nn_net *expected;

  g_test_trap_subprocess ("/ui/autosave/crash-child", 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_assert_true (g_file_test (expected_file, G_FILE_TEST_IS_REGULAR));

  orphans = ll_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 1);
  g_assert_cmpstr (((LlAutosaveEntry *) orphans->pdata[0])->title, ==, "crashed.h5");

  /* The question comes over a pristine window, which gets the restored document. */
  win = ll_window_new (test_app);
  gtk_window_present (GTK_WINDOW (win));
  test_wait_frame (GTK_WIDGET (win));   /* on screen, as at start-up */
  dialog = ll_autosave_offer_restore (GTK_WINDOW (win));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "restore");
  gtk_window_destroy (GTK_WINDOW (dialog));
  test_wait_until (document_restored, win);

  doc = ll_window_get_document (win);
  expected = open_model (expected_file);
  test_assert_nets_equal (ll_document_get_net (doc), expected);
  nn_net_free (expected);
  g_assert_true (ll_document_get_modified (doc));
  g_assert_cmpstr (ll_document_get_title (doc), ==, "crashed.h5");
  restored_file = g_object_ref (ll_document_get_file (doc));
  g_assert_true (g_file_equal (restored_file, file));
  /* the original on disk is untouched until the user saves */
  g_assert_true (ll_document_can_undo (doc) == FALSE);

  /* The orphan is gone; the window's own autosave takes over. */
  g_clear_pointer (&orphans, g_ptr_array_unref);
  orphans = ll_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 0);
  ll_autosave_set_timing (win->autosave, 100, 600);
  test_wait_until (has_autosave, win);
  g_assert_cmpuint (count_files (), ==, 2);

  /* Nothing is offered twice; Discard of an orphan deletes it. */
  g_assert_null (ll_autosave_offer_restore (GTK_WINDOW (win)));
  close_discarding (win);
  g_assert_cmpuint (count_files (), ==, 0);
  g_unlink (expected_file);
  g_unlink (original);
}

/* An autosave whose key file names a live process that is not its owner (pid reused)
 * is an orphan; Discard removes it, and a model without key file of a dead process is
 * debris that the search removes. */
static void
test_pid_reuse_and_discard (void)
{
  g_autofree char *model = g_build_filename (autosave_dir, "autosave-1-0000abcd.h5", NULL);
  g_autofree char *info = g_build_filename (autosave_dir, "autosave-1-0000abcd.ini", NULL);
  g_autofree char *debris = g_build_filename (autosave_dir, "autosave-999999999-00000001.h5", NULL);
  g_autoptr(GPtrArray) orphans = NULL;
  nn_net *net = nn_net_new (&(nn_shape) { .n_dims = 1, .d = { 4 } }, 1);
  nn_error err = { 0 };
  g_autofree char *boot = NULL;
  g_autofree char *text = NULL;
  AdwMessageDialog *dialog;
  LlWindow *win;

  g_assert_true (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL));
  /* pid 1 runs in this boot, but it did not start at this (made-up) time */
  text = g_strdup_printf ("[Autosave]\npid=1\nstart-time=123456789012345\nboot-id=%s\n"
                          "title=Untitled\nsaved-at=5\n", g_strstrip (boot));
  g_assert_cmpint (nn_model_save (model, net, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_save (debris, net, &err), ==, NN_OK);
  nn_net_free (net);
  g_assert_true (g_file_set_contents (info, text, -1, NULL));

  orphans = ll_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 1);
  g_assert_cmpstr (((LlAutosaveEntry *) orphans->pdata[0])->title, ==, "Untitled");
  g_assert_null (((LlAutosaveEntry *) orphans->pdata[0])->original_uri);
  g_assert_false (g_file_test (debris, G_FILE_TEST_EXISTS));

  win = ll_window_new (test_app);
  gtk_window_present (GTK_WINDOW (win));
  dialog = ll_autosave_offer_restore (GTK_WINDOW (win));
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_cmpuint (count_files (), ==, 0);
  g_assert_true (ll_window_is_pristine (win));
  test_destroy_window (win);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  test_app_init (&argc, &argv);
  /* A private folder, shared with the crashing subprocess through the environment
   * (read when an autosave is made, so after the application exists is in time). */
  if (!g_test_subprocess ())
    {
      g_autofree char *base = g_dir_make_tmp ("layerlab-autosave-XXXXXX", NULL);
      g_autofree char *dir = g_build_filename (base, "autosave", NULL);

      g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
      g_setenv ("LAYERLAB_AUTOSAVE_DIR", dir, TRUE);
    }
  autosave_dir = g_strdup (g_getenv ("LAYERLAB_AUTOSAVE_DIR"));

  g_test_add_func ("/ui/autosave/edits", test_edits_autosave);
  g_test_add_func ("/ui/autosave/save-removes", test_save_removes);
  g_test_add_func ("/ui/autosave/crash-restore", test_crash_restore);
  g_test_add_func ("/ui/autosave/crash-child", crash_child);
  g_test_add_func ("/ui/autosave/pid-reuse-discard", test_pid_reuse_and_discard);
  status = test_app_run ();

  if (!g_test_subprocess ())
    {
      g_autofree char *base = g_path_get_dirname (autosave_dir);

      g_rmdir (autosave_dir);
      g_rmdir (base);
    }
  g_free (autosave_dir);
  return status;
}
