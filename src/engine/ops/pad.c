/* ops/pad.c - Pad (opset 11-18 form: pads and constant_value as inputs; modes constant,
 * reflect, edge)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pads holds 2 * rank values, every axis' begin then every axis' end; a negative pad
 * crops. As in ONNX's reference, the crop comes first and reflect/edge then read the
 * cropped tensor; reflect mirrors without repeating the border (numpy's "reflect") and
 * keeps mirroring when a pad is wider than the axis.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE };

static const nn_attr_schema pad_attrs[] = {
  { .name = "mode", .torch = "mode", .kind = NN_ATTR_STRING, .def_s = "constant",
    .choices = "constant|reflect|edge" },
};

static int
pad_mode (const nn_op_ctx *ctx)
{
  const char *m = nn_attr_s (ctx, 0);

  return strcmp (m, "reflect") == 0 ? PAD_REFLECT : strcmp (m, "edge") == 0 ? PAD_EDGE
                                                                             : PAD_CONSTANT;
}

/* pads into begin[] and end[] of each axis; *known false when pads is not a constant */
static nn_status
pad_amounts (const nn_op_ctx *ctx, int64_t *begin, int64_t *end, bool *known, nn_error *err)
{
  int32_t rank = ctx->in[0]->rank, n;
  int64_t pads[2 * NN_ARRAY_MAX_RANK];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (ctx->in[1]->rank != 1 || (ctx->in[1]->shape[0] >= 0 && ctx->in[1]->shape[0] != 2 * rank))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "pads must be a list of 2 * rank = %d "
                       "values (every axis' begin, then every axis' end)", (int) (2 * rank));
  *known = ctx->value[1] != NULL;
  if (!*known)
    return NN_OK;
  if ((s = nn_op_const_ints (ctx, 1, pads, 2 * NN_ARRAY_MAX_RANK, &n, err)) != NN_OK)
    return s;
  for (int32_t a = 0; a < rank; a++)
    {
      begin[a] = pads[a];
      end[a] = pads[rank + a];
    }
  return NN_OK;
}

static nn_status
pad_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int64_t begin[NN_ARRAY_MAX_RANK], end[NN_ARRAY_MAX_RANK];
  bool known;
  char a[160], b[160];
  nn_status s;

  if ((s = pad_amounts (ctx, begin, end, &known, err)) != NN_OK)
    return s;
  if (ctx->n_in > 2 && ctx->in[2] != NULL
      && (ctx->in[2]->dtype != x->dtype || nn_type_numel (ctx->in[2]) != 1))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "constant_value %s must be one value of "
                       "the data's dtype (%s)", nn_op_in_str (ctx, 2, a, sizeof a),
                       nn_op_in_str (ctx, 0, b, sizeof b));
  *ctx->out[0] = *x;
  for (int32_t i = 0; i < x->rank; i++)
    {
      int64_t d = x->shape[i], o;

      if (!known || d == NN_DIM_SYMBOLIC)
        {
          ctx->out[0]->shape[i] = NN_DIM_SYMBOLIC;
          continue;
        }
      if (__builtin_add_overflow (d, begin[i], &o) || __builtin_add_overflow (o, end[i], &o)
          || o < 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "pads %" PRId64 " and %" PRId64
                           " of axis %d (size %" PRId64 ") leave no valid size", begin[i],
                           end[i], (int) i, d);
      if (pad_mode (ctx) != PAD_CONSTANT && o > 0 && d - (begin[i] < 0 ? -begin[i] : 0)
          - (end[i] < 0 ? -end[i] : 0) <= 0)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "%s padding needs at least one "
                           "element on axis %d, which is empty after cropping",
                           nn_attr_s (ctx, 0), (int) i);
      ctx->out[0]->shape[i] = o;
    }
  return NN_OK;
}

/* the input index that output index o of an axis reads, -1 for the constant */
static int64_t
pad_source (int mode, int64_t o, int64_t begin, int64_t crop, int64_t len)
{
  int64_t q = o - (begin > 0 ? begin : 0), p;

  if (q >= 0 && q < len)
    return crop + q;
  if (mode == PAD_CONSTANT)
    return -1;
  if (mode == PAD_EDGE || len == 1)
    return crop + (q < 0 ? 0 : len - 1);
  p = 2 * (len - 1);
  q %= p;
  q = q < 0 ? q + p : q;
  return crop + (q >= len ? p - q : q);
}

static nn_status
pad_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  nn_array *y = ctx->y[0];
  int32_t rank = x->type.rank;
  int64_t begin[NN_ARRAY_MAX_RANK], end[NN_ARRAY_MAX_RANK], strides[NN_ARRAY_MAX_RANK];
  int64_t idx[NN_ARRAY_MAX_RANK] = { 0 }, numel = nn_array_numel (y);
  int64_t *map[NN_ARRAY_MAX_RANK], *tables;
  size_t es = nn_dtype_size (x->type.dtype);
  char cval[8] = { 0 };
  int mode = pad_mode (ctx);
  bool known;
  nn_status s;

  if ((s = pad_amounts (ctx, begin, end, &known, err)) != NN_OK)
    return s;
  if (ctx->n_in > 2 && ctx->value[2] != NULL)
    memcpy (cval, ctx->value[2]->data, es);
  if (numel == 0)
    return NN_OK;
  /* per axis: the input index of each output index */
  tables = nn_axis_tables (rank, y->type.shape, sizeof *tables, (void **) map);
  if (tables == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
  for (int32_t a = 0; a < rank; a++)
    {
      int64_t crop = begin[a] < 0 ? -begin[a] : 0;
      int64_t len = x->type.shape[a] - crop - (end[a] < 0 ? -end[a] : 0);

      for (int64_t o = 0; o < y->type.shape[a]; o++)
        map[a][o] = pad_source (mode, o, begin[a], crop, len);
    }
  nn_strides (rank, x->type.shape, strides);
  for (int64_t i = 0; i < numel; i++)
    {
      int64_t off = 0;
      bool pad = false;

      for (int32_t a = 0; a < rank; a++)
        {
          int64_t src = map[a][idx[a]];

          pad |= src < 0;
          off += src * strides[a];
        }
      memcpy ((char *) y->data + (size_t) i * es,
              pad ? cval : (const char *) x->data + (size_t) off * es, es);
      nn_index_next (rank, y->type.shape, idx);
    }
  free (tables);
  return NN_OK;
}

const nn_op nn_op_pad = {
  .name = "Pad", .torch = "F.pad",
  .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = pad_attrs, .n_attrs = NN_N_ELEMENTS (pad_attrs),
  .infer = pad_infer, .forward = pad_forward,
};
