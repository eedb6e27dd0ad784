/* ops/unary.c - element-wise operators of one input: activations, Erf, Sqrt, Exp, Log,
 * Reciprocal, Softplus, Softsign, Selu, Celu, ThresholdedRelu, Shrink, Floor, Ceil,
 * Round, Sin, Cos, Sign, Neg and Abs (float32, int64, int32),
 * Identity, Dropout (inference)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each float operator is a scalar function of x and up to two parameters (from its
 * attributes, or for Clip from its optional inputs); unary_forward maps it over the
 * input.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/op.h"

typedef float (*scalar_fn) (float x, const float *p);

static nn_status
infer_float (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);

  if (s == NN_OK)
    *ctx->out[0] = *ctx->in[0];
  return s;
}

static nn_status
unary_forward (const nn_op_ctx *ctx, scalar_fn f, const float *p)
{
  const float *x = ctx->value[0]->data;
  float *y = ctx->y[0]->data;
  int64_t n = nn_array_numel (ctx->y[0]);

  for (int64_t i = 0; i < n; i++)
    y[i] = f (x[i], p);
  return NN_OK;
}

/* an op whose parameters are its FLOAT attributes, in schema order */
#define UNARY_FORWARD(sym)                                               \
  static nn_status sym##_forward (const nn_op_ctx *ctx, nn_error *err)   \
  {                                                                      \
    float p[2] = { 0.0f, 0.0f };                                         \
    for (int k = 0; k < ctx->op->n_attrs && k < 2; k++)                  \
      p[k] = (float) nn_attr_f (ctx, k);                                 \
    return unary_forward (ctx, sym##_f, p);                              \
  }

#define UNARY_OP(sym, onnx, torch_name, attr_table, n)                   \
  const nn_op nn_op_##sym = {                                            \
    .name = onnx, .torch = torch_name,                                   \
    .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,                \
    .attrs = attr_table, .n_attrs = n,                                   \
    .infer = infer_float, .forward = sym##_forward,                      \
  }

static float
relu_f (float x, const float *p)
{
  return x > 0.0f ? x : 0.0f;
}

static float
leaky_relu_f (float x, const float *p)
{
  return x >= 0.0f ? x : x * p[0];
}

/* ONNX: x for x >= 0, alpha * (exp(x) - 1) below */
static float
elu_f (float x, const float *p)
{
  return x >= 0.0f ? x : p[0] * expm1f (x);
}

static float
sigmoid_f (float x, const float *p)
{
  return 1.0f / (1.0f + expf (-x));
}

/* the float function of libm (tanhf, ...) with the scalar_fn signature */
#define LIBM_F(sym, fn)                                                  \
  static float sym##_f (float x, const float *p)                         \
  {                                                                      \
    return fn (x);                                                       \
  }

LIBM_F (tanh, tanhf)
LIBM_F (erf, erff)
LIBM_F (sqrt, sqrtf)
LIBM_F (exp, expf)
LIBM_F (log, logf)
LIBM_F (floor, floorf)
LIBM_F (ceil, ceilf)
LIBM_F (round, nearbyintf)   /* ONNX Round: halves to even (the default rounding mode) */
LIBM_F (sin, sinf)
LIBM_F (cos, cosf)

/* ONNX Sign: -1, 0 or 1; NaN stays NaN */
static float
sign_f (float x, const float *p)
{
  return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;
}

/* ONNX: max(0, min(1, alpha * x + beta)) */
static float
hard_sigmoid_f (float x, const float *p)
{
  return fmaxf (0.0f, fminf (1.0f, p[0] * x + p[1]));
}

/* ONNX: x * max(0, min(1, x / 6 + 1 / 2)) */
static float
hard_swish_f (float x, const float *p)
{
  return x * fmaxf (0.0f, fminf (1.0f, x / 6.0f + 0.5f));
}

