/* test-npy.c - NumPy .npy reading and writing, and refusing bad files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "nn.h"
#include "nn-graph.h"

/* An .npy image: magic, version, header length, header text padded to 64, data */
static GByteArray *
make_npy (int major, const char *dict, const void *data, size_t size)
{
  GByteArray *b = g_byte_array_new ();
  size_t pre = major == 1 ? 10 : 12;
  size_t len = (pre + strlen (dict) + 1 + 63) / 64 * 64 - pre;
  guint8 head[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (guint8) major, 0,
                      (guint8) (len & 0xff), (guint8) (len >> 8), 0, 0 };
  g_autofree char *text = g_malloc (len);

  memset (text, ' ', len);
  memcpy (text, dict, strlen (dict));
  text[len - 1] = '\n';
  g_byte_array_append (b, head, (guint) pre);
  g_byte_array_append (b, (guint8 *) text, (guint) len);
  if (size > 0)
    g_byte_array_append (b, data, (guint) size);
  return b;
}

static nn_tensor *
read_ok (GByteArray *b)
{
  nn_tensor *t = NULL;
  nn_error err;

  if (nn_npy_read_mem (b->data, b->len, "mem.npy", &t, &err) != NN_OK)
    g_error ("%s", err.message);
  g_byte_array_unref (b);
  return t;
}

/* Reading must fail with status and a message naming the file and containing what */
static void
assert_refused (GByteArray *b, nn_status status, const char *what)
{
  nn_tensor *t = (nn_tensor *) 1;
  nn_error err;

  g_assert_cmpint (nn_npy_read_mem (b->data, b->len, "bad.npy", &t, &err), ==, status);
  g_assert_null (t);
  g_assert_cmpint (err.status, ==, status);
  g_test_message ("%s", err.message);
  g_assert_true (g_str_has_prefix (err.message, "bad.npy: "));
  if (strstr (err.message, what) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", err.message, what);
  g_byte_array_unref (b);
}

static const float ramp[6] = { 0.5f, -1.0f, 2.25f, 3.0f, -4.5f, 1e-3f };

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.npy", NULL);

  for (int rank = 0; rank <= 4; rank++)
    {
      int64_t shape[4] = { 2, 3, 1, 1 };
      nn_tensor *t = nn_tensor_new (rank, shape, NULL), *back = NULL;
      int64_t n = nn_tensor_numel (t);
      g_autofree char *bytes = NULL;
      gsize len;
      nn_error err;

      memcpy (t->data, ramp, (size_t) n * sizeof (float));
      g_assert_cmpint (nn_npy_write (path, t, &err), ==, NN_OK);
      g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
      /* NumPy's layout: the data starts on a 64-byte boundary */
      g_assert_cmpuint ((len - n * 4) % 64, ==, 0);
      g_assert_cmpint (nn_npy_read (path, &back, &err), ==, NN_OK);
      g_assert_cmpint (back->n_dims, ==, rank);
      g_assert_true (nn_tensor_same_shape (t, back));
      g_assert_cmpmem (back->data, n * 4, ramp, n * 4);
      nn_tensor_free (t);
      nn_tensor_free (back);
    }
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The header text is exactly what numpy.save writes */
static void
test_header_text (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.npy", NULL);
  int64_t one[1] = { 3 }, two[2] = { 2, 5 };
  nn_tensor *a = nn_tensor_new (1, one, NULL), *b = nn_tensor_new (2, two, NULL);
  g_autofree char *text1 = NULL, *text2 = NULL;
  gsize len;

  g_assert_cmpint (nn_npy_write (path, a, NULL), ==, NN_OK);
  g_assert_true (g_file_get_contents (path, &text1, &len, NULL));
  g_assert_cmpmem (text1, 6, "\x93NUMPY", 6);
  g_assert_cmpint (text1[6], ==, 1);
  g_assert_cmpint (text1[7], ==, 0);
  g_assert_true (g_str_has_prefix (text1 + 10,
                                   "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"));
  g_assert_cmpint (text1[8], ==, 118);   /* numpy.save writes exactly this */
  g_assert_cmpint (text1[127], ==, '\n');
  g_assert_cmpint (nn_npy_write (path, b, NULL), ==, NN_OK);
  g_assert_true (g_file_get_contents (path, &text2, &len, NULL));
  g_assert_true (g_str_has_prefix (text2 + 10, "{'descr': '<f4', 'fortran_order': False, "
                                   "'shape': (2, 5), }"));
  g_remove (path);
  g_rmdir (dir);
  nn_tensor_free (a);
  nn_tensor_free (b);
}

/* A file numpy.save wrote (a reference fixture) */
static void
test_numpy_file (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "ref", "seed",
                                                 "output.npy", NULL);
  nn_tensor *t = NULL;
  nn_error err;

  g_assert_cmpint (nn_npy_read (path, &t, &err), ==, NN_OK);
  g_assert_cmpint (t->n_dims, ==, 2);
  g_assert_cmpint (t->shape[0], ==, 111);
  g_assert_cmpint (t->shape[1], ==, 10);
  nn_tensor_free (t);
}

