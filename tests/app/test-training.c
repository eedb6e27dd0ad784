/* test-training.c - the Training page: actions, worker jobs, plots, apply/undo, saving
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real LlWindow trains a small network on tests/data/training (300 samples of 1x8x8
 * in 3 classes, made by make-fixture.py) through its win.train-* actions, under Xvfb.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ll-window-private.h"
#include "test-common.h"

/* ------------------------------------------------------------ main loop */

/* Counts main loop wake-ups: a timeout every 10 ms. */
static gboolean
tick_cb (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
ten_ticks (gpointer data)
{
  return *(guint *) data >= 10;
}

static void
count_progress_cb (LlTraining *training,
                   guint      *count)
{
  (*count)++;
}

/* ------------------------------------------------------------ fixtures */

/* Conv2d(1, 4, 3) ReLU Flatten Linear(144, k) on 1x8x8 */
static nn_net *
small_net_k (int k)
{
  nn_shape input = nn_shape_chw (1, 8, 8);
  nn_net *net = nn_net_new (&input, 7);
  nn_layer_config cfg;
  nn_error err = { 0 };

  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.in_channels = 1;
  cfg.out_channels = 4;
  cfg.kernel_size[0] = cfg.kernel_size[1] = 3;
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_RELU);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_FLATTEN);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_LINEAR);
  cfg.in_features = 144;
  cfg.out_features = k;
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, <, 0);
  return net;
}

static nn_net *
small_net (void)
{
  return small_net_k (3);
}

static char *
fixture_spec (void)
{
  g_autofree char *x = g_test_build_filename (G_TEST_DIST, "data", "training", "x.npy", NULL);
  g_autofree char *y = g_test_build_filename (G_TEST_DIST, "data", "training", "y.npy", NULL);

  return g_strdup_printf ("%s:%s", x, y);
}

static LlWindow *
new_window (void)
{
  g_autoptr(LlDocument) doc = ll_document_new_for_net (small_net ());

  return test_new_window_for_document (doc);
}

static void
set_settings (LlWindow *win, gint64 epochs, double val_fraction)
{
  LlTrainingSettings s;

  ll_training_settings_init (&s);
  s.data = fixture_spec ();
  s.val_fraction = val_fraction;
  s.epochs = epochs;
  s.batch = 16;
  s.seed = 3;
  s.optim.lr = 0.01;
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
}

/* Every parameter of net, in order, as one array. */
static GArray *
params_of (const nn_net *net)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (float));
  g_autofree nn_param *params = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n; i++)
    if (params[i].tensor != NULL)
      g_array_append_vals (values, params[i].tensor->data, (guint) nn_tensor_numel (params[i].tensor));
  return values;
}

static gboolean
params_equal (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (float)) == 0;
}

static gboolean
training_ended (gpointer data)
{
  return !ll_training_is_active (data);
}

static gboolean
has_steps (gpointer data)
{
  gint64 epoch, batch, n_batch;
  double fraction, left;

  ll_training_get_progress (data, &epoch, &batch, &n_batch, &fraction, &left);
  return fraction > 0.0;
}

static void
count_cb (gpointer instance, gpointer arg, gpointer data)
{
  (*(guint *) data)++;
}

