/* test-onnx-import.c - ONNX to graph (src/engine/io/onnx-import.c) and constant folding
 * (src/engine/graph/fold.c), without Python
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Models are built here as protobuf-c structs and packed, so each test says exactly what
 * the file holds: the older opsets' forms the importer rewrites (checked by running
 * them against numbers computed in plain C), the one message for unsupported operators,
 * and hostile but well-formed graphs (dangling reads, cycles, duplicate outputs, too
 * many inputs) whose messages must name the node. Exported torchvision models are
 * compared with PyTorch in tests/reference/check-onnx.py.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "nn-graph.h"
#include "onnx-file.h"

/* ---------------------------------------------------------------- building models */

typedef struct mb {
  GPtrArray *mem;                 /* everything allocated, freed by mb_free */
  Onnx__ModelProto model;
  Onnx__GraphProto graph;
  GPtrArray *nodes, *inputs, *outputs, *inits, *opsets;
} mb;

static void *
keep (mb *b, void *p)
{
  g_ptr_array_add (b->mem, p);
  return p;
}

static char *
kstr (mb *b, const char *s)
{
  return keep (b, g_strdup (s));
}

/* a copy of n bytes at p, one more allocated (so that n may be 0) */
static void *
kdup (mb *b, const void *p, size_t n)
{
  void *q = g_malloc0 (n + 1);

  if (n > 0)
    memcpy (q, p, n);
  return keep (b, q);
}

static mb *
mb_new (int64_t opset)
{
  mb *b = g_new0 (mb, 1);
  Onnx__OperatorSetIdProto *op;

  b->mem = g_ptr_array_new_with_free_func (g_free);
  onnx__model_proto__init (&b->model);
  onnx__graph_proto__init (&b->graph);
  b->nodes = g_ptr_array_new ();
  b->inputs = g_ptr_array_new ();
  b->outputs = g_ptr_array_new ();
  b->inits = g_ptr_array_new ();
  b->opsets = g_ptr_array_new ();
  b->model.has_ir_version = true;
  b->model.ir_version = 7;
  b->model.producer_name = kstr (b, "test-onnx-import");
  b->model.producer_version = kstr (b, "1.0");
  b->graph.name = kstr (b, "g");
  op = keep (b, g_new0 (Onnx__OperatorSetIdProto, 1));
  onnx__operator_set_id_proto__init (op);
  op->domain = kstr (b, "");
  op->has_version = true;
  op->version = opset;
  g_ptr_array_add (b->opsets, op);
  return b;
}

static void
mb_free (mb *b)
{
  g_ptr_array_unref (b->mem);
  g_ptr_array_unref (b->nodes);
  g_ptr_array_unref (b->inputs);
  g_ptr_array_unref (b->outputs);
  g_ptr_array_unref (b->inits);
  g_ptr_array_unref (b->opsets);
  g_free (b);
}

