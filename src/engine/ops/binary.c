/* ops/binary.c - element-wise arithmetic with numpy broadcasting: Add, Sub, Mul, Div,
 * Pow, Mod, and the variadic Max, Min, Sum, Mean
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Add, Sub, Mul and Div take float32, int64 or int32 (both inputs of one dtype, as
 * ONNX says); integer Div truncates towards zero like ONNX's reference. Pow takes
 * float32 base and exponent. Mod with fmod 0 (integers only, as ONNX requires) takes the
 * divisor's sign like Python's %, with fmod 1 the dividend's like C's fmod; an integer
 * division or remainder by zero gives 0. Max, Min and Sum take one or more inputs of
 * one dtype, Mean float32; Max and Min propagate NaN like torch.maximum. PRelu's slope
 * broadcasts onto x one way (x keeps its shape).
 */
#include "config.h"

#include <math.h>

#include "ops/op.h"

typedef enum binary_kind {
  BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_POW, BIN_MOD, BIN_FMOD, BIN_MAX, BIN_MIN,
  BIN_PRELU
} binary_kind;

static nn_status
binary_infer (const nn_op_ctx *ctx, unsigned mask, nn_error *err)
{
  return nn_infer_broadcast (ctx, 0, 2, mask, err);
}

static nn_status
arith_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return binary_infer (ctx, NN_MASK_F32 | NN_MASK_INT, err);
}

static nn_status
pow_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return binary_infer (ctx, NN_MASK_F32, err);
}

/* one innermost row of the output: n elements, operand strides sa, sb */
#define BINARY_ROW(T, EXPR, MOD, FMOD)                                                  \
  static void binary_row_##T (binary_kind kind, const T *a, int64_t sa,        \
                              const T *b, int64_t sb, T *y, int64_t n)          \
  {                                                                             \
    for (int64_t i = 0; i < n; i++)                                             \
      {                                                                         \
        T u = a[i * sa], v = b[i * sb];                                         \
        switch (kind)                                                           \
          {                                                                     \
          case BIN_ADD: y[i] = u + v; break;                                    \
          case BIN_SUB: y[i] = u - v; break;                                    \
          case BIN_MUL: y[i] = u * v; break;                                    \
          case BIN_DIV: y[i] = EXPR; break;                                     \
          case BIN_POW: y[i] = (T) pow ((double) u, (double) v); break;         \
          case BIN_MOD: y[i] = MOD; break;                                      \
          case BIN_FMOD: y[i] = FMOD; break;                                    \
          /* u != u: NaN (never for integers) */                                \
          case BIN_MAX: y[i] = u > v || u != u ? u : v; break;                  \
          case BIN_MIN: y[i] = u < v || u != u ? u : v; break;                  \
          case BIN_PRELU: y[i] = u < 0 ? u * v : u; break;                      \
          }                                                                     \
      }                                                                         \
  }

/* integer remainders; v == -1 apart: INT_MIN % -1 overflows */
#define INT_FMOD(u, v) ((v) == 0 || (v) == -1 ? 0 : (u) % (v))
#define INT_MOD(u, v) (INT_FMOD (u, v) != 0 && (INT_FMOD (u, v) < 0) != ((v) < 0) \
                       ? INT_FMOD (u, v) + (v) : INT_FMOD (u, v))

BINARY_ROW (float, u / v, fmodf (u, v), fmodf (u, v))
BINARY_ROW (int64_t, v != 0 ? u / v : 0, INT_MOD (u, v), INT_FMOD (u, v))
BINARY_ROW (int32_t, v != 0 ? u / v : 0, INT_MOD (u, v), INT_FMOD (u, v))

/* y = a (kind) b, a and b broadcast to y's shape (y may be a) */
static void
binary_apply (binary_kind kind, const nn_array *a, const nn_array *b, nn_array *y)
{
  const nn_type *in[2] = { &a->type, &b->type };
  const nn_type *out = &y->type;
  int64_t numel = nn_array_numel (y);
  int64_t n = out->rank > 0 ? out->shape[out->rank - 1] : 1;
  nn_bcast it;

  if (numel == 0)
    return;
  nn_bcast_init (&it, out, 2, in);
  for (int64_t done = 0; done < numel; done += n)
    {
      int64_t sa = out->rank > 0 ? it.stride[0][out->rank - 1] : 0;
      int64_t sb = out->rank > 0 ? it.stride[1][out->rank - 1] : 0;

      switch (out->dtype)
        {
        case NN_DTYPE_FLOAT32:
          binary_row_float (kind, (const float *) a->data + it.off[0], sa,
                            (const float *) b->data + it.off[1], sb,
                            (float *) y->data + done, n);
          break;
        case NN_DTYPE_INT64:
          binary_row_int64_t (kind, (const int64_t *) a->data + it.off[0], sa,
                              (const int64_t *) b->data + it.off[1], sb,
                              (int64_t *) y->data + done, n);
          break;
        default:
          binary_row_int32_t (kind, (const int32_t *) a->data + it.off[0], sa,
                              (const int32_t *) b->data + it.off[1], sb,
                              (int32_t *) y->data + done, n);
          break;
        }
      nn_bcast_next_row (&it);
    }
}

static nn_status
binary_forward (const nn_op_ctx *ctx, binary_kind kind)
{
  binary_apply (kind, ctx->value[0], ctx->value[1], ctx->y[0]);
  return NN_OK;
}

