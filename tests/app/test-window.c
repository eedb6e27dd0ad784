/* test-window.c - the designer window driven through its actions, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test works on a real LlWindow of a registered LlApplication and checks what the
 * window shows (row labels, error text, fix buttons, repr text, dialogs), not only the
 * document underneath.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "ll-application.h"
#include "ll-inspector.h"
#include "ll-layer-row.h"
#include "ll-repr-view.h"
#include "ll-window.h"
#include "ll-window-private.h"
#include "test-common.h"

static gboolean
not_busy (gpointer data)
{
  return !ll_window_get_busy (data);
}

/* ------------------------------------------------------------ widget helpers */

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (LL_IS_LAYER_ROW (widget))
    {
      g_ptr_array_add (rows, widget);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

typedef struct {
  LlWindow *win;
  int index;
  LlLayerRow *row;          /* found */
} RowWait;

/* TestCond: a visible row shows layer w->index. */
static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (w->win), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      LlLayerItem *item = ll_layer_row_get_item (rows->pdata[i]);

      if (item != NULL && gtk_widget_get_mapped (rows->pdata[i])
          && ll_layer_item_get_index (item) == w->index)
        {
          w->row = rows->pdata[i];
          return TRUE;
        }
    }
  return FALSE;
}

/* The visible row showing layer index, scrolled to as a user would. The list view
 * makes and binds rows for what it shows when it is allocated (a new window, a
 * scroll): the row may come a frame later, so this waits for it. A row shows its
 * item's values as soon as it has the item. */
static LlLayerRow *
find_row (LlWindow *win,
          int       index)
{
  RowWait w = { win, index, NULL };

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win->layer_list), "list.scroll-to-item",
                                             "u", (guint) index));
  test_wait_until (row_shown, &w);
  return w.row;
}

static char *
window_repr (LlWindow *win)
{
  LlReprView *view = LL_REPR_VIEW (test_find_descendant (GTK_WIDGET (win), LL_TYPE_REPR_VIEW));

  g_assert_nonnull (view);
  return ll_repr_view_dup_text (view);
}

static char *
document_repr (LlWindow *win)
{
  g_autofree char *repr = nn_net_repr (ll_document_get_net (ll_window_get_document (win)));

  return g_strdup (repr);
}

/* The unsaved-changes dialog of win, if one is shown. */
static AdwMessageDialog *
find_dialog (LlWindow *win)
{
  return (AdwMessageDialog *) test_find_toplevel (win, ADW_TYPE_MESSAGE_DIALOG);
}

/* The window's edit actions change the document, and the views follow its "changed"
 * signal, within the activation: nothing to wait for (find_row() waits for rows). */
static void
activate (LlWindow   *win,
          const char *action,
          GVariant   *param)
{
  test_activate (win, action, param);
}