static Onnx__ValueInfoProto *
value_info (mb *b, const char *name, int rank, const int64_t *dims)
{
  Onnx__ValueInfoProto *vi = keep (b, g_new0 (Onnx__ValueInfoProto, 1));
  Onnx__TypeProto *tp = keep (b, g_new0 (Onnx__TypeProto, 1));
  Onnx__TypeProto__Tensor *tt = keep (b, g_new0 (Onnx__TypeProto__Tensor, 1));
  Onnx__TensorShapeProto *sp = keep (b, g_new0 (Onnx__TensorShapeProto, 1));
  Onnx__TensorShapeProto__Dimension **d = keep (b, g_new0 (Onnx__TensorShapeProto__Dimension *, rank + 1));

  onnx__value_info_proto__init (vi);
  onnx__type_proto__init (tp);
  onnx__type_proto__tensor__init (tt);
  onnx__tensor_shape_proto__init (sp);
  for (int i = 0; i < rank; i++)
    {
      d[i] = keep (b, g_new0 (Onnx__TensorShapeProto__Dimension, 1));
      onnx__tensor_shape_proto__dimension__init (d[i]);
      if (dims[i] < 0)
        {
          d[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
          d[i]->dim_param = kstr (b, "batch");
        }
      else
        {
          d[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
          d[i]->dim_value = dims[i];
        }
    }
  sp->n_dim = (size_t) rank;
  sp->dim = d;
  tt->has_elem_type = true;
  tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tt->shape = sp;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->name = kstr (b, name);
  vi->type = tp;
  return vi;
}

static void
mb_input (mb *b, const char *name, int rank, const int64_t *dims)
{
  g_ptr_array_add (b->inputs, value_info (b, name, rank, dims));
}

static void
mb_output (mb *b, const char *name)
{
  Onnx__ValueInfoProto *vi = keep (b, g_new0 (Onnx__ValueInfoProto, 1));

  onnx__value_info_proto__init (vi);
  vi->name = kstr (b, name);
  g_ptr_array_add (b->outputs, vi);
}

static Onnx__TensorProto *
tensor (mb *b, const char *name, int32_t type, int rank, const int64_t *dims, const void *raw,
        size_t bytes)
{
  Onnx__TensorProto *t = keep (b, g_new0 (Onnx__TensorProto, 1));

  onnx__tensor_proto__init (t);
  t->name = kstr (b, name);
  t->has_data_type = true;
  t->data_type = type;
  t->n_dims = (size_t) rank;
  t->dims = kdup (b, dims, (size_t) rank * sizeof *dims);
  t->has_raw_data = true;
  t->raw_data.len = bytes;
  t->raw_data.data = kdup (b, raw, bytes);
  return t;
}

static void
mb_init (mb *b, const char *name, int32_t type, int rank, const int64_t *dims,
         const void *raw, size_t bytes)
{
  g_ptr_array_add (b->inits, tensor (b, name, type, rank, dims, raw, bytes));
}

/* a node; inputs and outputs are space-separated ("x  w" has an omitted middle one:
 * use "-" for an empty name) */
static Onnx__NodeProto *
mb_node (mb *b, const char *op, const char *name, const char *inputs, const char *outputs)
{
  Onnx__NodeProto *n = keep (b, g_new0 (Onnx__NodeProto, 1));
  char **in = g_strsplit (inputs, " ", -1), **out = g_strsplit (outputs, " ", -1);

  onnx__node_proto__init (n);
  n->op_type = kstr (b, op);
  n->name = kstr (b, name);
  n->n_input = inputs[0] ? g_strv_length (in) : 0;
  n->input = keep (b, g_new0 (char *, n->n_input + 1));
  for (size_t i = 0; i < n->n_input; i++)
    n->input[i] = kstr (b, strcmp (in[i], "-") == 0 ? "" : in[i]);
  n->n_output = g_strv_length (out);
  n->output = keep (b, g_new0 (char *, n->n_output + 1));
  for (size_t i = 0; i < n->n_output; i++)
    n->output[i] = kstr (b, strcmp (out[i], "-") == 0 ? "" : out[i]);
  n->attribute = keep (b, g_new0 (Onnx__AttributeProto *, 8));
  g_strfreev (in);
  g_strfreev (out);
  g_ptr_array_add (b->nodes, n);
  return n;
}

static Onnx__AttributeProto *
attr (mb *b, Onnx__NodeProto *n, const char *name, Onnx__AttributeProto__AttributeType type)
{
  Onnx__AttributeProto *a = keep (b, g_new0 (Onnx__AttributeProto, 1));

  onnx__attribute_proto__init (a);
  a->name = kstr (b, name);
  a->has_type = true;
  a->type = type;
  g_assert_cmpuint (n->n_attribute, <, 8);
  n->attribute[n->n_attribute++] = a;
  return a;
}

static void
attr_i (mb *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
  Onnx__AttributeProto *a = attr (b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);

  a->has_i = true;
  a->i = v;
}

static void
attr_f (mb *b, Onnx__NodeProto *n, const char *name, float v)
{
  Onnx__AttributeProto *a = attr (b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);

  a->has_f = true;
  a->f = v;
}

static void
attr_ints (mb *b, Onnx__NodeProto *n, const char *name, int count, const int64_t *v)
{
  Onnx__AttributeProto *a = attr (b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);

  a->n_ints = (size_t) count;
  a->ints = kdup (b, v, (size_t) count * sizeof *v);
}

#define PTRS(arr, type) ((type **) (arr)->pdata)

/* packs the model and imports it; returns the status, *out the graph on success */
static nn_status
mb_import (mb *b, nn_graph **out, nn_error *err)
{
  size_t size;
  guint8 *bytes;
  nn_status s;

  b->graph.n_node = b->nodes->len;
  b->graph.node = PTRS (b->nodes, Onnx__NodeProto);
  b->graph.n_input = b->inputs->len;
  b->graph.input = PTRS (b->inputs, Onnx__ValueInfoProto);
  b->graph.n_output = b->outputs->len;
  b->graph.output = PTRS (b->outputs, Onnx__ValueInfoProto);
  b->graph.n_initializer = b->inits->len;
  b->graph.initializer = PTRS (b->inits, Onnx__TensorProto);
  b->model.n_opset_import = b->opsets->len;
  b->model.opset_import = PTRS (b->opsets, Onnx__OperatorSetIdProto);
  b->model.graph = &b->graph;
  size = onnx__model_proto__get_packed_size (&b->model);
  bytes = g_malloc (size + 1);
  onnx__model_proto__pack (&b->model, bytes);
  s = nn_graph_open_onnx_bytes (bytes, size, "m.onnx", out, err);
  g_free (bytes);
  return s;
}

static nn_graph *
import_ok (mb *b)
{
  nn_graph *g = NULL;
  nn_error err = { 0 };

  if (mb_import (b, &g, &err) != NN_OK)
    g_error ("%s", err.message);
  return g;
}

static void
import_fails (mb *b, nn_status status, const char *a, const char *c)
{
  nn_graph *g = NULL;
  nn_error err = { 0 };

  g_assert_cmpint (mb_import (b, &g, &err), ==, status);
  g_assert_null (g);
  g_assert_true (g_str_has_prefix (err.message, "m.onnx: "));
  g_assert_null (strstr (err.message + 8, "m.onnx"));   /* the path once */
  if (strstr (err.message, a) == NULL || (c != NULL && strstr (err.message, c) == NULL))
    g_error ("message \"%s\" lacks \"%s\" or \"%s\"", err.message, a, c ? c : "");
}

/* runs a one-input graph on x (float32 of type shape); returns its first output */
static nn_array *
run1 (nn_graph *g, int32_t rank, const int64_t *shape, const float *x)
{
  nn_array *in = nn_array_new_f32 (rank, shape, NULL), *out[4] = { NULL };
  const nn_array *ins[1] = { in };
  nn_error err = { 0 };

  g_assert_cmpint (nn_graph_n_outputs (g), <=, 4);
  memcpy (in->data, x, nn_array_bytes (in));
  if (nn_graph_run (g, ins, out, NULL, &err) != NN_OK)
    g_error ("%s", err.message);
  nn_array_free (in);
  for (int i = 1; i < 4; i++)
    nn_array_free (out[i]);
  return out[0];
}

/* ---------------------------------------------------------------- tests */

static void
test_scope (void)
{
  char buf[64];

  g_assert_cmpstr (nn_scope_from_node_name ("/layer1/layer1.0/conv1/Conv", buf, sizeof buf),
                   ==, "layer1.0.conv1");
  g_assert_cmpstr (nn_scope_from_node_name ("/features/features.0/features.0.0/Conv", buf,
                                            sizeof buf), ==, "features.0.0");
  g_assert_cmpstr (nn_scope_from_node_name ("/fc/Gemm", buf, sizeof buf), ==, "fc");
  g_assert_cmpstr (nn_scope_from_node_name ("/Flatten", buf, sizeof buf), ==, "");
  g_assert_cmpstr (nn_scope_from_node_name ("Conv_12", buf, sizeof buf), ==, "");
  g_assert_cmpstr (nn_scope_from_node_name ("", buf, sizeof buf), ==, "");
  g_assert_cmpstr (nn_scope_from_node_name ("/a/b/c/Relu", buf, 4), ==, "a.b");
}

static void
test_model_info (void)
{
  mb *b = mb_new (13);
  int64_t shape[2] = { -1, 3 };
  Onnx__StringStringEntryProto kv, *kvs[1] = { &kv };
  nn_graph *g;
  const char *k, *v;
  const nn_type *t;
  nn_error err;

  onnx__string_string_entry_proto__init (&kv);
  kv.key = (char *) "author";
  kv.value = (char *) "me";
  b->model.n_metadata_props = 1;
  b->model.metadata_props = kvs;
  b->model.doc_string = (char *) "a model";
  b->model.has_model_version = true;
  b->model.model_version = 5;
  mb_input (b, "x", 2, shape);
  mb_node (b, "Relu", "/block/act/Relu", "x", "y")->doc_string = (char *) "the relu";
  mb_output (b, "y");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_ir_version (g), ==, 7);
  g_assert_cmpint (nn_graph_model_version (g), ==, 5);
  g_assert_cmpint (nn_graph_opset_version (g, ""), ==, 13);
  g_assert_cmpstr (nn_graph_info (g, "producer_name"), ==, "test-onnx-import");
  g_assert_cmpstr (nn_graph_info (g, "producer_version"), ==, "1.0");
  g_assert_cmpstr (nn_graph_info (g, "doc_string"), ==, "a model");
  g_assert_cmpstr (nn_graph_info (g, "graph_name"), ==, "g");
  g_assert_true (nn_graph_metadata (g, 0, &k, &v));
  g_assert_cmpstr (k, ==, "author");
  g_assert_cmpstr (v, ==, "me");
  g_assert_cmpint (nn_graph_n_nodes (g), ==, 1);
  g_assert_cmpstr (nn_graph_node_name (g, 0), ==, "/block/act/Relu");
  g_assert_cmpstr (nn_graph_node_scope (g, 0), ==, "block.act");
  g_assert_cmpstr (nn_graph_node_doc (g, 0), ==, "the relu");
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  t = nn_graph_value_type (g, "x");
  g_assert_cmpint (t->shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (t->shape[1], ==, 3);
  nn_graph_free (g);
  mb_free (b);
}

/* Clip-6's min/max attributes become inputs */
static void
test_clip6 (void)
{
  mb *b = mb_new (6 + 1);
  int64_t shape[1] = { 4 };
  float x[4] = { -3, -0.5f, 0.5f, 9 };
  Onnx__NodeProto *n;
  nn_graph *g;
  nn_array *y;

  mb_input (b, "x", 1, shape);
  n = mb_node (b, "Clip", "clip", "x", "y");
  attr_f (b, n, "min", -1);
  attr_f (b, n, "max", 6);
  mb_output (b, "y");
  g = import_ok (b);
  y = run1 (g, 1, shape, x);
  g_assert_cmpfloat (((float *) y->data)[0], ==, -1);
  g_assert_cmpfloat (((float *) y->data)[1], ==, -0.5f);
  g_assert_cmpfloat (((float *) y->data)[3], ==, 6);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);
}

/* Softmax-11 on [2, 3, 4] at axis 1 is a softmax over the last 12 numbers of each row */
static void
test_softmax11 (void)
{
  int64_t shape[3] = { 2, 3, 4 };
  float x[24];

  for (int i = 0; i < 24; i++)
    x[i] = sinf ((float) i);
  for (int batch = 0; batch < 2; batch++)
    {
      mb *b = mb_new (11);
      int64_t in_shape[3] = { batch ? -1 : 2, 3, 4 };
      nn_graph *g;
      nn_array *y;

      mb_input (b, "x", 3, in_shape);
      mb_node (b, "Softmax", "sm", "x", "y");
      mb_output (b, "y");
      g = import_ok (b);
      y = run1 (g, 3, shape, x);
      g_assert_cmpint (y->type.rank, ==, 3);
      for (int r = 0; r < 2; r++)
        {
          double sum = 0, want;

          for (int i = 0; i < 12; i++)
            sum += exp (x[r * 12 + i]);
          for (int i = 0; i < 12; i++)
            {
              want = exp (x[r * 12 + i]) / sum;
              g_assert_cmpfloat (fabs (((float *) y->data)[r * 12 + i] - want), <, 1e-6);
            }
        }
      nn_array_free (y);
      nn_graph_free (g);
      mb_free (b);
    }
}

/* Squeeze-11 axes and Split-11 split as attributes; Unsqueeze-11 too */
static void
test_axes_attributes (void)
{
  mb *b = mb_new (11);
  int64_t shape[3] = { 1, 6, 1 }, ax0[1] = { 0 }, ax2[1] = { 2 }, split[2] = { 2, 4 };
  float x[6] = { 1, 2, 3, 4, 5, 6 };
  Onnx__NodeProto *n;
  nn_graph *g;
  nn_error err;
  const nn_type *t;

  mb_input (b, "x", 3, shape);
  n = mb_node (b, "Squeeze", "sq", "x", "s");
  attr_ints (b, n, "axes", 1, ax2);
  n = mb_node (b, "Split", "split", "s", "a c");
  attr_i (b, n, "axis", 1);
  attr_ints (b, n, "split", 2, split);
  n = mb_node (b, "Unsqueeze", "unsq", "c", "y");
  attr_ints (b, n, "axes", 1, ax0);
  mb_output (b, "y");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  t = nn_graph_value_type (g, "y");
  g_assert_cmpint (t->rank, ==, 3);
  g_assert_cmpint (t->shape[0], ==, 1);
  g_assert_cmpint (t->shape[1], ==, 1);
  g_assert_cmpint (t->shape[2], ==, 4);
  {
    nn_array *y = run1 (g, 3, shape, x);

    g_assert_cmpfloat (((float *) y->data)[0], ==, 3);
    g_assert_cmpfloat (((float *) y->data)[3], ==, 6);
    nn_array_free (y);
  }
  nn_graph_free (g);
  mb_free (b);
}

static void
add_bn_params (mb *b)
{
  int64_t c[1] = { 2 };
  float one[2] = { 1, 1 }, zero[2] = { 0, 0 };

  mb_init (b, "scale", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, c, one, sizeof one);
  mb_init (b, "bias", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, c, zero, sizeof zero);
  mb_init (b, "mean", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, c, zero, sizeof zero);
  mb_init (b, "var", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, c, one, sizeof one);
}

/* BatchNormalization-9 with training outputs is a training node (batch statistics,
 * as ONNX Runtime computes it): refused even when nobody reads them; from opset 14
 * unread statistics outputs are dropped; spatial of opset 7 */
static void
test_batchnorm_outputs (void)
{
  int64_t shape[2] = { -1, 2 };
  mb *b = mb_new (9);
  Onnx__NodeProto *n;
  nn_graph *g;

  mb_input (b, "x", 2, shape);
  add_bn_params (b);
  n = mb_node (b, "BatchNormalization", "bn", "x scale bias mean var", "y m v sm sv");
  attr_f (b, n, "momentum", 0.9f);
  mb_output (b, "y");
  import_fails (b, NN_STATUS_UNSUPPORTED, "node 'bn' (BatchNormalization)",
                "each batch's own statistics");
  mb_free (b);

  b = mb_new (14);
  mb_input (b, "x", 2, shape);
  add_bn_params (b);
  mb_node (b, "BatchNormalization", "bn", "x scale bias mean var", "y m v");
  mb_output (b, "y");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_node_n_outputs (g, 0), ==, 1);
  nn_graph_free (g);
  mb_free (b);

  b = mb_new (9);
  mb_input (b, "x", 2, shape);
  add_bn_params (b);
  mb_node (b, "BatchNormalization", "bn", "x scale bias mean var", "y m");
  mb_output (b, "y");
  mb_output (b, "m");
  import_fails (b, NN_STATUS_UNSUPPORTED, "node 'bn' (BatchNormalization)", "'m'");
  mb_free (b);

  b = mb_new (7);
  mb_input (b, "x", 2, shape);
  add_bn_params (b);
  n = mb_node (b, "BatchNormalization", "bn", "x scale bias mean var", "y");
  attr_i (b, n, "spatial", 0);
  mb_output (b, "y");
  import_fails (b, NN_STATUS_UNSUPPORTED, "node 'bn'", "spatial");
  mb_free (b);
}

