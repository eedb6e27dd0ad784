/* net.c - networks: editing, shape propagation, suggested fixes, copies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Propagation walks the layers with per-sample shapes (no batch dim) and fills
 * net->info[] without computing anything: output shape, parameter count, multiply-adds,
 * and for the first layer that does not fit, a message a person understands plus a fix
 * the GUI can offer. It never aborts: layers after the first error are marked "not
 * computed" (NN_STATUS_ABORTED) because their input is unknown.
 *
 * Multiply-adds are counted per sample, like torchinfo's "Mult-Adds":
 *   Conv2d       out_c * oh * ow * (in_c / groups) * kh * kw   (bias not counted)
 *   Linear       rows * in_features * out_features, rows = every leading dim
 *   BatchNorm2d  C * H * W (at inference one scale-and-shift per element)
 *   others       0 (pools, activations, Flatten, Dropout, Softmax do no multiply-adds)
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

#define NOT_COMPUTED "not computed (an earlier layer has an error)"

/* ---------------------------------------------------------------- messages */

/* validated configs always have a name; "?" keeps printf away from NULL regardless */
static const char *
type_label (const nn_layer *layer)
{
  const char *name = nn_layer_type_name (layer->cfg.type);

  return name ? name : "?";
}

static void
set_fix (nn_layer_info *info, nn_fix_kind kind, int64_t value)
{
  info->fix.kind = kind;
  info->fix.value = value;
  switch (kind)
    {
    case NN_FIX_SET_IN_FEATURES:
      snprintf (info->fix.label, sizeof info->fix.label, "Set in_features to %" PRId64, value);
      break;
    case NN_FIX_SET_IN_CHANNELS:
      snprintf (info->fix.label, sizeof info->fix.label, "Set in_channels to %" PRId64, value);
      break;
    case NN_FIX_SET_NUM_FEATURES:
      snprintf (info->fix.label, sizeof info->fix.label, "Set num_features to %" PRId64, value);
      break;
    case NN_FIX_INSERT_FLATTEN:
      snprintf (info->fix.label, sizeof info->fix.label, "Insert Flatten before this layer");
      break;
    case NN_FIX_SET_PADDING:
      snprintf (info->fix.label, sizeof info->fix.label, "Set padding to %" PRId64, value);
      break;
    case NN_FIX_REMOVE_LAYER:
      snprintf (info->fix.label, sizeof info->fix.label, "Remove this layer");
      break;
    case NN_FIX_NONE:
    default:
      info->fix.label[0] = '\0';
      break;
    }
}

/* Records the layer's error: "layer 7 (Linear): " + fmt, and the suggested fix. */
static nn_status __attribute__ ((format (printf, 6, 7)))
layer_fail (const nn_net *net, int index, nn_status status, nn_fix_kind fix,
            int64_t fix_value, const char *fmt, ...)
{
  nn_layer_info *info = &net->info[index];
  int len;
  va_list ap;

  len = snprintf (info->message, sizeof info->message, "layer %d (%s): ", index,
                  type_label (&net->layers[index]));
  va_start (ap, fmt);
  vsnprintf (info->message + len, sizeof info->message - (size_t) len, fmt, ap);
  va_end (ap);
  set_fix (info, fix, fix_value);
  info->status = status;
  return status;
}

/* "64×3×3" (the multiplication sign reads better than x in a message) */
static char *
dims_text (const int64_t *d, int n, char *buf, size_t size)
{
  size_t len = 0;

  buf[0] = '\0';
  for (int i = 0; i < n && len < size; i++)
    len += (size_t) snprintf (buf + len, size - len, "%s%" PRId64, i ? "×" : "", d[i]);
  return buf;
}

/* "0" or "(1, 0)" like PyTorch's own pair printing */
static char *
pair_text (const int64_t p[2], char *buf, size_t size)
{
  if (p[0] == p[1])
    snprintf (buf, size, "%" PRId64, p[0]);
  else
    snprintf (buf, size, "(%" PRId64 ", %" PRId64 ")", p[0], p[1]);
  return buf;
}

/* Layers that need (C, H, W): Conv2d, pools, BatchNorm2d. */
static nn_status
require_chw (const nn_net *net, int index, const nn_shape *in)
{
  char sbuf[64];

  if (in->n_dims == 3)
    return NN_OK;
  return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_REMOVE_LAYER, 0,
                     "expects a 3-D (channels, height, width) input but receives the %d-D "
                     "shape %s", (int) in->n_dims, nn_shape_to_string (in, sbuf, sizeof sbuf));
}

