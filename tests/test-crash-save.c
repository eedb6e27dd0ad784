/* test-crash-save.c - saves killed at any point never damage the saved file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A child process saves two versions of a network (same architecture, different
 * weights) over one file, alternately, and the parent SIGKILLs it at chosen points: as
 * soon as the temporary exists, after each piece of the content (every tensor for HDF5;
 * a spread of libzip's writes for .pt), once the temporary is synced but not renamed,
 * and just after the rename, in the first, second and third save of the child. The
 * engine's save hook (nn_save_set_hook) tells the child where it is; there it reports
 * over a pipe and waits, and the parent kills it while it waits. The child also reports
 * each save it completes, so the parent knows which version the file must hold: the
 * last completed save's (the first file before any), or the killed save's own once its
 * rename is done. Nothing depends on timing: every kill lands where it was aimed, on a
 * machine of any speed and load.
 *
 * After every kill the file must open and hold, bit for bit, exactly that version:
 * saves write a temporary file next to the target, fsync it and rename it over the
 * target, so the target is always a complete old or new file. The same kills on the
 * test-only in-place save (nn_save_set_unsafe_in_place: the target truncated and written
 * directly) must find the file damaged mid-write, which shows the check can fail.
 *
 * A killed save leaves its temporary file behind (nothing runs after SIGKILL). The test
 * checks that every other file in the folder is such a temporary file (named like the
 * savers name them: ".<name>.XXXXXX.layerlab-tmp") and reports how many were left.
 * Saves hold a lock on their temporary and remove those of killed saves (unlocked)
 * first: after the kills, one normal save must leave the folder with the target alone.
 * See docs/robustness.md.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn.h"
#include "nn-private.h"

/* at most this many of a save's NN_SAVE_WROTE points are aimed at (spread evenly) */
#define MAX_WROTE_KILLS 16
/* kills are aimed at each of the child's first N_SAVES saves */
#define N_SAVES 3

typedef enum { KIND_H5, KIND_PT } save_kind;

typedef struct fixture {
  save_kind kind;
  char *dir;
  char *path;
  const char *base;
  nn_net *a, *b;
} fixture;

/* Where to stop the child: in its save number `save` (from 0), at `point`; for
 * NN_SAVE_WROTE at the `wrote`-th such point of that save (from 1). */
typedef struct target {
  int save;
  nn_save_point point;
  int wrote;
} target;

static nn_status
save (save_kind kind, const char *path, const nn_net *net, nn_error *err)
{
  return kind == KIND_H5 ? nn_model_save (path, net, err) : nn_pt_save_model (path, net, err);
}

/* Opens path as its kind is read back (a .pt model needs its input shape). */
static nn_net *
load (const fixture *f, nn_error *err)
{
  nn_net *net = NULL;
  nn_status s = f->kind == KIND_H5 ? nn_model_open (f->path, &net, err)
                                   : nn_pt_open_model (f->path, &f->a->input, &net, err);

  return s == NN_OK ? net : NULL;
}

static gboolean
same_weights (const nn_net *x, const nn_net *y)
{
  nn_param *px, *py;
  int nx = nn_net_params (x, &px), ny = nn_net_params (y, &py);
  gboolean same = nx == ny;

  for (int i = 0; same && i < nx; i++)
    {
      if (strcmp (px[i].key, py[i].key) != 0)
        same = FALSE;
      else if (px[i].tensor != NULL)
        same = py[i].tensor != NULL && nn_tensor_same_shape (px[i].tensor, py[i].tensor)
               && memcmp (px[i].tensor->data, py[i].tensor->data,
                          (size_t) nn_tensor_numel (px[i].tensor) * sizeof (float)) == 0;
      else
        same = py[i].count != NULL && *px[i].count == *py[i].count;
    }
  free (px);
  free (py);
  return same;
}

/* The version the child's save number i writes: b, a, b, a, ... */
static const nn_net *
version_of_save (const fixture *f, int i)
{
  return i % 2 == 0 ? f->b : f->a;
}

/* ---------------------------------------------------------------- the child */

typedef struct child {
  target aim;
  int report_fd;            /* 'S' per completed save, 'H' when stopped at the aim */
  int block_fd;             /* read until killed: the parent never writes to it */
  int save;                 /* the save running now */
  int wrote;                /* NN_SAVE_WROTE points of this save so far */
} child;

static void
write_byte (int fd, char c)
{
  while (write (fd, &c, 1) != 1)
    if (errno != EINTR)
      _exit (4);
}

