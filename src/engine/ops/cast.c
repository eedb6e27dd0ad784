/* ops/cast.c - Cast between the engine's dtypes (float32, int64, int32, bool)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * to is an ONNX TensorProto data type number (1 float, 6 int32, 7 int64, 9 bool).
 * float to integer truncates towards zero like ONNX's reference (numpy's astype); where
 * numpy's result is undefined (NaN, out of range) this saturates to the integer range and
 * gives 0 for NaN. int64 to int32 keeps the low 32 bits as numpy does; anything to bool
 * is x != 0 (NaN is true); bool to a number is 0 or 1.
 */
#include "config.h"

#include <inttypes.h>

#include "ops/op.h"

static const nn_attr_schema cast_attrs[] = {
  { .name = "to", .torch = "dtype", .kind = NN_ATTR_INT, .def_i = NN_ONNX_FLOAT },
};

static nn_status
cast_infer (const nn_op_ctx *ctx, nn_error *err)
{
  *ctx->out[0] = *ctx->in[0];
  if (!nn_dtype_from_onnx (nn_attr_i (ctx, 0), &ctx->out[0]->dtype))
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "to=%" PRId64 " is an ONNX data type "
                       "the engine does not have; float (1), int32 (6), int64 (7) and bool "
                       "(9) are supported", nn_attr_i (ctx, 0));
  return NN_OK;
}

static nn_status
cast_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  nn_array *y = ctx->y[0];
  int64_t n = nn_array_numel (y);

  if (x->type.dtype == y->type.dtype)
    return nn_forward_copy (ctx, err);
  for (int64_t i = 0; i < n; i++)
    if (x->type.dtype == NN_DTYPE_FLOAT32)
      nn_array_set_f64 (y, i, nn_array_get_f64 (x, i));
    else
      nn_array_set_i64 (y, i, nn_array_get_i64 (x, i));
  return NN_OK;
}

const nn_op nn_op_cast = {
  .name = "Cast", .torch = "Tensor.to",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = cast_attrs, .n_attrs = NN_N_ELEMENTS (cast_attrs),
  .infer = cast_infer, .forward = cast_forward,
};