/* ---------------------------------------------------------------- per-type shapes */

/* The padding that makes a (dilated) kernel fit both axes, or -1 if a pool's
 * padding limit (kernel / 2) forbids it. */
static int64_t
padding_that_fits (const nn_layer_config *cfg, const nn_shape *in)
{
  int64_t need = 0;

  for (int a = 0; a < 2; a++)
    {
      int64_t dil = cfg->type == NN_LAYER_AVGPOOL2D ? 1 : cfg->dilation[a];
      int64_t span = dil * (cfg->kernel_size[a] - 1) + 1;
      int64_t p = span > in->d[1 + a] ? (span - in->d[1 + a] + 1) / 2 : 0;

      if (cfg->padding[a] > p)
        p = cfg->padding[a];
      if (p > need)
        need = p;
      if (cfg->type != NN_LAYER_CONV2D && need > cfg->kernel_size[a] / 2)
        return -1;
    }
  return need;
}

static nn_status
kernel_does_not_fit (const nn_net *net, int index, const nn_shape *in)
{
  const nn_layer_config *cfg = &net->layers[index].cfg;
  int64_t dil[2] = { 1, 1 }, span[2];
  int64_t fix = padding_that_fits (cfg, in);
  char kbuf[48], ibuf[48], pbuf[48], sbuf[48], dbuf[48];

  if (cfg->type != NN_LAYER_AVGPOOL2D)
    memcpy (dil, cfg->dilation, sizeof dil);
  for (int a = 0; a < 2; a++)
    span[a] = dil[a] * (cfg->kernel_size[a] - 1) + 1;
  dims_text (cfg->kernel_size, 2, kbuf, sizeof kbuf);
  dims_text (&in->d[1], 2, ibuf, sizeof ibuf);
  pair_text (cfg->padding, pbuf, sizeof pbuf);
  if (dil[0] == 1 && dil[1] == 1)
    return layer_fail (net, index, NN_STATUS_SHAPE,
                       fix >= 0 ? NN_FIX_SET_PADDING : NN_FIX_REMOVE_LAYER, fix,
                       "%s kernel does not fit the %s input (padding %s)", kbuf, ibuf, pbuf);
  return layer_fail (net, index, NN_STATUS_SHAPE,
                     fix >= 0 ? NN_FIX_SET_PADDING : NN_FIX_REMOVE_LAYER, fix,
                     "%s kernel with dilation %s (spanning %s) does not fit the %s input "
                     "(padding %s)", kbuf, pair_text (dil, dbuf, sizeof dbuf),
                     dims_text (span, 2, sbuf, sizeof sbuf), ibuf, pbuf);
}

/* Output height and width of a conv or pool, or an error if the kernel does not fit. */
static nn_status
window_out (const nn_net *net, int index, const nn_shape *in, int64_t out[2])
{
  const nn_layer_config *cfg = &net->layers[index].cfg;
  bool ceil = cfg->type != NN_LAYER_CONV2D && cfg->ceil_mode;

  for (int a = 0; a < 2; a++)
    {
      int64_t dil = cfg->type == NN_LAYER_AVGPOOL2D ? 1 : cfg->dilation[a];

      out[a] = nn_conv_out_size (in->d[1 + a], cfg->kernel_size[a], cfg->stride[a],
                                 cfg->padding[a], dil, ceil);
      if (out[a] < 1)
        return kernel_does_not_fit (net, index, in);
    }
  return NN_OK;
}

static int64_t
saturating_mul (int64_t a, int64_t b)
{
  int64_t r;

  return nn_checked_mul (a, b, &r) ? r : INT64_MAX;
}

