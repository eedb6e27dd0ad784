/* ops/reduce.c - ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceL2,
 * ReduceL1, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp; ArgMax, ArgMin, TopK, CumSum
 * (axes as attribute or as input, whichever the model gives: ReduceSum moved them to an
 * input at opset 13, the others at 18; keepdims, noop_with_empty_axes)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Floats accumulate in double, integers in int64 (Sum, Prod, Max and Min take float32,
 * int64 and int32; the others float32). An empty reduction gives ONNX's identity: 0
 * for Sum, L1, L2 and SumSquare, -inf for LogSum and LogSumExp, 1 for Prod, -inf / +inf (the integer's extremes) for Max / Min, NaN
 * for Mean as in PyTorch. Max and Min propagate NaN like torch.amax.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

enum { REDUCE_AXES, REDUCE_KEEPDIMS, REDUCE_NOOP_EMPTY, N_REDUCE_ATTRS };

static const nn_attr_schema reduce_attrs[] = {
  { .name = "axes", .torch = "dim", .kind = NN_ATTR_INTS, .min = -NN_ARRAY_MAX_RANK,
    .max = NN_ARRAY_MAX_RANK - 1 },
  { .name = "keepdims", .torch = "keepdim", .kind = NN_ATTR_INT, .def_i = 1, .min = 0,
    .max = 1 },
  { .name = "noop_with_empty_axes", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (reduce_attrs) == N_REDUCE_ATTRS, "reduce_attrs and its enum");

/* which axes are reduced; *noop when none is and noop_with_empty_axes says so */
static nn_status
reduce_mask (const nn_op_ctx *ctx, bool *mask, bool *noop, nn_error *err)
{
  int32_t rank = ctx->in[0]->rank, n;
  int64_t axes[NN_ARRAY_MAX_RANK];
  nn_status s;

  if (ctx->n_in > 1 && ctx->in[1] != NULL)
    {
      if ((s = nn_op_const_ints (ctx, 1, axes, NN_ARRAY_MAX_RANK, &n, err)) != NN_OK)
        return s;
    }
  else
    memcpy (axes, nn_attr_ints (ctx, REDUCE_AXES, &n), NN_ARRAY_MAX_RANK * sizeof *axes);
  *noop = n == 0 && nn_attr_i (ctx, REDUCE_NOOP_EMPTY) != 0;
  if ((s = nn_op_axes_mask (ctx, axes, n, rank, mask, err)) != NN_OK)
    return s;
  /* no axes: all of them, unless noop_with_empty_axes */
  for (int32_t i = 0; i < rank && n == 0; i++)
    mask[i] = !*noop;
  return NN_OK;
}

typedef enum reduce_kind {
  RED_MEAN, RED_SUM, RED_MAX, RED_MIN, RED_PROD, RED_L2, RED_L1, RED_SUM_SQUARE, RED_LOG_SUM,
  RED_LOG_SUM_EXP
} reduce_kind;

static nn_status
reduce_infer_mask (const nn_op_ctx *ctx, unsigned dtypes, nn_error *err)
{
  bool mask[NN_ARRAY_MAX_RANK], noop, keep = nn_attr_i (ctx, REDUCE_KEEPDIMS) != 0;
  nn_status s = nn_op_check_dtype (ctx, 0, dtypes, err);
  const nn_type *x = ctx->in[0];

  if (s != NN_OK || (s = reduce_mask (ctx, mask, &noop, err)) != NN_OK)
    return s;
  *ctx->out[0] = *x;
  ctx->out[0]->rank = 0;
  for (int32_t i = 0; i < x->rank; i++)
    if (!mask[i])
      ctx->out[0]->shape[ctx->out[0]->rank++] = x->shape[i];
    else if (keep)
      ctx->out[0]->shape[ctx->out[0]->rank++] = 1;
  return NN_OK;
}

static nn_status
reduce_infer (const nn_op_ctx *ctx, nn_error *err)
{
  return reduce_infer_mask (ctx, NN_MASK_F32, err);
}

static nn_status
reduce_infer_numeric (const nn_op_ctx *ctx, nn_error *err)
{
  return reduce_infer_mask (ctx, NN_MASK_F32 | NN_MASK_INT, err);
}

