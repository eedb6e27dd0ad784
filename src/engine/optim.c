/* optim.c - torch.optim.SGD and torch.optim.Adam update rules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written after PyTorch 1.13's _single_tensor_sgd and _single_tensor_adam (amsgrad off):
 *   SGD:  g += wd * p; buf = g (first step) or momentum * buf + (1 - dampening) * g;
 *         g = nesterov ? g + momentum * buf : buf (when momentum != 0); p -= lr * g
 *   Adam: g += wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *         p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Weight decay is L2 added to the gradient (not AdamW's decoupled decay), as torch does.
 */
#include "config.h"

#include <math.h>

#include "train-private.h"

void
nn_optim_config_init (nn_optim_config *cfg, nn_optim_kind kind)
{
  bool adam = kind == NN_OPTIM_ADAM;

  *cfg = (nn_optim_config) {
    .kind = kind, .lr = adam ? 1e-3 : 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
  };
}

typedef struct optim_job {
  const nn_optim_config *o;
  nn_opt_slot *s;
  int64_t step;             /* 1 for the first */
} optim_job;

static void
sgd_range (void *ctx, int64_t lo, int64_t hi)
{
  const optim_job *j = ctx;
  const nn_optim_config *o = j->o;
  float *p = j->s->param->data, *mbuf = j->s->buf1;
  const float *grad = (*j->s->grad)->data;
  float wd = (float) o->weight_decay, mom = (float) o->momentum;
  float damp = 1.0f - (float) o->dampening, lr = (float) o->lr;
  bool first = j->step == 1;

  for (int64_t i = lo; i < hi; i++)
    {
      float g = wd != 0.0f ? grad[i] + wd * p[i] : grad[i];

      if (mom != 0.0f)
        {
          float buf = first ? g : mbuf[i] * mom + damp * g;

          mbuf[i] = buf;
          g = o->nesterov ? g + mom * buf : buf;
        }
      p[i] -= lr * g;
    }
}

static void
adam_range (void *ctx, int64_t lo, int64_t hi)
{
  const optim_job *j = ctx;
  const nn_optim_config *o = j->o;
  float *p = j->s->param->data, *m = j->s->buf1, *v = j->s->buf2;
  const float *grad = (*j->s->grad)->data;
  float wd = (float) o->weight_decay, b1 = (float) o->beta1, b2 = (float) o->beta2;
  double bc1 = 1.0 - pow (o->beta1, (double) j->step);
  double bc2 = 1.0 - pow (o->beta2, (double) j->step);
  float step_size = (float) (o->lr / bc1), bc2_sqrt = (float) sqrt (bc2);
  float eps = (float) o->eps;

  for (int64_t i = lo; i < hi; i++)
    {
      float g = wd != 0.0f ? grad[i] + wd * p[i] : grad[i];
      float denom;

      m[i] = m[i] * b1 + (1.0f - b1) * g;
      v[i] = v[i] * b2 + (1.0f - b2) * g * g;
      denom = sqrtf (v[i]) / bc2_sqrt + eps;
      p[i] -= step_size * (m[i] / denom);
    }
}

void
nn_optim_apply (nn_trainer *tr)
{
  bool adam = tr->optim.kind == NN_OPTIM_ADAM;

  tr->step_count++;
  for (int i = 0; i < tr->n_slots; i++)
    {
      optim_job j = { &tr->optim, &tr->slots[i], tr->step_count };

      nn_parallel_for (tr->slots[i].numel, 32768, adam ? adam_range : sgd_range, &j);
    }
}