static void
set_input (LlWindow *win,
           nn_shape  shape)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ll_document_set_input_shape (ll_window_get_document (win), &shape, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------ tests */

/* Adding every layer type through win.add-layer appends it after the selection and the
 * rows show the shapes worked out by hand for a 3×32×32 input. */
static void
test_add_each_type (void)
{
  static const struct {
    const char *type;
    const char *shape;
  } steps[] = {
    { "Conv2d", "[1, 32, 30, 30]" },      /* 32 filters 3×3, no padding */
    { "BatchNorm2d", "[1, 32, 30, 30]" },
    { "ReLU", "[1, 32, 30, 30]" },
    { "LeakyReLU", "[1, 32, 30, 30]" },
    { "MaxPool2d", "[1, 32, 15, 15]" },   /* 2×2, stride 2 */
    { "AvgPool2d", "[1, 32, 7, 7]" },     /* floor(15 / 2) */
    { "Sigmoid", "[1, 32, 7, 7]" },
    { "Tanh", "[1, 32, 7, 7]" },
    { "Dropout", "[1, 32, 7, 7]" },
    { "Flatten", "[1, 1568]" },           /* 32·7·7 */
    { "Linear", "[1, 10]" },              /* lazy in_features -> 10 */
    { "Softmax", "[1, 10]" },
  };
  LlWindow *win = test_new_window ("empty");
  gboolean seen[NN_LAYER_N_TYPES] = { FALSE };

  G_STATIC_ASSERT (G_N_ELEMENTS (steps) == NN_LAYER_N_TYPES);
  set_input (win, nn_shape_chw (3, 32, 32));
  g_assert_cmpint (ll_document_get_net (ll_window_get_document (win))->n_layers, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      LlLayerRow *row;

      activate (win, "win.add-layer", g_variant_new_string (steps[i].type));
      g_assert_cmpint (ll_window_get_selected (win), ==, (int) i);
      row = find_row (win, (int) i);
      g_assert_nonnull (row);
      g_assert_cmpstr (ll_layer_item_get_type_name (ll_layer_row_get_item (row)), ==, steps[i].type);
      g_assert_cmpstr (ll_layer_row_get_shape_text (row), ==, steps[i].shape);
      g_assert_null (ll_layer_row_get_error_text (row));
      seen[nn_layer_type_from_name (steps[i].type)] = TRUE;
    }
  for (int t = 0; t < NN_LAYER_N_TYPES; t++)
    g_assert_true (seen[t]);

  /* The lazy sizes were inferred: 1568 features reach the Linear, 3 channels the Conv2d. */
  {
    g_autofree char *repr = window_repr (win);

    g_assert_nonnull (strstr (repr, "(0): Conv2d(3, 32, kernel_size=(3, 3)"));
    g_assert_nonnull (strstr (repr, "(10): Linear(in_features=1568, out_features=10"));
  }

  /* Inserting in the middle: selection 4 (MaxPool2d), a Conv2d lands at 5 and shifts
   * the shapes of everything after it. */
  ll_window_select (win, 4);
  activate (win, "win.add-layer", g_variant_new_string ("Conv2d"));
  g_assert_cmpint (ll_window_get_selected (win), ==, 5);
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 5)), ==, "[1, 32, 13, 13]");
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 6)), ==, "[1, 32, 6, 6]");
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 10)), ==, "[1, 1152]");

  ll_document_undo (ll_window_get_document (win));
  test_destroy_window (win);
}

static void
set_linear_in_features (LlWindow *win,
                        int       index,
                        int       value)
{
  LlInspector *inspector = LL_INSPECTOR (test_find_descendant (GTK_WIDGET (win), LL_TYPE_INSPECTOR));
  GtkWidget *lazy, *spin;

  /* the inspector follows the selection, and commits each change, at once */
  ll_window_select (win, index);
  g_assert_cmpint (ll_inspector_get_index (inspector), ==, index);
  lazy = ll_inspector_get_lazy_switch (inspector, "in_features");
  spin = ll_inspector_get_editor (inspector, "in_features", 0);
  g_assert_nonnull (lazy);
  g_assert_nonnull (spin);
  gtk_switch_set_active (GTK_SWITCH (lazy), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
}

/* A mismatch shows on the Linear row in words, later rows are not computed, and the
 * row's fix button repairs it. */
static void
test_mismatch_fix (void)
{
  LlWindow *win = test_new_window ("seed");
  LlDocument *doc = ll_window_get_document (win);
  LlLayerRow *row;
  GtkWidget *fix;
  const char *error;

  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 6)), ==, "[1, 576]");
  g_assert_cmpint (ll_document_get_net (doc)->layers[7].cfg.type, ==, NN_LAYER_LINEAR);

  set_linear_in_features (win, 7, 600);
  g_assert_cmpint (ll_document_get_net (doc)->layers[7].cfg.in_features, ==, 600);
  g_assert_cmpint (ll_document_get_net (doc)->first_error, ==, 7);

  for (int i = 0; i <= 6; i++)
    g_assert_null (ll_layer_row_get_error_text (find_row (win, i)));
  row = find_row (win, 7);
  error = ll_layer_row_get_error_text (row);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "600"));
  g_assert_nonnull (strstr (error, "576"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error-row"));
  for (int i = 8; i <= 9; i++)
    {
      LlLayerRow *later = find_row (win, i);

      g_assert_true (ll_layer_item_get_not_computed (ll_layer_row_get_item (later)));
      g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (later), "not-computed"));
      g_assert_null (ll_layer_row_get_error_text (later));
    }

  fix = ll_layer_row_get_fix_button (row);
  g_assert_true (gtk_widget_get_visible (fix));
  g_assert_nonnull (strstr (gtk_button_get_label (GTK_BUTTON (fix)), "576"));
  g_signal_emit_by_name (fix, "clicked");   /* what a click does, without the press animation */

  g_assert_cmpint (ll_document_get_net (doc)->first_error, ==, -1);
  g_assert_cmpint (ll_document_get_net (doc)->layers[7].in_features, ==, 576);
  row = find_row (win, 7);
  g_assert_null (ll_layer_row_get_error_text (row));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error-row"));
  g_assert_cmpstr (ll_layer_row_get_shape_text (row), ==, "[1, 1024]");
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 9)), ==, "[1, 10]");

  test_destroy_window (win);
}

