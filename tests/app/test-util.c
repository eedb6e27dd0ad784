/* test-util.c - what the app tests share without widgets: environment overrides,
 * network comparison, waiting for a condition and for the worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "ll-runner.h"
#include "test-util.h"

guint
test_env_uint (const char *name,
               guint       fallback)
{
  const char *s = g_getenv (name);
  guint64 v;

  return s != NULL && g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &v, NULL) ? (guint) v : fallback;
}

void
test_assert_nets_equal (const nn_net *a,
                        const nn_net *b)
{
  g_autofree char *ra = nn_net_repr (a);
  g_autofree char *rb = nn_net_repr (b);
  nn_param *pa = NULL, *pb = NULL;
  int na, nb;

  g_assert_cmpstr (ra, ==, rb);
  g_assert_true (nn_shape_equal (&a->input, &b->input));
  na = nn_net_params (a, &pa);
  nb = nn_net_params (b, &pb);
  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      g_assert_true ((pa[i].tensor == NULL) == (pb[i].tensor == NULL));
      if (pa[i].tensor == NULL)
        continue;
      g_assert_true (nn_tensor_same_shape (pa[i].tensor, pb[i].tensor));
      g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * sizeof (float),
                       pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * sizeof (float));
    }
  free (pa);
  free (pb);
}

/* ------------------------------------------------------------ waiting */

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_until_at (TestCond    cond,
                    gpointer    data,
                    const char *cond_name,
                    const char *where)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TEST_TIMEOUT_S, timeout_cb, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  else
    g_error ("%s: %s() still false after %d s", where, cond_name, TEST_TIMEOUT_S);
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_wait_idle (void)
{
  gboolean done = FALSE;

  /* The main context dispatches the sources of the highest priority that are ready:
   * this one runs only once nothing above G_PRIORITY_LOW is ready any more. */
  g_idle_add_full (G_PRIORITY_LOW, set_true_cb, &done, NULL);
  test_wait_until (is_true, &done);
}

/* ------------------------------------------------------------ the worker */

struct _TestWorkerGate {
  GMutex lock;
  GCond cond;
  gboolean holding;         /* the gate's job runs on the worker */
  gboolean open;
};

/* Runs on the worker: says that it holds it, then waits for the test. */
static gpointer
gate_job (gpointer      data,
          GCancellable *cancellable,
          GError      **error)
{
  TestWorkerGate *gate = data;

  g_mutex_lock (&gate->lock);
  gate->holding = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  return GINT_TO_POINTER (TRUE);
}

/* The job's data: freed on the main thread with its task, after the job returned. */
static void
gate_free (gpointer data)
{
  TestWorkerGate *gate = data;

  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
  g_free (gate);
}

static void
gate_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (ll_worker_run_finish (result, &error));
  g_assert_no_error (error);
}

TestWorkerGate *
test_worker_gate_close (void)
{
  TestWorkerGate *gate = g_new0 (TestWorkerGate, 1);
  gint64 deadline = g_get_monotonic_time () + TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;
  gboolean holding;

  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  ll_worker_run_async (gate_job, gate, gate_free, NULL, gate_done, NULL);
  /* Not a main-loop wait: the results of the jobs before the gate must stay queued in
   * the main context for the test to decide when they are delivered. The worker never
   * waits for the main thread, so this cannot deadlock. */
  g_mutex_lock (&gate->lock);
  while (!gate->holding && g_cond_wait_until (&gate->cond, &gate->lock, deadline))
    ;
  holding = gate->holding;
  g_mutex_unlock (&gate->lock);
  g_assert_true (holding);
  return gate;
}

void
test_worker_gate_open (TestWorkerGate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

void
test_worker_drain (void)
{
  test_worker_gate_open (test_worker_gate_close ());
}

static gpointer
nothing_job (gpointer      data,
             GCancellable *cancellable,
             GError      **error)
{
  return GINT_TO_POINTER (TRUE);
}

static void
set_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_assert_nonnull (ll_worker_run_finish (result, NULL));
  *(gboolean *) user_data = TRUE;
}

void
test_worker_sync (void)
{
  gboolean done = FALSE;

  /* The worker runs jobs in order and hands each result to the main context as an idle
   * of the same priority, dispatched in the order attached: once this job's callback
   * ran, the results of every job queued before it were delivered. GTask defers the
   * callback of a cancelled task to one more idle: the idle wait lets those run too. */
  ll_worker_run_async (nothing_job, NULL, NULL, NULL, set_done_cb, &done);
  test_wait_until (is_true, &done);
  test_wait_idle ();
}