static void
saved_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ll_document_save_finish (LL_DOCUMENT (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Training runs on the worker, and the main thread never waits for it: while gate (a
 * job of the test) holds the worker, the main loop goes on (timeouts fire, the window
 * paints) and the training does not move. Opens the gate. (Not a bound on the main
 * loop's longest gap: a loaded machine makes gaps long without any fault of the app.) */
static void
check_trains_on_worker (LlWindow       *win,
                        TestWorkerGate *gate)
{
  guint ticks = 0, progress = 0;
  guint tick_id;
  gulong handler;

  /* the result of the job that ran before the gate comes back first (and queues the
   * next job, behind the gate) */
  test_wait_idle ();
  handler = g_signal_connect (win->training, "progress", G_CALLBACK (count_progress_cb), &progress);
  tick_id = g_timeout_add (10, tick_cb, &ticks);
  test_wait_until (ten_ticks, &ticks);
  test_wait_frame (GTK_WIDGET (win));
  test_wait_idle ();
  g_source_remove (tick_id);
  g_signal_handler_disconnect (win->training, handler);
  g_assert_cmpuint (progress, ==, 0);
  g_assert_true (ll_training_is_active (win->training));
  test_worker_gate_open (gate);
}

typedef struct {
  guint *count;
  guint until;
} CountWait;

static gboolean
counted (gpointer data)
{
  CountWait *w = data;

  return *w->count >= w->until;
}

static void
save_to (LlDocument *doc, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  gboolean saved = FALSE;

  ll_document_save_async (doc, file, FALSE, NULL, saved_cb, &saved);
  test_wait_until (is_true, &saved);
}

/* The model file has the settings and every epoch of the history. */
static void
check_saved_history (LlDocument *doc, const LlEpochRecord *h, guint n)
{
  g_autofree char *dir = g_dir_make_tmp ("layerlab-training-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trained.h5", NULL);
  const nn_training_record *r;
  nn_error err = { 0 };
  nn_net *net = NULL;

  save_to (doc, path);
  g_assert_cmpint (nn_model_open (path, &net, &err), ==, NN_OK);
  r = net->training;
  g_assert_nonnull (r);
  g_assert_nonnull (strstr (r->data, "x.npy"));
  g_assert_cmpint (r->loss, ==, NN_LOSS_CROSS_ENTROPY);
  g_assert_cmpint (r->optim.kind, ==, NN_OPTIM_ADAM);
  g_assert_cmpfloat (r->optim.lr, ==, 0.01);
  g_assert_cmpfloat (r->optim.beta2, ==, 0.999);
  g_assert_cmpint (r->epochs, ==, 4);
  g_assert_cmpint (r->batch_size, ==, 16);
  g_assert_cmpuint (r->seed, ==, 3);
  g_assert_cmpfloat (r->validation_fraction, ==, 0.2);
  g_assert_cmpint (r->n_history, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (r->history[i].train_loss, ==, h[i].train_loss);
      g_assert_cmpfloat (r->history[i].train_accuracy, ==, h[i].train_acc);
      g_assert_cmpfloat (r->history[i].val_loss, ==, h[i].val_loss);
      g_assert_cmpfloat (r->history[i].val_accuracy, ==, h[i].val_acc);
    }
  nn_net_free (net);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The training curve has n_points in each of epochs epochs, where the batches of
 * batch samples out of n_train end: the fraction of the epoch's samples done. */
static void
check_steps (LlTraining *training, guint epochs, guint n_points, guint batch, guint n_train)
{
  guint n = 0, n_epochs = 0;
  const LlStepRecord *p = ll_training_get_steps (training, &n);
  const LlEpochRecord *h = ll_training_get_history (training, &n_epochs);
  guint batches = (n_train + batch - 1) / batch;

  g_assert_cmpuint (n, ==, epochs * n_points);
  g_assert_cmpuint (n_epochs, ==, epochs);
  for (guint e = 0; e < epochs; e++)
    {
      double sum = 0.0;

      for (guint j = 0; j < n_points; j++)
        {
          const LlStepRecord *q = &p[e * n_points + j];
          /* the last batch of part j + 1 of n_points */
          guint last = (guint) ceil ((double) (j + 1) * batches / n_points);
          guint first = (guint) ceil ((double) j * batches / n_points);
          guint samples = MIN (last * batch, n_train) - first * batch;

          g_assert_cmpint (q->epoch, ==, e + 1);
          double done = MIN (last * batch, n_train) / (double) n_train;

          g_assert_cmpfloat_with_epsilon (q->x, e + done, 1e-12);
          g_assert_cmpfloat (q->acc, >=, 0.0);
          g_assert_cmpfloat (q->acc, <=, 1.0);
          sum += q->loss * samples;
        }
      /* the parts' losses make up the epoch's mean loss */
      g_assert_cmpfloat_with_epsilon (sum / n_train, h[e].train_loss, 1e-9);
    }
}

/* ------------------------------------------------------------ tests */

/* win.train-start runs every epoch on the worker while the main loop keeps going; the
 * plots get a point per epoch, the views get snapshots, and the finished run becomes
 * the document's weights as one undo step that undo reverts exactly. */
static void
test_train_finish (void)
{
  LlWindow *win = new_window ();
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GArray) before = params_of (ll_document_get_net (doc));
  g_autoptr(GArray) after = NULL;
  g_autoptr(GArray) undone = NULL;
  const LlEpochRecord *h;
  guint n = 0, snapshots = 0;
  TestWorkerGate *gate;
  int k = 0;

  set_settings (win, 4, 0.2);
  g_signal_connect (win->training, "snapshot", G_CALLBACK (count_cb), &snapshots);
  /* started while another job holds the worker: the action returns at once, and the
   * run waits for the worker (four epochs may well be over before a gate closed later) */
  gate = test_worker_gate_close ();
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  g_assert_true (ll_training_is_active (win->training));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (win->inspect_stack), ==, "training");
  check_trains_on_worker (win, gate);
  test_wait_until (training_ended, win->training);
  g_signal_handlers_disconnect_by_data (win->training, &snapshots);

  g_assert_cmpstr (ll_training_get_message (win->training), ==, NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FINISHED);
  h = ll_training_get_history (win->training, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (ll_training_get_n_train (win->training), ==, 240);
  g_assert_cmpint (ll_training_get_n_val (win->training), ==, 60);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (h[i].epoch, ==, i + 1);
      g_assert_true (isfinite (h[i].train_loss) && isfinite (h[i].val_loss));
      g_assert_cmpfloat (h[i].val_acc, >=, 0.0);
      g_assert_cmpfloat (h[i].val_acc, <=, 1.0);
    }
  /* the bands are easy: it learns them */
  g_assert_cmpfloat (h[n - 1].train_loss, <, h[0].train_loss);
  g_assert_cmpfloat (h[n - 1].val_acc, >=, 0.9);
  g_assert_cmpuint (snapshots, >=, 4);

  /* the page painted the curves and shows the confusion matrix: the last epoch queued
   * a redraw of the plots, which the next frame paints. 240 training samples in
   * batches of 16 are 15 batches an epoch, fewer than 20: a point per batch. */
  test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 4 * 15);
  check_steps (win->training, 4, 15, 16, 240);
  g_assert_nonnull (ll_training_get_confusion (win->training, &k, NULL));
  g_assert_cmpint (k, ==, 3);

  after = params_of (ll_document_get_net (doc));
  g_assert_false (params_equal (before, after));
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Train 4 epochs");
  g_assert_true (ll_document_get_modified (doc));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL);
  undone = params_of (ll_document_get_net (doc));
  g_assert_true (params_equal (before, undone));
  g_assert_false (ll_document_can_undo (doc));
  g_assert_null (ll_document_get_net (doc)->training);
  ll_document_redo (doc);
  g_clear_pointer (&undone, g_array_unref);
  undone = params_of (ll_document_get_net (doc));
  g_assert_true (params_equal (after, undone));
  check_saved_history (doc, h, n);
  test_destroy_window (win);
}

