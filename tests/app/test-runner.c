/* test-runner.c - the worker thread and LlRunner: ordering, cancellation, staleness
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless: needs GLib/GIO and the engine only.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ll-document.h"
#include "ll-runner.h"
#include "test-util.h"

static GThread *main_thread;

static nn_net *
seed_net (uint64_t seed)
{
  nn_error err = { 0 };
  nn_net *net = nn_net_new_template ("seed", seed, &err);

  g_assert_nonnull (net);
  return net;
}

static nn_tensor *
seed_input (uint64_t seed)
{
  nn_tensor *t = nn_tensor_new_4d (1, 1, 24, 24, NULL);

  g_assert_nonnull (t);
  nn_tensor_fill_uniform (t, seed, 0.0f, 1.0f);
  return t;
}

static void
flush_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_set_object ((GAsyncResult **) user_data, result);
}

/* ------------------------------------------------------------------ forward */

typedef struct {
  guint n_done;
  guint n_ok;
  guint n_cancelled;
  guint last_ok;            /* request number + 1 of the last success */
  guint64 generation;
  LlRunResult *result;      /* the last success */
} Outcome;

typedef struct {
  Outcome *outcome;
  guint number;
} Request;

static void
on_forward_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *req = user_data;
  Outcome *out = req->outcome;
  g_autoptr(GError) error = NULL;
  LlRunResult *res;

  g_assert_true (g_thread_self () == main_thread);
  res = ll_runner_forward_finish (LL_RUNNER (source), result, &error);
  out->n_done++;
  if (res != NULL)
    {
      g_assert_no_error (error);
      out->n_ok++;
      out->last_ok = req->number + 1;
      out->generation = res->generation;
      g_clear_pointer (&out->result, ll_run_result_free);
      out->result = res;
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      out->n_cancelled++;
    }
  g_free (req);
}

static void
forward (LlRunner *runner, Outcome *out, guint number, nn_net *net, nn_tensor *input, guint64 generation)
{
  Request *req = g_new0 (Request, 1);

  req->outcome = out;
  req->number = number;
  ll_runner_forward_async (runner, net, input, generation, on_forward_done, req);
}

static void
wait_done (Outcome *out, guint n)
{
  while (out->n_done < n)
    g_main_context_iteration (NULL, TRUE);
  flush_main_context ();
}

static void
test_forward (void)
{
  LlRunner *runner = ll_runner_new ();
  nn_net *net = seed_net (1);
  nn_net *reference = nn_net_copy (net, NULL);
  nn_tensor *input = seed_input (2);
  nn_run_opts opts = { 0 };
  nn_run_result expected = { 0 };
  Outcome out = { 0 };
  const nn_tensor *output;

  g_assert_cmpint (nn_net_forward (reference, input, &opts, &expected, NULL), ==, NN_OK);
  forward (runner, &out, 0, net, input, 42);
  wait_done (&out, 1);

  g_assert_cmpuint (out.n_ok, ==, 1);
  g_assert_cmpuint (out.generation, ==, 42);
  g_assert_nonnull (out.result->net);
  g_assert_cmpint (out.result->result.n_acts, ==, out.result->net->n_layers + 1);
  g_assert_cmpfloat (out.result->elapsed_ms, >=, 0.0);
  output = out.result->result.output;
  g_assert_true (nn_tensor_same_shape (output, expected.output));
  g_assert_true (nn_tensor_same_shape (output, out.result->result.acts[out.result->result.n_acts - 1]));
  for (int64_t i = 0; i < nn_tensor_numel (output); i++)
    g_assert_cmpfloat_with_epsilon (output->data[i], expected.output->data[i],
                                    1e-5 * (1.0 + fabs (expected.output->data[i])));

  nn_run_result_clear (&expected);
  nn_net_free (reference);
  g_clear_pointer (&out.result, ll_run_result_free);
  g_assert_finalize_object (runner);
}

static void
forward_doc (LlRunner *runner, Outcome *out, guint number, LlDocument *doc, nn_tensor *input)
{
  Request *req = g_new0 (Request, 1);

  req->outcome = out;
  req->number = number;
  ll_runner_forward_document_async (runner, doc, input, on_forward_done, req);
}

/* The document's network runs without a copy on the main thread; the document may
 * change, or go away, while it runs. */
