/* test-graph.c - the graph engine without PyTorch: validation messages, the operator
 * table, attribute checks, symbolic inference, buffer reuse, fan-out and fan-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Operator results are checked against PyTorch in test-graph-ops.c; the numbers here
 * are computed independently in the test (plain C loops).
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn-graph.h"

#define ONE(s) ((const char *const[]) { s })

static nn_type
f32_type (int32_t rank, const int64_t *shape)
{
  nn_type t = { .dtype = NN_DTYPE_FLOAT32, .rank = rank };

  memcpy (t.shape, shape, (size_t) rank * sizeof *shape);
  return t;
}

static void
add_input (nn_graph *g, const char *name, int32_t rank, const int64_t *shape)
{
  nn_type t = f32_type (rank, shape);
  nn_error err;

  g_assert_cmpint (nn_graph_add_input (g, name, &t, &err), ==, NN_OK);
}

static void
node (nn_graph *g, const char *op, const char *name, int n_in, const char *const *in,
      const char *out)
{
  nn_error err;

  if (nn_graph_add_node (g, op, name, NULL, n_in, in, 1, ONE (out), NULL, &err) != NN_OK)
    g_error ("%s", err.message);
}

static void
assert_message (const nn_error *err, const char *a, const char *b)
{
  if (strstr (err->message, a) == NULL || (b != NULL && strstr (err->message, b) == NULL))
    g_error ("message \"%s\" lacks \"%s\" or \"%s\"", err->message, a, b ? b : "");
}

static void
test_table (void)
{
  g_assert_cmpint (nn_op_count (), >=, 30);
  for (int i = 0; i < nn_op_count (); i++)
    {
      g_assert_nonnull (nn_op_name (i));
      g_assert_nonnull (nn_op_torch_name (i));
      g_assert_cmpint (nn_op_find (nn_op_name (i)), ==, i);
    }
  g_assert_cmpint (nn_op_find ("NoSuchOp"), ==, -1);
  g_assert_cmpstr (nn_op_torch_name (nn_op_find ("Gemm")), ==, "Linear");
}

static void
test_cycle (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[] = { 4 };
  nn_error err;

  add_input (g, "x", 1, shape);
  node (g, "Add", "first", 2, (const char *const[]) { "x", "c" }, "a");
  node (g, "Relu", "second", 1, ONE ("a"), "b");
  node (g, "Sigmoid", "third", 1, ONE ("b"), "c");
  g_assert_cmpint (nn_graph_validate (g, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "cycle", "'first'");
  assert_message (&err, "'second'", "'third'");
  g_assert_cmpint (err.layer, >=, 0);
  g_assert_null (nn_graph_order (g));
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_STATUS_INVALID_ARG);
  nn_graph_free (g);
}

static void
test_dangling (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[] = { 4 };
  nn_error err;

  add_input (g, "x", 1, shape);
  node (g, "Add", "sum", 2, (const char *const[]) { "x", "missing" }, "y");
  g_assert_cmpint (nn_graph_validate (g, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'sum'", "'missing'");
  g_assert_cmpint (err.layer, ==, 0);
  nn_graph_free (g);

  g = nn_graph_new ();
  add_input (g, "x", 1, shape);
  g_assert_cmpint (nn_graph_add_output (g, "nowhere", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_validate (g, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'nowhere'", NULL);
  nn_graph_free (g);
}

static void
test_duplicates (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[] = { 4 };
  nn_error err;

  add_input (g, "x", 1, shape);
  node (g, "Relu", "act", 1, ONE ("x"), "y");
  /* the same node name */
  g_assert_cmpint (nn_graph_add_node (g, "Relu", "act", NULL, 1, ONE ("y"), 1, ONE ("z"),
                                      NULL, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "two nodes", "'act'");
  /* a value written twice */
  g_assert_cmpint (nn_graph_add_node (g, "Tanh", "other", NULL, 1, ONE ("x"), 1, ONE ("y"),
                                      NULL, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'other'", "'act'");
  /* an output named like a graph input */
  g_assert_cmpint (nn_graph_add_node (g, "Tanh", "third", NULL, 1, ONE ("y"), 1, ONE ("x"),
                                      NULL, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'third'", "graph input");
  /* an initializer named like a node's output */
  g_assert_cmpint (nn_graph_add_initializer (g, "y", nn_array_new_f32 (1, shape, NULL), &err),
                   ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'y'", "'act'");
  g_assert_cmpint (nn_graph_add_input (g, "x", &(nn_type) { .rank = 0 }, &err), ==,
                   NN_STATUS_INVALID_ARG);
  g_assert_cmpint (nn_graph_n_nodes (g), ==, 1);
  g_assert_cmpint (nn_graph_validate (g, &err), ==, NN_OK);
  nn_graph_free (g);
}

static void
test_counts (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[] = { 1, 2, 5, 5 };
  nn_error err;

  add_input (g, "x", 4, shape);
  g_assert_cmpint (nn_graph_add_node (g, "Relu", "r", NULL, 2,
                                      (const char *const[]) { "x", "x" }, 1, ONE ("y"), NULL,
                                      &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'r' (Relu) has 2 inputs", "takes 1");
  g_assert_cmpint (nn_graph_add_node (g, "Conv", "conv1", "layer1.0", 1, ONE ("x"), 1,
                                      ONE ("y"), NULL, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'conv1' (Conv) has 1 inputs", "2 to 3");
  g_assert_cmpint (nn_graph_add_node (g, "Swish", "s", NULL, 1, ONE ("x"), 1, ONE ("y"), NULL,
                                      &err), ==, NN_STATUS_UNSUPPORTED);
  assert_message (&err, "'s'", "'Swish'");
  g_assert_cmpint (nn_graph_add_node (g, "Dropout", "d", NULL, 1, ONE ("x"), 3,
                                      (const char *const[]) { "a", "b", "c" }, NULL, &err), ==,
                   NN_STATUS_INVALID_ARG);
  assert_message (&err, "'d' (Dropout) has 3 outputs", NULL);
  g_assert_cmpint (nn_graph_n_nodes (g), ==, 0);
  nn_graph_free (g);
}

static void
test_attrs (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[] = { 1, 2, 5, 5 }, bad[] = { 0, 1 };
  nn_error err;
  int conv;

  add_input (g, "x", 4, shape);
  g_assert_cmpint (nn_graph_add_initializer (g, "w", nn_array_new_f32 (4, (int64_t[]) { 3, 2, 3, 3 },
                                                                       NULL), &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_node (g, "Conv", "conv1", "layer1.0", 2,
                                      (const char *const[]) { "x", "w" }, 1, ONE ("y"), &conv,
                                      &err), ==, NN_OK);
  g_assert_cmpstr (nn_graph_node_scope (g, conv), ==, "layer1.0");
  g_assert_cmpstr (nn_graph_node_torch (g, conv), ==, "Conv2d");
  g_assert_cmpint (nn_graph_set_attr_int (g, conv, "group", 0, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'conv1'", "'group' is 0");
  g_assert_cmpint (nn_graph_set_attr_int (g, conv, "groups", 1, &err), ==,
                   NN_STATUS_INVALID_ARG);
  assert_message (&err, "no attribute 'groups'", NULL);
  g_assert_cmpint (nn_graph_set_attr_float (g, conv, "group", 1.0, &err), ==,
                   NN_STATUS_INVALID_ARG);
  assert_message (&err, "'group' is an integer", NULL);
  g_assert_cmpint (nn_graph_set_attr_string (g, conv, "auto_pad", "SAME", &err), ==,
                   NN_STATUS_INVALID_ARG);
  assert_message (&err, "SAME_UPPER", NULL);
  g_assert_cmpint (nn_graph_set_attr_ints (g, conv, "strides", 2, bad, &err), ==,
                   NN_STATUS_INVALID_ARG);
  /* a valid edit, then an inference error on the guilty node: 3 pads for 2 axes */
  g_assert_cmpint (nn_graph_set_attr_ints (g, conv, "pads", 3, (int64_t[]) { 1, 1, 1 }, &err),
                   ==, NN_OK);
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "node 'conv1' (Conv)", "'pads' has 3 values");
  g_assert_cmpint (err.layer, ==, conv);
  g_assert_cmpint (nn_graph_set_attr_ints (g, conv, "pads", 4, (int64_t[]) { 1, 1, 1, 1 },
                                           &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  nn_graph_free (g);
}

static void
test_infer_errors (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t a[] = { 2, 3 }, b[] = { 4 };
  nn_error err;

  add_input (g, "a", 2, a);
  add_input (g, "b", 1, b);
  node (g, "Add", "residual.add", 2, (const char *const[]) { "a", "b" }, "y");
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_STATUS_SHAPE);
  assert_message (&err, "node 'residual.add' (Add)", "do not broadcast");
  nn_graph_free (g);
}

/* x[N, 3, 8, 8] -> Conv(4, 3x3, stride 2) -> Flatten -> Gemm(transB) gives [N, 5] */
static void
test_symbolic_batch (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t xs[] = { NN_DIM_SYMBOLIC, 3, 8, 8 };
  const nn_type *t;
  nn_node_cost cost;
  nn_error err;
  int conv;

  add_input (g, "x", 4, xs);
  g_assert_cmpint (nn_graph_add_initializer (g, "w", nn_array_new_f32 (4, (int64_t[]) { 4, 3, 3, 3 },
                                                                       NULL), &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_initializer (g, "fc", nn_array_new_f32 (2, (int64_t[]) { 5, 36 },
                                                                        NULL), &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_node (g, "Conv", "conv", NULL, 2,
                                      (const char *const[]) { "x", "w" }, 1, ONE ("c"), &conv,
                                      &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_set_attr_ints (g, conv, "strides", 2, (int64_t[]) { 2, 2 }, &err),
                   ==, NN_OK);
  node (g, "Flatten", "flat", 1, ONE ("c"), "f");
  g_assert_cmpint (nn_graph_add_node (g, "Gemm", "fc", NULL, 2,
                                      (const char *const[]) { "f", "fc" }, 1, ONE ("y"), NULL,
                                      &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_set_attr_int (g, nn_graph_find_node (g, "fc"), "transB", 1, &err),
                   ==, NN_OK);
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  t = nn_graph_value_type (g, "c");
  g_assert_cmpint (t->rank, ==, 4);
  g_assert_cmpint (t->shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (t->shape[2], ==, 3);
  t = nn_graph_value_type (g, "f");
  g_assert_cmpint (t->shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (t->shape[1], ==, 36);
  t = nn_graph_value_type (g, "y");
  g_assert_cmpint (t->shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (t->shape[1], ==, 5);
  /* Conv2d(3, 4, 3, bias=False) on 8x8 stride 2: 4*3*3*3 weights, 4*3*3 outputs of 27 MACs */
  g_assert_cmpint (nn_graph_node_cost (g, conv, &cost, &err), ==, NN_OK);
  g_assert_cmpint (cost.params, ==, 108);
  g_assert_cmpint (cost.macs, ==, 36 * 27);
  g_assert_cmpint (nn_graph_node_cost (g, nn_graph_find_node (g, "fc"), &cost, &err), ==, NN_OK);
  g_assert_cmpint (cost.macs, ==, 5 * 36);
  nn_graph_free (g);
}

static nn_array *
ramp (int64_t n)
{
  nn_array *x = nn_array_new_f32 (1, &n, NULL);

  for (int64_t i = 0; i < n; i++)
    ((float *) x->data)[i] = (float) (i - n / 2) * 0.25f;
  return x;
}

/* a chain of 12 Relus: buffers are reused, the peak is two values, not twelve */
static void
test_buffer_reuse (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t n = 1000;
  nn_array *x = ramp (n), *y = NULL;
  nn_graph_run_stats stats;
  nn_error err;

  add_input (g, "v0", 1, &n);
  for (int i = 0; i < 12; i++)
    {
      char in[16], out[16], name[16];

      snprintf (in, sizeof in, "v%d", i);
      snprintf (out, sizeof out, "v%d", i + 1);
      snprintf (name, sizeof name, "relu%d", i);
      node (g, "Relu", name, 1, ONE (in), out);
    }
  g_assert_cmpint (nn_graph_add_output (g, "v12", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_run (g, (const nn_array *const[]) { x }, &y, &stats, &err), ==,
                   NN_OK);
  for (int64_t i = 0; i < n; i++)
    g_assert_cmpfloat (((float *) y->data)[i], ==, fmaxf (((float *) x->data)[i], 0.0f));
  g_assert_cmpuint (stats.total_value_bytes, ==, 12 * n * sizeof (float));
  g_assert_cmpuint (stats.peak_live_bytes, ==, 2 * n * sizeof (float));
  g_assert_cmpint (stats.buffers_reused, >=, 10);
  nn_array_free (x);
  nn_array_free (y);
  nn_graph_free (g);
}

/* fan-out and fan-in: y = relu(x) * sigmoid(x) + x, and a second output; node order
 * in the file is not the topological one */
static void
test_fan_out_in (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t n = 37;
  nn_array *x = ramp (n), *out[2] = { NULL, NULL };
  const nn_array *const inputs[] = { x };
  const int *order;
  nn_error err;

  add_input (g, "x", 1, &n);
  node (g, "Add", "sum", 2, (const char *const[]) { "p", "x" }, "y");
  node (g, "Mul", "prod", 2, (const char *const[]) { "r", "s" }, "p");
  node (g, "Relu", "relu", 1, ONE ("x"), "r");
  node (g, "Sigmoid", "gate", 1, ONE ("x"), "s");
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_output (g, "s", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_validate (g, &err), ==, NN_OK);
  order = nn_graph_order (g);
  g_assert_cmpstr (nn_graph_node_name (g, order[3]), ==, "sum");
  g_assert_cmpint (nn_graph_run (g, inputs, out, NULL, &err), ==, NN_OK);
  for (int64_t i = 0; i < n; i++)
    {
      float v = ((float *) x->data)[i], s = 1.0f / (1.0f + expf (-v));

      g_assert_cmpfloat_with_epsilon (((float *) out[0]->data)[i], fmaxf (v, 0.0f) * s + v, 1e-6);
      g_assert_cmpfloat_with_epsilon (((float *) out[1]->data)[i], s, 1e-7);
    }
  nn_array_free (out[0]);
  nn_array_free (out[1]);
  nn_array_free (x);
  nn_graph_free (g);
}

static void
test_run_errors (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t decl[] = { NN_DIM_SYMBOLIC, 4 }, have[] = { 3, 5 };
  nn_array *x = nn_array_new_f32 (2, have, NULL), *y = NULL;
  nn_error err;

  add_input (g, "x", 2, decl);
  node (g, "Relu", "r", 1, ONE ("x"), "y");
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_run (g, (const nn_array *const[]) { x }, &y, NULL, &err), ==,
                   NN_STATUS_SHAPE);
  assert_message (&err, "'x' is float32[3, 5]", "float32[N, 4]");
  g_assert_null (y);
  nn_array_free (x);
  nn_graph_free (g);
}

static void
test_budget (void)
{
  uint64_t old = nn_memory_budget ();
  nn_graph *g = nn_graph_new ();
  int64_t huge[] = { 1 << 20, 1 << 20, 1 << 20 }, deep[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
  nn_type t = f32_type (3, huge);
  nn_error err;

  nn_set_memory_budget (UINT64_C (1) << 20);
  g_assert_cmpint (nn_graph_add_input (g, "x", &t, &err), ==, NN_STATUS_TOO_LARGE);
  assert_message (&err, "'x'", "budget");
  t = f32_type (8, deep);
  t.rank = 9;
  g_assert_cmpint (nn_graph_add_input (g, "y", &t, &err), ==, NN_STATUS_UNSUPPORTED);
  g_assert_null (nn_array_new_f32 (9, deep, &err));
  nn_set_memory_budget (old);
  nn_graph_free (g);
}

static void
test_broadcast (void)
{
  nn_type a = f32_type (3, (int64_t[]) { NN_DIM_SYMBOLIC, 1, 5 });
  nn_type b = f32_type (2, (int64_t[]) { 4, 1 }), c = f32_type (1, (int64_t[]) { 3 }), out;
  nn_error err;

  g_assert_cmpint (nn_broadcast_types (2, (const nn_type *const[]) { &a, &b }, &out, &err), ==,
                   NN_OK);
  g_assert_cmpint (out.rank, ==, 3);
  g_assert_cmpint (out.shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (out.shape[1], ==, 4);
  g_assert_cmpint (out.shape[2], ==, 5);
  g_assert_cmpint (nn_broadcast_types (3, (const nn_type *const[]) { &a, &b, &c }, &out, &err),
                   ==, NN_STATUS_SHAPE);
  assert_message (&err, "[N, 4, 5]", "[3]");
}

/* ---- inference errors of one-node graphs: the message names the node */

static void
typed_input (nn_graph *g, const char *name, nn_dtype dtype, int32_t rank, const int64_t *shape)
{
  nn_type t = f32_type (rank, shape);
  nn_error err;

  t.dtype = dtype;
  g_assert_cmpint (nn_graph_add_input (g, name, &t, &err), ==, NN_OK);
}

/* a 1-D initializer of n values at v */
static void
vec_init (nn_graph *g, const char *name, nn_dtype dtype, int n, const void *v)
{
  nn_type t = { .dtype = dtype, .rank = 1, .shape = { n } };
  nn_array *a = nn_array_new (&t, NULL);
  nn_error err;

  memcpy (a->data, v, nn_array_bytes (a));
  g_assert_cmpint (nn_graph_add_initializer (g, name, a, &err), ==, NN_OK);
}

static void
int_init (nn_graph *g, const char *name, int n, const int64_t *v)
{
  vec_init (g, name, NN_DTYPE_INT64, n, v);
}

static void
f32_init (nn_graph *g, const char *name, int n, const float *v)
{
  vec_init (g, name, NN_DTYPE_FLOAT32, n, v);
}

/* adds node NAME (op) over inputs to output "y"; returns its index */
static int
op_node (nn_graph *g, const char *op, const char *name, int n_in, const char *const *in)
{
  nn_error err;
  int index;

  if (nn_graph_add_node (g, op, name, NULL, n_in, in, 1, ONE ("y"), &index, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  return index;
}

/* inference fails with status, the message names the node and holds want; frees g */
static void
expect_infer_error (nn_graph *g, const char *node_and_op, nn_status status, const char *want)
{
  nn_error err;

  g_assert_cmpint (nn_graph_infer (g, &err), ==, status);
  assert_message (&err, node_and_op, want);
  g_assert_cmpint (err.layer, >=, 0);
  nn_graph_free (g);
}

static void
test_infer_errors_logic (void)
{
  int64_t s23[] = { 2, 3 }, s4[] = { 4 };
  nn_graph *g = nn_graph_new ();

  typed_input (g, "a", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "b", NN_DTYPE_INT64, 2, s23);
  op_node (g, "Equal", "eq", 2, (const char *const[]) { "a", "b" });
  expect_infer_error (g, "node 'eq' (Equal)", NN_STATUS_SHAPE, "different dtypes");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "b", NN_DTYPE_FLOAT32, 1, s4);
  op_node (g, "Less", "lt", 2, (const char *const[]) { "a", "b" });
  expect_infer_error (g, "node 'lt' (Less)", NN_STATUS_SHAPE, "do not broadcast");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_FLOAT32, 2, s23);
  op_node (g, "Not", "not", 1, ONE ("a"));
  expect_infer_error (g, "node 'not' (Not)", NN_STATUS_SHAPE, "takes bool");

  g = nn_graph_new ();
  typed_input (g, "c", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  op_node (g, "Where", "pick", 3, (const char *const[]) { "c", "x", "x" });
  expect_infer_error (g, "node 'pick' (Where)", NN_STATUS_SHAPE, "input 1 is float32");

  g = nn_graph_new ();
  typed_input (g, "c", NN_DTYPE_BOOL, 1, s4);
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "z", NN_DTYPE_INT64, 2, s23);
  op_node (g, "Where", "pick", 3, (const char *const[]) { "c", "x", "z" });
  expect_infer_error (g, "node 'pick' (Where)", NN_STATUS_SHAPE, "different dtypes");

  g = nn_graph_new ();
  typed_input (g, "c", NN_DTYPE_BOOL, 1, s4);
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  op_node (g, "Where", "pick", 3, (const char *const[]) { "c", "x", "x" });
  expect_infer_error (g, "node 'pick' (Where)", NN_STATUS_SHAPE, "do not broadcast");
}

static void
test_infer_errors_arith (void)
{
  int64_t s23[] = { 2, 3 }, s4[] = { 4 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  typed_input (g, "a", NN_DTYPE_FLOAT32, 2, s23);
  op_node (g, "Mod", "rem", 2, (const char *const[]) { "a", "a" });
  expect_infer_error (g, "node 'rem' (Mod)", NN_STATUS_INVALID_ARG, "fmod=1");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_INT64, 2, s23);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "Mod", "rem", 2,
                                                      (const char *const[]) { "a", "a" }),
                                          "fmod", 2, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'rem'", "fmod");
  nn_graph_free (g);

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "b", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "c", NN_DTYPE_FLOAT32, 1, s4);
  op_node (g, "Max", "biggest", 3, (const char *const[]) { "a", "b", "c" });
  expect_infer_error (g, "node 'biggest' (Max)", NN_STATUS_SHAPE, "do not broadcast");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_INT64, 2, s23);
  op_node (g, "Mean", "avg", 2, (const char *const[]) { "a", "a" });
  expect_infer_error (g, "node 'avg' (Mean)", NN_STATUS_SHAPE, "takes float32");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_BOOL, 2, s23);
  op_node (g, "Neg", "minus", 1, ONE ("a"));
  expect_infer_error (g, "node 'minus' (Neg)", NN_STATUS_SHAPE, "input 1 is bool");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_INT64, 2, s23);
  op_node (g, "Exp", "e", 1, ONE ("a"));
  expect_infer_error (g, "node 'e' (Exp)", NN_STATUS_SHAPE, "takes float32");
}

static nn_array *
scalar (nn_dtype dtype, double v)
{
  nn_type t = { .dtype = dtype, .rank = 0 };
  nn_array *a = nn_array_new (&t, NULL);

  if (dtype == NN_DTYPE_FLOAT32)
    ((float *) a->data)[0] = (float) v;
  else
    ((int64_t *) a->data)[0] = (int64_t) v;
  return a;
}

static void
test_infer_errors_generate (void)
{
  int64_t huge[] = { 1 << 20, 1 << 20, 1 << 20 }, neg[] = { 2, -1 }, s23[] = { 2, 3 };
  int64_t s2[] = { 2 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  int_init (g, "shape", 3, huge);
  op_node (g, "ConstantOfShape", "fill", 1, ONE ("shape"));
  expect_infer_error (g, "node 'fill' (ConstantOfShape)", NN_STATUS_TOO_LARGE, "budget");

  g = nn_graph_new ();
  int_init (g, "shape", 2, neg);
  op_node (g, "ConstantOfShape", "fill", 1, ONE ("shape"));
  expect_infer_error (g, "node 'fill' (ConstantOfShape)", NN_STATUS_INVALID_ARG, "negative");

  g = nn_graph_new ();
  typed_input (g, "shape", NN_DTYPE_INT64, 2, s23);
  op_node (g, "ConstantOfShape", "fill", 1, ONE ("shape"));
  expect_infer_error (g, "node 'fill' (ConstantOfShape)", NN_STATUS_SHAPE, "1-D");

  g = nn_graph_new ();
  int_init (g, "shape", 2, s23);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "ConstantOfShape", "fill", 1,
                                                      ONE ("shape")), "dtype", 10, &err),
                   ==, NN_OK);
  expect_infer_error (g, "node 'fill' (ConstantOfShape)", NN_STATUS_UNSUPPORTED,
                      "data type 10");

  /* a shape known only when running: the run fails, naming the node, before allocating */
  g = nn_graph_new ();
  typed_input (g, "shape", NN_DTYPE_INT64, 1, (int64_t[]) { 3 });
  op_node (g, "ConstantOfShape", "fill", 1, ONE ("shape"));
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_value_type (g, "y")->shape[1], ==, NN_DIM_SYMBOLIC);
  {
    nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 1, .shape = { 3 } };
    nn_array *shape = nn_array_new (&t, NULL), *y = NULL;

    memcpy (shape->data, huge, sizeof huge);
    g_assert_cmpint (nn_graph_run (g, (const nn_array *const[]) { shape }, &y, NULL, &err),
                     ==, NN_STATUS_TOO_LARGE);
    assert_message (&err, "node 'fill' (ConstantOfShape)", "budget");
    g_assert_null (y);
    nn_array_free (shape);
  }
  nn_graph_free (g);

  /* Range: 2^62 elements, delta 0, a non-scalar start, mixed dtypes */
  g = nn_graph_new ();
  nn_graph_add_initializer (g, "a", scalar (NN_DTYPE_INT64, 0), &err);
  nn_graph_add_initializer (g, "b", scalar (NN_DTYPE_INT64, 4611686018427387904.0), &err);
  nn_graph_add_initializer (g, "d", scalar (NN_DTYPE_INT64, 1), &err);
  op_node (g, "Range", "arange", 3, (const char *const[]) { "a", "b", "d" });
  expect_infer_error (g, "node 'arange' (Range)", NN_STATUS_TOO_LARGE, "budget");

  g = nn_graph_new ();
  nn_graph_add_initializer (g, "a", scalar (NN_DTYPE_FLOAT32, 0), &err);
  nn_graph_add_initializer (g, "b", scalar (NN_DTYPE_FLOAT32, 1e30), &err);
  nn_graph_add_initializer (g, "d", scalar (NN_DTYPE_FLOAT32, 1e-30), &err);
  op_node (g, "Range", "arange", 3, (const char *const[]) { "a", "b", "d" });
  expect_infer_error (g, "node 'arange' (Range)", NN_STATUS_TOO_LARGE, "elements");

  g = nn_graph_new ();
  nn_graph_add_initializer (g, "a", scalar (NN_DTYPE_INT64, 0), &err);
  nn_graph_add_initializer (g, "d", scalar (NN_DTYPE_INT64, 0), &err);
  op_node (g, "Range", "arange", 3, (const char *const[]) { "a", "a", "d" });
  expect_infer_error (g, "node 'arange' (Range)", NN_STATUS_INVALID_ARG, "delta is 0");

  g = nn_graph_new ();
  typed_input (g, "a", NN_DTYPE_INT64, 1, s2);
  nn_graph_add_initializer (g, "d", scalar (NN_DTYPE_INT64, 1), &err);
  op_node (g, "Range", "arange", 3, (const char *const[]) { "a", "d", "d" });
  expect_infer_error (g, "node 'arange' (Range)", NN_STATUS_SHAPE, "start must be a scalar");

  g = nn_graph_new ();
  nn_graph_add_initializer (g, "a", scalar (NN_DTYPE_INT64, 0), &err);
  nn_graph_add_initializer (g, "d", scalar (NN_DTYPE_FLOAT32, 1), &err);
  op_node (g, "Range", "arange", 3, (const char *const[]) { "a", "d", "d" });
  expect_infer_error (g, "node 'arange' (Range)", NN_STATUS_SHAPE, "different dtypes");

  /* Expand: too large, shapes that do not broadcast */
  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  int_init (g, "shape", 3, huge);
  op_node (g, "Expand", "grow", 2, (const char *const[]) { "x", "shape" });
  expect_infer_error (g, "node 'grow' (Expand)", NN_STATUS_SHAPE, "do not broadcast");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 1, (int64_t[]) { 1 });
  int_init (g, "shape", 3, huge);
  op_node (g, "Expand", "grow", 2, (const char *const[]) { "x", "shape" });
  expect_infer_error (g, "node 'grow' (Expand)", NN_STATUS_TOO_LARGE, "budget");

  /* Cast: a dtype the engine lacks */
  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "Cast", "to_half", 1, ONE ("x")),
                                          "to", 10, &err), ==, NN_OK);
  expect_infer_error (g, "node 'to_half' (Cast)", NN_STATUS_UNSUPPORTED, "to=10");
}

static void
test_infer_errors_pad_scatter_norm (void)
{
  int64_t s23[] = { 2, 3 }, s4[] = { 4 }, s234[] = { 2, 3, 4 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  int_init (g, "pads", 3, (int64_t[]) { 1, 1, 1 });
  op_node (g, "Pad", "pad", 2, (const char *const[]) { "x", "pads" });
  expect_infer_error (g, "node 'pad' (Pad)", NN_STATUS_SHAPE, "2 * rank = 4");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  int_init (g, "pads", 4, (int64_t[]) { 0, -2, 0, -2 });
  op_node (g, "Pad", "pad", 2, (const char *const[]) { "x", "pads" });
  expect_infer_error (g, "node 'pad' (Pad)", NN_STATUS_INVALID_ARG, "axis 1 (size 3)");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  int_init (g, "pads", 4, (int64_t[]) { 0, -3, 0, 2 });
  g_assert_cmpint (nn_graph_set_attr_string (g, op_node (g, "Pad", "pad", 2,
                                                         (const char *const[]) { "x", "pads" }),
                                             "mode", "reflect", &err), ==, NN_OK);
  expect_infer_error (g, "node 'pad' (Pad)", NN_STATUS_INVALID_ARG, "empty after cropping");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  int_init (g, "pads", 4, (int64_t[]) { 0, 1, 0, 1 });
  int_init (g, "value", 1, (int64_t[]) { 3 });
  op_node (g, "Pad", "pad", 3, (const char *const[]) { "x", "pads", "value" });
  expect_infer_error (g, "node 'pad' (Pad)", NN_STATUS_SHAPE, "constant_value int64[1]");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  g_assert_cmpint (nn_graph_set_attr_string (g, op_node (g, "Pad", "pad", 2,
                                                         (const char *const[]) { "x", "x" }),
                                             "mode", "wrap", &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "'pad'", "constant|reflect|edge");
  nn_graph_free (g);

  /* ScatterND: updates of the wrong shape, indices deeper than the data, reduction */
  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 3, s234);
  typed_input (g, "i", NN_DTYPE_INT64, 2, (int64_t[]) { 5, 2 });
  typed_input (g, "u", NN_DTYPE_FLOAT32, 2, (int64_t[]) { 5, 3 });
  op_node (g, "ScatterND", "scatter", 3, (const char *const[]) { "x", "i", "u" });
  expect_infer_error (g, "node 'scatter' (ScatterND)", NN_STATUS_SHAPE,
                      "indices.shape[:-1] + data.shape[2:]");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 2, s23);
  typed_input (g, "i", NN_DTYPE_INT64, 2, (int64_t[]) { 5, 3 });
  typed_input (g, "u", NN_DTYPE_FLOAT32, 1, (int64_t[]) { 5 });
  op_node (g, "ScatterND", "scatter", 3, (const char *const[]) { "x", "i", "u" });
  expect_infer_error (g, "node 'scatter' (ScatterND)", NN_STATUS_SHAPE, "between 1 and");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 1, s4);
  typed_input (g, "i", NN_DTYPE_INT64, 2, (int64_t[]) { 1, 1 });
  typed_input (g, "u", NN_DTYPE_FLOAT32, 1, (int64_t[]) { 1 });
  g_assert_cmpint (nn_graph_set_attr_string (g, op_node (g, "ScatterND", "scatter", 3,
                                                         (const char *const[]) { "x", "i", "u" }),
                                             "reduction", "add", &err), ==, NN_OK);
  expect_infer_error (g, "node 'scatter' (ScatterND)", NN_STATUS_UNSUPPORTED, "'add'");

  /* an index out of range is found when running */
  {
    nn_type it = { .dtype = NN_DTYPE_INT64, .rank = 2, .shape = { 1, 1 } };
    nn_array *idx = nn_array_new (&it, NULL), *x = nn_array_new_f32 (1, s4, NULL);
    nn_array *u = nn_array_new_f32 (1, (int64_t[]) { 1 }, NULL), *y = NULL;

    ((int64_t *) idx->data)[0] = 4;
    g = nn_graph_new ();
    typed_input (g, "x", NN_DTYPE_FLOAT32, 1, s4);
    g_assert_cmpint (nn_graph_add_initializer (g, "i", idx, &err), ==, NN_OK);
    typed_input (g, "u", NN_DTYPE_FLOAT32, 1, (int64_t[]) { 1 });
    op_node (g, "ScatterND", "scatter", 3, (const char *const[]) { "x", "i", "u" });
    g_assert_cmpint (nn_graph_run (g, (const nn_array *const[]) { x, u }, &y, NULL, &err), ==,
                     NN_STATUS_INVALID_ARG);
    assert_message (&err, "node 'scatter' (ScatterND)", "index 4 is outside axis 0");
    nn_array_free (x);
    nn_array_free (u);
  }
  nn_graph_free (g);

  /* LayerNormalization: a Scale that does not fit, axis, stash_type */
  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 3, s234);
  typed_input (g, "w", NN_DTYPE_FLOAT32, 1, (int64_t[]) { 3 });
  op_node (g, "LayerNormalization", "ln", 2, (const char *const[]) { "x", "w" });
  expect_infer_error (g, "node 'ln' (LayerNormalization)", NN_STATUS_SHAPE,
                      "Scale float32[3] does not fit");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 3, s234);
  typed_input (g, "w", NN_DTYPE_FLOAT32, 1, s4);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "LayerNormalization", "ln", 2,
                                                      (const char *const[]) { "x", "w" }),
                                          "axis", 3, &err), ==, NN_OK);
  expect_infer_error (g, "node 'ln' (LayerNormalization)", NN_STATUS_INVALID_ARG, "axis 3");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 3, s234);
  typed_input (g, "w", NN_DTYPE_FLOAT32, 1, s4);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "LayerNormalization", "ln", 2,
                                                      (const char *const[]) { "x", "w" }),
                                          "stash_type", 11, &err), ==, NN_OK);
  expect_infer_error (g, "node 'ln' (LayerNormalization)", NN_STATUS_UNSUPPORTED,
                      "stash_type 11");
}

