/* files.c - open and save networks by file name: HDF5 or PyTorch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CLI and the window share these, so both say the same thing about a weights file
 * opened as a model, and both pick the format from the extension the same way.
 */
/* mkostemps: the temporary must not leak into children forked meanwhile (their copy
 * would hold its lock) */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn-graph.h"
#include "nn-private.h"

bool
nn_path_has_suffix (const char *path, const char *suffix)
{
  size_t n = strlen (path), m = strlen (suffix);

  return n >= m && strcasecmp (path + n - m, suffix) == 0;
}

bool
nn_path_is_pytorch (const char *path)
{
  return nn_path_has_suffix (path, ".pt") || nn_path_has_suffix (path, ".pth");
}

nn_status
nn_file_probe_any (const char *path, nn_file_kind *kind, nn_error *err)
{
  *kind = NN_FILE_UNKNOWN;
  if (nn_file_reads_as_onnx (path))
    {
      /* an ONNX file always holds a whole model; reading it is what checks it */
      *kind = NN_FILE_MODEL;
      return NN_OK;
    }
  if (nn_file_reads_as_pytorch (path))
    return nn_pt_probe (path, kind, err);
  return nn_file_probe (path, kind, err);
}

nn_status
nn_file_open_model (const char *path, const nn_shape *input, nn_net **out, nn_error *err)
{
  return nn_file_open_model_full (path, input, out, NULL, err);
}

bool
nn_file_reads_as_onnx (const char *path)
{
  return nn_path_is_onnx (path) || nn_file_sniff (path) == NN_CONTENT_ONNX;
}

/* An ONNX model as a chain network for the list view: read (in the checker process
 * first, when isolated checks are on) into a graph, then mapped onto layers; a graph
 * that is not a chain of them says which node stops it. */
static nn_status
onnx_open_net (const char *path, nn_net **out, nn_error *err)
{
  nn_graph *g = NULL;
  nn_error why;
  nn_status st;

  if (nn_get_isolated_checks () && (st = nn_onnx_validate_isolated (path, err)) != NN_OK)
    return st;
  if ((st = nn_graph_open_onnx (path, &g, err)) != NN_OK)
    return st;
  st = nn_net_from_graph (g, out, &why);
  nn_graph_free (g);
  if (st != NN_OK)
    return nn_error_set (err, st, -1, "%s: %s. Until the graph canvas lands, the list "
                         "view opens ONNX models that are one chain of its layers", path,
                         why.message);
  return NN_OK;
}

nn_status
nn_file_open_graph (const char *path, nn_graph **out, nn_error *err)
{
  nn_net *net = NULL;
  nn_error why;
  nn_status st;

  *out = NULL;
  if (nn_file_reads_as_onnx (path))
    {
      if (nn_get_isolated_checks () && (st = nn_onnx_validate_isolated (path, err)) != NN_OK)
        return st;
      return nn_graph_open_onnx (path, out, err);
    }
  if ((st = nn_file_open_model (path, NULL, &net, err)) != NN_OK)
    return st;
  if (net->first_error >= 0)
    st = nn_error_set (err, NN_STATUS_SHAPE, net->first_error, "%s: %s", path,
                       net->info[net->first_error].message);
  else if ((st = nn_graph_from_net (net, out, &why)) != NN_OK)
    st = nn_error_set (err, st, why.layer, "%s: %s", path, why.message);
  nn_net_free (net);
  return st;
}

nn_status
nn_file_open_model_full (const char *path, const nn_shape *input, nn_net **out,
                         nn_error *warning, nn_error *err)
{
  nn_file_kind kind = NN_FILE_UNKNOWN;
  *out = NULL;
  nn_error_clear (warning);
  if (nn_file_reads_as_onnx (path))
    return onnx_open_net (path, out, err);
  bool pytorch = nn_file_reads_as_pytorch (path);

  /* before anything of libhdf5 touches the file in this process: the probe reads it */
  if (!pytorch && nn_get_isolated_checks ())
    {
      nn_status iso = nn_model_check_headers_isolated (path, err);

      if (iso != NN_OK)
        return iso;
    }
  nn_status st = nn_file_probe_any (path, &kind, err);
  if (st != NN_OK)
    return st;
  /* say what to do with a weights file rather than "missing /architecture"; how to load
   * it is the front end's to say (NN_STATUS_WEIGHTS_ONLY) */
  if (kind == NN_FILE_WEIGHTS)
    return nn_error_set (err, NN_STATUS_WEIGHTS_ONLY, -1,
                         "%s: this file holds only weights (a state_dict), not a model: load "
                         "it into the model it belongs to", path);
  if (kind == NN_FILE_ACTIVATIONS)
    return nn_error_set (err, NN_STATUS_FORMAT, -1,
                         "%s: this is an activation file (the outputs of a run), not a model",
                         path);
  if (pytorch)
    return nn_pt_open_model (path, input, out, err);
  return nn_model_open_full (path, out, warning, err);
}