static void
test_forward_document (void)
{
  LlRunner *runner = ll_runner_new ();
  LlDocument *doc = ll_document_new_for_net (seed_net (5));
  nn_net *reference = ll_document_snapshot (doc);
  g_autofree char *repr = nn_net_repr (reference);
  nn_tensor *input = seed_input (6);
  guint64 generation = ll_document_get_generation (doc);
  nn_run_opts opts = { 0 };
  nn_run_result expected = { 0 };
  nn_layer_config relu;
  Outcome out = { 0 };

  g_assert_cmpint (nn_net_forward (reference, input, &opts, &expected, NULL), ==, NN_OK);
  forward_doc (runner, &out, 0, doc, input);
  memset (&relu, 0, sizeof relu);
  nn_layer_config_init (&relu, NN_LAYER_RELU);
  g_assert_true (ll_document_insert_layer (doc, 0, &relu, NULL));
  g_assert_true (ll_document_insert_layer (doc, 0, &relu, NULL));
  g_assert_finalize_object (doc);
  wait_done (&out, 1);

  g_assert_cmpuint (out.n_ok, ==, 1);
  g_assert_cmpuint (out.generation, ==, generation);
  {
    g_autofree char *ran = nn_net_repr (out.result->net);

    g_assert_cmpstr (ran, ==, repr);   /* the network as it was when asked */
  }
  g_assert_true (nn_tensor_same_shape (out.result->result.output, expected.output));
  for (int64_t i = 0; i < nn_tensor_numel (expected.output); i++)
    g_assert_cmpfloat_with_epsilon (out.result->result.output->data[i], expected.output->data[i],
                                    1e-5 * (1.0 + fabs (expected.output->data[i])));

  nn_run_result_clear (&expected);
  nn_net_free (reference);
  g_clear_pointer (&out.result, ll_run_result_free);
  g_assert_finalize_object (runner);
}

