/* test-stress.c - hundreds of edits while forward runs, saves and opens are in flight
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drives LlDocument and LlRunner as the window does, without widgets, so that it runs
 * under ThreadSanitizer (the _build-tsan build of build-aux/test.sh) as well as under
 * AddressSanitizer. A seeded RNG mixes architecture and weight edits, undo/redo, input
 * shape changes, forward requests (of the document and of snapshots), cancels, and
 * save-then-open of the document, while the main context delivers results in between.
 * Checked: only the newest, uncancelled request ever delivers a result; a result is
 * applied only when its generation is the current document's, and then it is exactly
 * the network the document holds (architecture and weights) and, for a sample, its
 * output equals a forward pass of a fresh snapshot (run on the worker too); opens
 * replace the document without any
 * result of the old one being applied to the new.
 *
 * LAYERLAB_STRESS_SEED and LAYERLAB_STRESS_STEPS override the seed and step count.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ll-document.h"
#include "ll-runner.h"
#include "test-util.h"

#define DEFAULT_SEED 6
#define DEFAULT_STEPS 1500

typedef struct {
  LlDocument *doc;
  LlRunner *runner;
  GRand *rand;
  char *path;               /* saves and opens go through this file */
  guint64 latest;           /* serial of the newest forward request */
  guint64 cancelled_upto;   /* requests up to this one were cancelled */
  guint outstanding;        /* callbacks not yet received */
  gboolean opening;         /* a save-then-open is under way */
  guint verifying;          /* recomputations still on the worker */
  guint applied, verified, stale, cancelled, failed, edits, opens, requests;
} Stress;

typedef struct {
  Stress *s;
  guint64 serial;
  LlDocument *doc;          /* the document when the request was made */
  nn_tensor *input;         /* a copy, to recompute the output */
} Request;

static guint64
hash_net (const nn_net *net)
{
  g_autofree char *repr = nn_net_repr (net);
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  guint64 h = g_str_hash (repr);

  for (int i = 0; i < n; i++)
    if (params[i].tensor != NULL)
      {
        const guint32 *w = (const guint32 *) params[i].tensor->data;

        for (gint64 j = 0; j < nn_tensor_numel (params[i].tensor); j++)
          h = (h ^ w[j]) * 0x100000001b3ull;
      }
  free (params);
  return h;
}

static nn_tensor *
random_input (Stress *s, const nn_net *net)
{
  int64_t shape[NN_MAX_DIMS + 1];
  nn_tensor *t;

  shape[0] = 1;
  for (int i = 0; i < net->input.n_dims; i++)
    shape[i + 1] = net->input.d[i];
  t = nn_tensor_new (net->input.n_dims + 1, shape, NULL);
  g_assert_nonnull (t);
  nn_tensor_fill_uniform (t, g_rand_int (s->rand), -1, 1);
  return t;
}

static void
request_free (Request *req)
{
  g_clear_object (&req->doc);
  g_clear_pointer (&req->input, nn_tensor_free);
  g_free (req);
}

typedef struct {
  nn_net *net;
  nn_tensor *input;
  nn_tensor *expected;      /* the output the runner delivered */
} Verify;

static void
verify_free (gpointer data)
{
  Verify *v = data;

  nn_net_free (v->net);
  nn_tensor_free (v->input);
  nn_tensor_free (v->expected);
  g_free (v);
}

/* On the worker, like every engine computation: Debian's pthread OpenBLAS hangs when two
 * threads call it at once (a recomputation on the main thread did, in exec_blas_async). */
static gpointer
verify_job (gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  Verify *v = data;
  nn_run_result mine = { 0 };
  nn_error err = { 0 };
  gint64 bad = -1;

  if (nn_net_forward (v->net, v->input, NULL, &mine, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  /* (random BatchNorm running_var values may be negative: NaN on both sides) */
  for (gint64 i = 0; i < nn_tensor_numel (mine.output) && bad < 0; i++)
    {
      float a = mine.output->data[i], b = v->expected->data[i];

      if (isnan (a) ? !isnan (b) : !(fabsf (a - b) <= 1e-4f * (1 + fabsf (a))))
        bad = i;
    }
  if (!nn_tensor_same_shape (mine.output, v->expected))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the output shapes differ");
  else if (bad >= 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "output %" G_GINT64_FORMAT ": %g here, %g delivered",
                 bad, mine.output->data[bad], v->expected->data[bad]);
  nn_run_result_clear (&mine);
  return *error == NULL ? GINT_TO_POINTER (TRUE) : NULL;
}

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Stress *s = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (ll_worker_run_finish (result, &error));
  g_assert_no_error (error);
  s->verifying--;
  s->verified++;
}

/* What the window does with a result, plus the checks. */
static void
forward_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *req = user_data;
  Stress *s = req->s;
  g_autoptr(GError) error = NULL;
  g_autoptr(LlRunResult) res = ll_runner_forward_finish (s->runner, result, &error);

  g_assert_cmpuint (s->outstanding, >, 0);
  s->outstanding--;
  if (res == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        s->cancelled++;
      else
        {
          /* an engine error: the network had a shape error */
          g_assert_true (error->domain == LL_ENGINE_ERROR);
          s->failed++;
        }
      request_free (req);
      return;
    }
  /* Only the newest request that nobody cancelled delivers anything. */
  g_assert_cmpuint (req->serial, ==, s->latest);
  g_assert_cmpuint (req->serial, >, s->cancelled_upto);
  if (req->doc != s->doc || res->generation != ll_document_get_generation (s->doc))
    {
      s->stale++;           /* the window drops these */
      request_free (req);
      return;
    }
  /* Applied: it must be the very network the document holds now. */
  s->applied++;
  g_assert_true (hash_net (res->net) == hash_net (ll_document_get_net (s->doc)));
  if (s->applied % 4 == 1)
    {
      Verify *v = g_new0 (Verify, 1);

      v->net = ll_document_snapshot (s->doc);
      v->input = g_steal_pointer (&req->input);
      v->expected = nn_tensor_copy (res->result.output, NULL);
      s->verifying++;
      ll_worker_run_async (verify_job, v, verify_free, NULL, verified_cb, s);
    }
  request_free (req);
}

