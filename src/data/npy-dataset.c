/* npy-dataset.c - a data set from two .npy files: inputs [N, ...] and integer labels [N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The inputs go through the engine's reader (float32/float64). The engine reads no
 * integer arrays, so the labels' header is parsed here: a 1-D array of a signed or
 * unsigned integer type of 1, 2, 4 or 8 bytes, little-endian, C order.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data-private.h"

typedef struct label_type {
  bool is_signed;
  int size;
} label_type;

/* The value of 'key': in the header dict, or NULL */
static const char *
dict_value (const char *dict, const char *key)
{
  const char *p = strstr (dict, key);

  if (p == NULL)
    return NULL;
  p = strchr (p + strlen (key), ':');
  if (p == NULL)
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  return p;
}

static nn_status
parse_descr (const char *dict, const char *path, label_type *lt, nn_error *err)
{
  const char *d = dict_value (dict, "'descr'");
  char order, kind;
  int size;

  if (d == NULL || sscanf (d, "'%c%c%d'", &order, &kind, &size) != 3)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: no dtype in the .npy header", path);
  if (kind == 'f')
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: labels have a floating-point "
                         "dtype; they must be integers (e.g. int64)", path);
  if ((kind != 'i' && kind != 'u') || (size != 1 && size != 2 && size != 4 && size != 8))
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: label dtype '%c%c%d' is not "
                         "supported (integers of 1, 2, 4 or 8 bytes)", path, order, kind, size);
  if (order == '>' && size > 1)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: big-endian labels are not "
                         "supported", path);
  lt->is_signed = kind == 'i';
  lt->size = size;
  return NN_OK;
}

static nn_status
parse_shape (const char *dict, const char *path, int64_t *n, nn_error *err)
{
  const char *order = dict_value (dict, "'fortran_order'");
  const char *shape = dict_value (dict, "'shape'");
  long long v;
  char close;

  if (order == NULL || shape == NULL)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: the .npy header lacks "
                         "fortran_order or shape", path);
  if (strncmp (order, "False", 5) != 0)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: Fortran-order arrays are not "
                         "supported", path);
  if (sscanf (shape, "(%lld ,%c", &v, &close) != 2 || close != ')' || v < 0)
    {
      const char *end = strchr (shape, ')');
      int len = end != NULL && end - shape < 40 ? (int) (end - shape) + 1 : 40;

      return nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: labels must be a 1-D array [N], "
                           "the header says shape %.*s", path, len, shape);
    }
  *n = v;
  return NN_OK;
}

/* Reads magic, version, header; leaves f at the data. */
static nn_status
read_header (FILE *f, const char *path, label_type *lt, int64_t *n, nn_error *err)
{
  uint8_t pre[12];
  size_t len, pre_len;
  char *dict;
  nn_status st;

  if (fread (pre, 1, 10, f) != 10 || memcmp (pre, "\x93NUMPY", 6) != 0)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: not a .npy file", path);
  if (pre[6] == 1)
    len = pre[8] | (pre[9] << 8), pre_len = 10;
  else if ((pre[6] == 2 || pre[6] == 3) && fread (pre + 10, 1, 2, f) == 2)
    len = pre[8] | (pre[9] << 8) | ((size_t) pre[10] << 16) | ((size_t) pre[11] << 24),
    pre_len = 12;
  else
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: .npy version %d is not "
                         "supported", path, pre[6]);
  (void) pre_len;
  if (len > 65536)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: .npy header too long", path);
  dict = calloc (len + 1, 1);
  if (dict == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  if (fread (dict, 1, len, f) != len)
    st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated .npy header", path);
  else
    st = parse_descr (dict, path, lt, err);
  if (st == NN_OK)
    st = parse_shape (dict, path, n, err);
  free (dict);
  return st;
}

static int64_t
decode_label (const uint8_t *b, const label_type *lt)
{
  uint64_t u = 0;

  for (int i = lt->size - 1; i >= 0; i--)
    u = (u << 8) | b[i];
  if (lt->is_signed && lt->size < 8 && (u >> (lt->size * 8 - 1)) & 1)
    u |= ~(uint64_t) 0 << (lt->size * 8);
  /* uint64 above INT64_MAX becomes negative here and is refused as a label */
  return (int64_t) u;
}

static nn_status
read_labels (const char *path, int64_t expect_n, int64_t *labels, nn_error *err)
{
  FILE *f = fopen (path, "rb");
  label_type lt = { 0 };
  int64_t n = 0;
  uint8_t b[8];
  nn_status st;

  if (f == NULL)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
  st = read_header (f, path, &lt, &n, err);
  if (st == NN_OK && n != expect_n)
    st = nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: has %" PRId64 " labels but the inputs "
                       "have %" PRId64 " samples", path, n, expect_n);
  for (int64_t i = 0; st == NN_OK && i < n; i++)
    {
      if (fread (b, 1, (size_t) lt.size, f) != (size_t) lt.size)
        st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated (%" PRId64 " of %" PRId64
                           " labels)", path, i, n);
      else
        labels[i] = decode_label (b, &lt);
    }
  fclose (f);
  return st;
}

/* [N, C, H, W] and [N, F] stay; [N, H, W] becomes [N, 1, H, W] */
static nn_status
check_inputs (const nn_tensor *x, const char *path, nn_error *err)
{
  char buf[96];

  if (x->n_dims < 2)
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: inputs must be [N, C, H, W], [N, H, W] "
                         "or [N, F], not %s", path, nn_shape_format (x->n_dims, x->shape, buf,
                                                                     sizeof buf));
  if (x->shape[0] == 0)
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: contains no samples (N = 0)", path);
  return NN_OK;
}

nn_status
nn_dataset_load_npy (const char *x_path, const char *y_path, nn_dataset **out, nn_error *err)
{
  nn_dataset *ds;
  nn_status st;

  *out = NULL;
  ds = calloc (1, sizeof *ds);
  if (ds == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  st = nn_npy_read (x_path, &ds->x, err);
  if (st == NN_OK)
    st = check_inputs (ds->x, x_path, err);
  if (st == NN_OK)
    {
      ds->n = ds->x->shape[0];
      if (ds->x->n_dims == 3)
        {
          ds->x->n_dims = 4;
          ds->x->shape[3] = ds->x->shape[2];
          ds->x->shape[2] = ds->x->shape[1];
          ds->x->shape[1] = 1;
        }
      ds->labels = calloc ((size_t) ds->n, sizeof (int64_t));
      if (ds->labels == NULL)
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  if (st == NN_OK)
    st = read_labels (y_path, ds->n, ds->labels, err);
  if (st == NN_OK)
    st = nn_dataset_check_labels (ds, y_path, err);
  if (st == NN_OK && !nn_dataset_number_classes (ds, ds->n_classes))
    st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  if (st != NN_OK)
    {
      nn_dataset_free (ds);
      return st;
    }
  *out = ds;
  return NN_OK;
}
