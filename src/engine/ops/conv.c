/* ops/conv.c - Conv and ConvTranspose (1-d and 2-d; groups, depthwise, dilation,
 * asymmetric pads, auto_pad): im2col (col2im) per group and the engine's GEMM (nn_sgemm)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chain engine's conv2d.c has the tuned im2col, Winograd and fusions; they take an
 * nn_net layer, and move here when the chain is ported onto the graph. This kernel is
 * the general one: any geometry ONNX allows, with the output as the GEMM's result
 * (M = C_out / group, N = out_h * out_w, K = C_in / group * kh * kw).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"
#include "ops/window.h"

enum { CONV_AUTO_PAD, CONV_KERNEL_SHAPE, CONV_STRIDES, CONV_PADS, CONV_DILATIONS, CONV_GROUP,
       N_CONV_ATTRS };

static const nn_attr_schema conv_attrs[] = {
  NN_WINDOW_SCHEMA,
  { .name = "group", .torch = "groups", .kind = NN_ATTR_INT, .def_i = 1, .min = 1,
    .max = INT64_C (1) << 24 },
};
static_assert (NN_N_ELEMENTS (conv_attrs) == N_CONV_ATTRS, "conv_attrs and its enum differ");

static const nn_window_attrs conv_window = {
  .auto_pad = CONV_AUTO_PAD, .kernel_shape = CONV_KERNEL_SHAPE, .strides = CONV_STRIDES,
  .dilations = CONV_DILATIONS, .pads = CONV_PADS, .ceil_mode = -1,
};

static nn_status
conv_check_weights (const nn_op_ctx *ctx, const nn_type *x, const nn_type *w, nn_error *err)
{
  int64_t group = nn_attr_i (ctx, CONV_GROUP);
  int32_t nk;
  const int64_t *ks = nn_attr_ints (ctx, CONV_KERNEL_SHAPE, &nk);
  char xs[160], ws[160];

  nn_op_in_str (ctx, 0, xs, sizeof xs);
  nn_op_in_str (ctx, 1, ws, sizeof ws);
  if (x->rank < 3 || x->rank > 2 + NN_WINDOW_MAX_DIMS)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s should be [N, C, W] or "
                       "[N, C, H, W]", xs);
  if (w->rank != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its weight %s should have as many "
                       "dimensions as its input %s", ws, xs);
  if (w->shape[0] % group != 0)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its %" PRId64 " output channels (weight "
                       "%s) do not divide into %" PRId64 " groups", w->shape[0], ws, group);
  if (x->shape[1] != NN_DIM_SYMBOLIC && x->shape[1] != w->shape[1] * group)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s has %" PRId64 " channels; "
                       "weight %s with group %" PRId64 " takes %" PRId64, xs, x->shape[1], ws,
                       group, w->shape[1] * group);
  for (int32_t i = 0; i < nk; i++)
    if (nk != w->rank - 2 || ks[i] != w->shape[2 + i])
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "attribute kernel_shape does not match "
                         "its weight %s", ws);
  return NN_OK;
}

static nn_status
conv_geometry (const nn_op_ctx *ctx, nn_window *win, nn_error *err)
{
  const nn_type *x = ctx->in[0], *w = ctx->in[1];
  nn_status s;
  char bs[160];

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK
      || (s = conv_check_weights (ctx, x, w, err)) != NN_OK
      || (s = nn_window_init (ctx, &conv_window, x, w->shape + 2, win, err)) != NN_OK)
    return s;
  if (ctx->n_in > 2 && ctx->in[2] != NULL
      && (ctx->in[2]->rank != 1 || ctx->in[2]->shape[0] != w->shape[0]
          || ctx->in[2]->dtype != NN_DTYPE_FLOAT32))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its bias %s should be float32[%" PRId64
                       "], one per output channel", nn_op_in_str (ctx, 2, bs, sizeof bs),
                       w->shape[0]);
  return NN_OK;
}

static nn_status
conv_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_window win;
  nn_status s = conv_geometry (ctx, &win, err);

  if (s != NN_OK)
    return s;
  ctx->out[0]->dtype = NN_DTYPE_FLOAT32;
  ctx->out[0]->rank = ctx->in[0]->rank;
  ctx->out[0]->shape[0] = ctx->in[0]->shape[0];
  ctx->out[0]->shape[1] = ctx->in[1]->shape[0];
  memcpy (ctx->out[0]->shape + 2, win.out, (size_t) win.n * sizeof *win.out);
  return NN_OK;
}

/* 1-d is 2-d with a height of one */
static void
window_as_2d (const nn_window *w, nn_window *w2)
{
  if (w->n == 2)
    {
      *w2 = *w;
      return;
    }
  memset (w2, 0, sizeof *w2);
  w2->n = 2;
  w2->in[0] = w2->out[0] = w2->k[0] = w2->s[0] = w2->d[0] = 1;
  w2->in[1] = w->in[0];
  w2->out[1] = w->out[0];
  w2->k[1] = w->k[0];
  w2->s[1] = w->s[0];
  w2->d[1] = w->d[0];
  w2->pb[1] = w->pb[0];
  w2->pe[1] = w->pe[0];
}