static void
request_forward (Stress *s, gboolean snapshot)
{
  const nn_net *net = ll_document_get_net (s->doc);
  Request *req = g_new0 (Request, 1);
  nn_tensor *input = random_input (s, net);

  req->s = s;
  req->serial = ++s->latest;
  req->doc = g_object_ref (s->doc);
  req->input = nn_tensor_copy (input, NULL);
  s->outstanding++;
  s->requests++;
  if (snapshot)
    ll_runner_forward_async (s->runner, ll_document_snapshot (s->doc), input,
                             ll_document_get_generation (s->doc), forward_cb, req);
  else
    ll_runner_forward_document_async (s->runner, s->doc, input, forward_cb, req);
}

/* ------------------------------------------------------------ edits */

static void
random_edit (Stress *s)
{
  static const nn_layer_type types[] = { NN_LAYER_CONV2D, NN_LAYER_RELU, NN_LAYER_MAXPOOL2D,
                                         NN_LAYER_FLATTEN, NN_LAYER_LINEAR, NN_LAYER_TANH,
                                         NN_LAYER_BATCHNORM2D, NN_LAYER_DROPOUT };
  const nn_net *net = ll_document_get_net (s->doc);
  int n = net->n_layers;
  int index = n > 0 ? g_rand_int_range (s->rand, 0, n) : 0;
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;

  s->edits++;
  /* Mostly keep the network valid, so that most runs compute something. */
  if (net->first_error >= 0 && g_rand_int_range (s->rand, 0, 10) < 7)
    {
      if (!ll_document_apply_fix (s->doc, net->first_error, NULL))
        ll_document_undo (s->doc);
      return;
    }
  switch (g_rand_int_range (s->rand, 0, 10))
    {
    case 0:
      if (n < 16)
        {
          nn_layer_config_init (&cfg, types[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (types))]);
          cfg.out_channels = MIN (cfg.out_channels, 8);
          cfg.out_features = MIN (cfg.out_features, 32);
          ll_document_insert_layer (s->doc, g_rand_int_range (s->rand, 0, n + 1), &cfg, &error);
        }
      break;
    case 1:
      if (n > 2)
        ll_document_remove_layer (s->doc, index, &error);
      break;
    case 2:
      if (n > 1)
        ll_document_move_layer (s->doc, index, g_rand_int_range (s->rand, 0, n), &error);
      break;
    case 3:
      if (n > 0)
        ll_document_apply_fix (s->doc, net->first_error >= 0 ? net->first_error : index, &error);
      break;
    case 4:
    case 5:
      {
        nn_param *params = NULL;
        int np = nn_net_params (net, &params);

        if (np > 0)
          {
            const nn_param *p = &params[g_rand_int_range (s->rand, 0, np)];

            if (p->tensor != NULL)
              {
                nn_tensor *t = nn_tensor_copy (p->tensor, NULL);

                nn_tensor_fill_uniform (t, g_rand_int (s->rand), -0.5f, 0.5f);
                ll_document_set_param (s->doc, p->key, t, &error);
                nn_tensor_free (t);
              }
          }
        free (params);
      }
      break;
    case 6:
      ll_document_undo (s->doc);
      break;
    case 7:
      ll_document_redo (s->doc);
      break;
    case 8:
      {
        nn_shape shape = nn_shape_chw (1, g_rand_int_range (s->rand, 24, 33),
                                       g_rand_int_range (s->rand, 24, 33));

        ll_document_set_input_shape (s->doc, &shape, &error);
      }
      break;
    default:
      if (n > 0 && net->layers[index].cfg.type == NN_LAYER_CONV2D)
        {
          cfg = net->layers[index].cfg;
          cfg.out_channels = g_rand_int_range (s->rand, 1, 9);
          ll_document_set_layer_config (s->doc, index, &cfg, &error);
        }
      break;
    }
}

