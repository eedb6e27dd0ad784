/* params.c - which tensors a layer owns, state_dict enumeration, PyTorch-like init
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shapes and names follow torch.nn: Conv2d weight [out, in/groups, kH, kW] and bias
 * [out]; Linear weight [out, in] and bias [out]; BatchNorm2d weight and bias [C] (affine)
 * and running_mean, running_var [C] plus num_batches_tracked (track_running_stats).
 *
 * Initialisation matches reset_parameters() in distribution, not in stream:
 * kaiming_uniform_(a=sqrt(5)) has gain sqrt(2 / (1 + 5)) and bound
 * gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in), and the bias uses the same bound.
 * Every tensor's stream is seeded from (seed, layer index, tensor name), so a network
 * built twice from the same seed gets the same weights.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-private.h"

typedef enum {
  SLOT_WEIGHT,
  SLOT_BIAS,
  SLOT_RUNNING_MEAN,
  SLOT_RUNNING_VAR,
  N_SLOTS
} slot;

static const char *const slot_names[N_SLOTS] = {
  "weight", "bias", "running_mean", "running_var"
};

/* The shape slot s of layer should have; n_dims 0 means "the layer has no such tensor". */
typedef struct {
  int32_t n_dims;
  int64_t shape[NN_MAX_DIMS];
} want_shape;

static nn_tensor **
slot_ptr (nn_layer *layer, slot s)
{
  switch (s)
    {
    case SLOT_WEIGHT: return &layer->weight;
    case SLOT_BIAS: return &layer->bias;
    case SLOT_RUNNING_MEAN: return &layer->running_mean;
    case SLOT_RUNNING_VAR: return &layer->running_var;
    case N_SLOTS:
    default: return NULL;
    }
}

static void
want_1d (want_shape *w, int64_t n)
{
  w->n_dims = 1;
  w->shape[0] = n;
}

static void
wanted_shapes (const nn_layer *layer, want_shape want[N_SLOTS])
{
  const nn_layer_config *cfg = &layer->cfg;

  memset (want, 0, N_SLOTS * sizeof *want);
  switch (cfg->type)
    {
    case NN_LAYER_CONV2D:
      want[SLOT_WEIGHT] = (want_shape) { 4, { cfg->out_channels,
                                              layer->in_channels / cfg->groups,
                                              cfg->kernel_size[0], cfg->kernel_size[1] } };
      if (cfg->bias)
        want_1d (&want[SLOT_BIAS], cfg->out_channels);
      break;
    case NN_LAYER_LINEAR:
      want[SLOT_WEIGHT] = (want_shape) { 2, { cfg->out_features, layer->in_features } };
      if (cfg->bias)
        want_1d (&want[SLOT_BIAS], cfg->out_features);
      break;
    case NN_LAYER_BATCHNORM2D:
      if (cfg->affine)
        {
          want_1d (&want[SLOT_WEIGHT], layer->num_features);
          want_1d (&want[SLOT_BIAS], layer->num_features);
        }
      if (cfg->track_running_stats)
        {
          want_1d (&want[SLOT_RUNNING_MEAN], layer->num_features);
          want_1d (&want[SLOT_RUNNING_VAR], layer->num_features);
        }
      break;
    default:
      break;
    }
}

static bool
has_shape (const nn_tensor *t, const want_shape *w)
{
  if (t == NULL || t->n_dims != w->n_dims)
    return false;
  for (int32_t i = 0; i < w->n_dims; i++)
    if (t->shape[i] != w->shape[i])
      return false;
  return true;
}

/* FNV-1a of the name mixed with seed and layer, so every tensor gets its own stream. */
static uint64_t
tensor_seed (uint64_t seed, int index, const char *name)
{
  uint64_t h = 0xcbf29ce484222325ULL;

  for (const char *c = name; *c; c++)
    h = (h ^ (uint64_t) (unsigned char) *c) * 0x100000001b3ULL;
  return seed ^ (h + 0x9e3779b97f4a7c15ULL * ((uint64_t) index + 1));
}