/* Dropout-10's ratio attribute is dropped; the mask output stays */
static void
test_dropout10 (void)
{
  int64_t shape[1] = { 3 };
  float x[3] = { 1, 2, 3 };
  mb *b = mb_new (10);
  Onnx__NodeProto *n;
  nn_graph *g;
  nn_array *y;

  mb_input (b, "x", 1, shape);
  n = mb_node (b, "Dropout", "drop", "x", "y mask");
  attr_f (b, n, "ratio", 0.5f);
  mb_output (b, "y");
  g = import_ok (b);
  y = run1 (g, 1, shape, x);
  g_assert_cmpmem (y->data, sizeof x, x, sizeof x);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);
}

static void
test_unsupported (void)
{
  int64_t shape[1] = { 3 };
  mb *b = mb_new (13);
  Onnx__NodeProto *n;

  mb_input (b, "x", 1, shape);
  mb_node (b, "Foo", "/a/Foo", "x", "f1");
  mb_node (b, "Relu", "r", "f1", "r1");
  mb_node (b, "Foo", "/b/Foo", "r1", "f2");
  mb_node (b, "Foo", "", "f2", "f3");
  mb_node (b, "Foo", "/d/Foo", "f3", "f4");
  n = mb_node (b, "Bar", "bar", "f4", "y");
  n->domain = (char *) "com.microsoft";
  mb_node (b, "Loop", "loop", "y", "z");
  mb_output (b, "z");
  import_fails (b, NN_STATUS_UNSUPPORTED, "m.onnx: unsupported operators: Foo (4 nodes: "
                "/a/Foo, /b/Foo, f3, …), com.microsoft.Bar (1 node: bar), Loop (1 node: loop)",
                NULL);
  mb_free (b);
}

