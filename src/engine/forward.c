/* forward.c - running a network: nn_net_forward and the per-layer dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes come from propagation (net->info), never from running: the forward pass only
 * allocates what propagation announced, after checking the whole run fits the memory
 * budget. Activations belong to the result (style rule 27) so a view can keep showing
 * them while the next run computes fresh ones. Every activation carries the batch dim,
 * acts[0] included, even when the input was fed as [C, H, W] or [F].
 * When activations are not kept, a ReLU after a Conv2d or Linear is fused into that
 * layer's bias pass: one intermediate and one memory pass fewer; a MaxPool2d after
 * Conv2d + ReLU joins them too (the conv output is pooled while still in cache).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

static const nn_forward_fn forward_table[NN_LAYER_N_TYPES] = {
  [NN_LAYER_CONV2D] = nn_conv2d_forward,
  [NN_LAYER_RELU] = nn_relu_forward,
  [NN_LAYER_MAXPOOL2D] = nn_maxpool2d_forward,
  [NN_LAYER_AVGPOOL2D] = nn_avgpool2d_forward,
  [NN_LAYER_FLATTEN] = nn_copy_forward,
  [NN_LAYER_LINEAR] = nn_linear_forward,
  [NN_LAYER_BATCHNORM2D] = nn_batchnorm2d_forward,
  [NN_LAYER_DROPOUT] = nn_copy_forward,
  [NN_LAYER_LEAKYRELU] = nn_leakyrelu_forward,
  [NN_LAYER_SIGMOID] = nn_sigmoid_forward,
  [NN_LAYER_TANH] = nn_tanh_forward,
  [NN_LAYER_SOFTMAX] = nn_softmax_forward,
};

/* [N, shape...] as a tensor shape; false if it does not fit NN_MAX_DIMS */
static bool
batched_shape (int64_t n, const nn_shape *s, int32_t *n_dims, int64_t *dims)
{
  if (s->n_dims < 1 || s->n_dims + 1 > NN_MAX_DIMS)
    return false;
  dims[0] = n;
  for (int i = 0; i < s->n_dims; i++)
    dims[i + 1] = s->d[i];
  *n_dims = s->n_dims + 1;
  return true;
}

static bool
has_batched_shape (const nn_tensor *t, int64_t n, const nn_shape *s)
{
  if (t->n_dims != s->n_dims + 1 || t->shape[0] != n)
    return false;
  for (int i = 0; i < s->n_dims; i++)
    if (t->shape[i + 1] != s->d[i])
      return false;
  return true;
}

nn_status
nn_layer_forward (nn_net *net, int index, const nn_tensor *in, nn_tensor *out,
                  nn_error *err)
{
  const nn_layer_info *info;
  nn_layer_type type;

  if (net == NULL || in == NULL || out == NULL || index < 0 || index >= net->n_layers
      || net->info == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "no such layer: %d", index);
  info = &net->info[index];
  type = net->layers[index].cfg.type;
  if (info->status != NN_OK)
    return nn_error_set (err, info->status, index, "%s", info->message);
  if ((unsigned) type >= NN_LAYER_N_TYPES || forward_table[type] == NULL)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, index, "layer %d: unknown type %d",
                         index, (int) type);
  if (in->n_dims < 1 || !has_batched_shape (in, in->shape[0], &info->in_shape)
      || !has_batched_shape (out, in->shape[0], &info->out_shape))
    return nn_error_set (err, NN_STATUS_SHAPE, index,
                         "layer %d (%s): tensors do not match the propagated shapes", index,
                         nn_layer_type_name (type));
  return forward_table[type] (net, index, in, out, err);
}

void
nn_run_result_clear (nn_run_result *result)
{
  if (result == NULL)
    return;
  nn_tensor_free (result->output);
  for (int i = 0; i < result->n_acts; i++)
    nn_tensor_free (result->acts[i]);
  free (result->acts);
  memset (result, 0, sizeof *result);
}

static bool
dims_equal (const int64_t *dims, const nn_shape *s)
{
  for (int i = 0; i < s->n_dims; i++)
    if (dims[i] != s->d[i])
      return false;
  return true;
}