static nn_status
infer_conv (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  nn_layer *layer = &net->layers[index];
  const nn_layer_config *cfg = &layer->cfg;
  int64_t c = in->d[0], hw[2];
  nn_status s;

  if ((s = require_chw (net, index, in)) != NN_OK)
    return s;
  c = in->d[0];
  if (cfg->in_channels != NN_LAZY && cfg->in_channels != c)
    return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_SET_IN_CHANNELS, c,
                       "expects %" PRId64 " input channels but receives %" PRId64,
                       cfg->in_channels, c);
  if (c % cfg->groups != 0)
    return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_NONE, 0,
                       "receives %" PRId64 " input channels, which groups=%" PRId64
                       " does not divide", c, cfg->groups);
  if ((s = window_out (net, index, in, hw)) != NN_OK)
    return s;
  layer->in_channels = c;
  info->out_shape = nn_shape_chw (cfg->out_channels, hw[0], hw[1]);
  info->macs = saturating_mul (nn_shape_numel (&info->out_shape),
                               saturating_mul (c / cfg->groups,
                                               cfg->kernel_size[0] * cfg->kernel_size[1]));
  return NN_OK;
}

static nn_status
infer_pool (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  int64_t hw[2];
  nn_status s;

  if ((s = require_chw (net, index, in)) != NN_OK
      || (s = window_out (net, index, in, hw)) != NN_OK)
    return s;
  info->out_shape = nn_shape_chw (in->d[0], hw[0], hw[1]);
  return NN_OK;
}

/* " (64×3×3 after Flatten)" when the features come straight out of a Flatten, so the
 * user sees where the number comes from. */
static void
features_origin (const nn_net *net, int index, char *buf, size_t size)
{
  const nn_layer_info *prev = index > 0 ? &net->info[index - 1] : NULL;
  char dbuf[64];

  buf[0] = '\0';
  if (prev != NULL && net->layers[index - 1].cfg.type == NN_LAYER_FLATTEN
      && prev->in_shape.n_dims > 1)
    snprintf (buf, size, " (%s after Flatten)",
              dims_text (prev->in_shape.d, prev->in_shape.n_dims, dbuf, sizeof dbuf));
}

/* torch.nn.Linear acts on the last dimension of any shape. */
static nn_status
infer_linear (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  nn_layer *layer = &net->layers[index];
  const nn_layer_config *cfg = &layer->cfg;
  int64_t last = in->d[in->n_dims - 1];
  char origin[96], sbuf[64];

  if (cfg->in_features != NN_LAZY && cfg->in_features != last && in->n_dims == 1)
    {
      features_origin (net, index, origin, sizeof origin);
      return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_SET_IN_FEATURES, last,
                         "expects %" PRId64 " input features but receives %" PRId64 "%s",
                         cfg->in_features, last, origin);
    }
  if (cfg->in_features != NN_LAZY && cfg->in_features != last)
    return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_INSERT_FLATTEN, 0,
                       "expects %" PRId64 " input features but receives the %d-D shape %s; "
                       "Linear works on the last dimension (%" PRId64 "), so flatten "
                       "the input first", cfg->in_features, (int) in->n_dims,
                       nn_shape_to_string (in, sbuf, sizeof sbuf), last);
  layer->in_features = last;
  info->out_shape = *in;
  info->out_shape.d[in->n_dims - 1] = cfg->out_features;
  info->macs = saturating_mul (nn_shape_numel (&info->out_shape), last);
  return NN_OK;
}

static nn_status
infer_batchnorm (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  nn_layer *layer = &net->layers[index];
  int64_t want = layer->cfg.num_features;
  nn_status s;

  if ((s = require_chw (net, index, in)) != NN_OK)
    return s;
  if (want != NN_LAZY && want != in->d[0])
    return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_SET_NUM_FEATURES, in->d[0],
                       "expects %" PRId64 " channels (num_features) but receives %" PRId64,
                       want, in->d[0]);
  layer->num_features = in->d[0];
  info->out_shape = *in;
  info->macs = nn_shape_numel (in);
  return NN_OK;
}

/* A dim counting the batch dim (like torch on [N, ...]) -> 0..rank-1, or -1. */
static int
batch_dim (int64_t dim, int rank)
{
  if (dim < 0)
    dim += rank;
  return dim >= 0 && dim < rank ? (int) dim : -1;
}

static nn_status
dim_out_of_range (const nn_net *net, int index, const char *param, int64_t dim,
                  const nn_shape *in)
{
  char dbuf[64];
  int rank = in->n_dims + 1;

  return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_NONE, 0,
                     "%s %" PRId64 " is out of range for the %d-D input [N, %s (the batch "
                     "dimension counts: valid dims are %d to %d)", param, dim, rank,
                     nn_shape_to_string (in, dbuf, sizeof dbuf) + 1, -rank, rank - 1);
}

