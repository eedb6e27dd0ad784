/* npy.c - NumPy .npy files: float32/float64, C order, rank 0..4 for nn_tensor; for the
 * graph engine's nn_array also rank 0..8 and int64, int32, bool (narrower integers
 * widened to int32, uint32 to int64)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files come from users, so the header is parsed by a small strict parser (never
 * eval'd, never trusted): magic, version 1.0/2.0/3.0, a dict with exactly 'descr',
 * 'fortran_order' and 'shape'. The element count is checked for overflow and against
 * the bytes actually present before anything is allocated.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn-private.h"
#include "core/array.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* NumPy itself refuses headers over 10000 bytes unless told otherwise */
#define NPY_HEADER_MAX 65536

typedef struct npy_header {
  int item;                 /* bytes of one element */
  char kind;                /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
  bool big_endian;
  int32_t n_dims;
  int64_t shape[NN_ARRAY_MAX_RANK];
  int64_t numel;
  size_t data_offset;       /* bytes before the data */
} npy_header;

typedef struct npy_parser {
  const char *p, *end;
  const char *name;
  nn_error *err;
  bool arrays;              /* for nn_array: rank up to 8, integer and bool dtypes */
} npy_parser;

static nn_status
bad_header (npy_parser *ps, const char *what)
{
  return nn_error_set (ps->err, NN_STATUS_FORMAT, -1, "%s: invalid .npy header: %s", ps->name,
                       what);
}

static void
skip_ws (npy_parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
    ps->p++;
}

static bool
accept (npy_parser *ps, char c)
{
  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == c)
    {
      ps->p++;
      return true;
    }
  return false;
}

/* A Python string literal without escapes, into buf */
static bool
parse_string (npy_parser *ps, char *buf, size_t size)
{
  char quote;
  size_t len = 0;

  skip_ws (ps);
  if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
    return false;
  quote = *ps->p++;
  while (ps->p < ps->end && *ps->p != quote)
    {
      if (*ps->p == '\\' || (unsigned char) *ps->p < 0x20 || len + 1 >= size)
        return false;
      buf[len++] = *ps->p++;
    }
  if (ps->p >= ps->end)
    return false;
  ps->p++;
  buf[len] = '\0';
  return true;
}

static bool
parse_word (npy_parser *ps, const char *word)
{
  size_t len = strlen (word);

  skip_ws (ps);
  if ((size_t) (ps->end - ps->p) < len || memcmp (ps->p, word, len) != 0)
    return false;
  ps->p += len;
  return true;
}

/* A non-negative decimal integer, with overflow check */
static nn_status
parse_dim (npy_parser *ps, int64_t *out)
{
  int64_t v = 0;
  const char *start;

  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == '-')
    return bad_header (ps, "negative dimension in 'shape'");
  start = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
    {
      if (v > (INT64_MAX - (*ps->p - '0')) / 10)
        return bad_header (ps, "dimension in 'shape' is too large");
      v = v * 10 + (*ps->p++ - '0');
    }
  if (ps->p == start)
    return bad_header (ps, "'shape' must be a tuple of integers");
  *out = v;
  return NN_OK;
}

static nn_status
parse_shape (npy_parser *ps, npy_header *h)
{
  nn_status status;

  if (!accept (ps, '('))
    return bad_header (ps, "'shape' must be a tuple");
  h->n_dims = 0;
  while (!accept (ps, ')'))
    {
      int64_t d = 0;

      if ((status = parse_dim (ps, &d)) != NN_OK)
        return status;
      if (h->n_dims == (ps->arrays ? NN_ARRAY_MAX_RANK : NN_MAX_DIMS))
        return nn_error_set (ps->err, NN_STATUS_UNSUPPORTED, -1,
                             "%s: arrays of rank above %d are not supported", ps->name,
                             h->n_dims);
      h->shape[h->n_dims++] = d;
      if (!accept (ps, ',') && !(skip_ws (ps), ps->p < ps->end && *ps->p == ')'))
        return bad_header (ps, "'shape' must be a tuple of integers");
    }
  return NN_OK;
}

