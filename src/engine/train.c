/* train.c - the trainer: training-mode forward, loss, backward, optimizer step
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One step is PyTorch's
 *   opt.zero_grad(); loss = criterion(net(x), y); loss.backward(); opt.step()
 * in module.train() mode. Layers compute their forward with the inference kernels
 * (nn_layer_forward) except BatchNorm2d (batch statistics) and Dropout (a mask), which
 * differ in training. Everything backward needs is kept in buffers the trainer owns,
 * sized for the largest batch so far: a step allocates nothing after the first.
 * Nothing in the network changes until the backward pass is complete, so an aborted
 * step leaves weights, running statistics and optimizer state as they were.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "train-private.h"

/* ---------------------------------------------------------------- shapes */

static const nn_shape *
act_shape (const nn_trainer *tr, int i)
{
  return i == 0 ? &tr->net->input : &tr->net->info[i - 1].out_shape;
}

/* [n, shape...] over data, not owned */
static nn_tensor
view (float *data, int64_t n, const nn_shape *s)
{
  nn_tensor t = { .n_dims = s->n_dims + 1, .data = data, .owns_data = false };

  t.shape[0] = n;
  for (int i = 0; i < s->n_dims; i++)
    t.shape[i + 1] = s->d[i];
  return t;
}

/* ---------------------------------------------------------------- creation */

static nn_status
check_net (const nn_net *net, nn_loss_kind loss, nn_error *err)
{
  nn_shape out;

  if (net->n_layers == 0)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the network has no layers to train");
  if (net->info == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the network was never propagated");
  if (net->first_error >= 0)
    return nn_error_set (err, net->info[net->first_error].status, net->first_error,
                         "cannot train a network with a shape error: %s",
                         net->info[net->first_error].message);
  for (int i = 0; i < net->n_layers; i++)
    if (net->input.n_dims + 1 > NN_MAX_DIMS || net->info[i].out_shape.n_dims + 1 > NN_MAX_DIMS)
      return nn_error_set (err, NN_STATUS_SHAPE, i, "layer %d: too many dims to train", i);
  out = nn_net_output_shape (net);
  if (loss == NN_LOSS_CROSS_ENTROPY && out.n_dims != 1)
    {
      char buf[96];

      nn_shape_to_string (&out, buf, sizeof buf);
      return nn_error_set (err, NN_STATUS_SHAPE, net->n_layers - 1,
                           "CrossEntropyLoss needs class scores [N, K] but the network "
                           "outputs [N, %s; add Flatten and Linear at the end", buf + 1);
    }
  if (loss != NN_LOSS_CROSS_ENTROPY && loss != NN_LOSS_MSE)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "unknown loss %d", (int) loss);
  return NN_OK;
}

/* torch.optim refuses the same values (SGD: "Nesterov momentum requires a momentum and
 * zero dampening"; Adam: "Invalid beta parameter at index 0: 1.0") */
static nn_status
check_optim (const nn_optim_config *o, nn_error *err)
{
  if (o->kind != NN_OPTIM_SGD && o->kind != NN_OPTIM_ADAM)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "unknown optimizer %d", (int) o->kind);
  if (!(o->lr >= 0.0) || !(o->weight_decay >= 0.0))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "invalid learning rate %g or weight decay %g (both must be >= 0)",
                         o->lr, o->weight_decay);
  if (o->kind == NN_OPTIM_SGD)
    {
      if (!(o->momentum >= 0.0) || !(o->dampening >= 0.0 && o->dampening <= 1.0))
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "invalid momentum %g or dampening %g", o->momentum, o->dampening);
      if (o->nesterov && (o->momentum <= 0.0 || o->dampening != 0.0))
        return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                             "Nesterov momentum requires a momentum and zero dampening");
      return NN_OK;
    }
  if (!(o->beta1 >= 0.0 && o->beta1 < 1.0) || !(o->beta2 >= 0.0 && o->beta2 < 1.0)
      || !(o->eps >= 0.0))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "invalid Adam betas (%g, %g) or eps %g: betas in [0, 1), eps >= 0",
                         o->beta1, o->beta2, o->eps);
  return NN_OK;
}

