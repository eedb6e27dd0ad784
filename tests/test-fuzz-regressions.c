/* test-fuzz-regressions.c - replays fuzzer corpora and crash reproducers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every file under tests/fuzz/regressions/<target>/ (inputs that once crashed a fuzz
 * target, kept after the fix) and tests/fuzz/corpus/<target>/ (the seeds) goes through
 * the very entry function the libFuzzer harness calls (fuzz-entry.c). A sanitizer build
 * (-Db_sanitize=address,undefined) makes this as strict as the fuzzer itself; a plain
 * build still catches crashes and the entries' own consistency checks. Reproducers of
 * bugs not fixed yet wait in tests/fuzz/pending/ and are not replayed.
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fuzz-entry.h"
#include "nn-private.h"

static const char *const targets[] = { "h5model", "npy", "onnx", "pt", "propagate" };

/* libFuzzer stops at a 2 GiB malloc; without it a file that makes the reader (or
 * libhdf5 on its behalf) allocate a size from the file goes unnoticed when the machine
 * has the memory. The entries run with a 16 MiB budget, so a replay that raises this
 * process's peak resident memory by more than this has allocated from an unchecked
 * size (oom-vlen-string-4gib.h5 raised it by 4 GiB before read_string_value checked
 * the stored length). */
#define REPLAY_MAX_GROWTH_KIB (512 * 1024)

static long
peak_rss_kib (void)
{
  struct rusage ru;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &ru), ==, 0);
  return ru.ru_maxrss;
}

