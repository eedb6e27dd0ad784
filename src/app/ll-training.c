/* ll-training.c - trains a copy of a document's network on the worker, in short jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training shares the one worker thread (OpenBLAS and HDF5 must be called from one
 * thread at a time), so it never holds it for long: each job runs batches for about
 * 0.2 s and returns, and the main thread queues the next one. Forward passes for the
 * activations page, weight views and saves run in between, pausing is simply not
 * queueing the next job, and stopping takes effect within one job.
 *
 * The session (network copy, trainer, data) is touched by one job at a time, and by the
 * main thread only while no job is in flight (self->busy is FALSE).
 */
#define G_LOG_DOMAIN "ll-training"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "ll-runner.h"
#include "ll-training.h"

#define CHUNK_US (200 * 1000)         /* worker time per job */
#define SNAPSHOT_US (500 * 1000)      /* how often the views get the training network */
#define STEPS_PER_EPOCH 20            /* training curve points per epoch (at most) */

void
ll_training_settings_init (LlTrainingSettings *settings)
{
  memset (settings, 0, sizeof *settings);
  settings->val_fraction = 0.0;
  settings->loss = NN_LOSS_CROSS_ENTROPY;
  nn_optim_config_init (&settings->optim, NN_OPTIM_ADAM);
  settings->epochs = 5;
  settings->batch = 64;
  settings->shuffle = TRUE;
  settings->fit = NN_FIT_CENTER_CROP;
}

void
ll_training_settings_clear (LlTrainingSettings *settings)
{
  g_clear_pointer (&settings->data, g_free);
}

void
ll_training_settings_from_record (LlTrainingSettings *s, const nn_training_record *r)
{
  ll_training_settings_init (s);
  s->data = r->data[0] != '\0' ? g_strdup (r->data) : NULL;
  s->val_fraction = r->validation_fraction;
  s->loss = r->loss;
  s->optim = r->optim;
  if (r->epochs >= 1)
    s->epochs = r->epochs;
  if (r->batch_size >= 1)
    s->batch = r->batch_size;
  s->seed = r->seed;
  s->shuffle = r->shuffle;
  /* the free text as record_training and layerlab-cli train write it */
  s->fit = strstr (r->preprocessing, "fit=resize") != NULL ? NN_FIT_RESIZE : NN_FIT_CENTER_CROP;
}

static void
settings_copy (LlTrainingSettings *dst, const LlTrainingSettings *src)
{
  *dst = *src;
  dst->data = g_strdup (src->data);
}

/* ------------------------------------------------------------------ session */

typedef struct {
  gint ref_count;
  LlTrainingSettings settings;
  LlNetRef *source;             /* the document's network when training started */
  nn_net *net;                  /* the copy that trains */
  nn_trainer *tr;
  nn_dataset *train, *val;
  nn_batcher batcher;
  gint64 *order;                /* sample order of the current epoch */
  gint64 epoch_base;            /* epochs in the history before this run */
  gint64 epoch;                 /* current epoch of this run, from 0 */
  gint64 next;                  /* position in order */
  double loss_sum;
  gint64 hits;
  gint64 batch_index;           /* batches done in the current epoch */
  double part_loss;             /* since the last point of the training curve: */
  gint64 part_hits, part_count;
  gint64 steps;                 /* optimizer steps in all epochs */
  double epoch_seconds, total_seconds;   /* worker time */
  gint64 last_snapshot;         /* monotonic µs */
  int k;                        /* outputs (classes) */
  gint64 *confusion;
  gboolean val_is_test_split;
} Session;

static Session *
session_ref (Session *s)
{
  g_atomic_int_inc (&s->ref_count);
  return s;
}

