/* dataset.c - nn_dataset: allocation, labels, shuffling, splitting, batches, loading by spec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data-private.h"

static void
free_names (char **names, int64_t k)
{
  if (names == NULL)
    return;
  for (int64_t i = 0; i < k; i++)
    free (names[i]);
  free (names);
}

void
nn_dataset_free (nn_dataset *ds)
{
  if (ds == NULL)
    return;
  free_names (ds->class_names, ds->n_classes);
  nn_tensor_free (ds->x);
  free (ds->labels);
  free (ds);
}

nn_dataset *
nn_dataset_alloc (int64_t n, int64_t c, int64_t h, int64_t w, nn_error *err)
{
  nn_dataset *ds = calloc (1, sizeof *ds);
  int64_t shape[4] = { n, c, h, w };

  if (ds == NULL)
    {
      nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      return NULL;
    }
  ds->n = n;
  ds->x = nn_tensor_new (h > 0 ? 4 : 2, shape, err);
  if (ds->x != NULL && (uint64_t) n > nn_memory_budget () / sizeof (int64_t))
    nn_error_set (err, NN_STATUS_TOO_LARGE, -1, "%" PRId64 " samples are too many", n);
  else if (ds->x != NULL)
    ds->labels = calloc (n > 0 ? (size_t) n : 1, sizeof (int64_t));
  if (ds->x != NULL && ds->labels == NULL)
    nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory for %" PRId64 " labels", n);
  if (ds->x == NULL || ds->labels == NULL)
    {
      nn_dataset_free (ds);
      return NULL;
    }
  return ds;
}

static char **
copy_names (char *const *names, int64_t k)
{
  char **copy = calloc ((size_t) k, sizeof *copy);

  for (int64_t i = 0; copy != NULL && i < k; i++)
    {
      copy[i] = strdup (names[i]);
      if (copy[i] == NULL)
        {
          for (int64_t j = 0; j < i; j++)
            free (copy[j]);
          free (copy);
          return NULL;
        }
    }
  return copy;
}

bool
nn_dataset_name_classes (nn_dataset *ds, const char *const *names)
{
  char **copy = copy_names ((char *const *) names, ds->n_classes);

  if (copy == NULL && ds->n_classes > 0)
    return false;
  free_names (ds->class_names, ds->n_classes);
  ds->class_names = copy;
  return true;
}

const char *
nn_dataset_class_name (const nn_dataset *ds, int64_t i)
{
  if (ds == NULL || ds->class_names == NULL || i < 0 || i >= ds->n_classes)
    return NULL;
  return ds->class_names[i];
}

bool
nn_dataset_number_classes (nn_dataset *ds, int64_t k)
{
  char **names = calloc (k > 0 ? (size_t) k : 1, sizeof *names);
  char buf[24];

  if (names == NULL)
    return false;
  for (int64_t i = 0; i < k; i++)
    {
      snprintf (buf, sizeof buf, "%" PRId64, i);
      names[i] = strdup (buf);
      if (names[i] == NULL)
        {
          ds->class_names = names;
          ds->n_classes = i;
          return false;
        }
    }
  ds->class_names = names;
  ds->n_classes = k;
  return true;
}

/* Labels are class indices; the largest bounds the class count (the network's output
 * size is checked against it by the caller). */
nn_status
nn_dataset_check_labels (nn_dataset *ds, const char *path, nn_error *err)
{
  int64_t max = -1;

  for (int64_t i = 0; i < ds->n; i++)
    {
      if (ds->labels[i] < 0)
        return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: label %" PRId64 " of sample %"
                             PRId64 " is negative", path, ds->labels[i], i);
      if (ds->labels[i] > max)
        max = ds->labels[i];
    }
  if (max >= 1 << 20)
    return nn_error_set (err, NN_STATUS_FORMAT, -1, "%s: label %" PRId64 " is too large for a "
                         "class index", path, max);
  ds->n_classes = max + 1;
  return NN_OK;
}

/* splitmix64: small, seedable, and the same on every machine */
static uint64_t
next_random (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, bound) without modulo bias (rejection of the short last block) */
static uint64_t
random_below (uint64_t *state, uint64_t bound)
{
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;

  do
    r = next_random (state);
  while (r >= limit);
  return r % bound;
}

int64_t *
nn_dataset_permutation (int64_t n, uint64_t seed)
{
  int64_t *p;
  uint64_t state = seed;

  if (n < 0 || (uint64_t) n > SIZE_MAX / sizeof (int64_t))
    return NULL;
  p = malloc (n > 0 ? (size_t) n * sizeof *p : 1);
  if (p == NULL)
    return NULL;
  for (int64_t i = 0; i < n; i++)
    p[i] = i;
  for (int64_t i = n - 1; i > 0; i--)
    {
      int64_t j = (int64_t) random_below (&state, (uint64_t) i + 1);
      int64_t t = p[i];

      p[i] = p[j];
      p[j] = t;
    }
  return p;
}

static int64_t
sample_numel (const nn_dataset *ds)
{
  int64_t numel = 1;

  for (int i = 1; i < ds->x->n_dims; i++)
    numel *= ds->x->shape[i];
  return numel;
}

void
nn_dataset_gather (const nn_dataset *ds, const int64_t *idx, int64_t count, nn_tensor *x,
                   int64_t *labels)
{
  int64_t numel = sample_numel (ds);

  for (int64_t i = 0; i < count; i++)
    {
      memcpy (x->data + i * numel, ds->x->data + idx[i] * numel, (size_t) numel * sizeof (float));
      if (labels != NULL)
        labels[i] = ds->labels[idx[i]];
    }
}