#define REDUCE_STEP(kind, acc, v)                                                 \
  switch (kind)                                                                   \
    {                                                                             \
    case RED_MAX: acc = (v) > acc || (v) != (v) || acc != acc ? (v) : acc; break; \
    case RED_MIN: acc = (v) < acc || (v) != (v) || acc != acc ? (v) : acc; break; \
    case RED_PROD: acc *= (v); break;                                             \
    case RED_L2: case RED_SUM_SQUARE: acc += (v) * (v); break;                    \
    case RED_L1: acc += (v) < 0 ? -(v) : (v); break;                              \
    default: acc += (v); break;                                                   \
    }

/* log(sum(exp(x))) as max + log(sum(exp(x - max))); acc holds m doubles, freed here */
static nn_status
log_sum_exp (const nn_op_ctx *ctx, const nn_type *x, const nn_type *const *ops,
             double *acc)
{
  int64_t n = nn_array_numel (ctx->value[0]), m = nn_array_numel (ctx->y[0]);
  const float *src = ctx->value[0]->data;
  float *y = ctx->y[0]->data;
  nn_bcast it;

  for (int64_t i = 0; i < m; i++)
    y[i] = -INFINITY;
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    y[it.off[0]] = fmaxf (y[it.off[0]], src[i]);
  for (int64_t i = 0; i < m; i++)
    acc[i] = 0.0;
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    acc[it.off[0]] += isinf (y[it.off[0]]) ? (src[i] == y[it.off[0]] ? 1.0 : 0.0)
                                           : exp ((double) src[i] - y[it.off[0]]);
  for (int64_t i = 0; i < m; i++)
    y[i] = isinf (y[i]) && y[i] > 0 ? y[i] : (float) (y[i] + log (acc[i]));
  free (acc);
  return NN_OK;
}

static nn_status
reduce_forward_kind (const nn_op_ctx *ctx, reduce_kind kind, nn_error *err)
{
  const nn_array *xa = ctx->value[0];
  const nn_type *x = &xa->type;
  bool mask[NN_ARRAY_MAX_RANK], noop, is_float = x->dtype == NN_DTYPE_FLOAT32;
  nn_type kept = *x;
  const nn_type *ops[1] = { &kept };
  int64_t n = nn_array_numel (xa), m = nn_array_numel (ctx->y[0]);
  double *acc_f = NULL;
  int64_t *acc_i = NULL;
  nn_status s;
  nn_bcast it;

  if ((s = reduce_mask (ctx, mask, &noop, err)) != NN_OK)
    return s;
  if (noop)   /* ONNX: the input as it is */
    return nn_forward_copy (ctx, err);
  if (is_float)
    acc_f = malloc ((size_t) (m > 0 ? m : 1) * sizeof *acc_f);
  else
    acc_i = malloc ((size_t) (m > 0 ? m : 1) * sizeof *acc_i);
  if (acc_f == NULL && acc_i == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
  for (int64_t i = 0; i < m; i++)
    if (is_float)
      acc_f[i] = kind == RED_MAX ? -INFINITY : kind == RED_MIN ? INFINITY
                 : kind == RED_PROD ? 1.0 : 0.0;
    else
      acc_i[i] = kind == RED_MAX ? INT64_MIN : kind == RED_MIN ? INT64_MAX
                 : kind == RED_PROD ? 1 : 0;
  for (int32_t i = 0; i < x->rank; i++)
    if (mask[i])
      kept.shape[i] = 1;
  /* walk the input; operand 0 is the output with the reduced axes kept as size 1 */
  if (kind == RED_LOG_SUM_EXP)
    return log_sum_exp (ctx, x, ops, acc_f);
  nn_bcast_init (&it, x, 1, ops);
  for (int64_t i = 0; i < n; i++, nn_bcast_next (&it))
    if (is_float)
      {
        double v = ((const float *) xa->data)[i];

        REDUCE_STEP (kind, acc_f[it.off[0]], v);
      }
    else
      {
        int64_t v = nn_array_get_i64 (xa, i);

        REDUCE_STEP (kind, acc_i[it.off[0]], v);
      }
  /* each output reduces n / m inputs */
  for (int64_t i = 0; i < m; i++)
    if (!is_float)
      nn_array_set_i64 (ctx->y[0], i, acc_i[i]);
    else if (kind == RED_MEAN)
      ((float *) ctx->y[0]->data)[i] = n > 0 ? (float) (acc_f[i] / (double) (n / m)) : NAN;
    else
      ((float *) ctx->y[0]->data)[i] = (float) (kind == RED_L2 ? sqrt (acc_f[i])
                                                : kind == RED_LOG_SUM ? log (acc_f[i])
                                                : acc_f[i]);
  free (acc_f);
  free (acc_i);
  return NN_OK;
}

#define REDUCE_OP(sym, KIND, onnx, torch_name, infer_fn)                 \
  static nn_status sym##_forward (const nn_op_ctx *ctx, nn_error *err)   \
  {                                                                      \
    return reduce_forward_kind (ctx, KIND, err);                         \
  }                                                                      \
  const nn_op nn_op_##sym = {                                            \
    .name = onnx, .torch = torch_name,                                   \
    .min_in = 1, .max_in = 2, .min_out = 1, .max_out = 1,                \
    .attrs = reduce_attrs, .n_attrs = N_REDUCE_ATTRS,                    \
    .infer = infer_fn, .forward = sym##_forward,                         \
    .macs = nn_macs_per_element,                                         \
  }

