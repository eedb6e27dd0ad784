/* ops/detection.c - the operators of detection heads: RoiAlign (opset 16, mode avg),
 * NonMaxSuppression
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * RoiAlign follows torchvision's roi_align (aligned = coordinate_transformation_mode
 * half_pixel): each output bin averages sampling_ratio^2 (or ceil(roi size / bins))
 * bilinear samples, samples outside [-1, size] counting as 0. NonMaxSuppression is
 * ONNX's greedy selection per batch and class: boxes by descending score (equal scores
 * by index), those above score_threshold, each dropping the later ones whose IoU with it
 * exceeds iou_threshold, at most max_output_boxes_per_class of them.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

/* ---------------------------------------------------------------- RoiAlign */

enum { ROI_COORD, ROI_MODE, ROI_OUT_H, ROI_OUT_W, ROI_SAMPLING, ROI_SCALE, N_ROI_ATTRS };

static const nn_attr_schema roi_align_attrs[] = {
  { .name = "coordinate_transformation_mode", .torch = "aligned", .kind = NN_ATTR_STRING,
    .def_s = "half_pixel", .choices = "half_pixel|output_half_pixel" },
  { .name = "mode", .kind = NN_ATTR_STRING, .def_s = "avg", .choices = "avg|max" },
  { .name = "output_height", .torch = "output_size", .kind = NN_ATTR_INT, .def_i = 1,
    .min = 1, .max = INT64_C (1) << 20 },
  { .name = "output_width", .torch = "output_size", .kind = NN_ATTR_INT, .def_i = 1,
    .min = 1, .max = INT64_C (1) << 20 },
  { .name = "sampling_ratio", .torch = "sampling_ratio", .kind = NN_ATTR_INT, .def_i = 0,
    .min = 0, .max = INT64_C (1) << 20 },
  { .name = "spatial_scale", .torch = "spatial_scale", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
};
static_assert (NN_N_ELEMENTS (roi_align_attrs) == N_ROI_ATTRS, "roi_align_attrs and its enum");

static nn_status
roi_align_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *x = ctx->in[0], *rois = ctx->in[1], *bi = ctx->in[2];
  char a[160], b[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 2, NN_MASK_INT, err)) != NN_OK)
    return s;
  if (strcmp (nn_attr_s (ctx, ROI_MODE), "avg") != 0)
    return nn_op_fail (ctx, err, NN_STATUS_UNSUPPORTED, "mode 'max' is not supported yet; "
                       "only 'avg' (torchvision's roi_align) is");
  if (x->rank != 4 || rois->rank != 2 || rois->shape[1] != 4 || bi->rank != 1
      || (bi->shape[0] >= 0 && rois->shape[0] >= 0 && bi->shape[0] != rois->shape[0]))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it takes X [N, C, H, W], rois "
                       "[num_rois, 4] and batch_indices [num_rois], not %s and %s",
                       nn_op_in_str (ctx, 0, a, sizeof a), nn_op_in_str (ctx, 1, b, sizeof b));
  ctx->out[0]->dtype = NN_DTYPE_FLOAT32;
  ctx->out[0]->rank = 4;
  ctx->out[0]->shape[0] = rois->shape[0];
  ctx->out[0]->shape[1] = x->shape[1];
  ctx->out[0]->shape[2] = nn_attr_i (ctx, ROI_OUT_H);
  ctx->out[0]->shape[3] = nn_attr_i (ctx, ROI_OUT_W);
  return NN_OK;
}

/* torchvision's bilinear sample of one plane at (y, x); 0 outside [-1, size] */
static double
roi_sample (const float *plane, int64_t h, int64_t w, double y, double x)
{
  int64_t y0, x0, y1, x1;
  double ly, lx;

  if (y < -1.0 || y > (double) h || x < -1.0 || x > (double) w)
    return 0.0;
  y = y < 0.0 ? 0.0 : y;
  x = x < 0.0 ? 0.0 : x;
  y0 = (int64_t) y;
  x0 = (int64_t) x;
  if (y0 >= h - 1)
    y0 = y1 = h - 1, y = (double) y0;
  else
    y1 = y0 + 1;
  if (x0 >= w - 1)
    x0 = x1 = w - 1, x = (double) x0;
  else
    x1 = x0 + 1;
  ly = y - (double) y0;
  lx = x - (double) x0;
  return (1 - ly) * (1 - lx) * plane[y0 * w + x0] + (1 - ly) * lx * plane[y0 * w + x1]
         + ly * (1 - lx) * plane[y1 * w + x0] + ly * lx * plane[y1 * w + x1];
}

