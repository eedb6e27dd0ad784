/* activation.c - elementwise layers, Softmax, and the copies (Flatten, Dropout)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Formulas follow PyTorch's CPU kernels, NaN included: ReLU and LeakyReLU pass NaN
 * through, Softmax subtracts the maximum first so large logits do not overflow.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "nn-private.h"

/* Elementwise layers split their elements over the engine's thread pool. */
#define ELEMENTWISE_MIN_CHUNK 16384

typedef struct unary_job {
  const float *x;
  float *y;
  float slope;
} unary_job;

/* The loops read the job into locals first: through j-> the compiler would have to
 * assume every store to y may change j->x and j->y, and could not vectorise. */
static void
relu_range (void *data, int64_t lo, int64_t hi)
{
  const unary_job *j = data;
  const float *x = j->x;
  float *y = j->y;

  /* written so that NaN < 0 is false and NaN stays NaN, like clamp_min */
  for (int64_t i = lo; i < hi; i++)
    y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

static void
leaky_range (void *data, int64_t lo, int64_t hi)
{
  const unary_job *j = data;
  const float *x = j->x;
  float *y = j->y, slope = j->slope;

  for (int64_t i = lo; i < hi; i++)
    y[i] = x[i] > 0.0f ? x[i] : x[i] * slope;
}

static void
sigmoid_range (void *data, int64_t lo, int64_t hi)
{
  const unary_job *j = data;
  const float *x = j->x;
  float *y = j->y;

  /* exp(-x) overflows to inf for very negative x, and 1 / inf = 0 is the right limit */
  for (int64_t i = lo; i < hi; i++)
    y[i] = 1.0f / (1.0f + expf (-x[i]));
}

static void
tanh_range (void *data, int64_t lo, int64_t hi)
{
  const unary_job *j = data;
  const float *x = j->x;
  float *y = j->y;

  for (int64_t i = lo; i < hi; i++)
    y[i] = tanhf (x[i]);
}

static nn_status
elementwise (const nn_tensor *in, nn_tensor *out, nn_parallel_fn fn, float slope)
{
  unary_job j = { in->data, out->data, slope };

  nn_parallel_for (nn_tensor_numel (in), ELEMENTWISE_MIN_CHUNK, fn, &j);
  return NN_OK;
}

nn_status
nn_relu_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                 nn_error *err)
{
  return elementwise (in, out, relu_range, 0.0f);
}

nn_status
nn_leakyrelu_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                      nn_error *err)
{
  return elementwise (in, out, leaky_range, (float) net->layers[index].cfg.negative_slope);
}

nn_status
nn_sigmoid_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                    nn_error *err)
{
  return elementwise (in, out, sigmoid_range, 0.0f);
}

nn_status
nn_tanh_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                 nn_error *err)
{
  return elementwise (in, out, tanh_range, 0.0f);
}

nn_status
nn_copy_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                 nn_error *err)
{
  int64_t n = nn_tensor_numel (in);

  if (n > 0 && out->data != in->data)
    memcpy (out->data, in->data, (size_t) n * sizeof (float));
  return NN_OK;
}

/* Softmax of the `size` values x[0], x[stride], ... into y (same layout). */
static void
softmax_line (const float *x, float *y, int64_t size, int64_t stride)
{
  float max = -INFINITY;
  double sum = 0.0;

  for (int64_t j = 0; j < size; j++)
    max = x[j * stride] > max ? x[j * stride] : max;
  for (int64_t j = 0; j < size; j++)
    {
      float e = expf (x[j * stride] - max);

      y[j * stride] = e;
      sum += e;
    }
  for (int64_t j = 0; j < size; j++)
    y[j * stride] = (float) (y[j * stride] / sum);
}

nn_status
nn_softmax_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                    nn_error *err)
{
  int64_t dim = net->layers[index].cfg.dim;
  int64_t outer = 1, inner = 1, size;

  /* dim counts the batch dim, as in torch.nn.Softmax(dim) applied to [N, ...] */
  if (dim < 0)
    dim += in->n_dims;
  if (dim < 0 || dim >= in->n_dims)
    return nn_error_set (err, NN_STATUS_SHAPE, index,
                         "layer %d (Softmax): dim %lld is out of range for a %d-d input",
                         index, (long long) net->layers[index].cfg.dim, (int) in->n_dims);
  for (int i = 0; i < dim; i++)
    outer *= in->shape[i];
  for (int i = (int) dim + 1; i < in->n_dims; i++)
    inner *= in->shape[i];
  size = in->shape[dim];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        int64_t base = o * size * inner + i;

        softmax_line (in->data + base, out->data + base, size, inner);
      }
  return NN_OK;
}