/* Undo and redo restore the exact network after each kind of edit, as the repr view
 * shows it. */
static void
test_undo_redo (void)
{
  LlWindow *win = test_new_window ("seed");
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  int n_edits;

  g_ptr_array_add (states, window_repr (win));

  ll_window_select (win, 2);
  activate (win, "win.add-layer", g_variant_new_string ("BatchNorm2d"));
  g_ptr_array_add (states, window_repr (win));
  activate (win, "win.move-up", NULL);                  /* BatchNorm2d before the pool */
  g_ptr_array_add (states, window_repr (win));
  ll_window_select (win, 5);
  activate (win, "win.duplicate-layer", NULL);          /* a second ReLU */
  g_ptr_array_add (states, window_repr (win));
  ll_window_select (win, 3);
  activate (win, "win.remove-layer", NULL);             /* the first pool */
  g_ptr_array_add (states, window_repr (win));
  set_linear_in_features (win, 8, 600);
  g_ptr_array_add (states, window_repr (win));
  activate (win, "win.apply-fix", g_variant_new_int32 (8));
  g_ptr_array_add (states, window_repr (win));
  n_edits = (int) states->len - 1;
  for (guint i = 1; i < states->len; i++)
    g_assert_cmpstr (states->pdata[i], !=, states->pdata[i - 1]);

  for (int i = n_edits; i > 0; i--)
    {
      g_autofree char *shown = NULL;
      g_autofree char *actual = NULL;

      activate (win, "win.undo", NULL);
      shown = window_repr (win);
      actual = document_repr (win);
      g_assert_cmpstr (shown, ==, states->pdata[i - 1]);
      g_assert_cmpstr (actual, ==, states->pdata[i - 1]);
    }
  g_assert_false (ll_document_can_undo (doc));

  for (int i = 1; i <= n_edits; i++)
    {
      g_autofree char *shown = NULL;

      activate (win, "win.redo", NULL);
      shown = window_repr (win);
      g_assert_cmpstr (shown, ==, states->pdata[i]);
    }
  g_assert_false (ll_document_can_redo (doc));

  while (ll_document_can_undo (doc))
    ll_document_undo (doc);
  test_destroy_window (win);
}

/* Values the engine would refuse never reach the document: ranges clamp at the widget,
 * and combinations (pool padding > kernel / 2) snap back with a message. */
static void
test_inspector_refuses (void)
{
  LlWindow *win = test_new_window ("seed");
  LlDocument *doc = ll_window_get_document (win);
  LlInspector *inspector = LL_INSPECTOR (test_find_descendant (GTK_WIDGET (win), LL_TYPE_INSPECTOR));
  const nn_net *net;
  GtkWidget *pad, *kernel, *lazy, *in_ch;

  ll_window_select (win, 2);            /* MaxPool2d(kernel_size=2, stride=2) */
  pad = ll_inspector_get_editor (inspector, "padding", 0);
  kernel = ll_inspector_get_editor (inspector, "kernel_size", 1);
  g_assert_nonnull (pad);
  g_assert_nonnull (kernel);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (pad), 2);
  net = ll_document_get_net (doc);
  g_assert_cmpint (net->layers[2].cfg.padding[0], ==, 0);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (pad)), ==, 0);
  g_assert_false (ll_document_can_undo (doc));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (kernel), 0);   /* below the range: clamped */
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (kernel)), ==, 1);
  g_assert_cmpint (ll_document_get_net (doc)->layers[2].cfg.kernel_size[1], ==, 1);

  /* height apart from width: a padding of 1 for the height only */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (ll_inspector_get_link_toggle (inspector, "padding")),
                                FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (pad), 1);      /* 1 <= 2 / 2: accepted */
  g_assert_cmpint (ll_document_get_net (doc)->layers[2].cfg.padding[0], ==, 1);
  /* height (20 + 2 - 2) / 2 + 1 = 11, width (20 - 1) / 2 + 1 = 10 */
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 2)), ==, "[1, 32, 11, 10]");

  /* A lazy size shows the inferred value; switching "infer" off keeps that value. */
  ll_window_select (win, 9);           /* Linear(1024 -> 10) */
  lazy = ll_inspector_get_lazy_switch (inspector, "in_features");
  in_ch = ll_inspector_get_editor (inspector, "in_features", 0);
  g_assert_nonnull (lazy);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (in_ch)), ==, 1024);
  g_assert_cmpint (gtk_widget_get_sensitive (in_ch), ==, !gtk_switch_get_active (GTK_SWITCH (lazy)));

  while (ll_document_can_undo (doc))
    ll_document_undo (doc);
  test_destroy_window (win);
}

