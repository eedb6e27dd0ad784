/* idx.c - IDX files (the MNIST format), plain or gzip-compressed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An IDX file is a 4-byte magic (0, 0, type, number of dims), the dims as big-endian
 * uint32, then the data in C order. MNIST and Fashion-MNIST use unsigned bytes
 * (type 0x08): images [N, H, W], labels [N]. zlib's gzread() reads plain files too.
 */
#include "config.h"

#include <ctype.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "data-private.h"

#define IDX_UBYTE 0x08

typedef struct idx_header {
  int n_dims;
  int64_t dims[3];
  int64_t count;            /* product of the dims */
} idx_header;

static nn_status
read_exact (gzFile f, const char *path, void *buf, int64_t size, const char *what,
            nn_error *err)
{
  uint8_t *p = buf;

  while (size > 0)
    {
      unsigned chunk = size > (1 << 30) ? (1u << 30) : (unsigned) size;
      int got = gzread (f, p, chunk);
      int zerr;
      const char *msg = gzerror (f, &zerr);

      if (got < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR))
        return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: cannot read %s: %s", path,
                             what, msg);
      if (got == 0)
        return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: truncated (the file ends "
                             "inside the %s)", path, what);
      p += got;
      size -= got;
    }
  return NN_OK;
}

static nn_status
read_header (gzFile f, const char *path, int want_dims, idx_header *h, nn_error *err)
{
  uint8_t magic[4], raw[12];
  nn_status st = read_exact (f, path, magic, 4, "header", err);

  if (st != NN_OK)
    return st;
  if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 3)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: not an IDX file (bad magic "
                         "%02x %02x %02x %02x)", path, magic[0], magic[1], magic[2], magic[3]);
  if (magic[2] != IDX_UBYTE)
    return nn_error_set (err, NN_STATUS_UNSUPPORTED, -1, "%s: IDX element type 0x%02x is "
                         "not supported (only unsigned bytes, 0x08)", path, magic[2]);
  if (magic[3] != want_dims)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: has %d dimensions, expected %d (%s)",
                         path, magic[3], want_dims, want_dims == 3 ? "images N×H×W" : "labels N");
  h->n_dims = magic[3];
  st = read_exact (f, path, raw, 4 * h->n_dims, "header", err);
  if (st != NN_OK)
    return st;
  h->count = 1;
  for (int i = 0; i < h->n_dims; i++)
    {
      const uint8_t *b = raw + 4 * i;

      h->dims[i] = ((int64_t) b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      if (!nn_checked_mul (h->count, h->dims[i], &h->count) ||
          (uint64_t) h->count * sizeof (float) > nn_memory_budget ())
        return nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%s: the dimensions in the header "
                             "are too large", path);
    }
  return NN_OK;
}

/* After the data: nothing may follow (a longer file is not what the header says). */
static nn_status
check_end (gzFile f, const char *path, nn_error *err)
{
  uint8_t extra;

  if (gzread (f, &extra, 1) == 1)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: has more data than its header "
                         "declares", path);
  return NN_OK;
}

static gzFile
open_idx (const char *path, nn_error *err)
{
  gzFile f;
  struct stat sb;

  if (stat (path, &sb) == 0 && S_ISDIR (sb.st_mode))
    {
      nn_error_set (err, NN_STATUS_IO, -1, "%s: is a folder, not an IDX file", path);
      return NULL;
    }
  f = gzopen (path, "rb");
  if (f == NULL)
    nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open: %s", path, strerror (errno));
  return f;
}

/* Reads the whole file into a byte buffer of h->count bytes. */
static nn_status
read_idx (const char *path, int want_dims, idx_header *h, uint8_t **bytes, nn_error *err)
{
  gzFile f = open_idx (path, err);
  nn_status st;

  *bytes = NULL;
  if (f == NULL)
    return NN_STATUS_IO;
  st = read_header (f, path, want_dims, h, err);
  if (st == NN_OK)
    {
      *bytes = malloc (h->count > 0 ? (size_t) h->count : 1);
      if (*bytes == NULL)
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", path);
    }
  if (st == NN_OK)
    st = read_exact (f, path, *bytes, h->count, "data", err);
  if (st == NN_OK)
    st = check_end (f, path, err);
  gzclose (f);
  if (st != NN_OK)
    {
      free (*bytes);
      *bytes = NULL;
    }
  return st;
}