static void
session_unref (Session *s)
{
  if (s == NULL || !g_atomic_int_dec_and_test (&s->ref_count))
    return;
  ll_training_settings_clear (&s->settings);
  g_clear_pointer (&s->source, _ll_net_ref_unref);
  nn_trainer_free (s->tr);
  nn_net_free (s->net);
  nn_dataset_free (s->train);
  nn_dataset_free (s->val);
  nn_batcher_clear (&s->batcher);
  g_free (s->order);
  g_free (s->confusion);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static gint64
n_batches (const Session *s)
{
  return (s->train->n + s->settings.batch - 1) / s->settings.batch;
}

/* ------------------------------------------------------------------ worker jobs */

/* Validation: a held-out part, the data's test split, or none. */
static nn_status
load_validation (Session *s, const nn_preprocess *pp, nn_error *err)
{
  const char *spec = s->settings.data;

  if (s->settings.val_fraction > 0.0)
    return nn_dataset_split (s->train, s->settings.val_fraction, s->settings.seed, &s->val, err);
  if (nn_dataset_has_split (spec, "test"))
    {
      s->val_is_test_split = TRUE;
      return nn_dataset_load_for_net (spec, "test", s->net, pp, &s->val, err);
    }
  return NN_OK;
}

static gpointer
load_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Session *s = data;
  nn_preprocess pp = { .fit = s->settings.fit };
  nn_error err = { 0 };
  nn_shape out;

  if (!(s->net = nn_net_copy (s->source->net, &err))
      || nn_dataset_load_for_net (s->settings.data, "train", s->net, &pp, &s->train, &err) != NN_OK
      || load_validation (s, &pp, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  if (s->train->n < 1)
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_INVALID_ARG,
                   _("%s: no training samples are left"), s->settings.data);
      return NULL;
    }
  out = nn_net_output_shape (s->net);
  s->k = (int) out.d[0];
  if (!(s->tr = nn_trainer_new (s->net, s->settings.loss, &s->settings.optim, s->settings.seed, &err))
      || nn_batcher_init (&s->batcher, s->train, s->settings.batch,
                          s->settings.loss == NN_LOSS_MSE ? s->k : 0, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

typedef struct {
  gboolean epoch_done;
  LlEpochRecord record;
  gboolean all_done;
  nn_net *snapshot;
  GArray *steps;                /* LlStepRecord: the training curve's new points */
} ChunkResult;

static void
chunk_result_free (gpointer p)
{
  ChunkResult *r = p;

  nn_net_free (r->snapshot);
  g_array_unref (r->steps);
  g_free (r);
}

static bool
abort_cb (void *data)
{
  return g_cancellable_is_cancelled (data);
}

/* Whether batch b (from 1) of n ends a part of the epoch that gets a point of the
 * training curve: every batch of an epoch with fewer than STEPS_PER_EPOCH batches, else
 * the last batch of each STEPS_PER_EPOCH-th (each part has at least one batch). */
static gboolean
ends_part (gint64 b, gint64 n)
{
  return n <= STEPS_PER_EPOCH || b >= n
         || (b * STEPS_PER_EPOCH) / n != ((b - 1) * STEPS_PER_EPOCH) / n;
}

static gboolean
train_step (Session *s, GArray *steps, GCancellable *cancellable, GError **error)
{
  nn_run_opts opts = { .abort_cb = abort_cb, .abort_data = cancellable };
  gint64 count = MIN (s->settings.batch, s->train->n - s->next);
  nn_error err = { 0 };
  double loss = 0.0;
  int64_t correct = 0;
  nn_batch batch;

  nn_batcher_fill (&s->batcher, s->train, s->order + s->next, count, &batch);
  if (nn_trainer_step (s->tr, &batch, &opts, &loss, &correct, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return FALSE;
    }
  if (!isfinite (loss))
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_INVALID_ARG,
                   _("Training diverged (the loss is %g): try a smaller learning rate."), loss);
      return FALSE;
    }
  s->loss_sum += loss * (double) count;
  s->hits += correct;
  s->next += count;
  s->steps++;
  s->batch_index++;
  s->part_loss += loss * (double) count;
  s->part_hits += correct;
  s->part_count += count;
  if (ends_part (s->batch_index, n_batches (s)))
    {
      LlStepRecord p = {
        .epoch = s->epoch_base + s->epoch + 1,
        .x = (double) (s->epoch_base + s->epoch) + (double) s->next / (double) s->train->n,
        .loss = s->part_loss / (double) s->part_count,
        .acc = s->settings.loss == NN_LOSS_CROSS_ENTROPY
               ? (double) s->part_hits / (double) s->part_count : NAN,
      };

      g_array_append_val (steps, p);
      s->part_loss = 0.0;
      s->part_hits = s->part_count = 0;
    }
  return TRUE;
}

/* The epoch's record, with the validation data's loss and accuracy. */
static gboolean
finish_epoch (Session *s, ChunkResult *r, GCancellable *cancellable, GError **error)
{
  nn_run_opts opts = { .abort_cb = abort_cb, .abort_data = cancellable };
  gboolean ce = s->settings.loss == NN_LOSS_CROSS_ENTROPY;
  nn_error err = { 0 };
  int64_t hits = 0;
  double loss = 0.0;

  r->epoch_done = TRUE;
  r->record.epoch = s->epoch_base + s->epoch + 1;
  r->record.train_loss = s->loss_sum / (double) s->train->n;
  r->record.train_acc = ce ? (double) s->hits / (double) s->train->n : NAN;
  r->record.val_loss = r->record.val_acc = NAN;
  if (s->val != NULL && s->val->n > 0)
    {
      if (nn_dataset_evaluate (s->net, s->val, s->settings.loss, s->settings.batch, &opts, &loss,
                               &hits, NULL, &err) != NN_OK)
        {
          ll_set_error_from_nn (error, &err);
          return FALSE;
        }
      r->record.val_loss = loss;
      r->record.val_acc = ce ? (double) hits / (double) s->val->n : NAN;
    }
  g_clear_pointer (&s->order, g_free);
  s->epoch++;
  r->all_done = s->epoch >= s->settings.epochs;
  return TRUE;
}

static gpointer
chunk_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Session *s = data;
  g_autoptr(GError) local = NULL;
  gint64 start = g_get_monotonic_time ();
  ChunkResult *r = g_new0 (ChunkResult, 1);
  nn_error err = { 0 };
  gboolean ok = TRUE;

  r->steps = g_array_new (FALSE, FALSE, sizeof (LlStepRecord));
  if (s->order == NULL)
    {
      /* counted on from the recorded epochs: a continued run does not repeat their orders */
      s->order = (gint64 *) nn_dataset_epoch_order (s->train->n, s->settings.shuffle,
                                                    s->settings.seed, s->epoch_base + s->epoch);
      s->next = 0;
      s->loss_sum = 0.0;
      s->hits = 0;
      s->batch_index = 0;
      s->part_loss = 0.0;
      s->part_hits = s->part_count = 0;
      s->epoch_seconds = 0.0;
      if (s->order == NULL)
        ok = (g_set_error_literal (&local, G_IO_ERROR, G_IO_ERROR_FAILED, _("Out of memory")), FALSE);
    }
  while (ok && s->next < s->train->n && g_get_monotonic_time () - start < CHUNK_US
         && !g_cancellable_is_cancelled (cancellable))
    ok = train_step (s, r->steps, cancellable, &local);
  s->epoch_seconds += (g_get_monotonic_time () - start) / 1e6;
  if (ok && s->next >= s->train->n)
    {
      r->record.seconds = s->epoch_seconds;
      ok = finish_epoch (s, r, cancellable, &local);
    }
  s->total_seconds += (g_get_monotonic_time () - start) / 1e6;
  if (ok && (r->epoch_done || g_get_monotonic_time () - s->last_snapshot >= SNAPSHOT_US))
    {
      if (!(r->snapshot = nn_net_copy (s->net, &err)))
        ok = (ll_set_error_from_nn (&local, &err), FALSE);
      s->last_snapshot = g_get_monotonic_time ();
    }
  if (!ok)
    {
      chunk_result_free (r);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return r;
}

/* After the last step: the confusion matrix, and a network without gradient buffers. */
static gpointer
final_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Session *s = data;
  const nn_dataset *ds = s->val != NULL && s->val->n > 0 ? s->val : s->train;
  nn_run_opts opts = { .abort_cb = abort_cb, .abort_data = cancellable };
  nn_error err = { 0 };
  int64_t hits = 0;
  double loss = 0.0;

  g_clear_pointer (&s->tr, nn_trainer_free);
  for (int i = 0; i < s->net->n_layers; i++)
    {
      g_clear_pointer (&s->net->layers[i].grad_weight, nn_tensor_free);
      g_clear_pointer (&s->net->layers[i].grad_bias, nn_tensor_free);
    }
  if (s->settings.loss != NN_LOSS_CROSS_ENTROPY)
    return GINT_TO_POINTER (TRUE);
  s->confusion = g_new0 (gint64, (gsize) s->k * (gsize) s->k);
  if (nn_dataset_evaluate (s->net, ds, NN_LOSS_CROSS_ENTROPY, s->settings.batch, &opts, &loss,
                           &hits, (int64_t *) s->confusion, &err) != NN_OK)
    {
      g_clear_pointer (&s->confusion, g_free);
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

/* ------------------------------------------------------------------ progress */

/* What the page shows, copied out of the session while no job runs: the main thread
 * paints at any time, also while the next job changes the session. */
typedef struct {
  gint64 epoch, batch, n_batch;
  double fraction, seconds_left;
  double loss, acc;             /* running, this epoch; NaN before its first step */
} Progress;

static void
progress_compute (const Session *s, Progress *p)
{
  double total, done;

  *p = (Progress) { .seconds_left = -1.0, .loss = NAN, .acc = NAN };
  if (s == NULL || s->train == NULL)
    return;
  p->n_batch = n_batches (s);
  p->epoch = s->epoch_base + MIN (s->epoch + 1, s->settings.epochs);
  p->batch = s->order != NULL ? (s->next + s->settings.batch - 1) / s->settings.batch
                              : s->epoch >= s->settings.epochs ? p->n_batch : 0;
  total = (double) s->settings.epochs * (double) s->train->n;
  done = (double) MIN (s->epoch, s->settings.epochs) * (double) s->train->n
         + (s->order != NULL ? (double) s->next : 0.0);
  p->fraction = total > 0 ? done / total : 0.0;
  if (done > 0 && s->total_seconds > 0.5)
    p->seconds_left = s->total_seconds / done * (total - done);
  if (s->order != NULL && s->next > 0)
    {
      p->loss = s->loss_sum / (double) s->next;
      if (s->settings.loss == NN_LOSS_CROSS_ENTROPY)
        p->acc = (double) s->hits / (double) s->next;
    }
}

/* ------------------------------------------------------------------ object */

struct _LlTraining {
  GObject parent_instance;

  LlDocument *document;
  guint64 base_generation;      /* the document's when training started */
  Session *session;
  GCancellable *cancellable;    /* of the session's jobs */
  LlTrainingState state;
  gboolean busy;                /* a job of the session is in flight */
  gboolean finishing;           /* every epoch ran: apply when the final job is done */
  gboolean applying;
  GArray *history;              /* LlEpochRecord: the record's epochs, then this run's */
  GArray *steps;                /* LlStepRecord of the epochs trained here */
  nn_training_record *record;   /* a copy of the document's, as last shown (or NULL) */
  char *message;
  Progress progress;            /* the session's, copied between jobs */
  LlTrainingSettings settings;  /* of the last run that started */
  gint64 run_base;              /* the epochs recorded before it */
  gboolean has_run;
  /* kept from the last session for the views */
  gint64 *confusion;
  int k;
  char **class_names;
  gint64 n_train, n_val;
};

G_DEFINE_FINAL_TYPE (LlTraining, ll_training, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_PROGRESS,
  SIGNAL_EPOCH,
  SIGNAL_SNAPSHOT,
  SIGNAL_RESTORED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (LlTraining *self, LlTrainingState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_message (LlTraining *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
}

/* Forgets the session; jobs still in flight finish on their own and are ignored. */
static void
drop_session (LlTraining *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->session, session_unref);
  self->busy = FALSE;
  self->finishing = FALSE;
  progress_compute (NULL, &self->progress);
}

static void
fail (LlTraining *self, const char *message)
{
  set_message (self, message);
  drop_session (self);
  set_state (self, LL_TRAINING_FAILED);
}

typedef void (*JobDone) (LlTraining *self, gpointer result, GError *error);

static void chunk_done (LlTraining *self, gpointer result, GError *error);
static void final_done (LlTraining *self, gpointer result, GError *error);

typedef struct {
  LlTraining *self;             /* strong: jobs are short */
  Session *session;             /* which session the job belongs to */
  JobDone done;
} JobState;

static void
job_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JobState *js = user_data;
  LlTraining *self = js->self;
  g_autoptr(GError) error = NULL;
  gpointer res = ll_worker_run_finish (result, &error);

  if (self->session == js->session && self->session != NULL)
    {
      self->busy = FALSE;
      progress_compute (self->session, &self->progress);
      js->done (self, res, error);
    }
  else if (res != NULL && js->done == chunk_done)
    chunk_result_free (res);
  g_object_unref (js->self);
  g_free (js);
}

static void
queue_job (LlTraining *self, LlWorkerFunc func, JobDone done)
{
  JobState *js = g_new0 (JobState, 1);

  g_assert (!self->busy);
  js->self = g_object_ref (self);
  js->session = self->session;
  js->done = done;
  self->busy = TRUE;
  ll_worker_run_async (func, session_ref (self->session), (GDestroyNotify) session_unref,
                       self->cancellable, job_cb, js);
}

/* What comes after a job: the next chunk, the final job, or nothing (paused). */
static void
continue_session (LlTraining *self)
{
  if (self->state == LL_TRAINING_STOPPING || self->finishing)
    queue_job (self, final_job, final_done);
  else if (self->state == LL_TRAINING_RUNNING)
    queue_job (self, chunk_job, chunk_done);
}

static void
load_done (LlTraining *self, gpointer result, GError *error)
{
  if (result == NULL)
    {
      fail (self, error->message);
      return;
    }
  self->n_train = self->session->train->n;
  self->n_val = self->session->val != NULL ? self->session->val->n : 0;
  if (self->state == LL_TRAINING_LOADING)
    set_state (self, LL_TRAINING_RUNNING);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  continue_session (self);
}

static void
chunk_done (LlTraining *self, gpointer result, GError *error)
{
  ChunkResult *r = result;

  if (r == NULL)
    {
      fail (self, error->message);
      return;
    }
  g_array_append_vals (self->steps, r->steps->data, r->steps->len);
  if (r->epoch_done)
    g_array_append_val (self->history, r->record);
  if (r->snapshot != NULL)
    {
      LlNetRef *ref = _ll_net_ref_new (g_steal_pointer (&r->snapshot));

      g_signal_emit (self, signals[SIGNAL_SNAPSHOT], 0, ref);
      _ll_net_ref_unref (ref);
    }
  self->finishing = r->all_done;
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  if (r->epoch_done)
    g_signal_emit (self, signals[SIGNAL_EPOCH], 0, r->record.epoch);
  chunk_result_free (r);
  /* a handler may have stopped or dropped the session */
  if (self->session != NULL && !self->busy)
    continue_session (self);
}

static void
final_done (LlTraining *self, gpointer result, GError *error)
{
  if (result == NULL)
    {
      fail (self, error->message);
      return;
    }
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  self->confusion = g_steal_pointer (&self->session->confusion);
  self->k = self->session->k;
  /* the data set's names (Fashion-MNIST's, a class folder's), the index past them */
  self->class_names = g_new0 (char *, (gsize) self->k + 1);
  for (int i = 0; i < self->k; i++)
    {
      const char *name = nn_dataset_class_name (self->session->train, i);

      self->class_names[i] = name != NULL ? g_strdup (name) : g_strdup_printf ("%d", i);
    }
  if (!self->finishing)
    {
      set_message (self, self->session->steps > 0
                   ? _("Training stopped. Apply the weights it reached, or discard them.")
                   : _("Training stopped before the first step."));
      set_state (self, LL_TRAINING_STOPPED);
      return;
    }
  ll_training_apply (self, NULL);
}

/* ------------------------------------------------------------------ the document's record */

static const nn_training_record *
document_record (LlTraining *self)
{
  return self->document != NULL ? ll_document_get_net (self->document)->training : NULL;
}

/* The history is the record's epochs again, and the training curve keeps only its
 * points of those epochs (a discarded or failed run's go). */
static void
show_record (LlTraining *self)
{
  const nn_training_record *r = self->record;
  gint64 n = r != NULL ? r->n_history : 0;
  guint keep = 0;

  g_array_set_size (self->history, 0);
  for (gint64 i = 0; i < n; i++)
    {
      const nn_training_epoch *e = &r->history[i];
      LlEpochRecord h = { i + 1, e->train_loss, e->train_accuracy, e->val_loss, e->val_accuracy,
                          e->seconds };

      g_array_append_val (self->history, h);
    }
  while (keep < self->steps->len && g_array_index (self->steps, LlStepRecord, keep).epoch <= n)
    keep++;
  g_array_set_size (self->steps, keep);
}

/* Shows the document's training record when it differs from the one shown (another
 * document, undo or redo of a training, a file opened): its history, and "restored"
 * tells the page to show its settings. */
static void
sync_record (LlTraining *self, gboolean new_document)
{
  const nn_training_record *r = document_record (self);

  if (!new_document && nn_training_record_equal (self->record, r))
    return;
  nn_training_record_free (self->record);
  /* out of memory: shown as no record */
  self->record = nn_training_record_copy (r, NULL);
  /* the finer points belong to the record they were trained for */
  g_array_set_size (self->steps, 0);
  show_record (self);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  self->n_train = self->n_val = 0;
  self->has_run = FALSE;
  if (self->state == LL_TRAINING_FINISHED)
    {
      set_message (self, NULL);
      set_state (self, LL_TRAINING_IDLE);
    }
  g_signal_emit (self, signals[SIGNAL_RESTORED], 0, new_document);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

/* An edit (or undo) while training runs: the result no longer fits the document. */
static void
document_changed_cb (LlTraining *self)
{
  if (self->applying)
    return;
  if (self->session != NULL && ll_document_get_generation (self->document) != self->base_generation)
    fail (self, _("Training stopped because the network was edited; its result was dropped."));
  if (self->session == NULL)
    sync_record (self, FALSE);
}

LlTraining *
ll_training_new (void)
{
  return g_object_new (LL_TYPE_TRAINING, NULL);
}

void
ll_training_set_document (LlTraining *self, LlDocument *document)
{
  g_return_if_fail (LL_IS_TRAINING (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  drop_session (self);
  set_message (self, NULL);
  g_set_object (&self->document, document);
  if (document != NULL)
    g_signal_connect_object (document, "changed", G_CALLBACK (document_changed_cb), self,
                             G_CONNECT_SWAPPED);
  set_state (self, LL_TRAINING_IDLE);
  sync_record (self, TRUE);
}

gboolean
ll_training_is_active (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), FALSE);

  return self->state >= LL_TRAINING_LOADING && self->state <= LL_TRAINING_STOPPING;
}

static gboolean
check_settings (LlTraining *self, const LlTrainingSettings *settings, GError **error)
{
  const nn_net *net = ll_document_get_net (self->document);

  if (settings->data == NULL || settings->data[0] == '\0')
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("Choose a data set to train on."));
  else if (net->n_layers == 0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("Add layers before training."));
  else if (net->first_error >= 0)
    /* Translators: %d is a layer index */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("Fix the error in layer %d before training."), net->first_error);
  else if (settings->epochs < 1 || settings->batch < 1 || settings->optim.lr <= 0.0
           || settings->val_fraction < 0.0 || settings->val_fraction >= 1.0)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         _("The training settings are out of range."));
  else
    return TRUE;
  return FALSE;
}

gboolean
ll_training_start (LlTraining *self, const LlTrainingSettings *settings, GError **error)
{
  Session *s;

  g_return_val_if_fail (LL_IS_TRAINING (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (self->document != NULL, FALSE);

  if (ll_training_is_active (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Training is already running."));
      return FALSE;
    }
  if (!check_settings (self, settings, error))
    return FALSE;
  drop_session (self);
  s = g_new0 (Session, 1);
  s->ref_count = 1;
  settings_copy (&s->settings, settings);
  s->source = _ll_document_ref_net (self->document);
  s->last_snapshot = g_get_monotonic_time ();
  /* the history goes on from the document's record */
  sync_record (self, FALSE);
  show_record (self);
  s->epoch_base = self->run_base = (gint64) self->history->len;
  self->session = s;
  self->cancellable = g_cancellable_new ();
  self->base_generation = ll_document_get_generation (self->document);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  self->n_train = self->n_val = 0;
  ll_training_settings_clear (&self->settings);
  settings_copy (&self->settings, settings);
  self->has_run = TRUE;
  set_message (self, NULL);
  set_state (self, LL_TRAINING_LOADING);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  queue_job (self, load_job, load_done);
  return TRUE;
}

void
ll_training_pause (LlTraining *self)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  if (self->state == LL_TRAINING_RUNNING && !self->finishing)
    set_state (self, LL_TRAINING_PAUSED);
}

void
ll_training_resume (LlTraining *self)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  if (self->state != LL_TRAINING_PAUSED)
    return;
  set_state (self, LL_TRAINING_RUNNING);
  if (!self->busy)
    continue_session (self);
}

void
ll_training_stop (LlTraining *self)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  if (self->state == LL_TRAINING_LOADING)
    {
      drop_session (self);
      set_message (self, _("Training stopped before the first step."));
      set_state (self, LL_TRAINING_IDLE);
      return;
    }
  if ((self->state != LL_TRAINING_RUNNING && self->state != LL_TRAINING_PAUSED)
      || self->finishing)
    return;
  set_state (self, LL_TRAINING_STOPPING);
  if (!self->busy)
    continue_session (self);
}

/* The settings and history go into the model file with the weights (net->training). */
static gboolean
record_training (LlTraining *self, nn_net *net, GError **error)
{
  const LlTrainingSettings *set = &self->session->settings;
  nn_training_record *r = nn_training_record_new ();
  nn_error err = { 0 };

  if (r == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Out of memory"));
      return FALSE;
    }
  g_strlcpy (r->data, set->data, sizeof r->data);
  if (self->session->val_is_test_split)
    g_strlcpy (r->validation_data, set->data, sizeof r->validation_data);
  /* worded like layerlab-cli train's record */
  g_strlcpy (r->preprocessing, set->fit == NN_FIT_RESIZE ? "fit=resize, scale [0, 1]"
                                                         : "fit=centre crop, scale [0, 1]",
             sizeof r->preprocessing);
  r->loss = set->loss;
  r->optim = set->optim;
  /* asked for in this run, as layerlab-cli train records it: reopened, the page offers
   * the same run again, not one as long as the whole history */
  r->epochs = set->epochs;
  r->batch_size = set->batch;
  r->seed = set->seed;
  r->shuffle = set->shuffle;
  r->validation_fraction = set->val_fraction;
  for (guint i = 0; i < self->history->len; i++)
    {
      const LlEpochRecord *h = &g_array_index (self->history, LlEpochRecord, i);
      nn_training_epoch e = { h->train_loss, h->train_acc, h->val_loss, h->val_acc, h->seconds };

      if (nn_training_record_add_epoch (r, &e, &err) != NN_OK)
        {
          nn_training_record_free (r);
          ll_set_error_from_nn (error, &err);
          return FALSE;
        }
    }
  nn_training_record_free (net->training);
  net->training = r;
  return TRUE;
}

/* The epochs of this run, as the undo label counts them */
static gint64
epochs_done (LlTraining *self)
{
  return (gint64) self->history->len - self->session->epoch_base;
}

gboolean
ll_training_apply (LlTraining *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean finished;
  nn_net *net;
  gboolean ok;

  g_return_val_if_fail (LL_IS_TRAINING (self), FALSE);

  finished = self->finishing;
  if (self->session == NULL || self->busy || (self->state != LL_TRAINING_STOPPED && !finished)
      || self->session->net == NULL || self->session->steps == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There are no trained weights to apply."));
      return FALSE;
    }
  if (!record_training (self, self->session->net, error))
    return FALSE;
  /* the document owns the network now, or freed it */
  net = g_steal_pointer (&self->session->net);
  self->applying = TRUE;
  ok = ll_document_apply_training (self->document, net, self->base_generation, epochs_done (self),
                                   &local);
  self->applying = FALSE;
  if (!ok)
    {
      fail (self, local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  drop_session (self);
  /* the document's record is the history shown: nothing to restore */
  nn_training_record_free (self->record);
  self->record = nn_training_record_copy (document_record (self), NULL);
  set_message (self, NULL);
  set_state (self, finished ? LL_TRAINING_FINISHED : LL_TRAINING_IDLE);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
  return TRUE;
}

void
ll_training_discard (LlTraining *self)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  if (self->state != LL_TRAINING_STOPPED)
    return;
  drop_session (self);
  /* the plots show the document's training again, without the discarded run */
  show_record (self);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_pointer (&self->class_names, g_strfreev);
  set_message (self, NULL);
  set_state (self, LL_TRAINING_IDLE);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0);
}

LlTrainingState
ll_training_get_state (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), LL_TRAINING_IDLE);

  return self->state;
}

