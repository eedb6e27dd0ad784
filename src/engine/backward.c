/* backward.c - the backward dispatch, Linear, the elementwise layers, Softmax, Dropout
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each formula is the one autograd uses (tools/autograd/derivatives.yaml in PyTorch):
 * ReLU masks by its output (threshold_backward), LeakyReLU by its input, Sigmoid and
 * Tanh differentiate through their output, Softmax through its output along dim.
 * Conv2d, the pools and BatchNorm2d live in backward-conv.c, backward-pool.c and
 * backward-bn.c.
 */
#include "config.h"

#include <string.h>

#include "train-private.h"

/* ---------------------------------------------------------------- Dropout */

/* Keeps each element with probability 1 - p and scales the kept ones by 1/(1-p), as
 * F.dropout does (p = 1 drops everything). The mask stays for backward. */
void
nn_dropout_train_forward (nn_trainer *tr, int index, const nn_tensor *x, nn_tensor *y)
{
  double p = tr->net->layers[index].cfg.p;
  float scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;
  uint8_t *mask = tr->masks[index];
  int64_t n = nn_tensor_numel (x);

  for (int64_t i = 0; i < n; i++)
    {
      /* uniform in [0, 1): P(u < p) = p, so p = 0 keeps all and p = 1 drops all */
      mask[i] = nn_rng_uniform (&tr->rng, 0.0f, 1.0f) >= (float) p;
      y->data[i] = mask[i] ? x->data[i] * scale : 0.0f;
    }
}

static void
dropout_backward (const nn_trainer *tr, int index, const nn_tensor *dy, nn_tensor *dx)
{
  double p = tr->net->layers[index].cfg.p;
  float scale = p < 1.0 ? (float) (1.0 / (1.0 - p)) : 0.0f;
  const uint8_t *mask = tr->masks[index];
  int64_t n = nn_tensor_numel (dy);

  for (int64_t i = 0; i < n; i++)
    dx->data[i] = mask[i] ? dy->data[i] * scale : 0.0f;
}

/* ---------------------------------------------------------------- Linear */

static void
linear_backward (nn_layer *layer, const nn_tensor *x, const nn_tensor *dy, nn_tensor *dx)
{
  int64_t n_in = layer->in_features, n_out = layer->cfg.out_features;
  int64_t rows = n_in > 0 ? nn_tensor_numel (x) / n_in : 0;

  /* dW[out, in] = dY^T X,  db = column sums of dY,  dX = dY W */
  if (rows == 0)
    memset (layer->grad_weight->data, 0, (size_t) (n_in * n_out) * sizeof (float));
  nn_sgemm (true, false, n_out, n_in, rows, 1.0f, dy->data, n_out, x->data, n_in, 0.0f,
            layer->grad_weight->data, n_in);
  if (layer->grad_bias != NULL)
    {
      float *gb = layer->grad_bias->data;

      memset (gb, 0, (size_t) n_out * sizeof (float));
      for (int64_t r = 0; r < rows; r++)
        for (int64_t o = 0; o < n_out; o++)
          gb[o] += dy->data[r * n_out + o];
    }
  if (dx != NULL && n_out == 0)
    memset (dx->data, 0, (size_t) nn_tensor_numel (dx) * sizeof (float));
  if (dx != NULL)
    nn_sgemm (false, false, rows, n_in, n_out, 1.0f, dy->data, n_out, layer->weight->data,
              n_in, 0.0f, dx->data, n_in);
}

/* ---------------------------------------------------------------- elementwise */

typedef struct elem_job {
  const nn_layer *layer;
  const float *x, *y, *dy;
  float *dx;
} elem_job;

static void
elementwise_range (void *ctx, int64_t lo, int64_t hi)
{
  const elem_job *j = ctx;
  float slope = (float) j->layer->cfg.negative_slope;
  int64_t n = hi - lo;
  const float *g = j->dy + lo, *xv = j->x + lo, *yv = j->y + lo;
  float *d = j->dx + lo;

  switch (j->layer->cfg.type)
    {
    case NN_LAYER_RELU:
      for (int64_t i = 0; i < n; i++)
        d[i] = yv[i] <= 0.0f ? 0.0f : g[i];
      break;
    case NN_LAYER_LEAKYRELU:
      for (int64_t i = 0; i < n; i++)
        d[i] = xv[i] > 0.0f ? g[i] : g[i] * slope;
      break;
    case NN_LAYER_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        d[i] = g[i] * (1.0f - yv[i]) * yv[i];
      break;
    case NN_LAYER_TANH:
      for (int64_t i = 0; i < n; i++)
        d[i] = g[i] * (1.0f - yv[i] * yv[i]);
      break;
    default:
      /* Flatten, Dropout in eval mode: identity */
      if (n > 0)
        memcpy (d, g, (size_t) n * sizeof (float));
      break;
    }
}