static nn_status
fill_dataset (const idx_header *ih, const uint8_t *pixels, const idx_header *lh,
              const uint8_t *labels, const char *labels_path, nn_dataset **out, nn_error *err)
{
  nn_dataset *ds = nn_dataset_alloc (ih->dims[0], 1, ih->dims[1], ih->dims[2], err);
  nn_status st;

  (void) lh;
  if (ds == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  for (int64_t i = 0; i < ih->count; i++)
    ds->x->data[i] = pixels[i] / 255.0f;
  for (int64_t i = 0; i < ds->n; i++)
    ds->labels[i] = labels[i];
  st = nn_dataset_check_labels (ds, labels_path, err);
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

nn_status
nn_dataset_load_idx (const char *images_path, const char *labels_path, nn_dataset **out,
                     nn_error *err)
{
  idx_header ih, lh;
  uint8_t *pixels = NULL, *labels = NULL;
  nn_status st;

  *out = NULL;
  st = read_idx (images_path, 3, &ih, &pixels, err);
  if (st == NN_OK)
    st = read_idx (labels_path, 1, &lh, &labels, err);
  if (st == NN_OK && lh.dims[0] != ih.dims[0])
    st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: has %" PRId64 " labels but %s has %"
                       PRId64 " images", labels_path, lh.dims[0], images_path, ih.dims[0]);
  if (st == NN_OK && ih.dims[0] == 0)
    st = nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: contains no images", images_path);
  if (st == NN_OK)
    st = fill_dataset (&ih, pixels, &lh, labels, labels_path, out, err);
  free (pixels);
  free (labels);
  return st;
}

/* "DIR/train-images-idx3-ubyte.gz", or without ".gz" when only that exists */
static char *
find_file (const char *dir, const char *prefix, const char *kind)
{
  size_t size = strlen (dir) + strlen (prefix) + strlen (kind) + 32;
  char *path = malloc (size);
  struct stat sb;

  if (path == NULL)
    return NULL;
  snprintf (path, size, "%s/%s-%s.gz", dir, prefix, kind);
  if (stat (path, &sb) == 0)
    return path;
  snprintf (path, size, "%s/%s-%s", dir, prefix, kind);
  if (stat (path, &sb) == 0)
    return path;
  free (path);
  return NULL;
}

bool
nn_mnist_dir_has_split (const char *dir, const char *split)
{
  const char *prefix = strcmp (split, "test") == 0 ? "t10k" : "train";
  char *images = find_file (dir, prefix, "images-idx3-ubyte");
  char *labels = find_file (dir, prefix, "labels-idx1-ubyte");
  bool found = images != NULL && labels != NULL;

  free (images);
  free (labels);
  return found;
}

/* Fashion-MNIST has MNIST's files; it is told apart by the folder's name, as its
 * distributions call it: .../fashion-mnist (Debian's dataset-fashion-mnist),
 * .../FashionMNIST/raw (torchvision), fashion_mnist, ... */
static bool
is_fashion_dir (const char *dir)
{
  const char *end = dir + strlen (dir), *start;
  char part[256];

  for (int level = 0; level < 2; level++)
    {
      size_t len;

      while (end > dir && end[-1] == '/')
        end--;
      for (start = end; start > dir && start[-1] != '/'; start--)
        ;
      len = (size_t) (end - start);
      if (len > 0 && len < sizeof part)
        {
          memcpy (part, start, len);
          part[len] = '\0';
          for (size_t i = 0; i < len; i++)
            part[i] = (char) tolower ((unsigned char) part[i]);
          if (strstr (part, "fashion") != NULL)
            return true;
        }
      end = start;
    }
  return false;
}

static const char *const fashion_classes[10] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

nn_status
nn_dataset_load_mnist_dir (const char *dir, const char *split, nn_dataset **out, nn_error *err)
{
  const char *prefix;
  char *images, *labels;
  nn_status st;

  *out = NULL;
  if (strcmp (split, "train") == 0)
    prefix = "train";
  else if (strcmp (split, "test") == 0)
    prefix = "t10k";
  else
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "unknown split '%s' (train or test)",
                         split);
  images = find_file (dir, prefix, "images-idx3-ubyte");
  labels = find_file (dir, prefix, "labels-idx1-ubyte");
  if (images == NULL || labels == NULL)
    st = nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "%s: no %s-images-idx3-ubyte(.gz) and "
                       "%s-labels-idx1-ubyte(.gz) (the %s split)", dir, prefix, prefix, split);
  else
    st = nn_dataset_load_idx (images, labels, out, err);
  if (st == NN_OK && is_fashion_dir (dir) && (*out)->n_classes <= 10
      && !nn_dataset_name_classes (*out, fashion_classes))
    {
      nn_dataset_free (*out);
      *out = NULL;
      st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  free (images);
  free (labels);
  return st;
}