nn_status
nn_file_load_weights (const char *path, nn_net *net, nn_error *err)
{
  if (nn_file_reads_as_pytorch (path))
    return nn_pt_load_weights (path, net, err);
  if (nn_get_isolated_checks ())
    {
      nn_status iso = nn_weights_check_headers_isolated (path, net, err);

      if (iso != NN_OK)
        return iso;
    }
  return nn_weights_load (path, net, err);
}

bool
nn_path_is_onnx (const char *path)
{
  return nn_path_has_suffix (path, ".onnx");
}

/* The network as an ONNX model: its graph (the nodes torch.onnx.export writes for the
 * same Sequential), opset 17. */
static nn_status
onnx_save_net (const char *path, const nn_net *net, nn_error *err)
{
  nn_graph *g = NULL;
  nn_status st;

  nn_error why;

  if ((st = nn_graph_from_net (net, &g, &why)) != NN_OK)
    return nn_error_set (err, st, why.layer, "%s: cannot save: %s", path, why.message);
  st = nn_graph_save_onnx (g, path, NULL, err);
  nn_graph_free (g);
  return st;
}

nn_status
nn_file_save (const char *path, const nn_net *net, bool weights_only, nn_error *err)
{
  if (nn_path_is_onnx (path))
    return weights_only
           ? nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: an ONNX file holds the whole "
                           "model; save weights alone as .pt (a state_dict) or .h5", path)
           : onnx_save_net (path, net, err);
  if (nn_path_is_pytorch (path))
    return weights_only ? nn_pt_save_state_dict (path, net, err) : nn_pt_save_model (path, net, err);
  return weights_only ? nn_weights_save (path, net, err) : nn_model_save (path, net, err);
}

/* ---------------------------------------------------------------- crash-safe saves */

/* The test hooks. A save runs on one thread at a time per file, but different documents
 * may save at once: the hook is set before any save starts (a test's child process). */
static nn_save_hook save_hook;
static void *save_hook_data;
static bool save_in_place;

void
nn_save_set_hook (nn_save_hook hook, void *data)
{
  save_hook = hook;
  save_hook_data = data;
}

void
nn_save_notify (nn_save_point point, int64_t progress)
{
  if (save_hook != NULL)
    save_hook (point, progress, save_hook_data);
}

void
nn_save_set_unsafe_in_place (bool in_place)
{
  save_in_place = in_place;
}

/* Splits target into its folder ("." when none) and base name. */
static bool
split_path (const char *target, char **dir, const char **base)
{
  const char *slash = strrchr (target, '/');
  size_t dir_len = slash == NULL ? 1 : slash == target ? 1 : (size_t) (slash - target);

  *base = slash ? slash + 1 : target;
  *dir = malloc (dir_len + 1);
  if (*dir == NULL)
    return false;
  memcpy (*dir, slash ? target : ".", dir_len);
  (*dir)[dir_len] = '\0';
  return true;
}

/* ".<base>.XXXXXX.layerlab-tmp": 6 characters of mkstemps between prefix and suffix */
static bool
is_temp_of (const char *name, const char *base)
{
  size_t n = strlen (name), b = strlen (base), sfx = strlen (NN_SAVE_TEMP_SUFFIX);

  return n == 1 + b + 1 + 6 + sfx && name[0] == '.' && strncmp (name + 1, base, b) == 0
         && name[1 + b] == '.' && strcmp (name + n - sfx, NN_SAVE_TEMP_SUFFIX) == 0;
}

/* Removes dir/name if no process holds its lock. The lock is taken on the file itself
 * and the name is checked to still be that file, so a temporary a save has just created
 * (and not locked yet) survives: its creator re-checks the name after locking. */