REDUCE_OP (reduce_mean, RED_MEAN, "ReduceMean", "torch.mean", reduce_infer);
REDUCE_OP (reduce_sum, RED_SUM, "ReduceSum", "torch.sum", reduce_infer_numeric);
REDUCE_OP (reduce_max, RED_MAX, "ReduceMax", "torch.amax", reduce_infer_numeric);
REDUCE_OP (reduce_min, RED_MIN, "ReduceMin", "torch.amin", reduce_infer_numeric);
REDUCE_OP (reduce_prod, RED_PROD, "ReduceProd", "torch.prod", reduce_infer_numeric);
REDUCE_OP (reduce_l2, RED_L2, "ReduceL2", "torch.linalg.vector_norm", reduce_infer);
REDUCE_OP (reduce_l1, RED_L1, "ReduceL1", "torch.linalg.vector_norm(ord=1)", reduce_infer);
REDUCE_OP (reduce_sum_square, RED_SUM_SQUARE, "ReduceSumSquare", "torch.sum(x * x)",
           reduce_infer);
REDUCE_OP (reduce_log_sum, RED_LOG_SUM, "ReduceLogSum", "torch.log(torch.sum)", reduce_infer);
REDUCE_OP (reduce_log_sum_exp, RED_LOG_SUM_EXP, "ReduceLogSumExp", "torch.logsumexp",
           reduce_infer);

/* ---------------------------------------------------------------- ArgMax, ArgMin */

enum { ARG_AXIS, ARG_KEEPDIMS, ARG_SELECT_LAST, N_ARG_ATTRS };

static const nn_attr_schema arg_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = 0 },
  { .name = "keepdims", .torch = "keepdim", .kind = NN_ATTR_INT, .def_i = 1, .min = 0,
    .max = 1 },
  { .name = "select_last_index", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (arg_attrs) == N_ARG_ATTRS, "arg_attrs and its enum");

static nn_status
arg_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, ARG_AXIS), x->rank, false);
  nn_status s = nn_op_check_dtype (ctx, 0, NN_MASK_F32 | NN_MASK_INT, err);
  nn_type *y = ctx->out[0];

  if (s != NN_OK)
    return s;
  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_attr_i (ctx, ARG_AXIS), (int) x->rank);
  if (x->shape[axis] == 0)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "axis %d is empty: it has no largest or "
                       "smallest element", (int) axis);
  *y = *x;
  y->dtype = NN_DTYPE_INT64;
  if (nn_attr_i (ctx, ARG_KEEPDIMS))
    y->shape[axis] = 1;
  else
    {
      memmove (y->shape + axis, y->shape + axis + 1,
               (size_t) (x->rank - axis - 1) * sizeof *y->shape);
      y->rank--;
    }
  return NN_OK;
}

/* the index of the largest (sign 1) or smallest (sign -1) element along the axis; NaN
 * counts as the largest and the smallest, as in torch.argmax. Integers are compared as
 * doubles: exactly up to 2^53. */
static nn_status
arg_forward (const nn_op_ctx *ctx, double sign)
{
  const nn_array *x = ctx->value[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, ARG_AXIS), x->type.rank, false);
  int64_t outer = nn_dims_product (&x->type, 0, axis), dim = x->type.shape[axis];
  int64_t inner = nn_dims_product (&x->type, axis + 1, x->type.rank);
  bool last = nn_attr_i (ctx, ARG_SELECT_LAST) != 0;
  int64_t *y = ctx->y[0]->data;

  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        int64_t base = o * dim * inner + i, best = 0;
        double bv = nn_array_get_f64 (x, base);

        for (int64_t j = 1; j < dim && !isnan (bv); j++)
          {
            double v = nn_array_get_f64 (x, base + j * inner);

            if (isnan (v) || sign * v > sign * bv || (last && v == bv))
              {
                best = j;
                bv = v;
              }
          }
        y[o * inner + i] = best;
      }
  return NN_OK;
}

