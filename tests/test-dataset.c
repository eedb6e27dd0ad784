/* test-dataset.c - data sets: IDX, .npy pairs, class folders, images, preprocessing,
 * shuffling and splitting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fixtures in tests/data/datasets/ come from tests/reference/make-dataset-fixtures.py,
 * which documents the values checked here. Broken files are written on the fly.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "dataset.h"

static char *
fixture (const char *rel)
{
  return g_test_build_filename (G_TEST_DIST, "data", "datasets", rel, NULL);
}

/* A temporary folder for the broken files of one test */
static char *
temp_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("test-dataset-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_dir (char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

static char *
write_file (const char *dir, const char *name, const void *data, gsize size)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
  return path;
}

static void
assert_message (const nn_error *err, const char *a, const char *b)
{
  g_test_message ("%s", err->message);
  if (strstr (err->message, a) == NULL || (b != NULL && strstr (err->message, b) == NULL))
    g_error ("message \"%s\" lacks \"%s\" or \"%s\"", err->message, a, b != NULL ? b : "");
}

/* ---------------------------------------------------------------- IDX */

static float
idx_pixel (int i, int y, int x)
{
  return (float) ((40 * i + 5 * y + x) * 3 % 256) / 255.0f;
}

static void
check_idx_images (const nn_dataset *ds, int first)
{
  for (int64_t i = 0; i < ds->n; i++)
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 5; x++)
        g_assert_cmpfloat (ds->x->data[(i * 4 + y) * 5 + x], ==, idx_pixel ((int) i + first, y, x));
}

static void
test_idx_plain (void)
{
  g_autofree char *dir = fixture ("mnist");
  nn_dataset *ds = NULL;
  nn_error err;

  g_assert_cmpint (nn_dataset_load_mnist_dir (dir, "train", &ds, &err), ==, NN_OK);
  g_assert_cmpint (ds->x->n_dims, ==, 4);
  g_assert_cmpint (ds->x->shape[0], ==, 3);
  g_assert_cmpint (ds->x->shape[1], ==, 1);
  g_assert_cmpint (ds->x->shape[2], ==, 4);
  g_assert_cmpint (ds->x->shape[3], ==, 5);
  check_idx_images (ds, 0);
  g_assert_cmpint (ds->labels[0], ==, 2);
  g_assert_cmpint (ds->labels[1], ==, 0);
  g_assert_cmpint (ds->labels[2], ==, 1);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[2], ==, "2");
  nn_dataset_free (ds);
}