static nn_status
parse_descr (npy_parser *ps, npy_header *h)
{
  char d[32], kind;

  if (!parse_string (ps, d, sizeof d))
    return bad_header (ps, "'descr' must be a string");
  if ((d[0] == '<' || d[0] == '>') && (strcmp (d + 1, "f4") == 0 || strcmp (d + 1, "f8") == 0))
    {
      h->big_endian = d[0] == '>';
      h->item = d[2] == '4' ? 4 : 8;
      h->kind = 'f';
      return NN_OK;
    }
  kind = d[d[0] != '\0' && strchr ("<>|=", d[0]) != NULL ? 1 : 0];
  if (ps->arrays && kind != '\0' && strchr ("iub", kind) != NULL)
    {
      const char *size = &d[(d[0] != kind) + 1];

      h->big_endian = d[0] == '>';
      h->kind = kind;
      h->item = size[0] >= '1' && size[0] <= '8' && size[1] == '\0' ? size[0] - '0' : 0;
      if ((kind == 'b' && h->item == 1) || (kind == 'i' && strchr ("\1\2\4\10", h->item))
          || (kind == 'u' && strchr ("\1\2\4", h->item)))
        if (h->item != 0)
          return NN_OK;
      return nn_error_set (ps->err, NN_STATUS_UNSUPPORTED, -1,
                           "%s: dtype '%s' is not supported: float32, float64, int8-int64, "
                           "uint8-uint32 and bool are", ps->name, d);
    }
  if (kind != '\0' && strchr ("iub", kind) != NULL)
    return nn_error_set (ps->err, NN_STATUS_UNSUPPORTED, -1,
                         "%s: integer/boolean data (dtype '%s') is not supported: only "
                         "float32 and float64", ps->name, d);
  return nn_error_set (ps->err, NN_STATUS_UNSUPPORTED, -1,
                       "%s: dtype '%s' is not supported: only float32 and float64 ('<f4', "
                       "'<f8')", ps->name, d);
}

static nn_status
parse_entry (npy_parser *ps, npy_header *h, unsigned *seen)
{
  char key[32];

  if (!parse_string (ps, key, sizeof key) || !accept (ps, ':'))
    return bad_header (ps, "expected 'key': value");
  if (strcmp (key, "descr") == 0 && !(*seen & 1))
    {
      *seen |= 1;
      return parse_descr (ps, h);
    }
  if (strcmp (key, "fortran_order") == 0 && !(*seen & 2))
    {
      *seen |= 2;
      if (parse_word (ps, "False"))
        return NN_OK;
      if (parse_word (ps, "True"))
        return nn_error_set (ps->err, NN_STATUS_UNSUPPORTED, -1,
                             "%s: Fortran-order arrays are not supported (save with C order)",
                             ps->name);
      return bad_header (ps, "'fortran_order' must be True or False");
    }
  if (strcmp (key, "shape") == 0 && !(*seen & 4))
    {
      *seen |= 4;
      return parse_shape (ps, h);
    }
  return bad_header (ps, "unknown or repeated key in the header dict");
}

static nn_status
parse_dict (npy_parser *ps, npy_header *h)
{
  unsigned seen = 0;
  nn_status status;

  if (!accept (ps, '{'))
    return bad_header (ps, "expected a dict");
  while (!accept (ps, '}'))
    {
      if ((status = parse_entry (ps, h, &seen)) != NN_OK)
        return status;
      if (!accept (ps, ',') && !(skip_ws (ps), ps->p < ps->end && *ps->p == '}'))
        return bad_header (ps, "expected ',' or '}'");
    }
  if (seen != 7)
    return bad_header (ps, "'descr', 'fortran_order' and 'shape' are all required");
  /* only padding may follow: spaces, then the final newline */
  skip_ws (ps);
  if (ps->p < ps->end && *ps->p == '\n')
    ps->p++;
  if (ps->p != ps->end)
    return bad_header (ps, "unexpected text after the dict");
  return NN_OK;
}