/* win.train-stop ends a long run within a job; its weights apply as one step. */
static void
test_stop_apply (void)
{
  LlWindow *win = new_window ();
  LlDocument *doc = ll_window_get_document (win);
  g_autoptr(GArray) before = params_of (ll_document_get_net (doc));
  g_autoptr(GArray) undone = NULL;
  guint progress = 0;
  CountWait jobs = { &progress, 3 };
  gulong handler;

  set_settings (win, 100000, 0.0);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (has_steps, win->training);
  handler = g_signal_connect (win->training, "progress", G_CALLBACK (count_progress_cb), &progress);
  /* pause: the job in flight finishes, and nothing is queued after it (once its result
   * is back, another round of the worker brings no progress) */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-pause", NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_PAUSED);
  test_worker_sync ();
  progress = 0;
  test_worker_sync ();
  g_assert_cmpuint (progress, ==, 0);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_PAUSED);
  /* resume: it trains on, job after job, while the main loop keeps iterating */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-pause", NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_RUNNING);
  test_wait_until (counted, &jobs);
  check_trains_on_worker (win, test_worker_gate_close ());
  g_assert_true (ll_training_is_active (win->training));

  /* Stop takes effect within the job in flight: that job's progress at most, no other
   * chunk, then the final job (the confusion matrix over 300 samples). */
  progress = 0;
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-stop", NULL);
  test_wait_until (training_ended, win->training);
  g_signal_handler_disconnect (win->training, handler);
  g_assert_cmpuint (progress, <=, 1);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_STOPPED);
  /* nothing changed until the user applies */
  g_assert_false (ll_document_can_undo (doc));

  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-apply", NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_IDLE);
  g_assert_true (ll_document_can_undo (doc));
  g_assert_true (g_str_has_prefix (ll_document_get_undo_label (doc), "Train "));
  ll_document_undo (doc);
  g_assert_false (ll_document_can_undo (doc));
  undone = params_of (ll_document_get_net (doc));
  g_assert_true (params_equal (before, undone));
  test_destroy_window (win);
}