static nn_status
infer_flatten (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  const nn_layer_config *cfg = &net->layers[index].cfg;
  int rank = in->n_dims + 1, n = 0;
  int s = batch_dim (cfg->start_dim, rank), e = batch_dim (cfg->end_dim, rank);
  int64_t merged = 1;

  if (s < 0)
    return dim_out_of_range (net, index, "start_dim", cfg->start_dim, in);
  if (e < 0)
    return dim_out_of_range (net, index, "end_dim", cfg->end_dim, in);
  if (s > e)
    return layer_fail (net, index, NN_STATUS_SHAPE, NN_FIX_NONE, 0,
                       "start_dim (%" PRId64 ") comes after end_dim (%" PRId64 ")",
                       cfg->start_dim, cfg->end_dim);
  if (s == 0 && e > 0)
    return layer_fail (net, index, NN_STATUS_UNSUPPORTED, NN_FIX_NONE, 0,
                       "start_dim 0 would merge the batch dimension into the features; "
                       "Layerlab keeps samples separate (use start_dim=1)");
  /* per-sample dims: full dim k is per-sample dim k - 1 (s == e == 0 is the identity) */
  for (int k = 1; k < rank; k++)
    {
      if (k > s && k <= e)
        merged = info->out_shape.d[n - 1] = saturating_mul (merged, in->d[k - 1]);
      else
        info->out_shape.d[n++] = merged = in->d[k - 1];
    }
  info->out_shape.n_dims = n;
  return NN_OK;
}

static nn_status
infer_softmax (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  const nn_layer_config *cfg = &net->layers[index].cfg;

  if (batch_dim (cfg->dim, in->n_dims + 1) < 0)
    return dim_out_of_range (net, index, "dim", cfg->dim, in);
  info->out_shape = *in;
  return NN_OK;
}

static nn_status
infer_layer (nn_net *net, int index, const nn_shape *in, nn_layer_info *info)
{
  switch (net->layers[index].cfg.type)
    {
    case NN_LAYER_CONV2D:
      return infer_conv (net, index, in, info);
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      return infer_pool (net, index, in, info);
    case NN_LAYER_LINEAR:
      return infer_linear (net, index, in, info);
    case NN_LAYER_BATCHNORM2D:
      return infer_batchnorm (net, index, in, info);
    case NN_LAYER_FLATTEN:
      return infer_flatten (net, index, in, info);
    case NN_LAYER_SOFTMAX:
      return infer_softmax (net, index, in, info);
    case NN_LAYER_RELU:
    case NN_LAYER_DROPOUT:
    case NN_LAYER_LEAKYRELU:
    case NN_LAYER_SIGMOID:
    case NN_LAYER_TANH:
      info->out_shape = *in;
      return NN_OK;
    case NN_LAYER_N_TYPES:
    default:
      return layer_fail (net, index, NN_STATUS_INVALID_ARG, NN_FIX_REMOVE_LAYER, 0,
                         "unknown layer type");
    }
}

/* ---------------------------------------------------------------- propagation */

/* An activation of one sample must fit the budget (sizes up to NN_SIZE_MAX per dim
 * can multiply to far more than memory). */
/* "2.0 MiB", "8.0 GiB": bytes in the unit that makes the number readable (a budget set
 * to 1 MiB must not read "0.0 GiB"). */
static char *
bytes_text (double bytes, char *buf, size_t size)
{
  static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  int u = 0;

  while (bytes >= 1024.0 && u < 6)
    {
      bytes /= 1024.0;
      u++;
    }
  if (u == 0)
    snprintf (buf, size, "%.0f bytes", bytes);
  else
    snprintf (buf, size, "%.1f %s", bytes, units[u]);
  return buf;
}

static nn_status
check_activation (const nn_net *net, int index, const nn_shape *out)
{
  int64_t numel = nn_shape_numel (out);
  char sbuf[64], need[32], have[32];
  double bytes;

  if (numel >= 0 && (uint64_t) numel <= nn_memory_budget () / sizeof (float))
    return NN_OK;
  bytes = 4.0 * (double) out->d[0] * (double) (out->n_dims > 1 ? out->d[1] : 1)
          * (double) (out->n_dims > 2 ? out->d[2] : 1);
  return layer_fail (net, index, NN_STATUS_TOO_LARGE, NN_FIX_NONE, 0,
                     "the output %s needs %s per sample, more than the %s budget",
                     nn_shape_to_string (out, sbuf, sizeof sbuf),
                     bytes_text (bytes, need, sizeof need),
                     bytes_text ((double) nn_memory_budget (), have, sizeof have));
}