/* Magic and version: the header text then sits at [*start, *start + *len). */
static nn_status
parse_preamble (const unsigned char *buf, size_t avail, const char *name, size_t *start,
                size_t *len, nn_error *err)
{
  if (avail < 10 || memcmp (buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: not a NumPy .npy file", name);
  if (buf[7] != 0 || buf[6] < 1 || buf[6] > 3)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1,
                         "%s: .npy format version %u.%u is not supported (1.0, 2.0, 3.0 are)",
                         name, buf[6], buf[7]);
  if (buf[6] == 1)
    {
      *len = (size_t) buf[8] | (size_t) buf[9] << 8;
      *start = 10;
    }
  else
    {
      if (avail < 12)
        return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated .npy header", name);
      *len = (size_t) buf[8] | (size_t) buf[9] << 8 | (size_t) buf[10] << 16
             | (size_t) buf[11] << 24;
      *start = 12;
    }
  if (*len > NPY_HEADER_MAX)
    return nn_error_set (err, NN_STATUS_FORMAT, -1,
                         "%s: .npy header of %zu bytes is implausibly long", name, *len);
  return NN_OK;
}

/* Parses the header text and checks the data size against the bytes in the file. */
static nn_status
parse_header (const char *text, size_t start, size_t len, uint64_t file_size,
              const char *name, bool arrays, npy_header *h, nn_error *err)
{
  npy_parser ps = { text, text + len, name, err, arrays };
  nn_status status;
  int64_t bytes = 1;
  uint64_t avail;

  memset (h, 0, sizeof *h);
  if (file_size < start + len)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated .npy header", name);
  if ((status = parse_dict (&ps, h)) != NN_OK)
    return status;
  h->numel = 1;
  for (int i = 0; i < h->n_dims; i++)
    if (!nn_checked_mul (h->numel, h->shape[i], &h->numel))
      return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: the shape's element count "
                           "overflows", name);
  if (!nn_checked_mul (h->numel, h->item, &bytes))
    return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: the data size overflows", name);
  h->data_offset = start + len;
  avail = file_size - h->data_offset;
  if ((uint64_t) bytes > avail)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated: the shape needs %lld "
                         "bytes of data but only %llu follow the header", name,
                         (long long) bytes, (unsigned long long) avail);
  if ((uint64_t) bytes < avail)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: %llu unexpected bytes after the "
                         "data", name, (unsigned long long) (avail - (uint64_t) bytes));
  return NN_OK;
}

/* Raw little/big-endian f4/f8 elements to native floats, byte by byte (portable). */
static void
decode (const unsigned char *src, int64_t count, const npy_header *h, float *dst)
{
  for (int64_t i = 0; i < count; i++, src += h->item)
    {
      uint64_t bits = 0;

      for (int b = 0; b < h->item; b++)
        {
          int shift = h->big_endian ? (h->item - 1 - b) * 8 : b * 8;

          bits |= (uint64_t) src[b] << shift;
        }
      if (h->item == 4)
        {
          uint32_t b32 = (uint32_t) bits;
          float f;

          memcpy (&f, &b32, sizeof f);
          dst[i] = f;
        }
      else
        {
          double d;

          memcpy (&d, &bits, sizeof d);
          dst[i] = (float) d;
        }
    }
}

static bool
is_native (const npy_header *h)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return h->item == 4 && !h->big_endian;
#else
  return false;
#endif
}

static nn_tensor *
tensor_for (const npy_header *h, const char *name, nn_error *err)
{
  nn_error sub = { NN_STATUS_NOMEM, -1, "out of memory" };
  nn_tensor *t = nn_tensor_new (h->n_dims, h->shape, &sub);

  if (t == NULL)
    nn_error_set (err, sub.status, -1, "%s: %s", name, sub.message);
  return t;
}

