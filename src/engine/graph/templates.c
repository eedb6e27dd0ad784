/* graph/templates.c - graph templates: torchvision's resnet18 and mobilenet_v2, and
 * resnet-mini for Fashion-MNIST
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each template is built the way torchvision 0.14 builds the model: the same modules in
 * the same order, so the weights carry exactly the state_dict keys and shapes of
 * torchvision.models.resnet18() / mobilenet_v2() (BatchNorm's num_batches_tracked
 * included, as an int64 scalar no node reads) and a torchvision state_dict loads
 * strictly. Nodes and values are named as torch.onnx.export names them
 * ("/layer1/layer1.0/conv1/Conv", ".../Conv_output_0"), with the module path as scope.
 * Weights get torchvision's initialisation: convolutions kaiming_normal_(mode="fan_out"),
 * BatchNorm weight 1 and bias 0 with running statistics 0 and 1, resnet's Linear
 * PyTorch's default (uniform +-1/sqrt(fan_in)), mobilenet's normal(0, 0.01) with bias 0.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph-private.h"
#include "nn-private.h"

#define NAME_MAX_LEN 160

typedef struct tb {
  nn_graph *g;
  nn_rng rng;
  nn_status st;           /* the first failure; later calls do nothing */
  nn_error *err;
} tb;

/* ------------------------------------------------------------------ names */

/* torch.onnx's node name for module path (or "" for the top level) and op:
 * "/" + the unqualified name of each enclosing module + "/" + op, where a module's
 * unqualified name is its path from the last non-numeric part on ("layer1.0.conv1"
 * -> "layer1", "layer1.0", "conv1"). A name already taken gets "_1", "_2", ... on the
 * module's part, as the exporter numbers a module called twice ("relu", "relu_1"). */
static bool
is_number (const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return len > 0;
}

static void
torch_node_name (const nn_graph *g, const char *path, const char *op, char *out, size_t size)
{
  char base[NAME_MAX_LEN] = "";
  const char *part[16];
  size_t part_len[16], len = 0;
  int n = 0;

  /* the parts of path */
  for (const char *p = path; *path != '\0' && n < 16; n++)
    {
      const char *dot = strchr (p, '.');

      part[n] = p;
      part_len[n] = dot != NULL ? (size_t) (dot - p) : strlen (p);
      if (dot == NULL)
        {
          n++;
          break;
        }
      p = dot + 1;
    }
  for (int level = 0; level < n; level++)
    {
      int from = level;

      while (from > 0 && is_number (part[from], part_len[from]))
        from--;
      len += (size_t) snprintf (base + len, len < sizeof base ? sizeof base - len : 0, "/%.*s",
                                (int) (part[level] + part_len[level] - part[from]), part[from]);
    }
  snprintf (out, size, "%s/%s", base, op);
  for (int k = 1; nn_graph_find_node (g, out) >= 0; k++)
    {
      if (n == 0)
        snprintf (out, size, "/%s_%d", op, k);
      else
        snprintf (out, size, "%s_%d/%s", base, k, op);
    }
}

/* ------------------------------------------------------------------ weights */

static nn_array *
new_f32 (tb *b, int32_t rank, const int64_t *shape)
{
  nn_array *a;

  if (b->st != NN_OK)
    return NULL;
  if ((a = nn_array_new_f32 (rank, shape, b->err)) == NULL)
    b->st = b->err->status;
  return a;
}

static void
add_weight (tb *b, const char *name, nn_array *a)
{
  if (b->st == NN_OK && a != NULL)
    b->st = nn_graph_add_initializer (b->g, name, a, b->err);
  else
    nn_array_free (a);
}

static void
fill_normal (tb *b, nn_array *a, float std)
{
  float *d = a->data;

  for (int64_t i = 0; i < nn_array_numel (a); i++)
    d[i] = std * nn_rng_normal (&b->rng);
}

static void
fill_uniform (tb *b, nn_array *a, float bound)
{
  float *d = a->data;

  for (int64_t i = 0; i < nn_array_numel (a); i++)
    d[i] = nn_rng_uniform (&b->rng, -bound, bound);
}

