/* batches.c - what a training loop needs around the trainer: reusable batch buffers,
 * epoch orders, loading for a network, and evaluating a whole data set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by `layerlab-cli train` / `eval` and the window's training page, so both feed
 * the engine the same batches in the same order for the same seed.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "data-private.h"

nn_status
nn_batcher_init (nn_batcher *b, const nn_dataset *ds, int64_t cap, int64_t onehot_k,
                 nn_error *err)
{
  int64_t shape[NN_MAX_DIMS];

  memset (b, 0, sizeof *b);
  if (cap < 1 || ds == NULL || ds->n < 1)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the data set has no samples");
  b->cap = cap < ds->n ? cap : ds->n;
  memcpy (shape, ds->x->shape, sizeof shape);
  shape[0] = b->cap;
  if ((b->x = nn_tensor_new (ds->x->n_dims, shape, err)) == NULL)
    return err->status;
  if (onehot_k > 0)
    {
      int64_t tshape[2] = { b->cap, onehot_k };

      if ((b->target = nn_tensor_new (2, tshape, err)) == NULL)
        {
          nn_batcher_clear (b);
          return err->status;
        }
    }
  if ((b->labels = malloc ((size_t) b->cap * sizeof *b->labels)) == NULL)
    {
      nn_batcher_clear (b);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  return NN_OK;
}

void
nn_batcher_clear (nn_batcher *b)
{
  nn_tensor_free (b->x);
  nn_tensor_free (b->target);
  free (b->labels);
  memset (b, 0, sizeof *b);
}

/* The first count rows of t, without copying */
static nn_tensor
leading_view (const nn_tensor *t, int64_t count)
{
  nn_tensor view = *t;

  view.shape[0] = count;
  view.owns_data = false;
  return view;
}

void
nn_batcher_fill (nn_batcher *b, const nn_dataset *ds, const int64_t *idx, int64_t count,
                 nn_batch *batch)
{
  b->x_view = leading_view (b->x, count);
  nn_dataset_gather (ds, idx, count, &b->x_view, b->labels);
  memset (batch, 0, sizeof *batch);
  batch->x = &b->x_view;
  batch->labels = b->labels;
  if (b->target != NULL)
    {
      /* MSELoss on class labels: one-hot targets, like F.one_hot (y, K).float () */
      int64_t k = b->target->shape[1];

      b->target_view = leading_view (b->target, count);
      memset (b->target->data, 0, (size_t) (count * k) * sizeof (float));
      for (int64_t i = 0; i < count; i++)
        if (b->labels[i] >= 0 && b->labels[i] < k)
          b->target->data[i * k + b->labels[i]] = 1.0f;
      batch->target = &b->target_view;
    }
}

int64_t *
nn_dataset_epoch_order (int64_t n, bool shuffle, uint64_t seed, int64_t epoch)
{
  int64_t *order;

  if (shuffle)
    return nn_dataset_permutation (n, seed * 1000003u + (uint64_t) epoch);
  order = malloc ((size_t) (n > 0 ? n : 1) * sizeof *order);
  for (int64_t i = 0; order != NULL && i < n; i++)
    order[i] = i;
  return order;
}

nn_status
nn_dataset_evaluate (nn_net *net, const nn_dataset *ds, nn_loss_kind loss, int64_t batch,
                     const nn_run_opts *opts, double *mean_loss, int64_t *correct,
                     int64_t *confusion, nn_error *err)
{
  nn_shape out = nn_net_output_shape (net);
  nn_batcher b;
  int64_t *idx;
  double sum = 0.0;
  nn_status st;

  *correct = 0;
  *mean_loss = 0.0;
  st = nn_batcher_init (&b, ds, batch, loss == NN_LOSS_MSE ? out.d[0] : 0, err);
  if (st != NN_OK)
    return st;
  if ((idx = malloc ((size_t) b.cap * sizeof *idx)) == NULL)
    st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  for (int64_t start = 0; st == NN_OK && start < ds->n; start += b.cap)
    {
      int64_t count = ds->n - start < b.cap ? ds->n - start : b.cap, hits = 0;
      double part = 0.0;
      nn_batch nb;

      for (int64_t i = 0; i < count; i++)
        idx[i] = start + i;
      nn_batcher_fill (&b, ds, idx, count, &nb);
      st = nn_net_evaluate (net, loss, &nb, opts, &part, &hits, confusion, err);
      sum += part;
      *correct += hits;
    }
  if (st == NN_OK)
    *mean_loss = sum / (double) ds->n;
  free (idx);
  nn_batcher_clear (&b);
  return st;
}

/* The network must end in K class scores, and every label must be below K. */
static nn_status
check_classes (const nn_net *net, const nn_dataset *ds, const char *spec, nn_error *err)
{
  nn_shape out = nn_net_output_shape (net);
  char buf[64];

  if (out.n_dims != 1)
    return nn_error_set (err, NN_STATUS_SHAPE, -1,
                         "the model's output %s is not a vector of class scores [K]",
                         nn_shape_to_string (&out, buf, sizeof buf));
  if (ds->n_classes > out.d[0])
    return nn_error_set (err, NN_STATUS_SHAPE, -1,
                         "%s: has labels up to %" PRId64 " but the model has %" PRId64
                         " outputs (classes)", spec, ds->n_classes - 1, out.d[0]);
  return NN_OK;
}

nn_status
nn_dataset_load_for_net (const char *spec, const char *split, const nn_net *net,
                         const nn_preprocess *pp, nn_dataset **out, nn_error *err)
{
  nn_status st;

  *out = NULL;
  if ((st = nn_dataset_load_fit (spec, split, &net->input, pp->fit, out, err)) != NN_OK)
    return st;
  if ((st = nn_dataset_preprocess (*out, &net->input, pp, err)) == NN_OK)
    st = check_classes (net, *out, spec, err);
  else
    {
      /* the loader's messages name the file; preprocessing's do not */
      nn_error inner = *err;

      nn_error_set (err, inner.status, -1, "%s: %s", spec, inner.message);
    }
  if (st != NN_OK)
    {
      nn_dataset_free (*out);
      *out = NULL;
    }
  return st;
}
