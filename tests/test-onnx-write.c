/* test-onnx-write.c - graphs saved as ONNX (src/engine/io/onnx-write.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small residual network built by hand is saved, and the file is read back with the
 * checked reader (onnx-file.c, itself tested against onnx.numpy_helper): the model's
 * header, nodes in topological order with their attributes, weights byte for byte
 * (raw_data and external data), value types with the symbolic batch, atomic saves.
 * With LAYERLAB_ONNX_WRITE_DIR set, /onnx-write/sample leaves the files there with an
 * input and the engine's output as .npy, which tests/reference/check-onnx-write.py
 * checks with onnx.checker and PyTorch (and ONNX Runtime where it is installed).
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn-graph.h"
#include "nn.h"
#include "onnx-file.h"

#define ONE(s) ((const char *const[]) { s })

static void
ok (nn_status st, const nn_error *err)
{
  if (st != NN_OK)
    g_error ("%s", err->message);
}

static nn_array *
weights (int32_t rank, const int64_t *shape, float scale)
{
  nn_error err;
  nn_array *a = nn_array_new_f32 (rank, shape, &err);
  float *d;

  g_assert_nonnull (a);
  d = a->data;
  for (int64_t i = 0; i < nn_array_numel (a); i++)
    d[i] = scale * (float) ((i * 37) % 23 - 11) / 11.0f;
  return a;
}

/* x[N,3,8,8] -> conv(3x3, pad 1) -> relu -> conv -> add(relu) -> pool -> flatten -> gemm
 * -> y[N,10]; added out of order, so the writer must sort them. */
