/* ll-benchmark.h - `layerlab --benchmark-ui`: main-loop stalls and edit-to-paint latency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Measures, in a real window, the two GUI targets of the performance work: how long the
 * main loop is kept from running while the worker runs a large network (and while an
 * edit and its undo go through the document), and how long a weight edit on the seed
 * network takes until the frame that shows its activations has been painted.
 */
#pragma once

#include "ll-window.h"

G_BEGIN_DECLS

typedef struct {
  const char *network;        /* template for the stall part ("vgg16") */
  guint runs;                 /* forward passes of the stall part, >= 1 */
  guint edits;                /* weight edits on the seed network, >= 1 */
} LlBenchmarkOptions;

typedef struct {
  double median_ms, max_ms;
  guint n;
} LlBenchmarkStat;

typedef struct {
  char *network;
  double idle_stall_ms;       /* longest gap of the idle window over IDLE_MS: the machine's
                               * own scheduling noise, the floor of every gap below */
  double create_ms;           /* the template built on the main thread (before measuring) */
  LlBenchmarkStat forward;    /* request -> result applied to the window */
  LlBenchmarkStat run_stall;  /* per forward pass: the main loop's longest gap */
  LlBenchmarkStat run_cpu;    /* per forward pass: CPU time the main thread used (the
                               * rest of a gap is waiting for a core) */
  double edit_ms, undo_ms;    /* the document calls themselves */
  double edit_stall_ms;       /* longest gap from the edit until the undo's result was applied */
  LlBenchmarkStat seed_result;  /* seed edit -> activations applied */
  LlBenchmarkStat seed_paint;   /* seed edit -> after-paint of the frame showing them */
  double tick_ms;             /* the period of the gap probe: the smallest gap it can see */
  LlBenchmarkStat run_stall_cpu;  /* per forward pass: the main thread's CPU time within
                                   * its longest gap (the rest was waiting) */
  double idle_cpu_ms_per_s;   /* the idle window's main-thread CPU time per second: what
                               * the probe's own ticks cost */
} LlBenchmarkReport;

void     ll_benchmark_options_init (LlBenchmarkOptions *options);
/* Runs both parts in window (iterating the default main context until done); the window
 * shows the probe's documents afterwards. FALSE + error if a step did not finish. */
gboolean ll_benchmark_run          (LlWindow                 *window,
                                    const LlBenchmarkOptions *options,
                                    LlBenchmarkReport        *report,
                                    GError                  **error);
/* A Markdown table of the report, with the targets. */
char    *ll_benchmark_report_format (const LlBenchmarkReport *report);
void     ll_benchmark_report_clear  (LlBenchmarkReport *report);

G_END_DECLS