static bool
check_bytes (int64_t count, int64_t size, uint64_t *total)
{
  int64_t bytes;

  if (!nn_checked_mul (count, size, &bytes))
    return false;
  *total += (uint64_t) bytes;
  return *total <= nn_memory_budget ();
}

/* A gradient tensor shaped like param, kept if the layer already has one */
static nn_status
ensure_grad (nn_tensor **grad, const nn_tensor *param, nn_error *err)
{
  if (*grad != NULL && nn_tensor_same_shape (*grad, param))
    return NN_OK;
  nn_tensor_free (*grad);
  *grad = nn_tensor_new (param->n_dims, param->shape, err);
  return *grad != NULL ? NN_OK : (err != NULL ? err->status : NN_STATUS_NOMEM);
}

static nn_status
add_slot (nn_trainer *tr, nn_tensor *param, nn_tensor **grad, uint64_t *bytes, nn_error *err)
{
  nn_opt_slot *s = &tr->slots[tr->n_slots];
  nn_status st;
  bool adam = tr->optim.kind == NN_OPTIM_ADAM;
  bool sgd_buf = tr->optim.kind == NN_OPTIM_SGD && tr->optim.momentum != 0.0;

  if ((st = ensure_grad (grad, param, err)) != NN_OK)
    return st;
  s->param = param;
  s->grad = grad;
  s->numel = nn_tensor_numel (param);
  if (!check_bytes (s->numel, (adam ? 8 : sgd_buf ? 4 : 0) + 4, bytes))
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                         "the optimizer state exceeds the memory budget");
  if ((adam || sgd_buf) && (s->buf1 = calloc ((size_t) s->numel + 1, sizeof (float))) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  if (adam && (s->buf2 = calloc ((size_t) s->numel + 1, sizeof (float))) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  tr->n_slots++;
  return NN_OK;
}

static nn_status
make_slots (nn_trainer *tr, nn_error *err)
{
  uint64_t bytes = 0;
  nn_status st = NN_OK;

  tr->slots = calloc ((size_t) tr->n_layers * 2, sizeof *tr->slots);
  if (tr->slots == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  for (int i = 0; st == NN_OK && i < tr->n_layers; i++)
    {
      nn_layer *l = &tr->net->layers[i];

      if (l->weight != NULL)
        st = add_slot (tr, l->weight, &l->grad_weight, &bytes, err);
      if (st == NN_OK && l->bias != NULL)
        st = add_slot (tr, l->bias, &l->grad_bias, &bytes, err);
    }
  return st;
}

static nn_status
make_layer_state (nn_trainer *tr, nn_error *err)
{
  int n = tr->n_layers;

  tr->types = calloc ((size_t) n, sizeof *tr->types);
  tr->numel = calloc ((size_t) n + 1, sizeof *tr->numel);
  tr->acts = calloc ((size_t) n + 1, sizeof *tr->acts);
  tr->masks = calloc ((size_t) n, sizeof *tr->masks);
  tr->bn = calloc ((size_t) n, sizeof *tr->bn);
  if (tr->types == NULL || tr->numel == NULL || tr->acts == NULL || tr->masks == NULL
      || tr->bn == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  for (int i = 0; i <= n; i++)
    {
      tr->numel[i] = nn_shape_numel (act_shape (tr, i));
      tr->max_numel = tr->numel[i] > tr->max_numel ? tr->numel[i] : tr->max_numel;
    }
  for (int i = 0; i < n; i++)
    {
      int64_t c = tr->net->info[i].in_shape.d[0];
      nn_bn_saved *bn = &tr->bn[i];

      tr->types[i] = tr->net->layers[i].cfg.type;
      if (tr->types[i] != NN_LAYER_BATCHNORM2D)
        continue;
      bn->mean = calloc ((size_t) c, sizeof (float));
      bn->invstd = calloc ((size_t) c, sizeof (float));
      bn->var_unbiased = calloc ((size_t) c, sizeof (float));
      if (bn->mean == NULL || bn->invstd == NULL || bn->var_unbiased == NULL)
        return nn_error_set (err, NN_STATUS_NOMEM, i, "out of memory");
    }
  return NN_OK;
}

nn_trainer *
nn_trainer_new (nn_net *net, nn_loss_kind loss, const nn_optim_config *optim, uint64_t seed,
                nn_error *err)
{
  nn_trainer *tr;

  if (net == NULL || optim == NULL)
    {
      nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nn_trainer_new: missing argument");
      return NULL;
    }
  if (check_net (net, loss, err) != NN_OK || check_optim (optim, err) != NN_OK)
    return NULL;
  tr = calloc (1, sizeof *tr);
  if (tr == NULL)
    {
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      return NULL;
    }
  *tr = (nn_trainer) { .net = net, .loss = loss, .optim = *optim, .training = true,
                       .n_layers = net->n_layers };
  nn_rng_seed (&tr->rng, seed);
  if (make_layer_state (tr, err) != NN_OK || make_slots (tr, err) != NN_OK)
    {
      nn_trainer_free (tr);
      return NULL;
    }
  return tr;
}

static void
free_buffers (nn_trainer *tr)
{
  for (int i = 0; i <= tr->n_layers; i++)
    {
      free (tr->acts[i]);
      tr->acts[i] = NULL;
    }
  for (int i = 0; i < tr->n_layers; i++)
    {
      free (tr->masks[i]);
      tr->masks[i] = NULL;
    }
  free (tr->grad_a);
  free (tr->grad_b);
  tr->grad_a = tr->grad_b = NULL;
  tr->capacity = 0;
}

void
nn_trainer_free (nn_trainer *tr)
{
  if (tr == NULL)
    return;
  if (tr->acts != NULL && tr->masks != NULL)
    free_buffers (tr);
  for (int i = 0; tr->bn != NULL && i < tr->n_layers; i++)
    {
      free (tr->bn[i].mean);
      free (tr->bn[i].invstd);
      free (tr->bn[i].var_unbiased);
    }
  for (int i = 0; i < tr->n_slots; i++)
    {
      free (tr->slots[i].buf1);
      free (tr->slots[i].buf2);
    }
  free (tr->slots);
  free (tr->bn);
  free (tr->masks);
  free (tr->acts);
  free (tr->numel);
  free (tr->types);
  free (tr);
}

void
nn_trainer_set_training (nn_trainer *tr, bool training)
{
  if (tr != NULL)
    tr->training = training;
}

/* ---------------------------------------------------------------- buffers */

/* Bytes the buffers need for a batch of n; false on overflow */
static bool
buffer_bytes (const nn_trainer *tr, int64_t n, uint64_t *total)
{
  *total = 0;
  for (int i = 1; i <= tr->n_layers; i++)
    {
      if (!check_bytes (n, tr->numel[i] * 4, total))
        return false;
      if (tr->types[i - 1] == NN_LAYER_DROPOUT && !check_bytes (n, tr->numel[i], total))
        return false;
    }
  return check_bytes (n, tr->max_numel * 8, total);
}

static float *
alloc_floats (int64_t n, int64_t per)
{
  /* + 1: a valid pointer for empty activations (calloc(0) may return NULL) */
  return calloc ((size_t) (n * per) + 1, sizeof (float));
}

/* Buffers for a batch of n: kept when large enough (grow only) */
static nn_status
ensure_capacity (nn_trainer *tr, int64_t n, nn_error *err)
{
  uint64_t bytes;
  bool ok = true;

  if (n <= tr->capacity)
    return NN_OK;
  if (!buffer_bytes (tr, n, &bytes))
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1,
                         "training a batch of %lld needs more memory than the budget of "
                         "%.1f MiB", (long long) n,
                         (double) nn_memory_budget () / (1024.0 * 1024.0));
  free_buffers (tr);
  for (int i = 1; i <= tr->n_layers; i++)
    {
      ok = ok && (tr->acts[i] = alloc_floats (n, tr->numel[i])) != NULL;
      if (tr->types[i - 1] == NN_LAYER_DROPOUT)
        ok = ok && (tr->masks[i - 1] = calloc ((size_t) (n * tr->numel[i]) + 1, 1)) != NULL;
    }
  ok = ok && (tr->grad_a = alloc_floats (n, tr->max_numel)) != NULL;
  ok = ok && (tr->grad_b = alloc_floats (n, tr->max_numel)) != NULL;
  if (!ok)
    {
      free_buffers (tr);
      return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory for a batch of %lld",
                           (long long) n);
    }
  tr->capacity = n;
  return NN_OK;
}

/* The trainer is only valid for the network as it was: edits reallocate parameters
 * (params.c) and change shapes. */
static nn_status
check_unchanged (const nn_trainer *tr, nn_error *err)
{
  const nn_net *net = tr->net;
  bool same = net->n_layers == tr->n_layers && net->first_error < 0
              && nn_shape_numel (&net->input) == tr->numel[0];
  int k = 0;

  for (int i = 0; same && i < net->n_layers; i++)
    {
      const nn_layer *l = &net->layers[i];

      same = l->cfg.type == tr->types[i] && nn_shape_numel (&net->info[i].out_shape)
             == tr->numel[i + 1];
      if (same && l->weight != NULL)
        same = k < tr->n_slots && tr->slots[k++].param == l->weight;
      if (same && l->bias != NULL)
        same = k < tr->n_slots && tr->slots[k++].param == l->bias;
    }
  if (same && k == tr->n_slots)
    return NN_OK;
  return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                       "the network changed since the trainer was made; make a new trainer");
}