/* ONNX Clip: min(max(x, lo), hi); NaN stays NaN as in PyTorch's clamp */
static float
clip_f (float x, const float *p)
{
  if (isnan (x))
    return x;
  return x < p[0] ? p[0] : x > p[1] ? p[1] : x;
}

/* log(1 + exp(x)) without overflow */
static float
softplus_f (float x, const float *p)
{
  return x > 0.0f ? x + log1pf (expf (-x)) : log1pf (expf (x));
}

static float
softsign_f (float x, const float *p)
{
  return x / (1.0f + fabsf (x));
}

/* ONNX: gamma * (x > 0 ? x : alpha * (exp(x) - 1)) */
static float
selu_f (float x, const float *p)
{
  return p[1] * (x > 0.0f ? x : p[0] * expm1f (x));
}

/* ONNX: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) */
static float
celu_f (float x, const float *p)
{
  return fmaxf (0.0f, x) + fminf (0.0f, p[0] * expm1f (x / p[0]));
}

static float
thresholded_relu_f (float x, const float *p)
{
  return x > p[0] ? x : 0.0f;
}

/* ONNX Shrink: x + bias below -lambd, x - bias above lambd, 0 between */
static float
shrink_f (float x, const float *p)
{
  return x < -p[1] ? x + p[0] : x > p[1] ? x - p[0] : 0.0f;
}

static float
reciprocal_f (float x, const float *p)
{
  return 1.0f / x;
}

UNARY_FORWARD (relu)
UNARY_FORWARD (leaky_relu)
UNARY_FORWARD (elu)
UNARY_FORWARD (sigmoid)
UNARY_FORWARD (tanh)
UNARY_FORWARD (hard_sigmoid)
UNARY_FORWARD (hard_swish)
UNARY_FORWARD (erf)
UNARY_FORWARD (sqrt)
UNARY_FORWARD (exp)
UNARY_FORWARD (log)
UNARY_FORWARD (reciprocal)
UNARY_FORWARD (softplus)
UNARY_FORWARD (softsign)
UNARY_FORWARD (selu)
UNARY_FORWARD (celu)
UNARY_FORWARD (floor)
UNARY_FORWARD (ceil)
UNARY_FORWARD (round)
UNARY_FORWARD (sin)
UNARY_FORWARD (cos)
UNARY_FORWARD (sign)
UNARY_FORWARD (thresholded_relu)
UNARY_FORWARD (shrink)