static void
fill_value (nn_array *a, float v)
{
  float *d = a->data;

  for (int64_t i = 0; i < nn_array_numel (a); i++)
    d[i] = v;
}

/* The names here are short constants; one that would not fit becomes "", which
 * nn_graph_add_*() refuses, rather than a cut name. */
static char *
path_join (char *out, size_t size, const char *path, const char *leaf)
{
  if (snprintf (out, size, "%s%s%s", path, path[0] != '\0' ? "." : "", leaf) >= (int) size)
    out[0] = '\0';
  return out;
}

static void
copy_name (char *out, const char *name)
{
  if (snprintf (out, NAME_MAX_LEN, "%s", name) >= NAME_MAX_LEN)
    out[0] = '\0';
}

/* ------------------------------------------------------------------ nodes */

/* Adds node op for module path reading inputs; out gets its output value's name. */
static void
node (tb *b, const char *path, const char *op, int n_in, const char *const *inputs, char *out,
      int *index)
{
  char name[NAME_MAX_LEN];

  if (b->st != NN_OK)
    return;
  torch_node_name (b->g, path, op, name, sizeof name);
  if (snprintf (out, NAME_MAX_LEN, "%s_output_0", name) >= NAME_MAX_LEN)
    out[0] = '\0';
  b->st = nn_graph_add_node (b->g, op, name, path, n_in, inputs, 1,
                             (const char *const[]) { out }, index, b->err);
}

static void
set_ints (tb *b, int node_index, const char *attr, int n, const int64_t *v)
{
  if (b->st == NN_OK)
    b->st = nn_graph_set_attr_ints (b->g, node_index, attr, n, v, b->err);
}

static void
set_int (tb *b, int node_index, const char *attr, int64_t v)
{
  if (b->st == NN_OK)
    b->st = nn_graph_set_attr_int (b->g, node_index, attr, v, b->err);
}

/* Conv2d(cin, cout, k, stride, padding=k/2, groups, bias=False) at path, kaiming_normal_
 * (fan_out); x is replaced by its output. */
static void
conv (tb *b, const char *path, char *x, int64_t cin, int64_t cout, int64_t k, int64_t stride,
      int64_t groups)
{
  const int64_t shape[4] = { cout, cin / groups, k, k };
  const int64_t ks[2] = { k, k }, strides[2] = { stride, stride };
  const int64_t pads[4] = { k / 2, k / 2, k / 2, k / 2 };
  char w[NAME_MAX_LEN], out[NAME_MAX_LEN];
  nn_array *a = new_f32 (b, 4, shape);
  int n = -1;

  if (a != NULL)
    fill_normal (b, a, sqrtf (2.0f / (float) (cout * k * k)));   /* fan_out, gain sqrt(2) */
  add_weight (b, path_join (w, sizeof w, path, "weight"), a);
  node (b, path, "Conv", 2, (const char *const[]) { x, w }, out, &n);
  set_ints (b, n, "kernel_shape", 2, ks);
  set_ints (b, n, "strides", 2, strides);
  set_ints (b, n, "pads", 4, pads);
  set_int (b, n, "group", groups);
  copy_name (x, out);
}

/* BatchNorm2d(c) at path: weight 1, bias 0, running_mean 0, running_var 1, and the
 * state_dict's num_batches_tracked. */
static void
batchnorm (tb *b, const char *path, char *x, int64_t c)
{
  const char *leaves[4] = { "weight", "bias", "running_mean", "running_var" };
  const float values[4] = { 1, 0, 0, 1 };
  char names[4][NAME_MAX_LEN], count[NAME_MAX_LEN], out[NAME_MAX_LEN];
  nn_type scalar = { .dtype = NN_DTYPE_INT64 };
  nn_array *a;
  int n = -1;

  for (int i = 0; i < 4; i++)
    {
      a = new_f32 (b, 1, &c);
      if (a != NULL)
        fill_value (a, values[i]);
      add_weight (b, path_join (names[i], sizeof names[i], path, leaves[i]), a);
    }
  a = b->st == NN_OK ? nn_array_new (&scalar, b->err) : NULL;
  if (b->st == NN_OK && a == NULL)
    b->st = b->err->status;
  add_weight (b, path_join (count, sizeof count, path, "num_batches_tracked"), a);
  node (b, path, "BatchNormalization", 5,
        (const char *const[]) { x, names[0], names[1], names[2], names[3] }, out, &n);
  if (b->st == NN_OK)
    b->st = nn_graph_set_attr_float (b->g, n, "momentum", 0.9, b->err);
  copy_name (x, out);
}

