/* ops/batchnorm.c - BatchNormalization (inference: running statistics)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * y = (x - mean) / sqrt(var + epsilon) * scale + B along axis 1. Training mode (batch
 * statistics, the running-mean outputs) comes with the backward pass.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>

#include "ops/op.h"

enum { BN_EPSILON, BN_MOMENTUM, BN_TRAINING_MODE, N_BN_ATTRS };

static const nn_attr_schema bn_attrs[] = {
  { .name = "epsilon", .torch = "eps", .kind = NN_ATTR_FLOAT, .def_f = 1e-5 },
  { .name = "momentum", .kind = NN_ATTR_FLOAT, .def_f = 0.9 },
  { .name = "training_mode", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (bn_attrs) == N_BN_ATTRS, "bn_attrs and its enum differ");

static const char *const bn_inputs[] = { "X", "scale", "B", "input_mean", "input_var" };

static nn_status
bn_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  nn_status s;
  char buf[160];

  if (nn_attr_i (ctx, BN_TRAINING_MODE) != 0)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "training_mode is not supported "
                       "yet; inference uses the running statistics");
  for (int k = 0; k < 5; k++)
    if ((s = nn_op_check_dtype (ctx, k, NN_MASK_F32, err)) != NN_OK)
      return s;
  if (x->rank < 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s has no channel axis; it "
                       "takes [N, C, ...]", nn_op_in_str (ctx, 0, buf, sizeof buf));
  for (int k = 1; k < 5; k++)
    if (ctx->in[k]->rank != 1
        || (x->shape[1] != NN_DIM_SYMBOLIC && ctx->in[k]->shape[0] != x->shape[1]))
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s is %s; the input's %" PRId64
                         " channels need one value each", bn_inputs[k],
                         nn_op_in_str (ctx, k, buf, sizeof buf), x->shape[1]);
  *ctx->out[0] = *x;
  return NN_OK;
}

static nn_status
bn_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *t = &ctx->value[0]->type;
  int64_t n = t->shape[0], c = t->shape[1], size = nn_dims_product (t, 2, t->rank);
  const float *x = ctx->value[0]->data, *scale = ctx->value[1]->data;
  const float *bias = ctx->value[2]->data, *mean = ctx->value[3]->data;
  const float *var = ctx->value[4]->data;
  float eps = (float) nn_attr_f (ctx, BN_EPSILON), *y = ctx->y[0]->data;

  for (int64_t ch = 0; ch < c; ch++)
    {
      float a = scale[ch] / sqrtf (var[ch] + eps), b = bias[ch] - mean[ch] * a;

      for (int64_t b0 = 0; b0 < n; b0++)
        {
          const float *xp = x + (b0 * c + ch) * size;
          float *yp = y + (b0 * c + ch) * size;

          for (int64_t i = 0; i < size; i++)
            yp[i] = xp[i] * a + b;
        }
    }
  return NN_OK;
}

const nn_op nn_op_batch_normalization = {
  .name = "BatchNormalization", .torch = "BatchNorm2d",
  .min_in = 5, .max_in = 5, .min_out = 1, .max_out = 1,
  .attrs = bn_attrs, .n_attrs = N_BN_ATTRS,
  .infer = bn_infer, .forward = bn_forward, .macs = nn_macs_per_element,
};