/* fan_in of Conv2d / Linear weights: in/groups * kH * kW, or in_features */
static int64_t
fan_in (const nn_layer *layer)
{
  const nn_tensor *w = layer->weight;
  int64_t fan = 1;

  if (w == NULL)
    return 0;
  for (int32_t i = 1; i < w->n_dims; i++)
    fan *= w->shape[i];
  return fan;
}

static void
init_slot (nn_net *net, int index, slot s, uint64_t seed)
{
  nn_layer *layer = &net->layers[index];
  nn_tensor *t = *slot_ptr (layer, s);
  int64_t fan = fan_in (layer);
  float bound = fan > 0 ? (float) (1.0 / sqrt ((double) fan)) : 0.0f;

  if (t == NULL)
    return;
  net->init_counter++;
  if (layer->cfg.type == NN_LAYER_BATCHNORM2D)
    {
      /* reset_parameters(): weight 1, bias 0; reset_running_stats(): mean 0, var 1 */
      nn_tensor_fill (t, s == SLOT_WEIGHT || s == SLOT_RUNNING_VAR ? 1.0f : 0.0f);
      if (s == SLOT_RUNNING_MEAN)
        layer->num_batches_tracked = 0;
      return;
    }
  nn_tensor_fill_uniform (t, tensor_seed (seed, index, slot_names[s]), -bound, bound);
}

static nn_status
alloc_slot (nn_net *net, int index, slot s, const want_shape *w, nn_error *err)
{
  nn_layer *layer = &net->layers[index];
  nn_tensor **t = slot_ptr (layer, s);
  nn_error e;

  nn_tensor_free (*t);
  *t = nn_tensor_new (w->n_dims, w->shape, &e);
  if (*t == NULL)
    return nn_error_set (err, e.status, index, "layer %d (%s): cannot allocate the %s: %s",
                         index, nn_layer_type_name (layer->cfg.type), slot_names[s],
                         e.message);
  return NN_OK;
}

/* Gradients belong to training, which allocates them for the current shapes; one that
 * no longer matches its parameter is meaningless. */
static void
drop_stale_grad (nn_tensor **grad, const nn_tensor *param)
{
  if (*grad != NULL && (param == NULL || !nn_tensor_same_shape (*grad, param)))
    {
      nn_tensor_free (*grad);
      *grad = NULL;
    }
}

nn_status
nn_layer_sync_params (nn_net *net, int index, nn_error *err)
{
  nn_layer *layer = &net->layers[index];
  want_shape want[N_SLOTS];
  bool fresh[N_SLOTS] = { false };
  nn_status st;

  wanted_shapes (layer, want);
  for (int s = 0; s < N_SLOTS; s++)
    {
      nn_tensor **t = slot_ptr (layer, (slot) s);

      if (want[s].n_dims == 0)
        {
          nn_tensor_free (*t);
          *t = NULL;
        }
      else if (!has_shape (*t, &want[s]))
        {
          if ((st = alloc_slot (net, index, (slot) s, &want[s], err)) != NN_OK)
            return st;
          fresh[s] = true;
        }
    }
  /* after allocating them all: the bias bound depends on the weight's fan_in */
  for (int s = 0; s < N_SLOTS; s++)
    if (fresh[s])
      init_slot (net, index, (slot) s, net->seed);
  drop_stale_grad (&layer->grad_weight, layer->weight);
  drop_stale_grad (&layer->grad_bias, layer->bias);
  return NN_OK;
}

void
nn_layer_free_params (nn_layer *layer)
{
  for (int s = 0; s < N_SLOTS; s++)
    {
      nn_tensor **t = slot_ptr (layer, (slot) s);

      nn_tensor_free (*t);
      *t = NULL;
    }
  nn_tensor_free (layer->grad_weight);
  nn_tensor_free (layer->grad_bias);
  layer->grad_weight = layer->grad_bias = NULL;
  layer->num_batches_tracked = 0;
}

