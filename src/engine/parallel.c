/* parallel.c - the engine's own small thread pool for the loops BLAS does not run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * im2col, bias/ReLU passes, pooling and elementwise layers are memory-bound loops that
 * OpenBLAS's threads never see, so they ran on one core while the GEMMs used all of
 * them. nn_parallel_for() splits such a loop over nn_get_num_threads() threads: the
 * caller plus persistent workers that sleep on a condition variable between jobs.
 * Workers never call BLAS: Debian's pthread OpenBLAS is not safe to call from several
 * threads at once, so GEMMs stay on the calling thread and use OpenBLAS's own threads.
 * One job runs at a time; a second caller (another network on another thread) finds
 * the pool busy and simply runs its loop itself.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nn-private.h"

#define POOL_MAX_THREADS 64

typedef struct pool {
  pthread_mutex_t busy;       /* held by the thread running a job */
  pthread_mutex_t lock;       /* guards the fields below */
  pthread_cond_t wake, done;
  int n_workers;              /* started so far */
  uint64_t generation;        /* bumped per job */
  int active;                 /* workers taking part in the current job */
  int finished;               /* of those, how many are done */
  nn_parallel_fn fn;
  void *ctx;
  int64_t n_items, chunk;
  atomic_int_fast64_t next;   /* first item not yet claimed */
} pool;

static pool the_pool = {
  .busy = PTHREAD_MUTEX_INITIALIZER,
  .lock = PTHREAD_MUTEX_INITIALIZER,
  .wake = PTHREAD_COND_INITIALIZER,
  .done = PTHREAD_COND_INITIALIZER,
};

/* Claims chunks of the current job until none is left. */
static void
run_chunks (pool *p)
{
  for (;;)
    {
      int64_t lo = atomic_fetch_add (&p->next, p->chunk);
      int64_t hi;

      if (lo >= p->n_items)
        return;
      hi = lo + p->chunk < p->n_items ? lo + p->chunk : p->n_items;
      p->fn (p->ctx, lo, hi);
    }
}

static void *
worker_main (void *data)
{
  pool *p = data;
  uint64_t seen = 0;
  int id;

  pthread_mutex_lock (&p->lock);
  id = p->n_workers++;
  pthread_cond_signal (&p->done);
  for (;;)
    {
      while (p->generation == seen || id >= p->active)
        {
          seen = p->generation;
          pthread_cond_wait (&p->wake, &p->lock);
        }
      seen = p->generation;
      pthread_mutex_unlock (&p->lock);
      run_chunks (p);
      pthread_mutex_lock (&p->lock);
      if (++p->finished == p->active)
        pthread_cond_signal (&p->done);
    }
  return NULL;
}

/* Starts workers up to want (called with p->lock held); returns how many there are. */
static int
grow_pool (pool *p, int want)
{
  while (p->n_workers < want)
    {
      int before = p->n_workers;
      pthread_t t;
      pthread_attr_t attr;
      bool ok;

      if (pthread_attr_init (&attr) != 0)
        break;
      pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
      ok = pthread_create (&t, &attr, worker_main, p) == 0;
      pthread_attr_destroy (&attr);
      if (!ok)
        break;
      /* the worker takes its id from n_workers once it gets the lock we hold */
      while (p->n_workers == before)
        pthread_cond_wait (&p->done, &p->lock);
    }
  return p->n_workers;
}

void
nn_parallel_for (int64_t n_items, int64_t min_chunk, nn_parallel_fn fn, void *ctx)
{
  pool *p = &the_pool;
  int threads = nn_get_num_threads ();
  int64_t chunk, n_chunks;
  int helpers;

  if (n_items <= 0)
    return;
  if (min_chunk < 1)
    min_chunk = 1;
  threads = threads < POOL_MAX_THREADS ? threads : POOL_MAX_THREADS;
  /* a few chunks per thread even out uneven progress (another process on a core) */
  chunk = (n_items + 4 * threads - 1) / (4 * threads);
  chunk = chunk > min_chunk ? chunk : min_chunk;
  n_chunks = (n_items + chunk - 1) / chunk;
  helpers = (int) (n_chunks - 1 < threads - 1 ? n_chunks - 1 : threads - 1);
  if (helpers < 1 || pthread_mutex_trylock (&p->busy) != 0)
    {
      fn (ctx, 0, n_items);
      return;
    }
  pthread_mutex_lock (&p->lock);
  helpers = helpers < grow_pool (p, helpers) ? helpers : p->n_workers;
  p->fn = fn;
  p->ctx = ctx;
  p->n_items = n_items;
  p->chunk = chunk;
  atomic_store (&p->next, 0);
  p->active = helpers;
  p->finished = 0;
  p->generation++;
  pthread_cond_broadcast (&p->wake);
  pthread_mutex_unlock (&p->lock);
  run_chunks (p);
  pthread_mutex_lock (&p->lock);
  while (p->finished < p->active)
    pthread_cond_wait (&p->done, &p->lock);
  p->active = 0;
  pthread_mutex_unlock (&p->lock);
  pthread_mutex_unlock (&p->busy);
}