static void
test_idx_gzip (void)
{
  g_autofree char *dir = fixture ("mnist");
  nn_dataset *ds = NULL;
  nn_error err;

  g_assert_cmpint (nn_dataset_load_mnist_dir (dir, "test", &ds, &err), ==, NN_OK);
  g_assert_cmpint (ds->n, ==, 2);
  check_idx_images (ds, 3);
  g_assert_cmpint (ds->labels[0], ==, 9);
  g_assert_cmpint (ds->labels[1], ==, 4);
  g_assert_cmpint (ds->n_classes, ==, 10);
  nn_dataset_free (ds);
  g_assert_cmpint (nn_dataset_load_mnist_dir (dir, "valid", &ds, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_null (ds);
}

/* The class names: MNIST's are its digits; the same files in a folder named like
 * Fashion-MNIST's (Debian's fashion-mnist, torchvision's FashionMNIST/raw) get
 * Fashion-MNIST's names; a class folder's are its sub-folders'. */
static void
test_class_names (void)
{
  static const char *const fashion[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress",
                                           "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                           "Ankle boot" };
  g_autofree char *mnist = fixture ("mnist");
  g_autofree char *classes = fixture ("classes");
  char *tmp = temp_dir ();
  g_autofree char *fdir = g_build_filename (tmp, "fashion-mnist", NULL);
  g_autofree char *tdir = g_build_filename (tmp, "FashionMNIST", NULL);
  g_autofree char *traw = g_build_filename (tdir, "raw", NULL);
  const char *files[2] = { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };
  nn_shape shape = nn_shape_chw (1, 4, 6);
  nn_dataset *ds = NULL;
  nn_error err;

  g_assert_cmpint (nn_dataset_load_mnist_dir (mnist, "test", &ds, &err), ==, NN_OK);
  g_assert_cmpstr (nn_dataset_class_name (ds, 9), ==, "9");
  g_assert_null (nn_dataset_class_name (ds, 10));
  g_assert_null (nn_dataset_class_name (ds, -1));
  nn_dataset_free (ds);

  g_assert_cmpint (g_mkdir (fdir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (tdir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (traw, 0700), ==, 0);
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *src = g_build_filename (mnist, files[i], NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      g_free (write_file (fdir, files[i], data, len));
      g_free (write_file (traw, files[i], data, len));
    }
  for (int d = 0; d < 2; d++)
    {
      const char *where = d == 0 ? fdir : traw;

      g_assert_cmpint (nn_dataset_load_mnist_dir (where, "test", &ds, &err), ==, NN_OK);
      g_assert_cmpint (ds->n_classes, ==, 10);
      for (int i = 0; i < 10; i++)
        g_assert_cmpstr (nn_dataset_class_name (ds, i), ==, fashion[i]);
      nn_dataset_free (ds);
    }

  g_assert_cmpint (nn_dataset_load_folder (classes, &shape, &ds, &err), ==, NN_OK);
  g_assert_cmpstr (nn_dataset_class_name (ds, 0), ==, "a-rgb");
  g_assert_cmpstr (nn_dataset_class_name (ds, 1), ==, "b-gray");
  g_assert_null (nn_dataset_class_name (ds, 2));
  nn_dataset_free (ds);

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *a = g_build_filename (fdir, files[i], NULL);
      g_autofree char *b = g_build_filename (traw, files[i], NULL);

      g_assert_cmpint (g_remove (a), ==, 0);
      g_assert_cmpint (g_remove (b), ==, 0);
    }
  g_assert_cmpint (g_rmdir (traw), ==, 0);
  g_assert_cmpint (g_rmdir (tdir), ==, 0);
  g_assert_cmpint (g_rmdir (fdir), ==, 0);
  remove_dir (tmp);
}

/* An IDX header: magic type and dims, then n data bytes */
static GByteArray *
idx_file (guint8 type, int n_dims, const guint32 *dims, gsize n_data)
{
  GByteArray *b = g_byte_array_new ();
  guint8 head[4] = { 0, 0, type, (guint8) n_dims };

  g_byte_array_append (b, head, 4);
  for (int i = 0; i < n_dims; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);

      g_byte_array_append (b, (guint8 *) &be, 4);
    }
  for (gsize i = 0; i < n_data; i++)
    g_byte_array_append (b, (guint8 *) "\x01", 1);
  return b;
}

/* images from `images`, n_labels valid labels; the load must end with status, and a
 * failure's message names the file to blame and says what */
static void
assert_idx_refused (GByteArray *images, guint32 n_labels, nn_status status, const char *what,
                    bool blame_labels)
{
  char *dir = temp_dir ();
  g_autoptr (GByteArray) labels = idx_file (0x08, 1, &n_labels, n_labels);
  g_autofree char *ipath = write_file (dir, "img", images->data, images->len);
  g_autofree char *lpath = write_file (dir, "lab", labels->data, labels->len);
  nn_dataset *ds = (nn_dataset *) 1;
  nn_error err;

  g_assert_cmpint (nn_dataset_load_idx (ipath, lpath, &ds, &err), ==, status);
  if (status == NN_OK)
    {
      /* the well-formed file these broken ones derive from */
      g_assert_cmpint (ds->n, ==, 2);
      g_assert_cmpfloat (ds->x->data[17], ==, 1.0f / 255);
      nn_dataset_free (ds);
      ds = NULL;
    }
  else
    assert_message (&err, blame_labels ? lpath : ipath, what);
  g_assert_null (ds);
  g_byte_array_unref (images);
  remove_dir (dir);
}

static void
test_idx_bad (void)
{
  const guint32 dims[3] = { 2, 3, 3 }, huge[3] = { 0xffffffffu, 0xffffffffu, 0xffffffffu };
  GByteArray *b;

  assert_idx_refused (idx_file (0x08, 3, dims, 18), 2, NN_OK, "", false);
  b = idx_file (0x08, 3, dims, 18);
  b->data[0] = 0x50;
  assert_idx_refused (b, 2, NN_STATUS_FORMAT, "bad magic", false);
  assert_idx_refused (idx_file (0x0d, 3, dims, 72), 2, NN_STATUS_UNSUPPORTED, "0x0d", false);
  assert_idx_refused (idx_file (0x08, 2, dims, 6), 2, NN_STATUS_FORMAT, "2 dimensions", false);
  assert_idx_refused (idx_file (0x08, 3, huge, 0), 2, NN_STATUS_TOO_LARGE, "too large", false);
  assert_idx_refused (idx_file (0x08, 3, dims, 17), 2, NN_STATUS_FORMAT, "truncated", false);
  b = idx_file (0x08, 3, dims, 0);
  g_byte_array_set_size (b, 9);
  assert_idx_refused (b, 2, NN_STATUS_FORMAT, "truncated", false);
  assert_idx_refused (idx_file (0x08, 3, dims, 19), 2, NN_STATUS_FORMAT, "more data", false);
  assert_idx_refused (idx_file (0x08, 3, dims, 18), 3, NN_STATUS_FORMAT, "3 labels", true);
}

/* A cut gzip stream is "truncated", like a cut plain file */
static void
test_idx_gzip_truncated (void)
{
  g_autofree char *src = fixture ("mnist/t10k-images-idx3-ubyte.gz");
  g_autofree char *lab = fixture ("mnist/t10k-labels-idx1-ubyte.gz");
  char *dir = temp_dir ();
  g_autofree char *data = NULL;
  g_autofree char *path = NULL;
  nn_dataset *ds = NULL;
  nn_error err;
  gsize len;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  path = write_file (dir, "cut.gz", data, len / 2);
  g_assert_cmpint (nn_dataset_load_idx (path, lab, &ds, &err), ==, NN_STATUS_FORMAT);
  assert_message (&err, path, NULL);
  g_assert_null (ds);
  remove_dir (dir);
}

/* ---------------------------------------------------------------- npy pairs */

static nn_status
load_npy (const char *y_name, nn_dataset **ds, nn_error *err)
{
  g_autofree char *x = fixture ("npy/x.npy");
  g_autofree char *rel = g_strconcat ("npy/", y_name, NULL);
  g_autofree char *y = fixture (rel);

  return nn_dataset_load_npy (x, y, ds, err);
}

static void
test_npy_pairs (void)
{
  const char *ok[] = { "y-int64.npy", "y-int32.npy", "y-uint8.npy" };
  const int64_t want[] = { 1, 0, 3, 2 };

  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      nn_dataset *ds = NULL;
      nn_error err;

      if (load_npy (ok[i], &ds, &err) != NN_OK)
        g_error ("%s", err.message);
      g_assert_cmpint (ds->n, ==, 4);
      g_assert_cmpint (ds->n_classes, ==, 4);
      g_assert_cmpmem (ds->labels, 4 * sizeof (int64_t), want, sizeof want);
      g_assert_cmpfloat_with_epsilon (ds->x->data[13], 1.3f, 1e-6);
      nn_dataset_free (ds);
    }
}

static void
test_npy_refused (void)
{
  const struct { const char *name; nn_status status; const char *what; } bad[] = {
    { "y-float.npy", NN_STATUS_UNSUPPORTED, "floating-point" },
    { "y-short.npy", NN_STATUS_SHAPE, "has 3 labels but the inputs have 4" },
    { "y-2d.npy", NN_STATUS_SHAPE, "1-D" },
    { "y-negative.npy", NN_STATUS_FORMAT, "negative" },
    { "missing.npy", NN_STATUS_IO, "cannot open" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      nn_dataset *ds = (nn_dataset *) 1;
      nn_error err;

      g_assert_cmpint (load_npy (bad[i].name, &ds, &err), ==, bad[i].status);
      g_assert_null (ds);
      assert_message (&err, bad[i].name, bad[i].what);
    }
}

/* ---------------------------------------------------------------- class folders, images */

static nn_dataset *
load_classes (int64_t c, int64_t h, int64_t w)
{
  g_autofree char *dir = fixture ("classes");
  nn_shape shape = nn_shape_chw (c, h, w);
  nn_dataset *ds = NULL;
  nn_error err;

  if (nn_dataset_load_folder_fit (dir, &shape, NN_FIT_CENTER_CROP, &ds, &err) != NN_OK)
    g_error ("%s", err.message);
  return ds;
}

/* a-rgb/0.png: (100 + x, 50 y, 255), 2 wide, 3 high */
static float
rgb_png (int c, int y, int x)
{
  return (c == 0 ? 100 + x : c == 1 ? 50 * y : 255) / 255.0f;
}

static void
test_folder_gray (void)
{
  nn_dataset *ds = load_classes (1, 4, 6);
  const float *s;

  g_assert_cmpint (ds->n, ==, 4);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "a-rgb");
  g_assert_cmpstr (ds->class_names[1], ==, "b-gray");
  g_assert_cmpint (ds->labels[0], ==, 0);
  g_assert_cmpint (ds->labels[1], ==, 0);
  g_assert_cmpint (ds->labels[2], ==, 1);
  g_assert_cmpint (ds->labels[3], ==, 1);
  /* RGB PNG, 3×2 in a 4×6 crop: zero padding, 2 columns left, the first row (4-3)/2=0 */
  s = ds->x->data;
  g_assert_cmpfloat (s[0 * 6 + 1], ==, 0.0f);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 2; x++)
      g_assert_cmpfloat_with_epsilon (s[y * 6 + 2 + x],
                                      (rgb_png (0, y, x) + rgb_png (1, y, x) + rgb_png (2, y, x)) / 3,
                                      1e-6);
  g_assert_cmpfloat (s[3 * 6 + 2], ==, 0.0f);
  /* RGB JPEG of (200, 100, 50) -> gray 350/3 (JPEG rounding: a few levels) */
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat_with_epsilon (ds->x->data[24 + i], 350.0f / 3 / 255, 3.0 / 255);
  /* gray PNG 10 y + x, exactly its size */
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 6; x++)
      g_assert_cmpfloat (ds->x->data[48 + y * 6 + x], ==, (10 * y + x) / 255.0f);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat_with_epsilon (ds->x->data[72 + i], 77.0f / 255, 1.5 / 255);
  nn_dataset_free (ds);
}