/* Editing the network while it trains stops training and drops its result: it would
 * not fit the edited network. */
static void
test_edit_stops (void)
{
  LlWindow *win = new_window ();
  LlDocument *doc = ll_window_get_document (win);
  nn_layer_config cfg;
  g_autoptr(GError) error = NULL;

  set_settings (win, 100000, 0.0);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (has_steps, win->training);
  nn_layer_config_init (&cfg, NN_LAYER_RELU);
  g_assert_true (ll_document_insert_layer (doc, 1, &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FAILED);
  g_assert_nonnull (strstr (ll_training_get_message (win->training), "edited"));
  /* said in full, in a dialog that stays until closed */
  g_assert_nonnull (win->last_error);
  g_assert_nonnull (strstr (win->last_error, ll_training_get_message (win->training)));
  /* a late job result changes nothing: the job in flight when the edit came has
   * finished and its result has been delivered (and dropped) */
  test_worker_sync ();
  g_assert_cmpint (ll_document_get_net (doc)->n_layers, ==, 5);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Add ReLU");
  test_destroy_window (win);
}

/* MSELoss on one-hot targets with SGD (momentum, nesterov): losses but no accuracy,
 * and no confusion matrix. */
static void
test_mse_sgd (void)
{
  LlWindow *win = new_window ();
  LlDocument *doc = ll_window_get_document (win);
  LlTrainingSettings s;
  const LlEpochRecord *h;
  guint n = 0;
  int k = -1;

  ll_training_settings_init (&s);
  s.data = fixture_spec ();
  s.val_fraction = 0.25;
  s.loss = NN_LOSS_MSE;
  nn_optim_config_init (&s.optim, NN_OPTIM_SGD);
  s.optim.lr = 0.05;
  s.optim.momentum = 0.9;
  s.optim.nesterov = TRUE;
  s.epochs = 3;
  s.batch = 10;
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
  /* what the page shows is what it hands over */
  ll_training_page_get_settings (win->training_page, &s);
  g_assert_cmpint (s.loss, ==, NN_LOSS_MSE);
  g_assert_cmpint (s.optim.kind, ==, NN_OPTIM_SGD);
  g_assert_true (s.optim.nesterov);
  g_assert_cmpfloat_with_epsilon (s.optim.momentum, 0.9, 1e-9);
  g_assert_cmpint (s.batch, ==, 10);
  ll_training_settings_clear (&s);

  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (training_ended, win->training);
  g_assert_cmpstr (ll_training_get_message (win->training), ==, NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FINISHED);
  h = ll_training_get_history (win->training, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (isnan (h[0].train_acc) && isnan (h[0].val_acc));
  g_assert_true (isfinite (h[2].val_loss));
  g_assert_cmpfloat (h[2].train_loss, <, h[0].train_loss);
  g_assert_null (ll_training_get_confusion (win->training, &k, NULL));
  g_assert_cmpint (k, ==, 0);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Train 3 epochs");
  g_assert_cmpint (ll_document_get_net (doc)->training->loss, ==, NN_LOSS_MSE);
  g_assert_true (ll_document_get_net (doc)->training->optim.nesterov);
  test_destroy_window (win);
}

/* A data set that is not there fails with the path in the message. */
static void
test_bad_data (void)
{
  LlWindow *win = new_window ();
  LlTrainingSettings s;

  ll_training_settings_init (&s);
  s.data = g_strdup ("/nonexistent/layerlab-training");
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (training_ended, win->training);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FAILED);
  g_assert_nonnull (strstr (ll_training_get_message (win->training), "/nonexistent/layerlab-training"));
  g_assert_false (ll_document_can_undo (ll_window_get_document (win)));
  test_destroy_window (win);
}

/* An epoch of 60 batches (240 samples in batches of 4) gets a point every 1/20 of an
 * epoch, every third batch: a one-epoch run is a curve, not a single point. */
static void
test_steps_fraction (void)
{
  LlWindow *win = new_window ();
  LlTrainingSettings s;

  ll_training_settings_init (&s);
  s.data = fixture_spec ();
  s.val_fraction = 0.2;
  s.epochs = 1;
  s.batch = 4;
  s.optim.lr = 0.01;
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (training_ended, win->training);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FINISHED);
  check_steps (win->training, 1, 20, 4, 240);
  for (guint j = 0; j < 20; j++)
    {
      guint n = 0;
      const LlStepRecord *p = ll_training_get_steps (win->training, &n);

      g_assert_cmpfloat_with_epsilon (p[j].x, (j + 1) / 20.0, 1e-12);
    }
  test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 20);
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 1);
  test_destroy_window (win);
}