static void
test_f64 (void)
{
  double d[3] = { 1.5, -2.0, 1e-40 };
  nn_tensor *t = read_ok (make_npy (1, "{'descr': '<f8', 'fortran_order': False, "
                                    "'shape': (3,), }", d, sizeof d));

  g_assert_cmpint (t->shape[0], ==, 3);
  g_assert_cmpfloat (t->data[0], ==, 1.5f);
  g_assert_cmpfloat (t->data[1], ==, -2.0f);
  g_assert_cmpfloat (t->data[2], ==, (float) 1e-40);
  nn_tensor_free (t);
}

static void
test_big_endian_and_v2 (void)
{
  guint8 be[8] = { 0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0 };    /* 1.5, -2.5 */
  nn_tensor *t = read_ok (make_npy (1, "{'descr': '>f4', 'fortran_order': False, "
                                    "'shape': (1, 2), }", be, sizeof be));

  g_assert_cmpfloat (t->data[0], ==, 1.5f);
  g_assert_cmpfloat (t->data[1], ==, -2.5f);
  nn_tensor_free (t);
  /* version 2.0 and 3.0: 4-byte header length; double quotes and no trailing comma */
  t = read_ok (make_npy (2, "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}",
                         ramp, 8));
  g_assert_cmpfloat (t->data[1], ==, -1.0f);
  nn_tensor_free (t);
  t = read_ok (make_npy (3, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                         ramp, 4));
  g_assert_cmpint (t->n_dims, ==, 0);
  g_assert_cmpfloat (t->data[0], ==, 0.5f);
  nn_tensor_free (t);
}

#define DICT(descr, fortran, shape) \
  "{'descr': '" descr "', 'fortran_order': " fortran ", 'shape': " shape ", }"

typedef struct bad_header {
  int major;
  const char *dict;
  guint data_bytes;         /* bytes of ramp after the header */
  nn_status status;
  const char *what;         /* expected in the message */
} bad_header;