/* well-formed protobuf, broken graphs: the messages name the node */
static void
test_hostile (void)
{
  int64_t shape[1] = { 3 };
  mb *b = mb_new (13);

  mb_input (b, "x", 1, shape);
  mb_node (b, "Relu", "r", "nowhere", "y");
  mb_output (b, "y");
  import_fails (b, NN_STATUS_INVALID_ARG, "node 'r' (Relu) reads 'nowhere'", NULL);
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  mb_node (b, "Add", "a", "x c", "b");
  mb_node (b, "Relu", "loop1", "b", "c");
  mb_node (b, "Relu", "out", "b", "y");
  mb_output (b, "y");
  import_fails (b, NN_STATUS_INVALID_ARG, "cycle", "'loop1'");
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  mb_node (b, "Relu", "first", "x", "y");
  mb_node (b, "Sigmoid", "second", "x", "y");
  mb_output (b, "y");
  import_fails (b, NN_STATUS_INVALID_ARG, "node 'second' writes 'y'", "'first'");
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  mb_node (b, "Relu", "two", "x x", "y");
  mb_output (b, "y");
  import_fails (b, NN_STATUS_INVALID_ARG, "node 'two' (Relu) has 2 inputs", NULL);
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  attr_i (b, mb_node (b, "Relu", "r", "x", "y"), "alpha", 1);
  mb_output (b, "y");
  import_fails (b, NN_STATUS_INVALID_ARG, "node 'r' (Relu)", "'alpha'");
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  {
    Onnx__AttributeProto *a = attr (b, mb_node (b, "LeakyRelu", "lr", "x", "y"), "alpha",
                                    ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    float f[2] = { 1, 2 };

    a->n_floats = 2;
    a->floats = f;
    mb_output (b, "y");
    import_fails (b, NN_STATUS_UNSUPPORTED, "node 'lr' (LeakyRelu): attribute 'alpha'",
                  "list of floats");
  }
  mb_free (b);
}

/* IR 3 lists the initializers among the graph inputs; nodes may share a name */
static void
test_ir3_inputs_and_names (void)
{
  int64_t shape[1] = { 3 };
  float w[3] = { 1, 2, 3 }, x[3] = { 10, 20, 30 };
  mb *b = mb_new (8);
  nn_graph *g;
  nn_array *y;

  b->model.ir_version = 3;
  mb_input (b, "x", 1, shape);
  mb_input (b, "w", 1, shape);
  mb_init (b, "w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, shape, w, sizeof w);
  mb_node (b, "Add", "op", "x w", "s");
  mb_node (b, "Relu", "op", "s", "y");
  mb_output (b, "y");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_n_inputs (g), ==, 1);
  g_assert_cmpstr (nn_graph_node_name (g, 0), ==, "op");
  g_assert_cmpstr (nn_graph_node_name (g, 1), ==, "op_2");
  y = run1 (g, 1, shape, x);
  g_assert_cmpfloat (((float *) y->data)[2], ==, 33);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);
}