static void
test_infer_errors_conv_transpose (void)
{
  int64_t xs[] = { 1, 3, 4, 4 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  add_input (g, "x", 4, xs);
  nn_graph_add_initializer (g, "w", nn_array_new_f32 (4, (int64_t[]) { 2, 2, 3, 3 }, NULL), &err);
  op_node (g, "ConvTranspose", "up", 2, (const char *const[]) { "x", "w" });
  expect_infer_error (g, "node 'up' (ConvTranspose)", NN_STATUS_SHAPE, "weight's 2 channels");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  nn_graph_add_initializer (g, "w", nn_array_new_f32 (4, (int64_t[]) { 3, 2, 3, 3 }, NULL), &err);
  g_assert_cmpint (nn_graph_set_attr_ints (g, op_node (g, "ConvTranspose", "up", 2,
                                                       (const char *const[]) { "x", "w" }),
                                           "output_shape", 2, (int64_t[]) { 20, 20 }, &err),
                   ==, NN_OK);
  expect_infer_error (g, "node 'up' (ConvTranspose)", NN_STATUS_SHAPE, "larger than the 6");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  nn_graph_add_initializer (g, "w", nn_array_new_f32 (4, (int64_t[]) { 3, 2, 3, 3 }, NULL), &err);
  g_assert_cmpint (nn_graph_set_attr_ints (g, op_node (g, "ConvTranspose", "up", 2,
                                                       (const char *const[]) { "x", "w" }),
                                           "pads", 4, (int64_t[]) { 3, 0, 3, 0 }, &err),
                   ==, NN_OK);
  expect_infer_error (g, "node 'up' (ConvTranspose)", NN_STATUS_SHAPE, "leave nothing");
}

static void
test_infer_errors_resize (void)
{
  int64_t xs[] = { 1, 3, 4, 4 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  /* neither scales nor sizes; both */
  add_input (g, "x", 4, xs);
  op_node (g, "Resize", "up", 1, ONE ("x"));
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_INVALID_ARG, "exactly one of");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  f32_init (g, "scales", 4, (float[]) { 1, 1, 2, 2 });
  int_init (g, "sizes", 4, (int64_t[]) { 1, 3, 8, 8 });
  op_node (g, "Resize", "up", 4, (const char *const[]) { "x", "", "scales", "sizes" });
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_INVALID_ARG, "exactly one of");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  f32_init (g, "scales", 2, (float[]) { 2, 2 });
  op_node (g, "Resize", "up", 3, (const char *const[]) { "x", "", "scales" });
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_SHAPE, "scales must hold 4 values");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  f32_init (g, "scales", 4, (float[]) { 1, 1, 1e6f, 1e6f });
  op_node (g, "Resize", "up", 3, (const char *const[]) { "x", "", "scales" });
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_TOO_LARGE, "budget");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  f32_init (g, "scales", 4, (float[]) { 1, 1, -2, 2 });
  op_node (g, "Resize", "up", 3, (const char *const[]) { "x", "", "scales" });
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_INVALID_ARG, "negative");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  f32_init (g, "scales", 4, (float[]) { 1, 1, 2, 2 });
  g_assert_cmpint (nn_graph_set_attr_string (g, op_node (g, "Resize", "up", 3,
                                                         (const char *const[]) { "x", "", "scales" }),
                                             "coordinate_transformation_mode",
                                             "tf_crop_and_resize", &err), ==, NN_OK);
  expect_infer_error (g, "node 'up' (Resize)", NN_STATUS_INVALID_ARG, "needs roi");
}

