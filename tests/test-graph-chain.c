/* test-graph-chain.c - chain networks as graphs and back (src/engine/graph/chain.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The graph of a chain must compute what the chain's own forward pass computes (itself
 * checked against PyTorch in test-forward), for every layer type and option; a
 * chain-shaped graph must come back as the same network; a graph that is not a chain
 * must be refused with the node named.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn-graph.h"
#include "nn.h"

static void
ok (nn_status st, const nn_error *err)
{
  if (st != NN_OK)
    g_error ("%s", err->message);
}

static void
append (nn_net *net, const nn_layer_config *c)
{
  nn_error err;

  ok (nn_net_append (net, c, &err), &err);
}

/* Every layer type, with options off their defaults. */
static nn_net *
every_layer_net (void)
{
  nn_shape in = nn_shape_chw (4, 13, 11);
  nn_net *net = nn_net_new (&in, 5);
  nn_layer_config c;

  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 8;
  c.groups = 2;
  nn_layer_config_set_pair (&c, NN_PAIR_KERNEL_SIZE, 3, 2, true);
  nn_layer_config_set_pair (&c, NN_PAIR_PADDING, 1, 2, true);
  nn_layer_config_set_pair (&c, NN_PAIR_DILATION, 2, 1, true);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  c.eps = 1e-3;
  c.momentum = 0.3;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LEAKYRELU);
  c.negative_slope = 0.2;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_MAXPOOL2D);
  nn_layer_config_set_pair (&c, NN_PAIR_KERNEL_SIZE, 3, 3, false);
  nn_layer_config_set_pair (&c, NN_PAIR_STRIDE, 2, 1, true);
  nn_layer_config_set_pair (&c, NN_PAIR_PADDING, 1, 1, false);
  c.ceil_mode = true;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_CONV2D);
  c.out_channels = 6;
  c.bias = false;
  nn_layer_config_set_pair (&c, NN_PAIR_STRIDE, 2, 2, true);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_BATCHNORM2D);
  c.affine = false;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_TANH);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_AVGPOOL2D);
  nn_layer_config_set_pair (&c, NN_PAIR_KERNEL_SIZE, 2, 2, false);
  nn_layer_config_set_pair (&c, NN_PAIR_STRIDE, 1, 1, false);
  nn_layer_config_set_pair (&c, NN_PAIR_PADDING, 1, 1, false);
  c.count_include_pad = false;
  c.ceil_mode = true;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_DROPOUT);
  c.p = 0.25;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  c.start_dim = 2;     /* [N, C, H*W]: a Reshape */
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_SIGMOID);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_FLATTEN);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 7;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_RELU);
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_LINEAR);
  c.out_features = 5;
  c.bias = false;
  append (net, &c);
  nn_layer_config_init (&c, NN_LAYER_SOFTMAX);
  c.dim = -1;
  append (net, &c);
  g_assert_cmpint (nn_net_propagate (net), ==, NN_OK);
  /* running statistics off their 0/1 start, so BatchNorm's inference formula shows */
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].running_mean != NULL)
      {
        nn_tensor_fill_uniform (net->layers[i].running_mean, 11 + (uint64_t) i, -0.5f, 0.5f);
        nn_tensor_fill_uniform (net->layers[i].running_var, 17 + (uint64_t) i, 0.5f, 2.0f);
      }
  return net;
}

static nn_tensor *
random_input (const nn_net *net, int64_t batch)
{
  int64_t shape[4] = { batch };
  nn_error err;
  nn_tensor *x;

  for (int i = 0; i < net->input.n_dims; i++)
    shape[i + 1] = net->input.d[i];
  x = nn_tensor_new (net->input.n_dims + 1, shape, &err);
  g_assert_nonnull (x);
  nn_tensor_fill_uniform (x, 3, -1.0f, 1.0f);
  return x;
}

/* The graph's output on x equals the chain's. */
static void
assert_graph_computes_net (nn_graph *g, nn_net *net, int64_t batch)
{
  nn_tensor *x = random_input (net, batch);
  nn_array *ax = nn_array_new_f32 (x->n_dims, x->shape, NULL), *ay = NULL;
  nn_run_result res = { 0 };
  nn_run_opts opts = { .n_threads = 1 };
  nn_error err;
  double max_err = 0, max_ref = 0;
  const float *got;

  g_assert_nonnull (ax);
  memcpy (ax->data, x->data, (size_t) nn_tensor_numel (x) * sizeof (float));
  ok (nn_net_forward (net, x, &opts, &res, &err), &err);
  ok (nn_graph_run (g, (const nn_array *const[]) { ax }, &ay, NULL, &err), &err);
  g_assert_cmpint (ay->type.rank, ==, res.output->n_dims);
  for (int k = 0; k < ay->type.rank; k++)
    g_assert_cmpint (ay->type.shape[k], ==, res.output->shape[k]);
  got = ay->data;
  for (int64_t i = 0; i < nn_tensor_numel (res.output); i++)
    {
      max_ref = fmax (max_ref, fabs (res.output->data[i]));
      max_err = fmax (max_err, fabs ((double) got[i] - res.output->data[i]));
    }
  if (max_err > 1e-5 * (1 + max_ref))
    g_error ("graph and chain differ by %g (scale %g)", max_err, max_ref);
  nn_run_result_clear (&res);
  nn_array_free (ax);
  nn_array_free (ay);
  nn_tensor_free (x);
}