/* an omitted output before a named one gets a name of its own */
static void
test_omitted_output (void)
{
  int64_t shape[1] = { 6 };
  float x[6] = { 1, 2, 3, 4, 5, 6 };
  mb *b = mb_new (13);
  nn_graph *g;
  nn_array *y;

  mb_input (b, "x", 1, shape);
  mb_node (b, "Split", "split", "x", "a - c");
  mb_output (b, "c");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_node_n_outputs (g, 0), ==, 3);
  g_assert_cmpstr (nn_graph_node_output (g, 0, 1), ==, "split/unused");
  y = run1 (g, 1, shape, x);
  g_assert_cmpfloat (((float *) y->data)[0], ==, 5);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);
}

/* a graph output declared with another shape than its node gives is refused */
static void
test_declared_types (void)
{
  int64_t shape[2] = { -1, 3 }, declared[2] = { -1, 4 }, same[2] = { -1, 3 };
  mb *b = mb_new (13);
  nn_graph *g;

  mb_input (b, "x", 2, shape);
  mb_node (b, "Relu", "r", "x", "y");
  g_ptr_array_add (b->outputs, value_info (b, "y", 2, declared));
  import_fails (b, NN_STATUS_SHAPE, "declares 'y' as float32[N, 4]", "float32[N, 3]");
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 2, shape);
  mb_node (b, "Relu", "r", "x", "y");
  g_ptr_array_add (b->outputs, value_info (b, "y", 2, same));
  g = import_ok (b);
  nn_graph_free (g);
  mb_free (b);
}