static bool
tracks_batches (const nn_layer *layer)
{
  return layer->cfg.type == NN_LAYER_BATCHNORM2D && layer->cfg.track_running_stats;
}

int64_t
nn_layer_param_numel (const nn_net *net, int index)
{
  nn_layer *layer = &net->layers[index];
  int64_t n = tracks_batches (layer) ? 1 : 0;

  for (int s = 0; s < N_SLOTS; s++)
    {
      nn_tensor *t = *slot_ptr (layer, (slot) s);

      if (t != NULL)
        n += nn_tensor_numel (t);
    }
  return n;
}

int64_t
nn_net_unique_bytes (const nn_net *net)
{
  int64_t bytes = 0;

  for (int i = 0; i < net->n_layers; i++)
    {
      nn_layer *layer = &net->layers[i];
      const nn_tensor *ts[N_SLOTS + 2] = { layer->grad_weight, layer->grad_bias };

      for (int s = 0; s < N_SLOTS; s++)
        ts[s + 2] = *slot_ptr (layer, (slot) s);
      for (int k = 0; k < N_SLOTS + 2; k++)
        if (ts[k] != NULL && ts[k]->owns_data && !nn_tensor_is_shared (ts[k]))
          bytes += nn_tensor_numel (ts[k]) * (int64_t) sizeof (float);
    }
  return bytes;
}

/* The fills give a tensor shared with a copy of the network its own storage first. */
void
nn_net_reset_parameters (nn_net *net, int index, uint64_t seed)
{
  int first = index < 0 ? 0 : index;
  int last = index < 0 ? net->n_layers - 1 : index;

  if (index >= net->n_layers)
    return;
  for (int i = first; i <= last; i++)
    for (int s = 0; s < N_SLOTS; s++)
      init_slot (net, i, (slot) s, seed);
}

/* ---------------------------------------------------------------- state_dict */

static void
add_param (nn_param *p, int layer, const char *name, nn_tensor *t, int64_t *count,
           bool trainable)
{
  snprintf (p->key, sizeof p->key, "%d.%s", layer, name);
  p->name = name;
  p->layer = layer;
  p->tensor = t;
  p->count = count;
  p->trainable = trainable;
}

/* Entries of layer i into out (if non-NULL); returns how many. */
static int
layer_params (const nn_net *net, int i, nn_param *out)
{
  nn_layer *layer = &net->layers[i];
  int n = 0;

  for (int s = 0; s < N_SLOTS; s++)
    {
      nn_tensor *t = *slot_ptr (layer, (slot) s);

      if (t == NULL)
        continue;
      if (out != NULL)
        add_param (&out[n], i, slot_names[s], t, NULL, s <= SLOT_BIAS);
      n++;
    }
  if (tracks_batches (layer) && layer->running_mean != NULL)
    {
      if (out != NULL)
        add_param (&out[n], i, "num_batches_tracked", NULL, &layer->num_batches_tracked,
                   false);
      n++;
    }
  return n;
}

/* Only layers that propagated cleanly: a layer at or after the first error may hold
 * tensors from an earlier state, kept so that fixing the error restores them. */
int
nn_net_params (const nn_net *net, nn_param **out)
{
  int n_ok = net->first_error >= 0 ? net->first_error : net->n_layers;
  int n = 0;

  for (int i = 0; i < n_ok; i++)
    n += layer_params (net, i, NULL);
  *out = calloc (n > 0 ? (size_t) n : 1, sizeof **out);
  if (*out == NULL)
    return 0;
  n = 0;
  for (int i = 0; i < n_ok; i++)
    n += layer_params (net, i, *out + n);
  return n;
}

nn_tensor *
nn_net_find_param (const nn_net *net, const char *key)
{
  nn_param *params;
  nn_tensor *found = NULL;
  int n = nn_net_params (net, &params);

  for (int i = 0; i < n && found == NULL; i++)
    if (strcmp (params[i].key, key) == 0)
      found = params[i].tensor;
  free (params);
  return found;
}