static bool
remove_if_stale (int dfd, const char *name)
{
  int fd = openat (dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  struct stat a, b;
  bool removed = false;

  if (fd < 0)
    return false;
  if (flock (fd, LOCK_EX | LOCK_NB) == 0 && fstat (fd, &a) == 0 && S_ISREG (a.st_mode)
      && fstatat (dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev
      && a.st_ino == b.st_ino)
    removed = unlinkat (dfd, name, 0) == 0;
  close (fd);
  return removed;
}

int
nn_save_temp_remove_stale (const char *target)
{
  char *dir;
  const char *base;
  DIR *d;
  struct dirent *e;
  int n = 0;

  if (!split_path (target, &dir, &base))
    return 0;
  d = opendir (dir);
  free (dir);
  if (d == NULL)
    return 0;
  while ((e = readdir (d)) != NULL)
    if (is_temp_of (e->d_name, base) && remove_if_stale (dirfd (d), e->d_name))
      n++;
  closedir (d);
  return n;
}

/* Creates and locks a new temporary; false with errno set on failure. */
static bool
create_locked (nn_save_temp *t, const char *base)
{
  size_t size = strlen (t->dir) + strlen (base) + 32;
  struct stat a, b;

  t->path = malloc (size);
  if (t->path == NULL)
    return false;
  /* a few tries: a concurrent cleanup may take a temporary between mkstemps and flock */
  for (int attempt = 0; attempt < 8; attempt++)
    {
      snprintf (t->path, size, "%s/.%s.XXXXXX" NN_SAVE_TEMP_SUFFIX, t->dir, base);
      t->fd = mkostemps (t->path, (int) strlen (NN_SAVE_TEMP_SUFFIX), O_CLOEXEC);
      if (t->fd < 0)
        break;
      if (flock (t->fd, LOCK_EX) == 0 && fstat (t->fd, &a) == 0 && stat (t->path, &b) == 0
          && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return true;
      close (t->fd);
      t->fd = -1;
      errno = EAGAIN;
    }
  free (t->path);
  t->path = NULL;
  return false;
}

nn_status
nn_save_temp_open (nn_save_temp *t, const char *target, nn_error *err)
{
  const char *base;

  t->target = target;
  t->fd = -1;
  t->path = NULL;
  t->dir = NULL;
  if (!split_path (target, &t->dir, &base))
    return nn_error_set (err, NN_STATUS_NOMEM, -1, "%s: out of memory", target);
  if (base[0] == '\0')
    {
      free (t->dir);
      t->dir = NULL;
      return nn_error_set (err, NN_STATUS_INVALID_ARG, -1, "%s: not a file name", target);
    }
  if (save_in_place)
    {
      /* the test's naive save: the target itself, truncated */
      t->path = strdup (target);
      t->fd = t->path ? open (target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
      if (t->fd >= 0)
        {
          nn_save_notify (NN_SAVE_OPENED, 0);
          return NN_OK;
        }
      free (t->path);
      t->path = NULL;
      free (t->dir);
      t->dir = NULL;
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot write", target);
    }
  nn_save_temp_remove_stale (target);
  if (!create_locked (t, base))
    {
      nn_status s = nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot create a file in '%s': "
                                  "%s", target, t->dir, strerror (errno));

      free (t->dir);
      t->dir = NULL;
      return s;
    }
  nn_save_notify (NN_SAVE_OPENED, 0);
  return NN_OK;
}

static void
temp_free (nn_save_temp *t)
{
  if (t->fd >= 0)
    close (t->fd);
  free (t->path);
  free (t->dir);
  t->fd = -1;
  t->path = t->dir = NULL;
}

void
nn_save_temp_abort (nn_save_temp *t)
{
  if (t->path != NULL)
    unlink (t->path);
  temp_free (t);
}

/* Keeps the permissions of the file being replaced; new files get rw-r--r--. */
static mode_t
target_mode (const char *path)
{
  struct stat st;

  if (stat (path, &st) == 0 && S_ISREG (st.st_mode))
    return st.st_mode & 07777;
  return 0644;
}

static void
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* Makes the rename durable. Some filesystems refuse fsync on directories (EINVAL);
   * the file itself is already on disk then, so this is best effort. */
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

nn_status
nn_save_temp_commit (nn_save_temp *t, nn_error *err)
{
  const char *what = "write the file";
  int e = 0;

  /* the lock stays held through the rename: the temporary is never seen unlocked */
  if (fchmod (t->fd, target_mode (t->target)) != 0 || fsync (t->fd) != 0)
    e = errno;
  else
    {
      nn_save_notify (NN_SAVE_SYNCED, 0);
      if (!save_in_place && rename (t->path, t->target) != 0)
        {
          e = errno;
          what = "replace the file";
        }
    }
  if (e != 0)
    {
      nn_save_temp_abort (t);
      return nn_error_set (err, NN_STATUS_IO, -1, "%s: cannot %s: %s", t->target, what,
                           strerror (e));
    }
  nn_save_notify (NN_SAVE_RENAMED, 0);
  sync_dir (t->dir);
  temp_free (t);
  return NN_OK;
}