nn_status
nn_npy_read_mem (const void *data, size_t size, const char *name, nn_tensor **out,
                 nn_error *err)
{
  const unsigned char *buf = data;
  size_t start = 0, len = 0;
  npy_header h;
  nn_status status;
  nn_tensor *t;

  *out = NULL;
  if (name == NULL)
    name = "(memory)";
  if ((status = parse_preamble (buf, size, name, &start, &len, err)) != NN_OK
      || (status = parse_header ((const char *) buf + start, start, len, size, name, false,
                                 &h, err)) != NN_OK)
    return status;
  if ((t = tensor_for (&h, name, err)) == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  if (h.numel == 0)
    ;
  else if (is_native (&h))
    memcpy (t->data, buf + h.data_offset, (size_t) h.numel * sizeof (float));
  else
    decode (buf + h.data_offset, h.numel, &h, t->data);
  *out = t;
  return NN_OK;
}

static nn_status
read_error (const char *path, nn_error *err)
{
  return nn_error_set (err, NN_STATUS_IO, -1, "%s: read failed: %s", path,
                       errno != 0 ? strerror (errno) : "unexpected end of file");
}

/* Reads the data of an opened file into t, converting in chunks when needed. */
static nn_status
read_data (FILE *f, const char *path, const npy_header *h, nn_tensor *t, nn_error *err)
{
  enum { CHUNK = 8192 };
  unsigned char buf[CHUNK * 8];

  errno = 0;
  if (h->numel == 0)
    return NN_OK;
  if (is_native (h))
    {
      if (fread (t->data, sizeof (float), (size_t) h->numel, f) != (size_t) h->numel)
        return read_error (path, err);
      return NN_OK;
    }
  for (int64_t done = 0; done < h->numel;)
    {
      int64_t n = h->numel - done < CHUNK ? h->numel - done : CHUNK;

      if (fread (buf, (size_t) h->item, (size_t) n, f) != (size_t) n)
        return read_error (path, err);
      decode (buf, n, h, t->data + done);
      done += n;
    }
  return NN_OK;
}

static nn_status
read_header (FILE *f, const char *path, uint64_t size, bool arrays, npy_header *h,
             nn_error *err)
{
  unsigned char pre[12];
  size_t got, start = 0, len = 0;
  char *text;
  nn_status status;

  errno = 0;
  got = fread (pre, 1, size < sizeof pre ? (size_t) size : sizeof pre, f);
  if ((status = parse_preamble (pre, got, path, &start, &len, err)) != NN_OK)
    return status;
  if (size < start + len)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated .npy header", path);
  /* len <= NPY_HEADER_MAX, checked by parse_preamble */
  if ((text = malloc (len + 1)) == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
  if (fseek (f, (long) start, SEEK_SET) != 0 || fread (text, 1, len, f) != len)
    status = read_error (path, err);
  else
    status = parse_header (text, start, len, size, path, arrays, h, err);
  free (text);
  return status;
}

/* Opens path and reads its header; *f is the open file (also on failure after the open,
 * for the caller to close; NULL when it did not open). */
static nn_status
open_header (const char *path, bool arrays, FILE **f, npy_header *h, nn_error *err)
{
  struct stat st;

  if ((*f = fopen (path, "rb")) == NULL)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
  if (fstat (fileno (*f), &st) != 0 || !S_ISREG (st.st_mode))
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: not a regular file", path);
  return read_header (*f, path, (uint64_t) st.st_size, arrays, h, err);
}

nn_status
nn_npy_read (const char *path, nn_tensor **out, nn_error *err)
{
  npy_header h;
  nn_status status;
  nn_tensor *t = NULL;
  FILE *f;

  *out = NULL;
  if ((status = open_header (path, false, &f, &h, err)) == NN_OK)
    {
      if ((t = tensor_for (&h, path, err)) == NULL)
        status = err != NULL ? err->status : NN_STATUS_NOMEM;
      else if ((status = read_data (f, path, &h, t, err)) != NN_OK)
        nn_tensor_free (t);
      else
        *out = t;
    }
  if (f != NULL)
    fclose (f);
  return status;
}

/* "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" padded with spaces and a
 * newline so that the data starts on a 64-byte boundary, as NumPy writes it */
static size_t
format_header (const char *descr, int32_t n_dims, const int64_t *dims, char *buf,
               size_t size)
{
  char shape[256] = "";
  size_t len, total;

  for (int i = 0; i < n_dims; i++)
    {
      size_t used = strlen (shape);

      snprintf (shape + used, sizeof shape - used, "%lld%s", (long long) dims[i],
                n_dims == 1 ? "," : i + 1 < n_dims ? ", " : "");
    }
  len = (size_t) snprintf (buf, size, "{'descr': '%s', 'fortran_order': False, "
                           "'shape': (%s), }", descr, shape);
  total = (10 + len + 1 + 63) / 64 * 64;
  memset (buf + len, ' ', total - 10 - len - 1);
  buf[total - 10 - 1] = '\n';
  return total - 10;
}

/* creates path and writes the preamble and header; NULL (and err) when it cannot */
static FILE *
create_npy (const char *path, const char *descr, int32_t n_dims, const int64_t *dims,
            nn_error *err)
{
  char header[512];
  unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };
  size_t len = format_header (descr, n_dims, dims, header, sizeof header);
  FILE *f;

  pre[8] = (unsigned char) (len & 0xff);
  pre[9] = (unsigned char) (len >> 8);
  if ((f = fopen (path, "wb")) == NULL)
    {
      nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot create: %s", path, strerror (errno));
      return NULL;
    }
  if (fwrite (pre, 1, sizeof pre, f) != sizeof pre || fwrite (header, 1, len, f) != len)
    {
      fclose (f);
      remove (path);
      nn_error_set (err, NN_STATUS_IO, -1, "%s: write failed: %s", path, strerror (errno));
      return NULL;
    }
  return f;
}

/* closes f; a failed write (ok false) or close removes the file */
static nn_status
close_npy (FILE *f, const char *path, bool ok, nn_error *err)
{
  if (fclose (f) != 0)
    ok = false;
  if (ok)
    return NN_OK;
  remove (path);
  return nn_error_set (err, NN_STATUS_IO, -1, "%s: write failed: %s", path, strerror (errno));
}

static bool
write_data (FILE *f, const nn_tensor *t, int64_t numel)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return fwrite (t->data, sizeof (float), (size_t) numel, f) == (size_t) numel;
#else
  for (int64_t i = 0; i < numel; i++)
    {
      uint32_t bits;
      unsigned char le[4];

      memcpy (&bits, &t->data[i], 4);
      for (int b = 0; b < 4; b++)
        le[b] = (unsigned char) (bits >> (8 * b));
      if (fwrite (le, 1, 4, f) != 4)
        return false;
    }
  return true;
#endif
}