/* Works out the batch size from input, which must be [N, shape...] or [shape...]. */
static nn_status
input_batch (const nn_net *net, const nn_tensor *input, int64_t *n, nn_error *err)
{
  const nn_shape *s = &net->input;
  char got[96], want[96];

  if (input->n_dims == s->n_dims + 1 && dims_equal (input->shape + 1, s))
    {
      *n = input->shape[0];
      return NN_OK;
    }
  if (input->n_dims == s->n_dims && dims_equal (input->shape, s))
    {
      *n = 1;
      return NN_OK;
    }
  nn_shape_format (input->n_dims, input->shape, got, sizeof got);
  nn_shape_to_string (s, want, sizeof want);
  return nn_error_set (err, NN_STATUS_SHAPE, -1,
                       "the input has shape %s but the network expects [N, %s (or %s)",
                       got, want + 1, want);
}

/* Elements of the activation after layer i - 1 (i = 0: the input), whole batch */
static bool
act_numel (const nn_net *net, int i, int64_t n, int64_t *out)
{
  const nn_shape *s = i == 0 ? &net->input : &net->info[i - 1].out_shape;

  return nn_checked_mul (n, nn_shape_numel (s), out);
}

/* Checks the activation memory of the whole run against the budget before anything is
 * allocated: all of them when kept, else the largest pair alive at once. */
static nn_status
check_memory (const nn_net *net, int64_t n, bool keep, nn_error *err)
{
  int64_t total = 0, prev = 0, cur;

  for (int i = 0; i <= net->n_layers; i++)
    {
      int64_t need;

      if (!act_numel (net, i, n, &cur))
        goto too_large;
      need = keep ? total + cur : prev + cur;
      if (need < 0 || need > INT64_MAX / 8)
        goto too_large;
      total = keep ? need : (need > total ? need : total);
      prev = cur;
    }
  if (keep)
    total += cur;   /* the output is a copy of the last activation */
  if ((uint64_t) total * 4 <= nn_memory_budget ())
    return NN_OK;
  return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                       "a batch of %lld needs %.1f MiB of activations, more than the memory "
                       "budget of %.1f MiB", (long long) n,
                       (double) total * 4.0 / (1024.0 * 1024.0),
                       (double) nn_memory_budget () / (1024.0 * 1024.0));
too_large:
  return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                       "a batch of %lld needs more activation memory than can be addressed",
                       (long long) n);
}

static nn_tensor *
new_batched (int64_t n, const nn_shape *s, nn_error *err)
{
  int64_t dims[NN_MAX_DIMS];
  int32_t n_dims;

  if (!batched_shape (n, s, &n_dims, dims))
    {
      nn_error_set (err, NN_STATUS_SHAPE, -1, "a %d-d shape plus the batch is too many dims",
                    (int) s->n_dims);
      return NULL;
    }
  return nn_tensor_new (n_dims, dims, err);
}

typedef struct run_state {
  nn_net *net;
  const nn_run_opts *opts;
  int64_t n;
  nn_tensor view;           /* the caller's input seen as [N, ...], not owned */
  nn_tensor *cur;           /* the activation feeding the next layer */
  bool cur_owned;           /* cur is an intermediate of ours (not kept, not the view) */
} run_state;

/* A Conv2d or Linear followed by a ReLU (both propagated fine) can run as one pass
 * with the ReLU fused into the bias epilogue, when the intermediate is not kept. */
static bool
fuses_relu (const run_state *st, int i)
{
  const nn_net *net = st->net;
  nn_layer_type type = net->layers[i].cfg.type;

  return !st->opts->keep_activations && i + 1 < net->n_layers
         && (type == NN_LAYER_CONV2D || type == NN_LAYER_LINEAR)
         && net->layers[i + 1].cfg.type == NN_LAYER_RELU && net->info[i].status == NN_OK
         && net->info[i + 1].status == NN_OK
         && nn_shape_equal (&net->info[i].out_shape, &net->info[i + 1].out_shape);
}

/* Conv2d + ReLU + MaxPool2d (all propagated fine, activations not kept) as one pass:
 * the conv output is pooled per image while in cache and never stored at full size,
 * by im2col when its per-image scratch is small, or in Winograd's output transform
 * for a MaxPool2d(2) after a layer Winograd takes. */
static bool
fuses_pool (const run_state *st, int i)
{
  const nn_net *net = st->net;

  return fuses_relu (st, i) && net->layers[i].cfg.type == NN_LAYER_CONV2D
         && i + 2 < net->n_layers && net->layers[i + 2].cfg.type == NN_LAYER_MAXPOOL2D
         && net->info[i + 2].status == NN_OK
         && nn_shape_equal (&net->info[i + 1].out_shape, &net->info[i + 2].in_shape)
         && (nn_winograd_pool_fusable (net, i, i + 2)
             || (!nn_winograd_applies (net, i) && nn_conv2d_pool_fusable (net, i)));
}

