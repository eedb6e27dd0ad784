/* backward-bn.c - BatchNorm2d in training mode: batch statistics, backward, running stats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training mode normalises with the batch's mean and biased variance and moves the
 * running statistics towards the batch's mean and *unbiased* variance with momentum,
 * counting num_batches_tracked (torch.nn.functional.batch_norm). The update is a separate
 * call so that the trainer applies it only once a whole step has succeeded.
 * Backward with batch statistics, per channel over the M = N*H*W values:
 *   dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
 * With running statistics (eval mode) they are constants and dx = dy * w * invstd.
 */
#include "config.h"

#include <math.h>

#include "train-private.h"

typedef struct bn_dims {
  int64_t n, c, inner;
} bn_dims;

static bn_dims
dims_of (const nn_tensor *x)
{
  bn_dims d = { x->shape[0], x->shape[1], 1 };

  for (int i = 2; i < x->n_dims; i++)
    d.inner *= x->shape[i];
  return d;
}

bool
nn_bn_uses_batch_stats (const nn_trainer *tr, int index)
{
  const nn_layer *l = &tr->net->layers[index];

  return tr->training || !l->cfg.track_running_stats || l->running_mean == NULL
         || l->running_var == NULL;
}

/* Mean and biased variance of channel ch, two passes in double */
static void
channel_stats (const bn_dims *d, const float *x, int64_t ch, double *mean, double *var)
{
  double sum = 0.0, sq = 0.0;
  int64_t count = d->n * d->inner;

  for (int64_t b = 0; b < d->n; b++)
    for (int64_t i = 0; i < d->inner; i++)
      sum += x[(b * d->c + ch) * d->inner + i];
  *mean = sum / (double) count;
  for (int64_t b = 0; b < d->n; b++)
    for (int64_t i = 0; i < d->inner; i++)
      {
        double v = x[(b * d->c + ch) * d->inner + i] - *mean;

        sq += v * v;
      }
  *var = sq / (double) count;
}

nn_status
nn_bn_train_forward (nn_trainer *tr, int index, const nn_tensor *x, nn_tensor *y,
                     nn_error *err)
{
  const nn_layer *l = &tr->net->layers[index];
  nn_bn_saved *s = &tr->bn[index];
  bn_dims d = dims_of (x);
  int64_t count = d.n * d.inner;

  /* PyTorch refuses this too (in eval mode as well when there are no running stats) */
  if (count <= 1)
    return nn_error_set (err, NN_STATUS_SHAPE, index,
                         "layer %d (BatchNorm2d): training needs more than 1 value per "
                         "channel (batch %lld of %lld positions); use a larger batch", index,
                         (long long) d.n, (long long) d.inner);
  for (int64_t ch = 0; ch < d.c; ch++)
    {
      double mean, var, scale, shift;

      channel_stats (&d, x->data, ch, &mean, &var);
      s->mean[ch] = (float) mean;
      s->invstd[ch] = (float) (1.0 / sqrt (var + l->cfg.eps));
      s->var_unbiased[ch] = (float) (count > 1 ? var * (double) count / (double) (count - 1)
                                     : var);
      scale = s->invstd[ch] * (l->weight != NULL ? (double) l->weight->data[ch] : 1.0);
      shift = (l->bias != NULL ? l->bias->data[ch] : 0.0) - mean * scale;
      for (int64_t b = 0; b < d.n; b++)
        {
          const float *p = x->data + (b * d.c + ch) * d.inner;
          float *q = y->data + (b * d.c + ch) * d.inner;

          for (int64_t i = 0; i < d.inner; i++)
            q[i] = p[i] * (float) scale + (float) shift;
        }
    }
  s->batch_stats = true;
  return NN_OK;
}

void
nn_bn_update_running (nn_trainer *tr, int index)
{
  nn_layer *l = &tr->net->layers[index];
  const nn_bn_saved *s = &tr->bn[index];
  float m = (float) l->cfg.momentum;

  if (!tr->training || !s->batch_stats || !l->cfg.track_running_stats
      || l->running_mean == NULL || l->running_var == NULL)
    return;
  for (int64_t ch = 0; ch < l->running_mean->shape[0]; ch++)
    {
      l->running_mean->data[ch] = (1.0f - m) * l->running_mean->data[ch] + m * s->mean[ch];
      l->running_var->data[ch] = (1.0f - m) * l->running_var->data[ch]
                                 + m * s->var_unbiased[ch];
    }
  l->num_batches_tracked++;
}

/* sum(dy) and sum(dy * (x - mean)) of channel ch */
static void
channel_sums (const bn_dims *d, const float *x, const float *dy, int64_t ch, float mean,
              double *sum_dy, double *sum_dy_xmu)
{
  *sum_dy = 0.0;
  *sum_dy_xmu = 0.0;
  for (int64_t b = 0; b < d->n; b++)
    {
      const float *p = x + (b * d->c + ch) * d->inner;
      const float *g = dy + (b * d->c + ch) * d->inner;

      for (int64_t i = 0; i < d->inner; i++)
        {
          *sum_dy += g[i];
          *sum_dy_xmu += (double) g[i] * (p[i] - mean);
        }
    }
}

void
nn_bn_backward (nn_trainer *tr, int index, const nn_tensor *x, const nn_tensor *dy,
                nn_tensor *dx)
{
  nn_layer *l = &tr->net->layers[index];
  const nn_bn_saved *s = &tr->bn[index];
  bn_dims d = dims_of (x);
  double count = (double) (d.n * d.inner);

  for (int64_t ch = 0; ch < d.c; ch++)
    {
      float mean = s->batch_stats ? s->mean[ch] : l->running_mean->data[ch];
      double invstd = s->batch_stats ? s->invstd[ch]
                      : 1.0 / sqrt ((double) l->running_var->data[ch] + l->cfg.eps);
      double w = l->weight != NULL ? l->weight->data[ch] : 1.0;
      double sum_dy, sum_dy_xmu, k, c0;

      channel_sums (&d, x->data, dy->data, ch, mean, &sum_dy, &sum_dy_xmu);
      if (l->grad_weight != NULL)
        l->grad_weight->data[ch] = (float) (sum_dy_xmu * invstd);
      if (l->grad_bias != NULL)
        l->grad_bias->data[ch] = (float) sum_dy;
      if (dx == NULL)
        continue;
      /* dx = a * dy + k * (x - mean) + c0, with k and c0 zero for running statistics */
      k = s->batch_stats ? -w * invstd * invstd * invstd * sum_dy_xmu / count : 0.0;
      c0 = s->batch_stats ? -w * invstd * sum_dy / count : 0.0;
      for (int64_t b = 0; b < d.n; b++)
        {
          const float *p = x->data + (b * d.c + ch) * d.inner;
          const float *g = dy->data + (b * d.c + ch) * d.inner;
          float *q = dx->data + (b * d.c + ch) * d.inner;

          for (int64_t i = 0; i < d.inner; i++)
            q[i] = (float) (w * invstd * g[i] + k * (p[i] - mean) + c0);
        }
    }
}
