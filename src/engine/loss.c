/* loss.c - CrossEntropyLoss and MSELoss (mean reduction) and their gradients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cross-entropy works on logits like torch.nn.CrossEntropyLoss: per sample
 * logsumexp(z) - z[label], with the maximum subtracted first so large logits do not
 * overflow; its gradient is (softmax(z) - onehot(label)) / N. MSE is the mean of
 * (y - t)^2 over every element, gradient 2 (y - t) / numel.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>

#include "train-private.h"

const char *
nn_loss_name (nn_loss_kind kind)
{
  switch (kind)
    {
    case NN_LOSS_CROSS_ENTROPY:
      return "CrossEntropyLoss";
    case NN_LOSS_MSE:
      return "MSELoss";
    default:
      return NULL;
    }
}

static nn_status
check_labels (const nn_tensor *out, const int64_t *labels, nn_error *err)
{
  int64_t n = out->shape[0], k = out->n_dims == 2 ? out->shape[1] : 0;

  if (out->n_dims != 2 || k < 1)
    return nn_error_set (err, NN_STATUS_SHAPE, -1,
                         "CrossEntropyLoss needs class scores [N, K] with K >= 1");
  if (labels == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "CrossEntropyLoss needs labels, the batch has none");
  for (int64_t i = 0; i < n; i++)
    if (labels[i] < 0 || labels[i] >= k)
      return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                           "label %" PRId64 " of sample %" PRId64 " is not a class of the "
                           "network's %" PRId64 " outputs (0 to %" PRId64 ")",
                           labels[i], i, k, k - 1);
  return NN_OK;
}

static double
cross_entropy (const nn_tensor *out, const int64_t *labels, float *grad)
{
  int64_t n = out->shape[0], k = out->shape[1];
  double total = 0.0;

  for (int64_t i = 0; i < n; i++)
    {
      const float *z = out->data + i * k;
      double max = z[0], sum = 0.0, lse;

      for (int64_t j = 1; j < k; j++)
        max = z[j] > max ? z[j] : max;
      for (int64_t j = 0; j < k; j++)
        sum += exp (z[j] - max);
      lse = max + log (sum);
      total += lse - z[labels[i]];
      if (grad == NULL)
        continue;
      for (int64_t j = 0; j < k; j++)
        grad[i * k + j] = (float) ((exp (z[j] - lse) - (j == labels[i] ? 1.0 : 0.0))
                                   / (double) n);
    }
  return total / (double) n;
}

static nn_status
check_target (const nn_tensor *out, const nn_tensor *target, nn_error *err)
{
  char got[96], want[96];

  if (target == NULL || target->data == NULL)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1,
                         "MSELoss needs a target, the batch has none");
  if (nn_tensor_same_shape (out, target))
    return NN_OK;
  nn_shape_format (target->n_dims, target->shape, got, sizeof got);
  nn_shape_format (out->n_dims, out->shape, want, sizeof want);
  return nn_error_set (err, NN_STATUS_SHAPE, -1,
                       "the MSELoss target has shape %s but the output has shape %s", got,
                       want);
}

static double
mse (const nn_tensor *out, const nn_tensor *target, float *grad)
{
  int64_t n = nn_tensor_numel (out);
  double total = 0.0;

  for (int64_t i = 0; i < n; i++)
    {
      double diff = (double) out->data[i] - target->data[i];

      total += diff * diff;
      if (grad != NULL)
        grad[i] = (float) (2.0 * diff / (double) n);
    }
  return n > 0 ? total / (double) n : 0.0;
}

nn_status
nn_loss_compute (nn_loss_kind kind, const nn_tensor *output, const nn_batch *batch,
                 double *loss, float *grad, nn_error *err)
{
  nn_status st;

  if (kind == NN_LOSS_CROSS_ENTROPY)
    {
      if ((st = check_labels (output, batch->labels, err)) != NN_OK)
        return st;
      *loss = cross_entropy (output, batch->labels, grad);
      return NN_OK;
    }
  if (kind == NN_LOSS_MSE)
    {
      if ((st = check_target (output, batch->target, err)) != NN_OK)
        return st;
      *loss = mse (output, batch->target, grad);
      return NN_OK;
    }
  return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "unknown loss %d", (int) kind);
}

int64_t
nn_loss_count_correct (const nn_tensor *output, const int64_t *labels, int64_t *confusion)
{
  int64_t n = output->shape[0], k = output->n_dims == 2 ? output->shape[1] : 0, hits = 0;

  for (int64_t i = 0; k > 0 && i < n; i++)
    {
      const float *z = output->data + i * k;
      int64_t best = 0;

      /* the first maximum, like torch.argmax */
      for (int64_t j = 1; j < k; j++)
        if (z[j] > z[best])
          best = j;
      hits += best == labels[i];
      if (confusion != NULL)
        confusion[labels[i] * k + best]++;
    }
  return hits;
}
