/* templates.c - ready-made networks: empty, seed, lenet5, vgg11, vgg16
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each template is a table of layers, so it reads like the PyTorch code it mirrors.
 * VGG follows torchvision's vgg.py (configs "A" and "D", without batch norm); its
 * adaptive average pool is the identity at 224×224 (the features are already 7×7), so
 * it is left out.
 */
#include "config.h"

#include <string.h>

#include "nn-private.h"

/* One layer of a table: type plus the few arguments the templates use. */
typedef struct {
  nn_layer_type type;
  int64_t a, b, k;   /* Conv2d(a, b, k); Linear(a, b); pools kernel k (b = 1: given as the
                      * tuples (k, k)); Dropout p = k / 100 */
  int64_t pad;
} tmpl_layer;

#define CONV(in, out, k, pad) { NN_LAYER_CONV2D, in, out, k, pad }
#define LINEAR(in, out) { NN_LAYER_LINEAR, in, out, 0, 0 }
#define MAXPOOL(k) { NN_LAYER_MAXPOOL2D, 0, 0, k, 0 }
#define MAXPOOL_TUPLE(k) { NN_LAYER_MAXPOOL2D, 0, 1, k, 0 }
#define AVGPOOL(k) { NN_LAYER_AVGPOOL2D, 0, 0, k, 0 }
#define DROPOUT(pct) { NN_LAYER_DROPOUT, 0, 0, pct, 0 }
#define ACT(type) { type, 0, 0, 0, 0 }
#define END { NN_LAYER_N_TYPES, 0, 0, 0, 0 }

/* the tutorial writes nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2)) */
static const tmpl_layer seed_layers[] = {
  CONV (1, 32, 5, 0), ACT (NN_LAYER_RELU), MAXPOOL_TUPLE (2),
  CONV (32, 64, 5, 0), ACT (NN_LAYER_RELU), MAXPOOL_TUPLE (2),
  ACT (NN_LAYER_FLATTEN), LINEAR (576, 1024), ACT (NN_LAYER_RELU), LINEAR (1024, 10),
  END
};

static const tmpl_layer lenet5_layers[] = {
  CONV (1, 6, 5, 0), ACT (NN_LAYER_TANH), AVGPOOL (2),
  CONV (6, 16, 5, 0), ACT (NN_LAYER_TANH), AVGPOOL (2),
  ACT (NN_LAYER_FLATTEN), LINEAR (400, 120), ACT (NN_LAYER_TANH),
  LINEAR (120, 84), ACT (NN_LAYER_TANH), LINEAR (84, 10),
  END
};

/* torchvision's cfgs: channel counts, 0 for "M" (max pool) */
static const int vgg11_cfg[] = { 64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0, -1 };
static const int vgg16_cfg[] = { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0,
                                 512, 512, 512, 0, -1 };

static const tmpl_layer vgg_classifier[] = {
  ACT (NN_LAYER_FLATTEN), LINEAR (512 * 7 * 7, 4096), ACT (NN_LAYER_RELU), DROPOUT (50),
  LINEAR (4096, 4096), ACT (NN_LAYER_RELU), DROPOUT (50), LINEAR (4096, 1000),
  END
};

static void
tmpl_config (const tmpl_layer *t, nn_layer_config *cfg)
{
  nn_layer_config_init (cfg, t->type);
  switch (t->type)
    {
    case NN_LAYER_CONV2D:
      cfg->in_channels = t->a;
      cfg->out_channels = t->b;
      cfg->kernel_size[0] = cfg->kernel_size[1] = t->k;
      cfg->padding[0] = cfg->padding[1] = t->pad;
      break;
    case NN_LAYER_LINEAR:
      cfg->in_features = t->a;
      cfg->out_features = t->b;
      break;
    case NN_LAYER_MAXPOOL2D:
    case NN_LAYER_AVGPOOL2D:
      nn_layer_config_set_pair (cfg, NN_PAIR_KERNEL_SIZE, t->k, t->k, t->b == 1);
      nn_layer_config_set_pair (cfg, NN_PAIR_STRIDE, t->k, t->k, t->b == 1);
      break;
    case NN_LAYER_DROPOUT:
      cfg->p = (double) t->k / 100.0;
      break;
    default:
      break;
    }
}

static nn_status
append_table (nn_net *net, const tmpl_layer *table, nn_error *err)
{
  nn_layer_config cfg;
  nn_status s;

  for (const tmpl_layer *t = table; t->type != NN_LAYER_N_TYPES; t++)
    {
      tmpl_config (t, &cfg);
      if ((s = nn_net_append (net, &cfg, err)) != NN_OK)
        return s;
    }
  return NN_OK;
}

static nn_status
append_vgg (nn_net *net, const int *channels, nn_error *err)
{
  int64_t in = 3;
  nn_status s;

  for (const int *c = channels; *c >= 0; c++)
    {
      tmpl_layer conv = CONV (in, *c, 3, 1);
      tmpl_layer layers[3] = { conv, ACT (NN_LAYER_RELU), END };
      tmpl_layer pool[2] = { MAXPOOL (2), END };

      if ((s = append_table (net, *c == 0 ? pool : layers, err)) != NN_OK)
        return s;
      if (*c > 0)
        in = *c;
    }
  return append_table (net, vgg_classifier, err);
}

static const char *const template_names[] = {
  "empty", "seed", "lenet5", "vgg11", "vgg16", NULL
};

const char *const *
nn_template_names (void)
{
  return template_names;
}

static nn_status
build (nn_net *net, const char *name, nn_error *err)
{
  if (strcmp (name, "seed") == 0)
    return append_table (net, seed_layers, err);
  if (strcmp (name, "lenet5") == 0)
    return append_table (net, lenet5_layers, err);
  if (strcmp (name, "vgg11") == 0)
    return append_vgg (net, vgg11_cfg, err);
  if (strcmp (name, "vgg16") == 0)
    return append_vgg (net, vgg16_cfg, err);
  return NN_OK;   /* "empty" */
}

static bool
input_for (const char *name, nn_shape *input)
{
  if (strcmp (name, "empty") == 0)
    *input = nn_shape_chw (1, 28, 28);
  else if (strcmp (name, "seed") == 0)
    *input = nn_shape_chw (1, 24, 24);
  else if (strcmp (name, "lenet5") == 0)
    *input = nn_shape_chw (1, 32, 32);
  else if (strcmp (name, "vgg11") == 0 || strcmp (name, "vgg16") == 0)
    *input = nn_shape_chw (3, 224, 224);
  else
    return false;
  return true;
}

nn_net *
nn_net_new_template (const char *name, uint64_t seed, nn_error *err)
{
  nn_shape input;
  nn_net *net;

  if (name == NULL || !input_for (name, &input))
    {
      nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "unknown template \"%s\" (known: empty, "
                    "seed, lenet5, vgg11, vgg16)", name ? name : "(null)");
      return NULL;
    }
  net = nn_net_new (&input, seed);
  if (net == NULL)
    {
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory creating a network");
      return NULL;
    }
  if (build (net, name, err) != NN_OK)
    {
      nn_net_free (net);
      return NULL;
    }
  return net;
}