static void
test_infer_errors_reduce (void)
{
  int64_t s234[] = { 2, 3, 4 }, s03[] = { 0, 3 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  add_input (g, "x", 3, s234);
  int_init (g, "axes", 2, (int64_t[]) { 1, -2 });
  op_node (g, "ReduceSum", "total", 2, (const char *const[]) { "x", "axes" });
  expect_infer_error (g, "node 'total' (ReduceSum)", NN_STATUS_INVALID_ARG, "given twice");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_INT64, 3, s234);
  op_node (g, "ReduceL2", "norm", 1, ONE ("x"));
  expect_infer_error (g, "node 'norm' (ReduceL2)", NN_STATUS_SHAPE, "takes float32");

  g = nn_graph_new ();
  add_input (g, "x", 3, s234);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "ArgMax", "best", 1, ONE ("x")),
                                          "axis", -4, &err), ==, NN_OK);
  expect_infer_error (g, "node 'best' (ArgMax)", NN_STATUS_INVALID_ARG, "axis -4");

  g = nn_graph_new ();
  add_input (g, "x", 2, s03);
  op_node (g, "ArgMin", "worst", 1, ONE ("x"));
  expect_infer_error (g, "node 'worst' (ArgMin)", NN_STATUS_SHAPE, "axis 0 is empty");
}