#define BINARY_OP(sym, KIND, onnx, torch_name, infer_fn)                 \
  static nn_status sym##_forward (const nn_op_ctx *ctx, nn_error *err)   \
  {                                                                      \
    return binary_forward (ctx, KIND);                                   \
  }                                                                      \
  const nn_op nn_op_##sym = {                                            \
    .name = onnx, .torch = torch_name,                                   \
    .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,                \
    .infer = infer_fn, .forward = sym##_forward,                         \
  }

BINARY_OP (add, BIN_ADD, "Add", "torch.add", arith_infer);
BINARY_OP (sub, BIN_SUB, "Sub", "torch.sub", arith_infer);
BINARY_OP (mul, BIN_MUL, "Mul", "torch.mul", arith_infer);
BINARY_OP (div, BIN_DIV, "Div", "torch.div", arith_infer);
BINARY_OP (pow, BIN_POW, "Pow", "torch.pow", pow_infer);

/* ---------------------------------------------------------------- Mod */

static const nn_attr_schema mod_attrs[] = {
  { .name = "fmod", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
};

static nn_status
mod_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_status s = arith_infer (ctx, err);

  if (s == NN_OK && ctx->in[0]->dtype == NN_DTYPE_FLOAT32 && nn_attr_i (ctx, 0) == 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "float inputs need fmod=1 (C's "
                       "fmod, torch.fmod); fmod=0 is for integers");
  return s;
}

static nn_status
mod_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return binary_forward (ctx, nn_attr_i (ctx, 0) ? BIN_FMOD : BIN_MOD);
}

const nn_op nn_op_mod = {
  .name = "Mod", .torch = "torch.remainder",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = mod_attrs, .n_attrs = NN_N_ELEMENTS (mod_attrs),
  .infer = mod_infer, .forward = mod_forward,
};

/* ---------------------------------------------------------------- Max, Min, Sum, Mean */

static nn_status
variadic_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return nn_infer_broadcast (ctx, 0, ctx->n_in, NN_MASK_F32 | NN_MASK_INT, err);
}

static nn_status
mean_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return nn_infer_broadcast (ctx, 0, ctx->n_in, NN_MASK_F32, err);
}

/* y = in0 (kind) in1 (kind) ...; y has the broadcast shape, so it is its own operand */
static nn_status
variadic_forward (const nn_op_ctx *ctx, binary_kind kind)
{
  const nn_array *first = ctx->n_in > 1 ? ctx->value[1] : ctx->value[0];

  binary_apply (kind, ctx->value[0], first, ctx->y[0]);
  for (int k = 2; k < ctx->n_in; k++)
    binary_apply (kind, ctx->y[0], ctx->value[k], ctx->y[0]);
  return NN_OK;
}

static nn_status
max_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return variadic_forward (ctx, BIN_MAX);
}

static nn_status
min_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return variadic_forward (ctx, BIN_MIN);
}

static nn_status
sum_forward (const nn_op_ctx *ctx, nn_error *err)
{
  if (ctx->n_in == 1)
    return nn_forward_copy (ctx, err);
  return variadic_forward (ctx, BIN_ADD);
}

static nn_status
mean_forward (const nn_op_ctx *ctx, nn_error *err)
{
  float *y = ctx->y[0]->data;
  int64_t n = nn_array_numel (ctx->y[0]);

  sum_forward (ctx, err);
  for (int64_t i = 0; i < n; i++)
    y[i] /= (float) ctx->n_in;
  return NN_OK;
}

#define VARIADIC_OP(sym, onnx, torch_name, infer_fn)                     \
  const nn_op nn_op_##sym = {                                            \
    .name = onnx, .torch = torch_name,                                   \
    .min_in = 1, .max_in = NN_NODE_MAX_IO, .min_out = 1, .max_out = 1,   \
    .infer = infer_fn, .forward = sym##_forward,                         \
  }

VARIADIC_OP (max, "Max", "torch.maximum", variadic_infer);
VARIADIC_OP (min, "Min", "torch.minimum", variadic_infer);
VARIADIC_OP (sum, "Sum", "torch.sum(torch.stack)", variadic_infer);
VARIADIC_OP (mean, "Mean", "torch.mean(torch.stack)", mean_infer);

/* ---------------------------------------------------------------- PRelu */

static nn_status
prelu_infer (const nn_op_ctx *ctx, nn_error *err)
{
  char a[160], b[160];
  nn_status s = nn_infer_broadcast (ctx, 0, 2, NN_MASK_F32 | NN_MASK_INT, err);
  bool same = s == NN_OK && ctx->out[0]->rank == ctx->in[0]->rank;

  /* a symbolic dim of x takes the slope's size when the graph runs */
  for (int32_t i = 0; same && i < ctx->in[0]->rank; i++)
    same = ctx->out[0]->shape[i] == ctx->in[0]->shape[i]
           || ctx->in[0]->shape[i] == NN_DIM_SYMBOLIC;
  if (s == NN_OK && !same)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its slope %s must broadcast onto its "
                       "input %s without growing it", nn_op_in_str (ctx, 1, a, sizeof a),
                       nn_op_in_str (ctx, 0, b, sizeof b));
  if (s == NN_OK)
    *ctx->out[0] = *ctx->in[0];
  return s;
}

static nn_status
prelu_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return binary_forward (ctx, BIN_PRELU);
}

const nn_op nn_op_prelu = {
  .name = "PRelu", .torch = "PReLU",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = prelu_infer, .forward = prelu_forward,
};