nn_status
nn_npy_write (const char *path, const nn_tensor *t, nn_error *err)
{
  FILE *f;

  if (t == NULL || t->n_dims < 0 || t->n_dims > NN_MAX_DIMS)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: no tensor to write", path);
  if ((f = create_npy (path, "<f4", t->n_dims, t->shape, err)) == NULL)
    return err ? err->status : NN_STATUS_IO;
  return close_npy (f, path, write_data (f, t, nn_tensor_numel (t)), err);
}

/* ---------------------------------------------------------------- nn_array */

/* element i of raw (h's dtype and byte order) as bits, widened to 64 */
static uint64_t
raw_bits (const unsigned char *raw, int64_t i, const npy_header *h)
{
  const unsigned char *src = raw + i * h->item;
  uint64_t bits = 0;

  for (int b = 0; b < h->item; b++)
    bits |= (uint64_t) src[b] << (h->big_endian ? (h->item - 1 - b) * 8 : b * 8);
  return bits;
}

static void
decode_array (const unsigned char *raw, const npy_header *h, nn_array *a)
{
  int64_t n = nn_array_numel (a);

  if (h->kind == 'f')
    {
      decode (raw, n, h, a->data);
      return;
    }
  for (int64_t i = 0; i < n; i++)
    {
      uint64_t bits = raw_bits (raw, i, h);
      int64_t v = (int64_t) bits;

      /* sign-extend signed integers narrower than 64 bits */
      if (h->kind == 'i' && h->item < 8 && (bits >> (h->item * 8 - 1)) & 1)
        v = (int64_t) (bits | ~((UINT64_C (1) << (h->item * 8)) - 1));
      switch (a->type.dtype)
        {
        case NN_DTYPE_INT64:
          ((int64_t *) a->data)[i] = v;
          break;
        case NN_DTYPE_INT32:
          ((int32_t *) a->data)[i] = (int32_t) v;
          break;
        default:
          ((uint8_t *) a->data)[i] = v != 0;
          break;
        }
    }
}