static void
test_folder_rgb (void)
{
  nn_dataset *ds = load_classes (3, 3, 2);
  const float *s = ds->x->data;

  g_assert_cmpint (ds->x->shape[1], ==, 3);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 2; x++)
        g_assert_cmpfloat (s[(c * 3 + y) * 2 + x], ==, rgb_png (c, y, x));
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (ds->x->data[18 + c * 6], (c == 0 ? 200 : c == 1 ? 100 : 50) / 255.0f,
                                    3.0 / 255);
  /* gray -> RGB repeats the plane; 6×4 cropped to 2×3 from row 1, column 2 */
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 2; x++)
        g_assert_cmpfloat (ds->x->data[36 + (c * 3 + y) * 2 + x], ==,
                           (10 * (y + 0) + x + 2) / 255.0f);
  nn_dataset_free (ds);
}

static void
test_folder_refused (void)
{
  g_autofree char *empty = fixture ("npy");
  g_autofree char *classes = fixture ("classes");
  nn_shape shape = nn_shape_chw (1, 4, 4), vec = nn_shape_f (16);
  nn_dataset *ds = (nn_dataset *) 1;
  nn_error err;

  g_assert_cmpint (nn_dataset_load_folder (empty, &shape, &ds, &err), ==, NN_STATUS_NOT_FOUND);
  g_assert_null (ds);
  assert_message (&err, empty, "no class sub-folders");
  g_assert_cmpint (nn_dataset_load_folder (classes, &vec, &ds, &err), ==, NN_STATUS_SHAPE);
  assert_message (&err, classes, "[16]");
}

