/* ll-runner.h - the one worker thread that runs the engine and HDF5 I/O
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All engine compute and HDF5 I/O is serialized on one thread (OpenBLAS pthread build
 * and stock libhdf5 are not safe to call concurrently). Jobs get immutable snapshots;
 * results come back on the main context. The latest forward request wins: starting a
 * new one cancels the previous, and a cancelled/stale result is never delivered.
 */
#pragma once

#include <gio/gio.h>
#include "nn.h"

G_BEGIN_DECLS

#define LL_ENGINE_ERROR (ll_engine_error_quark ())
GQuark ll_engine_error_quark (void);
/* Maps an nn_error to a GError in LL_ENGINE_ERROR (code = nn_status). */
void ll_set_error_from_nn (GError **error, const nn_error *err);

/* Run a function on the shared worker thread (FIFO). */
typedef gpointer (*LlWorkerFunc) (gpointer data, GCancellable *cancellable, GError **error);
void     ll_worker_run_async  (LlWorkerFunc func, gpointer data, GDestroyNotify data_free,
                               GCancellable *cancellable, GAsyncReadyCallback cb, gpointer user_data);
gpointer ll_worker_run_finish (GAsyncResult *result, GError **error);
/* Added: like ll_worker_run_async, with a destroy notify for func's result. A job still
 * queued when cancellable fires does not run. With result_free, a result that arrives
 * after cancellation is freed and _finish reports G_IO_ERROR_CANCELLED; without it
 * (ll_worker_run_async), a computed result is always delivered. Finish with
 * ll_worker_run_finish(). Callbacks run on the thread-default main context of the caller. */
void     ll_worker_run_full_async (LlWorkerFunc func, gpointer data, GDestroyNotify data_free,
                                   GDestroyNotify result_free, GCancellable *cancellable,
                                   GAsyncReadyCallback cb, gpointer user_data);

#define LL_TYPE_RUNNER (ll_runner_get_type ())
G_DECLARE_FINAL_TYPE (LlRunner, ll_runner, LL, RUNNER, GObject)

typedef struct {
  nn_net *net;              /* the snapshot that ran (owned) */
  nn_run_result result;     /* with activations */
  guint64 generation;       /* document generation of the snapshot */
  double elapsed_ms;
} LlRunResult;

void ll_run_result_free (LlRunResult *res);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlRunResult, ll_run_result_free)

LlRunner *ll_runner_new (void);
/* Takes ownership of net and input. Cancels any forward still in flight. */
void         ll_runner_forward_async  (LlRunner *self, nn_net *net, nn_tensor *input, guint64 generation,
                                       GAsyncReadyCallback cb, gpointer user_data);
/* NULL with G_IO_ERROR_CANCELLED for a superseded run. */
LlRunResult *ll_runner_forward_finish (LlRunner *self, GAsyncResult *result, GError **error);
void         ll_runner_cancel         (LlRunner *self);

/* Added: runs the document's current network (and stamps its generation) without
 * copying it on the main thread: the copy happens on the worker, so even a VGG-16
 * request returns at once. Takes ownership of input. Same latest-wins rules. */
typedef struct _LlDocument LlDocument;
void         ll_runner_forward_document_async (LlRunner *self, LlDocument *document, nn_tensor *input,
                                               GAsyncReadyCallback cb, gpointer user_data);
/* Added by the training work: runs net_ref, an LlNetRef (ll-document-private.h) such as
 * a training snapshot, which the worker copies, stamped with generation; takes a
 * reference on net_ref and takes input. Same latest-wins rules. */
void         ll_runner_forward_shared_async (LlRunner *self, gpointer net_ref, nn_tensor *input,
                                             guint64 generation, GAsyncReadyCallback cb,
                                             gpointer user_data);

G_END_DECLS