/* ------------------------------------------------------------ save, then open */

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stress *s = user_data;
  g_autoptr(GError) error = NULL;
  LlDocument *doc = ll_document_load_finish (result, &error);

  g_assert_no_error (error);
  /* the window swaps documents like this; results of the old one must not apply */
  g_object_unref (s->doc);
  s->doc = doc;
  s->opening = FALSE;
  s->opens++;
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Stress *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (s->path);

  if (!ll_document_save_finish (LL_DOCUMENT (source), result, &error))
    {
      /* a network with a shape error cannot be saved: no open this time */
      g_assert_true (error->domain == LL_ENGINE_ERROR);
      s->opening = FALSE;
      return;
    }
  ll_document_load_async (file, NULL, opened_cb, s);
}

static void
save_then_open (Stress *s)
{
  g_autoptr(GFile) file = g_file_new_for_path (s->path);

  if (s->opening || ll_document_get_busy (s->doc))
    return;
  s->opening = TRUE;
  ll_document_save_async (s->doc, file, FALSE, NULL, saved_cb, s);
}

static void
test_stress (void)
{
  g_autofree char *dir = g_dir_make_tmp ("layerlab-stress-XXXXXX", NULL);
  guint seed = test_env_uint ("LAYERLAB_STRESS_SEED", DEFAULT_SEED);
  guint steps = test_env_uint ("LAYERLAB_STRESS_STEPS", DEFAULT_STEPS);
  gint64 t0 = g_get_monotonic_time ();
  Stress s = { 0 };

  s.doc = ll_document_new_from_template ("lenet5");
  s.runner = ll_runner_new ();
  s.rand = g_rand_new_with_seed (seed);
  s.path = g_build_filename (dir, "stress.h5", NULL);
  g_test_message ("seed %u, %u steps", seed, steps);

  for (guint step = 0; step < steps; step++)
    {
      guint r = g_rand_int_range (s.rand, 0, 100);

      if (r < 45)
        random_edit (&s);
      else if (r < 65)
        request_forward (&s, FALSE);
      else if (r < 72)
        request_forward (&s, TRUE);
      else if (r < 78)
        {
          ll_runner_cancel (s.runner);
          s.cancelled_upto = s.latest;
        }
      else if (r < 82)
        save_then_open (&s);
      else if (r < 92)
        g_main_context_iteration (NULL, FALSE);
      else
        /* let the worker finish something: results arrive mid-edit */
        for (int i = 0; i < 3 && (s.outstanding > 0 || s.opening); i++)
          g_main_context_iteration (NULL, TRUE);
    }
  while (s.outstanding > 0 || s.opening || s.verifying > 0)
    g_main_context_iteration (NULL, TRUE);

  /* Each outcome once more, for sure: the seeded steps above do not decide alone what
   * happened (when a result or an open comes back depends on the threads, and an open
   * changes what the later steps do). A network with a shape error neither runs nor
   * saves: undo back to one that does (the start and every opened file do), else start
   * over from the template. */
  while (ll_document_get_net (s.doc)->first_error >= 0 && ll_document_can_undo (s.doc))
    ll_document_undo (s.doc);
  if (ll_document_get_net (s.doc)->first_error >= 0)
    {
      g_object_unref (s.doc);
      s.doc = ll_document_new_from_template ("lenet5");
    }
  {
    guint applied = s.applied, cancelled = s.cancelled, opens = s.opens;

    /* a request superseded by the next one before anything was dispatched is cancelled;
     * the next, with nothing after it, is applied */
    request_forward (&s, FALSE);
    request_forward (&s, TRUE);
    while (s.outstanding > 0 || s.verifying > 0)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (s.cancelled, ==, cancelled + 1);
    g_assert_cmpuint (s.applied, ==, applied + 1);
    /* and a save of it opens in its place */
    save_then_open (&s);
    g_assert_true (s.opening);
    while (s.opening)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (s.opens, ==, opens + 1);
  }

  g_test_message ("%u requests: %u applied (%u recomputed and compared), %u stale dropped, "
                  "%u cancelled, %u failed (shape errors); %u edits, %u opens; %.1f s",
                  s.requests, s.applied, s.verified, s.stale, s.cancelled, s.failed, s.edits,
                  s.opens, (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (s.applied + s.stale + s.cancelled + s.failed, ==, s.requests);
  g_assert_cmpuint (s.applied, >, 0);
  g_assert_cmpuint (s.cancelled, >, 0);
  g_assert_cmpuint (s.opens, >, 0);

  g_object_unref (s.doc);
  g_object_unref (s.runner);
  g_rand_free (s.rand);
  g_unlink (s.path);
  g_free (s.path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Opens check the file in a child process: layerlab-check, started with posix_spawn
   * (LAYERLAB_CHECKER in the test environment). A forked child used to deadlock here
   * under ASan now and then: GCC 12's libasan does not lock its allocator around fork(),
   * and a child forked while a forward pass allocated on another thread waited forever
   * on the copied lock. */
  g_assert_nonnull (g_getenv ("LAYERLAB_CHECKER"));
  g_test_add_func ("/app/stress/edits-runs-opens", test_stress);
  return g_test_run ();
}
