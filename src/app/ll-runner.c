/* ll-runner.c - the one worker thread that runs the engine and HDF5 I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every job goes through one exclusive GThreadPool with a single thread, so engine
 * compute and HDF5 calls never overlap (OpenBLAS' pthread build and stock libhdf5 are
 * not safe to call concurrently). g_task_run_in_thread() would use GLib's shared pool
 * of many threads, hence this private queue.
 *
 * The worker never returns a GTask itself: it hands the finished job to the task's
 * main context (an idle source), where the task is returned and released. So the last
 * reference to a task, its data and its source object (a document, a runner) is
 * always dropped on the main thread, never on the worker.
 */
#define G_LOG_DOMAIN "ll-runner"

#include "config.h"

#include "ll-runner.h"
#include "ll-document-private.h"

/* the two hand-offs of a job between threads are declared to ThreadSanitizer */
#include "ll-tsan.h"

G_DEFINE_QUARK (ll-engine-error-quark, ll_engine_error)

void
ll_set_error_from_nn (GError **error, const nn_error *err)
{
  nn_status status;

  g_return_if_fail (err != NULL);

  status = err->status != NN_OK ? err->status : NN_STATUS_INVALID_ARG;
  if (err->message[0] != '\0')
    g_set_error_literal (error, LL_ENGINE_ERROR, status, err->message);
  else
    g_set_error_literal (error, LL_ENGINE_ERROR, status, nn_status_to_string (status));
}

/* ------------------------------------------------------------------ worker */

typedef struct {
  GTask *task;              /* owned until handed back to the main context */
  LlWorkerFunc func;
  GDestroyNotify result_free;
  gpointer result;
  GError *error;
} LlJob;

/* Compute threads: LAYERLAB_THREADS if set (e.g. 1 under ThreadSanitizer, which cannot
 * see OpenBLAS' own synchronisation), else one per processor. */
static int
worker_num_threads (void)
{
  const char *env = g_getenv ("LAYERLAB_THREADS");
  guint64 n;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 1024, &n, NULL))
    return (int) n;
  return MAX (1, (int) g_get_num_processors ());
}

static void
worker_configure_once (void)
{
  /* Only the worker thread ever touches this flag. */
  static gboolean configured;

  if (!configured)
    {
      nn_set_num_threads (worker_num_threads ());
      configured = TRUE;
    }
}

static gboolean
job_complete (gpointer data)
{
  LlJob *job = data;

  tsan_acquire (job);
  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else
    g_task_return_pointer (job->task, g_steal_pointer (&job->result), job->result_free);

  g_clear_object (&job->task);
  g_free (job);
  return G_SOURCE_REMOVE;
}

static void
worker_thread_func (gpointer data, gpointer pool_data)
{
  LlJob *job = data;
  GCancellable *cancellable;
  GMainContext *context;
  GSource *source;

  tsan_acquire (job);
  cancellable = g_task_get_cancellable (job->task);
  worker_configure_once ();

  /* A job cancelled while it waited in the queue does not run at all. */
  if (!g_cancellable_set_error_if_cancelled (cancellable, &job->error))
    {
      job->result = job->func (g_task_get_task_data (job->task), cancellable, &job->error);
      if (job->result == NULL && job->error == NULL)
        g_set_error_literal (&job->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "worker job returned neither a result nor an error");
      if (job->result != NULL && job->error != NULL)
        g_clear_error (&job->error);
    }

  /* Not g_main_context_invoke(): when nobody iterates the default context, it would run
   * job_complete right here on the worker. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, job_complete, job, NULL);
  g_source_set_static_name (source, "[layerlab] worker job done");
  context = g_task_get_context (job->task);
  /* From here on, the job belongs to the main context. */
  tsan_release (job);
  g_source_attach (source, context);
  g_source_unref (source);
}

static GThreadPool *
worker_pool (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      g_autoptr(GError) error = NULL;
      GThreadPool *p = g_thread_pool_new (worker_thread_func, NULL, 1, TRUE, &error);

      if (p == NULL)
        g_error ("Cannot start the worker thread: %s", error->message);
      g_once_init_leave (&pool, p);
    }
  return pool;
}

/* Queues task on the worker: func gets the task data and cancellable; its result is
 * returned with result_free as its destroy notify. Takes a reference on task. */
static void
worker_push_task (GTask *task, LlWorkerFunc func, GDestroyNotify result_free)
{
  LlJob *job = g_new0 (LlJob, 1);
  g_autoptr(GError) error = NULL;

  job->task = g_object_ref (task);
  job->func = func;
  job->result_free = result_free;
  tsan_release (job);
  if (!g_thread_pool_push (worker_pool (), job, &error))
    g_error ("Cannot queue a job on the worker thread: %s", error->message);
}

void
ll_worker_run_full_async (LlWorkerFunc func, gpointer data, GDestroyNotify data_free,
                          GDestroyNotify result_free, GCancellable *cancellable,
                          GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, cb, user_data);
  g_task_set_source_tag (task, ll_worker_run_full_async);
  g_task_set_name (task, "[layerlab] worker job");
  g_task_set_task_data (task, data, data_free);
  /* Without a way to free the result, a result that was computed is always delivered,
   * even if the cancellable fired afterwards: dropping it would leak it. */
  g_task_set_check_cancellable (task, result_free != NULL);
  worker_push_task (task, func, result_free);
}

void
ll_worker_run_async (LlWorkerFunc func, gpointer data, GDestroyNotify data_free,
                     GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data)
{
  ll_worker_run_full_async (func, data, data_free, NULL, cancellable, cb, user_data);
}

gpointer
ll_worker_run_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_worker_run_full_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ runner */