static nn_dtype
array_dtype (const npy_header *h)
{
  if (h->kind == 'f')
    return NN_DTYPE_FLOAT32;
  if (h->kind == 'b')
    return NN_DTYPE_BOOL;
  if (h->item == 8 || (h->kind == 'u' && h->item == 4))
    return NN_DTYPE_INT64;
  return NN_DTYPE_INT32;
}

nn_status
nn_npy_read_array (const char *path, nn_array **out, nn_error *err)
{
  npy_header h;
  nn_status status;
  unsigned char *raw = NULL;
  nn_array *a = NULL;
  FILE *f;

  *out = NULL;
  if ((status = open_header (path, true, &f, &h, err)) == NN_OK)
    {
      nn_type t = { .dtype = array_dtype (&h), .rank = h.n_dims };
      nn_error sub;

      memcpy (t.shape, h.shape, sizeof h.shape);
      errno = 0;
      if ((a = nn_array_new (&t, &sub)) == NULL)
        status = nn_error_set (err, sub.status, -1, "%s: %s", path, sub.message);
      else if ((raw = malloc ((size_t) h.numel * (size_t) h.item + 1)) == NULL)
        status = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
      else if (fread (raw, (size_t) h.item, (size_t) h.numel, f) != (size_t) h.numel)
        status = read_error (path, err);
      else
        decode_array (raw, &h, a);
    }
  if (f != NULL)
    fclose (f);
  free (raw);
  if (status != NN_OK)
    nn_array_free (a);
  else
    *out = a;
  return status;
}

nn_status
nn_npy_write_array (const char *path, const nn_array *a, nn_error *err)
{
  static const char *const descr[] = { "<f4", "<i8", "<i4", "|b1" };
  size_t es;
  int64_t n;
  bool ok = true;
  FILE *f;

  if (a == NULL || a->type.rank < 0 || a->type.rank > NN_ARRAY_MAX_RANK
      || a->type.dtype >= NN_N_DTYPES)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: no array to write", path);
  if ((f = create_npy (path, descr[a->type.dtype], a->type.rank, a->type.shape, err)) == NULL)
    return err ? err->status : NN_STATUS_IO;
  es = nn_dtype_size (a->type.dtype);
  n = nn_array_numel (a);
  /* little-endian, byte by byte (portable) */
  for (int64_t i = 0; ok && i < n; i++)
    {
      const unsigned char *src = (const unsigned char *) a->data + (size_t) i * es;
      unsigned char le[8];
      uint64_t bits = 0;

      memcpy (&bits, src, es);   /* host order, low bytes on little-endian hosts */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
      bits >>= 8 * (8 - es);
#endif
      for (size_t b = 0; b < es; b++)
        le[b] = (unsigned char) (bits >> (8 * b));
      ok = fwrite (le, 1, es, f) == es;
    }
  return close_npy (f, path, ok, err);
}