static void
test_infer_errors_misc (void)
{
  int64_t xs[] = { 2, 3, 4, 4 }, huge[] = { 1 << 20, 1 << 20, 1 << 20, 1 << 20 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  add_input (g, "x", 4, xs);
  add_input (g, "slope", 1, (int64_t[]) { 3 });
  op_node (g, "PRelu", "act", 2, (const char *const[]) { "x", "slope" });
  expect_infer_error (g, "node 'act' (PRelu)", NN_STATUS_SHAPE, "do not broadcast");

  g = nn_graph_new ();
  add_input (g, "x", 1, (int64_t[]) { 3 });
  add_input (g, "slope", 2, (int64_t[]) { 2, 3 });
  op_node (g, "PRelu", "act", 2, (const char *const[]) { "x", "slope" });
  expect_infer_error (g, "node 'act' (PRelu)", NN_STATUS_SHAPE, "without growing it");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  int_init (g, "reps", 4, huge);
  op_node (g, "Tile", "rep", 2, (const char *const[]) { "x", "reps" });
  expect_infer_error (g, "node 'rep' (Tile)", NN_STATUS_TOO_LARGE, "its output");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  int_init (g, "reps", 2, huge);
  op_node (g, "Tile", "rep", 2, (const char *const[]) { "x", "reps" });
  expect_infer_error (g, "node 'rep' (Tile)", NN_STATUS_SHAPE, "one per axis");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  add_input (g, "s", 1, (int64_t[]) { 4 });
  op_node (g, "InstanceNormalization", "in", 3, (const char *const[]) { "x", "s", "s" });
  expect_infer_error (g, "node 'in' (InstanceNormalization)", NN_STATUS_SHAPE,
                      "one value per channel");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  g_assert_cmpint (nn_graph_add_node (g, "MaxPool", "pool", NULL, 1, ONE ("x"), 2,
                                      (const char *const[]) { "y", "i" }, NULL, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_set_attr_ints (g, 0, "kernel_shape", 2, (int64_t[]) { 2, 2 }, &err),
                   ==, NN_OK);
  g_assert_cmpint (nn_graph_set_attr_int (g, 0, "storage_order", 1, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_output (g, "i", &err), ==, NN_OK);
  expect_infer_error (g, "node 'pool' (MaxPool)", NN_STATUS_UNSUPPORTED, "storage_order 1");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "LogSoftmax", "lsm", 1, ONE ("x")),
                                          "axis", 4, &err), ==, NN_OK);
  expect_infer_error (g, "node 'lsm' (LogSoftmax)", NN_STATUS_INVALID_ARG, "axis 4");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_INT64, 4, xs);
  op_node (g, "IsNaN", "nan", 1, ONE ("x"));
  expect_infer_error (g, "node 'nan' (IsNaN)", NN_STATUS_SHAPE, "takes float32");

  g = nn_graph_new ();
  typed_input (g, "x", NN_DTYPE_FLOAT32, 4, xs);
  typed_input (g, "b", NN_DTYPE_BOOL, 4, xs);
  op_node (g, "Xor", "xor", 2, (const char *const[]) { "x", "b" });
  expect_infer_error (g, "node 'xor' (Xor)", NN_STATUS_SHAPE, "takes bool");
}