const LlTrainingSettings *
ll_training_get_settings (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  return self->has_run ? &self->settings : NULL;
}

const LlEpochRecord *
ll_training_get_history (LlTraining *self, guint *n_epochs)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  *n_epochs = self->history->len;
  return (const LlEpochRecord *) self->history->data;
}

const LlStepRecord *
ll_training_get_steps (LlTraining *self, guint *n_steps)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  *n_steps = self->steps->len;
  return (const LlStepRecord *) self->steps->data;
}

gint64
ll_training_get_total_epochs (LlTraining *self)
{
  gint64 total;

  g_return_val_if_fail (LL_IS_TRAINING (self), 0);

  if (self->session != NULL)
    total = self->session->epoch_base + self->session->settings.epochs;
  else if (self->has_run)
    total = self->run_base + self->settings.epochs;
  else
    total = self->record != NULL ? self->record->epochs : 0;
  return MAX (total, (gint64) self->history->len);
}

const nn_training_record *
ll_training_get_record (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  return self->record;
}

void
ll_training_get_progress (LlTraining *self, gint64 *epoch, gint64 *batch, gint64 *n_batch,
                          double *fraction, double *seconds_left)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  *epoch = self->progress.epoch;
  *batch = self->progress.batch;
  *n_batch = self->progress.n_batch;
  *fraction = self->state == LL_TRAINING_FINISHED ? 1.0 : self->progress.fraction;
  *seconds_left = self->progress.seconds_left;
}