static const bad_header bad_headers[] = {
  { 1, DICT ("<f4", "False", "(2,)"), 4, NN_STATUS_FORMAT,
    "truncated: the shape needs 8 bytes of data but only 4" },
  { 1, DICT ("<f4", "False", "(1,)"), 8, NN_STATUS_FORMAT, "4 unexpected bytes after the data" },
  { 1, DICT ("<f4", "True", "(2,)"), 8, NN_STATUS_UNSUPPORTED, "Fortran-order" },
  { 1, DICT ("<f4", "False", "(1099511627776, 1099511627776)"), 8, NN_STATUS_TOO_LARGE,
    "overflows" },
  /* large but representable: refused from the file size, before any allocation */
  { 1, DICT ("<f4", "False", "(100000, 100000)"), 8, NN_STATUS_FORMAT,
    "needs 40000000000 bytes" },
  { 1, DICT ("<f4", "False", "(99999999999999999999,)"), 8, NN_STATUS_FORMAT, "too large" },
  { 1, DICT ("<f4", "False", "(2, -1)"), 8, NN_STATUS_FORMAT, "negative dimension" },
  { 1, DICT ("<f4", "False", "(1, 1, 1, 1, 2)"), 8, NN_STATUS_UNSUPPORTED, "rank above 4" },
  { 1, DICT ("<i4", "False", "(2,)"), 8, NN_STATUS_UNSUPPORTED,
    "integer/boolean data (dtype '<i4')" },
  { 1, DICT ("<c8", "False", "(1,)"), 8, NN_STATUS_UNSUPPORTED, "dtype '<c8' is not supported" },
  { 1, "{'descr': '<f4', 'shape': (2,), }", 8, NN_STATUS_FORMAT, "are all required" },
  { 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8,
    NN_STATUS_FORMAT, "unknown" },
  { 1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8,
    NN_STATUS_FORMAT, "repeated" },
  { 1, "__import__('os')", 8, NN_STATUS_FORMAT, "invalid .npy header" },
  { 1, DICT ("<f4", "False", "(2,)") " junk", 8, NN_STATUS_FORMAT,
    "unexpected text after the dict" },
  { 1, DICT ("<f4", "False", "[2]"), 8, NN_STATUS_FORMAT, "'shape' must be a tuple" },
  { 1, DICT ("<f4", "False", "(2 3)"), 8, NN_STATUS_FORMAT, "tuple of integers" },
  { 1, "{'descr': '<f\\4', 'fortran_order': False, 'shape': (2,)}", 8, NN_STATUS_FORMAT,
    "'descr' must be a string" },
  { 4, DICT ("<f4", "False", "(2,)"), 8, NN_STATUS_UNSUPPORTED, "version 4.0" },
};

static void
test_rejects (void)
{
  GByteArray *b;

  for (guint i = 0; i < G_N_ELEMENTS (bad_headers); i++)
    {
      const bad_header *h = &bad_headers[i];

      assert_refused (make_npy (h->major, h->dict, ramp, h->data_bytes), h->status, h->what);
    }
  b = make_npy (1, DICT ("<f4", "False", "(2,)"), ramp, 8);
  b->data[1] = 'X';
  assert_refused (b, NN_STATUS_FORMAT, "not a NumPy .npy file");
  b = make_npy (1, DICT ("<f4", "False", "(2,)"), NULL, 0);
  g_byte_array_set_size (b, 40);
  assert_refused (b, NN_STATUS_FORMAT, "truncated .npy header");
  b = make_npy (1, DICT ("<f4", "False", "(2,)"), NULL, 0);
  g_byte_array_set_size (b, 7);
  assert_refused (b, NN_STATUS_FORMAT, "not a NumPy .npy file");
}

static void
test_missing_file (void)
{
  nn_tensor *t = NULL;
  nn_error err;

  g_assert_cmpint (nn_npy_read ("/nonexistent/x.npy", &t, &err), ==, NN_STATUS_IO);
  g_assert_nonnull (strstr (err.message, "/nonexistent/x.npy: cannot open"));
  g_assert_null (t);
  g_assert_cmpint (nn_npy_write ("/nonexistent/y.npy", NULL, &err), ==,
                   NN_STATUS_INVALID_ARG);
}

/* The same checks apply to files: a truncated file on disk */
static void
test_truncated_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cut.npy", NULL);
  GByteArray *b = make_npy (1, DICT ("<f8", "False", "(2, 3)"), ramp, 20);
  nn_tensor *t = NULL;
  nn_error err;

  g_assert_true (g_file_set_contents (path, (char *) b->data, b->len, NULL));
  g_assert_cmpint (nn_npy_read (path, &t, &err), ==, NN_STATUS_FORMAT);
  g_assert_true (g_str_has_prefix (err.message, path));
  g_assert_nonnull (strstr (err.message, "needs 48 bytes of data but only 20"));
  g_assert_null (t);
  g_byte_array_unref (b);
  g_remove (path);
  g_rmdir (dir);
}