static void
test_infer_errors_select (void)
{
  int64_t xs[] = { 2, 3, 4, 4 }, s5[] = { 5 };
  nn_error err;
  nn_graph *g = nn_graph_new ();

  add_input (g, "x", 4, xs);
  int_init (g, "k", 1, (int64_t[]) { 5 });
  op_node (g, "TopK", "best", 2, (const char *const[]) { "x", "k" });
  expect_infer_error (g, "node 'best' (TopK)", NN_STATUS_INVALID_ARG, "K = 5");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  typed_input (g, "i", NN_DTYPE_INT64, 2, (int64_t[]) { 2, 5 });
  op_node (g, "GatherND", "pick", 2, (const char *const[]) { "x", "i" });
  expect_infer_error (g, "node 'pick' (GatherND)", NN_STATUS_SHAPE, "do not fit");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  typed_input (g, "i", NN_DTYPE_INT64, 2, (int64_t[]) { 2, 2 });
  op_node (g, "GatherElements", "pick", 2, (const char *const[]) { "x", "i" });
  expect_infer_error (g, "node 'pick' (GatherElements)", NN_STATUS_SHAPE, "rank of the data");

  g = nn_graph_new ();
  add_input (g, "x", 1, s5);
  op_node (g, "Trilu", "tri", 1, ONE ("x"));
  expect_infer_error (g, "node 'tri' (Trilu)", NN_STATUS_SHAPE, "at least 2");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "DepthToSpace", "d2s", 1, ONE ("x")),
                                          "blocksize", 2, &err), ==, NN_OK);
  expect_infer_error (g, "node 'd2s' (DepthToSpace)", NN_STATUS_SHAPE, "3 channels");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  int_init (g, "axis", 1, (int64_t[]) { 4 });
  op_node (g, "CumSum", "cum", 2, (const char *const[]) { "x", "axis" });
  expect_infer_error (g, "node 'cum' (CumSum)", NN_STATUS_INVALID_ARG, "axis 4");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  add_input (g, "rois", 2, (int64_t[]) { 3, 5 });
  typed_input (g, "b", NN_DTYPE_INT64, 1, (int64_t[]) { 3 });
  op_node (g, "RoiAlign", "roi", 3, (const char *const[]) { "x", "rois", "b" });
  expect_infer_error (g, "node 'roi' (RoiAlign)", NN_STATUS_SHAPE, "rois [num_rois, 4]");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  add_input (g, "rois", 2, (int64_t[]) { 3, 4 });
  typed_input (g, "b", NN_DTYPE_INT64, 1, (int64_t[]) { 3 });
  g_assert_cmpint (nn_graph_set_attr_string (g, op_node (g, "RoiAlign", "roi", 3,
                                                         (const char *const[]) { "x", "rois", "b" }),
                                             "mode", "max", &err), ==, NN_OK);
  expect_infer_error (g, "node 'roi' (RoiAlign)", NN_STATUS_UNSUPPORTED, "'max'");

  g = nn_graph_new ();
  add_input (g, "boxes", 3, (int64_t[]) { 1, 6, 4 });
  add_input (g, "scores", 3, (int64_t[]) { 1, 2, 5 });
  op_node (g, "NonMaxSuppression", "nms", 2, (const char *const[]) { "boxes", "scores" });
  expect_infer_error (g, "node 'nms' (NonMaxSuppression)", NN_STATUS_SHAPE, "scores [batch");

  g = nn_graph_new ();
  add_input (g, "x", 4, xs);
  typed_input (g, "i", NN_DTYPE_INT64, 4, xs);
  typed_input (g, "u", NN_DTYPE_INT64, 4, xs);
  op_node (g, "ScatterElements", "put", 3, (const char *const[]) { "x", "i", "u" });
  expect_infer_error (g, "node 'put' (ScatterElements)", NN_STATUS_SHAPE, "different dtypes");

  g = nn_graph_new ();
  typed_input (g, "i", NN_DTYPE_INT64, 1, s5);
  int_init (g, "depth", 1, (int64_t[]) { INT64_C (1) << 40 });
  f32_init (g, "values", 2, (float[]) { 0, 1 });
  op_node (g, "OneHot", "hot", 3, (const char *const[]) { "i", "depth", "values" });
  expect_infer_error (g, "node 'hot' (OneHot)", NN_STATUS_TOO_LARGE, "budget");
}

