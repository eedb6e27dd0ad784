/* ll-benchmark.c - `layerlab --benchmark-ui`: main-loop stalls and edit-to-paint latency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stalls: a high-priority timeout fires every TICK_MS and keeps the longest gap between
 * two of its runs. While the main thread is free the gap is about TICK_MS; anything
 * that blocks the main loop (copying a network, painting, applying a result) shows up
 * as a longer gap, which is what a user sees as a frozen window. With the longest gap
 * it keeps the CPU time the main thread used within it: the rest of the gap it waited
 * (for a core, for the X server, for a lock).
 *
 * Latency: the window's "last-run" notification says when a result was applied; the
 * pictures are then drawn in threads, and the first frame clock "after-paint" at which
 * every activation area has its new picture ready ends the frame that shows them. Both
 * are timed from the moment the edit is made on the document, as an action would.
 */
#define G_LOG_DOMAIN "ll-benchmark"

#include "config.h"

#include <string.h>
#include <time.h>

#include "ll-benchmark.h"
#include "ll-window-private.h"

#define TICK_MS 1
/* Generous: VGG-16 on a busy 2-core machine takes seconds per pass. */
#define WAIT_TIMEOUT_S 300
/* One seed edit at a time, as a user clicks: the window's forward throttle sees a
 * quiet spell before each one. */
#define EDIT_PAUSE_MS 250
/* How long the idle window is watched for the baseline. */
#define IDLE_MS 2000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (nn_tensor, nn_tensor_free)

static double
now_ms (void)
{
  return (double) g_get_monotonic_time () / 1000.0;
}

/* CPU time of the calling thread (user + system). */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ gap probe */

typedef struct {
  guint id;
  double last, last_cpu;
  double max_gap;
  double max_gap_cpu;           /* the main thread's CPU time within the longest gap */
} GapProbe;