typedef struct {
  char *key;
  nn_tensor *tensor;
} SavedParam;

static GPtrArray *
copy_params (const nn_net *net)
{
  GPtrArray *out = g_ptr_array_new ();
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    if (params[i].tensor != NULL)
      {
        SavedParam *p = g_new0 (SavedParam, 1);

        p->key = g_strdup (params[i].key);
        p->tensor = nn_tensor_copy (params[i].tensor, NULL);
        g_assert_nonnull (p->tensor);
        g_ptr_array_add (out, p);
      }
  free (params);
  return out;
}

static void
free_params (GPtrArray *params)
{
  for (guint i = 0; i < params->len; i++)
    {
      SavedParam *p = params->pdata[i];

      g_free (p->key);
      nn_tensor_free (p->tensor);
      g_free (p);
    }
  g_ptr_array_free (params, TRUE);
}

static void
assert_params_equal (GPtrArray    *saved,
                     const nn_net *net)
{
  g_assert_cmpuint (saved->len, >, 0);
  for (guint i = 0; i < saved->len; i++)
    {
      SavedParam *p = saved->pdata[i];
      nn_tensor *t = nn_net_find_param (net, p->key);

      g_assert_nonnull (t);
      g_assert_true (nn_tensor_same_shape (t, p->tensor));
      /* HDF5 stores float32 as is: the round trip is exact */
      g_assert_cmpmem (t->data, nn_tensor_numel (t) * sizeof (float),
                       p->tensor->data, nn_tensor_numel (p->tensor) * sizeof (float));
    }
}

/* Save through the window, open through the window: same network, same weights. A bad
 * file gives a toast naming it and keeps the document. */
static void
test_save_open (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "net.h5", NULL);
  g_autofree char *bad_path = g_build_filename (dir, "bad.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autofree char *saved_repr = NULL;
  g_autofree char *opened_repr = NULL;
  GPtrArray *saved_params;
  LlDocument *before;

  ll_window_select (win, 7);
  activate (win, "win.add-layer", g_variant_new_string ("Dropout"));
  g_assert_true (ll_document_get_modified (ll_window_get_document (win)));

  ll_window_save_to_file (win, file, FALSE);
  g_assert_true (ll_window_get_busy (win));
  test_wait_until (not_busy, win);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (ll_document_get_modified (ll_window_get_document (win)));
  g_assert_nonnull (strstr (ll_window_get_last_toast (win), "net.h5"));
  g_assert_cmpstr (ll_document_get_title (ll_window_get_document (win)), ==, "net.h5");
  saved_repr = window_repr (win);
  saved_params = copy_params (ll_document_get_net (ll_window_get_document (win)));

  /* Open it in a window showing something else (saved: replaced without asking). */
  ll_window_new_document (win, "lenet5");
  g_assert_null (ll_document_get_file (ll_window_get_document (win)));
  ll_window_open_file (win, file);
  test_wait_until (not_busy, win);
  /* (not a pointer comparison: the new document may reuse the old one's address) */
  if (ll_document_get_file (ll_window_get_document (win)) == NULL)
    g_error ("opening %s failed: %s", path, ll_window_get_last_toast (win));
  /* the load's callback set the document, and the views followed it */
  opened_repr = window_repr (win);
  g_assert_cmpstr (opened_repr, ==, saved_repr);
  assert_params_equal (saved_params, ll_document_get_net (ll_window_get_document (win)));
  g_assert_false (ll_document_get_modified (ll_window_get_document (win)));
  g_assert_true (g_file_equal (ll_document_get_file (ll_window_get_document (win)), file));
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 6)), ==, "[1, 576]");
  free_params (saved_params);

  /* A file that is not a model: the error dialog names it, the open document stays. */
  g_assert_true (g_file_set_contents (bad_path, "not a model", -1, NULL));
  before = ll_window_get_document (win);
  ll_window_open_file (win, bad);
  test_wait_until (not_busy, win);
  g_assert_true (ll_window_get_document (win) == before);
  g_assert_nonnull (strstr (ll_window_get_last_error (win), "bad.h5"));

  g_unlink (path);
  g_unlink (bad_path);
  g_rmdir (dir);
  test_destroy_window (win);
}