static void
elementwise_backward (const nn_layer *layer, const nn_tensor *x, const nn_tensor *y,
                      const nn_tensor *dy, nn_tensor *dx)
{
  elem_job j = { layer, x->data, y->data, dy->data, dx->data };

  nn_parallel_for (nn_tensor_numel (dy), 32768, elementwise_range, &j);
}

/* ---------------------------------------------------------------- Softmax */

/* dx = y * (dy - sum(dy * y)) along dim (dim counts the batch dim, like forward) */
static nn_status
softmax_backward (const nn_layer *layer, int index, const nn_tensor *y, const nn_tensor *dy,
                  nn_tensor *dx, nn_error *err)
{
  int64_t dim = layer->cfg.dim < 0 ? layer->cfg.dim + y->n_dims : layer->cfg.dim;
  int64_t outer = 1, inner = 1, size;

  if (dim < 0 || dim >= y->n_dims)
    return nn_error_set (err, NN_STATUS_SHAPE, index,
                         "layer %d (Softmax): dim %lld is out of range for a %d-d input",
                         index, (long long) layer->cfg.dim, (int) y->n_dims);
  for (int i = 0; i < dim; i++)
    outer *= y->shape[i];
  for (int i = (int) dim + 1; i < y->n_dims; i++)
    inner *= y->shape[i];
  size = y->shape[dim];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++)
      {
        int64_t base = o * size * inner + k;
        const float *yv = y->data + base, *g = dy->data + base;
        float *d = dx->data + base;
        double dot = 0.0;

        for (int64_t j = 0; j < size; j++)
          dot += (double) g[j * inner] * yv[j * inner];
        for (int64_t j = 0; j < size; j++)
          d[j * inner] = yv[j * inner] * (g[j * inner] - (float) dot);
      }
  return NN_OK;
}

/* ---------------------------------------------------------------- dispatch */

nn_status
nn_layer_backward (nn_trainer *tr, int index, const nn_tensor *x, const nn_tensor *y,
                   const nn_tensor *dy, nn_tensor *dx, nn_error *err)
{
  nn_layer *layer = &tr->net->layers[index];

  switch (layer->cfg.type)
    {
    case NN_LAYER_CONV2D:
      return nn_conv2d_backward (tr, index, x, dy, dx, err);
    case NN_LAYER_LINEAR:
      linear_backward (layer, x, dy, dx);
      return NN_OK;
    case NN_LAYER_BATCHNORM2D:
      nn_bn_backward (tr, index, x, dy, dx);
      return NN_OK;
    case NN_LAYER_MAXPOOL2D:
      if (dx != NULL)
        nn_maxpool2d_backward (tr, index, x, y, dy, dx);
      return NN_OK;
    case NN_LAYER_AVGPOOL2D:
      if (dx != NULL)
        nn_avgpool2d_backward (tr, index, dy, dx);
      return NN_OK;
    case NN_LAYER_SOFTMAX:
      return dx != NULL ? softmax_backward (layer, index, y, dy, dx, err) : NN_OK;
    case NN_LAYER_DROPOUT:
      if (dx != NULL && tr->training)
        dropout_backward (tr, index, dy, dx);
      else if (dx != NULL)
        elementwise_backward (layer, x, y, dy, dx);
      return NN_OK;
    case NN_LAYER_RELU:
    case NN_LAYER_LEAKYRELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
    case NN_LAYER_FLATTEN:
      if (dx != NULL)
        elementwise_backward (layer, x, y, dy, dx);
      return NN_OK;
    case NN_LAYER_N_TYPES:
    default:
      break;
    }
  return nn_error_set (err, NN_STATUS_UNSUPPORTED, index, "layer %d: no backward for type %d",
                       index, (int) layer->cfg.type);
}