static void
child_hook (nn_save_point point, int64_t progress, void *data)
{
  child *c = data;
  char byte;

  (void) progress;
  if (point == NN_SAVE_OPENED)
    c->wrote = 0;
  if (point == NN_SAVE_WROTE)
    c->wrote++;
  if (c->save != c->aim.save || point != c->aim.point
      || (point == NN_SAVE_WROTE && c->wrote != c->aim.wrote))
    return;
  write_byte (c->report_fd, 'H');
  /* wait for SIGKILL; end on our own only if the parent is gone */
  while (read (c->block_fd, &byte, 1) < 0 && errno == EINTR)
    ;
  _exit (5);
}

/* Saves b, a, b, ... reporting each, until stopped at the aim and killed. */
G_GNUC_NORETURN static void
child_run (const fixture *f, target aim, bool in_place, int report_fd, int block_fd)
{
  child c = { aim, report_fd, block_fd, 0, 0 };
  nn_error err;

  nn_save_set_unsafe_in_place (in_place);
  nn_save_set_hook (child_hook, &c);
  for (c.save = 0;; c.save++)
    {
      if (save (f->kind, f->path, version_of_save (f, c.save), &err) != NN_OK)
        {
          fprintf (stderr, "save failed: %s\n", err.message);
          _exit (3);
        }
      write_byte (report_fd, 'S');
    }
}

/* ---------------------------------------------------------------- the parent */

/* Starts a child aimed at aim, waits until it stops there and kills it. Returns how many
 * saves it completed before. */
static int
kill_at (const fixture *f, target aim, bool in_place)
{
  int report[2], block[2], status, completed = 0;
  char byte = 0;
  ssize_t n;
  pid_t pid;

  g_assert_cmpint (pipe (report), ==, 0);
  g_assert_cmpint (pipe (block), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (report[0]);
      close (block[1]);
      child_run (f, aim, in_place, report[1], block[0]);
    }
  close (report[1]);
  close (block[0]);
  /* every byte comes from the child; end of file means it exited on its own */
  while ((n = read (report[0], &byte, 1)) == 1 && byte == 'S')
    completed++;
  if (n != 1 || byte != 'H')
    {
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
      g_error ("the saving child ended before it reached save %d, point %d/%d (status %d)",
               aim.save, aim.point, aim.wrote, status);
    }
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  close (report[0]);
  close (block[1]);
  g_assert_cmpint (completed, ==, aim.save);
  return completed;
}

/* How many NN_SAVE_WROTE points one save of net has (the same in every save of it). */
static void
count_hook (nn_save_point point, int64_t progress, void *data)
{
  (void) progress;
  if (point == NN_SAVE_WROTE)
    ++*(int *) data;
}

static int
count_wrote_points (const fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "count", NULL);
  int n = 0;
  nn_error err;

  nn_save_set_hook (count_hook, &n);
  g_assert_cmpint (save (f->kind, path, f->a, &err), ==, NN_OK);
  nn_save_set_hook (NULL, NULL);
  g_unlink (path);
  return n;
}

/* The points of one save to kill at: opened, up to MAX_WROTE_KILLS writes (the first
 * and the last among them), synced, renamed. */
static int
make_targets (int save_index, int n_wrote, target *out)
{
  int n = 0, k = MIN (n_wrote, MAX_WROTE_KILLS);

  out[n++] = (target) { save_index, NN_SAVE_OPENED, 0 };
  for (int i = 0; i < k; i++)
    out[n++] = (target) { save_index, NN_SAVE_WROTE,
                          k == 1 ? n_wrote : 1 + i * (n_wrote - 1) / (k - 1) };
  out[n++] = (target) { save_index, NN_SAVE_SYNCED, 0 };
  out[n++] = (target) { save_index, NN_SAVE_RENAMED, 0 };
  return n;
}

/* Stray files: everything in the folder but the target, each a saver's temporary. */
static int
count_strays (const fixture *f)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  g_autofree char *hidden = g_strdup_printf (".%s.", f->base);
  const char *name;
  int n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (strcmp (name, f->base) == 0)
        continue;
      /* ".<base>.XXXXXX.layerlab-tmp" */
      if (!g_str_has_prefix (name, hidden) || strlen (name) != strlen (hidden) + 6 + 13
          || !g_str_has_suffix (name, ".layerlab-tmp"))
        g_error ("unexpected file '%s' next to '%s'", name, f->base);
      n++;
    }
  return n;
}

static void
remove_all (const fixture *f)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (f->dir);
}

