/* test-benchmark.c - the GUI probe behind `layerlab --benchmark-ui`, in a quick mode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proves that the probe works (every part runs, finishes and reports consistent
 * numbers) on a small network; the timings themselves depend on the machine and are
 * not checked here (docs/performance.md has them).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ll-benchmark.h"
#include "ll-renderer.h"
#include "test-common.h"

static void
assert_stat (const LlBenchmarkStat *stat,
             guint                  n)
{
  g_assert_cmpuint (stat->n, ==, n);
  g_assert_true (isfinite (stat->median_ms) && isfinite (stat->max_ms));
  g_assert_cmpfloat (stat->median_ms, >, 0.0);
  g_assert_cmpfloat (stat->max_ms, >=, stat->median_ms);
}

static void
test_quick (void)
{
  LlWindow *win = test_new_window (NULL);
  LlBenchmarkOptions options;
  LlBenchmarkReport report;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  const nn_tensor *bias;

  ll_benchmark_options_init (&options);
  g_assert_cmpstr (options.network, ==, "vgg16");
  options.network = "lenet5";
  options.runs = 2;
  options.edits = 3;
  g_assert_true (ll_benchmark_run (win, &options, &report, &error));
  g_assert_no_error (error);

  assert_stat (&report.forward, 2);
  assert_stat (&report.run_stall, 2);
  assert_stat (&report.seed_result, 3);
  assert_stat (&report.seed_paint, 3);
  /* a result is painted after it was applied; a stall lasts at least one tick */
  g_assert_cmpfloat (report.seed_paint.median_ms, >=, report.seed_result.median_ms);
  g_assert_cmpfloat (report.run_stall.median_ms, >=, report.tick_ms);
  g_assert_cmpfloat (report.edit_ms, >, 0.0);
  g_assert_cmpfloat (report.undo_ms, >, 0.0);
  g_assert_cmpfloat (report.edit_stall_ms, >=, report.tick_ms);
  g_assert_cmpfloat (report.idle_stall_ms, >=, report.tick_ms);
  /* the window shows the seed network with the last edit: 0.bias set to 3 × 0.01 */
  bias = nn_net_find_param (ll_document_get_net (ll_window_get_document (win)), "0.bias");
  g_assert_nonnull (bias);
  g_assert_cmpint (bias->shape[0], ==, 32);
  for (gint64 i = 0; i < nn_tensor_numel (bias); i++)
    g_assert_cmpfloat (bias->data[i], ==, 0.03f);

  table = ll_benchmark_report_format (&report);
  g_assert_nonnull (strstr (table, "lenet5: longest main-loop gap per forward pass | 2 |"));
  g_assert_nonnull (strstr (table, "seed: weight edit → activations painted | 3 |"));
  ll_benchmark_report_clear (&report);
  test_destroy_window (win);
}

/* An unknown network is an error, not a hang. */
static void
test_unknown_network (void)
{
  LlWindow *win = test_new_window (NULL);
  LlBenchmarkOptions options;
  LlBenchmarkReport report;
  g_autoptr(GError) error = NULL;

  ll_benchmark_options_init (&options);
  options.network = "no-such-network";
  g_assert_false (ll_benchmark_run (win, &options, &report, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-network"));
  ll_benchmark_report_clear (&report);
  test_destroy_window (win);
}

/* Software OpenGL (Mesa's llvmpipe and friends) is recognised, real GPUs are not, and
 * a GSK_RENDERER the user set is never overridden (the tests set cairo). */
static void
test_renderer_choice (void)
{
  g_assert_true (ll_renderer_is_software ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (ll_renderer_is_software ("softpipe"));
  g_assert_true (ll_renderer_is_software ("Mesa DRI swrast"));
  g_assert_false (ll_renderer_is_software ("AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49)"));
  g_assert_false (ll_renderer_is_software ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (ll_renderer_is_software (NULL));

  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_null (ll_renderer_choose (gdk_display_get_default ()));
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/benchmark/quick", test_quick);
  g_test_add_func ("/ui/benchmark/unknown-network", test_unknown_network);
  g_test_add_func ("/ui/benchmark/renderer-choice", test_renderer_choice);
  return test_app_run ();
}