static void
test_image_load (void)
{
  g_autofree char *png = fixture ("classes/b-gray/0.png");
  g_autofree char *jpg = fixture ("classes/a-rgb/1.jpg");
  g_autofree char *txt = fixture ("classes/a-rgb/notes.txt");
  nn_shape gray = nn_shape_chw (1, 2, 3), rgb = nn_shape_chw (3, 8, 8), two = nn_shape_chw (2, 4, 4);
  nn_tensor *t = NULL;
  nn_error err;

  /* resize 6×4 -> 3×2: each output averages a 2×2 block (half-pixel centres) */
  g_assert_cmpint (nn_image_load (png, &gray, NN_FIT_RESIZE, &t, &err), ==, NN_OK);
  g_assert_cmpint (t->n_dims, ==, 4);
  g_assert_cmpint (t->shape[0], ==, 1);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++)
      g_assert_cmpfloat_with_epsilon (t->data[y * 3 + x], (20 * y + 5 + 2 * x + 0.5) / 255.0f, 1e-6);
  nn_tensor_free (t);
  g_assert_cmpint (nn_image_load (jpg, &rgb, NN_FIT_RESIZE, &t, &err), ==, NN_OK);
  g_assert_cmpfloat_with_epsilon (t->data[64 * 2 + 9], 50 / 255.0f, 3.0 / 255);
  nn_tensor_free (t);
  g_assert_cmpint (nn_image_load (png, &two, NN_FIT_RESIZE, &t, &err), ==, NN_STATUS_SHAPE);
  g_assert_null (t);
  g_assert_cmpint (nn_image_load (txt, &gray, NN_FIT_RESIZE, &t, &err), ==, NN_STATUS_UNSUPPORTED);
  assert_message (&err, txt, "not a PNG or JPEG");
  g_assert_cmpint (nn_image_load ("/nonexistent.png", &gray, NN_FIT_RESIZE, &t, &err), ==,
                   NN_STATUS_IO);
  assert_message (&err, "/nonexistent.png", "cannot open");
}