static nn_status
arg_max_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return arg_forward (ctx, 1.0);
}

static nn_status
arg_min_forward (const nn_op_ctx *ctx, nn_error *err)
{
  return arg_forward (ctx, -1.0);
}

const nn_op nn_op_arg_max = {
  .name = "ArgMax", .torch = "torch.argmax",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = arg_attrs, .n_attrs = N_ARG_ATTRS,
  .infer = arg_infer, .forward = arg_max_forward,
};

const nn_op nn_op_arg_min = {
  .name = "ArgMin", .torch = "torch.argmin",
  .min_in = 1, .max_in = 1, .min_out = 1, .max_out = 1,
  .attrs = arg_attrs, .n_attrs = N_ARG_ATTRS,
  .infer = arg_infer, .forward = arg_min_forward,
};

/* ---------------------------------------------------------------- CumSum */

/* running sums along axis (a scalar integer input 2); exclusive leaves each element
 * out of its own sum, reverse runs from the end. Floats sum in double. */
enum { CUMSUM_EXCLUSIVE, CUMSUM_REVERSE, N_CUMSUM_ATTRS };

static const nn_attr_schema cumsum_attrs[] = {
  { .name = "exclusive", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
  { .name = "reverse", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (cumsum_attrs) == N_CUMSUM_ATTRS, "cumsum_attrs and its enum");

/* the axis in input 2 (one integer; 0 while its value is not known) */
static nn_status
cumsum_axis (const nn_op_ctx *ctx, int32_t *axis, nn_error *err)
{
  nn_status s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err);

  if (s != NN_OK)
    return s;
  if (nn_type_numel (ctx->in[1]) != 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "axis (input 2) must be one integer");
  *axis = 0;
  if (ctx->value[1] == NULL)
    return NN_OK;
  *axis = nn_axis_normalize (nn_array_get_i64 (ctx->value[1], 0), ctx->in[0]->rank, false);
  if (*axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_array_get_i64 (ctx->value[1], 0),
                       (int) ctx->in[0]->rank);
  return NN_OK;
}

static nn_status
cumsum_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int32_t axis;
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32 | NN_MASK_INT, err)) != NN_OK
      || (s = cumsum_axis (ctx, &axis, err)) != NN_OK)
    return s;
  if (ctx->in[0]->rank == 0)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input is a scalar; it needs an axis");
  *ctx->out[0] = *ctx->in[0];
  return NN_OK;
}

static nn_status
cumsum_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  int32_t axis = 0;
  int64_t outer, dim, inner;
  bool exclusive = nn_attr_i (ctx, CUMSUM_EXCLUSIVE) != 0;
  bool reverse = nn_attr_i (ctx, CUMSUM_REVERSE) != 0;
  bool is_float = x->type.dtype == NN_DTYPE_FLOAT32;
  nn_status s;

  if ((s = cumsum_axis (ctx, &axis, err)) != NN_OK)
    return s;
  outer = nn_dims_product (&x->type, 0, axis);
  dim = x->type.shape[axis];
  inner = nn_dims_product (&x->type, axis + 1, x->type.rank);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        double acc_f = 0.0;
        int64_t acc_i = 0;

        for (int64_t t = 0; t < dim; t++)
          {
            int64_t j = o * dim * inner + (reverse ? dim - 1 - t : t) * inner + i;

            if (exclusive)
              {
                if (is_float)
                  nn_array_set_f64 (ctx->y[0], j, acc_f);
                else
                  nn_array_set_i64 (ctx->y[0], j, acc_i);
              }
            if (is_float)
              acc_f += nn_array_get_f64 (x, j);
            else
              acc_i = (int64_t) ((uint64_t) acc_i + (uint64_t) nn_array_get_i64 (x, j));
            if (!exclusive)
              {
                if (is_float)
                  nn_array_set_f64 (ctx->y[0], j, acc_f);
                else
                  nn_array_set_i64 (ctx->y[0], j, acc_i);
              }
          }
      }
  return NN_OK;
}

const nn_op nn_op_cum_sum = {
  .name = "CumSum", .torch = "torch.cumsum",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .attrs = cumsum_attrs, .n_attrs = N_CUMSUM_ATTRS,
  .infer = cumsum_infer, .forward = cumsum_forward,
};

/* ---------------------------------------------------------------- TopK */

