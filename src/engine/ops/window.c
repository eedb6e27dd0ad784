/* ops/window.c - sliding-window geometry shared by Conv and the pools
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "ops/window.h"

static int64_t
div_floor (int64_t a, int64_t b)
{
  int64_t q = a / b;

  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* the list attribute k (count values, or empty for all fill) into v */
static nn_status
window_ints (const nn_op_ctx *ctx, int k, int32_t count, int64_t fill, int64_t *v,
             nn_error *err)
{
  int32_t have = 0;
  const int64_t *a;

  for (int32_t i = 0; i < count; i++)
    v[i] = fill;
  if (k < 0)
    return NN_OK;
  a = nn_attr_ints (ctx, k, &have);
  if (have == 0)
    return NN_OK;
  if (have != count)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "attribute '%s' has %d values; it "
                       "needs %d for this input", ctx->op->attrs[k].name, (int) have,
                       (int) count);
  memcpy (v, a, (size_t) have * sizeof *v);
  return NN_OK;
}

/* w zeroed, with x's spatial dims as w->in */
static nn_status
window_begin (const nn_op_ctx *ctx, const nn_type *x, nn_window *w, nn_error *err)
{
  memset (w, 0, sizeof *w);
  if (x->rank < 3 || x->rank > 2 + NN_WINDOW_MAX_DIMS)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input has %d dimensions; it takes "
                       "[N, C, W] or [N, C, H, W]", (int) x->rank);
  w->n = x->rank - 2;
  memcpy (w->in, x->shape + 2, (size_t) w->n * sizeof *w->in);
  return NN_OK;
}

/* out size of one axis when auto_pad is NOTSET */
static int64_t
explicit_out (const nn_window *w, int i, bool ceil_mode)
{
  int64_t span = w->in[i] + w->pb[i] + w->pe[i] - w->d[i] * (w->k[i] - 1) - 1;
  int64_t out;

  if (span < 0)
    return -1;
  out = div_floor (span + (ceil_mode ? w->s[i] - 1 : 0), w->s[i]) + 1;
  if (ceil_mode && (out - 1) * w->s[i] >= w->in[i] + w->pb[i])
    out--;
  return out;
}

