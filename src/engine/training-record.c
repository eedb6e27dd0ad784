/* training-record.c - how a network was trained: settings and per-epoch history
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The record travels with the network (net->training) so that a model file can say how
 * its weights came about; h5model.c stores it as the optional /training group (format
 * 1.1, docs/model-file-format.md). Here: the plain-memory side, new/copy/free/add.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn.h"

nn_training_record *
nn_training_record_new (void)
{
  nn_training_record *r = calloc (1, sizeof *r);

  if (r == NULL)
    return NULL;
  r->loss = NN_LOSS_CROSS_ENTROPY;
  nn_optim_config_init (&r->optim, NN_OPTIM_ADAM);
  r->batch_size = 1;
  r->shuffle = true;
  return r;
}

nn_training_record *
nn_training_record_copy (const nn_training_record *r, nn_error *err)
{
  nn_training_record *copy;

  if (r == NULL)
    return NULL;
  copy = malloc (sizeof *copy);
  if (copy == NULL)
    goto nomem;
  *copy = *r;
  copy->history = NULL;
  if (r->n_history > 0)
    {
      copy->history = malloc ((size_t) r->n_history * sizeof *copy->history);
      if (copy->history == NULL)
        {
          free (copy);
          goto nomem;
        }
      memcpy (copy->history, r->history, (size_t) r->n_history * sizeof *copy->history);
    }
  return copy;

nomem:
  nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory copying the training record");
  return NULL;
}

bool
nn_training_record_equal (const nn_training_record *a, const nn_training_record *b)
{
  const nn_optim_config *oa, *ob;

  if (a == NULL || b == NULL)
    return a == b;
  oa = &a->optim;
  ob = &b->optim;
  return strcmp (a->data, b->data) == 0 && strcmp (a->validation_data, b->validation_data) == 0
         && strcmp (a->preprocessing, b->preprocessing) == 0 && a->loss == b->loss
         && oa->kind == ob->kind && oa->lr == ob->lr && oa->momentum == ob->momentum
         && oa->dampening == ob->dampening && oa->nesterov == ob->nesterov
         && oa->weight_decay == ob->weight_decay && oa->beta1 == ob->beta1
         && oa->beta2 == ob->beta2 && oa->eps == ob->eps
         && a->epochs == b->epochs && a->batch_size == b->batch_size && a->seed == b->seed
         && a->shuffle == b->shuffle && a->validation_fraction == b->validation_fraction
         && a->n_history == b->n_history
         && (a->n_history == 0
             || memcmp (a->history, b->history, (size_t) a->n_history * sizeof *a->history) == 0);
}

void
nn_training_record_free (nn_training_record *r)
{
  if (r == NULL)
    return;
  free (r->history);
  free (r);
}

nn_status
nn_training_record_add_epoch (nn_training_record *r, const nn_training_epoch *e,
                              nn_error *err)
{
  nn_training_epoch *grown;

  if (r->n_history < 0 || r->n_history >= NN_TRAINING_MAX_EPOCHS)
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "the training history is limited to "
                         "%d epochs", NN_TRAINING_MAX_EPOCHS);
  grown = realloc (r->history, (size_t) (r->n_history + 1) * sizeof *grown);
  if (grown == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  r->history = grown;
  r->history[r->n_history++] = *e;
  return NN_OK;
}

const char *
nn_optim_name (nn_optim_kind kind)
{
  switch (kind)
    {
    case NN_OPTIM_SGD: return "SGD";
    case NN_OPTIM_ADAM: return "Adam";
    default: return NULL;
    }
}