/* col[(c * kh + i) * kw + j][oy * ow + ox] = x[c][oy*sh - ph + i*dh][ox*sw - pw + j*dw] */
static void
im2col (const nn_window *w, const float *x, int64_t channels, float *col)
{
  int64_t oh = w->out[0], ow = w->out[1], ih = w->in[0], iw = w->in[1];

  for (int64_t c = 0; c < channels; c++)
    for (int64_t i = 0; i < w->k[0]; i++)
      for (int64_t j = 0; j < w->k[1]; j++)
        {
          float *row = col + ((c * w->k[0] + i) * w->k[1] + j) * oh * ow;
          const float *plane = x + c * ih * iw;

          for (int64_t oy = 0; oy < oh; oy++)
            {
              int64_t iy = oy * w->s[0] - w->pb[0] + i * w->d[0];

              for (int64_t ox = 0; ox < ow; ox++)
                {
                  int64_t ix = ox * w->s[1] - w->pb[1] + j * w->d[1];

                  row[oy * ow + ox] = iy >= 0 && iy < ih && ix >= 0 && ix < iw
                                          ? plane[iy * iw + ix] : 0.0f;
                }
            }
        }
}

/* a rows x cols float scratch matrix, checked against the memory budget */
static nn_status
conv_scratch (const nn_op_ctx *ctx, int64_t rows, int64_t cols, const char *what, float **col,
              nn_error *err)
{
  nn_type t = { .dtype = NN_DTYPE_FLOAT32, .rank = 2, .shape = { rows, cols } };
  size_t bytes;
  nn_status s;

  if ((s = nn_type_check (&t, false, what, &bytes, err)) != NN_OK)
    return nn_op_fail (ctx, err, s, "%s", err ? err->message : "");
  *col = malloc (bytes ? bytes : 1);
  if (*col == NULL)
    return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory for %zu bytes of scratch",
                       bytes);
  return NN_OK;
}

/* y[m][p] += bias[m] over m channels of plane p */
static void
add_bias (float *y, const float *bias, int64_t m, int64_t plane)
{
  for (int64_t c = 0; bias != NULL && c < m; c++)
    for (int64_t p = 0; p < plane; p++)
      y[c * plane + p] += bias[c];
}

static nn_status
conv_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *w = ctx->value[1];
  const float *bias = ctx->n_in > 2 && ctx->value[2] ? ctx->value[2]->data : NULL;
  int64_t group = nn_attr_i (ctx, CONV_GROUP), n = x->type.shape[0];
  int64_t c_out = w->type.shape[0], cg = w->type.shape[1], mg = c_out / group;
  nn_window win1, win;
  float *col, *y = ctx->y[0]->data;
  int64_t kk, plane_out, plane_in;
  nn_status s;

  if ((s = conv_geometry (ctx, &win1, err)) != NN_OK)
    return s;
  window_as_2d (&win1, &win);
  kk = cg * win.k[0] * win.k[1];
  plane_out = win.out[0] * win.out[1];
  plane_in = win.in[0] * win.in[1];
  if ((s = conv_scratch (ctx, kk, plane_out, "its im2col scratch", &col, err)) != NN_OK)
    return s;
  for (int64_t b = 0; b < n; b++)
    for (int64_t g = 0; g < group; g++)
      {
        float *yg = y + (b * c_out + g * mg) * plane_out;

        im2col (&win, (const float *) x->data + (b * group + g) * cg * plane_in, cg, col);
        nn_sgemm (false, false, mg, plane_out, kk, 1.0f,
                  (const float *) w->data + g * mg * kk, kk, col, plane_out, 0.0f, yg,
                  plane_out);
        add_bias (yg, bias ? bias + g * mg : NULL, mg, plane_out);
      }
  free (col);
  return NN_OK;
}