/* initializers in narrower or wider types than the engine's */
static void
test_initializer_types (void)
{
  int64_t one[1] = { 3 }, shape[1] = { 3 };
  uint8_t u8[3] = { 0, 200, 255 };
  uint16_t f16[3] = { 0x3c00, 0xc000, 0x3555 };   /* 1, -2, 0.33325 */
  double f64[3] = { 0.5, -1.25, 1e3 };
  float x[3] = { 0, 0, 0 };
  mb *b = mb_new (13);
  nn_graph *g;
  nn_array *y;

  mb_input (b, "x", 1, shape);
  mb_init (b, "h", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, 1, one, f16, sizeof f16);
  mb_init (b, "d", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 1, one, f64, sizeof f64);
  mb_init (b, "u", ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 1, one, u8, sizeof u8);
  mb_node (b, "Add", "a1", "x h", "s");
  mb_node (b, "Add", "a2", "s d", "y");
  mb_node (b, "Shape", "sh", "u", "us");
  mb_output (b, "y");
  mb_output (b, "u");
  g = import_ok (b);
  y = run1 (g, 1, shape, x);
  g_assert_cmpfloat (((float *) y->data)[0], ==, 1.5f);
  g_assert_cmpfloat (((float *) y->data)[1], ==, -3.25f);
  g_assert_cmpfloat (fabsf (((float *) y->data)[2] - 1000.33325f), <, 1e-3);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);

  b = mb_new (13);
  mb_input (b, "x", 1, shape);
  mb_init (b, "c", ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64, 1, one, f64, 24);
  mb_node (b, "Add", "a", "x c", "y");
  mb_output (b, "y");
  import_fails (b, NN_STATUS_UNSUPPORTED, "initializer 'c' is COMPLEX64", NULL);
  mb_free (b);

  {
    uint64_t big[3] = { 1, 2, UINT64_C (1) << 63 };

    b = mb_new (13);
    mb_input (b, "x", 1, shape);
    mb_init (b, "u", ONNX__TENSOR_PROTO__DATA_TYPE__UINT64, 1, one, big, sizeof big);
    mb_node (b, "Shape", "s", "u", "y");
    mb_output (b, "y");
    import_fails (b, NN_STATUS_UNSUPPORTED, "initializer 'u' is UINT64 with values above", NULL);
    mb_free (b);
  }
}