/* ---------------------------------------------------------------- copy-on-write */

/* A copy of the network (an undo step, the window's document) may share the storage of
 * these tensors (nn_net_copy): each gets its own before the trainer writes into it.
 * Values stay as they are, so a failure changes nothing. */
static nn_status
own_gradients (nn_trainer *tr, nn_error *err)
{
  nn_status st = NN_OK;

  for (int i = 0; st == NN_OK && i < tr->n_slots; i++)
    st = nn_tensor_make_writable (*tr->slots[i].grad, err);
  return st;
}

/* What the optimizer step and the running-statistics update write */
static nn_status
own_step_tensors (nn_trainer *tr, nn_error *err)
{
  nn_status st = NN_OK;

  for (int i = 0; st == NN_OK && i < tr->n_slots; i++)
    st = nn_tensor_make_writable (tr->slots[i].param, err);
  for (int i = 0; st == NN_OK && i < tr->n_layers; i++)
    {
      nn_layer *l = &tr->net->layers[i];

      if (tr->types[i] != NN_LAYER_BATCHNORM2D)
        continue;
      if (l->running_mean != NULL)
        st = nn_tensor_make_writable (l->running_mean, err);
      if (st == NN_OK && l->running_var != NULL)
        st = nn_tensor_make_writable (l->running_var, err);
    }
  return st;
}

