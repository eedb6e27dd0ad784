/* ops/logic.c - comparisons and boolean logic with numpy broadcasting: Equal, Less,
 * Greater, LessOrEqual, GreaterOrEqual, Not, And, Or, Xor, Where, IsNaN, IsInf
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Comparisons take two inputs of one dtype (float32, int64, int32; Equal also bool) and
 * give bool; integers are compared as int64, floats as floats (NaN equals nothing).
 * Where picks from X or Y (any dtype, both the same) by a bool condition, all three
 * broadcast together.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ops/op.h"

typedef enum logic_kind {
  LOGIC_EQ, LOGIC_LT, LOGIC_GT, LOGIC_LE, LOGIC_GE, LOGIC_AND, LOGIC_OR, LOGIC_XOR
} logic_kind;

#define MASK_NUMERIC (NN_MASK_F32 | NN_MASK_INT)
#define MASK_BOOL NN_DTYPE_MASK (NN_DTYPE_BOOL)

static nn_status
logic_infer (const nn_op_ctx *ctx, unsigned mask, nn_error *err)
{
  nn_status s = nn_infer_broadcast (ctx, 0, ctx->n_in, mask, err);

  if (s == NN_OK)
    ctx->out[0]->dtype = NN_DTYPE_BOOL;
  return s;
}

static nn_status
compare_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return logic_infer (ctx, MASK_NUMERIC, err);
}

static nn_status
equal_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return logic_infer (ctx, MASK_NUMERIC | MASK_BOOL, err);
}

static nn_status
bool_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return logic_infer (ctx, MASK_BOOL, err);
}

#define COMPARE(kind, u, v)                                                    \
  ((kind) == LOGIC_EQ ? (u) == (v) : (kind) == LOGIC_LT ? (u) < (v)            \
   : (kind) == LOGIC_GT ? (u) > (v) : (kind) == LOGIC_LE ? (u) <= (v)          \
   : (kind) == LOGIC_GE ? (u) >= (v) : (kind) == LOGIC_AND ? ((u) && (v))      \
   : (kind) == LOGIC_OR ? ((u) || (v)) : (!(u) != !(v)))

static nn_status
logic_forward (const nn_op_ctx *ctx, logic_kind kind)
{
  const nn_array *a = ctx->value[0], *b = ctx->value[1];
  const nn_type *in[2] = { &a->type, &b->type };
  uint8_t *y = ctx->y[0]->data;
  int64_t numel = nn_array_numel (ctx->y[0]);
  bool is_float = a->type.dtype == NN_DTYPE_FLOAT32;
  nn_bcast it;

  nn_bcast_init (&it, &ctx->y[0]->type, 2, in);
  for (int64_t i = 0; i < numel; i++, nn_bcast_next (&it))
    {
      if (is_float)
        {
          float u = ((const float *) a->data)[it.off[0]];
          float v = ((const float *) b->data)[it.off[1]];

          y[i] = COMPARE (kind, u, v);
        }
      else
        {
          int64_t u = nn_array_get_i64 (a, it.off[0]), v = nn_array_get_i64 (b, it.off[1]);

          y[i] = COMPARE (kind, u, v);
        }
    }
  return NN_OK;
}

#define LOGIC_OP(sym, KIND, onnx, torch_name, infer_fn)                  \
  static nn_status sym##_forward (const nn_op_ctx *ctx, nn_error *err)   \
  {                                                                      \
    return logic_forward (ctx, KIND);                                    \
  }                                                                      \
  const nn_op nn_op_##sym = {                                            \
    .name = onnx, .torch = torch_name,                                   \
    .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,                \
    .infer = infer_fn, .forward = sym##_forward,                         \
  }

LOGIC_OP (equal, LOGIC_EQ, "Equal", "torch.eq", equal_infer);
LOGIC_OP (less, LOGIC_LT, "Less", "torch.lt", compare_infer);
LOGIC_OP (greater, LOGIC_GT, "Greater", "torch.gt", compare_infer);
LOGIC_OP (less_or_equal, LOGIC_LE, "LessOrEqual", "torch.le", compare_infer);
LOGIC_OP (greater_or_equal, LOGIC_GE, "GreaterOrEqual", "torch.ge", compare_infer);
LOGIC_OP (and, LOGIC_AND, "And", "torch.logical_and", bool_infer);
LOGIC_OP (or, LOGIC_OR, "Or", "torch.logical_or", bool_infer);
LOGIC_OP (xor, LOGIC_XOR, "Xor", "torch.logical_xor", bool_infer);

/* ---------------------------------------------------------------- Not */