static void
test_forward_error (void)
{
  LlRunner *runner = ll_runner_new ();
  nn_tensor *wrong = nn_tensor_new_4d (1, 3, 24, 24, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ll_runner_forward_async (runner, seed_net (3), wrong, 1, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ll_runner_forward_finish (runner, result, &error));
  g_assert_true (error->domain == LL_ENGINE_ERROR);
  g_assert_cmpint (error->code, ==, NN_STATUS_SHAPE);
  g_clear_object (&result);
  flush_main_context ();
  g_assert_finalize_object (runner);
}

/* 20 requests in a row: only the last one may deliver a result. */
static void
test_latest_wins (void)
{
  LlRunner *runner = ll_runner_new ();
  Outcome out = { 0 };
  const guint n = 20;

  for (guint i = 0; i < n; i++)
    forward (runner, &out, i, seed_net (10 + i), seed_input (i), 100 + i);
  wait_done (&out, n);

  g_assert_cmpuint (out.n_ok, ==, 1);
  g_assert_cmpuint (out.n_cancelled, ==, n - 1);
  g_assert_cmpuint (out.last_ok, ==, n);
  g_assert_cmpuint (out.generation, ==, 100 + n - 1);
  g_clear_pointer (&out.result, ll_run_result_free);
  g_assert_finalize_object (runner);
}

/* A request superseded after it computed, but before its result reached the main
 * context, still reports CANCELLED. */
static void
test_superseded_after_compute (void)
{
  LlRunner *runner = ll_runner_new ();
  g_autoptr(GAsyncResult) first = NULL;
  TestWorkerGate *gate;
  Outcome out = { 0 };

  ll_runner_forward_async (runner, seed_net (30), seed_input (30), 1, store_result, &first);
  /* once the gate holds the worker, the first request is computed, its result waiting in
   * the main context (not dispatched yet) */
  gate = test_worker_gate_close ();
  g_assert_null (first);
  forward (runner, &out, 1, seed_net (31), seed_input (31), 2);
  test_worker_gate_open (gate);
  while (first == NULL)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (ll_runner_forward_finish (runner, first, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  wait_done (&out, 1);
  g_assert_cmpuint (out.n_ok, ==, 1);
  g_assert_cmpuint (out.generation, ==, 2);
  g_clear_object (&first);
  g_clear_pointer (&out.result, ll_run_result_free);
  g_assert_finalize_object (runner);
}

static void
test_cancel (void)
{
  LlRunner *runner = ll_runner_new ();
  Outcome out = { 0 };

  forward (runner, &out, 0, seed_net (40), seed_input (40), 1);
  ll_runner_cancel (runner);
  wait_done (&out, 1);
  g_assert_cmpuint (out.n_cancelled, ==, 1);

  /* what a widget does in dispose: cancel, drop the runner; the request still completes
   * (cancelled) and then releases the runner */
  forward (runner, &out, 1, seed_net (41), seed_input (41), 2);
  g_object_add_weak_pointer (G_OBJECT (runner), (gpointer *) &runner);
  ll_runner_cancel (runner);
  g_object_unref (runner);
  wait_done (&out, 2);
  g_assert_cmpuint (out.n_cancelled, ==, 2);
  g_assert_cmpuint (out.n_ok, ==, 0);
  g_assert_null (runner);
}

/* ------------------------------------------------------------------ worker */

typedef struct {
  gint active;
  gint max_active;
  GMutex lock;
  GArray *order;            /* job numbers in the order they ran */
  GThread *thread;          /* that ran the first */
  gboolean one_thread;      /* every job ran on it */
  guint n_done;
  guint n_freed;
} Jobs;

typedef struct {
  Jobs *jobs;
  guint number;
} Job;

static gpointer
counting_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Job *job = data;
  Jobs *jobs = job->jobs;
  gint now = g_atomic_int_add (&jobs->active, 1) + 1;

  g_assert_true (g_thread_self () != main_thread);
  g_mutex_lock (&jobs->lock);
  jobs->max_active = MAX (jobs->max_active, now);
  g_array_append_val (jobs->order, job->number);
  if (jobs->thread == NULL)
    jobs->thread = g_thread_self ();
  jobs->one_thread = jobs->one_thread && jobs->thread == g_thread_self ();
  g_mutex_unlock (&jobs->lock);
  g_atomic_int_add (&jobs->active, -1);
  return GUINT_TO_POINTER (job->number + 1);
}

static void
on_job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gpointer res = ll_worker_run_finish (result, &error);

  g_assert_true (g_thread_self () == main_thread);
  g_assert_no_error (error);
  g_assert_cmpuint (GPOINTER_TO_UINT (res), ==, job->number + 1);
  job->jobs->n_done++;
}

static void
test_worker_serial (void)
{
  Jobs jobs = { .one_thread = TRUE };
  LlRunner *runner = ll_runner_new ();
  Outcome out = { 0 };
  const guint n = 12;
  Job *job_data = g_new0 (Job, n);
  TestWorkerGate *gate;

  g_mutex_init (&jobs.lock);
  jobs.order = g_array_new (FALSE, FALSE, sizeof (guint));
  /* All the jobs wait in the queue together, behind a gate: a second worker thread
   * would have as many to take as it likes while the first is held. */
  gate = test_worker_gate_close ();
  for (guint i = 0; i < n; i++)
    {
      job_data[i].jobs = &jobs;
      job_data[i].number = i;
      ll_worker_run_async (counting_job, &job_data[i], NULL, NULL, on_job_done, &job_data[i]);
      /* forward passes share the same worker */
      if (i % 4 == 0)
        forward (runner, &out, i, seed_net (50 + i), seed_input (i), i);
    }
  test_worker_gate_open (gate);
  while (jobs.n_done < n)
    g_main_context_iteration (NULL, TRUE);
  wait_done (&out, (n + 3) / 4);

  g_assert_cmpint (jobs.max_active, ==, 1);
  g_assert_true (jobs.one_thread);
  g_assert_cmpuint (jobs.order->len, ==, n);
  for (guint i = 0; i < n; i++)   /* FIFO */
    g_assert_cmpuint (g_array_index (jobs.order, guint, i), ==, i);
  g_assert_cmpuint (out.n_ok, ==, 1);
  g_clear_pointer (&out.result, ll_run_result_free);
  g_assert_finalize_object (runner);
  g_array_unref (jobs.order);
  g_mutex_clear (&jobs.lock);
  g_free (job_data);
}

static gpointer
never_job (gpointer data, GCancellable *cancellable, GError **error)
{
  g_atomic_int_inc ((gint *) data);
  return GINT_TO_POINTER (1);
}

/* A job cancelled while it waits in the queue does not run. */
static void
test_worker_cancel_queued (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GError) error = NULL;
  TestWorkerGate *gate;
  gint ran = 0;

  /* the gate holds the worker until the job behind it is cancelled: still queued then */
  gate = test_worker_gate_close ();
  ll_worker_run_async (never_job, &ran, NULL, cancellable, store_result, &second);
  g_cancellable_cancel (cancellable);
  test_worker_gate_open (gate);
  while (second == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ll_worker_run_finish (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&ran), ==, 0);
}

static gpointer
cancel_self_job (gpointer data, GCancellable *cancellable, GError **error)
{
  g_cancellable_cancel (cancellable);
  return data;
}

static void
count_free (gpointer data)
{
  (*(guint *) data)++;
}

/* With a result destroy notify, a result that arrives after cancellation is freed and
 * never delivered; without one it is delivered. */
