/* ops/binary.c - element-wise operators of two inputs with numpy broadcasting:
 * Add, Sub, Mul, Div, Pow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Add, Sub, Mul and Div take float32, int64 or int32 (both inputs of one dtype, as
 * ONNX says); integer Div truncates towards zero like ONNX's reference. Pow takes
 * float32 base and exponent.
 */
#include "config.h"

#include <math.h>

#include "ops/op.h"

typedef enum binary_kind { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_POW } binary_kind;

static nn_status
binary_infer (const nn_op_ctx *ctx, unsigned mask, nn_error *err)
{
  nn_status s;
  char a[160], b[160];

  if ((s = nn_op_check_dtype (ctx, 0, mask, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, mask, err)) != NN_OK)
    return s;
  if (ctx->in[0]->dtype != ctx->in[1]->dtype)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its inputs have different dtypes, "
                       "%s and %s", nn_op_in_str (ctx, 0, a, sizeof a),
                       nn_op_in_str (ctx, 1, b, sizeof b));
  if (nn_broadcast_types (2, ctx->in, ctx->out[0], err) != NN_OK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "%s", err ? err->message : "");
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return NN_OK;
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
#define BINARY_ROW(T, EXPR)                                                     \
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
          }                                                                     \
      }                                                                         \
  }

BINARY_ROW (float, u / v)
BINARY_ROW (int64_t, v != 0 ? u / v : 0)
BINARY_ROW (int32_t, v != 0 ? u / v : 0)

static nn_status
binary_forward (const nn_op_ctx *ctx, binary_kind kind)
{
  const nn_type *in[2] = { &ctx->value[0]->type, &ctx->value[1]->type };
  const nn_type *out = &ctx->y[0]->type;
  int64_t numel = nn_array_numel (ctx->y[0]);
  int64_t n = out->rank > 0 ? out->shape[out->rank - 1] : 1;
  nn_bcast b;

  if (numel == 0)
    return NN_OK;
  nn_bcast_init (&b, out, 2, in);
  for (int64_t done = 0; done < numel; done += n)
    {
      int64_t sa = out->rank > 0 ? b.stride[0][out->rank - 1] : 0;
      int64_t sb = out->rank > 0 ? b.stride[1][out->rank - 1] : 0;

      switch (out->dtype)
        {
        case NN_DTYPE_FLOAT32:
          binary_row_float (kind, (const float *) ctx->value[0]->data + b.off[0], sa,
                            (const float *) ctx->value[1]->data + b.off[1], sb,
                            (float *) ctx->y[0]->data + done, n);
          break;
        case NN_DTYPE_INT64:
          binary_row_int64_t (kind, (const int64_t *) ctx->value[0]->data + b.off[0], sa,
                              (const int64_t *) ctx->value[1]->data + b.off[1], sb,
                              (int64_t *) ctx->y[0]->data + done, n);
          break;
        default:
          binary_row_int32_t (kind, (const int32_t *) ctx->value[0]->data + b.off[0], sa,
                              (const int32_t *) ctx->value[1]->data + b.off[1], sb,
                              (int32_t *) ctx->y[0]->data + done, n);
          break;
        }
      nn_bcast_next_row (&b);
    }
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
