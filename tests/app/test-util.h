/* test-util.h - what the app tests share without widgets: environment overrides,
 * network comparison, waiting for a condition and for the worker thread (headless, so
 * test-stress can use it under ThreadSanitizer)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "nn.h"

G_BEGIN_DECLS

/* The unsigned decimal number in environment variable name, else fallback. */
guint     test_env_uint         (const char *name,
                                 guint       fallback);
/* Asserts that a and b have the same architecture (repr), input shape and parameters:
 * the same keys, shapes and float data, bit for bit. */
void      test_assert_nets_equal (const nn_net *a,
                                  const nn_net *b);

/* Seconds after which a wait for something that must happen fails the test: generous,
 * since the wait ends as soon as it happened (sanitizers on a loaded machine are slow). */
#define TEST_TIMEOUT_S 120

typedef gboolean (*TestCond) (gpointer data);
/* Runs the default main context until cond holds. A wait has no deadline of its own
 * beyond TEST_TIMEOUT_S, and the failure then names the condition and the line that
 * waited for it (the test log says what never happened). */
#define test_wait_until(cond, ...) \
  test_wait_until_at ((cond), __VA_ARGS__, #cond, G_STRLOC)
void      test_wait_until_at    (TestCond    cond,
                                 gpointer    data,
                                 const char *cond_name,
                                 const char *where);
/* Runs the default main context until what it has to do now is done: the events,
 * idles and results already queued at a higher priority than G_PRIORITY_LOW, and
 * those their callbacks queue in turn. */
void      test_wait_idle        (void);

/* The worker (ll-runner.c: one thread, jobs in the order queued) held by a job of the
 * test: jobs queued after the gate wait until it opens, so the test decides what runs
 * before what instead of hoping for it. */
typedef struct _TestWorkerGate TestWorkerGate;
/* Queues the gate and returns once it holds the worker, without iterating the main
 * context: every job queued before it has finished, its result waiting in the context. */
TestWorkerGate *test_worker_gate_close (void);
/* Lets the worker go on. The gate is freed when its own result has come back. */
void      test_worker_gate_open (TestWorkerGate *gate);
/* Returns once every job queued so far has finished on the worker, without iterating
 * the main context (their results wait in it). */
void      test_worker_drain     (void);
/* Iterates the main context until every job queued on the worker so far has finished
 * and its callback has run. A callback may queue another job: call it again for that. */
void      test_worker_sync      (void);

G_END_DECLS