/* Cut PNG and JPEG files fail with a message, never exit */
static void
test_image_corrupt (void)
{
  const char *names[] = { "classes/b-gray/0.png", "classes/a-rgb/1.jpg" };
  nn_shape gray = nn_shape_chw (1, 4, 4);
  char *dir = temp_dir ();

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *src = fixture (names[i]);
      g_autofree char *data = NULL;
      g_autofree char *path = NULL;
      nn_tensor *t = (nn_tensor *) 1;
      nn_error err;
      gsize len;

      g_assert_true (g_file_get_contents (src, &data, &len, NULL));
      /* the JPEG's frame header is within its first 200 bytes: cut inside the tables */
      path = write_file (dir, i == 0 ? "cut.png" : "cut.jpg", data, i == 0 ? len - 20 : 120);
      g_assert_cmpint (nn_image_load (path, &gray, NN_FIT_RESIZE, &t, &err), ==, NN_STATUS_FORMAT);
      g_assert_null (t);
      assert_message (&err, path, i == 0 ? "PNG" : "JPEG");
    }
  remove_dir (dir);
}

/* ---------------------------------------------------------------- preprocessing */

/* A 1-sample data set with one channel of h×w values 0, 1, 2, ... */
static nn_dataset *
ramp (int64_t c, int64_t h, int64_t w)
{
  g_autofree char *dir = fixture ("npy");
  nn_dataset *ds = NULL;
  nn_error err;
  int64_t shape[4] = { 1, c, h, w };

  g_assert_cmpint (load_npy ("y-int64.npy", &ds, &err), ==, NN_OK);
  nn_tensor_free (ds->x);
  ds->x = nn_tensor_new (4, shape, NULL);
  ds->n = 1;
  for (int64_t i = 0; i < c * h * w; i++)
    ds->x->data[i] = (float) i;
  return ds;
}