static void
loaded_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  *(LlDocument **) data = ll_document_load_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static LlDocument *
load_document (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  LlDocument *doc = NULL;

  ll_document_load_async (file, NULL, loaded_cb, &doc);
  test_wait_until (is_set, &doc);
  return doc;
}

static void
train_to_end (LlWindow *win)
{
  gtk_widget_activate_action (GTK_WIDGET (win), "win.train-start", NULL);
  test_wait_until (training_ended, win->training);
  g_assert_cmpstr (ll_training_get_message (win->training), ==, NULL);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_FINISHED);
}

/* The history has n epochs, the first n_want of them want's. */
static void
assert_history (LlTraining *training, guint n_total, const LlEpochRecord *want, guint n_want)
{
  guint n = 0;
  const LlEpochRecord *h = ll_training_get_history (training, &n);

  g_assert_cmpuint (n, ==, n_total);
  for (guint i = 0; i < n_want; i++)
    {
      g_assert_cmpint (h[i].epoch, ==, i + 1);
      g_assert_cmpfloat (h[i].train_loss, ==, want[i].train_loss);
      g_assert_cmpfloat (h[i].train_acc, ==, want[i].train_acc);
      g_assert_cmpfloat (h[i].val_loss, ==, want[i].val_loss);
      g_assert_cmpfloat (h[i].val_acc, ==, want[i].val_acc);
    }
}

/* A trained model file opened in a window shows its settings and history; training on
 * goes on from the recorded epochs, undo and redo show the record of their state. */