static nn_status
axis_out (const nn_op_ctx *ctx, const char *auto_pad, bool ceil_mode, int i, nn_window *w,
          nn_error *err)
{
  int64_t span = w->d[i] * (w->k[i] - 1) + 1;

  if (w->in[i] == NN_DIM_SYMBOLIC)
    {
      w->out[i] = NN_DIM_SYMBOLIC;
      return NN_OK;
    }
  if (strcmp (auto_pad, "VALID") == 0)
    {
      w->pb[i] = w->pe[i] = 0;
      w->out[i] = w->in[i] >= span ? (w->in[i] - span) / w->s[i] + 1 : -1;
    }
  else if (strncmp (auto_pad, "SAME", 4) == 0)
    {
      int64_t out = (w->in[i] + w->s[i] - 1) / w->s[i];
      int64_t total = (out - 1) * w->s[i] + span - w->in[i];

      total = total > 0 ? total : 0;
      w->pb[i] = strcmp (auto_pad, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
      w->pe[i] = total - w->pb[i];
      w->out[i] = out;
    }
  else
    w->out[i] = explicit_out (w, i, ceil_mode);
  if (w->out[i] < 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its window (kernel %" PRId64 ", dilation "
                       "%" PRId64 ") is larger than spatial axis %d of the input, %" PRId64
                       " with padding %" PRId64 "+%" PRId64 "; use a smaller kernel or a "
                       "larger input", w->k[i], w->d[i], i + 1, w->in[i], w->pb[i],
                       w->pe[i]);
  return NN_OK;
}

nn_status
nn_window_init (const nn_op_ctx *ctx, const nn_window_attrs *a, const nn_type *x,
                const int64_t *kernel, nn_window *w, nn_error *err)
{
  int64_t buf[2 * NN_WINDOW_MAX_DIMS];
  const char *auto_pad = a->auto_pad >= 0 ? nn_attr_s (ctx, a->auto_pad) : "NOTSET";
  bool ceil_mode = a->ceil_mode >= 0 && nn_attr_i (ctx, a->ceil_mode) != 0;
  nn_status s;

  if ((s = window_begin (ctx, x, w, err)) != NN_OK)
    return s;
  if (kernel != NULL)
    memcpy (w->k, kernel, (size_t) w->n * sizeof *w->k);
  else
    {
      int32_t have;

      nn_attr_ints (ctx, a->kernel_shape, &have);
      if (have != w->n)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "attribute 'kernel_shape' has "
                           "%d values; the input has %d spatial dimensions", (int) have,
                           (int) w->n);
      memcpy (w->k, nn_attr_ints (ctx, a->kernel_shape, &have), (size_t) w->n * sizeof *w->k);
    }
  if ((s = window_ints (ctx, a->strides, w->n, 1, w->s, err)) != NN_OK
      || (s = window_ints (ctx, a->dilations, w->n, 1, w->d, err)) != NN_OK
      || (s = window_ints (ctx, a->pads, 2 * w->n, 0, buf, err)) != NN_OK)
    return s;
  for (int32_t i = 0; i < w->n; i++)
    {
      w->pb[i] = buf[i];
      w->pe[i] = buf[w->n + i];
      if ((s = axis_out (ctx, auto_pad, ceil_mode, i, w, err)) != NN_OK)
        return s;
    }
  return NN_OK;
}

nn_status
nn_window_transpose_init (const nn_op_ctx *ctx, const nn_window_attrs *a, int output_padding,
                          int output_shape, const nn_type *x, const int64_t *kernel,
                          nn_window *w, nn_error *err)
{
  int64_t buf[2 * NN_WINDOW_MAX_DIMS], op[NN_WINDOW_MAX_DIMS];
  const char *auto_pad = nn_attr_s (ctx, a->auto_pad);
  int32_t n_shape;
  const int64_t *shape = nn_attr_ints (ctx, output_shape, &n_shape);
  nn_status s;

  if ((s = window_begin (ctx, x, w, err)) != NN_OK)
    return s;
  memcpy (w->k, kernel, (size_t) w->n * sizeof *w->k);
  if ((s = window_ints (ctx, a->strides, w->n, 1, w->s, err)) != NN_OK
      || (s = window_ints (ctx, a->dilations, w->n, 1, w->d, err)) != NN_OK
      || (s = window_ints (ctx, a->pads, 2 * w->n, 0, buf, err)) != NN_OK
      || (s = window_ints (ctx, output_padding, w->n, 0, op, err)) != NN_OK)
    return s;
  if (n_shape != 0 && n_shape != w->n && n_shape != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "attribute 'output_shape' has %d "
                       "values; it needs the %d spatial ones", (int) n_shape, (int) w->n);
  shape += n_shape == x->rank ? 2 : 0;
  for (int32_t i = 0; i < w->n; i++)
    {
      int64_t full = (w->in[i] - 1) * w->s[i] + op[i] + w->d[i] * (w->k[i] - 1) + 1, total;
      bool same = strncmp (auto_pad, "SAME", 4) == 0;

      if (w->in[i] == NN_DIM_SYMBOLIC)
        {
          /* output_shape fixes the size; the pads follow once the input's is known */
          w->out[i] = n_shape != 0 ? shape[i] : NN_DIM_SYMBOLIC;
          continue;
        }
      if (n_shape != 0 || same)
        {
          w->out[i] = n_shape != 0 ? shape[i] : w->in[i] * w->s[i];
          total = full - w->out[i];
          if (total < 0)
            return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "output size %" PRId64 " of "
                               "spatial axis %d is larger than the %" PRId64 " the input "
                               "can reach", w->out[i], i + 1, full);
          w->pb[i] = strcmp (auto_pad, "SAME_UPPER") == 0 ? total / 2 : total - total / 2;
          w->pe[i] = total - w->pb[i];
          continue;
        }
      if (strcmp (auto_pad, "VALID") != 0)
        {
          w->pb[i] = buf[i];
          w->pe[i] = buf[w->n + i];
        }
      w->out[i] = full - w->pb[i] - w->pe[i];
      if (w->out[i] < 1)
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "pads %" PRId64 "+%" PRId64 " leave "
                           "nothing of spatial axis %d (%" PRId64 " before cropping)",
                           w->pb[i], w->pe[i], i + 1, full);
    }
  return NN_OK;
}