static nn_status
roi_align_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *xt = &ctx->value[0]->type;
  const float *x = ctx->value[0]->data, *rois = ctx->value[1]->data;
  int64_t n = xt->shape[0], c = xt->shape[1], h = xt->shape[2], w = xt->shape[3];
  int64_t oh = nn_attr_i (ctx, ROI_OUT_H), ow = nn_attr_i (ctx, ROI_OUT_W);
  int64_t ratio = nn_attr_i (ctx, ROI_SAMPLING), k = ctx->value[1]->type.shape[0];
  bool aligned = strcmp (nn_attr_s (ctx, ROI_COORD), "half_pixel") == 0;
  double scale = nn_attr_f (ctx, ROI_SCALE), off = aligned ? 0.5 : 0.0;
  float *y = ctx->y[0]->data;

  for (int64_t r = 0; r < k; r++)
    {
      int64_t b = nn_array_get_i64 (ctx->value[2], r), gh, gw;
      double y0 = rois[r * 4 + 1] * scale - off, x0 = rois[r * 4] * scale - off;
      double rh = rois[r * 4 + 3] * scale - off - y0, rw = rois[r * 4 + 2] * scale - off - x0;

      if (b < 0 || b >= n)
        return nn_op_fail (ctx, err, NN_STATUS_INVALID_ARG, "roi %" PRId64 " has batch index "
                           "%" PRId64 ", outside the %" PRId64 " images", r, b, n);
      if (!aligned)
        {
          rh = fmax (rh, 1.0);
          rw = fmax (rw, 1.0);
        }
      gh = ratio > 0 ? ratio : (int64_t) ceil (rh / (double) oh);
      gw = ratio > 0 ? ratio : (int64_t) ceil (rw / (double) ow);
      for (int64_t ch = 0; ch < c; ch++)
        {
          const float *plane = x + (b * c + ch) * h * w;

          for (int64_t py = 0; py < oh; py++)
            for (int64_t px = 0; px < ow; px++)
              {
                double acc = 0.0;

                for (int64_t iy = 0; iy < gh; iy++)
                  for (int64_t ix = 0; ix < gw; ix++)
                    acc += roi_sample (plane, h, w,
                                       y0 + (double) py * rh / (double) oh
                                       + ((double) iy + 0.5) * rh / (double) oh / (double) gh,
                                       x0 + (double) px * rw / (double) ow
                                       + ((double) ix + 0.5) * rw / (double) ow / (double) gw);
                y[((r * c + ch) * oh + py) * ow + px]
                  = (float) (gh * gw > 0 ? acc / (double) (gh * gw) : 0.0);
              }
        }
    }
  return NN_OK;
}

const nn_op nn_op_roi_align = {
  .name = "RoiAlign", .torch = "torchvision.ops.roi_align",
  .min_in = 3, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = roi_align_attrs, .n_attrs = N_ROI_ATTRS,
  .infer = roi_align_infer, .forward = roi_align_forward,
};

/* ---------------------------------------------------------------- NonMaxSuppression */

static const nn_attr_schema nms_attrs[] = {
  { .name = "center_point_box", .kind = NN_ATTR_INT, .def_i = 0, .min = 0, .max = 1 },
};

typedef struct nms_box {
  float score;
  int64_t index;
} nms_box;

