/* batchnorm.c - BatchNorm2d at inference
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * y = (x - mean) / sqrt(var + eps) * weight + bias, per channel. With
 * track_running_stats the mean/var are the running statistics; without it PyTorch
 * has none and normalises with the batch's own statistics even in eval mode (biased
 * variance), so we do the same.
 */
#include "config.h"

#include <math.h>

#include "nn-private.h"

typedef struct bn_geom {
  int64_t n, c, inner;
} bn_geom;

/* Mean and biased variance of channel ch over the batch and all positions (two passes
 * in double: one pass E[x^2] - E[x]^2 loses everything on large means). */
static void
batch_stats (const bn_geom *g, const float *x, int64_t ch, double *mean, double *var)
{
  double sum = 0.0, sq = 0.0;
  int64_t count = g->n * g->inner;

  for (int64_t b = 0; b < g->n; b++)
    {
      const float *p = x + (b * g->c + ch) * g->inner;

      for (int64_t i = 0; i < g->inner; i++)
        sum += p[i];
    }
  *mean = count > 0 ? sum / (double) count : 0.0;
  for (int64_t b = 0; b < g->n; b++)
    {
      const float *p = x + (b * g->c + ch) * g->inner;

      for (int64_t i = 0; i < g->inner; i++)
        sq += (p[i] - *mean) * (p[i] - *mean);
    }
  *var = count > 0 ? sq / (double) count : 0.0;
}

static void
normalize_channel (const bn_geom *g, const float *x, float *y, int64_t ch, float scale,
                   float shift)
{
  for (int64_t b = 0; b < g->n; b++)
    {
      const float *p = x + (b * g->c + ch) * g->inner;
      float *q = y + (b * g->c + ch) * g->inner;

      for (int64_t i = 0; i < g->inner; i++)
        q[i] = p[i] * scale + shift;
    }
}

nn_status
nn_batchnorm2d_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                        nn_error *err)
{
  const nn_layer *layer = &net->layers[index];
  const nn_layer_info *info = &net->info[index];
  bn_geom g = { in->shape[0], info->in_shape.d[0], 1 };
  bool running = layer->cfg.track_running_stats && layer->running_mean != NULL
                 && layer->running_var != NULL;

  for (int i = 1; i < info->in_shape.n_dims; i++)
    g.inner *= info->in_shape.d[i];
  if ((layer->cfg.affine && (layer->weight == NULL || layer->bias == NULL))
      || (layer->cfg.track_running_stats && !running))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                         "layer %d (BatchNorm2d): parameters are missing", index);
  for (int64_t ch = 0; ch < g.c; ch++)
    {
      double mean, var, scale, shift;

      if (running)
        {
          mean = layer->running_mean->data[ch];
          var = layer->running_var->data[ch];
        }
      else
        batch_stats (&g, in->data, ch, &mean, &var);
      /* fold everything into one multiply-add per element */
      scale = 1.0 / sqrt (var + layer->cfg.eps);
      if (layer->weight != NULL)
        scale *= layer->weight->data[ch];
      shift = -mean * scale + (layer->bias != NULL ? layer->bias->data[ch] : 0.0);
      normalize_channel (&g, in->data, out->data, ch, (float) scale, (float) shift);
    }
  return NN_OK;
}
