/* test-sniff.c - files are named for what they are, and models open whatever their name
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nn.h"

typedef struct {
  const char *name;
  const char *bytes;
  gsize size;
  nn_content want;
  const char *message;     /* in the error of opening it as a model */
} sniff_case;

#define BYTES(s) s, sizeof s - 1

static const sniff_case cases[] = {
  { "x.h5", BYTES (""), NN_CONTENT_EMPTY, "the file is empty" },
  { "x.h5", BYTES ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), NN_CONTENT_PNG, "this is a PNG image, not a model file Layerlab reads" },
  { "x.pt", BYTES ("\xff\xd8\xff\xe0\0\x10JFIF"), NN_CONTENT_JPEG, "this is a JPEG image" },
  { "x.h5", BYTES ("\x08\x07\x12\x07pytorch\x1a\x03" "1.13"), NN_CONTENT_ONNX, "not a valid ONNX protobuf" },
  { "x.onnx", BYTES ("\x08\x08\x3a\x10"), NN_CONTENT_ONNX, "not a valid ONNX protobuf (a field runs past the end" },
  { "x.h5", BYTES ("\x93NUMPY\x01\0v\0{'descr': '<f4'"), NN_CONTENT_NPY, "this is a NumPy array (.npy)" },
  { "x.pt", BYTES ("%PDF-1.7\n"), NN_CONTENT_PDF, "this is a PDF document" },
  { "x.h5", BYTES ("\x1f\x8b\x08\0"), NN_CONTENT_GZIP, "decompress it first" },
  { "x.h5", BYTES ("Sequential(\n  (0): ReLU()\n)\n"), NN_CONTENT_TEXT, "this is a text file" },
  { "x.pt", BYTES ("\x80\x02}q\0."), NN_CONTENT_PICKLE, "legacy (pre-1.6) format" },
  { "x.h5", BYTES ("\x01\xfe\x00\x80\x13\x37"), NN_CONTENT_UNKNOWN, "not a model file Layerlab reads" },
};

static void
test_contents (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-sniff-XXXXXX", NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      nn_net *net = NULL;
      nn_error err;

      g_assert_true (g_file_set_contents (path, cases[i].bytes, (gssize) cases[i].size, NULL));
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, nn_content_describe (cases[i].want));
      g_assert_cmpint (nn_file_sniff (path), ==, cases[i].want);
      g_assert_cmpint (nn_file_open_model (path, NULL, &net, &err), !=, NN_OK);
      g_assert_null (net);
      if (strstr (err.message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' not in '%s'", i, cases[i].message, err.message);
      /* the file once, at the start */
      g_assert_true (g_str_has_prefix (err.message, path));
      g_assert_null (strstr (err.message + strlen (path), path));
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* A model opens by what it is: a .pt named .h5, an HDF5 model named .pt or .bin. */
static void
test_dispatch_by_content (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-sniff-XXXXXX", NULL);
  g_autofree char *pt = g_build_filename (dir, "torch-model.h5", NULL);
  g_autofree char *h5 = g_build_filename (dir, "layerlab-model.pt", NULL);
  g_autofree char *bin = g_build_filename (dir, "model.bin", NULL);
  g_autofree char *want = NULL;
  nn_error err;
  nn_net *seed = nn_net_new_template ("seed", 3, &err), *net = NULL;

  g_assert_cmpint (nn_pt_save_model (pt, seed, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_save (h5, seed, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_save (bin, seed, &err), ==, NN_OK);
  g_assert_cmpint (nn_file_sniff (pt), ==, NN_CONTENT_PYTORCH);
  g_assert_cmpint (nn_file_sniff (h5), ==, NN_CONTENT_HDF5);
  want = nn_net_repr (seed);
  for (int i = 0; i < 3; i++)
    {
      const char *path = i == 0 ? pt : i == 1 ? h5 : bin;
      char *got;

      if (nn_file_open_model (path, NULL, &net, &err) != NN_OK)
        g_error ("%s", err.message);
      got = nn_net_repr (net);
      g_assert_cmpstr (got, ==, want);
      free (got);
      nn_net_free (net);
    }
  g_unlink (pt);
  g_unlink (h5);
  g_unlink (bin);
  g_rmdir (dir);
  nn_net_free (seed);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/sniff/contents", test_contents);
  g_test_add_func ("/engine/sniff/dispatch-by-content", test_dispatch_by_content);
  return g_test_run ();
}
