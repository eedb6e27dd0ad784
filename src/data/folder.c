/* folder.c - a folder with one sub-folder of PNG/JPEG images per class
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Classes are the sub-folders in byte order of their names (torchvision's ImageFolder
 * sorts the same way); images are the files ending in .png, .jpg or .jpeg (any case),
 * also in name order, so that a data set loads the same on every machine.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data-private.h"

typedef struct name_list {
  char **names;
  int64_t n, capacity;
} name_list;

static void
name_list_clear (name_list *l)
{
  for (int64_t i = 0; i < l->n; i++)
    free (l->names[i]);
  free (l->names);
  memset (l, 0, sizeof *l);
}

static bool
name_list_add (name_list *l, const char *name)
{
  if (l->n == l->capacity)
    {
      int64_t cap = l->capacity > 0 ? l->capacity * 2 : 16;
      char **names = realloc (l->names, (size_t) cap * sizeof *names);

      if (names == NULL)
        return false;
      l->names = names;
      l->capacity = cap;
    }
  l->names[l->n] = strdup (name);
  return l->names[l->n++] != NULL;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
join (const char *dir, const char *name)
{
  size_t size = strlen (dir) + strlen (name) + 2;
  char *path = malloc (size);

  if (path != NULL)
    snprintf (path, size, "%s/%s", dir, name);
  return path;
}

static bool
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && (strcasecmp (dot, ".png") == 0 || strcasecmp (dot, ".jpg") == 0 ||
                         strcasecmp (dot, ".jpeg") == 0);
}

/* Sorted entries of dir: sub-folders (want_dirs) or image files */
static nn_status
list_dir (const char *dir, bool want_dirs, name_list *out, nn_error *err)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  nn_status st = NN_OK;

  if (d == NULL)
    return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot open folder: %s", dir,
                         strerror (errno));
  while (st == NN_OK && (e = readdir (d)) != NULL)
    {
      char *path;
      struct stat sb;
      bool keep;

      if (e->d_name[0] == '.')
        continue;
      path = join (dir, e->d_name);
      keep = path != NULL && stat (path, &sb) == 0 &&
             (want_dirs ? S_ISDIR (sb.st_mode) : (S_ISREG (sb.st_mode) && is_image_name (e->d_name)));
      free (path);
      if (keep && !name_list_add (out, e->d_name))
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
    }
  closedir (d);
  if (out->n > 1)
    qsort (out->names, (size_t) out->n, sizeof *out->names, compare_names);
  return st;
}

/* All image paths, class by class; labels[i] for paths[i] */
static nn_status
collect (const char *dir, const name_list *classes, name_list *paths, int64_t **labels,
         nn_error *err)
{
  nn_status st = NN_OK;

  *labels = NULL;
  for (int64_t k = 0; st == NN_OK && k < classes->n; k++)
    {
      char *sub = join (dir, classes->names[k]);
      name_list files = { 0 };
      int64_t *grown;

      st = sub != NULL ? list_dir (sub, false, &files, err)
                       : nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      grown = st == NN_OK ? realloc (*labels, (size_t) (paths->n + files.n + 1) * sizeof **labels)
                          : NULL;
      if (st == NN_OK && grown == NULL)
        st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
      for (int64_t i = 0; st == NN_OK && i < files.n; i++)
        {
          char *path = join (sub, files.names[i]);

          grown[paths->n] = k;
          if (path == NULL || !name_list_add (paths, path))
            st = nn_error_set (err, NN_STATUS_NOMEM, -1, "out of memory");
          free (path);
        }
      if (grown != NULL)
        *labels = grown;
      name_list_clear (&files);
      free (sub);
    }
  return st;
}

static nn_status
load_images (const name_list *paths, const nn_shape *shape, nn_fit_mode fit, nn_dataset *ds,
             nn_error *err)
{
  int64_t numel = nn_shape_numel (shape);

  for (int64_t i = 0; i < paths->n; i++)
    {
      nn_image img;
      nn_status st = nn_image_decode (paths->names[i], &img, err);

      if (st != NN_OK)
        return st;
      nn_fit_sample (img.data, img.c, img.h, img.w, ds->x->data + i * numel, shape->d[0],
                     shape->d[1], shape->d[2], fit);
      free (img.data);
    }
  return NN_OK;
}

static nn_status
build (const char *dir, const nn_shape *shape, nn_fit_mode fit, name_list *classes,
       const name_list *paths, const int64_t *labels, nn_dataset **out, nn_error *err)
{
  nn_dataset *ds;
  nn_status st;

  if (paths->n == 0)
    return nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "%s: no PNG or JPEG images in the "
                         "class folders", dir);
  ds = nn_dataset_alloc (paths->n, shape->d[0], shape->d[1], shape->d[2], err);
  if (ds == NULL)
    return err != NULL ? err->status : NN_STATUS_NOMEM;
  memcpy (ds->labels, labels, (size_t) paths->n * sizeof *labels);
  st = load_images (paths, shape, fit, ds, err);
  if (st != NN_OK)
    {
      nn_dataset_free (ds);
      return st;
    }
  ds->n_classes = classes->n;
  ds->class_names = classes->names;
  memset (classes, 0, sizeof *classes);
  *out = ds;
  return NN_OK;
}

nn_status
nn_dataset_load_folder_fit (const char *dir, const nn_shape *shape, nn_fit_mode fit,
                            nn_dataset **out, nn_error *err)
{
  name_list classes = { 0 }, paths = { 0 };
  int64_t *labels = NULL;
  char buf[64];
  nn_status st;

  *out = NULL;
  if (shape == NULL || shape->n_dims != 3 || !nn_channels_convertible (1, shape->d[0]))
    return nn_error_set (err, NN_STATUS_SHAPE, -1, "%s: images need an input shape [1, H, W] "
                         "or [3, H, W], not %s", dir,
                         shape != NULL ? nn_shape_to_string (shape, buf, sizeof buf) : "none");
  st = list_dir (dir, true, &classes, err);
  if (st == NN_OK && classes.n == 0)
    st = nn_error_set (err, NN_STATUS_NOT_FOUND, -1, "%s: no class sub-folders (nor MNIST "
                       "IDX files)", dir);
  if (st == NN_OK)
    st = collect (dir, &classes, &paths, &labels, err);
  if (st == NN_OK)
    st = build (dir, shape, fit, &classes, &paths, labels, out, err);
  name_list_clear (&classes);
  name_list_clear (&paths);
  free (labels);
  return st;
}

nn_status
nn_dataset_load_folder (const char *dir, const nn_shape *shape, nn_dataset **out, nn_error *err)
{
  return nn_dataset_load_folder_fit (dir, shape, NN_FIT_RESIZE, out, err);
}
