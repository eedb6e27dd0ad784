/* ops/softmax.c - Softmax, LogSoftmax and Hardmax along any axis (ONNX opset 13: one axis,
 * default -1); LogSoftmax is x - max - log(sum(exp(x - max))), without the rounding of
 * log(softmax); Hardmax is 1 at the first largest element, 0 elsewhere
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>

#include "ops/op.h"

static const nn_attr_schema softmax_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = -1 },
};

static nn_status
softmax_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);
  int32_t rank = ctx->in[0] ? ctx->in[0]->rank : 0;

  if (s != NN_OK)
    return s;
  if (nn_axis_normalize (nn_attr_i (ctx, 0), rank, false) < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside its "
                       "input's %d dimensions", nn_attr_i (ctx, 0), (int) rank);
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

typedef enum softmax_kind { SOFTMAX, LOG_SOFTMAX, HARDMAX } softmax_kind;

static nn_status
softmax_any (const nn_op_ctx *ctx, softmax_kind kind)
{
  const nn_type *t = &ctx->value[0]->type;
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, 0), t->rank, false);
  int64_t outer = nn_dims_product (t, 0, axis), len = t->shape[axis];
  int64_t inner = nn_dims_product (t, axis + 1, t->rank);
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;

  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        const float *xp = x + o * len * inner + i;
        float *yp = y + o * len * inner + i;
        float max = -INFINITY;
        double sum = 0.0;
        int64_t arg = 0;

        for (int64_t j = 0; j < len; j++)
          if (j == 0 || xp[j * inner] > max)
            {
              max = xp[j * inner];
              arg = j;
            }
        if (kind == HARDMAX)
          {
            if (len > 0)
              yp[arg * inner] = 1.0f;
            continue;
          }
        for (int64_t j = 0; j < len; j++)
          {
            yp[j * inner] = expf (xp[j * inner] - max);
            sum += yp[j * inner];
          }
        for (int64_t j = 0; j < len; j++)
          yp[j * inner] = kind == LOG_SOFTMAX
                          ? (float) ((double) (xp[j * inner] - max) - log (sum))
                          : (float) (yp[j * inner] / sum);
      }
  return NN_OK;
}

static nn_status
softmax_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return softmax_any (ctx, SOFTMAX);
}

static nn_status
log_softmax_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return softmax_any (ctx, LOG_SOFTMAX);
}

static nn_status
hardmax_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return softmax_any (ctx, HARDMAX);
}

const nn_op nn_op_softmax = {
  .name = "Softmax", .torch = "Softmax",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = softmax_attrs, .n_attrs = NN_N_ELEMENTS (softmax_attrs),
  .infer = softmax_infer, .forward = softmax_forward,
};

const nn_op nn_op_log_softmax = {
  .name = "LogSoftmax", .torch = "LogSoftmax",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = softmax_attrs, .n_attrs = NN_N_ELEMENTS (softmax_attrs),
  .infer = softmax_infer, .forward = log_softmax_forward,
};

const nn_op nn_op_hardmax = {
  .name = "Hardmax", .torch = "F.one_hot(argmax)",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = softmax_attrs, .n_attrs = NN_N_ELEMENTS (softmax_attrs),
  .infer = softmax_infer, .forward = hardmax_forward,
};