void
ll_training_get_running (LlTraining *self, double *loss, double *acc)
{
  g_return_if_fail (LL_IS_TRAINING (self));

  *loss = self->progress.loss;
  *acc = self->progress.acc;
}

const gint64 *
ll_training_get_confusion (LlTraining *self, int *k, char * const **class_names)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  *k = self->confusion != NULL ? self->k : 0;
  if (class_names != NULL)
    *class_names = self->class_names;
  return self->confusion;
}

const char *
ll_training_get_message (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), NULL);

  return self->message;
}

gint64
ll_training_get_n_train (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), 0);

  return self->n_train;
}

gint64
ll_training_get_n_val (LlTraining *self)
{
  g_return_val_if_fail (LL_IS_TRAINING (self), 0);

  return self->n_val;
}

static void
ll_training_dispose (GObject *object)
{
  LlTraining *self = LL_TRAINING (object);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  drop_session (self);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (ll_training_parent_class)->dispose (object);
}

static void
ll_training_finalize (GObject *object)
{
  LlTraining *self = LL_TRAINING (object);

  g_array_unref (self->history);
  g_array_unref (self->steps);
  nn_training_record_free (self->record);
  ll_training_settings_clear (&self->settings);
  g_free (self->message);
  g_free (self->confusion);
  g_strfreev (self->class_names);
  G_OBJECT_CLASS (ll_training_parent_class)->finalize (object);
}

static void
ll_training_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LlTraining *self = LL_TRAINING (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ll_training_class_init (LlTrainingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ll_training_dispose;
  object_class->finalize = ll_training_finalize;
  object_class->get_property = ll_training_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, LL_TRAINING_IDLE, LL_TRAINING_FAILED, LL_TRAINING_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_EPOCH] = g_signal_new ("epoch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_SNAPSHOT] = g_signal_new ("snapshot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_RESTORED] = g_signal_new ("restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
ll_training_init (LlTraining *self)
{
  self->history = g_array_new (FALSE, TRUE, sizeof (LlEpochRecord));
  self->steps = g_array_new (FALSE, TRUE, sizeof (LlStepRecord));
}
