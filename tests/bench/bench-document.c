/* bench-document.c - how long the main thread spends on document edits and snapshots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test (no timing assertions): prints milliseconds per operation on a template
 * network (default VGG-16, 553 MB of weights), the operations the window runs on the
 * main thread for every edit and every forward request:
 *   bench-document [TEMPLATE] [ROUNDS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ll-document.h"

typedef struct {
  LlDocument *doc;
  nn_layer_config cfg;
  nn_tensor *values;
  int conv;
  guint round;
} Bench;

static void
op_snapshot (Bench *b)
{
  nn_net_free (ll_document_snapshot (b->doc));
}

/* A label change: an edit that keeps every parameter */
static void
op_set_config (Bench *b)
{
  g_autoptr(GError) error = NULL;

  g_snprintf (b->cfg.name, sizeof b->cfg.name, "conv-%u", b->round);
  if (!ll_document_set_layer_config (b->doc, b->conv, &b->cfg, &error))
    g_error ("set_config: %s", error->message);
}

/* Kernel size 3 -> 5 -> 3: the weight is reallocated and initialised */
static void
op_reshape_conv (Bench *b)
{
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg = b->cfg;

  cfg.kernel_size[0] = cfg.kernel_size[1] = b->round % 2 ? 3 : 5;
  cfg.padding[0] = cfg.padding[1] = b->round % 2 ? 1 : 2;
  if (!ll_document_set_layer_config (b->doc, b->conv, &cfg, &error))
    g_error ("reshape: %s", error->message);
}

/* Untimed: the new values. The document shares the last round's (copy-on-write). */
static void
prepare_values (Bench *b)
{
  if (nn_tensor_make_writable (b->values, NULL) != NN_OK)
    g_error ("out of memory");
  b->values->data[0] = (float) b->round;
}

static void
op_set_param (Bench *b)
{
  g_autoptr(GError) error = NULL;
  char key[48];

  g_snprintf (key, sizeof key, "%d.weight", b->conv);
  if (!ll_document_set_param (b->doc, key, b->values, &error))
    g_error ("set_param: %s", error->message);
}

static void
op_undo_redo (Bench *b)
{
  ll_document_undo (b->doc);
  ll_document_redo (b->doc);
}

static void
run (Bench *b, const char *name, void (*prepare) (Bench *), void (*op) (Bench *), guint rounds)
{
  double best = G_MAXDOUBLE, sum = 0.0;

  for (b->round = 0; b->round < rounds; b->round++)
    {
      gint64 t0;
      double ms;

      if (prepare != NULL)
        prepare (b);
      t0 = g_get_monotonic_time ();
      op (b);
      ms = (double) (g_get_monotonic_time () - t0) / 1000.0;
      best = MIN (best, ms);
      sum += ms;
    }
  printf ("%-34s best %9.3f ms   mean %9.3f ms   (%u rounds)\n", name, best, sum / rounds, rounds);
}

int
main (int argc, char **argv)
{
  const char *name = argc > 1 ? argv[1] : "vgg16";
  guint rounds = argc > 2 ? (guint) atoi (argv[2]) : 5;
  Bench b = { 0 };
  const nn_net *net;
  nn_tensor *w;
  char key[48];

  b.doc = ll_document_new_from_template (name);
  if (b.doc == NULL)
    {
      fprintf (stderr, "no template %s\n", name);
      return 1;
    }
  /* the first of the largest Conv2d layers (512×512×3×3 in VGG-16) */
  net = ll_document_get_net (b.doc);
  b.conv = -1;
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].cfg.type == NN_LAYER_CONV2D
        && (b.conv < 0 || nn_tensor_numel (net->layers[i].weight)
                          > nn_tensor_numel (net->layers[b.conv].weight)))
      b.conv = i;
  if (b.conv < 0)
    {
      fprintf (stderr, "%s has no Conv2d layer\n", name);
      return 1;
    }
  b.cfg = net->layers[b.conv].cfg;
  g_snprintf (key, sizeof key, "%d.weight", b.conv);
  w = nn_net_find_param (net, key);
  b.values = nn_tensor_new (w->n_dims, w->shape, NULL);
  printf ("%s: %.1f MB of parameters, edited layer %d\n", name,
          (double) nn_net_total_params (net) * 4 / 1e6, b.conv);
  rounds = MAX (rounds, 1);
  run (&b, "ll_document_snapshot", NULL, op_snapshot, rounds);
  run (&b, "ll_document_set_layer_config", NULL, op_set_config, rounds);
  run (&b, "set_layer_config (reshape conv)", NULL, op_reshape_conv, rounds);
  op_set_config (&b);       /* back to the original kernel */
  run (&b, "ll_document_set_param (conv)", prepare_values, op_set_param, rounds);
  run (&b, "ll_document_undo + redo", NULL, op_undo_redo, rounds);
  nn_tensor_free (b.values);
  {
    /* closing: the main thread's part of dropping the document (the networks go to
     * the reaper thread) */
    gint64 t0 = g_get_monotonic_time ();

    g_object_unref (b.doc);
    printf ("%-34s %9.3f ms\n", "g_object_unref (document)",
            (double) (g_get_monotonic_time () - t0) / 1000.0);
  }
  return 0;
}