static void
relu (tb *b, const char *path, char *x)
{
  char out[NAME_MAX_LEN];

  node (b, path, "Relu", 1, (const char *const[]) { x }, out, NULL);
  copy_name (x, out);
}

/* ReLU6 as torch.onnx writes it: Clip with constant min 0 and max 6 */
static void
relu6 (tb *b, const char *path, char *x)
{
  static const char *const limits[2] = { "/relu6/min", "/relu6/max" };
  char out[NAME_MAX_LEN];

  if (b->st == NN_OK && nn_graph_initializer (b->g, limits[0]) == NULL)
    for (int i = 0; i < 2; i++)
      {
        nn_type t = { .dtype = NN_DTYPE_FLOAT32 };
        nn_array *a = nn_array_new (&t, b->err);

        if (a == NULL)
          b->st = b->err->status;
        else
          *(float *) a->data = i == 0 ? 0.0f : 6.0f;
        add_weight (b, limits[i], a);
      }
  node (b, path, "Clip", 3, (const char *const[]) { x, limits[0], limits[1] }, out, NULL);
  copy_name (x, out);
}

static void
add (tb *b, const char *path, char *x, const char *y)
{
  char out[NAME_MAX_LEN];

  node (b, path, "Add", 2, (const char *const[]) { x, y }, out, NULL);
  copy_name (x, out);
}

/* AdaptiveAvgPool2d(1) and torch.flatten(x, 1) */
static void
pool_flatten (tb *b, const char *pool_path, char *x)
{
  char out[NAME_MAX_LEN];

  node (b, pool_path, "GlobalAveragePool", 1, (const char *const[]) { x }, out, NULL);
  copy_name (x, out);
  node (b, "", "Flatten", 1, (const char *const[]) { x }, out, NULL);
  copy_name (x, out);
}

/* Linear(cin, cout) at path; std > 0: weight normal(0, std) and bias 0 (mobilenet),
 * else PyTorch's default uniform(+-1/sqrt(cin)) for both. */
static void
linear (tb *b, const char *path, char *x, int64_t cin, int64_t cout, float std, bool last)
{
  const int64_t shape[2] = { cout, cin };
  char w[NAME_MAX_LEN], bias[NAME_MAX_LEN], out[NAME_MAX_LEN];
  nn_array *wa = new_f32 (b, 2, shape), *ba = new_f32 (b, 1, &cout);
  int n = -1;

  if (wa != NULL && ba != NULL)
    {
      if (std > 0)
        fill_normal (b, wa, std);
      else
        {
          fill_uniform (b, wa, 1.0f / sqrtf ((float) cin));
          fill_uniform (b, ba, 1.0f / sqrtf ((float) cin));
        }
    }
  add_weight (b, path_join (w, sizeof w, path, "weight"), wa);
  add_weight (b, path_join (bias, sizeof bias, path, "bias"), ba);
  node (b, path, "Gemm", 3, (const char *const[]) { x, w, bias }, out, &n);
  set_int (b, n, "transB", 1);
  if (last && b->st == NN_OK)
    {
      /* the graph's output is called "output", as torch.onnx.export(output_names=...) */
      nn_value *v = &b->g->values[b->g->nodes[n].out[0]];
      char *name = strdup ("output");

      if (name == NULL)
        b->st = nn_error_set (b->err, NN_STATUS_NOMEM, -1, "out of memory");
      else
        {
          free (v->name);
          v->name = name;
        }
      snprintf (out, NAME_MAX_LEN, "output");
    }
  copy_name (x, out);
}

/* ------------------------------------------------------------------ ResNet */

/* torchvision's BasicBlock at path (layer1.0): conv-bn-relu-conv-bn, the shortcut
 * (downsample.0/.1: a 1x1 convolution and BatchNorm when the shape changes), add, relu */