static void
assert_values (const nn_dataset *ds, const float *want, int n)
{
  g_assert_cmpint (nn_tensor_numel (ds->x), ==, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (ds->x->data[i], want[i], 1e-5);
}

static void
preprocess_to (nn_dataset *ds, nn_shape shape, nn_fit_mode fit)
{
  nn_preprocess pp = { .fit = fit };
  nn_error err;

  if (nn_dataset_preprocess (ds, &shape, &pp, &err) != NN_OK)
    g_error ("%s", err.message);
}

static void
test_preprocess_crop (void)
{
  const float c44[] = { 5, 6, 9, 10 };
  const float c55[] = { 6, 7, 11, 12 };
  const float pad[] = { 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 3, 0, 0, 0, 0, 0 };
  nn_dataset *ds;

  ds = ramp (1, 4, 4);
  preprocess_to (ds, nn_shape_chw (1, 2, 2), NN_FIT_CENTER_CROP);
  assert_values (ds, c44, 4);
  nn_dataset_free (ds);
  ds = ramp (1, 5, 5);
  preprocess_to (ds, nn_shape_chw (1, 2, 2), NN_FIT_CENTER_CROP);
  assert_values (ds, c55, 4);
  nn_dataset_free (ds);
  ds = ramp (1, 2, 2);
  preprocess_to (ds, nn_shape_chw (1, 4, 4), NN_FIT_CENTER_CROP);
  assert_values (ds, pad, 16);
  nn_dataset_free (ds);
}

/* torch.nn.functional.interpolate (mode="bilinear", align_corners=False) */
static void
test_preprocess_resize (void)
{
  const float up[] = { 0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5,
                       1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3 };
  const float down[] = { 2.5, 4.5, 10.5, 12.5 };
  const float odd[] = { 1.1666666f, 2.5f, 3.8333333f, 7.1666665f, 8.5f, 9.8333333f };
  nn_dataset *ds;

  ds = ramp (1, 2, 2);
  preprocess_to (ds, nn_shape_chw (1, 4, 4), NN_FIT_RESIZE);
  assert_values (ds, up, 16);
  nn_dataset_free (ds);
  ds = ramp (1, 4, 4);
  preprocess_to (ds, nn_shape_chw (1, 2, 2), NN_FIT_RESIZE);
  assert_values (ds, down, 4);
  nn_dataset_free (ds);
  ds = ramp (1, 3, 4);
  preprocess_to (ds, nn_shape_chw (1, 2, 3), NN_FIT_RESIZE);
  assert_values (ds, odd, 6);
  nn_dataset_free (ds);
}

static void
test_preprocess_channels (void)
{
  const float gray[] = { 4, 5, 6, 7 };            /* mean of planes 0..3, 4..7, 8..11 */
  const float rgb[] = { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 };
  const float norm[] = { -1, 1, 3, 5 };          /* (x - 0.5) / 0.5 */
  nn_preprocess pp = { .normalize = true, .mean = { 0.5f, 0.5f, 0.5f }, .std = { 0.5f, 0.5f, 0.5f } };
  nn_shape vec = nn_shape_f (4), bad = nn_shape_f (5), two = nn_shape_chw (2, 2, 2);
  nn_dataset *ds;
  nn_error err;

  ds = ramp (3, 2, 2);
  preprocess_to (ds, nn_shape_chw (1, 2, 2), NN_FIT_CENTER_CROP);
  assert_values (ds, gray, 4);
  nn_dataset_free (ds);
  ds = ramp (1, 2, 2);
  preprocess_to (ds, nn_shape_chw (3, 2, 2), NN_FIT_CENTER_CROP);
  assert_values (ds, rgb, 12);
  g_assert_cmpint (nn_dataset_preprocess (ds, &two, &pp, &err), ==, NN_STATUS_SHAPE);
  assert_message (&err, "[3, 2, 2]", "channels");
  nn_dataset_free (ds);
  /* [1, 2, 2] samples into a vector input: flattened, then normalised */
  ds = ramp (1, 2, 2);
  g_assert_cmpint (nn_dataset_preprocess (ds, &vec, &pp, &err), ==, NN_OK);
  g_assert_cmpint (ds->x->n_dims, ==, 2);
  g_assert_cmpint (ds->x->shape[1], ==, 4);
  assert_values (ds, norm, 4);
  g_assert_cmpint (nn_dataset_preprocess (ds, &bad, &pp, &err), ==, NN_STATUS_SHAPE);
  assert_message (&err, "[5]", "element counts");
  pp.std[1] = 0;
  g_assert_cmpint (nn_dataset_preprocess (ds, &vec, &pp, &err), ==, NN_STATUS_INVALID_ARG);
  nn_dataset_free (ds);
}

/* ---------------------------------------------------------------- shuffling, splitting */

static void
assert_permutation (const int64_t *p, int64_t n)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n > 0 ? n : 1);

  for (int64_t i = 0; i < n; i++)
    {
      g_assert_cmpint (p[i], >=, 0);
      g_assert_cmpint (p[i], <, n);
      g_assert_false (seen[p[i]]);
      seen[p[i]] = TRUE;
    }
}