/* Constant nodes become initializers; Shape of a static value folds, and with it the
 * Gather -> Unsqueeze -> Concat chain into Reshape's shape; with a symbolic batch the
 * chain is x.view(x.size(0), -1), and Reshape's shape becomes [0, -1] */
static void
test_fold_shape_chain (void)
{
  for (int symbolic = 0; symbolic < 2; symbolic++)
    {
      int64_t shape[4] = { symbolic ? -1 : 2, 3, 2, 2 }, run_shape[4] = { 2, 3, 2, 2 };
      int64_t zero = 0, axes0[1] = { 0 }, minus1 = -1;
      mb *b = mb_new (13);
      Onnx__NodeProto *n;
      nn_graph *g;
      nn_array *y;
      nn_error err;
      float x[24];

      for (int i = 0; i < 24; i++)
        x[i] = (float) i;
      mb_input (b, "x", 4, shape);
      mb_node (b, "Shape", "shape", "x", "s");
      n = mb_node (b, "Constant", "c0", "", "zero");
      attr_i (b, n, "value_int", zero);
      mb_node (b, "Gather", "gather", "s zero", "batch");
      n = mb_node (b, "Constant", "c1", "", "axes");
      attr_ints (b, n, "value_ints", 1, axes0);
      mb_node (b, "Unsqueeze", "unsq", "batch axes", "b1");
      n = mb_node (b, "Constant", "c2", "", "rest");
      attr_ints (b, n, "value_ints", 1, &minus1);
      n = mb_node (b, "Concat", "concat", "b1 rest", "target");
      attr_i (b, n, "axis", 0);
      mb_node (b, "Reshape", "reshape", "x target", "y");
      mb_output (b, "y");
      g = import_ok (b);
      /* static: the chain folds; symbolic: Reshape's shape is [0, -1] (0: the batch
       * copied) and the chain is dead. Either way only Reshape is left, and infers. */
      g_assert_cmpint (nn_graph_n_nodes (g), ==, 1);
      {
        const nn_type *t;

        g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
        t = nn_graph_value_type (g, "y");
        g_assert_cmpint (t->rank, ==, 2);
        g_assert_cmpint (t->shape[0], ==, symbolic ? NN_DIM_SYMBOLIC : 2);
        g_assert_cmpint (t->shape[1], ==, 12);
      }
      y = run1 (g, 4, run_shape, x);
      g_assert_cmpint (y->type.rank, ==, 2);
      g_assert_cmpint (y->type.shape[0], ==, 2);
      g_assert_cmpint (y->type.shape[1], ==, 12);
      g_assert_cmpmem (y->data, sizeof x, x, sizeof x);
      nn_array_free (y);
      nn_graph_free (g);
      mb_free (b);
    }
}

/* with a symbolic batch, Gather of a static dim from Shape is a number: the chain
 * (x.view(-1, x.size(1)) of another tensor) folds into Reshape's constant [-1, 6] */