static void
basic_block (tb *b, const char *path, char *x, int64_t cin, int64_t cout, int64_t stride)
{
  char identity[NAME_MAX_LEN], p[NAME_MAX_LEN];

  copy_name (identity, x);
  conv (b, path_join (p, sizeof p, path, "conv1"), x, cin, cout, 3, stride, 1);
  batchnorm (b, path_join (p, sizeof p, path, "bn1"), x, cout);
  relu (b, path_join (p, sizeof p, path, "relu"), x);
  conv (b, path_join (p, sizeof p, path, "conv2"), x, cout, cout, 3, 1, 1);
  batchnorm (b, path_join (p, sizeof p, path, "bn2"), x, cout);
  if (stride != 1 || cin != cout)
    {
      conv (b, path_join (p, sizeof p, path, "downsample.0"), identity, cin, cout, 1, stride, 1);
      batchnorm (b, path_join (p, sizeof p, path, "downsample.1"), identity, cout);
    }
  add (b, path, x, identity);
  relu (b, path_join (p, sizeof p, path, "relu"), x);
}

/* torchvision's ResNet with BasicBlocks: blocks[i] blocks in layer i+1 of widths[i]
 * channels; stem: a 7x7/2 convolution and a 3x3/2 max pool (ImageNet) or a 3x3
 * convolution alone (mini). */
static void
resnet (tb *b, char *x, int64_t in_ch, bool imagenet, int n_layers, const int *blocks,
        const int64_t *widths, int64_t classes)
{
  int64_t cin = widths[0];
  char p[NAME_MAX_LEN];

  conv (b, "conv1", x, in_ch, cin, imagenet ? 7 : 3, imagenet ? 2 : 1, 1);
  batchnorm (b, "bn1", x, cin);
  relu (b, "relu", x);
  if (imagenet && b->st == NN_OK)
    {
      const int64_t k[2] = { 3, 3 }, s[2] = { 2, 2 }, pads[4] = { 1, 1, 1, 1 };
      char out[NAME_MAX_LEN];
      int n = -1;

      node (b, "maxpool", "MaxPool", 1, (const char *const[]) { x }, out, &n);
      set_ints (b, n, "kernel_shape", 2, k);
      set_ints (b, n, "strides", 2, s);
      set_ints (b, n, "pads", 4, pads);
      copy_name (x, out);
    }
  for (int l = 0; l < n_layers; l++)
    for (int i = 0; i < blocks[l]; i++)
      {
        snprintf (p, sizeof p, "layer%d.%d", l + 1, i);
        basic_block (b, p, x, cin, widths[l], i == 0 && l > 0 ? 2 : 1);
        cin = widths[l];
      }
  pool_flatten (b, "avgpool", x);
  linear (b, "fc", x, cin, classes, 0, true);
}

/* ------------------------------------------------------------------ MobileNetV2 */

/* Conv2dNormActivation: conv (path.0), BatchNorm (path.1), ReLU6 (path.2) */
static void
conv_bn_relu6 (tb *b, const char *path, char *x, int64_t cin, int64_t cout, int64_t k,
               int64_t stride, int64_t groups)
{
  char p[NAME_MAX_LEN];

  conv (b, path_join (p, sizeof p, path, "0"), x, cin, cout, k, stride, groups);
  batchnorm (b, path_join (p, sizeof p, path, "1"), x, cout);
  relu6 (b, path_join (p, sizeof p, path, "2"), x);
}

static void
inverted_residual (tb *b, const char *path, char *x, int64_t cin, int64_t cout,
                   int64_t stride, int64_t expand)
{
  int64_t hidden = cin * expand;
  char identity[NAME_MAX_LEN], p[NAME_MAX_LEN], q[NAME_MAX_LEN];
  int k = 0;

  copy_name (identity, x);
  path_join (q, sizeof q, path, "conv");
  if (expand != 1)
    {
      snprintf (p, sizeof p, "%s.%d", q, k++);
      conv_bn_relu6 (b, p, x, cin, hidden, 1, 1, 1);
    }
  snprintf (p, sizeof p, "%s.%d", q, k++);
  conv_bn_relu6 (b, p, x, hidden, hidden, 3, stride, hidden);
  snprintf (p, sizeof p, "%s.%d", q, k++);
  conv (b, p, x, hidden, cout, 1, 1, 1);
  snprintf (p, sizeof p, "%s.%d", q, k++);
  batchnorm (b, p, x, cout);
  if (stride == 1 && cin == cout)
    add (b, path, x, identity);
}