static void
test_permutation (void)
{
  g_autofree int64_t *a = nn_dataset_permutation (1000, 42);
  g_autofree int64_t *b = nn_dataset_permutation (1000, 42);
  g_autofree int64_t *c = nn_dataset_permutation (1000, 43);
  g_autofree int64_t *one = nn_dataset_permutation (1, 5);
  g_autofree int64_t *none = nn_dataset_permutation (0, 5);
  int64_t fixed = 0, differ = 0;

  assert_permutation (a, 1000);
  assert_permutation (c, 1000);
  g_assert_cmpmem (a, 1000 * sizeof (int64_t), b, 1000 * sizeof (int64_t));
  for (int64_t i = 0; i < 1000; i++)
    {
      fixed += a[i] == i;
      differ += a[i] != c[i];
    }
  /* a shuffle leaves about one element in place; another seed moves almost all */
  g_assert_cmpint (fixed, <, 10);
  g_assert_cmpint (differ, >, 900);
  g_assert_cmpint (one[0], ==, 0);
  g_assert_nonnull (none);
  g_assert_null (nn_dataset_permutation (-1, 5));
}

static void
test_split (void)
{
  g_autofree char *x = fixture ("tiny/train-x.npy");
  g_autofree char *y = fixture ("tiny/train-y.npy");
  nn_dataset *ds = NULL, *val = NULL, *again = NULL, *val2 = NULL;
  int64_t counts[3] = { 0 };
  nn_error err;

  g_assert_cmpint (nn_dataset_load_npy (x, y, &ds, &err), ==, NN_OK);
  g_assert_cmpint (nn_dataset_load_npy (x, y, &again, &err), ==, NN_OK);
  g_assert_cmpint (nn_dataset_split (ds, 0.25, 9, &val, &err), ==, NN_OK);
  g_assert_cmpint (ds->n, ==, 90);
  g_assert_cmpint (val->n, ==, 30);
  g_assert_cmpint (ds->x->shape[0], ==, 90);
  g_assert_cmpint (val->x->shape[0], ==, 30);
  g_assert_cmpint (val->n_classes, ==, 3);
  g_assert_cmpstr (val->class_names[1], ==, "1");
  for (int64_t i = 0; i < ds->n; i++)
    counts[ds->labels[i]]++;
  for (int64_t i = 0; i < val->n; i++)
    counts[val->labels[i]]++;
  for (int k = 0; k < 3; k++)
    g_assert_cmpint (counts[k], ==, 40);
  /* the same seed gives the same split */
  g_assert_cmpint (nn_dataset_split (again, 0.25, 9, &val2, &err), ==, NN_OK);
  g_assert_cmpmem (val->x->data, 30 * 36 * sizeof (float), val2->x->data, 30 * 36 * sizeof (float));
  nn_dataset_free (val2);
  g_assert_cmpint (nn_dataset_split (again, 1.0, 9, &val2, &err), ==, NN_STATUS_INVALID_ARG);
  g_assert_cmpint (nn_dataset_split (again, 0.001, 9, &val2, &err), ==, NN_STATUS_INVALID_ARG);
  assert_message (&err, "empty", NULL);
  g_assert_null (val2);
  g_assert_cmpint (again->n, ==, 90);
  nn_dataset_free (again);
  nn_dataset_free (val);
  nn_dataset_free (ds);
}