static gboolean
gap_tick (gpointer data)
{
  GapProbe *probe = data;
  double now = now_ms ();
  double cpu = thread_cpu_ms ();

  if (now - probe->last > probe->max_gap)
    {
      probe->max_gap = now - probe->last;
      probe->max_gap_cpu = cpu - probe->last_cpu;
    }
  probe->last = now;
  probe->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
gap_probe_start (GapProbe *probe)
{
  probe->last = now_ms ();
  probe->last_cpu = thread_cpu_ms ();
  probe->max_gap = 0.0;
  probe->max_gap_cpu = 0.0;
  probe->id = g_timeout_add_full (G_PRIORITY_HIGH, TICK_MS, gap_tick, probe, NULL);
}

/* The longest gap since the start, counting the one still open. */
static double
gap_probe_stop (GapProbe *probe)
{
  gap_tick (probe);
  g_clear_handle_id (&probe->id, g_source_remove);
  return probe->max_gap;
}

/* ------------------------------------------------------------ what the window did */

typedef struct {
  LlWindow *window;
  guint applied;              /* results for the current document applied so far */
  double t_applied;
  gboolean awaiting_paint;
  guint painted;              /* frames painted after a result was applied */
  double t_painted;
} Probe;

static void
last_run_cb (LlWindow   *window,
             GParamSpec *pspec,
             Probe      *p)
{
  LlRunResult *run = ll_window_get_last_run (window);

  if (run == NULL || run->generation != ll_document_get_generation (window->document))
    return;
  p->applied++;
  p->t_applied = now_ms ();
  p->awaiting_paint = TRUE;
}

/* Every activation area on screen has the picture of the result shown. Those off
 * screen are only drawn when scrolled near (ll-render-area.c), so they are not waited for. */
static gboolean
activations_drawn (LlWindow *window)
{
  LlActivations *acts = ll_activations_page_get_activations (window->activations_page);

  if (acts == NULL)
    return FALSE;
  for (guint i = 0; i < acts->n_views; i++)
    {
      LlRenderArea *area = ll_activations_page_get_area (window->activations_page, i);

      if (area != NULL && ll_render_area_is_on_screen (area) && !ll_render_area_is_drawn (area))
        return FALSE;
    }
  return TRUE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Probe         *p)
{
  if (!p->awaiting_paint || !activations_drawn (p->window))
    return;
  p->awaiting_paint = FALSE;
  p->painted++;
  p->t_painted = now_ms ();
}

typedef struct {
  Probe *p;
  guint applied, painted;
} Since;

static gboolean
painted_since (gpointer data)
{
  Since *s = data;

  return s->p->applied > s->applied && s->p->painted > s->painted && !s->p->awaiting_paint;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until cond holds or timeout_s passed. */
static gboolean
run_until (GSourceFunc cond,
           gpointer    data,
           guint       timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

static void
run_for_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static Since
probe_mark (Probe *p)
{
  return (Since) { p, p->applied, p->painted };
}

/* Waits until a result newer than mark was applied and the frame after it painted. */
static gboolean
wait_painted (Since       mark,
              const char *what,
              GError    **error)
{
  if (run_until (painted_since, &mark, WAIT_TIMEOUT_S))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "no activations painted within %d s after %s", WAIT_TIMEOUT_S, what);
  return FALSE;
}

/* ------------------------------------------------------------ statistics */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
stat_from (GArray          *samples,
           LlBenchmarkStat *stat)
{
  double *v = (double *) (void *) samples->data;
  guint n = samples->len;

  stat->n = n;
  if (n == 0)
    return;
  g_array_sort (samples, compare_doubles);
  stat->median_ms = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  stat->max_ms = v[n - 1];
}

/* ------------------------------------------------------------ the parts */

static LlDocument *
show_template (Probe      *p,
               const char *name,
               double     *create_ms,
               GError    **error)
{
  double t0 = now_ms ();
  LlDocument *doc = ll_document_new_from_template (name);
  Since mark = probe_mark (p);

  if (doc == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no network template “%s”", name);
      return NULL;
    }
  if (create_ms != NULL)
    *create_ms = now_ms () - t0;
  ll_window_set_document (p->window, doc);
  if (!wait_painted (mark, "opening the network", error))
    g_clear_object (&doc);
  return doc;
}

/* A copy of the document's parameter key with every value set to value. */
static nn_tensor *
filled_param (LlDocument *doc,
              const char *key,
              float       value,
              GError    **error)
{
  const nn_tensor *param = nn_net_find_param (ll_document_get_net (doc), key);
  nn_error err = { 0 };
  nn_tensor *values;

  if (param == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the network has no “%s”", key);
      return NULL;
    }
  values = nn_tensor_copy (param, &err);
  if (values == NULL)
    ll_set_error_from_nn (error, &err);
  else
    nn_tensor_fill (values, value);
  return values;
}

/* Forward passes requested one after another, each waited for until painted. */
static gboolean
measure_runs (Probe                    *p,
              const LlBenchmarkOptions *options,
              LlBenchmarkReport        *report,
              GError                  **error)
{
  g_autoptr(GArray) forward = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stalls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stall_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) cpu = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < options->runs; i++)
    {
      Since mark = probe_mark (p);
      double cpu0 = thread_cpu_ms ();
      GapProbe gap;
      double t0, ms;

      gap_probe_start (&gap);
      t0 = now_ms ();
      ll_window_request_forward (p->window);
      if (!wait_painted (mark, "a forward request", error))
        {
          gap_probe_stop (&gap);
          return FALSE;
        }
      ms = p->t_applied - t0;
      g_array_append_val (forward, ms);
      ms = gap_probe_stop (&gap);
      g_array_append_val (stalls, ms);
      g_array_append_val (stall_cpu, gap.max_gap_cpu);
      ms = thread_cpu_ms () - cpu0;
      g_array_append_val (cpu, ms);
    }
  stat_from (forward, &report->forward);
  stat_from (stalls, &report->run_stall);
  stat_from (stall_cpu, &report->run_stall_cpu);
  stat_from (cpu, &report->run_cpu);
  return TRUE;
}

