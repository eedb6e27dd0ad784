/* preprocess.c - samples to the network's input shape: channels, centre crop or
 * bilinear resize, normalisation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Centre crop takes rows from floor((h - H) / 2) (torchvision's CenterCrop for even
 * differences) and pads with zeros where the image is smaller. Resize is bilinear with
 * half-pixel centres, like torch.nn.functional.interpolate (mode="bilinear",
 * align_corners=False, no antialiasing).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data-private.h"

bool
nn_channels_convertible (int64_t from, int64_t to)
{
  return from == to || ((from == 1 || from == 3) && (to == 1 || to == 3));
}

/* One plane h×w -> H×W */
static void
crop_plane (const float *src, int64_t h, int64_t w, float *dst, int64_t H, int64_t W)
{
  int64_t top = h >= H ? (h - H) / 2 : -((H - h) / 2);
  int64_t left = w >= W ? (w - W) / 2 : -((W - w) / 2);

  for (int64_t y = 0; y < H; y++)
    for (int64_t x = 0; x < W; x++)
      {
        int64_t sy = y + top, sx = x + left;

        dst[y * W + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? src[sy * w + sx] : 0.0f;
      }
}

/* Source index and weight of the second neighbour for output index i */
static void
source_index (int64_t i, int64_t in, int64_t out, int64_t *i0, int64_t *i1, float *frac)
{
  double s = ((double) i + 0.5) * (double) in / (double) out - 0.5;

  if (s < 0)
    s = 0;
  *i0 = (int64_t) s;
  if (*i0 > in - 1)
    *i0 = in - 1;
  *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
  *frac = (float) (s - (double) *i0);
}

static void
resize_plane (const float *src, int64_t h, int64_t w, float *dst, int64_t H, int64_t W)
{
  for (int64_t y = 0; y < H; y++)
    {
      int64_t y0, y1;
      float fy;

      source_index (y, h, H, &y0, &y1, &fy);
      for (int64_t x = 0; x < W; x++)
        {
          int64_t x0, x1;
          float fx, top, bottom;

          source_index (x, w, W, &x0, &x1, &fx);
          top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
          bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
          dst[y * W + x] = top * (1 - fy) + bottom * fy;
        }
    }
}

static void
fit_plane (const float *src, int64_t h, int64_t w, float *dst, int64_t H, int64_t W,
           nn_fit_mode fit)
{
  if (h == H && w == W)
    memcpy (dst, src, (size_t) (H * W) * sizeof (float));
  else if (fit == NN_FIT_RESIZE)
    resize_plane (src, h, w, dst, H, W);
  else
    crop_plane (src, h, w, dst, H, W);
}

void
nn_fit_sample (const float *src, int64_t c, int64_t h, int64_t w, float *dst, int64_t C,
               int64_t H, int64_t W, nn_fit_mode fit)
{
  int64_t hw = h * w, HW = H * W;

  if (c == C)
    {
      for (int64_t i = 0; i < C; i++)
        fit_plane (src + i * hw, h, w, dst + i * HW, H, W, fit);
    }
  else if (c == 1)
    {
      fit_plane (src, h, w, dst, H, W, fit);
      for (int64_t i = 1; i < C; i++)
        memcpy (dst + i * HW, dst, (size_t) HW * sizeof (float));
    }
  else
    {
      /* RGB -> gray: the mean of the fitted planes (fitting is linear, so the order
       * does not matter); dst's first plane is the accumulator. */
      float *plane = malloc ((size_t) HW * sizeof (float));

      fit_plane (src, h, w, dst, H, W, fit);
      for (int64_t i = 1; plane != NULL && i < c; i++)
        {
          fit_plane (src + i * hw, h, w, plane, H, W, fit);
          for (int64_t j = 0; j < HW; j++)
            dst[j] += plane[j];
        }
      for (int64_t j = 0; j < HW; j++)
        dst[j] /= (float) c;
      free (plane);
    }
}

static void
normalize (nn_tensor *x, const nn_preprocess *pp)
{
  int64_t n = x->shape[0], c = x->n_dims == 4 ? x->shape[1] : 1;
  int64_t plane = nn_tensor_numel (x) / (n * c);

  for (int64_t i = 0; i < n; i++)
    for (int64_t k = 0; k < c; k++)
      {
        float *p = x->data + (i * c + k) * plane;
        float mean = pp->mean[k % 3], std = pp->std[k % 3];

        for (int64_t j = 0; j < plane; j++)
          p[j] = (p[j] - mean) / std;
      }
}

static nn_status
shape_error (const nn_dataset *ds, const nn_shape *shape, const char *why, nn_error *err)
{
  char have[96], want[96];

  nn_shape_format (ds->x->n_dims - 1, ds->x->shape + 1, have, sizeof have);
  nn_shape_to_string (shape, want, sizeof want);
  return nn_error_set (err, NN_STATUS_SHAPE, -1, "samples of shape %s cannot become the "
                       "network's input %s: %s", have, want, why);
}

/* Vector inputs: same element count (a [C, H, W] sample is flattened) */
static nn_status
to_vector (nn_dataset *ds, const nn_shape *shape, nn_error *err)
{
  int64_t per = nn_tensor_numel (ds->x) / ds->n;

  if (per != nn_shape_numel (shape))
    return shape_error (ds, shape, "the element counts differ", err);
  ds->x->n_dims = 2;
  ds->x->shape[1] = per;
  ds->x->shape[2] = ds->x->shape[3] = 0;
  return NN_OK;
}

static nn_status
to_image (nn_dataset *ds, const nn_shape *shape, nn_fit_mode fit, nn_error *err)
{
  const int64_t *s = ds->x->shape;
  int64_t C = shape->d[0], H = shape->d[1], W = shape->d[2];
  int64_t in_numel, out_numel;
  nn_tensor *y;

  if (ds->x->n_dims != 4)
    return shape_error (ds, shape, "vectors are not images", err);
  if (!nn_channels_convertible (s[1], C))
    return shape_error (ds, shape, "only 1 <-> 3 channels convert", err);
  if (s[1] == C && s[2] == H && s[3] == W)
    return NN_OK;
  y = nn_tensor_new_4d (ds->n, C, H, W, err);
  if (y == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  in_numel = s[1] * s[2] * s[3];
  out_numel = C * H * W;
  for (int64_t i = 0; i < ds->n; i++)
    nn_fit_sample (ds->x->data + i * in_numel, s[1], s[2], s[3], y->data + i * out_numel,
                   C, H, W, fit);
  nn_tensor_free (ds->x);
  ds->x = y;
  return NN_OK;
}

nn_status
nn_dataset_preprocess (nn_dataset *ds, const nn_shape *shape, const nn_preprocess *pp,
                       nn_error *err)
{
  nn_status st;

  if (pp->normalize)
    for (int i = 0; i < 3; i++)
      if (!(pp->std[i] > 0) || !isfinite (pp->mean[i]))
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "normalisation needs a finite "
                             "mean and a positive standard deviation");
  if (shape->n_dims == 3)
    st = to_image (ds, shape, pp->fit, err);
  else if (shape->n_dims == 1)
    st = to_vector (ds, shape, err);
  else
    st = shape_error (ds, shape, "unsupported input rank", err);
  if (st == NN_OK && pp->normalize)
    normalize (ds->x, pp);
  return st;
}