struct _LlRunner {
  GObject parent_instance;
  GCancellable *cancellable;  /* of the latest forward request, NULL when idle/cancelled */
};

G_DEFINE_FINAL_TYPE (LlRunner, ll_runner, G_TYPE_OBJECT)

typedef struct {
  LlNetRef *shared;         /* a document's network, copied on the worker */
  nn_net *net;              /* the network that runs (owned) */
  nn_tensor *input;
  guint64 generation;
} ForwardData;

static void
forward_data_free (gpointer data)
{
  ForwardData *fd = data;

  g_clear_pointer (&fd->shared, _ll_net_ref_unref);
  g_clear_pointer (&fd->net, nn_net_free);
  g_clear_pointer (&fd->input, nn_tensor_free);
  g_free (fd);
}

void
ll_run_result_free (LlRunResult *res)
{
  if (res == NULL)
    return;
  nn_run_result_clear (&res->result);
  g_clear_pointer (&res->net, nn_net_free);
  g_free (res);
}

static bool
forward_abort_cb (void *data)
{
  return g_cancellable_is_cancelled (data);
}

/* Runs on the worker thread. */
static gpointer
forward_job (gpointer data, GCancellable *cancellable, GError **error)
{
  ForwardData *fd = data;
  nn_run_opts opts = { 0 };
  nn_error err = { 0 };
  g_autoptr(LlRunResult) res = g_new0 (LlRunResult, 1);
  gint64 start = g_get_monotonic_time ();
  nn_status status;

  if (fd->net == NULL && !(fd->net = nn_net_copy (fd->shared->net, &err)))
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  opts.keep_activations = TRUE;
  opts.abort_cb = forward_abort_cb;
  opts.abort_data = cancellable;
  status = nn_net_forward (fd->net, fd->input, &opts, &res->result, &err);
  if (status == NN_STATUS_ABORTED || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Superseded by a newer run");
      return NULL;
    }
  if (status != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  res->elapsed_ms = (g_get_monotonic_time () - start) / 1000.0;
  res->generation = fd->generation;
  res->net = g_steal_pointer (&fd->net);
  return g_steal_pointer (&res);
}

LlRunner *
ll_runner_new (void)
{
  return g_object_new (LL_TYPE_RUNNER, NULL);
}

void
ll_runner_cancel (LlRunner *self)
{
  g_return_if_fail (LL_IS_RUNNER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* Takes fd. */
static void
forward_start (LlRunner *self, ForwardData *fd, GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;

  /* The latest request wins. */
  ll_runner_cancel (self);
  self->cancellable = g_cancellable_new ();

  task = g_task_new (self, self->cancellable, cb, user_data);
  g_task_set_source_tag (task, ll_runner_forward_async);
  g_task_set_name (task, "[layerlab] forward");
  g_task_set_task_data (task, fd, forward_data_free);
  /* check_cancellable (the default) makes _finish report CANCELLED for a result that
   * was computed but superseded before it reached the main context. */
  worker_push_task (task, forward_job, (GDestroyNotify) ll_run_result_free);
}

void
ll_runner_forward_async (LlRunner *self, nn_net *net, nn_tensor *input, guint64 generation,
                         GAsyncReadyCallback cb, gpointer user_data)
{
  ForwardData *fd;

  g_return_if_fail (LL_IS_RUNNER (self));
  g_return_if_fail (net != NULL);
  g_return_if_fail (input != NULL);

  fd = g_new0 (ForwardData, 1);
  fd->net = net;
  fd->input = input;
  fd->generation = generation;
  forward_start (self, fd, cb, user_data);
}

void
ll_runner_forward_document_async (LlRunner *self, LlDocument *document, nn_tensor *input,
                                  GAsyncReadyCallback cb, gpointer user_data)
{
  ForwardData *fd;

  g_return_if_fail (LL_IS_RUNNER (self));
  g_return_if_fail (LL_IS_DOCUMENT (document));
  g_return_if_fail (input != NULL);

  fd = g_new0 (ForwardData, 1);
  fd->shared = _ll_document_ref_net (document);
  fd->input = input;
  fd->generation = ll_document_get_generation (document);
  forward_start (self, fd, cb, user_data);
}

void
ll_runner_forward_shared_async (LlRunner *self, gpointer net_ref, nn_tensor *input,
                                guint64 generation, GAsyncReadyCallback cb, gpointer user_data)
{
  ForwardData *fd;

  g_return_if_fail (LL_IS_RUNNER (self));
  g_return_if_fail (net_ref != NULL);
  g_return_if_fail (input != NULL);

  fd = g_new0 (ForwardData, 1);
  fd->shared = _ll_net_ref_ref (net_ref);
  fd->input = input;
  fd->generation = generation;
  forward_start (self, fd, cb, user_data);
}

LlRunResult *
ll_runner_forward_finish (LlRunner *self, GAsyncResult *result, GError **error)
{
  GTask *task;

  g_return_val_if_fail (LL_IS_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_runner_forward_async, NULL);

  task = G_TASK (result);
  /* Belt and braces: only the current request may succeed; whatever a superseded or
   * cancelled one produced stays in the task and is freed with it. */
  if (self->cancellable == NULL || g_task_get_cancellable (task) != self->cancellable)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Superseded by a newer run");
      return NULL;
    }
  return g_task_propagate_pointer (task, error);
}

static void
ll_runner_dispose (GObject *object)
{
  LlRunner *self = LL_RUNNER (object);

  ll_runner_cancel (self);
  G_OBJECT_CLASS (ll_runner_parent_class)->dispose (object);
}

static void
ll_runner_class_init (LlRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ll_runner_dispose;
}

static void
ll_runner_init (LlRunner *self)
{
}