/* One weight edit and its undo, each until its activations are painted. */
static gboolean
measure_edit_undo (Probe             *p,
                   LlDocument        *doc,
                   LlBenchmarkReport *report,
                   GError           **error)
{
  g_autoptr(nn_tensor) values = filled_param (doc, "0.bias", 0.5f, error);
  Since mark;
  GapProbe gap;
  double t0;
  gboolean ok;

  if (values == NULL)
    return FALSE;
  gap_probe_start (&gap);
  mark = probe_mark (p);
  t0 = now_ms ();
  ok = ll_document_set_param (doc, "0.bias", values, error);
  report->edit_ms = now_ms () - t0;
  ok = ok && wait_painted (mark, "a weight edit", error);
  if (ok)
    {
      mark = probe_mark (p);
      t0 = now_ms ();
      ll_document_undo (doc);
      report->undo_ms = now_ms () - t0;
      ok = wait_painted (mark, "an undo", error);
    }
  report->edit_stall_ms = gap_probe_stop (&gap);
  return ok;
}

static gboolean
measure_seed_edits (Probe                    *p,
                    const LlBenchmarkOptions *options,
                    LlBenchmarkReport        *report,
                    GError                  **error)
{
  g_autoptr(LlDocument) doc = show_template (p, "seed", NULL, error);
  g_autoptr(GArray) result = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) paint = g_array_new (FALSE, FALSE, sizeof (double));

  if (doc == NULL)
    return FALSE;
  for (guint i = 0; i < options->edits; i++)
    {
      g_autoptr(nn_tensor) values = filled_param (doc, "0.bias", 0.01f * (float) (i + 1), error);
      Since mark;
      double t0, ms;

      if (values == NULL)
        return FALSE;
      run_for_ms (EDIT_PAUSE_MS);
      mark = probe_mark (p);
      t0 = now_ms ();
      if (!ll_document_set_param (doc, "0.bias", values, error)
          || !wait_painted (mark, "a seed weight edit", error))
        return FALSE;
      ms = p->t_applied - t0;
      g_array_append_val (result, ms);
      ms = p->t_painted - t0;
      g_array_append_val (paint, ms);
    }
  stat_from (result, &report->seed_result);
  stat_from (paint, &report->seed_paint);
  return TRUE;
}

static gboolean
window_mapped (gpointer window)
{
  return gtk_widget_get_mapped (window) && gtk_widget_get_frame_clock (window) != NULL;
}

/* The window with nothing to do: what the gaps are made of on this machine when the
 * app asks for nothing (other processes, the kernel). */
static double
measure_idle (double *cpu_per_s)
{
  double cpu0 = thread_cpu_ms ();
  GapProbe gap;
  double max_gap;

  gap_probe_start (&gap);
  run_for_ms (IDLE_MS);
  max_gap = gap_probe_stop (&gap);
  /* what the probe's own ticks cost: part of the CPU time per forward pass too */
  *cpu_per_s = (thread_cpu_ms () - cpu0) * 1000.0 / IDLE_MS;
  return max_gap;
}

static gboolean
run_parts (Probe                    *p,
           const LlBenchmarkOptions *options,
           LlBenchmarkReport        *report,
           GError                  **error)
{
  g_autoptr(LlDocument) doc = NULL;

  doc = show_template (p, options->network, &report->create_ms, error);
  if (doc == NULL || !measure_runs (p, options, report, error)
      || !measure_edit_undo (p, doc, report, error)
      || !measure_seed_edits (p, options, report, error))
    return FALSE;
  /* last: the seed network's window, settled */
  report->idle_stall_ms = measure_idle (&report->idle_cpu_ms_per_s);
  return TRUE;
}

void
ll_benchmark_options_init (LlBenchmarkOptions *options)
{
  g_return_if_fail (options != NULL);

  options->network = "vgg16";
  options->runs = 5;
  options->edits = 20;
}