static void
fixture_init (fixture *f, save_kind kind)
{
  nn_error err;

  f->kind = kind;
  f->base = kind == KIND_H5 ? "model.h5" : "model.pt";
  f->dir = g_dir_make_tmp ("layerlab-crash-save-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, f->base, NULL);
  f->a = nn_net_new_template ("seed", 1, &err);
  f->b = nn_net_new_template ("seed", 2, &err);
  g_assert_nonnull (f->a);
  g_assert_nonnull (f->b);
  g_assert_false (same_weights (f->a, f->b));
}

static void
fixture_clear (fixture *f)
{
  remove_all (f);
  nn_net_free (f->a);
  nn_net_free (f->b);
  g_free (f->path);
  g_free (f->dir);
}

static const char *
point_name (nn_save_point p)
{
  static const char *const names[] = { "opened", "wrote", "synced", "renamed" };

  return names[p];
}

static void
kill_saves (gconstpointer data)
{
  fixture f;
  target targets[MAX_WROTE_KILLS + 3];
  int n_wrote, n_targets, kills = 0, strays, left = 0;
  nn_error err;
  nn_net *got;

  fixture_init (&f, GPOINTER_TO_INT (data));
  n_wrote = count_wrote_points (&f);
  g_assert_cmpint (n_wrote, >, 1);
  g_assert_cmpint (save (f.kind, f.path, f.a, &err), ==, NN_OK);
  for (int s = 0; s < N_SAVES; s++)
    {
      n_targets = make_targets (s, n_wrote, targets);
      for (int t = 0; t < n_targets; t++)
        {
          int completed = kill_at (&f, targets[t], false);
          /* the file is the last completed save's, or this one's once it is renamed */
          const nn_net *want = targets[t].point == NN_SAVE_RENAMED
                               ? version_of_save (&f, s)
                               : completed > 0 ? version_of_save (&f, completed - 1) : f.a;

          got = load (&f, &err);
          if (got == NULL)
            g_error ("killed in save %d when %s (%d): %s does not open: %s", s,
                     point_name (targets[t].point), targets[t].wrote, f.path, err.message);
          if (!same_weights (got, want))
            g_error ("killed in save %d when %s (%d): %s does not hold the version of %s",
                     s, point_name (targets[t].point), targets[t].wrote, f.path,
                     targets[t].point == NN_SAVE_RENAMED ? "that save" : "the save before");
          nn_net_free (got);
          /* a save killed before its rename leaves its temporary; the completed saves
           * before it removed those of earlier kills */
          strays = count_strays (&f);
          g_assert_cmpint (strays, ==, targets[t].point == NN_SAVE_RENAMED ? 0 : 1);
          left += strays;
          /* One normal save cleans up after the killed one and still gives an intact
           * file; the next child starts from it. */
          g_assert_cmpint (save (f.kind, f.path, f.a, &err), ==, NN_OK);
          g_assert_cmpint (count_strays (&f), ==, 0);
          got = load (&f, &err);
          g_assert_nonnull (got);
          g_assert_true (same_weights (got, f.a));
          nn_net_free (got);
          kills++;
        }
    }
  g_test_message ("%d kills at chosen points of %d saves (%d write points each): the file "
                  "held the expected version every time; %d temporary files were left "
                  "behind, each removed by the next save", kills, N_SAVES, n_wrote, left);
  fixture_clear (&f);
}

/* The check above can fail: the same kills on a save that writes the target in place
 * leave a file that does not open, or holds neither version, at every point between the
 * truncation and the end of the writes. */
static void
kill_in_place_saves (gconstpointer data)
{
  fixture f;
  target targets[MAX_WROTE_KILLS + 3];
  int n_wrote, n_targets, damaged = 0;
  nn_error err;
  nn_net *got;

  fixture_init (&f, GPOINTER_TO_INT (data));
  n_wrote = count_wrote_points (&f);
  n_targets = make_targets (0, n_wrote, targets);
  for (int t = 0; t < n_targets; t++)
    {
      gboolean intact;

      /* only the points inside the writes: before the last one nothing is complete */
      if (targets[t].point != NN_SAVE_OPENED
          && (targets[t].point != NN_SAVE_WROTE || targets[t].wrote == n_wrote))
        continue;
      g_assert_cmpint (save (f.kind, f.path, f.a, &err), ==, NN_OK);
      kill_at (&f, targets[t], true);
      got = load (&f, &err);
      intact = got != NULL && (same_weights (got, f.a) || same_weights (got, f.b));
      g_assert_false (intact);
      nn_net_free (got);
      damaged++;
    }
  g_test_message ("in-place saves killed at %d points: the file was damaged every time",
                  damaged);
  g_assert_cmpint (damaged, >, 1);
  fixture_clear (&f);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/crash-save/model-h5", GINT_TO_POINTER (KIND_H5), kill_saves);
  g_test_add_data_func ("/crash-save/model-pt", GINT_TO_POINTER (KIND_PT), kill_saves);
  g_test_add_data_func ("/crash-save/in-place-h5-is-caught", GINT_TO_POINTER (KIND_H5),
                        kill_in_place_saves);
  g_test_add_data_func ("/crash-save/in-place-pt-is-caught", GINT_TO_POINTER (KIND_PT),
                        kill_in_place_saves);
  return g_test_run ();
}