static int64_t
conv_macs (const nn_op_ctx *ctx)
{
  const nn_type *w = ctx->in[1];
  int64_t per_out = nn_dims_product (w, 1, w->rank);
  int64_t outs = nn_dims_product (ctx->out[0], 1, ctx->out[0]->rank);

  return per_out < 0 || outs < 0 ? 0 : per_out * outs;
}

const nn_op nn_op_conv = {
  .name = "Conv", .torch = "Conv2d",
  .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = conv_attrs, .n_attrs = N_CONV_ATTRS,
  .infer = conv_infer, .forward = conv_forward, .macs = conv_macs,
};

/* ---------------------------------------------------------------- ConvTranspose */

/* X [N, C, spatial], W [C, M / group, k...], B [M]: the gradient of Conv as a layer,
 * col = W_g^T X_g per group, then col2im adds each column into the output */
enum { CT_AUTO_PAD, CT_KERNEL_SHAPE, CT_STRIDES, CT_PADS, CT_DILATIONS, CT_GROUP,
       CT_OUTPUT_PADDING, CT_OUTPUT_SHAPE, N_CT_ATTRS };

static const nn_attr_schema conv_transpose_attrs[] = {
  NN_WINDOW_SCHEMA,
  { .name = "group", .torch = "groups", .kind = NN_ATTR_INT, .def_i = 1, .min = 1,
    .max = INT64_C (1) << 24 },
  { .name = "output_padding", .torch = "output_padding", .kind = NN_ATTR_INTS, .min = 0,
    .max = INT64_C (1) << 24 },
  { .name = "output_shape", .kind = NN_ATTR_INTS, .min = 1, .max = INT64_C (1) << 40 },
};
static_assert (NN_N_ELEMENTS (conv_transpose_attrs) == N_CT_ATTRS,
               "conv_transpose_attrs and its enum differ");

static const nn_window_attrs conv_transpose_window = {
  .auto_pad = CT_AUTO_PAD, .kernel_shape = CT_KERNEL_SHAPE, .strides = CT_STRIDES,
  .dilations = CT_DILATIONS, .pads = CT_PADS, .ceil_mode = -1,
};

static nn_status
conv_transpose_geometry (const nn_op_ctx *ctx, nn_window *win, nn_error *err)
{
  const nn_type *x = ctx->in[0], *w = ctx->in[1];
  int64_t group = nn_attr_i (ctx, CT_GROUP);
  int32_t nk;
  const int64_t *ks = nn_attr_ints (ctx, CT_KERNEL_SHAPE, &nk);
  char xs[160], ws[160], bs[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK)
    return s;
  nn_op_in_str (ctx, 0, xs, sizeof xs);
  nn_op_in_str (ctx, 1, ws, sizeof ws);
  if (w->rank != x->rank)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its weight %s should have as many "
                       "dimensions as its input %s", ws, xs);
  if (w->shape[0] % group != 0
      || (x->shape[1] != NN_DIM_SYMBOLIC && x->shape[1] != w->shape[0]))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its input %s should have the weight's "
                       "%" PRId64 " channels (weight %s is [C, M / group, k...]), dividing "
                       "into %" PRId64 " groups", xs, w->shape[0], ws, group);
  for (int32_t i = 0; i < nk; i++)
    if (nk != w->rank - 2 || ks[i] != w->shape[2 + i])
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "attribute kernel_shape does not match "
                         "its weight %s", ws);
  if (ctx->n_in > 2 && ctx->in[2] != NULL
      && (ctx->in[2]->rank != 1 || ctx->in[2]->shape[0] != w->shape[1] * group
          || ctx->in[2]->dtype != NN_DTYPE_FLOAT32))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its bias %s should be float32[%" PRId64
                       "], one per output channel", nn_op_in_str (ctx, 2, bs, sizeof bs),
                       w->shape[1] * group);
  return nn_window_transpose_init (ctx, &conv_transpose_window, CT_OUTPUT_PADDING,
                                   CT_OUTPUT_SHAPE, x, w->shape + 2, win, err);
}