static void
mobilenet_v2 (tb *b, char *x)
{
  static const int64_t settings[7][4] = {   /* t, c, n, s */
    { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
    { 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
  };
  int64_t cin = 32;
  int f = 1;
  char p[NAME_MAX_LEN];

  conv_bn_relu6 (b, "features.0", x, 3, cin, 3, 2, 1);
  for (int s = 0; s < 7; s++)
    for (int i = 0; i < settings[s][2]; i++)
      {
        snprintf (p, sizeof p, "features.%d", f++);
        inverted_residual (b, p, x, cin, settings[s][1], i == 0 ? settings[s][3] : 1,
                           settings[s][0]);
        cin = settings[s][1];
      }
  snprintf (p, sizeof p, "features.%d", f);
  conv_bn_relu6 (b, p, x, cin, 1280, 1, 1, 1);
  /* nn.functional.adaptive_avg_pool2d and torch.flatten, then the classifier */
  pool_flatten (b, "", x);
  if (b->st == NN_OK)
    {
      nn_type t = { .dtype = NN_DTYPE_FLOAT32 };
      nn_array *ratio = nn_array_new (&t, b->err);
      char out[NAME_MAX_LEN];

      if (ratio == NULL)
        b->st = b->err->status;
      else
        *(float *) ratio->data = 0.2f;
      add_weight (b, "/classifier/classifier.0/ratio", ratio);
      node (b, "classifier.0", "Dropout", 2,
            (const char *const[]) { x, "/classifier/classifier.0/ratio" }, out, NULL);
      copy_name (x, out);
    }
  linear (b, "classifier.1", x, 1280, 1000, 0.01f, true);
}

/* ------------------------------------------------------------------ the table */

static const char *const names[] = { "resnet18", "mobilenet_v2", "resnet-mini", NULL };

const char *const *
nn_graph_template_names (void)
{
  return names;
}

nn_graph *
nn_graph_new_template (const char *name, uint64_t seed, nn_error *err)
{
  static const int r18_blocks[4] = { 2, 2, 2, 2 }, mini_blocks[3] = { 1, 1, 1 };
  static const int64_t r18_widths[4] = { 64, 128, 256, 512 }, mini_widths[3] = { 16, 32, 64 };
  tb b = { .err = err };
  nn_type in = { .dtype = NN_DTYPE_FLOAT32, .rank = 4, .shape = { NN_DIM_SYMBOLIC, 3, 224, 224 } };
  char x[NAME_MAX_LEN] = "input";
  bool mini = name != NULL && strcmp (name, "resnet-mini") == 0;

  if (name == NULL || (strcmp (name, "resnet18") != 0 && strcmp (name, "mobilenet_v2") != 0
                       && !mini))
    {
      nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "unknown graph template '%s' (resnet18, "
                    "mobilenet_v2, resnet-mini)", name != NULL ? name : "(null)");
      return NULL;
    }
  if ((b.g = nn_graph_new ()) == NULL)
    {
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      return NULL;
    }
  nn_rng_seed (&b.rng, seed);
  if (mini)
    {
      in.shape[1] = 1;
      in.shape[2] = in.shape[3] = 28;
    }
  b.st = nn_graph_add_input (b.g, "input", &in, err);
  if (mini)
    resnet (&b, x, 1, false, 3, mini_blocks, mini_widths, 10);
  else if (name[0] == 'r')
    resnet (&b, x, 3, true, 4, r18_blocks, r18_widths, 1000);
  else
    mobilenet_v2 (&b, x);
  if (b.st == NN_OK)
    b.st = nn_graph_add_output (b.g, x, err);
  if (b.st == NN_OK)
    b.st = nn_graph_infer (b.g, err);
  if (b.st != NN_OK)
    {
      nn_graph_free (b.g);
      return NULL;
    }
  return b.g;
}
