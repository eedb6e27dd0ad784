/* linear.c - Linear: y = x W^T + b over the last dimension
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Like torch.nn.Linear the layer acts on the last dim of any shape, so every leading
 * dim (batch included) is folded into the rows of a single GEMM. A ReLU that follows
 * can be applied in place right after it (forward.c fuses it when activations are
 * not kept).
 */
#include "config.h"

#include <string.h>

#include "nn-private.h"

typedef struct relu_job {
  float *y;
} relu_job;

static void
relu_in_place (void *data, int64_t lo, int64_t hi)
{
  float *y = ((relu_job *) data)->y;

  /* NaN < 0 is false: NaN stays, as in nn_relu_forward */
  for (int64_t i = lo; i < hi; i++)
    y[i] = y[i] < 0.0f ? 0.0f : y[i];
}

nn_status
nn_linear_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                   nn_error *err)
{
  return nn_linear_forward_fused (net, index, in, out, false, err);
}

nn_status
nn_linear_forward_fused (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                         bool relu, nn_error *err)
{
  const nn_layer *layer = &net->layers[index];
  int64_t n_in = layer->in_features;
  int64_t n_out = layer->cfg.out_features;
  int64_t rows;
  float beta = 0.0f;

  if (layer->weight == NULL || nn_tensor_numel (layer->weight) != n_in * n_out
      || (layer->cfg.bias && layer->bias == NULL) || n_in <= 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                         "layer %d (Linear): parameters are missing or have the wrong size",
                         index);
  rows = nn_tensor_numel (in) / n_in;
  if (rows == 0 || n_out == 0)
    return NN_OK;
  if (layer->bias != NULL)
    {
      /* start every row at the bias and let the GEMM accumulate onto it */
      for (int64_t r = 0; r < rows; r++)
        memcpy (out->data + r * n_out, layer->bias->data, (size_t) n_out * sizeof (float));
      beta = 1.0f;
    }
  nn_sgemm (false, true, rows, n_out, n_in, 1.0f, in->data, n_in, layer->weight->data, n_in,
            beta, out->data, n_out);
  if (relu)
    {
      relu_job j = { out->data };

      nn_parallel_for (rows * n_out, 16384, relu_in_place, &j);
    }
  return NN_OK;
}