static void
reset_resolved (nn_layer *layer)
{
  layer->in_channels = layer->cfg.in_channels;
  layer->in_features = layer->cfg.in_features;
  layer->num_features = layer->cfg.num_features;
}

static nn_status
propagate_layer (nn_net *net, int index, const nn_shape *in)
{
  nn_layer_info *info = &net->info[index];
  nn_error err;
  nn_status s;

  info->in_shape = *in;
  if ((s = infer_layer (net, index, in, info)) != NN_OK
      || (s = check_activation (net, index, &info->out_shape)) != NN_OK)
    return s;
  if ((s = nn_layer_sync_params (net, index, &err)) != NN_OK)
    {
      snprintf (info->message, sizeof info->message, "%.511s", err.message);
      set_fix (info, NN_FIX_NONE, 0);
      return info->status = s;
    }
  info->n_params = nn_layer_param_numel (net, index);
  return NN_OK;
}

nn_status
nn_net_propagate (nn_net *net)
{
  nn_shape cur = net->input;

  net->first_error = -1;
  for (int i = 0; i < net->n_layers; i++)
    {
      nn_layer_info *info = &net->info[i];

      memset (info, 0, sizeof *info);
      reset_resolved (&net->layers[i]);
      if (net->first_error >= 0)
        {
          info->status = NN_STATUS_ABORTED;
          snprintf (info->message, sizeof info->message, "layer %d (%s): " NOT_COMPUTED, i,
                    type_label (&net->layers[i]));
          continue;
        }
      if (propagate_layer (net, i, &cur) != NN_OK)
        {
          reset_resolved (&net->layers[i]);
          info->out_shape.n_dims = 0;
          info->macs = 0;
          info->n_params = 0;
          net->first_error = i;
          continue;
        }
      cur = info->out_shape;
    }
  return net->first_error >= 0 ? net->info[net->first_error].status : NN_OK;
}

nn_shape
nn_net_output_shape (const nn_net *net)
{
  nn_shape none = { 0 };

  if (net->first_error >= 0)
    return none;
  return net->n_layers > 0 ? net->info[net->n_layers - 1].out_shape : net->input;
}

static int
n_computed (const nn_net *net)
{
  return net->first_error >= 0 ? net->first_error : net->n_layers;
}

int64_t
nn_net_total_params (const nn_net *net)
{
  int64_t total = 0;

  for (int i = 0; i < n_computed (net); i++)
    total += net->info[i].n_params;
  return total;
}

int64_t
nn_net_total_macs (const nn_net *net)
{
  int64_t total = 0;

  for (int i = 0; i < n_computed (net); i++)
    total = total > INT64_MAX - net->info[i].macs ? INT64_MAX : total + net->info[i].macs;
  return total;
}

int64_t
nn_net_activation_numel (const nn_net *net)
{
  int64_t total = nn_shape_numel (&net->input);

  for (int i = 0; i < n_computed (net); i++)
    total += nn_shape_numel (&net->info[i].out_shape);
  return total;
}

/* ---------------------------------------------------------------- life cycle */

static nn_status
check_input (const nn_shape *input, nn_error *err)
{
  char sbuf[64];
  int64_t numel;

  if (input == NULL || input->n_dims < 1 || input->n_dims > 3)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the input shape must have 1 to 3 "
                         "dimensions ((features) or (channels, height, width)), not %d",
                         input ? (int) input->n_dims : 0);
  nn_shape_to_string (input, sbuf, sizeof sbuf);
  for (int i = 0; i < input->n_dims; i++)
    if (input->d[i] < 1 || input->d[i] > NN_SIZE_MAX)
      return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "input shape %s: every size must "
                           "be between 1 and %" PRId64, sbuf, NN_SIZE_MAX);
  numel = nn_shape_numel (input);
  if (numel < 0 || (uint64_t) numel > nn_memory_budget () / sizeof (float))
    {
      char have[32];

      return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "input shape %s: one sample needs "
                           "more than the %s memory budget", sbuf,
                           bytes_text ((double) nn_memory_budget (), have, sizeof have));
    }
  return NN_OK;
}