/* the k largest (or smallest) along axis, k the one-integer input 2: Values and Indices
 * (int64), sorted, equal elements by their index (ONNX's rule); NaN counts as the
 * largest, as in torch.topk. Always sorted, which sorted=0 allows. */
enum { TOPK_AXIS, TOPK_LARGEST, TOPK_SORTED, N_TOPK_ATTRS };

static const nn_attr_schema topk_attrs[] = {
  { .name = "axis", .torch = "dim", .kind = NN_ATTR_INT, .def_i = -1 },
  { .name = "largest", .torch = "largest", .kind = NN_ATTR_INT, .def_i = 1, .min = 0, .max = 1 },
  { .name = "sorted", .torch = "sorted", .kind = NN_ATTR_INT, .def_i = 1, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (topk_attrs) == N_TOPK_ATTRS, "topk_attrs and its enum");

static nn_status
topk_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, TOPK_AXIS), x->rank, false);
  int64_t k = NN_DIM_SYMBOLIC;
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32 | NN_MASK_INT, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (axis < 0)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "axis %" PRId64 " is outside the "
                       "input's %d dimensions", nn_attr_i (ctx, TOPK_AXIS), (int) x->rank);
  if (nn_type_numel (ctx->in[1]) != 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "K must be one integer");
  if (ctx->value[1] != NULL)
    {
      k = nn_array_get_i64 (ctx->value[1], 0);
      if (k < 0 || (x->shape[axis] >= 0 && k > x->shape[axis]))
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "K = %" PRId64 " is not between "
                           "0 and the %" PRId64 " elements of axis %d", k, x->shape[axis],
                           (int) axis);
    }
  *ctx->out[0] = *x;
  ctx->out[0]->shape[axis] = k;
  if (ctx->n_out > 1)
    {
      *ctx->out[1] = *ctx->out[0];
      ctx->out[1]->dtype = NN_DTYPE_INT64;
    }
  return NN_OK;
}

typedef struct topk_item {
  double v;
  int64_t i;
} topk_item;

/* largest first, NaN before everything, then the lower index */
static int
topk_desc (const void *pa, const void *pb)
{
  const topk_item *a = pa, *b = pb;

  if (isnan (a->v) != isnan (b->v))
    return isnan (a->v) ? -1 : 1;
  if (a->v != b->v && !isnan (a->v))
    return a->v > b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

/* smallest first, NaN after everything, then the lower index */
static int
topk_asc (const void *pa, const void *pb)
{
  const topk_item *a = pa, *b = pb;

  if (isnan (a->v) != isnan (b->v))
    return isnan (a->v) ? 1 : -1;
  if (a->v != b->v && !isnan (a->v))
    return a->v < b->v ? -1 : 1;
  return a->i < b->i ? -1 : a->i > b->i;
}

static nn_status
topk_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0];
  int32_t axis = nn_axis_normalize (nn_attr_i (ctx, TOPK_AXIS), x->type.rank, false);
  int64_t outer = nn_dims_product (&x->type, 0, axis), dim = x->type.shape[axis];
  int64_t inner = nn_dims_product (&x->type, axis + 1, x->type.rank);
  int64_t k = ctx->y[0]->type.shape[axis];
  bool largest = nn_attr_i (ctx, TOPK_LARGEST) != 0;
  topk_item *items = malloc ((size_t) (dim > 0 ? dim : 1) * sizeof *items);

  if (items == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        for (int64_t j = 0; j < dim; j++)
          {
            items[j].v = nn_array_get_f64 (x, (o * dim + j) * inner + i);
            items[j].i = j;
          }
        qsort (items, (size_t) dim, sizeof *items, largest ? topk_desc : topk_asc);
        for (int64_t j = 0; j < k; j++)
          {
            int64_t at = (o * k + j) * inner + i;

            memcpy ((char *) ctx->y[0]->data + (size_t) at * nn_dtype_size (x->type.dtype),
                    (const char *) x->data + (size_t) ((o * dim + items[j].i) * inner + i)
                                             * nn_dtype_size (x->type.dtype),
                    nn_dtype_size (x->type.dtype));
            if (ctx->n_out > 1)
              ((int64_t *) ctx->y[1]->data)[at] = items[j].i;
          }
      }
  free (items);
  return NN_OK;
}

const nn_op nn_op_top_k = {
  .name = "TopK", .torch = "torch.topk",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 2,
  .attrs = topk_attrs, .n_attrs = N_TOPK_ATTRS,
  .infer = topk_infer, .forward = topk_forward,
};