static void
test_fold_static_dim (void)
{
  int64_t shape[2] = { -1, 6 }, one[1] = { 1 }, axes0[1] = { 0 }, minus1 = -1;
  int64_t run_shape[2] = { 2, 6 };
  float x[12] = { 0 };
  mb *b = mb_new (13);
  Onnx__NodeProto *n;
  nn_graph *g;
  nn_array *y;
  nn_error err;
  const nn_type *t;

  mb_input (b, "x", 2, shape);
  mb_node (b, "Relu", "relu", "x", "r");
  mb_node (b, "Shape", "shape", "x", "s");
  attr_ints (b, mb_node (b, "Constant", "c0", "", "one"), "value_ints", 1, one);
  mb_node (b, "Gather", "gather", "s one", "c");
  attr_ints (b, mb_node (b, "Constant", "c1", "", "axes"), "value_ints", 1, axes0);
  n = mb_node (b, "Constant", "c2", "", "rest");
  attr_ints (b, n, "value_ints", 1, &minus1);
  n = mb_node (b, "Concat", "concat", "rest c", "target");
  attr_i (b, n, "axis", 0);
  mb_node (b, "Reshape", "reshape", "r target", "y");
  mb_output (b, "y");
  g = import_ok (b);
  g_assert_cmpint (nn_graph_n_nodes (g), ==, 2);
  g_assert_cmpint (nn_graph_infer (g, &err), ==, NN_OK);
  t = nn_graph_value_type (g, "y");
  g_assert_cmpint (t->shape[0], ==, NN_DIM_SYMBOLIC);
  g_assert_cmpint (t->shape[1], ==, 6);
  y = run1 (g, 2, run_shape, x);
  g_assert_cmpint (y->type.shape[0], ==, 2);
  nn_array_free (y);
  nn_graph_free (g);
  mb_free (b);
}

/* folding a hand-built graph: constant arithmetic becomes one initializer and the graph
 * computes what it did before */
static void
test_fold_graph (void)
{
  nn_graph *g = nn_graph_new ();
  int64_t shape[1] = { 3 };
  nn_type t = { .dtype = NN_DTYPE_FLOAT32, .rank = 1, .shape = { 3 } };
  nn_array *a = nn_array_new_f32 (1, shape, NULL), *c = nn_array_new_f32 (1, shape, NULL);
  float x[3] = { 1, 2, 3 };
  nn_array *before, *after;
  nn_error err;
  int folded = -1;

  for (int i = 0; i < 3; i++)
    {
      ((float *) a->data)[i] = (float) i;
      ((float *) c->data)[i] = 10;
    }
  g_assert_cmpint (nn_graph_add_input (g, "x", &t, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_initializer (g, "a", a, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_initializer (g, "c", c, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_node (g, "Mul", "m", NULL, 2, (const char *[]) { "a", "c" }, 1,
                                      (const char *[]) { "ac" }, NULL, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_node (g, "Sqrt", "s", NULL, 1, (const char *[]) { "ac" }, 1,
                                      (const char *[]) { "r" }, NULL, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_node (g, "Add", "add", NULL, 2, (const char *[]) { "x", "r" }, 1,
                                      (const char *[]) { "y" }, NULL, &err), ==, NN_OK);
  g_assert_cmpint (nn_graph_add_output (g, "y", &err), ==, NN_OK);
  before = run1 (g, 1, shape, x);
  g_assert_cmpint (nn_graph_fold_constants (g, &folded, &err), ==, NN_OK);
  g_assert_cmpint (folded, ==, 2);
  g_assert_cmpint (nn_graph_n_nodes (g), ==, 1);
  g_assert_cmpstr (nn_graph_node_op (g, 0), ==, "Add");
  g_assert_cmpstr (nn_graph_node_input (g, 0, 1), ==, "r");
  after = run1 (g, 1, shape, x);
  g_assert_cmpmem (before->data, 12, after->data, 12);
  g_assert_cmpfloat (((float *) after->data)[2], ==, 3 + sqrtf (20));
  nn_array_free (before);
  nn_array_free (after);
  nn_graph_free (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onnx-import/scope", test_scope);
  g_test_add_func ("/onnx-import/model-info", test_model_info);
  g_test_add_func ("/onnx-import/clip-6", test_clip6);
  g_test_add_func ("/onnx-import/softmax-11", test_softmax11);
  g_test_add_func ("/onnx-import/axes-attributes", test_axes_attributes);
  g_test_add_func ("/onnx-import/batchnorm-outputs", test_batchnorm_outputs);
  g_test_add_func ("/onnx-import/dropout-10", test_dropout10);
  g_test_add_func ("/onnx-import/unsupported", test_unsupported);
  g_test_add_func ("/onnx-import/hostile", test_hostile);
  g_test_add_func ("/onnx-import/initializer-types", test_initializer_types);
  g_test_add_func ("/onnx-import/declared-types", test_declared_types);
  g_test_add_func ("/onnx-import/omitted-output", test_omitted_output);
  g_test_add_func ("/onnx-import/ir3-inputs-and-names", test_ir3_inputs_and_names);
  g_test_add_func ("/fold/shape-chain", test_fold_shape_chain);
  g_test_add_func ("/fold/graph", test_fold_graph);
  g_test_add_func ("/fold/static-dim", test_fold_static_dim);
  return g_test_run ();
}