static void
replay_file (gconstpointer data)
{
  long peak_before = peak_rss_kib ();
  const char *path = data;
  const char *target;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *target_name = g_path_get_basename (dir);
  g_autofree char *bytes = NULL;
  gsize size;
  g_autoptr (GError) error = NULL;
  fuzz_entry_fn fn;

  target = target_name;
  fn = fuzz_entry_lookup (target);
  g_assert_nonnull (fn);
  g_assert_true (g_file_get_contents (path, &bytes, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fn ((const uint8_t *) bytes, size), ==, 0);
  g_assert_cmpint (peak_rss_kib () - peak_before, <, REPLAY_MAX_GROWTH_KIB);
}

/* The isolated check must agree with the in-process reader on every file that does not
 * crash it: same status, same message (no false alarm, no lost explanation). */
static void
replay_isolated (gconstpointer data)
{
  const char *path = data;
  nn_error iso_err, err;
  nn_status iso, direct;
  nn_net *net = NULL;

  nn_set_memory_budget (FUZZ_MEMORY_BUDGET);
  iso = nn_model_validate_isolated (path, &iso_err);
  direct = nn_model_open (path, &net, &err);
  nn_net_free (net);
  g_assert_cmpint (iso, ==, direct);
  if (direct != NN_OK)
    g_assert_cmpstr (iso_err.message, ==, err.message);
  /* The cheaper check nn_file_open_model runs (no contiguous weight data) may let a
   * file through that the open then refuses, but whatever it refuses, the open refuses
   * with the same words. */
  iso = nn_model_check_headers_isolated (path, &iso_err);
  if (iso != NN_OK)
    {
      g_assert_cmpint (iso, ==, direct);
      g_assert_cmpstr (iso_err.message, ==, err.message);
    }
}

/* nn_file_open_model checks HDF5 files in a child first: a file that crashes libhdf5
 * in-process gives a clean error (crash-e075... segfaults a plain open in a fresh
 * process every time); with the checks off the same open kills the process. */
#define CRASHER "h5model-crash-e075ca5ac457f8de65287bb07d77d471ed5171ae.h5"

static void
file_open_survives (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "libhdf5-crashes",
                                                 CRASHER, NULL);
  nn_net *net = NULL, *seed;
  nn_error err;
  nn_status s;

  if (g_test_subprocess ())
    {
      if (g_strcmp0 (g_getenv ("ISOLATION"), "off") == 0)
        nn_set_isolated_checks (false);
      g_assert_cmpint (nn_file_open_model (path, NULL, &net, &err), ==, NN_STATUS_FORMAT);
      g_assert_null (net);
      g_assert_true (g_str_has_prefix (err.message, path));
      g_test_message ("open: %s", err.message);
      /* whether libhdf5 crashes in the child depends on its heap: any error will do */
      seed = nn_net_new_template ("seed", 1, NULL);
      s = nn_file_load_weights (path, seed, &err);
      g_test_message ("load weights: %s", err.message);
      g_assert_cmpint (s, !=, NN_OK);
      g_assert_true (g_str_has_prefix (err.message, path));
      nn_net_free (seed);
      return;
    }
  g_assert_true (nn_get_isolated_checks ());
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  /* the same without isolation: the crash the check protects from */
  g_setenv ("ISOLATION", "off", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("ISOLATION");
  g_test_trap_assert_failed ();
}

/* Files that crash inside libhdf5 1.10.8 itself (no check of ours can run first): the
 * isolated checks must survive them, and this process with them. h5aexists-sigsegv.h5
 * crashes a plain `nn_model_open` program every time; the others crashed under
 * AddressSanitizer or after other files were opened (libhdf5 reads freed or
 * uninitialised memory). */
static void
isolated_survives (gconstpointer data)
{
  const char *path = data;
  nn_error err, werr;
  nn_net *seed;
  nn_status s, ws;

  /* In a fresh process (g_test_trap_subprocess), since whether libhdf5 crashes depends on
   * its heap's history: the model check first, before anything else is allocated. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  s = nn_model_validate_isolated (path, &err);
  seed = nn_net_new_template ("seed", 1, NULL);
  ws = nn_weights_validate_isolated (path, seed, &werr);
  nn_net_free (seed);
  /* Whether the child crashes depends on what libhdf5 finds in uninitialised or freed
   * memory, so either answer is right here; a crash is reported as FORMAT. */
  if (strstr (err.message, "crashed the HDF5 library") != NULL)
    g_assert_cmpint (s, ==, NN_STATUS_FORMAT);
  if (s != NN_OK)
    g_assert_nonnull (strstr (err.message, path));
  if (ws != NN_OK)
    g_assert_nonnull (strstr (werr.message, path));
}

/* ---------------------------------------------------------------- the checker program */

/* The ThreadSanitizer build (build-aux/test.sh) builds only the tests, not the checker:
 * its checks fork, and there is nothing to compare */
static bool
have_checker (void)
{
  const char *checker = g_getenv ("LAYERLAB_CHECKER");

  if (checker != NULL && g_file_test (checker, G_FILE_TEST_IS_EXECUTABLE))
    return true;
  g_test_skip ("layerlab-check is not built");
  return false;
}

typedef nn_status (*check_fn) (const char *path, const nn_net *net, nn_error *err);

static nn_status
model_full (const char *path, const nn_net *net, nn_error *err)
{
  return nn_model_validate_isolated (path, err);
}

static nn_status
model_headers (const char *path, const nn_net *net, nn_error *err)
{
  return nn_model_check_headers_isolated (path, err);
}

static nn_status
weights_full (const char *path, const nn_net *net, nn_error *err)
{
  return nn_weights_validate_isolated (path, net, err);
}

/* layerlab-check (LAYERLAB_CHECKER, set by the test environment) and the forked child
 * give the same answers, in all four modes, on good and bad files; the weights modes
 * check against a network the checker rebuilds from what it is sent */
static void
checker_matches_fork (void)
{
  static const char *files[] = { "good/base.h5", "good/float64-weights.h5",
                                 "good/compressed.h5", "bad/huge-params.h5",
                                 "bad/int-weight.h5", "bad/empty.h5", "bad/kernel-float.h5" };
  static const check_fn checks[] = { model_full, model_headers, weights_full,
                                     nn_weights_check_headers_isolated };
  g_autofree char *base = g_test_build_filename (G_TEST_DIST, "data", "good", "base.h5",
                                                 NULL);
  nn_net *net = NULL, *seed;
  nn_error err;

  if (!have_checker ())
    return;
  seed = nn_net_new_template ("seed", 1, NULL);
  g_assert_cmpint (nn_model_open (base, &net, &err), ==, NN_OK);
  for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
    for (gsize c = 0; c < G_N_ELEMENTS (checks); c++)
      for (int against = 0; against < (c >= 2 ? 2 : 1); against++)
        {
          g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", files[f],
                                                         NULL);
          const nn_net *n = against == 0 ? net : seed;
          nn_error a, b;
          nn_status sa, sb;

          nn_isolate_set_checker (NULL);
          sa = checks[c] (path, n, &a);
          nn_isolate_set_checker ("");
          sb = checks[c] (path, n, &b);
          nn_isolate_set_checker (NULL);
          g_test_message ("%s, check %" G_GSIZE_FORMAT ": %d %s", files[f], c, sa,
                          sa != NN_OK ? a.message : "");
          g_assert_cmpint (sa, ==, sb);
          if (sa != NN_OK)
            g_assert_cmpstr (a.message, ==, b.message);
        }
  nn_net_free (net);
  nn_net_free (seed);
}