/* NULL for an impossible input shape (see check_input) or when out of memory. */
nn_net *
nn_net_new (const nn_shape *input, uint64_t seed)
{
  nn_net *net;

  if (check_input (input, NULL) != NN_OK)
    return NULL;
  net = calloc (1, sizeof *net);
  if (net == NULL)
    return NULL;
  net->input = *input;
  net->first_error = -1;
  net->seed = seed;
  return net;
}

void
nn_net_free (nn_net *net)
{
  if (net == NULL)
    return;
  for (int i = 0; i < net->n_layers; i++)
    nn_layer_free_params (&net->layers[i]);
  free (net->layers);
  free (net->info);
  nn_workspace_free (net);
  nn_training_record_free (net->training);
  free (net);
}

/* Shares src's storage (copy-on-write, tensor.c): a header, no values. */
static bool
copy_tensor (nn_tensor **dst, const nn_tensor *src, nn_error *err)
{
  *dst = NULL;
  if (src == NULL)
    return true;
  *dst = nn_tensor_copy (src, err);
  return *dst != NULL;
}

static bool
copy_layer (nn_layer *dst, const nn_layer *src, nn_error *err)
{
  *dst = *src;
  /* no pointer into src may survive a failed copy: the caller frees dst */
  dst->weight = dst->bias = dst->running_mean = dst->running_var = NULL;
  dst->grad_weight = dst->grad_bias = NULL;
  return copy_tensor (&dst->weight, src->weight, err)
         && copy_tensor (&dst->bias, src->bias, err)
         && copy_tensor (&dst->running_mean, src->running_mean, err)
         && copy_tensor (&dst->running_var, src->running_var, err)
         && copy_tensor (&dst->grad_weight, src->grad_weight, err)
         && copy_tensor (&dst->grad_bias, src->grad_bias, err);
}

static bool
reserve (nn_net *net, int n)
{
  nn_layer *layers;
  nn_layer_info *info;
  int cap;

  if (n <= net->capacity)
    return true;
  cap = net->capacity ? net->capacity : 8;
  while (cap < n)
    cap *= 2;
  layers = realloc (net->layers, (size_t) cap * sizeof *layers);
  if (layers == NULL)
    return false;
  net->layers = layers;
  info = realloc (net->info, (size_t) cap * sizeof *info);
  if (info == NULL)
    return false;
  net->info = info;
  net->capacity = cap;
  return true;
}

/* The copy gets its own (empty) workspace: scratch is never shared between threads.
 * Parameters are shared until written (nn_tensor_make_writable). */
nn_net *
nn_net_copy (const nn_net *net, nn_error *err)
{
  nn_net *copy = calloc (1, sizeof *copy);

  if (copy == NULL || !reserve (copy, net->n_layers))
    goto nomem;
  copy->input = net->input;
  copy->first_error = net->first_error;
  copy->seed = net->seed;
  copy->init_counter = net->init_counter;
  for (int i = 0; i < net->n_layers; i++)
    {
      copy->n_layers = i + 1;
      if (!copy_layer (&copy->layers[i], &net->layers[i], err))
        {
          nn_layer_free_params (&copy->layers[i]);
          copy->n_layers = i;
          nn_net_free (copy);
          return NULL;
        }
      copy->info[i] = net->info[i];
    }
  if (net->training != NULL
      && (copy->training = nn_training_record_copy (net->training, err)) == NULL)
    {
      nn_net_free (copy);
      return NULL;
    }
  return copy;

nomem:
  nn_net_free (copy);
  nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory copying the network");
  return NULL;
}

/* ---------------------------------------------------------------- editing */

static nn_status
check_index (const nn_net *net, int index, int limit, nn_error *err)
{
  if (index >= 0 && index < limit)
    return NN_OK;
  return nn_error_set (err, NN_STATUS_NOT_FOUND, index, "there is no layer %d (the network "
                       "has %d layer%s)", index, net->n_layers, net->n_layers == 1 ? "" : "s");
}