static void
test_reopen_continue (void)
{
  g_autofree char *dir = g_dir_make_tmp ("layerlab-training-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trained.h5", NULL);
  g_autofree char *path2 = g_build_filename (dir, "continued.h5", NULL);
  g_autofree char *spec = fixture_spec ();
  LlWindow *win = new_window ();
  g_autoptr(LlDocument) doc = NULL;
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (LlEpochRecord));
  LlTrainingSettings s, got;
  const LlEpochRecord *h;
  nn_error err = { 0 };
  nn_net *net = NULL;
  guint n = 0;

  ll_training_settings_init (&s);
  s.data = g_strdup (spec);
  s.val_fraction = 0.25;
  nn_optim_config_init (&s.optim, NN_OPTIM_SGD);
  s.optim.lr = 0.05;
  s.optim.momentum = 0.5;
  s.optim.nesterov = TRUE;
  s.optim.weight_decay = 0.001;
  s.epochs = 2;
  s.batch = 20;
  s.seed = 11;
  s.shuffle = FALSE;
  s.fit = NN_FIT_RESIZE;
  ll_training_page_set_settings (win->training_page, &s);
  train_to_end (win);
  h = ll_training_get_history (win->training, &n);
  g_array_append_vals (first, h, n);
  save_to (ll_window_get_document (win), path);
  test_destroy_window (win);

  /* reopened: the settings as they were, the two epochs plotted */
  doc = load_document (path);
  g_assert_nonnull (ll_document_get_net (doc)->training);
  win = test_new_window_for_document (doc);
  ll_training_page_get_settings (win->training_page, &got);
  g_assert_cmpstr (got.data, ==, spec);
  g_assert_cmpfloat_with_epsilon (got.val_fraction, 0.25, 1e-9);
  g_assert_cmpint (got.loss, ==, NN_LOSS_CROSS_ENTROPY);
  g_assert_cmpint (got.optim.kind, ==, NN_OPTIM_SGD);
  g_assert_cmpfloat_with_epsilon (got.optim.lr, 0.05, 1e-9);
  g_assert_cmpfloat_with_epsilon (got.optim.momentum, 0.5, 1e-9);
  g_assert_true (got.optim.nesterov);
  g_assert_cmpfloat_with_epsilon (got.optim.weight_decay, 0.001, 1e-9);
  g_assert_cmpint (got.epochs, ==, 2);
  g_assert_cmpint (got.batch, ==, 20);
  g_assert_cmpuint (got.seed, ==, 11);
  g_assert_false (got.shuffle);
  g_assert_cmpint (got.fit, ==, NN_FIT_RESIZE);
  ll_training_settings_clear (&got);
  g_assert_cmpstr (ll_training_page_get_data_text (win->training_page), ==, spec);
  assert_history (win->training, 2, (const LlEpochRecord *) first->data, 2);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_IDLE);
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 2);
  adw_view_stack_set_visible_child_name (win->inspect_stack, "training");
  test_wait_frame (GTK_WIDGET (win));
  /* one point per recorded epoch: the file has no finer ones */
  g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 2);

  /* two more: epochs 3 and 4 after the recorded ones, one undo step of 2 epochs */
  train_to_end (win);
  h = ll_training_get_history (win->training, &n);
  assert_history (win->training, 4, (const LlEpochRecord *) first->data, 2);
  g_assert_cmpint (h[2].epoch, ==, 3);
  g_assert_cmpint (h[3].epoch, ==, 4);
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 4);
  g_assert_cmpstr (ll_document_get_undo_label (doc), ==, "Train 2 epochs");
  /* 225 training samples (300 less a quarter) in batches of 20: 12 points in each new
   * epoch, 1 in each recorded one */
  test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 2 + 2 * 12);
  save_to (doc, path2);
  g_assert_cmpint (nn_model_open (path2, &net, &err), ==, NN_OK);
  g_assert_cmpint (net->training->n_history, ==, 4);
  /* the last run's 2 epochs: reopened, the page offers that run again, not 4 */
  g_assert_cmpint (net->training->epochs, ==, 2);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (net->training->history[i].train_loss, ==, h[i].train_loss);
  nn_net_free (net);

  /* undo: the file's two epochs again; redo: four */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL);
  assert_history (win->training, 2, (const LlEpochRecord *) first->data, 2);
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 2);
  g_assert_cmpint (ll_training_get_state (win->training), ==, LL_TRAINING_IDLE);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.redo", NULL);
  h = ll_training_get_history (win->training, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 4);

  /* another document without a record: empty plots and the default settings */
  {
    g_autoptr(LlDocument) fresh = ll_document_new_for_net (small_net ());

    ll_window_set_document (win, fresh);
    h = ll_training_get_history (win->training, &n);
    g_assert_cmpuint (n, ==, 0);
    g_assert_null (ll_training_get_record (win->training));
    ll_training_page_get_settings (win->training_page, &got);
    g_assert_null (got.data);
    g_assert_cmpint (got.epochs, ==, 5);
    g_assert_cmpint (got.batch, ==, 64);
    g_assert_cmpint (got.optim.kind, ==, NN_OPTIM_ADAM);
    g_assert_true (got.shuffle);
    ll_training_settings_clear (&got);
    test_wait_frame (GTK_WIDGET (win));
    g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 0);
  }
  test_destroy_window (win);

  /* the continued file reopened: all four epochs plotted, and Train offers the last
   * run's two epochs again (not four, which would double the history) */
  {
    g_autoptr(LlDocument) continued = load_document (path2);

    win = test_new_window_for_document (continued);
    ll_training_page_get_settings (win->training_page, &got);
    g_assert_cmpint (got.epochs, ==, 2);
    ll_training_settings_clear (&got);
    assert_history (win->training, 4, (const LlEpochRecord *) first->data, 2);
    g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 4);
  }
  ll_training_settings_clear (&s);
  test_destroy_window (win);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_unlink (path2), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* A record whose data set is gone: the page says so in the data row, chooses none, and
 * no error dialog comes up; the rest of the settings and the history are shown. */
