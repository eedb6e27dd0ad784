/* test-crash-save.c - saves killed at random points never damage the saved file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A child process saves two versions of a network (same architecture, different
 * weights) over one file in a loop; the parent SIGKILLs it after a random delay, 200
 * times in a row. After every kill the file must open and hold, bit for bit, the weights
 * of one of the two versions: saves write a temporary file next to the target, fsync it
 * and rename it over the target, so the target is always a complete old or new file.
 *
 * A killed save leaves its temporary file behind (nothing runs after SIGKILL). The test
 * checks that every other file in the folder is such a temporary file (named like the
 * savers name them: ".<name>.XXXXXX.layerlab-tmp" for HDF5, "<name>.XXXXXX" for .pt and
 * libzip's own) and reports how many were left. HDF5 saves hold a lock on their
 * temporary and remove those of killed saves (unlocked) first: after the kills, one
 * normal save must leave the folder with the target alone. See docs/robustness.md.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"

#define N_KILLS 200

typedef enum { KIND_H5, KIND_PT } save_kind;

typedef struct fixture {
  char *dir;
  char *path;
  nn_net *a, *b;
} fixture;

static nn_status
save (save_kind kind, const char *path, const nn_net *net, nn_error *err)
{
  return kind == KIND_H5 ? nn_model_save (path, net, err)
                         : nn_pt_save_state_dict (path, net, err);
}

/* Opens path the way its kind is read back: a whole model, or weights into a copy. */
static nn_net *
load (save_kind kind, const char *path, const nn_net *like, nn_error *err)
{
  nn_net *net = NULL;

  if (kind == KIND_H5)
    return nn_model_open (path, &net, err) == NN_OK ? net : NULL;
  net = nn_net_copy (like, err);
  g_assert_nonnull (net);
  nn_net_reset_parameters (net, -1, 999);   /* nothing left of like's weights */
  if (nn_pt_load_weights (path, net, err) != NN_OK)
    {
      nn_net_free (net);
      return NULL;
    }
  return net;
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

/* The child: alternately save b and a until killed. */
G_GNUC_NORETURN static void
save_forever (save_kind kind, const fixture *f)
{
  nn_error err;

  for (unsigned i = 0;; i++)
    if (save (kind, f->path, i % 2 == 0 ? f->b : f->a, &err) != NN_OK)
      {
        fprintf (stderr, "save failed: %s\n", err.message);
        _exit (3);
      }
}

static double
seconds_now (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

/* Stray files: everything in the folder but the target, each a saver's temporary. */
static int
count_strays (const fixture *f, const char *base)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;
  int n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *hidden = g_strdup_printf (".%s.", base);
      g_autofree char *plain = g_strdup_printf ("%s.", base);

      if (strcmp (name, base) == 0)
        continue;
      if (!g_str_has_prefix (name, hidden) && !g_str_has_prefix (name, plain))
        g_error ("unexpected file '%s' next to '%s'", name, base);
      /* HDF5 temporaries: ".<base>.XXXXXX.layerlab-tmp" */
      if (g_str_has_prefix (name, hidden) && (strlen (name) != strlen (hidden) + 6 + 13
                                             || !g_str_has_suffix (name, ".layerlab-tmp")))
        g_error ("temporary file '%s' is not named .%s.XXXXXX.layerlab-tmp", name, base);
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
kill_saves (gconstpointer data)
{
  save_kind kind = GPOINTER_TO_INT (data);
  const char *base = kind == KIND_H5 ? "model.h5" : "weights.pt";
  fixture f;
  nn_error err;
  double t0, t_save;
  int n_a = 0, n_b = 0, strays;
  nn_net *got;

  f.dir = g_dir_make_tmp ("layerlab-crash-save-XXXXXX", NULL);
  g_assert_nonnull (f.dir);
  f.path = g_build_filename (f.dir, base, NULL);
  f.a = nn_net_new_template ("seed", 1, &err);
  f.b = nn_net_new_template ("seed", 2, &err);
  g_assert_nonnull (f.a);
  g_assert_nonnull (f.b);
  g_assert_false (same_weights (f.a, f.b));
  t0 = seconds_now ();
  g_assert_cmpint (save (kind, f.path, f.a, &err), ==, NN_OK);
  t_save = seconds_now () - t0;

  for (int i = 0; i < N_KILLS; i++)
    {
      /* Delays spread over a few whole saves, so kills land anywhere in one. */
      gulong delay_us = (gulong) g_test_rand_double_range (0.0, 3.0 * t_save * 1e6 + 2000.0);
      int status;
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        save_forever (kind, &f);
      g_usleep (delay_us);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      /* Killed, not failed on its own (exit 3 would mean a save error). */
      g_assert_true (WIFSIGNALED (status));
      got = load (kind, f.path, f.a, &err);
      if (got == NULL)
        g_error ("kill %d (after %lu us): %s does not open: %s", i, delay_us, f.path,
                 err.message);
      if (same_weights (got, f.a))
        n_a++;
      else if (same_weights (got, f.b))
        n_b++;
      else
        g_error ("kill %d: %s holds weights of neither version", i, f.path);
      nn_net_free (got);
    }
  strays = count_strays (&f, base);
  g_test_message ("%d kills (a save takes %.1f ms): the file held version a %d times, "
                  "version b %d times; %d temporary files left behind", N_KILLS,
                  t_save * 1e3, n_a, n_b, strays);
  /* Both versions seen: the kills did land during saves, and saves did complete. */
  g_assert_cmpint (n_a, >, 0);
  g_assert_cmpint (n_b, >, 0);
  /* One normal save cleans up after the killed ones and still gives an intact file. */
  g_assert_cmpint (save (kind, f.path, f.b, &err), ==, NN_OK);
  got = load (kind, f.path, f.a, &err);
  g_assert_nonnull (got);
  g_assert_true (same_weights (got, f.b));
  nn_net_free (got);
  strays = count_strays (&f, base);
  g_test_message ("after one more save: %d temporary files", strays);
  g_assert_cmpint (strays, ==, 0);
  remove_all (&f);
  nn_net_free (f.a);
  nn_net_free (f.b);
  g_free (f.path);
  g_free (f.dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/crash-save/model-h5", GINT_TO_POINTER (KIND_H5), kill_saves);
  g_test_add_data_func ("/crash-save/state-dict-pt", GINT_TO_POINTER (KIND_PT), kill_saves);
  return g_test_run ();
}