/* The checker is what runs: one that always fails turns every check into the crash
 * message; a missing one sends the checks back to a forked child */
static void
checker_is_used (void)
{
  g_autofree char *good = g_test_build_filename (G_TEST_DIST, "data", "good", "base.h5",
                                                 NULL);
  nn_error err;

  nn_isolate_set_checker ("/bin/false");
  g_assert_cmpint (nn_model_validate_isolated (good, &err), ==, NN_STATUS_FORMAT);
  g_assert_nonnull (strstr (err.message, "crashed the HDF5 library"));
  nn_isolate_set_checker ("/nonexistent/layerlab-check");
  g_assert_cmpint (nn_model_validate_isolated (good, &err), ==, NN_OK);
  nn_isolate_set_checker (NULL);
  g_assert_cmpint (nn_model_validate_isolated (good, &err), ==, NN_OK);
}

/* layerlab-check by hand: wrong arguments get the usage (status 2); a weights mode
 * without a network on stdin says so in the nn_error it writes (status 1) */
static void
checker_refuses_garbage (void)
{
  const char *checker = g_getenv ("LAYERLAB_CHECKER");
  g_autofree char *good = g_test_build_filename (G_TEST_DIST, "data", "good", "base.h5",
                                                 NULL);
  g_autofree char *dir = NULL, *result = NULL;
  const char *usage[] = { checker, "weights", good, NULL };
  const char *piped[] = { "/bin/sh", "-c",
                          "echo not-a-network | \"$0\" weights \"$1\" 1048576 > \"$2\"",
                          checker, good, NULL, NULL };
  g_autofree char *out = NULL, *err_text = NULL, *bytes = NULL;
  g_autoptr (GError) error = NULL;
  const nn_error *written;
  gsize size = 0;
  int wait_status;

  if (!have_checker ())
    return;
  dir = g_dir_make_tmp ("layerlab-check-XXXXXX", NULL);
  g_assert_nonnull (dir);
  result = g_build_filename (dir, "result", NULL);
  piped[5] = result;
  g_assert_true (g_spawn_sync (NULL, (char **) usage, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err_text, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 2);
  g_assert_nonnull (strstr (err_text, "usage: layerlab-check"));
  g_assert_true (g_spawn_sync (NULL, (char **) piped, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &wait_status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 1);
  g_assert_true (g_file_get_contents (result, &bytes, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, sizeof (nn_error));
  written = (const nn_error *) bytes;
  g_assert_cmpint (written->status, ==, NN_STATUS_INVALID_ARG);
  g_assert_nonnull (strstr (written->message, "no network on standard input"));
  g_unlink (result);
  g_rmdir (dir);
}

static int
add_dir (const char *kind, const char *target, GPtrArray *keep)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fuzz", kind, target, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  int n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);   /* stable test order */
  for (guint i = 0; i < names->len; i++)
    {
      const char *base = names->pdata[i];
      char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *test = g_strdup_printf ("/fuzz/%s/%s/%s", kind, target, base);

      g_ptr_array_add (keep, path);
      g_test_add_data_func (test, path, replay_file);
      if (g_str_equal (target, "h5model"))
        {
          g_autofree char *iso = g_strdup_printf ("/fuzz/isolated/%s/%s", kind, base);

          g_test_add_data_func (iso, path, replay_isolated);
        }
      n++;
    }
  return n;
}

int
main (int argc, char *argv[])
{
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  int n = 0, status;

  g_test_init (&argc, &argv, NULL);
  {
    g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fuzz", "libhdf5-crashes", NULL);
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        char *path = g_build_filename (dir, name, NULL);
        g_autofree char *test = g_strdup_printf ("/fuzz/isolated/libhdf5-crash/%s", name);

        g_ptr_array_add (keep, path);
        g_test_add_data_func (test, path, isolated_survives);
        n++;
      }
  }
  g_test_add_func ("/fuzz/isolated/file-open/" CRASHER, file_open_survives);
  g_test_add_func ("/fuzz/isolated/checker/matches-fork", checker_matches_fork);
  g_test_add_func ("/fuzz/isolated/checker/is-used", checker_is_used);
  g_test_add_func ("/fuzz/isolated/checker/refuses-garbage", checker_refuses_garbage);
  for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      n += add_dir ("regressions", targets[i], keep);
      n += add_dir ("corpus", targets[i], keep);
    }
  /* An empty tree would make this test pass without checking anything. */
  g_assert_cmpint (n, >, 0);
  status = g_test_run ();
  fuzz_entry_cleanup ();
  return status;
}