static void
assert_same_weights (const nn_net *a, const nn_net *b)
{
  nn_param *pa = NULL, *pb = NULL;
  int na = nn_net_params (a, &pa), nb = nn_net_params (b, &pb);

  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      if (pa[i].tensor == NULL)
        continue;
      g_assert_true (nn_tensor_same_shape (pa[i].tensor, pb[i].tensor));
      g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * 4,
                       pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * 4);
    }
  free (pa);
  free (pb);
}

static void
test_every_layer (void)
{
  nn_net *net = every_layer_net (), *back = NULL;
  nn_graph *g = NULL;
  nn_error err;
  char *ra, *rb;

  ok (nn_graph_from_net (net, &g, &err), &err);
  g_assert_cmpint (nn_graph_find_node (g, "/0/Conv"), >=, 0);
  g_assert_cmpstr (nn_graph_node_scope (g, nn_graph_find_node (g, "/0/Conv")), ==, "0");
  g_assert_cmpint (nn_graph_find_node (g, "/9/Reshape"), >=, 0);
  g_assert_nonnull (nn_graph_initializer (g, "1.running_var"));
  g_assert_null (nn_graph_initializer (g, "5.weight"));     /* affine=False */
  g_assert_nonnull (nn_graph_value_type (g, "output"));
  assert_graph_computes_net (g, net, 3);
  assert_graph_computes_net (g, net, 1);     /* the batch is symbolic */

  /* back: the same layers (except the Reshape of a partial Flatten), weights, outputs */
  {
    /* without the partial Flatten every layer maps back */
    nn_net *copy = nn_net_copy (net, &err);
    nn_graph *g2;

    ok (nn_net_remove (copy, 9, &err), &err);
    g_assert_cmpint (nn_net_propagate (copy), ==, NN_OK);
    ok (nn_graph_from_net (copy, &g2, &err), &err);
    ok (nn_net_from_graph (g2, &back, &err), &err);
    ra = nn_net_repr (copy);
    rb = nn_net_repr (back);
    g_assert_cmpstr (ra, ==, rb);
    free (ra);
    free (rb);
    assert_same_weights (copy, back);
    assert_graph_computes_net (g2, back, 2);
    nn_net_free (copy);
    nn_net_free (back);
    nn_graph_free (g2);
  }
  g_assert_cmpint (nn_net_from_graph (g, &back, &err), ==, NN_STATUS_UNSUPPORTED);
  g_assert_nonnull (strstr (err.message, "node '/9/Reshape' (Reshape)"));
  g_assert_null (back);
  nn_graph_free (g);
  nn_net_free (net);
}

static void
test_templates (void)
{
  for (const char *const *name = nn_template_names (); *name != NULL; name++)
    {
      nn_error err;
      nn_net *net = nn_net_new_template (*name, 7, &err), *back = NULL;
      nn_graph *g = NULL;

      g_assert_nonnull (net);
      if (net->n_layers == 0 || g_str_has_prefix (*name, "vgg"))
        {
          nn_net_free (net);   /* empty has no output; VGG's 138M weights are slow here */
          continue;
        }
      ok (nn_graph_from_net (net, &g, &err), &err);
      assert_graph_computes_net (g, net, 2);
      ok (nn_net_from_graph (g, &back, &err), &err);
      assert_same_weights (net, back);
      nn_net_free (back);
      nn_graph_free (g);
      nn_net_free (net);
    }
}

static void
test_not_a_chain (void)
{
  nn_graph *g = nn_graph_new ();
  nn_type x = { .dtype = NN_DTYPE_FLOAT32, .rank = 2, .shape = { NN_DIM_SYMBOLIC, 4 } };
  nn_net *net = NULL;
  nn_error err;

  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  ok (nn_graph_add_node (g, "Relu", "/relu", NULL, 1, (const char *const[]) { "x" }, 1,
                         (const char *const[]) { "r" }, NULL, &err), &err);
  ok (nn_graph_add_node (g, "Add", "/skip/Add", NULL, 2, (const char *const[]) { "r", "x" }, 1,
                         (const char *const[]) { "y" }, NULL, &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  g_assert_cmpint (nn_net_from_graph (g, &net, &err), ==, NN_STATUS_UNSUPPORTED);
  g_assert_nonnull (strstr (err.message, "node '/relu' (Relu) shares its input with another node"));
  g_assert_null (net);
  nn_graph_free (g);

  g = nn_graph_new ();
  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  ok (nn_graph_add_node (g, "HardSwish", "/act", NULL, 1, (const char *const[]) { "x" }, 1,
                         (const char *const[]) { "y" }, NULL, &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  g_assert_cmpint (nn_net_from_graph (g, &net, &err), ==, NN_STATUS_UNSUPPORTED);
  g_assert_nonnull (strstr (err.message, "node '/act' (HardSwish) has no layer in the list view"));
  nn_graph_free (g);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/graph-chain/every-layer", test_every_layer);
  g_test_add_func ("/graph-chain/templates", test_templates);
  g_test_add_func ("/graph-chain/not-a-chain", test_not_a_chain);
  return g_test_run ();
}
