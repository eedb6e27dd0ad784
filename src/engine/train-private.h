/* train-private.h - training internals shared by train.c, backward*.c, loss.c, optim.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trainer keeps, per layer, what backward needs from the forward pass: every
 * activation (acts[i] is the input of layer i, acts[n_layers] the output), Dropout
 * masks and BatchNorm2d batch statistics. All of it is sized for the largest batch
 * seen so far and reused, so steps after the first allocate nothing.
 */
#ifndef TRAIN_PRIVATE_H
#define TRAIN_PRIVATE_H

#include "nn-private.h"

/* BatchNorm2d state of one training-mode forward */
typedef struct nn_bn_saved {
  float *mean;              /* [C] batch mean */
  float *invstd;            /* [C] 1 / sqrt(biased var + eps) */
  float *var_unbiased;      /* [C] for the running_var update */
  bool batch_stats;         /* normalised with batch statistics (else running ones) */
} nn_bn_saved;

/* One trainable tensor and its optimizer state */
typedef struct nn_opt_slot {
  nn_tensor *param;         /* layer->weight or layer->bias */
  nn_tensor **grad;         /* &layer->grad_weight or &layer->grad_bias */
  float *buf1;              /* SGD momentum buffer / Adam exp_avg */
  float *buf2;              /* Adam exp_avg_sq */
  int64_t numel;
} nn_opt_slot;

struct nn_trainer {
  nn_net *net;
  nn_loss_kind loss;
  nn_optim_config optim;
  nn_rng rng;
  bool training;            /* module.train() (default) or .eval() */
  int n_layers;
  nn_layer_type *types;     /* the types the trainer was made for (edit detection) */
  int64_t *numel;           /* [n_layers + 1] per-sample elements of acts[i] */
  int64_t max_numel;        /* largest of them */
  int64_t capacity;         /* batch size the buffers hold */
  float **acts;             /* [n_layers + 1]; acts[0] is unused (the caller's input) */
  uint8_t **masks;          /* [n_layers], Dropout layers only: 1 = kept */
  nn_bn_saved *bn;          /* [n_layers], BatchNorm2d layers only */
  float *grad_a, *grad_b;   /* ping-pong gradients of activations */
  int n_slots;
  nn_opt_slot *slots;
  int64_t step_count;       /* optimizer steps taken */
};

/* backward.c: dispatch. dx may be NULL (no input gradient wanted, e.g. for layer 0);
 * the layer's grad_weight / grad_bias are overwritten. x, y, dy, dx are [N, ...]. */
nn_status nn_layer_backward (nn_trainer *tr, int index, const nn_tensor *x,
                             const nn_tensor *y, const nn_tensor *dy, nn_tensor *dx,
                             nn_error *err);
void nn_dropout_train_forward (nn_trainer *tr, int index, const nn_tensor *x, nn_tensor *y);

/* backward-conv.c */
nn_status nn_conv2d_backward (nn_trainer *tr, int index, const nn_tensor *x,
                              const nn_tensor *dy, nn_tensor *dx, nn_error *err);
/* backward-pool.c */
void nn_maxpool2d_backward (nn_trainer *tr, int index, const nn_tensor *x,
                            const nn_tensor *y, const nn_tensor *dy, nn_tensor *dx);
void nn_avgpool2d_backward (nn_trainer *tr, int index, const nn_tensor *dy, nn_tensor *dx);
/* backward-bn.c: training-mode forward (batch statistics; the running-stat update is
 * separate so that an aborted step leaves the buffers alone), backward, the update */
nn_status nn_bn_train_forward (nn_trainer *tr, int index, const nn_tensor *x, nn_tensor *y,
                               nn_error *err);
void nn_bn_backward (nn_trainer *tr, int index, const nn_tensor *x, const nn_tensor *dy,
                     nn_tensor *dx);
void nn_bn_update_running (nn_trainer *tr, int index);
bool nn_bn_uses_batch_stats (const nn_trainer *tr, int index);

/* loss.c: loss of output against batch and its gradient into grad (same shape as
 * output, may be NULL); the batch mean. Checks labels / target first. */
nn_status nn_loss_compute (nn_loss_kind kind, const nn_tensor *output, const nn_batch *batch,
                           double *loss, float *grad, nn_error *err);
/* arg-max hits of output [N, K] against labels; confusion (K×K) may be NULL */
int64_t nn_loss_count_correct (const nn_tensor *output, const int64_t *labels,
                               int64_t *confusion);

/* optim.c: one update of every slot from its gradient */
void nn_optim_apply (nn_trainer *tr);

#endif /* TRAIN_PRIVATE_H */