nn_status
nn_net_insert (nn_net *net, int index, const nn_layer_config *cfg, nn_error *err)
{
  nn_layer *layer;
  nn_status s;

  if ((s = check_index (net, index, net->n_layers + 1, err)) != NN_OK
      || (s = nn_layer_config_validate (cfg, index, err)) != NN_OK)
    return s;
  if (!reserve (net, net->n_layers + 1))
    return nn_error_set (err, NN_STATUS_NOMEM, index, "out of memory adding a layer");
  layer = &net->layers[index];
  memmove (layer + 1, layer, (size_t) (net->n_layers - index) * sizeof *layer);
  memset (layer, 0, sizeof *layer);
  layer->cfg = *cfg;
  net->n_layers++;
  nn_net_propagate (net);
  return NN_OK;
}

nn_status
nn_net_append (nn_net *net, const nn_layer_config *cfg, nn_error *err)
{
  return nn_net_insert (net, net->n_layers, cfg, err);
}

nn_status
nn_net_remove (nn_net *net, int index, nn_error *err)
{
  nn_layer *layer;
  nn_status s;

  if ((s = check_index (net, index, net->n_layers, err)) != NN_OK)
    return s;
  layer = &net->layers[index];
  nn_layer_free_params (layer);
  memmove (layer, layer + 1, (size_t) (net->n_layers - index - 1) * sizeof *layer);
  net->n_layers--;
  nn_net_propagate (net);
  return NN_OK;
}

nn_status
nn_net_move (nn_net *net, int from, int to, nn_error *err)
{
  nn_layer moved;
  nn_status s;

  if ((s = check_index (net, from, net->n_layers, err)) != NN_OK
      || (s = check_index (net, to, net->n_layers, err)) != NN_OK)
    return s;
  moved = net->layers[from];
  if (from < to)
    memmove (&net->layers[from], &net->layers[from + 1],
             (size_t) (to - from) * sizeof moved);
  else
    memmove (&net->layers[to + 1], &net->layers[to], (size_t) (from - to) * sizeof moved);
  net->layers[to] = moved;
  nn_net_propagate (net);
  return NN_OK;
}

nn_status
nn_net_set_config (nn_net *net, int index, const nn_layer_config *cfg, nn_error *err)
{
  nn_layer *layer;
  nn_status s;

  if ((s = check_index (net, index, net->n_layers, err)) != NN_OK
      || (s = nn_layer_config_validate (cfg, index, err)) != NN_OK)
    return s;
  layer = &net->layers[index];
  /* a new type shares no parameters with the old one, even if a shape happens to match */
  if (layer->cfg.type != cfg->type)
    nn_layer_free_params (layer);
  layer->cfg = *cfg;
  nn_net_propagate (net);
  return NN_OK;
}

nn_status
nn_net_set_input (nn_net *net, const nn_shape *input, nn_error *err)
{
  nn_status s;

  if ((s = check_input (input, err)) != NN_OK)
    return s;
  net->input = *input;
  nn_net_propagate (net);
  return NN_OK;
}

static nn_status
apply_padding (nn_net *net, int index, int64_t value, nn_error *err)
{
  nn_layer_config cfg = net->layers[index].cfg;

  for (int a = 0; a < 2; a++)
    if (cfg.padding[a] < value)
      cfg.padding[a] = value;
  return nn_net_set_config (net, index, &cfg, err);
}

nn_status
nn_net_apply_fix (nn_net *net, int index, const nn_fix *fix, nn_error *err)
{
  nn_layer_config cfg;
  nn_status s;

  if ((s = check_index (net, index, net->n_layers, err)) != NN_OK)
    return s;
  cfg = net->layers[index].cfg;
  switch (fix->kind)
    {
    case NN_FIX_SET_IN_FEATURES:
      cfg.in_features = fix->value;
      return nn_net_set_config (net, index, &cfg, err);
    case NN_FIX_SET_IN_CHANNELS:
      cfg.in_channels = fix->value;
      return nn_net_set_config (net, index, &cfg, err);
    case NN_FIX_SET_NUM_FEATURES:
      cfg.num_features = fix->value;
      return nn_net_set_config (net, index, &cfg, err);
    case NN_FIX_INSERT_FLATTEN:
      nn_layer_config_init (&cfg, NN_LAYER_FLATTEN);
      return nn_net_insert (net, index, &cfg, err);
    case NN_FIX_SET_PADDING:
      return apply_padding (net, index, fix->value, err);
    case NN_FIX_REMOVE_LAYER:
      return nn_net_remove (net, index, err);
    case NN_FIX_NONE:
    default:
      return nn_error_set (err, NN_STATUS_INVALID_ARG, index,
                           "layer %d: there is no fix to apply", index);
    }
}
