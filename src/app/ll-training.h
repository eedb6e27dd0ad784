/* ll-training.h - trains a copy of a document's network on the worker, in short jobs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No widgets: the training page shows it, the window's actions drive it, tests run it.
 */
#pragma once

#include <gio/gio.h>

#include "dataset.h"
#include "ll-document.h"
#include "ll-document-private.h"

G_BEGIN_DECLS

typedef struct {
  char *data;                 /* a data set spec: a folder, or "X.npy:Y.npy" */
  double val_fraction;        /* > 0: that part of the training data is held out;
                               * 0: the data's test split when it has one, else none */
  nn_loss_kind loss;
  nn_optim_config optim;
  gint64 epochs, batch;
  guint64 seed;
  gboolean shuffle;
  nn_fit_mode fit;
} LlTrainingSettings;

/* Adam with PyTorch's defaults, cross-entropy, 5 epochs of 64, seed 0, shuffled. */
void ll_training_settings_init  (LlTrainingSettings *settings);
void ll_training_settings_clear (LlTrainingSettings *settings);
/* The settings a model file's training record keeps (data NULL when it names none). */
void ll_training_settings_from_record (LlTrainingSettings *settings,
                                       const nn_training_record *record);

typedef enum {
  LL_TRAINING_IDLE = 0,
  LL_TRAINING_LOADING,        /* reading the data set */
  LL_TRAINING_RUNNING,
  LL_TRAINING_PAUSED,
  LL_TRAINING_STOPPING,       /* the last job finishes, then the confusion matrix */
  LL_TRAINING_STOPPED,        /* stopped early: apply or discard the result */
  LL_TRAINING_FINISHED,       /* every epoch ran; the result was applied */
  LL_TRAINING_FAILED,         /* see ll_training_get_message() */
} LlTrainingState;

typedef struct {
  gint64 epoch;               /* from 1 */
  double train_loss, train_acc;     /* accuracy in [0, 1]; NaN for MSELoss */
  double val_loss, val_acc;         /* NaN without validation data */
  double seconds;
} LlEpochRecord;

/* A point of the training curve, finer than the epochs: every 1/20 of an epoch (every
 * batch when an epoch has fewer than 20). Not saved: a model file keeps epochs only. */
typedef struct {
  gint64 epoch;               /* the epoch it belongs to, from 1 */
  double x;                   /* epochs done at this point (fractional) */
  double loss, acc;           /* over the batches since the previous point; acc NaN for MSELoss */
} LlStepRecord;

#define LL_TYPE_TRAINING (ll_training_get_type ())
G_DECLARE_FINAL_TYPE (LlTraining, ll_training, LL, TRAINING, GObject)

/* Property "state" (LlTrainingState as int). Signals: "progress" () after every job
 * (about 5 a second), "epoch" (gint64 epoch) after each epoch's record, "snapshot"
 * (gpointer LlNetRef *) about every half second with a copy of the network as it trains
 * (take a reference to keep it), "restored" (gboolean new_document) when the history
 * became that of the document's training record (ll_training_get_record()): another
 * document, or a record changed by undo, redo or a file. The document must not change
 * while training runs: an edit stops it and its result is dropped (the message says so).
 * A run goes on from the record: its epochs are numbered after the recorded ones, and
 * the record it saves holds both. */
LlTraining      *ll_training_new            (void);
void             ll_training_set_document   (LlTraining *self, LlDocument *document);
gboolean         ll_training_start          (LlTraining *self, const LlTrainingSettings *settings,
                                             GError **error);
void             ll_training_pause          (LlTraining *self);
void             ll_training_resume         (LlTraining *self);
void             ll_training_stop           (LlTraining *self);
/* Makes the trained weights the document's (one undo step "Train N epochs"); for a
 * stopped run. A finished run applies itself. */
gboolean         ll_training_apply          (LlTraining *self, GError **error);
void             ll_training_discard        (LlTraining *self);

LlTrainingState  ll_training_get_state      (LlTraining *self);
gboolean         ll_training_is_active      (LlTraining *self);   /* loading .. stopping */
/* The settings of the last run started (running or not), NULL before the first. */
const LlTrainingSettings *ll_training_get_settings (LlTraining *self);
const LlEpochRecord *ll_training_get_history (LlTraining *self, guint *n_epochs);
const LlStepRecord *ll_training_get_steps (LlTraining *self, guint *n_steps);
/* The epochs the plots span: the recorded ones and those of the run (asked for). */
gint64           ll_training_get_total_epochs (LlTraining *self);
/* The document's training record as the history shows it, or NULL. */
const nn_training_record *ll_training_get_record (LlTraining *self);
/* Where the run is: epoch (from 1, counted on after the recorded ones), batch within it,
 * batches per epoch, the fraction of this run's batches done, and the estimated seconds
 * left (-1 before it can tell). */
void             ll_training_get_progress   (LlTraining *self, gint64 *epoch, gint64 *batch,
                                             gint64 *n_batches, double *fraction,
                                             double *seconds_left);
/* The running mean loss and accuracy of the current epoch so far. */
void             ll_training_get_running    (LlTraining *self, double *loss, double *acc);
/* K×K [true][predicted] on the validation data (the training data without it), after a
 * run ended; NULL before. */
const gint64    *ll_training_get_confusion  (LlTraining *self, int *k, char * const **class_names);
const char      *ll_training_get_message    (LlTraining *self);
gint64           ll_training_get_n_train    (LlTraining *self);
gint64           ll_training_get_n_val      (LlTraining *self);

G_END_DECLS