/* a byte array written to a temporary file, read as an nn_array */
static nn_array *
read_array_bytes (GByteArray *b, const char *path, nn_error *err)
{
  nn_array *a = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  g_byte_array_unref (b);
  if (nn_npy_read_array (path, &a, err) != NN_OK)
    g_assert_null (a);
  return a;
}

/* the graph engine's arrays: rank up to 8, int64/int32/bool, narrower ints widened */
static void
test_arrays (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-npy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a.npy", NULL);
  nn_type t = { .dtype = NN_DTYPE_INT64, .rank = 8, .shape = { 1, 2, 1, 2, 1, 1, 2, 1 } };
  nn_array *a = nn_array_new (&t, NULL), *back = NULL;
  int8_t i8[3] = { -128, -1, 127 };
  uint16_t u16[3] = { 0, 1, 65535 };
  uint32_t u32be[1] = { GUINT32_TO_BE (4000000000u) };
  uint8_t b1[3] = { 0, 1, 1 };
  nn_error err;

  for (int i = 0; i < 8; i++)
    ((int64_t *) a->data)[i] = (int64_t) i * INT64_C (1000000000000) - 3;
  g_assert_cmpint (nn_npy_write_array (path, a, &err), ==, NN_OK);
  g_assert_cmpint (nn_npy_read_array (path, &back, &err), ==, NN_OK);
  g_assert_true (nn_type_equal (&back->type, &t));
  g_assert_cmpmem (back->data, 64, a->data, 64);
  nn_array_free (back);
  nn_array_free (a);

  a = read_array_bytes (make_npy (1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }",
                                  i8, 3), path, &err);
  g_assert_cmpint (a->type.dtype, ==, NN_DTYPE_INT32);
  g_assert_cmpint (((int32_t *) a->data)[0], ==, -128);
  g_assert_cmpint (((int32_t *) a->data)[2], ==, 127);
  nn_array_free (a);
  a = read_array_bytes (make_npy (1, "{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }",
                                  u16, 6), path, &err);
  g_assert_cmpint (((int32_t *) a->data)[2], ==, 65535);
  nn_array_free (a);
  a = read_array_bytes (make_npy (1, "{'descr': '>u4', 'fortran_order': False, 'shape': (), }",
                                  u32be, 4), path, &err);
  g_assert_cmpint (a->type.dtype, ==, NN_DTYPE_INT64);
  g_assert_cmpint (a->type.rank, ==, 0);
  g_assert_cmpint (((int64_t *) a->data)[0], ==, 4000000000);
  nn_array_free (a);
  a = read_array_bytes (make_npy (1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                                  b1, 3), path, &err);
  g_assert_cmpint (a->type.dtype, ==, NN_DTYPE_BOOL);
  g_assert_cmpmem (a->data, 3, b1, 3);
  nn_array_free (a);

  a = read_array_bytes (make_npy (1, "{'descr': '<f4', 'fortran_order': False, 'shape': "
                                  "(1, 1, 1, 1, 1, 1, 1, 1, 1), }", ramp, 4), path, &err);
  g_assert_null (a);
  g_assert_nonnull (strstr (err.message, "rank above 8"));
  a = read_array_bytes (make_npy (1, "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }",
                                  ramp, 8), path, &err);
  g_assert_null (a);
  g_assert_nonnull (strstr (err.message, "dtype '<u8' is not supported"));
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/npy/round-trip", test_round_trip);
  g_test_add_func ("/engine/npy/header-text", test_header_text);
  g_test_add_func ("/engine/npy/numpy-file", test_numpy_file);
  g_test_add_func ("/engine/npy/f64", test_f64);
  g_test_add_func ("/engine/npy/big-endian-v2-v3", test_big_endian_and_v2);
  g_test_add_func ("/engine/npy/rejects", test_rejects);
  g_test_add_func ("/engine/npy/missing-file", test_missing_file);
  g_test_add_func ("/engine/npy/truncated-file", test_truncated_file);
  g_test_add_func ("/engine/npy/arrays", test_arrays);
  return g_test_run ();
}