/* A PyTorch model opens in the window with PyTorch's repr; Save then asks for a new
 * name (a .pt file holds only weights when Layerlab writes it), offered as .h5. */
static void
test_open_pytorch (void)
{
  LlWindow *win = test_new_window ("empty");
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "pt", "torch_network.pt", NULL);
  g_autofree char *repr_path = g_test_build_filename (G_TEST_DIST, "data", "pt", "torch_network-repr.txt", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  ll_window_open_file (win, file);
  test_wait_until (not_busy, win);
  if (ll_document_get_file (ll_window_get_document (win)) == NULL)
    g_error ("opening %s failed: %s", path, ll_window_get_last_toast (win));
  g_assert_true (g_file_get_contents (repr_path, &want, NULL, NULL));
  g_strchomp (want);
  got = window_repr (win);
  g_assert_cmpstr (got, ==, want);
  g_assert_cmpstr (ll_layer_row_get_shape_text (find_row (win, 6)), ==, "[1, 576]");
  g_assert_cmpstr (ll_document_get_title (ll_window_get_document (win)), ==, "torch_network.pt");
  g_assert_null (_ll_window_get_model_file (win));
  test_destroy_window (win);
}

static void
record_run_cb (LlWindow   *win,
               GParamSpec *pspec,
               GArray     *generations)
{
  LlRunResult *run = ll_window_get_last_run (win);

  if (run != NULL)
    g_array_append_val (generations, run->generation);
}

static gboolean
has_run (gpointer data)
{
  return ((GArray *) data)->len > 0;
}

/* Every forward pass requested so far has delivered or dropped its result. A pass that
 * comes back current queues the preparation of its views on the worker, whose result
 * is applied in turn: two rounds of the worker. */
static void
wait_forward_settled (void)
{
  test_worker_sync ();
  test_worker_sync ();
}

/* A forward request superseded by a newer one (after an edit) never shows its result;
 * nor does one for a document the window no longer shows. */
static void
test_forward_stale (void)
{
  LlWindow *win = test_new_window ("seed");
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GArray) generations = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(LlDocument) other = NULL;
  guint64 old_gen, new_gen;
  gulong id;

  test_wait_until (test_activations_current, win);   /* the start-up pass is shown */
  id = g_signal_connect (win, "notify::last-run", G_CALLBACK (record_run_cb), generations);

  old_gen = ll_document_get_generation (doc);
  ll_window_request_forward (win);
  ll_window_select (win, 9);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.add-layer", "s", "Softmax");
  new_gen = ll_document_get_generation (doc);
  g_assert_cmpuint (new_gen, !=, old_gen);
  ll_window_request_forward (win);

  test_wait_until (has_run, generations);
  wait_forward_settled ();   /* a late stale result would have come by now */
  for (guint i = 0; i < generations->len; i++)
    g_assert_cmpuint (g_array_index (generations, guint64, i), ==, new_gen);
  g_assert_cmpint (ll_window_get_last_run (win)->net->n_layers, ==, 11);
  /* the output is a softmax over 10 classes: it sums to 1 */
  {
    nn_tensor *out = ll_window_get_last_run (win)->result.output;
    double sum = 0;

    g_assert_cmpint (nn_tensor_numel (out), ==, 10);
    for (int i = 0; i < 10; i++)
      sum += out->data[i];
    g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-4);
  }

  /* Another document replaces this one while a pass for it runs. */
  g_array_set_size (generations, 0);
  ll_window_request_forward (win);
  other = ll_document_new_from_template ("lenet5");
  ll_window_set_document (win, other);
  ll_window_request_forward (win);
  test_wait_until (has_run, generations);
  wait_forward_settled ();
  for (guint i = 0; i < generations->len; i++)
    g_assert_cmpuint (g_array_index (generations, guint64, i), ==,
                      ll_document_get_generation (other));
  g_assert_cmpint (ll_window_get_last_run (win)->net->n_layers, ==,
                   ll_document_get_net (other)->n_layers);

  g_signal_handler_disconnect (win, id);
  test_destroy_window (win);
}