static void
test_worker_result_after_cancel (void)
{
  g_autoptr(GCancellable) c1 = g_cancellable_new ();
  g_autoptr(GCancellable) c2 = g_cancellable_new ();
  g_autoptr(GAsyncResult) r1 = NULL, r2 = NULL;
  g_autoptr(GError) error = NULL;
  guint freed = 0;

  ll_worker_run_full_async (cancel_self_job, &freed, NULL, count_free, c1, store_result, &r1);
  ll_worker_run_async (cancel_self_job, &freed, NULL, c2, store_result, &r2);
  while (r1 == NULL || r2 == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (ll_worker_run_finish (r1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&r1);
  g_assert_cmpuint (freed, ==, 1);
  g_assert_true (ll_worker_run_finish (r2, NULL) == &freed);
}

/* ------------------------------------------------------------------ stress */

typedef struct {
  LlDocument *doc;
  guint n_done;
  guint n_applied;          /* successes whose generation was current */
  guint n_stale;            /* successes for an older generation (dropped by a UI) */
} Stress;

static void
on_stress_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stress *st = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LlRunResult) res = ll_runner_forward_finish (LL_RUNNER (source), result, &error);

  st->n_done++;
  if (res == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      return;
    }
  g_assert_cmpint (res->result.n_acts, ==, res->net->n_layers + 1);
  if (res->generation == ll_document_get_generation (st->doc))
    st->n_applied++;
  else
    st->n_stale++;
}

static void
random_edit (LlDocument *doc)
{
  const nn_net *net = ll_document_get_net (doc);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;

  switch (g_test_rand_int_range (0, 5))
    {
    case 0:
      memset (&cfg, 0, sizeof cfg);
      nn_layer_config_init (&cfg, g_test_rand_bit () ? NN_LAYER_RELU : NN_LAYER_DROPOUT);
      g_assert_true (ll_document_insert_layer (doc, g_test_rand_int_range (0, net->n_layers + 1), &cfg, &error));
      break;
    case 1:
      for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].cfg.type == NN_LAYER_DROPOUT || net->layers[i].cfg.type == NN_LAYER_RELU)
          {
            g_assert_true (ll_document_remove_layer (doc, i, &error));
            break;
          }
      break;
    case 2:
      for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].cfg.type == NN_LAYER_CONV2D)
          {
            g_autofree char *key = g_strdup_printf ("%d.bias", i);
            nn_tensor *values = nn_tensor_copy (nn_net_find_param (net, key), NULL);

            nn_tensor_fill_normal (values, g_test_rand_int ());
            g_assert_true (ll_document_set_param (doc, key, values, &error));
            nn_tensor_free (values);
            break;
          }
      break;
    case 3:
      ll_document_undo (doc);
      break;
    default:
      ll_document_redo (doc);
      break;
    }
  g_assert_no_error (error);
}

static void
test_stress (void)
{
  LlRunner *runner = ll_runner_new ();
  Stress st = { 0 };
  const guint n = 200;
  guint n_requests = 0;

  st.doc = ll_document_new_for_net (seed_net (70));
  for (guint i = 0; i < n; i++)
    {
      random_edit (st.doc);
      /* some edits start no run, so a result may come back for an older network */
      if (i + 1 < n && g_test_rand_int_range (0, 3) == 0)
        {
          while (g_test_rand_bit () && st.n_done < n_requests)
            g_main_context_iteration (NULL, TRUE);
          continue;
        }
      if (g_test_rand_bit ())
        ll_runner_forward_async (runner, ll_document_snapshot (st.doc), seed_input (i),
                                 ll_document_get_generation (st.doc), on_stress_done, &st);
      else
        ll_runner_forward_document_async (runner, st.doc, seed_input (i), on_stress_done, &st);
      n_requests++;
      if (i % 17 == 0)
        ll_runner_cancel (runner);
      /* now and then the worker catches up before anything is dispatched: results are
       * then computed but delivered after the next edits */
      if (g_test_rand_int_range (0, 4) == 0)
        test_worker_drain ();
      if (g_test_rand_bit ())
        g_main_context_iteration (NULL, FALSE);
    }
  while (st.n_done < n_requests)
    g_main_context_iteration (NULL, TRUE);
  flush_main_context ();

  g_test_message ("%u results current, %u stale, %u cancelled", st.n_applied, st.n_stale,
                  n_requests - st.n_applied - st.n_stale);
  /* the last request was not cancelled and nothing was edited after it */
  g_assert_cmpuint (st.n_applied, >=, 1);
  g_assert_cmpuint (st.n_applied + st.n_stale, <=, n_requests);
  g_assert_finalize_object (runner);
  g_assert_finalize_object (st.doc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/runner/forward", test_forward);
  g_test_add_func ("/runner/forward-document", test_forward_document);
  g_test_add_func ("/runner/forward-error", test_forward_error);
  g_test_add_func ("/runner/latest-wins", test_latest_wins);
  g_test_add_func ("/runner/superseded-after-compute", test_superseded_after_compute);
  g_test_add_func ("/runner/cancel", test_cancel);
  g_test_add_func ("/runner/worker/serial", test_worker_serial);
  g_test_add_func ("/runner/worker/cancel-queued", test_worker_cancel_queued);
  g_test_add_func ("/runner/worker/result-after-cancel", test_worker_result_after_cancel);
  g_test_add_func ("/runner/stress", test_stress);

  return g_test_run ();
}
