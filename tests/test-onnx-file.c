/* test-onnx-file.c - the checked ONNX reader (src/engine/io/onnx-file.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fixtures come from tests/reference/make-onnx-fixtures.py (Debian's python3-onnx).
 * Every tensor the reader hands back is compared byte for byte with what
 * onnx.numpy_helper.to_array made of the same TensorProto (tests/data/onnx/ref/); every
 * hostile file must be refused with a message that names the file once and says what
 * is wrong and where.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "onnx-file.h"

static char *
data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "onnx", name, NULL);
}

static nn_onnx_file *
open_ok (const char *path)
{
  nn_onnx_file *file = NULL;
  nn_error err = { 0 };

  if (nn_onnx_file_open (path, &file, &err) != NN_OK)
    g_error ("%s", err.message);
  g_assert_nonnull (file);
  return file;
}

/* Reads t and compares it with ref/<name>.bin. */
static void
assert_tensor_like_numpy (const nn_onnx_file *file, const Onnx__TensorProto *t)
{
  g_autofree char *ref_name = g_strconcat ("ref" G_DIR_SEPARATOR_S, t->name, ".bin", NULL);
  g_autofree char *ref_path = data_path (ref_name);
  g_autofree char *want = NULL;
  g_autoptr (GError) error = NULL;
  gsize want_size;
  size_t elem = nn_onnx_elem_size (t->data_type);
  int64_t numel = nn_onnx_tensor_numel (t);
  size_t size = (size_t) numel * elem;
  g_autofree char *got = g_malloc0 (size + 1);
  nn_error err = { 0 };

  g_assert_true (g_file_get_contents (ref_path, &want, &want_size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (elem, >, 0);
  if (nn_onnx_tensor_read (file, t, got, size, &err) != NN_OK)
    g_error ("%s: %s", t->name, err.message);
  g_assert_cmpmem (got, size, want, want_size);
}

static void
test_every_storage (void)
{
  g_autofree char *path = data_path ("tensors.onnx");
  nn_onnx_file *file = open_ok (path);
  Onnx__GraphProto *g = file->model->graph;
  guint n_checked = 0;

  g_assert_cmpint (file->opset, ==, 13);
  g_assert_cmpstr (file->path, ==, path);
  for (size_t i = 0; i < g->n_initializer; i++, n_checked++)
    assert_tensor_like_numpy (file, g->initializer[i]);
  /* the Constant node's value */
  for (size_t i = 0; i < g->n_node; i++)
    if (strcmp (g->node[i]->op_type, "Constant") == 0)
      {
        g_assert_cmpuint (g->node[i]->n_attribute, ==, 1);
        assert_tensor_like_numpy (file, g->node[i]->attribute[0]->t);
        n_checked++;
      }
  g_assert_cmpuint (n_checked, ==, 20);
  nn_onnx_file_free (file);
}

static void
test_scalar_and_empty (void)
{
  g_autofree char *path = data_path ("tensors.onnx");
  nn_onnx_file *file = open_ok (path);
  Onnx__GraphProto *g = file->model->graph;

  for (size_t i = 0; i < g->n_initializer; i++)
    {
      const Onnx__TensorProto *t = g->initializer[i];

      if (strcmp (t->name, "scalar") == 0)
        {
          g_assert_cmpuint (t->n_dims, ==, 0);
          g_assert_cmpint (nn_onnx_tensor_numel (t), ==, 1);
        }
      else if (strcmp (t->name, "empty") == 0)
        g_assert_cmpint (nn_onnx_tensor_numel (t), ==, 0);
      else if (strcmp (t->name, "rank8") == 0)
        g_assert_cmpuint (t->n_dims, ==, 8);
    }
  nn_onnx_file_free (file);
}

static void
test_read_checks_size (void)
{
  g_autofree char *path = data_path ("tensors.onnx");
  nn_onnx_file *file = open_ok (path);
  const Onnx__TensorProto *t = file->model->graph->initializer[0];   /* float_raw, 3×4 */
  float buf[12];
  nn_error err = { 0 };

  g_assert_cmpstr (t->name, ==, "float_raw");
  g_assert_cmpint (nn_onnx_tensor_read (file, t, buf, sizeof buf - 1, &err), ==,
                   NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (err.message, "'float_raw' needs 48 bytes, given 47"));
  nn_onnx_file_free (file);
}

static void
test_external_data (void)
{
  g_autofree char *path = data_path ("external.onnx");
  nn_onnx_file *file = open_ok (path);
  Onnx__GraphProto *g = file->model->graph;

  g_assert_cmpuint (g->n_initializer, ==, 2);
  for (size_t i = 0; i < g->n_initializer; i++)
    assert_tensor_like_numpy (file, g->initializer[i]);
  nn_onnx_file_free (file);
}

/* Bytes with no folder to resolve external data in are refused when they need it. */
static void
test_bytes_without_folder (void)
{
  g_autofree char *path = data_path ("external.onnx");
  g_autofree char *bytes = NULL;
  gsize size;
  nn_onnx_file *file = NULL;
  nn_error err = { 0 };

  g_assert_true (g_file_get_contents (path, &bytes, &size, NULL));
  g_assert_cmpint (nn_onnx_file_open_bytes (bytes, size, "memory.onnx", NULL, &file, &err), !=,
                   NN_OK);
  g_assert_null (file);
  g_assert_true (g_str_has_prefix (err.message, "memory.onnx: "));
  g_assert_nonnull (strstr (err.message, "initializer 'ext_a'"));
}

typedef struct {
  const char *file;
  nn_status status;
  const char *says;    /* a part of the message */
} Hostile;

static const Hostile hostile[] = {
  { "truncated.onnx", NN_STATUS_FORMAT, "not a valid ONNX protobuf" },
  { "raw_length.onnx", NN_STATUS_FORMAT, "initializer 'w' holds 21 bytes of raw data" },
  { "negative_dim.onnx", NN_STATUS_FORMAT, "initializer 'w' has a negative dimension (-3)" },
  { "huge_dims.onnx", NN_STATUS_TOO_LARGE, "initializer 'w' has 1099511627776 elements of FLOAT" },
  { "rank9.onnx", NN_STATUS_UNSUPPORTED, "initializer 'w' has 9 dimensions" },
  { "few_values.onnx", NN_STATUS_FORMAT, "initializer 'w' holds 5 values for its 6 elements" },
  { "no_data.onnx", NN_STATUS_FORMAT, "initializer 'w' holds 0 values for its 2 elements" },
  { "bad_type.onnx", NN_STATUS_FORMAT, "initializer 'w' has data type 99" },
  { "constant_no_data.onnx", NN_STATUS_FORMAT, "node 1 'const_bad' (Constant), attribute 'value'" },
  { "ext_parent.onnx", NN_STATUS_FORMAT, "\"../outside.bin\", outside the model's folder" },
  { "ext_absolute.onnx", NN_STATUS_FORMAT, "\"/etc/passwd\", outside the model's folder" },
  { "ext_missing.onnx", NN_STATUS_IO, "\"no-such.bin\", which cannot be opened" },
  { "ext_short.onnx", NN_STATUS_FORMAT, "needs 24 bytes from offset 100 of \"external.bin\"" },
  { "ext_length.onnx", NN_STATUS_FORMAT, "its external data is 7 bytes long" },
  { "ext_offset_text.onnx", NN_STATUS_FORMAT, "external \"offset\" or \"length\"" },
  { "ir_version_2.onnx", NN_STATUS_UNSUPPORTED, "ONNX IR version 2; Layerlab reads IR versions 3 to 8" },
  { "ir_version_99.onnx", NN_STATUS_UNSUPPORTED, "ONNX IR version 99" },
  { "opset_6.onnx", NN_STATUS_UNSUPPORTED, "opset 6 of the ONNX operators" },
  { "opset_18.onnx", NN_STATUS_UNSUPPORTED, "opset 18 of the ONNX operators" },
  { "no_default_opset.onnx", NN_STATUS_FORMAT, "imports no opset of the ONNX operators" },
  { "no_graph.onnx", NN_STATUS_FORMAT, "holds no graph" },
  { "deep.onnx", NN_STATUS_UNSUPPORTED, "nest more than 64 deep" },
  { "group.onnx", NN_STATUS_FORMAT, "not a valid ONNX protobuf (wire type 3" },
  { "long_length.onnx", NN_STATUS_FORMAT, "runs past the end" },
  { "sparse.onnx", NN_STATUS_UNSUPPORTED, "sparse initializers" },
};

static void
assert_refused (const char *path, nn_status status, const char *says)
{
  nn_onnx_file *file = NULL;
  nn_error err = { 0 };
  nn_status st = nn_onnx_file_open (path, &file, &err);
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);

  if (st == NN_OK || strstr (err.message, says) == NULL)
    g_error ("%s: status %d, message: %s\n(wanted %d, saying \"%s\")", path, st, err.message,
             status, says);
  g_assert_cmpint (st, ==, status);
  g_assert_null (file);
  /* the file is named once, first */
  g_assert_true (g_str_has_prefix (err.message, prefix));
  g_assert_null (strstr (err.message + strlen (prefix), path));
}

static void
test_hostile (gconstpointer data)
{
  const Hostile *h = data;
  g_autofree char *name = g_build_filename ("hostile", h->file, NULL);
  g_autofree char *path = data_path (name);

  assert_refused (path, h->status, h->says);
}

/* A symbolic link to data outside the folder is refused; one inside it is followed. */
static void
test_external_link (void)
{
  g_autofree char *src = data_path ("hostile" G_DIR_SEPARATOR_S "ext_link.onnx");
  g_autofree char *ext = data_path ("external.bin");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-onnx-XXXXXX", NULL);
  g_autofree char *model = g_build_filename (dir, "model.onnx", NULL);
  g_autofree char *link = g_build_filename (dir, "link.bin", NULL);
  g_autofree char *inside = g_build_filename (dir, "inside.bin", NULL);
  g_autofree char *bytes = NULL;
  gsize size;
  nn_onnx_file *file;

  g_assert_nonnull (dir);
  g_assert_true (g_file_get_contents (src, &bytes, &size, NULL));
  g_assert_true (g_file_set_contents (model, bytes, (gssize) size, NULL));

  g_assert_cmpint (symlink (ext, link), ==, 0);    /* external.bin is in another folder */
  assert_refused (model, NN_STATUS_FORMAT, "\"link.bin\", a link that leads out of the model's folder");

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_free (bytes);
  g_assert_true (g_file_get_contents (ext, &bytes, &size, NULL));
  g_assert_true (g_file_set_contents (inside, bytes, (gssize) size, NULL));
  g_assert_cmpint (symlink ("inside.bin", link), ==, 0);
  file = open_ok (model);
  nn_onnx_file_free (file);

  g_unlink (link);
  g_unlink (inside);
  g_unlink (model);
  g_rmdir (dir);
}

/* A file is refused before protobuf-c unpacks more than the memory budget allows. */
static void
test_memory_budget (void)
{
  g_autofree char *path = data_path ("tensors.onnx");
  nn_onnx_file *file = NULL;
  nn_error err = { 0 };
  uint64_t budget = nn_memory_budget ();

  nn_set_memory_budget (1024);
  g_assert_cmpint (nn_onnx_file_open (path, &file, &err), ==, NN_STATUS_TOO_LARGE);
  nn_set_memory_budget (budget);
  g_assert_null (file);
  g_assert_true (g_str_has_prefix (err.message, path));
  file = open_ok (path);
  nn_onnx_file_free (file);
}

static void
test_not_a_file (void)
{
  g_autofree char *dir = data_path ("hostile");
  g_autofree char *missing = data_path ("no-such.onnx");

  assert_refused (dir, NN_STATUS_IO, "not a regular file");
  assert_refused (missing, NN_STATUS_IO, "cannot open");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onnx-file/every-storage", test_every_storage);
  g_test_add_func ("/onnx-file/scalar-and-empty", test_scalar_and_empty);
  g_test_add_func ("/onnx-file/read-checks-size", test_read_checks_size);
  g_test_add_func ("/onnx-file/external-data", test_external_data);
  g_test_add_func ("/onnx-file/bytes-without-folder", test_bytes_without_folder);
  g_test_add_func ("/onnx-file/external-link", test_external_link);
  g_test_add_func ("/onnx-file/memory-budget", test_memory_budget);
  g_test_add_func ("/onnx-file/not-a-file", test_not_a_file);
  for (size_t i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *name = g_strconcat ("/onnx-file/hostile/", hostile[i].file, NULL);

      g_test_add_data_func (name, &hostile[i], test_hostile);
    }
  return g_test_run ();
}