/* What clicking a response button does: respond, then close. */
static void
answer (AdwMessageDialog *dialog,
        const char       *response)
{
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_close (GTK_WINDOW (dialog));
}

static gboolean
has_dialog (gpointer data)
{
  return find_dialog (data) != NULL;
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closing or replacing a modified document asks first; Cancel keeps everything,
 * Discard goes ahead. */
static void
test_close_asks (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autoptr(LlDocument) first = g_object_ref (ll_window_get_document (win));  /* kept alive: no address reuse */
  LlDocument *doc = first;
  AdwMessageDialog *dialog;
  gpointer weak = win;

  /* Unmodified: New replaces without asking (a question would be shown by now). */
  ll_window_new_document (win, "seed");
  g_assert_null (find_dialog (win));
  g_assert_true (ll_window_get_document (win) != doc);
  doc = ll_window_get_document (win);

  activate (win, "win.add-layer", g_variant_new_string ("ReLU"));
  g_assert_true (ll_document_get_modified (doc));

  /* New asks; Cancel keeps the document. */
  gtk_widget_activate_action (GTK_WIDGET (win), "app.new", "s", "empty");
  test_wait_until (has_dialog, win);
  answer (find_dialog (win), "cancel");
  test_wait_idle ();   /* the answer is acted on in an idle, after the dialog is gone */
  g_assert_true (ll_window_get_document (win) == doc);
  g_assert_null (find_dialog (win));

  /* Close asks; the window stays until an answer. */
  gtk_window_close (GTK_WINDOW (win));
  test_wait_until (has_dialog, win);
  dialog = find_dialog (win);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  answer (dialog, "cancel");
  test_wait_idle ();
  g_assert_nonnull (weak);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (win)));

  gtk_window_close (GTK_WINDOW (win));
  test_wait_until (has_dialog, win);
  answer (find_dialog (win), "discard");
  test_wait_until (is_null, &weak);
}

/* Save in the unsaved-changes dialog saves to the document's file, then closes. */
static void
test_close_save (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "closing.h5", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *expected = NULL;
  g_autofree char *on_disk = NULL;
  nn_net *net = NULL;
  gpointer weak = win;

  ll_window_save_to_file (win, file, FALSE);
  test_wait_until (not_busy, win);
  ll_window_select (win, 9);
  activate (win, "win.add-layer", g_variant_new_string ("Softmax"));
  g_assert_true (ll_document_get_modified (ll_window_get_document (win)));
  expected = window_repr (win);

  g_object_add_weak_pointer (G_OBJECT (win), &weak);
  gtk_window_close (GTK_WINDOW (win));
  test_wait_until (has_dialog, win);
  answer (find_dialog (win), "save");
  test_wait_until (is_null, &weak);

  g_assert_cmpint (nn_model_open (path, &net, NULL), ==, NN_OK);
  on_disk = nn_net_repr (net);
  g_assert_cmpstr (on_disk, ==, expected);
  nn_net_free (net);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/window/add-each-layer-type", test_add_each_type);
  g_test_add_func ("/ui/window/mismatch-fix", test_mismatch_fix);
  g_test_add_func ("/ui/window/inspector-refuses", test_inspector_refuses);
  g_test_add_func ("/ui/window/undo-redo", test_undo_redo);
  g_test_add_func ("/ui/window/save-open", test_save_open);
  g_test_add_func ("/ui/window/open-pytorch", test_open_pytorch);
  g_test_add_func ("/ui/window/forward-stale", test_forward_stale);
  g_test_add_func ("/ui/window/close-asks", test_close_asks);
  g_test_add_func ("/ui/window/close-save", test_close_save);
  return test_app_run ();
}
