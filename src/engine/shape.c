/* shape.c - output sizes of convolutions and pools, per-sample shapes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "nn-private.h"

/* PyTorch's pooling_output_shape_pad_lr() (aten/src/ATen/native/Pool.h), which
 * Conv2d's formula equals when ceil_mode is false. Callers validate kernel, stride and
 * dilation >= 1 and padding >= 0; sizes are bounded (layer.c) so nothing overflows. */
/* floor division, like PyTorch's div_rtn() */
static int64_t
div_floor (int64_t a, int64_t b)
{
  int64_t q = a / b;

  return (a % b != 0 && a < 0) ? q - 1 : q;
}

int64_t
nn_conv_out_size (int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                  int64_t dilation, bool ceil_mode)
{
  int64_t span, out;

  if (in < 1 || kernel < 1 || stride < 1 || pad < 0 || dilation < 1)
    return -1;
  span = in + 2 * pad - dilation * (kernel - 1) - 1;
  out = div_floor (span + (ceil_mode ? stride - 1 : 0), stride) + 1;
  /* the last window must start inside the input or the left padding */
  if (ceil_mode && (out - 1) * stride >= in + pad)
    out--;
  return out >= 1 ? out : -1;
}

nn_shape
nn_shape_chw (int64_t c, int64_t h, int64_t w)
{
  nn_shape s = { 3, { c, h, w } };

  return s;
}

nn_shape
nn_shape_f (int64_t f)
{
  nn_shape s = { 1, { f, 0, 0 } };

  return s;
}

int64_t
nn_shape_numel (const nn_shape *s)
{
  int64_t n = 1;

  for (int32_t i = 0; i < s->n_dims; i++)
    if (!nn_checked_mul (n, s->d[i], &n))
      return -1;
  return n;
}

bool
nn_shape_equal (const nn_shape *a, const nn_shape *b)
{
  if (a->n_dims != b->n_dims)
    return false;
  for (int32_t i = 0; i < a->n_dims; i++)
    if (a->d[i] != b->d[i])
      return false;
  return true;
}

char *
nn_shape_to_string (const nn_shape *s, char *buf, size_t size)
{
  int32_t n = s->n_dims < 0 ? 0 : s->n_dims > 3 ? 3 : s->n_dims;

  return nn_shape_format (n, s->d, buf, size);
}

char *
nn_shape_to_batch_string (const nn_shape *s, char *buf, size_t size)
{
  int64_t d[4] = { 1 };
  int32_t n = s->n_dims < 0 ? 0 : s->n_dims > 3 ? 3 : s->n_dims;

  for (int32_t i = 0; i < n; i++)
    d[i + 1] = s->d[i];
  return nn_shape_format (n + 1, d, buf, size);
}
