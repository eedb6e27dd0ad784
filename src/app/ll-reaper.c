/* ll-reaper.c - frees large things on a thread of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Freeing a VGG-16 forward result (its network snapshot and activations) or the cached
 * pictures of its activations unmaps hundreds of megabytes; on a loaded machine that
 * took seconds of the main loop (measured with `layerlab --benchmark-ui`). One thread
 * does it instead, in order, so that memory is returned before more is freed.
 */
#define G_LOG_DOMAIN "ll-reaper"

#include "config.h"

#include <sys/resource.h>

#include "ll-reaper.h"
#include "ll-tsan.h"

typedef struct {
  gpointer data;
  GDestroyNotify destroy;
} Reap;

static void
reap (gpointer item,
      gpointer user_data)
{
  Reap *r = item;

  tsan_acquire (r);
  /* below the main thread (the nice value is per thread on Linux) */
  setpriority (PRIO_PROCESS, 0, 10);
  r->destroy (r->data);
  g_free (r);
}

void
ll_reaper_free (gpointer       data,
                GDestroyNotify destroy)
{
  static gsize pool;   /* GThreadPool * */
  Reap *r;

  g_return_if_fail (destroy != NULL);

  if (data == NULL)
    return;
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, (gsize) g_thread_pool_new (reap, NULL, 1, FALSE, NULL));
  r = g_new (Reap, 1);
  r->data = data;
  r->destroy = destroy;
  /* what was done to data before it was given away happened before its destruction */
  tsan_release (r);
  g_thread_pool_push ((GThreadPool *) pool, r, NULL);
}