static nn_status
not_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const uint8_t *x = ctx->value[0]->data;
  uint8_t *y = ctx->y[0]->data;
  int64_t n = nn_array_numel (ctx->y[0]);

  for (int64_t i = 0; i < n; i++)
    y[i] = !x[i];
  return NN_OK;
}

const nn_op nn_op_not = {
  .name = "Not", .torch = "torch.logical_not",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = bool_infer, .forward = not_forward,
};

/* ---------------------------------------------------------------- Where */

static nn_status
where_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *all[3] = { ctx->in[0], ctx->in[1], ctx->in[2] };
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, MASK_BOOL, err)) != NN_OK
      || (s = nn_infer_broadcast (ctx, 1, 2, NN_MASK_ANY, err)) != NN_OK)
    return s;
  nn_dtype dtype = ctx->out[0]->dtype;

  if (nn_broadcast_types (3, all, ctx->out[0], err) != NN_OK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s", err ? err->message : "");
  ctx->out[0]->dtype = dtype;
  return NN_OK;
}

static nn_status
where_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *in[3] = { &ctx->value[0]->type, &ctx->value[1]->type, &ctx->value[2]->type };
  const uint8_t *cond = ctx->value[0]->data;
  const char *x = ctx->value[1]->data, *yv = ctx->value[2]->data;
  size_t es = nn_dtype_size (ctx->y[0]->type.dtype);
  int64_t numel = nn_array_numel (ctx->y[0]);
  char *out = ctx->y[0]->data;
  nn_bcast it;

  nn_bcast_init (&it, &ctx->y[0]->type, 3, in);
  for (int64_t i = 0; i < numel; i++, nn_bcast_next (&it))
    memcpy (out + (size_t) i * es,
            cond[it.off[0]] ? x + (size_t) it.off[1] * es : yv + (size_t) it.off[2] * es, es);
  return NN_OK;
}

const nn_op nn_op_where = {
  .name = "Where", .torch = "torch.where",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .infer = where_infer, .forward = where_forward,
};

/* ---------------------------------------------------------------- IsNaN, IsInf */

static const nn_attr_schema is_inf_attrs[] = {
  { .name = "detect_negative", .kind = NN_ATTR_INT, .def_i = 1, .min = 0, .max = 1 },
  { .name = "detect_positive", .kind = NN_ATTR_INT, .def_i = 1, .min = 0, .max = 1 },
};

static nn_status
float_test_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err);

  if (s == NN_OK)
    {
      *ctx->out[0] = *ctx->in[0];
      ctx->out[0]->dtype = NN_DTYPE_BOOL;
    }
  return s;
}

/* inf: which infinities count (bit 0 negative, bit 1 positive), 0 for NaN */
static nn_status
float_test_forward (const nn_op_ctx *ctx, int inf)
{
  const float *x = ctx->value[0]->data;
  uint8_t *y = ctx->y[0]->data;
  int64_t n = nn_array_numel (ctx->y[0]);

  for (int64_t i = 0; i < n; i++)
    y[i] = inf == 0 ? isnan (x[i]) != 0
                    : isinf (x[i]) && (x[i] < 0.0f ? inf & 1 : inf & 2);
  return NN_OK;
}

static nn_status
is_nan_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return float_test_forward (ctx, 0);
}

static nn_status
is_inf_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return float_test_forward (ctx, (int) nn_attr_i (ctx, 0) | (int) nn_attr_i (ctx, 1) << 1);
}

const nn_op nn_op_is_nan = {
  .name = "IsNaN", .torch = "torch.isnan",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .infer = float_test_infer, .forward = is_nan_forward,
};

const nn_op nn_op_is_inf = {
  .name = "IsInf", .torch = "torch.isinf",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = is_inf_attrs, .n_attrs = NN_N_ELEMENTS (is_inf_attrs),
  .infer = float_test_infer, .forward = is_inf_forward,
};