/* ---------------------------------------------------------------- passes */

static nn_status
batch_size (const nn_trainer *tr, const nn_batch *batch, int64_t *n, nn_error *err)
{
  const nn_shape *s = &tr->net->input;
  const nn_tensor *x;
  char got[96], want[96];
  bool ok;

  if (batch == NULL || batch->x == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the batch has no inputs");
  x = batch->x;
  ok = x->n_dims == s->n_dims + 1 && x->shape[0] >= 1 && x->data != NULL;
  for (int i = 0; ok && i < s->n_dims; i++)
    ok = x->shape[i + 1] == s->d[i];
  if (ok)
    {
      *n = x->shape[0];
      return NN_OK;
    }
  nn_shape_format (x->n_dims, x->shape, got, sizeof got);
  nn_shape_to_string (s, want, sizeof want);
  return nn_error_set (err, NN_STATUS_SHAPE, -1,
                       "the batch has shape %s but the network trains on [N, %s with N >= 1",
                       got, want + 1);
}

static bool
aborted (const nn_run_opts *opts)
{
  return opts != NULL && opts->abort_cb != NULL && opts->abort_cb (opts->abort_data);
}

static nn_status
forward_layer (nn_trainer *tr, int i, const nn_tensor *x, nn_tensor *y, nn_error *err)
{
  if (tr->types[i] == NN_LAYER_BATCHNORM2D && nn_bn_uses_batch_stats (tr, i))
    return nn_bn_train_forward (tr, i, x, y, err);
  tr->bn[i].batch_stats = false;
  if (tr->types[i] == NN_LAYER_DROPOUT && tr->training)
    {
      nn_dropout_train_forward (tr, i, x, y);
      return NN_OK;
    }
  return nn_layer_forward (tr->net, i, x, y, err);
}

static nn_status
forward (nn_trainer *tr, const nn_tensor *input, int64_t n, const nn_run_opts *opts,
         nn_error *err)
{
  for (int i = 0; i < tr->n_layers; i++)
    {
      nn_tensor x = i == 0 ? *input : view (tr->acts[i], n, act_shape (tr, i));
      nn_tensor y = view (tr->acts[i + 1], n, act_shape (tr, i + 1));
      nn_status st;

      if (aborted (opts))
        return nn_error_set (err, NN_STATUS_ABORTED, i, "aborted before layer %d", i);
      if ((st = forward_layer (tr, i, &x, &y, err)) != NN_OK)
        return st;
    }
  return NN_OK;
}

/* Backward from the loss gradient in grad_a; with want_dx the input gradient ends in
 * *dx_out, otherwise layer 0 skips it (the seed's first conv saves a third). */
static nn_status
backward (nn_trainer *tr, const nn_tensor *input, int64_t n, const nn_run_opts *opts,
          bool want_dx, float **dx_out, nn_error *err)
{
  float *cur = tr->grad_a, *other = tr->grad_b;

  for (int i = tr->n_layers - 1; i >= 0; i--)
    {
      nn_tensor x = i == 0 ? *input : view (tr->acts[i], n, act_shape (tr, i));
      nn_tensor y = view (tr->acts[i + 1], n, act_shape (tr, i + 1));
      nn_tensor dy = view (cur, n, act_shape (tr, i + 1));
      nn_tensor dx = view (other, n, act_shape (tr, i));
      nn_status st;
      float *tmp;

      if (aborted (opts))
        return nn_error_set (err, NN_STATUS_ABORTED, i, "aborted before the backward of "
                             "layer %d", i);
      st = nn_layer_backward (tr, i, &x, &y, &dy, i > 0 || want_dx ? &dx : NULL, err);
      if (st != NN_OK)
        return st;
      tmp = cur, cur = other, other = tmp;
    }
  *dx_out = cur;
  return NN_OK;
}

typedef struct pass_out {
  double loss;
  int64_t correct;
  float *dx;                /* input gradient (a trainer buffer) when asked for */
} pass_out;

/* Forward in the trainer's mode, loss, backward: fills every grad_weight / grad_bias.
 * Changes nothing else in the network. */
static nn_status
run_pass (nn_trainer *tr, const nn_batch *batch, const nn_run_opts *opts, bool want_dx,
          pass_out *out, nn_error *err)
{
  nn_tensor input, output;
  int64_t n = 0;
  nn_status st;

  if ((st = check_unchanged (tr, err)) != NN_OK || (st = batch_size (tr, batch, &n, err)) != NN_OK
      || (st = ensure_capacity (tr, n, err)) != NN_OK || (st = own_gradients (tr, err)) != NN_OK)
    return st;
  if (opts != NULL && opts->n_threads > 0)
    nn_set_num_threads (opts->n_threads);
  input = view (batch->x->data, n, act_shape (tr, 0));
  if ((st = forward (tr, &input, n, opts, err)) != NN_OK)
    return st;
  output = view (tr->acts[tr->n_layers], n, act_shape (tr, tr->n_layers));
  if ((st = nn_loss_compute (tr->loss, &output, batch, &out->loss, tr->grad_a, err)) != NN_OK)
    return st;
  out->correct = tr->loss == NN_LOSS_CROSS_ENTROPY
                 ? nn_loss_count_correct (&output, batch->labels, NULL) : 0;
  return backward (tr, &input, n, opts, want_dx, &out->dx, err);
}

nn_status
nn_trainer_step (nn_trainer *tr, const nn_batch *batch, const nn_run_opts *opts,
                 double *loss_out, int64_t *correct_out, nn_error *err)
{
  pass_out out = { 0 };
  nn_status st;

  if (tr == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nn_trainer_step: no trainer");
  if ((st = run_pass (tr, batch, opts, false, &out, err)) != NN_OK
      || (st = own_step_tensors (tr, err)) != NN_OK)
    return st;
  /* the pass is complete: now the network may change */
  for (int i = 0; i < tr->n_layers; i++)
    if (tr->types[i] == NN_LAYER_BATCHNORM2D)
      nn_bn_update_running (tr, i);
  nn_optim_apply (tr);
  if (loss_out != NULL)
    *loss_out = out.loss;
  if (correct_out != NULL)
    *correct_out = out.correct;
  return NN_OK;
}

nn_status
nn_trainer_gradients (nn_trainer *tr, const nn_batch *batch, double *loss_out,
                      nn_tensor **grad_input, nn_error *err)
{
  pass_out out = { 0 };
  nn_status st;

  if (grad_input != NULL)
    *grad_input = NULL;
  if (tr == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nn_trainer_gradients: no trainer");
  if ((st = run_pass (tr, batch, NULL, grad_input != NULL, &out, err)) != NN_OK)
    return st;
  if (loss_out != NULL)
    *loss_out = out.loss;
  if (grad_input == NULL)
    return NN_OK;
  *grad_input = nn_tensor_new (batch->x->n_dims, batch->x->shape, err);
  if (*grad_input == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  memcpy ((*grad_input)->data, out.dx, (size_t) nn_tensor_numel (batch->x) * sizeof (float));
  return NN_OK;
}

/* ---------------------------------------------------------------- evaluation */

nn_status
nn_net_evaluate (nn_net *net, nn_loss_kind loss, const nn_batch *batch,
                 const nn_run_opts *opts, double *loss_sum, int64_t *correct,
                 int64_t *confusion, nn_error *err)
{
  nn_run_result res = { 0 };
  nn_run_opts plain = { 0 };
  double mean = 0.0;
  nn_status st;

  if (net == NULL || batch == NULL || batch->x == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "nn_net_evaluate: missing argument");
  if ((st = check_net (net, loss, err)) != NN_OK)
    return st;
  if (opts != NULL)
    plain = (nn_run_opts) { .n_threads = opts->n_threads, .abort_cb = opts->abort_cb,
                            .abort_data = opts->abort_data };
  if ((st = nn_net_forward (net, batch->x, &plain, &res, err)) != NN_OK)
    return st;
  st = nn_loss_compute (loss, res.output, batch, &mean, NULL, err);
  if (st == NN_OK)
    {
      /* mean over samples (CE) or over all elements (MSE) times N: the sum of the
       * per-sample losses, so that sums over batches divided by the count are means */
      if (loss_sum != NULL)
        *loss_sum = mean * (double) res.output->shape[0];
      int64_t hits = loss == NN_LOSS_CROSS_ENTROPY
                     ? nn_loss_count_correct (res.output, batch->labels, confusion) : 0;

      if (correct != NULL)
        *correct = hits;
    }
  nn_run_result_clear (&res);
  return st;
}