static const nn_attr_schema leaky_attrs[] = {
  { .name = "alpha", .torch = "negative_slope", .kind = NN_ATTR_FLOAT, .def_f = 0.01 },
};
static const nn_attr_schema elu_attrs[] = {
  { .name = "alpha", .torch = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
};
/* float32's nearest values to the constants of the SELU paper, ONNX's defaults */
static const nn_attr_schema selu_attrs[] = {
  { .name = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 1.67326319217681884765625 },
  { .name = "gamma", .kind = NN_ATTR_FLOAT, .def_f = 1.05070102214813232421875 },
};
static const nn_attr_schema celu_attrs[] = {
  { .name = "alpha", .torch = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
};
static const nn_attr_schema thresholded_relu_attrs[] = {
  { .name = "alpha", .torch = "threshold", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
};
static const nn_attr_schema shrink_attrs[] = {
  { .name = "bias", .kind = NN_ATTR_FLOAT, .def_f = 0.0 },
  { .name = "lambd", .torch = "lambd", .kind = NN_ATTR_FLOAT, .def_f = 0.5 },
};
static const nn_attr_schema hard_sigmoid_attrs[] = {
  { .name = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 0.2 },
  { .name = "beta", .kind = NN_ATTR_FLOAT, .def_f = 0.5 },
};

UNARY_OP (relu, "Relu", "ReLU", NULL, 0);
UNARY_OP (leaky_relu, "LeakyRelu", "LeakyReLU", leaky_attrs, 1);
UNARY_OP (elu, "Elu", "ELU", elu_attrs, 1);
UNARY_OP (sigmoid, "Sigmoid", "Sigmoid", NULL, 0);
UNARY_OP (tanh, "Tanh", "Tanh", NULL, 0);
UNARY_OP (hard_sigmoid, "HardSigmoid", "Hardsigmoid", hard_sigmoid_attrs, 2);
UNARY_OP (hard_swish, "HardSwish", "Hardswish", NULL, 0);
UNARY_OP (erf, "Erf", "torch.erf", NULL, 0);
UNARY_OP (sqrt, "Sqrt", "torch.sqrt", NULL, 0);
UNARY_OP (exp, "Exp", "torch.exp", NULL, 0);
UNARY_OP (log, "Log", "torch.log", NULL, 0);
UNARY_OP (reciprocal, "Reciprocal", "torch.reciprocal", NULL, 0);
UNARY_OP (softplus, "Softplus", "Softplus", NULL, 0);
UNARY_OP (softsign, "Softsign", "Softsign", NULL, 0);
UNARY_OP (selu, "Selu", "SELU", selu_attrs, 2);
UNARY_OP (celu, "Celu", "CELU", celu_attrs, 1);
UNARY_OP (floor, "Floor", "torch.floor", NULL, 0);
UNARY_OP (ceil, "Ceil", "torch.ceil", NULL, 0);
UNARY_OP (round, "Round", "torch.round", NULL, 0);
UNARY_OP (sin, "Sin", "torch.sin", NULL, 0);
UNARY_OP (cos, "Cos", "torch.cos", NULL, 0);
UNARY_OP (sign, "Sign", "torch.sign", NULL, 0);
UNARY_OP (thresholded_relu, "ThresholdedRelu", "Threshold", thresholded_relu_attrs, 1);
UNARY_OP (shrink, "Shrink", "Hardshrink", shrink_attrs, 2);

/* ---------------------------------------------------------------- Neg, Abs */

static nn_status
infer_signed (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32 | NN_MASK_INT, err);

  if (s == NN_OK)
    *ctx->out[0] = *ctx->in[0];
  return s;
}

/* EXPR of x (float) or of x's bits as unsigned (integers wrap in two's complement,
 * -INT64_MIN is INT64_MIN, as numpy says); neg_x is -x, is_neg x < 0 */
#define SIGNED_OP(sym, EXPR, onnx, torch_name)                                      \
  static nn_status sym##_forward (const nn_op_ctx *ctx, nn_error *err)              \
  {                                                                                 \
    int64_t n = nn_array_numel (ctx->y[0]);                                         \
    const void *xv = ctx->value[0]->data;                                           \
    void *yv = ctx->y[0]->data;                                                     \
                                                                                    \
    switch (ctx->y[0]->type.dtype)                                                  \
      {                                                                             \
      case NN_DTYPE_FLOAT32:                                                        \
        for (int64_t i = 0; i < n; i++)                                             \
          {                                                                         \
            float x = ((const float *) xv)[i];                                      \
            ((float *) yv)[i] = EXPR (x, -x, signbit (x));                          \
          }                                                                         \
        break;                                                                      \
      case NN_DTYPE_INT64:                                                          \
        for (int64_t i = 0; i < n; i++)                                             \
          {                                                                         \
            uint64_t x = (uint64_t) ((const int64_t *) xv)[i];                      \
            ((int64_t *) yv)[i] = (int64_t) EXPR (x, 0u - x, (int64_t) x < 0);      \
          }                                                                         \
        break;                                                                      \
      default:                                                                      \
        for (int64_t i = 0; i < n; i++)                                             \
          {                                                                         \
            uint32_t x = (uint32_t) ((const int32_t *) xv)[i];                      \
            ((int32_t *) yv)[i] = (int32_t) EXPR (x, 0u - x, (int32_t) x < 0);      \
          }                                                                         \
        break;                                                                      \
      }                                                                             \
    return NN_OK;                                                                   \
  }                                                                                 \
  const nn_op nn_op_##sym = {                                                       \
    .name = onnx, .torch = torch_name,                                              \
    .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,                           \
    .infer = infer_signed, .forward = sym##_forward,                                \
  }

#define ABS_EXPR(x, neg_x, is_neg) ((is_neg) ? (neg_x) : (x))
#define NEG_EXPR(x, neg_x, is_neg) (neg_x)
SIGNED_OP (abs, ABS_EXPR, "Abs", "torch.abs");
SIGNED_OP (neg, NEG_EXPR, "Neg", "torch.neg");

/* ---------------------------------------------------------------- Clip */

/* min and max are optional scalar inputs 2 and 3 (ONNX opset 11+) */
static nn_status
clip_infer (const nn_op_ctx *ctx, nn_error *err)
{
  for (int k = 1; k < ctx->n_in; k++)
    {
      if (ctx->in[k] == NULL)
        continue;
      nn_status s = nn_op_check_dtype (ctx, k, NN_MASK_F32, err);

      if (s != NN_OK)
        return s;
      if (nn_type_numel (ctx->in[k]) != 1)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %s must be one number (a "
                           "scalar), not %d-dimensional", k == 1 ? "min" : "max",
                           (int) ctx->in[k]->rank);
    }
  return infer_float (ctx, err);
}

static nn_status
clip_forward (const nn_op_ctx *ctx, nn_error *err)
{
  float p[2] = { -INFINITY, INFINITY };

  for (int k = 1; k < ctx->n_in; k++)
    if (ctx->value[k] != NULL)
      p[k - 1] = ((const float *) ctx->value[k]->data)[0];
  return unary_forward (ctx, clip_f, p);
}

const nn_op nn_op_clip = {
  .name = "Clip", .torch = "Hardtanh", /* ReLU6 is Clip(0, 6) */
  .min_in = 1, .max_in = 3, .min_out = 1, .max_out = 1,
  .infer = clip_infer, .forward = clip_forward,
};

/* ---------------------------------------------------------------- Identity, Dropout */

const nn_op nn_op_identity = {
  .name = "Identity", .torch = "Identity",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = nn_infer_same, .forward = nn_forward_copy,
};

/* Inference only: inputs data, ratio (optional), training_mode (optional, must be
 * false); outputs output and the optional mask (all true, as ONNX says). */
static nn_status
dropout_infer (const nn_op_ctx *ctx, nn_error *err)
{
  if (ctx->n_in > 2 && ctx->in[2] != NULL)
    {
      if (ctx->in[2]->dtype != NN_DTYPE_BOOL || nn_type_numel (ctx->in[2]) != 1)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "training_mode must be one bool");
      if (ctx->value[2] == NULL || nn_array_get_i64 (ctx->value[2], 0) != 0)
        return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "only inference "
                           "(training_mode false) is supported so far");
    }
  if (ctx->n_in > 1 && ctx->in[1] != NULL && nn_type_numel (ctx->in[1]) != 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "ratio must be one number");
  nn_status s = infer_float (ctx, err);

  if (s != NN_OK)
    return s;
  if (ctx->n_out > 1)
    {
      *ctx->out[1] = *ctx->in[0];
      ctx->out[1]->dtype = NN_DTYPE_BOOL;
    }
  return NN_OK;
}

static nn_status
dropout_forward (const nn_op_ctx *ctx, nn_error *err)
{
  nn_forward_copy (ctx, err);
  if (ctx->n_out > 1)
    memset (ctx->y[1]->data, 1, nn_array_bytes (ctx->y[1]));
  return NN_OK;
}

static const nn_attr_schema dropout_attrs[] = {
  { .name = "seed", .kind = NN_ATTR_INT },
};

const nn_op nn_op_dropout = {
  .name = "Dropout", .torch = "Dropout",
  .min_in = 1, .max_in = 3, .min_out = 1, .max_out = 2,
  .attrs = dropout_attrs, .n_attrs = NN_N_ELEMENTS (dropout_attrs),
  .infer = dropout_infer, .forward = dropout_forward,
};