/* every operator of a family refuses what the family's inference refuses, naming the
 * node: one input of the given dtype and shape, the rest the same value */
static void
test_infer_errors_table (void)
{
  static const struct {
    const char *op;
    int n_in;
    nn_dtype dtype;
    int32_t rank;
    nn_status status;
    const char *want;
  } cases[] = {
    { "Exp", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Log", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Reciprocal", 1, NN_DTYPE_INT32, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Softplus", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Softsign", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Selu", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Celu", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Floor", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Ceil", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Round", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Sin", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Cos", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Sign", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "ThresholdedRelu", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Shrink", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "IsInf", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Hardmax", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "Abs", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "Sum", 2, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "Min", 3, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "Greater", 2, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "LessOrEqual", 2, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "GreaterOrEqual", 2, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "And", 2, NN_DTYPE_FLOAT32, 2, NN_STATUS_SHAPE, "takes bool" },
    { "Or", 2, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes bool" },
    { "ReduceMax", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "ReduceMin", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "ReduceProd", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "ReduceL1", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "ReduceSumSquare", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "ReduceLogSum", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "ReduceLogSumExp", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "GlobalMaxPool", 1, NN_DTYPE_FLOAT32, 1, NN_STATUS_SHAPE, "[N, C, ...]" },
    { "LRN", 1, NN_DTYPE_FLOAT32, 2, NN_STATUS_SHAPE, "[N, C, ...]" },
    { "SpaceToDepth", 1, NN_DTYPE_FLOAT32, 2, NN_STATUS_SHAPE, "[N, C, H, W]" },
    { "ArgMin", 1, NN_DTYPE_BOOL, 2, NN_STATUS_SHAPE, "input 1 is bool" },
    { "MeanVarianceNormalization", 1, NN_DTYPE_INT64, 2, NN_STATUS_SHAPE, "takes float32" },
    { "EyeLike", 1, NN_DTYPE_FLOAT32, 1, NN_STATUS_SHAPE, "must be 2-d" },
    { "GridSample", 2, NN_DTYPE_FLOAT32, 2, NN_STATUS_SHAPE, "grid [N, H_out, W_out, 2]" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      nn_graph *g = nn_graph_new ();
      const char *in[3] = { "x", "x", "x" };
      char want[96];

      typed_input (g, "x", cases[k].dtype, cases[k].rank, (int64_t[]) { 2, 3 });
      op_node (g, cases[k].op, "n", cases[k].n_in, in);
      snprintf (want, sizeof want, "node 'n' (%s)", cases[k].op);
      expect_infer_error (g, want, cases[k].status, cases[k].want);
    }
}

/* sizes known only when running: absurd ones fail there, naming the node, before any
 * allocation; nothing crashes */
static void
test_run_absurd_sizes (void)
{
  static const struct {
    const char *op;
    nn_dtype dtype;       /* of the size input (input 2, or 1 for Range's limit) */
    double v[4];
    int n;
    nn_status status;
  } cases[] = {
    { "Tile", NN_DTYPE_INT64, { 1 << 30, 1 << 30 }, 2, NN_STATUS_TOO_LARGE },
    { "Expand", NN_DTYPE_INT64, { 1 << 30, 1 << 30, 1, 1 }, 4, NN_STATUS_TOO_LARGE },
    { "Expand", NN_DTYPE_INT64, { -2, 3 }, 2, NN_STATUS_INVALID_ARG },
    { "Pad", NN_DTYPE_INT64, { 0, 1 << 30, 0, 1 << 30 }, 4, NN_STATUS_TOO_LARGE },
    { "Pad", NN_DTYPE_INT64, { 0, -9, 0, 0 }, 4, NN_STATUS_INVALID_ARG },
    { "Range", NN_DTYPE_FLOAT32, { 1e18 }, 0, NN_STATUS_TOO_LARGE },
    { "ConstantOfShape", NN_DTYPE_INT64, { 1 << 30, 1 << 30 }, 2, NN_STATUS_TOO_LARGE },
  };
  int64_t xs[] = { 2, 3 };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      nn_graph *g = nn_graph_new ();
      bool range = strcmp (cases[k].op, "Range") == 0, cos = cases[k].op[0] == 'C';
      int64_t len = cases[k].n;
      nn_type st = { .dtype = cases[k].dtype, .rank = range ? 0 : 1, .shape = { len } };
      nn_array *x = nn_array_new_f32 (range ? 0 : 2, xs, NULL), *v = nn_array_new (&st, NULL);
      nn_array *y = NULL;
      nn_error err;

      for (int i = 0; i < (range ? 1 : cases[k].n); i++)
        if (cases[k].dtype == NN_DTYPE_FLOAT32)
          ((float *) v->data)[i] = (float) cases[k].v[i];
        else
          ((int64_t *) v->data)[i] = (int64_t) cases[k].v[i];
      if (range)
        {
          nn_type t0 = { .dtype = NN_DTYPE_FLOAT32, .rank = 0 };
          nn_array *one = nn_array_new (&t0, NULL);

          ((float *) one->data)[0] = 1.0f;
          g_assert_cmpint (nn_graph_add_input (g, "x", &t0, &err), ==, NN_OK);
          g_assert_cmpint (nn_graph_add_initializer (g, "one", one, &err), ==, NN_OK);
          nn_array_free (x);
          x = nn_array_new (&t0, NULL);
        }
      else
        add_input (g, "x", 2, xs);
      g_assert_cmpint (nn_graph_add_input (g, "v", &st, &err), ==, NN_OK);
      if (range)
        op_node (g, "Range", "n", 3, (const char *const[]) { "x", "v", "one" });
      else if (cos)
        op_node (g, cases[k].op, "n", 1, ONE ("v"));
      else
        op_node (g, cases[k].op, "n", 2, (const char *const[]) { "x", "v" });
      g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
      if (nn_graph_run (g, (const nn_array *const[]) { x, v }, &y, NULL, &err)
          != cases[k].status)
        g_error ("%s case %u: %s", cases[k].op, k, err.message);
      assert_message (&err, "node 'n'", cases[k].op);
      g_assert_null (y);
      nn_array_free (x);
      nn_array_free (v);
      nn_graph_free (g);
    }
}

/* Cast where numpy is undefined: NaN and out-of-range floats saturate */
static void
test_cast_saturate (void)
{
  static const float in[] = { NAN, 1e10f, -1e10f, 1e30f, -1e30f, INFINITY, -2.9f, 2.9f };
  static const int32_t want32[] = { 0, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN,
                                    INT32_MAX, -2, 2 };
  static const int64_t want64[] = { 0, 10000000000, -10000000000, INT64_MAX, INT64_MIN,
                                    INT64_MAX, -2, 2 };
  int64_t n = G_N_ELEMENTS (in);

  for (int k = 0; k < 2; k++)
    {
      nn_graph *g = nn_graph_new ();
      nn_array *x = nn_array_new_f32 (1, &n, NULL), *y = NULL;
      nn_error err;

      memcpy (x->data, in, sizeof in);
      add_input (g, "x", 1, &n);
      g_assert_cmpint (nn_graph_set_attr_int (g, op_node (g, "Cast", "c", 1, ONE ("x")), "to",
                                              k == 0 ? 6 : 7, &err), ==, NN_OK);
      g_assert_cmpint (nn_graph_run (g, (const nn_array *const[]) { x }, &y, NULL, &err), ==,
                       NN_OK);
      for (int64_t i = 0; i < n; i++)
        g_assert_cmpint (nn_array_get_i64 (y, i), ==, k == 0 ? want32[i] : want64[i]);
      nn_array_free (x);
      nn_array_free (y);
      nn_graph_free (g);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/graph/table", test_table);
  g_test_add_func ("/graph/validate/cycle", test_cycle);
  g_test_add_func ("/graph/validate/dangling", test_dangling);
  g_test_add_func ("/graph/validate/duplicates", test_duplicates);
  g_test_add_func ("/graph/validate/counts", test_counts);
  g_test_add_func ("/graph/attrs", test_attrs);
  g_test_add_func ("/graph/infer/errors", test_infer_errors);
  g_test_add_func ("/graph/infer/symbolic-batch", test_symbolic_batch);
  g_test_add_func ("/graph/run/buffer-reuse", test_buffer_reuse);
  g_test_add_func ("/graph/run/fan-out-in", test_fan_out_in);
  g_test_add_func ("/graph/run/errors", test_run_errors);
  g_test_add_func ("/graph/budget", test_budget);
  g_test_add_func ("/graph/broadcast", test_broadcast);
  g_test_add_func ("/graph/infer/errors/logic", test_infer_errors_logic);
  g_test_add_func ("/graph/infer/errors/arith", test_infer_errors_arith);
  g_test_add_func ("/graph/infer/errors/generate", test_infer_errors_generate);
  g_test_add_func ("/graph/run/cast-saturate", test_cast_saturate);
  g_test_add_func ("/graph/infer/errors/table", test_infer_errors_table);
  g_test_add_func ("/graph/run/absurd-sizes", test_run_absurd_sizes);
  g_test_add_func ("/graph/infer/errors/select", test_infer_errors_select);
  g_test_add_func ("/graph/infer/errors/misc", test_infer_errors_misc);
  g_test_add_func ("/graph/infer/errors/reduce", test_infer_errors_reduce);
  g_test_add_func ("/graph/infer/errors/resize", test_infer_errors_resize);
  g_test_add_func ("/graph/infer/errors/conv-transpose", test_infer_errors_conv_transpose);
  g_test_add_func ("/graph/infer/errors/pad-scatter-norm", test_infer_errors_pad_scatter_norm);
  return g_test_run ();
}
