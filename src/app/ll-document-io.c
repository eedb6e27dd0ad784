/* ll-document-io.c - loading and saving documents on the worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker never sees a network the main thread changes: a save writes the committed
 * network it shares read-only, a weights load fills its own copy of it, which replaces
 * the document's network when (and only when) it worked. The engine saves atomically,
 * so a failed save leaves the old file and the document as they were.
 */
#define G_LOG_DOMAIN "ll-document"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ll-document-private.h"
#include "ll-runner.h"

/* Runs on the worker: an error that names the file, whatever the engine wrote. */
static void
set_file_error (GError **error, const nn_error *err, const char *path)
{
  g_autofree char *name = g_filename_display_basename (path);

  if (strstr (err->message, name) != NULL || strstr (err->message, path) != NULL)
    ll_set_error_from_nn (error, err);
  else
    g_set_error (error, LL_ENGINE_ERROR, err->status != NN_OK ? err->status : NN_STATUS_IO,
                 "%s: %s", name, err->message[0] ? err->message : nn_status_to_string (err->status));
}

static char *
local_path (GFile *file, GError **error)
{
  char *path = g_file_get_path (file);

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("“%s” is not a local file"), uri);
    }
  return path;
}

static gpointer
load_job (gpointer data, GCancellable *cancellable, GError **error)
{
  const char *path = data;
  nn_error err = { 0 };
  nn_net *net = NULL;

  if (nn_file_open_model (path, NULL, &net, &err) != NN_OK)
    {
      set_file_error (error, &err, path);
      return NULL;
    }
  return net;
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  LlDocument *self;
  nn_net *net;

  if (!(net = ll_worker_run_finish (result, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self = ll_document_new_for_net (net);
  _ll_document_set_file (self, g_task_get_task_data (task));
  g_task_return_pointer (task, self, g_object_unref);
}

void
ll_document_load_async (GFile *file, GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  char *path;

  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (NULL, cancellable, cb, user_data);
  g_task_set_source_tag (task, ll_document_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (!(path = local_path (file, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ll_worker_run_full_async (load_job, path, g_free, (GDestroyNotify) nn_net_free, cancellable,
                            load_done, g_steal_pointer (&task));
}

LlDocument *
ll_document_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_document_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  LlNetRef *shared;         /* the document's network when the job started (read-only) */
  nn_net *net;              /* load weights: the worker's copy of it */
  char *path;
  gboolean weights_only;
} FileJob;

static void
file_job_free (gpointer data)
{
  FileJob *job = data;

  g_clear_pointer (&job->shared, _ll_net_ref_unref);
  g_clear_pointer (&job->net, nn_net_free);
  g_free (job->path);
  g_free (job);
}

static gpointer
save_job (gpointer data, GCancellable *cancellable, GError **error)
{
  FileJob *job = data;
  nn_error err = { 0 };
  nn_status status;

  status = nn_file_save (job->path, job->shared->net, job->weights_only, &err);
  if (status != NN_OK)
    {
      set_file_error (error, &err, job->path);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

typedef struct {
  GFile *file;
  guint64 state;            /* the state that is being written */
  guint64 generation;       /* for load weights: the network it was loaded into */
  gboolean weights_only;
} FileOp;

static void
file_op_free (gpointer data)
{
  FileOp *op = data;

  g_clear_object (&op->file);
  g_free (op);
}

static GTask *
file_op_task_new (LlDocument *self, GFile *file, gpointer tag, GCancellable *cancellable,
                  GAsyncReadyCallback cb, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, cb, user_data);
  FileOp *op = g_new0 (FileOp, 1);

  op->file = g_object_ref (file);
  op->state = _ll_document_get_state (self);
  op->generation = ll_document_get_generation (self);
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, op, file_op_free);
  return task;
}

static void
save_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  LlDocument *self = g_task_get_source_object (task);
  FileOp *op = g_task_get_task_data (task);

  _ll_document_set_busy (self, FALSE);
  if (!ll_worker_run_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!op->weights_only)
    {
      /* What is on disk is the state the save started from, edits since stay modified. */
      _ll_document_set_file (self, op->file);
      _ll_document_mark_saved (self, op->state);
    }
  g_task_return_boolean (task, TRUE);
}

void
ll_document_save_async (LlDocument *self, GFile *file, gboolean weights_only, GCancellable *cancellable,
                        GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  FileJob *job;

  g_return_if_fail (LL_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = file_op_task_new (self, file, ll_document_save_async, cancellable, cb, user_data);
  ((FileOp *) g_task_get_task_data (task))->weights_only = weights_only;
  /* Once written, a file is saved: report that even if cancelled meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  job = g_new0 (FileJob, 1);
  job->weights_only = weights_only;
  if (!(job->path = local_path (file, &error)))
    {
      file_job_free (job);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->shared = _ll_document_ref_net (self);
  _ll_document_set_busy (self, TRUE);
  ll_worker_run_async (save_job, job, file_job_free, cancellable, save_done, g_steal_pointer (&task));
}

gboolean
ll_document_save_finish (LlDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_document_save_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gpointer
load_weights_job (gpointer data, GCancellable *cancellable, GError **error)
{
  FileJob *job = data;
  nn_error err = { 0 };

  if (!(job->net = nn_net_copy (job->shared->net, &err)))
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  if (nn_file_load_weights (job->path, job->net, &err) != NN_OK)
    {
      set_file_error (error, &err, job->path);
      return NULL;
    }
  return g_steal_pointer (&job->net);
}

static void
load_weights_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  LlDocument *self = g_task_get_source_object (task);
  FileOp *op = g_task_get_task_data (task);
  nn_net *net;

  _ll_document_set_busy (self, FALSE);
  if (!(net = ll_worker_run_finish (result, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (op->generation != ll_document_get_generation (self))
    {
      /* The weights went into the network as it was when loading started. */
      g_autofree char *name = g_file_get_basename (op->file);
      g_autofree char *display = g_filename_display_name (name);

      nn_net_free (net);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The network changed while the weights in “%s” were loading; load them again"),
                               display);
      return;
    }
  ll_document_replace_net (self, net, _("Load Weights"));
  g_task_return_boolean (task, TRUE);
}

void
ll_document_load_weights_async (LlDocument *self, GFile *file, GCancellable *cancellable,
                                GAsyncReadyCallback cb, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  FileJob *job;

  g_return_if_fail (LL_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = file_op_task_new (self, file, ll_document_load_weights_async, cancellable, cb, user_data);
  job = g_new0 (FileJob, 1);
  if (!(job->path = local_path (file, &error)))
    {
      file_job_free (job);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->shared = _ll_document_ref_net (self);
  _ll_document_set_busy (self, TRUE);
  ll_worker_run_full_async (load_weights_job, job, file_job_free, (GDestroyNotify) nn_net_free,
                            cancellable, load_weights_done, g_steal_pointer (&task));
}

gboolean
ll_document_load_weights_finish (LlDocument *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (LL_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ll_document_load_weights_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