/* Runs layer i (and, when fused, the ReLU after it); returns the layers done in *done. */
static nn_status
run_layer (run_state *st, int i, int *done, nn_run_result *result, nn_error *err)
{
  bool pool = fuses_pool (st, i), fuse = fuses_relu (st, i);
  nn_tensor *out;
  nn_status status;

  *done = 1;
  if (st->opts->abort_cb != NULL && st->opts->abort_cb (st->opts->abort_data))
    return nn_error_set (err, NN_STATUS_ABORTED, i, "aborted before layer %d", i);
  out = new_batched (st->n, &st->net->info[pool ? i + 2 : i].out_shape, err);
  if (out == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  if (pool)
    {
      status = nn_conv2d_pool_forward (st->net, i, i + 2, st->cur, out, true, err);
      *done = 3;
    }
  else if (!fuse)
    status = nn_layer_forward (st->net, i, st->cur, out, err);
  else
    {
      /* cur and out have the propagated shapes by construction (what nn_layer_forward
       * would check); the kernels check their parameters themselves */
      status = st->net->layers[i].cfg.type == NN_LAYER_CONV2D
               ? nn_conv2d_forward_fused (st->net, i, st->cur, out, true, err)
               : nn_linear_forward_fused (st->net, i, st->cur, out, true, err);
      *done = 2;
    }
  if (st->cur_owned)
    nn_tensor_free (st->cur);
  st->cur = out;
  st->cur_owned = !st->opts->keep_activations;
  if (st->opts->keep_activations)
    result->acts[i + 1] = out;
  return status;
}

static nn_status
run_setup (run_state *st, const nn_tensor *input, nn_run_result *result, nn_error *err)
{
  int64_t dims[NN_MAX_DIMS];
  int32_t n_dims;

  if (!batched_shape (st->n, &st->net->input, &n_dims, dims))
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "the network input has too many dims");
  st->view = (nn_tensor) { .n_dims = n_dims, .data = input->data, .owns_data = false };
  memcpy (st->view.shape, dims, sizeof dims);
  st->cur = &st->view;
  st->cur_owned = false;
  if (!st->opts->keep_activations)
    return NN_OK;
  result->acts = calloc ((size_t) st->net->n_layers + 1, sizeof (nn_tensor *));
  if (result->acts == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  result->n_acts = st->net->n_layers + 1;
  result->acts[0] = nn_tensor_copy (&st->view, err);
  if (result->acts[0] == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  st->cur = result->acts[0];
  return NN_OK;
}

static nn_status
check_runnable (const nn_net *net, const nn_tensor *input, int64_t *n, nn_error *err)
{
  int e = net->first_error;

  if (net->n_layers > 0 && net->info == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the network was never propagated");
  if (e >= 0 && e < net->n_layers)
    return nn_error_set (err, net->info[e].status != NN_OK ? net->info[e].status
                         : NN_STATUS_SHAPE, e, "%s", net->info[e].message);
  if (input->data == NULL && nn_tensor_numel (input) > 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the input has no data");
  return input_batch (net, input, n, err);
}

nn_status
nn_net_forward (nn_net *net, const nn_tensor *input, const nn_run_opts *opts,
                nn_run_result *result, nn_error *err)
{
  static const nn_run_opts defaults = { 0 };
  run_state st = { .net = net, .opts = opts != NULL ? opts : &defaults };
  nn_status status;

  if (result != NULL)
    memset (result, 0, sizeof *result);
  if (net == NULL || input == NULL || result == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nn_net_forward: missing argument");
  if ((status = check_runnable (net, input, &st.n, err)) != NN_OK
      || (status = check_memory (net, st.n, st.opts->keep_activations, err)) != NN_OK)
    return status;
  if (st.opts->n_threads > 0)
    nn_set_num_threads (st.opts->n_threads);
  status = run_setup (&st, input, result, err);
  for (int i = 0, done = 0; status == NN_OK && i < net->n_layers; i += done)
    status = run_layer (&st, i, &done, result, err);
  if (status == NN_OK)
    {
      /* the output is the caller's own tensor: a copy when it is also kept in acts */
      result->output = st.cur_owned ? st.cur : nn_tensor_copy (st.cur, err);
      st.cur_owned = false;
      if (result->output == NULL)
        status = err != NULL ? err->status : NN_STATUS_NOMEM;
    }
  if (st.cur_owned)
    nn_tensor_free (st.cur);
  if (status != NN_OK)
    nn_run_result_clear (result);
  return status;
}