/* A new data set of the samples idx[0..count) of ds, class names copied */
static nn_dataset *
subset (const nn_dataset *ds, const int64_t *idx, int64_t count, nn_error *err)
{
  const int64_t *s = ds->x->shape;
  nn_dataset *sub = ds->x->n_dims == 4 ? nn_dataset_alloc (count, s[1], s[2], s[3], err)
                                       : nn_dataset_alloc (count, s[1], 0, 0, err);

  if (sub == NULL)
    return NULL;
  nn_dataset_gather (ds, idx, count, sub->x, sub->labels);
  sub->n_classes = ds->n_classes;
  if (ds->class_names != NULL)
    {
      sub->class_names = copy_names (ds->class_names, ds->n_classes);
      if (sub->class_names == NULL)
        {
          sub->n_classes = 0;
          nn_dataset_free (sub);
          nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
          return NULL;
        }
    }
  return sub;
}

static void
swap_contents (nn_dataset *a, nn_dataset *b)
{
  nn_dataset t = *a;

  *a = *b;
  *b = t;
}

nn_status
nn_dataset_split (nn_dataset *ds, double val_fraction, uint64_t seed, nn_dataset **val,
                  nn_error *err)
{
  int64_t n_val = (int64_t) llround (ds->n * val_fraction);
  int64_t *perm;
  nn_dataset *train = NULL;

  *val = NULL;
  if (!(val_fraction > 0.0 && val_fraction < 1.0))
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "the validation fraction must be "
                         "between 0 and 1, not %g", val_fraction);
  if (n_val < 1 || n_val >= ds->n)
    return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "a validation fraction of %g of %"
                         PRId64 " samples leaves one part empty", val_fraction, ds->n);
  perm = nn_dataset_permutation (ds->n, seed);
  if (perm == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  train = subset (ds, perm, ds->n - n_val, err);
  if (train != NULL)
    *val = subset (ds, perm + ds->n - n_val, n_val, err);
  free (perm);
  if (*val == NULL)
    {
      nn_dataset_free (train);
      return err != NULL ? err->status : NN_STATUS_NOMEM;
    }
  swap_contents (ds, train);
  nn_dataset_free (train);
  return NN_OK;
}

static bool
is_dir (const char *path)
{
  struct stat sb;

  return stat (path, &sb) == 0 && S_ISDIR (sb.st_mode);
}

static bool
is_file (const char *path)
{
  struct stat sb;

  return stat (path, &sb) == 0 && S_ISREG (sb.st_mode);
}

/* "X.npy:Y.npy": the ':' after the first ".npy", else NULL (a folder) */
static const char *
npy_spec_colon (const char *spec)
{
  const char *npy = strstr (spec, ".npy:");

  return npy != NULL ? npy + 4 : NULL;
}

bool
nn_dataset_spec_exists (const char *spec)
{
  const char *colon = npy_spec_colon (spec);
  size_t len;
  char *x_path;
  bool found;

  if (colon == NULL)
    return is_dir (spec);
  len = (size_t) (colon - spec);
  if ((x_path = malloc (len + 1)) == NULL)
    return false;
  memcpy (x_path, spec, len);
  x_path[len] = '\0';
  found = is_file (x_path) && is_file (colon + 1);
  free (x_path);
  return found;
}

/* "X.npy:Y.npy", split at colon (npy_spec_colon) */
static nn_status
load_npy_spec (const char *spec, const char *colon, nn_dataset **out, nn_error *err)
{
  size_t len = (size_t) (colon - spec);
  char *x_path = malloc (len + 1);
  nn_status st;

  if (x_path == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  memcpy (x_path, spec, len);
  x_path[len] = '\0';
  st = nn_dataset_load_npy (x_path, colon + 1, out, err);
  free (x_path);
  return st;
}

/* A class folder may hold one folder per split ("train/", "test/") with the classes. */
static nn_status
load_class_dir (const char *dir, const char *split, const nn_shape *shape, nn_fit_mode fit,
                nn_dataset **out, nn_error *err)
{
  size_t size = strlen (dir) + strlen (split) + 2;
  char *sub = malloc (size);
  nn_status st;

  if (sub == NULL)
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
  snprintf (sub, size, "%s/%s", dir, split);
  st = nn_dataset_load_folder_fit (is_dir (sub) ? sub : dir, shape, fit, out, err);
  free (sub);
  return st;
}

nn_status
nn_dataset_load_fit (const char *spec, const char *split, const nn_shape *shape,
                     nn_fit_mode fit, nn_dataset **out, nn_error *err)
{
  const char *colon = npy_spec_colon (spec);

  *out = NULL;
  if (colon != NULL)
    return load_npy_spec (spec, colon, out, err);
  if (!is_dir (spec))
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: not a folder nor X.npy:Y.npy", spec);
  if (nn_mnist_dir_has_split (spec, "train") || nn_mnist_dir_has_split (spec, "test"))
    return nn_dataset_load_mnist_dir (spec, split, out, err);
  return load_class_dir (spec, split, shape, fit, out, err);
}

nn_status
nn_dataset_load (const char *spec, const char *split, const nn_shape *shape, nn_dataset **out,
                 nn_error *err)
{
  return nn_dataset_load_fit (spec, split, shape, NN_FIT_RESIZE, out, err);
}

bool
nn_dataset_has_split (const char *spec, const char *split)
{
  size_t size = strlen (spec) + strlen (split) + 2;
  char *sub;
  bool found;

  if (npy_spec_colon (spec) != NULL || !is_dir (spec))
    return false;
  if (nn_mnist_dir_has_split (spec, "train") || nn_mnist_dir_has_split (spec, "test"))
    return nn_mnist_dir_has_split (spec, split);
  sub = malloc (size);
  if (sub == NULL)
    return false;
  snprintf (sub, size, "%s/%s", spec, split);
  found = is_dir (sub);
  free (sub);
  return found;
}