static void
test_record_missing_data (void)
{
  nn_net *net = small_net ();
  nn_training_record *r = nn_training_record_new ();
  nn_training_epoch e = { 0.9, 0.5, 1.0, 0.4, 1.0 };
  g_autoptr(LlDocument) doc = NULL;
  nn_error err = { 0 };
  LlTrainingSettings got;
  const char *text;
  LlWindow *win;

  g_strlcpy (r->data, "/nonexistent/layerlab/x.npy:/nonexistent/layerlab/y.npy", sizeof r->data);
  r->epochs = 3;
  r->batch_size = 32;
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (nn_training_record_add_epoch (r, &e, &err), ==, NN_OK);
  net->training = r;
  doc = ll_document_new_for_net (net);
  win = test_new_window_for_document (doc);
  ll_training_page_get_settings (win->training_page, &got);
  g_assert_null (got.data);
  g_assert_cmpint (got.batch, ==, 32);
  g_assert_cmpint (got.epochs, ==, 3);
  ll_training_settings_clear (&got);
  text = ll_training_page_get_data_text (win->training_page);
  g_assert_nonnull (strstr (text, "not here"));
  g_assert_nonnull (strstr (text, "/nonexistent/layerlab/x.npy"));
  g_assert_null (win->last_error);
  g_assert_null (test_find_toplevel (win, ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpint (ll_training_get_total_epochs (win->training), ==, 3);
  adw_view_stack_set_visible_child_name (win->inspect_stack, "training");
  test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpuint (ll_training_page_get_plotted (win->training_page), ==, 3);
  test_destroy_window (win);
}

/* IDX files (MNIST's layout) of n 8x8 images in 10 classes: class c lights row c % 8
 * (and column 0 for c >= 8). */
static void
write_idx (const char *dir, guint n)
{
  g_autoptr(GByteArray) images = g_byte_array_new ();
  g_autoptr(GByteArray) labels = g_byte_array_new ();
  const guint8 ih[16] = { 0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 8, 0, 0, 0, 8 };
  const guint8 lh[8] = { 0, 0, 8, 1, 0, 0, 0, n };
  g_autofree char *ipath = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *lpath = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (n, <, 256);
  g_byte_array_append (images, ih, sizeof ih);
  g_byte_array_append (labels, lh, sizeof lh);
  for (guint i = 0; i < n; i++)
    {
      guint8 c = (guint8) (i % 10), px[64] = { 0 };

      for (int x = 0; x < 8; x++)
        px[(c % 8) * 8 + x] = 255;
      if (c >= 8)
        for (int y = 0; y < 8; y++)
          px[y * 8] = 255;
      g_byte_array_append (images, px, sizeof px);
      g_byte_array_append (labels, &c, 1);
    }
  g_assert_true (g_file_set_contents (ipath, (const char *) images->data, images->len, &error));
  g_assert_true (g_file_set_contents (lpath, (const char *) labels->data, labels->len, &error));
  g_assert_no_error (error);
}

static void
remove_idx (const char *dir)
{
  g_autofree char *ipath = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *lpath = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);

  g_assert_cmpint (g_unlink (ipath), ==, 0);
  g_assert_cmpint (g_unlink (lpath), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_class_names (LlTraining *training, const char *const *want, int k_want)
{
  char *const *names = NULL;
  int k = 0;

  g_assert_nonnull (ll_training_get_confusion (training, &k, &names));
  g_assert_cmpint (k, ==, k_want);
  g_assert_nonnull (names);
  for (int i = 0; i < k; i++)
    g_assert_cmpstr (names[i], ==, want[i]);
}

/* Fashion-MNIST installed while the window is open is offered when the Training page
 * is shown next; trained on, the confusion matrix names its classes. */
static void
test_fashion_late (void)
{
  static const char *const fashion[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress",
                                           "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                           "Ankle boot" };
  g_autofree char *tmp = g_dir_make_tmp ("layerlab-training-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "fashion-mnist", NULL);
  g_autoptr(LlDocument) doc = ll_document_new_for_net (small_net_k (10));
  LlTrainingSettings s;
  LlWindow *win;

  g_setenv ("LAYERLAB_FASHION_MNIST_DIR", dir, TRUE);
  win = test_new_window_for_document (doc);
  adw_view_stack_set_visible_child_name (win->inspect_stack, "training");
  test_wait_frame (GTK_WIDGET (win));
  g_assert_false (ll_training_page_offers_fashion_mnist (win->training_page));
  adw_view_stack_set_visible_child_name (win->inspect_stack, "weights");
  test_wait_frame (GTK_WIDGET (win));

  /* "installed" */
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  write_idx (dir, 200);
  g_assert_false (ll_training_page_offers_fashion_mnist (win->training_page));
  adw_view_stack_set_visible_child_name (win->inspect_stack, "training");
  test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ll_training_page_offers_fashion_mnist (win->training_page));
  g_assert_cmpstr (ll_training_page_fashion_mnist_dir (), ==, dir);

  ll_training_settings_init (&s);
  s.data = g_strdup (dir);
  s.epochs = 1;
  s.batch = 20;
  s.optim.lr = 0.01;
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
  g_assert_nonnull (strstr (ll_training_page_get_data_text (win->training_page), "Fashion-MNIST"));
  train_to_end (win);
  assert_class_names (win->training, fashion, 10);
  test_wait_frame (GTK_WIDGET (win));
  test_destroy_window (win);
  g_unsetenv ("LAYERLAB_FASHION_MNIST_DIR");
  remove_idx (dir);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

/* A folder of class folders: the confusion matrix has their names; MNIST-like arrays
 * (.npy) keep their digits. */
static void
test_folder_class_names (void)
{
  static const char *const folders[2] = { "a-rgb", "b-gray" };
  static const char *const digits[3] = { "0", "1", "2" };
  g_autoptr(LlDocument) doc = ll_document_new_for_net (small_net_k (2));
  LlWindow *win = test_new_window_for_document (doc);
  LlTrainingSettings s;

  ll_training_settings_init (&s);
  s.data = g_test_build_filename (G_TEST_DIST, "data", "datasets", "classes", NULL);
  s.epochs = 1;
  s.batch = 2;
  ll_training_page_set_settings (win->training_page, &s);
  ll_training_settings_clear (&s);
  train_to_end (win);
  assert_class_names (win->training, folders, 2);
  test_destroy_window (win);

  win = new_window ();
  set_settings (win, 1, 0.2);
  train_to_end (win);
  assert_class_names (win->training, digits, 3);
  test_destroy_window (win);
}

int
main (int argc, char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/training/finish-undo", test_train_finish);
  g_test_add_func ("/ui/training/stop-apply", test_stop_apply);
  g_test_add_func ("/ui/training/edit-stops", test_edit_stops);
  g_test_add_func ("/ui/training/mse-sgd", test_mse_sgd);
  g_test_add_func ("/ui/training/bad-data", test_bad_data);
  g_test_add_func ("/ui/training/steps-fraction", test_steps_fraction);
  g_test_add_func ("/ui/training/reopen-continue", test_reopen_continue);
  g_test_add_func ("/ui/training/record-missing-data", test_record_missing_data);
  g_test_add_func ("/ui/training/fashion-late", test_fashion_late);
  g_test_add_func ("/ui/training/folder-class-names", test_folder_class_names);
  return test_app_run ();
}