static void
test_gather (void)
{
  nn_dataset *ds = NULL;
  nn_error err;
  const int64_t idx[2] = { 3, 1 };
  int64_t labels[2];
  nn_tensor *x = nn_tensor_new_4d (2, 1, 2, 2, NULL);

  g_assert_cmpint (load_npy ("y-int64.npy", &ds, &err), ==, NN_OK);
  nn_dataset_gather (ds, idx, 2, x, labels);
  g_assert_cmpint (labels[0], ==, 2);
  g_assert_cmpint (labels[1], ==, 0);
  g_assert_cmpfloat_with_epsilon (x->data[0], 1.2f, 1e-6);
  g_assert_cmpfloat_with_epsilon (x->data[7], 0.7f, 1e-6);
  nn_tensor_free (x);
  nn_dataset_free (ds);
}

/* ---------------------------------------------------------------- loading by spec */

static void
test_load_spec (void)
{
  g_autofree char *mnist = fixture ("mnist");
  g_autofree char *classes = fixture ("classes");
  g_autofree char *x = fixture ("npy/x.npy");
  g_autofree char *y = fixture ("npy/y-int32.npy");
  g_autofree char *spec = g_strconcat (x, ":", y, NULL);
  nn_shape shape = nn_shape_chw (1, 4, 6);
  nn_dataset *ds = NULL;
  nn_error err;

  g_assert_cmpint (nn_dataset_load (mnist, "test", &shape, &ds, &err), ==, NN_OK);
  g_assert_cmpint (ds->n, ==, 2);
  nn_dataset_free (ds);
  g_assert_cmpint (nn_dataset_load (classes, "train", &shape, &ds, &err), ==, NN_OK);
  g_assert_cmpint (ds->n, ==, 4);
  nn_dataset_free (ds);
  g_assert_cmpint (nn_dataset_load (spec, "train", &shape, &ds, &err), ==, NN_OK);
  g_assert_cmpint (ds->n, ==, 4);
  nn_dataset_free (ds);
  g_assert_cmpint (nn_dataset_load (x, "train", &shape, &ds, &err), ==, NN_STATUS_IO);
  assert_message (&err, x, "X.npy:Y.npy");
  g_assert_true (nn_dataset_has_split (mnist, "test"));
  g_assert_true (nn_dataset_has_split (mnist, "train"));
  g_assert_false (nn_dataset_has_split (classes, "test"));
  g_assert_false (nn_dataset_has_split (spec, "test"));
  /* what a spec names is there, or not */
  g_assert_true (nn_dataset_spec_exists (mnist));
  g_assert_true (nn_dataset_spec_exists (spec));
  g_assert_false (nn_dataset_spec_exists (x));           /* a file, not a folder */
  {
    g_autofree char *gone = g_strconcat (x, ":", y, ".gone", NULL);
    g_autofree char *gone_dir = g_strconcat (classes, "-gone", NULL);

    g_assert_false (nn_dataset_spec_exists (gone));
    g_assert_false (nn_dataset_spec_exists (gone_dir));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/idx/plain", test_idx_plain);
  g_test_add_func ("/data/idx/gzip", test_idx_gzip);
  g_test_add_func ("/data/idx/bad-headers", test_idx_bad);
  g_test_add_func ("/data/class-names", test_class_names);
  g_test_add_func ("/data/idx/gzip-truncated", test_idx_gzip_truncated);
  g_test_add_func ("/data/npy/pairs", test_npy_pairs);
  g_test_add_func ("/data/npy/refused", test_npy_refused);
  g_test_add_func ("/data/folder/gray", test_folder_gray);
  g_test_add_func ("/data/folder/rgb", test_folder_rgb);
  g_test_add_func ("/data/folder/refused", test_folder_refused);
  g_test_add_func ("/data/image/load", test_image_load);
  g_test_add_func ("/data/image/corrupt", test_image_corrupt);
  g_test_add_func ("/data/preprocess/crop", test_preprocess_crop);
  g_test_add_func ("/data/preprocess/resize", test_preprocess_resize);
  g_test_add_func ("/data/preprocess/channels", test_preprocess_channels);
  g_test_add_func ("/data/permutation", test_permutation);
  g_test_add_func ("/data/split", test_split);
  g_test_add_func ("/data/gather", test_gather);
  g_test_add_func ("/data/load-spec", test_load_spec);
  return g_test_run ();
}