gboolean
ll_benchmark_run (LlWindow                 *window,
                  const LlBenchmarkOptions *options,
                  LlBenchmarkReport        *report,
                  GError                  **error)
{
  Probe p = { .window = window };
  GdkFrameClock *clock;
  gulong notify_id, paint_id;
  gboolean ok;

  g_return_val_if_fail (LL_IS_WINDOW (window), FALSE);
  g_return_val_if_fail (options != NULL && options->network != NULL, FALSE);
  g_return_val_if_fail (options->runs >= 1 && options->edits >= 1, FALSE);
  g_return_val_if_fail (report != NULL, FALSE);

  memset (report, 0, sizeof *report);
  report->network = g_strdup (options->network);
  report->tick_ms = TICK_MS;
  gtk_window_present (GTK_WINDOW (window));
  if (!run_until (window_mapped, window, WAIT_TIMEOUT_S))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the window did not appear");
      return FALSE;
    }
  /* the latency target is about the activations the user looks at */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "activations");
  /* the probe's documents are throwaway: no autosave (of VGG-16: 553 MB on the worker
   * in the middle of a measurement), and none left behind */
  ll_autosave_set_timing (window->autosave, G_MAXUINT, G_MAXUINT);
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  notify_id = g_signal_connect (window, "notify::last-run", G_CALLBACK (last_run_cb), &p);
  paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &p);
  ok = run_parts (&p, options, report, error);
  g_signal_handler_disconnect (clock, paint_id);
  g_signal_handler_disconnect (window, notify_id);
  ll_autosave_set_document (window->autosave, NULL);
  return ok;
}

/* ------------------------------------------------------------ report */

static void
append_row (GString               *out,
            const char            *what,
            const LlBenchmarkStat *stat,
            const char            *target)
{
  g_string_append_printf (out, "| %s | %u | %.1f ms | %.1f ms | %s |\n", what, stat->n,
                          stat->median_ms, stat->max_ms, target);
}

static void
append_single (GString    *out,
               const char *what,
               double      ms,
               const char *target)
{
  g_string_append_printf (out, "| %s | 1 | %.1f ms | %.1f ms | %s |\n", what, ms, ms, target);
}

char *
ll_benchmark_report_format (const LlBenchmarkReport *r)
{
  GString *out = g_string_new (NULL);
  g_autofree char *what = NULL;

  g_return_val_if_fail (r != NULL && r->network != NULL, NULL);

  g_string_append (out, "| measurement | n | median | max | target |\n|---|---|---|---|---|\n");
  append_single (out, "idle window: longest main-loop gap in 2 s (the machine's noise)",
                 r->idle_stall_ms, "");
  append_single (out, "idle window: main thread's CPU time per second (the probe's ticks)",
                 r->idle_cpu_ms_per_s, "");
  what = g_strdup_printf ("%s: build the template (before measuring)", r->network);
  append_single (out, what, r->create_ms, "");
  g_free (what);
  what = g_strdup_printf ("%s: forward request → result applied", r->network);
  append_row (out, what, &r->forward, "");
  g_free (what);
  what = g_strdup_printf ("%s: longest main-loop gap per forward pass", r->network);
  append_row (out, what, &r->run_stall, "< 16 ms");
  g_free (what);
  what = g_strdup_printf ("%s: main thread's CPU time within that longest gap", r->network);
  append_row (out, what, &r->run_stall_cpu, "");
  g_free (what);
  what = g_strdup_printf ("%s: main thread's CPU time per forward pass", r->network);
  append_row (out, what, &r->run_cpu, "");
  g_free (what);
  what = g_strdup_printf ("%s: weight edit (document call)", r->network);
  append_single (out, what, r->edit_ms, "");
  g_free (what);
  what = g_strdup_printf ("%s: undo (document call)", r->network);
  append_single (out, what, r->undo_ms, "");
  g_free (what);
  what = g_strdup_printf ("%s: longest main-loop gap, edit + undo until painted", r->network);
  append_single (out, what, r->edit_stall_ms, "< 16 ms");
  append_row (out, "seed: weight edit → activations applied", &r->seed_result, "");
  append_row (out, "seed: weight edit → activations painted", &r->seed_paint, "< 50 ms");
  g_string_append_printf (out, "\n(main-loop gaps are measured with a %.0f ms high-priority timeout)\n",
                          r->tick_ms);
  return g_string_free (out, FALSE);
}

void
ll_benchmark_report_clear (LlBenchmarkReport *report)
{
  g_return_if_fail (report != NULL);

  g_clear_pointer (&report->network, g_free);
}
