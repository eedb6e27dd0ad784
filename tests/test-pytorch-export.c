/* test-pytorch-export.c - graphs as PyTorch scripts (src/engine/io/pytorch-export.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text checks here are about structure (modules at their state_dict paths, one
 * forward statement a node, refusals naming the node); whether the script computes the
 * graph is checked by tests/reference/check-pytorch-export.py, which runs the scripts
 * this test leaves in LAYERLAB_EXPORT_DIR (with /pytorch-export/sample) in PyTorch and
 * compares them with ONNX Runtime on the same files.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn-graph.h"

static void
ok (nn_status st, const nn_error *err)
{
  if (st != NN_OK)
    g_error ("%s", err->message);
}

static void
test_resnet18_text (void)
{
  nn_error err;
  nn_graph *g = nn_graph_new_template ("resnet18", 1, &err);
  char *script;

  g_assert_nonnull (g);
  script = nn_graph_export_pytorch (g, "/models/r18.onnx", &err);
  if (script == NULL)
    g_error ("%s", err.message);
  g_assert_nonnull (strstr (script, "_put(self, \"layer1.0.conv1\", nn.Conv2d(64, 64, "
                                    "kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), "
                                    "dilation=(1, 1), groups=1, bias=False))"));
  g_assert_nonnull (strstr (script, "_put(self, \"fc\", nn.Linear(in_features=512, "
                                    "out_features=1000, bias=True))"));
  g_assert_nonnull (strstr (script, "\"layer2.0.downsample.1.num_batches_tracked\": "
                                    "\"layer2.0.downsample.1.num_batches_tracked\","));
  g_assert_nonnull (strstr (script, "F.max_pool2d("));
  g_assert_nonnull (strstr (script, "model_path = sys.argv[1] if len(sys.argv) > 1 else "
                                    "\"/models/r18.onnx\""));
  g_free (script);
  nn_graph_free (g);
}

/* An operator without a translation is refused with the node named. */
static void
test_refusal (void)
{
  nn_graph *g = nn_graph_new ();
  nn_type x = { .dtype = NN_DTYPE_FLOAT32, .rank = 4, .shape = { 1, 2, 4, 4 } };
  const int64_t pads[4] = { 0, 0, 1, 1 };
  int node;
  nn_error err;

  ok (nn_graph_add_input (g, "x", &x, &err), &err);
  ok (nn_graph_add_node (g, "MaxPool", "/pool", NULL, 1, (const char *const[]) { "x" }, 1,
                         (const char *const[]) { "y" }, &node, &err), &err);
  ok (nn_graph_set_attr_ints (g, node, "kernel_shape", 2, (const int64_t[]) { 2, 2 }, &err),
      &err);
  ok (nn_graph_set_attr_ints (g, node, "pads", 4, pads, &err), &err);
  ok (nn_graph_add_output (g, "y", &err), &err);
  g_assert_null (nn_graph_export_pytorch (g, "m.onnx", &err));
  g_assert_nonnull (strstr (err.message, "node '/pool' (MaxPool) has asymmetric pads"));
  nn_graph_free (g);
}

/* For the interop check: each template as T.onnx and its script T.py. */
static void
test_sample (void)
{
  const char *dir = g_getenv ("LAYERLAB_EXPORT_DIR");

  if (dir == NULL)
    {
      g_test_skip ("LAYERLAB_EXPORT_DIR is not set (the interop suite sets it)");
      return;
    }
  for (const char *const *name = nn_graph_template_names (); *name != NULL; name++)
    {
      g_autofree char *onnx_name = g_strconcat (*name, ".onnx", NULL);
      g_autofree char *py_name = g_strconcat (*name, ".py", NULL);
      g_autofree char *onnx_path = g_build_filename (dir, onnx_name, NULL);
      g_autofree char *py_path = g_build_filename (dir, py_name, NULL);
      nn_error err;
      nn_graph *g = nn_graph_new_template (*name, 5, &err);
      char *script;

      g_assert_nonnull (g);
      ok (nn_graph_save_onnx (g, onnx_path, NULL, &err), &err);
      script = nn_graph_export_pytorch (g, onnx_path, &err);
      if (script == NULL)
        g_error ("%s", err.message);
      g_assert_true (g_file_set_contents (py_path, script, -1, NULL));
      free (script);
      nn_graph_free (g);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pytorch-export/resnet18-text", test_resnet18_text);
  g_test_add_func ("/pytorch-export/refusal", test_refusal);
  g_test_add_func ("/pytorch-export/sample", test_sample);
  return g_test_run ();
}