static int
nms_by_score (const void *pa, const void *pb)
{
  const nms_box *a = pa, *b = pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* box i as y1, x1, y2, x2 with y1 <= y2, x1 <= x2 */
static void
nms_corners (const float *boxes, int64_t i, bool center, double *c)
{
  const float *b = boxes + i * 4;

  if (center)
    {
      c[0] = b[1] - b[3] / 2.0;
      c[1] = b[0] - b[2] / 2.0;
      c[2] = b[1] + b[3] / 2.0;
      c[3] = b[0] + b[2] / 2.0;
      return;
    }
  c[0] = fmin (b[0], b[2]);
  c[1] = fmin (b[1], b[3]);
  c[2] = fmax (b[0], b[2]);
  c[3] = fmax (b[1], b[3]);
}

static double
nms_iou (const double *a, const double *b)
{
  double ih = fmin (a[2], b[2]) - fmax (a[0], b[0]), iw = fmin (a[3], b[3]) - fmax (a[1], b[1]);
  double inter = ih > 0 && iw > 0 ? ih * iw : 0.0;
  double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;

  return inter > 0.0 && uni > 0.0 ? inter / uni : 0.0;
}

/* Runs the selection; writes the [batch, class, box] triples to out (NULL to count). */
static nn_status
nms_select (const nn_op_ctx *ctx, int64_t *out, int64_t *count, nn_error *err)
{
  const nn_array *boxes = ctx->value[0], *scores = ctx->value[1];
  int64_t nb = scores->type.shape[0], nc = scores->type.shape[1], n = scores->type.shape[2];
  int64_t max_out = 0, total = 0;
  double iou_t = 0.0, score_t = -INFINITY;
  bool center = nn_attr_i (ctx, 0) != 0, have_score = false;
  nms_box *order;
  double *corners;
  int64_t *kept;

  if (ctx->n_in > 2 && ctx->value[2] != NULL)
    max_out = nn_array_get_i64 (ctx->value[2], 0);
  if (ctx->n_in > 3 && ctx->value[3] != NULL)
    iou_t = nn_array_get_f64 (ctx->value[3], 0);
  if (ctx->n_in > 4 && ctx->value[4] != NULL)
    {
      score_t = nn_array_get_f64 (ctx->value[4], 0);
      have_score = true;
    }
  order = malloc ((size_t) (n > 0 ? n : 1) * sizeof *order);
  corners = malloc ((size_t) (n > 0 ? n : 1) * 4 * sizeof *corners);
  kept = malloc ((size_t) (n > 0 ? n : 1) * sizeof *kept);
  if (order == NULL || corners == NULL || kept == NULL)
    {
      free (order);
      free (corners);
      free (kept);
      return nn_op_fail (ctx, err, NN_STATUS_NOMEM, "out of memory");
    }
  for (int64_t b = 0; b < nb; b++)
    {
      for (int64_t i = 0; i < n; i++)
        nms_corners ((const float *) boxes->data + b * n * 4, i, center, corners + i * 4);
      for (int64_t c = 0; c < nc; c++)
        {
          const float *s = (const float *) scores->data + (b * nc + c) * n;
          int64_t m = 0, nk = 0;

          for (int64_t i = 0; i < n; i++)
            if (!have_score || s[i] > score_t)
              order[m++] = (nms_box) { s[i], i };
          qsort (order, (size_t) m, sizeof *order, nms_by_score);
          for (int64_t i = 0; i < m && nk < max_out; i++)
            {
              bool keep = true;

              for (int64_t j = 0; j < nk && keep; j++)
                keep = !(nms_iou (corners + order[i].index * 4, corners + kept[j] * 4) > iou_t);
              if (!keep)
                continue;
              kept[nk++] = order[i].index;
              if (out != NULL)
                {
                  out[total * 3] = b;
                  out[total * 3 + 1] = c;
                  out[total * 3 + 2] = order[i].index;
                }
              total++;
            }
        }
    }
  free (order);
  free (corners);
  free (kept);
  *count = total;
  return NN_OK;
}

static nn_status
nms_infer (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_type *boxes = ctx->in[0], *scores = ctx->in[1];
  char a[160], b[160];
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK)
    return s;
  if (boxes->rank != 3 || boxes->shape[2] != 4 || scores->rank != 3
      || (boxes->shape[0] >= 0 && scores->shape[0] >= 0 && boxes->shape[0] != scores->shape[0])
      || (boxes->shape[1] >= 0 && scores->shape[2] >= 0 && boxes->shape[1] != scores->shape[2]))
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it takes boxes [batch, boxes, 4] and "
                       "scores [batch, classes, boxes], not %s and %s",
                       nn_op_in_str (ctx, 0, a, sizeof a), nn_op_in_str (ctx, 1, b, sizeof b));
  for (int k = 2; k < ctx->n_in; k++)
    if (ctx->in[k] != NULL && nn_type_numel (ctx->in[k]) != 1)
      return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "input %d must be one number", k + 1);
  if (ctx->n_in > 2 && ctx->in[2] != NULL
      && (s = nn_op_check_dtype (ctx, 2, NN_MASK_INT, err)) != NN_OK)
    return s;
  ctx->out[0]->dtype = NN_DTYPE_INT64;
  ctx->out[0]->rank = 2;
  ctx->out[0]->shape[0] = NN_DIM_SYMBOLIC;
  ctx->out[0]->shape[1] = 3;
  for (int k = 0; k < ctx->n_in; k++)
    if (ctx->in[k] != NULL && ctx->value[k] == NULL)
      return NN_OK;
  /* every value known (running, or all constants): the count */
  return nms_select (ctx, NULL, &ctx->out[0]->shape[0], err);
}

static nn_status
nms_forward (const nn_op_ctx *ctx, nn_error *err)
{
  int64_t count;

  return nms_select (ctx, ctx->y[0]->data, &count, err);
}

const nn_op nn_op_non_max_suppression = {
  .name = "NonMaxSuppression", .torch = "torchvision.ops.batched_nms",
  .min_in = 2, .max_in = 5, .min_out = 1, .max_out = 1,
  .attrs = nms_attrs, .n_attrs = NN_N_ELEMENTS (nms_attrs),
  .infer = nms_infer, .forward = nms_forward,
};