static nn_graph *
residual_graph (void)
{
  nn_graph *g = nn_graph_new ();
  nn_type x = { .dtype = NN_DTYPE_FLOAT32, .rank = 4, .shape = { NN_DIM_SYMBOLIC, 3, 8, 8 } };
  const int64_t w1[] = { 4, 3, 3, 3 }, w2[] = { 4, 4, 3, 3 }, b[] = { 4 };
  const int64_t fw[] = { 10, 4 }, fb[] = { 10 }, pads[] = { 1, 1, 1, 1 };
  int n1, n2;
  nn_error err;

  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  ok (nn_graph_add_initializer (g, "conv1.weight", weights (4, w1, 0.5f), &err), &err);
  ok (nn_graph_add_initializer (g, "conv1.bias", weights (1, b, 0.1f), &err), &err);
  ok (nn_graph_add_initializer (g, "conv2.weight", weights (4, w2, 0.3f), &err), &err);
  ok (nn_graph_add_initializer (g, "fc.weight", weights (2, fw, 0.2f), &err), &err);
  ok (nn_graph_add_initializer (g, "fc.bias", weights (1, fb, 0.1f), &err), &err);
  ok (nn_graph_add_node (g, "Gemm", "/fc/Gemm", "fc", 3,
                         (const char *const[]) { "flat", "fc.weight", "fc.bias" }, 1, ONE ("y"),
                         &n1, &err), &err);
  ok (nn_graph_set_attr_int (g, n1, "transB", 1, &err), &err);
  ok (nn_graph_add_node (g, "Flatten", "/Flatten", NULL, 1, ONE ("pooled"), 1, ONE ("flat"),
                         NULL, &err), &err);
  ok (nn_graph_add_node (g, "GlobalAveragePool", "/pool/GlobalAveragePool", "pool", 1,
                         ONE ("sum"), 1, ONE ("pooled"), NULL, &err), &err);
  ok (nn_graph_add_node (g, "Add", "/Add", NULL, 2, (const char *const[]) { "r1", "c2" }, 1,
                         ONE ("sum"), NULL, &err), &err);
  ok (nn_graph_add_node (g, "Conv", "/conv2/Conv", "conv2", 3,
                         (const char *const[]) { "r1", "conv2.weight", "" }, 1, ONE ("c2"),
                         &n2, &err), &err);
  ok (nn_graph_set_attr_ints (g, n2, "pads", 4, pads, &err), &err);
  ok (nn_graph_add_node (g, "Relu", "/relu/Relu", "relu", 1, ONE ("c1"), 1, ONE ("r1"), NULL,
                         &err), &err);
  ok (nn_graph_add_node (g, "Conv", "/conv1/Conv", "conv1", 3,
                         (const char *const[]) { "x", "conv1.weight", "conv1.bias" }, 1,
                         ONE ("c1"), &n1, &err), &err);
  ok (nn_graph_set_attr_ints (g, n1, "pads", 4, pads, &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  ok (nn_graph_infer (g, &err), &err);
  return g;
}

static nn_array *
ints (int n, const int64_t *v)
{
  nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 1, .shape = { n } };
  nn_error err;
  nn_array *a = nn_array_new (&t, &err);

  g_assert_nonnull (a);
  memcpy (a->data, v, (size_t) n * sizeof *v);
  return a;
}

/* Operators whose form changed between opsets, in their latest forms:
 * x[N,7,4] -> Clip(max only) -> Unsqueeze(1) -> Squeeze(1) -> Split(axis 1, 4 outputs:
 * 2,2,2,1) -> ReduceMean(axes input [2], keepdims 0) -> Softmax(axis -1). */
static nn_graph *
lowering_graph (void)
{
  nn_graph *g = nn_graph_new ();
  nn_type x = { .dtype = NN_DTYPE_FLOAT32, .rank = 3, .shape = { NN_DIM_SYMBOLIC, 7, 4 } };
  nn_type scalar = { .dtype = NN_DTYPE_FLOAT32 };
  nn_array *six;
  const int64_t one[] = { 1 }, two[] = { 2 };
  int k;
  nn_error err;

  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  six = nn_array_new (&scalar, &err);
  *(float *) six->data = 6.0f;
  ok (nn_graph_add_initializer (g, "six", six, &err), &err);
  ok (nn_graph_add_initializer (g, "axis1", ints (1, one), &err), &err);
  ok (nn_graph_add_initializer (g, "axis2", ints (1, two), &err), &err);
  ok (nn_graph_add_node (g, "Clip", "clip", NULL, 3, (const char *const[]) { "x", "", "six" },
                         1, ONE ("c"), NULL, &err), &err);
  ok (nn_graph_add_node (g, "Unsqueeze", "unsqueeze", NULL, 2,
                         (const char *const[]) { "c", "axis1" }, 1, ONE ("u"), NULL, &err), &err);
  ok (nn_graph_add_node (g, "Squeeze", "squeeze", NULL, 2,
                         (const char *const[]) { "u", "axis1" }, 1, ONE ("s"), NULL, &err), &err);
  ok (nn_graph_add_node (g, "Split", "split", NULL, 1, ONE ("s"), 4,
                         (const char *const[]) { "p0", "p1", "p2", "p3" }, &k, &err), &err);
  ok (nn_graph_set_attr_int (g, k, "axis", 1, &err), &err);
  ok (nn_graph_set_attr_int (g, k, "num_outputs", 4, &err), &err);
  ok (nn_graph_add_node (g, "ReduceMean", "mean", NULL, 2,
                         (const char *const[]) { "p0", "axis2" }, 1, ONE ("m"), &k, &err), &err);
  ok (nn_graph_set_attr_int (g, k, "keepdims", 0, &err), &err);
  ok (nn_graph_add_node (g, "Softmax", "softmax", NULL, 1, ONE ("m"), 1, ONE ("y"), NULL,
                         &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  for (int i = 1; i < 4; i++)
    {
      char name[4];

      snprintf (name, sizeof name, "p%d", i);
      ok (nn_graph_add_output (g, name, &err), &err);
    }
  ok (nn_graph_infer (g, &err), &err);
  return g;
}

static char *
temp_dir (void)
{
  char *dir = g_dir_make_tmp ("layerlab-onnx-write-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return dir;
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
}

static const Onnx__TensorProto *
find_initializer (const Onnx__GraphProto *g, const char *name)
{
  for (size_t i = 0; i < g->n_initializer; i++)
    if (strcmp (g->initializer[i]->name, name) == 0)
      return g->initializer[i];
  return NULL;
}

static const Onnx__AttributeProto *
find_attr (const Onnx__NodeProto *n, const char *name)
{
  for (size_t i = 0; i < n->n_attribute; i++)
    if (strcmp (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

/* What was written reads back as the graph: header, nodes, weights, types. */
static void
assert_file_is_graph (const char *path, nn_graph *g, bool external)
{
  nn_onnx_file *file = NULL;
  nn_error err;
  const Onnx__GraphProto *gp;
  const char *order[] = { "/conv1/Conv", "/relu/Relu", "/conv2/Conv", "/Add",
                          "/pool/GlobalAveragePool", "/Flatten", "/fc/Gemm" };
  const char *weights_names[] = { "conv1.weight", "conv1.bias", "conv2.weight", "fc.weight",
                                  "fc.bias" };
  const Onnx__TypeProto__Tensor *tt;

  ok (nn_onnx_file_open (path, &file, &err), &err);
  g_assert_cmpint (file->opset, ==, 17);
  g_assert_cmpint (file->model->ir_version, ==, 8);
  g_assert_cmpstr (file->model->producer_name, ==, "Layerlab");
  gp = file->model->graph;

  /* nodes in topological order, inputs and attributes as given */
  g_assert_cmpuint (gp->n_node, ==, G_N_ELEMENTS (order));
  for (size_t i = 0; i < G_N_ELEMENTS (order); i++)
    g_assert_cmpstr (gp->node[i]->name, ==, order[i]);
  g_assert_cmpstr (gp->node[2]->op_type, ==, "Conv");
  g_assert_cmpuint (gp->node[2]->n_input, ==, 2);     /* the omitted bias left out */
  g_assert_cmpuint (find_attr (gp->node[2], "pads")->n_ints, ==, 4);
  g_assert_null (find_attr (gp->node[2], "strides"));   /* defaults stay implicit */
  g_assert_cmpint (find_attr (gp->node[6], "transB")->i, ==, 1);
  g_assert_cmpint (find_attr (gp->node[6], "transB")->type, ==,
                   ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  /* weights byte for byte, wherever they are */
  g_assert_cmpuint (gp->n_initializer, ==, G_N_ELEMENTS (weights_names));
  for (size_t i = 0; i < G_N_ELEMENTS (weights_names); i++)
    {
      const Onnx__TensorProto *t = find_initializer (gp, weights_names[i]);
      const nn_array *want;
      g_autofree float *got = NULL;
      size_t bytes;

      g_assert_nonnull (t);
      g_assert_cmpint (t->data_type, ==, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
      bytes = (size_t) nn_onnx_tensor_numel (t) * 4;
      got = g_malloc (bytes);
      ok (nn_onnx_tensor_read (file, t, got, bytes, &err), &err);
      want = nn_graph_initializer (g, weights_names[i]);
      g_assert_nonnull (want);
      g_assert_cmpmem (got, bytes, want->data, nn_array_bytes (want));
      if (external && bytes >= 1024)
        {
          g_assert_cmpint (t->data_location, ==, ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL);
          g_assert_cmpuint (t->n_external_data, ==, 3);
          g_assert_cmpstr (t->external_data[0]->value, ==, "model.onnx.data");
          g_assert_cmpint (g_ascii_strtoll (t->external_data[1]->value, NULL, 10) % 4096, ==, 0);
        }
      else
        g_assert_true (t->has_raw_data);
    }

  /* the input's symbolic batch, the output's inferred type, shapes in value_info */
  g_assert_cmpuint (gp->n_input, ==, 1);
  tt = gp->input[0]->type->tensor_type;
  g_assert_cmpuint (tt->shape->n_dim, ==, 4);
  g_assert_cmpstr (tt->shape->dim[0]->dim_param, ==, "N");
  g_assert_cmpint (tt->shape->dim[1]->dim_value, ==, 3);
  g_assert_cmpuint (gp->n_output, ==, 1);
  tt = gp->output[0]->type->tensor_type;
  g_assert_cmpint (tt->elem_type, ==, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
  g_assert_cmpuint (tt->shape->n_dim, ==, 2);
  g_assert_cmpint (tt->shape->dim[1]->dim_value, ==, 10);
  g_assert_cmpuint (gp->n_value_info, ==, 6);   /* c1 r1 c2 sum pooled flat */
  for (size_t i = 0; i < gp->n_value_info; i++)
    if (strcmp (gp->value_info[i]->name, "pooled") == 0)
      {
        tt = gp->value_info[i]->type->tensor_type;
        g_assert_cmpuint (tt->shape->n_dim, ==, 4);
        g_assert_cmpint (tt->shape->dim[1]->dim_value, ==, 4);
        g_assert_cmpint (tt->shape->dim[2]->dim_value, ==, 1);
      }
  nn_onnx_file_free (file);
}

static void
test_inline (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  nn_graph *g = residual_graph ();
  nn_error err;

  ok (nn_graph_save_onnx (g, path, NULL, &err), &err);
  assert_file_is_graph (path, g, false);
  nn_graph_free (g);
  remove_dir (dir);
}

static void
test_external (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *data = g_build_filename (dir, "model.onnx.data", NULL);
  nn_onnx_save_opts opts = { .external_data = true };
  nn_graph *g = residual_graph ();
  nn_error err;

  ok (nn_graph_save_onnx (g, path, &opts, &err), &err);
  g_assert_true (g_file_test (data, G_FILE_TEST_IS_REGULAR));
  assert_file_is_graph (path, g, true);
  nn_graph_free (g);
  remove_dir (dir);
}

static const Onnx__NodeProto *
find_node (const Onnx__GraphProto *g, const char *name)
{
  for (size_t i = 0; i < g->n_node; i++)
    if (strcmp (g->node[i]->name, name) == 0)
      return g->node[i];
  g_error ("no node '%s'", name);
}

static void
assert_ints (const Onnx__AttributeProto *a, int n, const int64_t *want)
{
  g_assert_nonnull (a);
  g_assert_cmpint (a->type, ==, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  g_assert_cmpmem (a->ints, a->n_ints * sizeof (int64_t), want, (size_t) n * sizeof (int64_t));
}

/* Each opset gets its own form of Clip, Squeeze, Unsqueeze, Split, ReduceMean and
 * Softmax (the interop check runs onnx.checker on the same files). */
static void
test_older_opsets (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "lowered.onnx", NULL);
  const int64_t one[] = { 1 }, two[] = { 2 }, sizes[] = { 2, 2, 2, 1 };
  nn_graph *g = lowering_graph ();
  nn_onnx_file *file;
  const Onnx__GraphProto *gp;
  const Onnx__NodeProto *n;
  nn_error err;

  /* opset 17: Clip, Squeeze, Unsqueeze take inputs; Split's unequal parts become a
   * sizes input (num_outputs is opset 18); ReduceMean's axes an attribute */
  ok (nn_graph_save_onnx (g, path, &(nn_onnx_save_opts) { .opset = 17 }, &err), &err);
  ok (nn_onnx_file_open (path, &file, &err), &err);
  gp = file->model->graph;
  n = find_node (gp, "clip");
  g_assert_cmpuint (n->n_input, ==, 3);
  g_assert_cmpstr (n->input[1], ==, "");
  n = find_node (gp, "split");
  g_assert_null (find_attr (n, "num_outputs"));
  g_assert_cmpuint (n->n_input, ==, 2);
  {
    const Onnx__TensorProto *t = find_initializer (gp, n->input[1]);
    int64_t got[4];

    g_assert_nonnull (t);
    ok (nn_onnx_tensor_read (file, t, got, sizeof got, &err), &err);
    g_assert_cmpmem (got, sizeof got, sizes, sizeof sizes);
  }
  n = find_node (gp, "mean");
  g_assert_cmpuint (n->n_input, ==, 1);
  assert_ints (find_attr (n, "axes"), 1, two);
  g_assert_cmpint (find_attr (n, "keepdims")->i, ==, 0);
  nn_onnx_file_free (file);

  /* opset 11: axes and split sizes as attributes, Softmax's axis the last, explicitly */
  ok (nn_graph_save_onnx (g, path, &(nn_onnx_save_opts) { .opset = 11 }, &err), &err);
  ok (nn_onnx_file_open (path, &file, &err), &err);
  gp = file->model->graph;
  g_assert_cmpint (file->model->ir_version, ==, 6);
  g_assert_cmpuint (find_node (gp, "clip")->n_input, ==, 3);
  n = find_node (gp, "unsqueeze");
  g_assert_cmpuint (n->n_input, ==, 1);
  assert_ints (find_attr (n, "axes"), 1, one);
  assert_ints (find_attr (find_node (gp, "squeeze"), "axes"), 1, one);
  n = find_node (gp, "split");
  g_assert_cmpuint (n->n_input, ==, 1);
  assert_ints (find_attr (n, "split"), 4, sizes);
  g_assert_cmpint (find_attr (find_node (gp, "softmax"), "axis")->i, ==, 1);
  nn_onnx_file_free (file);

  /* opset 7: Clip's max an attribute, no min */
  ok (nn_graph_save_onnx (g, path, &(nn_onnx_save_opts) { .opset = 7 }, &err), &err);
  ok (nn_onnx_file_open (path, &file, &err), &err);
  n = find_node (file->model->graph, "clip");
  g_assert_cmpuint (n->n_input, ==, 1);
  g_assert_null (find_attr (n, "min"));
  g_assert_cmpfloat (find_attr (n, "max")->f, ==, 6.0f);
  nn_onnx_file_free (file);
  nn_graph_free (g);
  remove_dir (dir);
}

/* An operator or a form an older opset lacks is refused, naming the node. */
static void
test_opset_refusals (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "new.onnx", NULL);
  nn_graph *g = nn_graph_new ();
  nn_type x = { .dtype = NN_DTYPE_FLOAT32, .rank = 2, .shape = { 2, 3 } };
  nn_error err;

  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  ok (nn_graph_add_node (g, "HardSwish", "/act/HardSwish", NULL, 1, ONE ("x"), 1, ONE ("h"),
                         NULL, &err), &err);
  ok (nn_graph_add_node (g, "Softmax", "/softmax", NULL, 1, ONE ("h"), 1, ONE ("y"), NULL,
                         &err), &err);
  ok (nn_graph_set_attr_int (g, 1, "axis", 0, &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  g_assert_cmpint (nn_graph_save_onnx (g, path, &(nn_onnx_save_opts) { .opset = 13 }, &err),
                   ==, NN_STATUS_UNSUPPORTED);
  g_assert_nonnull (strstr (err.message, "node '/act/HardSwish' (HardSwish) needs opset 14"));
  ok (nn_graph_save_onnx (g, path, &(nn_onnx_save_opts) { .opset = 14 }, &err), &err);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  nn_graph_free (g);
  remove_dir (dir);
}

/* A save that cannot happen leaves the old file as it was; a graph that is not valid is
 * not written; an opset outside 7-17 is refused. */
static void
test_refusals (void)
{
  g_autofree char *dir = temp_dir ();
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "model.onnx", NULL);
  g_autofree char *before = NULL, *after = NULL;
  gsize n_before, n_after;
  nn_onnx_save_opts opts = { .opset = 18 };
  nn_graph *g = residual_graph ();
  nn_error err;

  ok (nn_graph_save_onnx (g, path, NULL, &err), &err);
  g_assert_true (g_file_get_contents (path, &before, &n_before, NULL));

  g_assert_cmpint (nn_graph_save_onnx (g, path, &opts, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "opset 18"));
  g_assert_cmpint (nn_graph_save_onnx (g, missing, NULL, &err), ==, NN_STATUS_IO);
  g_assert_true (g_str_has_prefix (err.message, missing));

  ok (nn_graph_add_node (g, "Relu", "/dangling", NULL, 1, ONE ("nobody"), 1, ONE ("z"), NULL,
                         &err), &err);
  g_assert_cmpint (nn_graph_save_onnx (g, path, NULL, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "'/dangling'"));
  g_assert_true (g_str_has_prefix (err.message, path));

  g_assert_true (g_file_get_contents (path, &after, &n_after, NULL));
  g_assert_cmpmem (before, n_before, after, n_after);
  nn_graph_free (g);
  remove_dir (dir);
}

static void
save_npy (const char *dir, const char *name, const nn_array *a)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  nn_error err;
  nn_tensor *t = nn_tensor_new (a->type.rank, a->type.shape, &err);

  g_assert_nonnull (t);
  memcpy (t->data, a->data, nn_array_bytes (a));
  ok (nn_npy_write (path, t, &err), &err);
  nn_tensor_free (t);
}

/* The files for the interop check: the model inline and with external data, an input
 * of batch 2 and what the engine computes for it. */
static void
test_sample (void)
{
  const char *dir = g_getenv ("LAYERLAB_ONNX_WRITE_DIR");
  g_autofree char *inline_path = NULL, *ext_dir = NULL, *ext_path = NULL;
  const int64_t shape[] = { 2, 3, 8, 8 };
  nn_onnx_save_opts opts = { .external_data = true };
  nn_graph *g;
  nn_array *x, *y = NULL;
  nn_error err;

  if (dir == NULL)
    {
      g_test_skip ("LAYERLAB_ONNX_WRITE_DIR is not set (the interop suite sets it)");
      return;
    }
  g = residual_graph ();
  inline_path = g_build_filename (dir, "residual.onnx", NULL);
  ext_dir = g_build_filename (dir, "external", NULL);
  ext_path = g_build_filename (ext_dir, "residual.onnx", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ext_dir, 0755), ==, 0);
  ok (nn_graph_save_onnx (g, inline_path, NULL, &err), &err);
  ok (nn_graph_save_onnx (g, ext_path, &opts, &err), &err);
  nn_graph_free (g);
  g = lowering_graph ();
  for (int64_t opset = 7; opset <= 17; opset++)
    {
      g_autofree char *name = g_strdup_printf ("lowered-%d.onnx", (int) opset);
      g_autofree char *p = g_build_filename (dir, name, NULL);

      ok (nn_graph_save_onnx (g, p, &(nn_onnx_save_opts) { .opset = opset }, &err), &err);
    }
  nn_graph_free (g);
  g = residual_graph ();
  x = weights (4, shape, 1.0f);
  ok (nn_graph_run (g, (const nn_array *const[]) { x }, &y, NULL, &err), &err);
  save_npy (dir, "x.npy", x);
  save_npy (dir, "y.npy", y);
  nn_array_free (x);
  nn_array_free (y);
  nn_graph_free (g);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onnx-write/inline", test_inline);
  g_test_add_func ("/onnx-write/external", test_external);
  g_test_add_func ("/onnx-write/refusals", test_refusals);
  g_test_add_func ("/onnx-write/older-opsets", test_older_opsets);
  g_test_add_func ("/onnx-write/opset-refusals", test_opset_refusals);
  g_test_add_func ("/onnx-write/sample", test_sample);
  return g_test_run ();
}
