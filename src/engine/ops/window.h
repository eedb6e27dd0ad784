/* ops/window.h - sliding-window geometry shared by Conv and the pools
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One place reads kernel_shape, strides, dilations, pads and auto_pad and computes the
 * output size (ONNX's formulas, with PyTorch's ceil_mode rule that the last window
 * starts inside the input or the left padding), so Conv, MaxPool and AveragePool agree.
 */
#ifndef NN_OPS_WINDOW_H
#define NN_OPS_WINDOW_H

#include "ops/op.h"

#define NN_WINDOW_MAX_DIMS 2

typedef struct nn_window {
  int32_t n;                                  /* spatial dims: 1 or 2 */
  int64_t in[NN_WINDOW_MAX_DIMS], out[NN_WINDOW_MAX_DIMS];
  int64_t k[NN_WINDOW_MAX_DIMS], s[NN_WINDOW_MAX_DIMS], d[NN_WINDOW_MAX_DIMS];
  int64_t pb[NN_WINDOW_MAX_DIMS], pe[NN_WINDOW_MAX_DIMS];  /* pads at begin and end */
} nn_window;

/* Schema indices of the window attributes of one op (-1 for one it does not have). */
typedef struct nn_window_attrs {
  int auto_pad, kernel_shape, strides, dilations, pads, ceil_mode;
} nn_window_attrs;

/* x is [N, C, spatial...]; kernel (n values) the kernel's spatial size, or NULL to read
 * the kernel_shape attribute. Fills w (out[] symbolic where in[] is). */
nn_status nn_window_init (const nn_op_ctx *ctx, const nn_window_attrs *a, const nn_type *x,
                          const int64_t *kernel, nn_window *w, nn_error *err);

/* ConvTranspose's geometry (ONNX): in[] are the input's spatial dims, out[] the
 * output's: s * (in - 1) + output_padding + d * (k - 1) + 1 - pads, or output_shape
 * (its spatial values; with auto_pad SAME_* in * s) with the pads it implies, split as
 * ONNX's spec and reference say (SAME_UPPER puts the odd one at the end, NOTSET and
 * SAME_LOWER at the beginning; onnxruntime's ConvTranspose does the opposite).
 * output_padding and output_shape are schema indices. */
nn_status nn_window_transpose_init (const nn_op_ctx *ctx, const nn_window_attrs *a,
                                    int output_padding, int output_shape, const nn_type *x,
                                    const int64_t *kernel, nn_window *w, nn_error *err);

/* the attribute schema entries every windowed op has, in this order */
#define NN_WINDOW_SCHEMA                                                               \
  { .name = "auto_pad", .kind = NN_ATTR_STRING, .def_s = "NOTSET",                     \
    .choices = "NOTSET|SAME_UPPER|SAME_LOWER|VALID" },                                 \
  { .name = "kernel_shape", .torch = "kernel_size", .kind = NN_ATTR_INTS, .min = 1,    \
    .max = INT64_C (1) << 24 },                                                        \
  { .name = "strides", .torch = "stride", .kind = NN_ATTR_INTS, .min = 1,              \
    .max = INT64_C (1) << 24 },                                                        \
  { .name = "pads", .torch = "padding", .kind = NN_ATTR_INTS, .min = 0,                \
    .max = INT64_C (1) << 24 },                                                        \
  { .name = "dilations", .torch = "dilation", .kind = NN_ATTR_INTS, .min = 1,          \
    .max = INT64_C (1) << 24 }

#endif /* NN_OPS_WINDOW_H */