static nn_status
conv_transpose_infer (const nn_op_ctx *ctx, nn_error *err)
{
  nn_window win;
  nn_status s = conv_transpose_geometry (ctx, &win, err);

  if (s != NN_OK)
    return s;
  ctx->out[0]->dtype = NN_DTYPE_FLOAT32;
  ctx->out[0]->rank = ctx->in[0]->rank;
  ctx->out[0]->shape[0] = ctx->in[0]->shape[0];
  ctx->out[0]->shape[1] = ctx->in[1]->shape[1] * nn_attr_i (ctx, CT_GROUP);
  memcpy (ctx->out[0]->shape + 2, win.out, (size_t) win.n * sizeof *win.out);
  return NN_OK;
}

/* y[c][iy*sh - ph + i*dh][ix*sw - pw + j*dw] += col[(c * kh + i) * kw + j][iy * iw + ix]:
 * im2col's adjoint, with w->in the input (col) plane and w->out the output plane */
static void
col2im (const nn_window *w, const float *col, int64_t channels, float *y)
{
  int64_t oh = w->out[0], ow = w->out[1], ih = w->in[0], iw = w->in[1];

  for (int64_t c = 0; c < channels; c++)
    for (int64_t i = 0; i < w->k[0]; i++)
      for (int64_t j = 0; j < w->k[1]; j++)
        {
          const float *row = col + ((c * w->k[0] + i) * w->k[1] + j) * ih * iw;
          float *plane = y + c * oh * ow;

          for (int64_t iy = 0; iy < ih; iy++)
            {
              int64_t oy = iy * w->s[0] - w->pb[0] + i * w->d[0];

              if (oy < 0 || oy >= oh)
                continue;
              for (int64_t ix = 0; ix < iw; ix++)
                {
                  int64_t ox = ix * w->s[1] - w->pb[1] + j * w->d[1];

                  if (ox >= 0 && ox < ow)
                    plane[oy * ow + ox] += row[iy * iw + ix];
                }
            }
        }
}

static nn_status
conv_transpose_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *x = ctx->value[0], *w = ctx->value[1];
  const float *bias = ctx->n_in > 2 && ctx->value[2] ? ctx->value[2]->data : NULL;
  int64_t group = nn_attr_i (ctx, CT_GROUP), n = x->type.shape[0];
  int64_t c_in = w->type.shape[0], cg = c_in / group, mg = w->type.shape[1];
  nn_window win1, win;
  float *col, *y = ctx->y[0]->data;
  int64_t kk, plane_out, plane_in;
  nn_status s;

  if ((s = conv_transpose_geometry (ctx, &win1, err)) != NN_OK)
    return s;
  window_as_2d (&win1, &win);
  kk = mg * win.k[0] * win.k[1];
  plane_out = win.out[0] * win.out[1];
  plane_in = win.in[0] * win.in[1];
  if ((s = conv_scratch (ctx, kk, plane_in, "its col2im scratch", &col, err)) != NN_OK)
    return s;
  for (int64_t b = 0; b < n; b++)
    for (int64_t g = 0; g < group; g++)
      {
        float *yg = y + (b * group + g) * mg * plane_out;

        nn_sgemm (true, false, kk, plane_in, cg, 1.0f, (const float *) w->data + g * cg * kk,
                  kk, (const float *) x->data + (b * c_in + g * cg) * plane_in, plane_in,
                  0.0f, col, plane_in);
        col2im (&win, col, mg, yg);
        add_bias (yg, bias ? bias + g * mg : NULL, mg, plane_out);
      }
  free (col);
  return NN_OK;
}

/* every input element meets every weight of its group once */
static int64_t
conv_transpose_macs (const nn_op_ctx *ctx)
{
  const nn_type *w = ctx->in[1];
  int64_t per_in = nn_dims_product (w, 1, w->rank);
  int64_t ins = nn_dims_product (ctx->in[0], 1, ctx->in[0]->rank);

  return per_in < 0 || ins < 0 ? 0 : per_in * ins;
}

const nn_op nn_op_conv_transpose = {
  .name = "ConvTranspose", .torch = "ConvTranspose2d",
  .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = conv_transpose_attrs, .n_attrs = N_CT_ATTRS,
  .infer = conv_transpose_infer, .forward = conv_transpose_forward,
  .macs = conv_transpose_macs,
};
