/* test-random-actions.c - thousands of random GActions on a window (under Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A seeded RNG drives the window's actions (add-layer::<type>, remove, duplicate, move,
 * apply-fix, undo, redo, edit-tensor) and parameter edits (through the document and the
 * inspector's spin buttons), with valid and absurd arguments, and strokes on the drawing
 * input racing the forward passes. After every step the
 * document must be consistent: the list model mirrors the network, every layer's shape,
 * parameter count and status equal a fresh propagation of a copy, and undo/redo move
 * exactly one recorded state back or forth. At the end, undoing everything gives the
 * starting network bit for bit, and redoing everything the last one.
 *
 * LAYERLAB_RANDOM_SEED and LAYERLAB_RANDOM_STEPS override the seed and step count; a
 * failure prints the seed and step to reproduce it.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ll-inspector.h"
#include "ll-window-private.h"
#include "ll-document-private.h"
#include "test-common.h"

#define DEFAULT_SEED 20261123
/* Under AddressSanitizer every allocation is unwound in full (LSAN_OPTIONS in
 * tests/meson.build), and GTK allocates a lot per edit: fewer steps keep the test near
 * a minute there. */
#if defined(__SANITIZE_ADDRESS__)
# define DEFAULT_STEPS 400
#else
# define DEFAULT_STEPS 2000
#endif
/* Keeps each step's hashing and copying cheap (and the test within a minute under
 * ASan): above this many parameters, the step removes the largest layer. */
#define MAX_PARAMS 100000
#define MAX_LAYERS 24

/* For the failure message: a failed assertion aborts. */
static volatile sig_atomic_t failing_step = -1;
static guint failing_seed;

static void
abort_cb (int sig)
{
  char buf[128];
  int n = snprintf (buf, sizeof buf, "random actions: failed at step %d; rerun with "
                    "LAYERLAB_RANDOM_SEED=%u\n", (int) failing_step, failing_seed);

  if (n > 0)
    (void) !write (STDERR_FILENO, buf, (size_t) MIN (n, (int) sizeof buf - 1));
  signal (sig, SIG_DFL);
  raise (sig);
}

typedef struct {
  LlWindow *win;
  GRand *rand;
  GArray *states;           /* guint64 hash of the network at each undo depth */
  guint depth;              /* index of the current state in states */
  guint step;
  guint counts[16];         /* steps per kind, for the log */
  guint valid_steps;        /* steps after which the network had no shape error */
} Run;

enum {
  K_ADD, K_REMOVE, K_DUPLICATE, K_MOVE_UP, K_MOVE_DOWN, K_MOVE, K_FIX, K_UNDO, K_REDO,
  K_CONFIG, K_SPIN, K_INPUT, K_TENSOR, K_SHRINK, N_KINDS
};

static const char *const kind_names[N_KINDS] = {
  "add-layer", "remove-layer", "duplicate-layer", "move-up", "move-down", "move-layer",
  "apply-fix", "undo", "redo", "set config", "inspector spin", "set input", "edit-tensor",
  "remove largest",
};

/* ------------------------------------------------------------ network state */

static guint64
hash_bytes (guint64 h, const void *data, gsize n)
{
  const guint8 *p = data;

  /* FNV-1a, 8 bytes at a time where possible: collisions are not a concern here */
  for (; n >= 8; n -= 8, p += 8)
    {
      guint64 w;

      memcpy (&w, p, 8);
      h = (h ^ w) * 0x100000001b3ull;
    }
  for (; n > 0; n--, p++)
    h = (h ^ *p) * 0x100000001b3ull;
  return h;
}

/* Everything undo must restore: architecture (repr), input, every parameter's bits. */
static guint64
hash_net (const nn_net *net)
{
  g_autofree char *repr = nn_net_repr (net);
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  guint64 h = 0xcbf29ce484222325ull;

  h = hash_bytes (h, repr, strlen (repr));
  h = hash_bytes (h, &net->input.n_dims, sizeof net->input.n_dims);
  h = hash_bytes (h, net->input.d, sizeof net->input.d[0] * (gsize) net->input.n_dims);
  for (int i = 0; i < n; i++)
    {
      h = hash_bytes (h, params[i].key, strlen (params[i].key));
      if (params[i].tensor != NULL)
        h = hash_bytes (h, params[i].tensor->data,
                        (gsize) nn_tensor_numel (params[i].tensor) * sizeof (float));
      if (params[i].count != NULL)
        h = hash_bytes (h, params[i].count, sizeof *params[i].count);
    }
  free (params);
  return h;
}

static gint64
total_params (const nn_net *net)
{
  gint64 n = 0;

  for (int i = 0; i < net->n_layers; i++)
    n += net->info[i].status == NN_OK ? net->info[i].n_params : 0;
  return n;
}

/* ------------------------------------------------------------ consistency */

static void
check_item (LlLayerItem         *item,
            int                  index,
            const nn_net        *net,
            const nn_layer_info *fresh)
{
  char buf[64];
  gboolean failed = fresh->status != NN_OK && fresh->status != NN_STATUS_ABORTED;

  g_assert_cmpint (ll_layer_item_get_index (item), ==, index);
  g_assert_cmpstr (ll_layer_item_get_type_name (item), ==, nn_layer_type_name (net->layers[index].cfg.type));
  if (fresh->status == NN_OK)
    g_assert_cmpstr (ll_layer_item_get_shape_text (item), ==,
                     nn_shape_to_batch_string (&fresh->out_shape, buf, sizeof buf));
  else
    g_assert_cmpstr (ll_layer_item_get_shape_text (item), ==, "—");
  g_assert_cmpint (ll_layer_item_get_n_params (item), ==, fresh->n_params);
  g_assert_cmpint (ll_layer_item_get_macs (item), ==, fresh->macs);
  g_assert_cmpint (ll_layer_item_get_not_computed (item), ==, fresh->status == NN_STATUS_ABORTED);
  g_assert_true ((ll_layer_item_get_error (item) != NULL) == failed);
}

static void
check_consistent (Run *run)
{
  LlDocument *doc = ll_window_get_document (run->win);
  const nn_net *net = ll_document_get_net (doc);
  GListModel *model = G_LIST_MODEL (doc);
  nn_error err = { 0 };
  nn_net *copy = nn_net_copy (net, &err);

  g_assert_nonnull (copy);
  nn_net_propagate (copy);
  g_assert_cmpint (copy->first_error, ==, net->first_error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, (guint) net->n_layers);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (run->win->selection)), ==,
                    (guint) net->n_layers);
  for (int i = 0; i < net->n_layers; i++)
    {
      g_autoptr(LlLayerItem) item = g_list_model_get_item (model, (guint) i);
      const nn_layer_info *have = &net->info[i], *fresh = &copy->info[i];

      g_assert_cmpint (have->status, ==, fresh->status);
      g_assert_true (have->status != NN_OK || nn_shape_equal (&have->out_shape, &fresh->out_shape));
      g_assert_cmpint (have->n_params, ==, fresh->n_params);
      check_item (item, i, net, fresh);
    }
  nn_net_free (copy);

  /* undo/redo: what the document offers matches the states recorded */
  g_assert_cmpint (ll_document_can_undo (doc), ==, run->depth > 0);
  g_assert_cmpint (ll_document_can_redo (doc), ==, run->depth + 1 < run->states->len);
  g_assert_cmpint (gtk_widget_get_sensitive (run->win->undo_button), ==, run->depth > 0);
  g_assert_cmpint (gtk_widget_get_sensitive (run->win->redo_button), ==,
                   run->depth + 1 < run->states->len);
  g_assert_true (g_array_index (run->states, guint64, run->depth) == hash_net (net));
  g_assert_cmpint (ll_window_get_selected (run->win), <, net->n_layers);
}

/* ------------------------------------------------------------ random steps */

static int
rand_int (Run *run, int lo, int hi)     /* [lo, hi] */
{
  return g_rand_int_range (run->rand, lo, hi + 1);
}

/* A mostly sensible, sometimes absurd size. */
static gint64
rand_size (Run *run, int hi)
{
  switch (rand_int (run, 0, 9))
    {
    case 0: return rand_int (run, -3, 0);
    case 1: return G_GINT64_CONSTANT (1) << rand_int (run, 20, 40);
    case 2: return NN_LAZY;
    default: return rand_int (run, 1, hi);
    }
}

static void
select_random (Run *run, const nn_net *net)
{
  ll_window_select (run->win, net->n_layers > 0 ? rand_int (run, -1, net->n_layers - 1) : -1);
}

static void
mutate_config (Run *run, nn_layer_config *cfg)
{
  switch (rand_int (run, 0, 11))
    {
    case 0: cfg->out_channels = rand_size (run, 16); break;
    case 1: cfg->in_channels = rand_size (run, 16); break;
    case 2: cfg->kernel_size[rand_int (run, 0, 1)] = rand_size (run, 7); break;
    case 3: cfg->stride[rand_int (run, 0, 1)] = rand_size (run, 3); break;
    case 4: cfg->padding[rand_int (run, 0, 1)] = rand_size (run, 3) - 1; break;
    case 5: cfg->dilation[rand_int (run, 0, 1)] = rand_size (run, 3); break;
    case 6: cfg->groups = rand_size (run, 4); break;
    case 7: cfg->out_features = rand_size (run, 64); break;
    case 8: cfg->in_features = rand_size (run, 512); break;
    case 9: cfg->start_dim = rand_int (run, -5, 4); cfg->end_dim = rand_int (run, -5, 4); break;
    case 10: cfg->p = g_rand_double_range (run->rand, -0.5, 1.5); break;
    default: cfg->ceil_mode = !cfg->ceil_mode; cfg->bias = !cfg->bias; break;
    }
}

static void
step_config (Run *run, const nn_net *net)
{
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;
  int index;

  if (net->n_layers == 0)
    return;
  index = rand_int (run, 0, net->n_layers - 1);
  cfg = net->layers[index].cfg;
  mutate_config (run, &cfg);
  /* FALSE with an error for an invalid config: the document stays as it was */
  if (!ll_document_set_layer_config (ll_window_get_document (run->win), index, &cfg, &error))
    g_assert_nonnull (error);
}

static void
step_spin (Run *run, const nn_net *net)
{
  static const char *const keys[] = { "out_channels", "kernel_size", "stride", "padding",
                                       "out_features", "p", "dim", "in_features" };
  LlInspector *inspector = run->win->inspector;
  GtkWidget *editor;

  if (net->n_layers == 0)
    return;
  ll_window_select (run->win, rand_int (run, 0, net->n_layers - 1));
  editor = ll_inspector_get_editor (inspector, keys[rand_int (run, 0, G_N_ELEMENTS (keys) - 1)],
                                    rand_int (run, 0, 1));
  if (editor != NULL && GTK_IS_SPIN_BUTTON (editor) && gtk_widget_get_sensitive (editor))
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor),
                               gtk_spin_button_get_value (GTK_SPIN_BUTTON (editor)) + rand_int (run, -2, 2));
}

/* The drawing as the input now and then, and strokes on it (off the canvas too), which
 * race the edits' forward passes. */
static void
step_draw (Run *run)
{
  LlInputSource *source = run->win->input_source;

  if (rand_int (run, 0, 4) == 0)
    test_activate (run->win, "win.set-input",
                   g_variant_new_string (rand_int (run, 0, 2) == 0 ? "ones" : "drawing"));
  if (rand_int (run, 0, 9) == 0)
    ll_input_source_clear_canvas (source);
  for (int k = rand_int (run, 1, 3); k > 0; k--)
    ll_input_source_draw_stroke (source, rand_int (run, -5, 40), rand_int (run, -5, 40),
                                 rand_int (run, -5, 40), rand_int (run, -5, 40),
                                 g_rand_double_range (run->rand, 0.1, 8));
}

static void
step_input (Run *run)
{
  g_autoptr(GError) error = NULL;
  nn_shape shape = rand_int (run, 0, 4) == 0 ? nn_shape_f (rand_size (run, 256))
                                             : nn_shape_chw (rand_int (run, 1, 4), rand_size (run, 32),
                                                             rand_int (run, 1, 32));

  if (!ll_document_set_input_shape (ll_window_get_document (run->win), &shape, &error))
    g_assert_nonnull (error);
}

static void
step_tensor (Run *run, const nn_net *net)
{
  static const char *const ops[] = { "constant", "scale", "add", "zero", "reinit", "bogus" };
  nn_param *params = NULL;
  int n = nn_net_params (net, &params);
  g_autofree char *key = NULL;
  double value = rand_int (run, 0, 5) == 0 ? (double) NAN : g_rand_double_range (run->rand, -3, 3);

  key = n > 0 && rand_int (run, 0, 9) > 0 ? g_strdup (params[rand_int (run, 0, n - 1)].key)
                                          : g_strdup ("99.weight");
  free (params);
  test_activate (run->win, "win.edit-tensor",
                 g_variant_new ("(ssd)", key, ops[rand_int (run, 0, G_N_ELEMENTS (ops) - 1)], value));
}

/* The layer with the most parameters. */
static int
largest_layer (const nn_net *net)
{
  int best = 0;

  for (int i = 1; i < net->n_layers; i++)
    if (net->info[i].n_params > net->info[best].n_params)
      best = i;
  return best;
}

static int
pick_kind (Run *run, const nn_net *net)
{
  /* weights out of 100 */
  static const int weights[N_KINDS] = { 14, 7, 5, 5, 5, 4, 6, 15, 10, 12, 5, 4, 8, 0 };
  int r;

  if (net->n_layers > 0 && (total_params (net) > MAX_PARAMS || net->n_layers > MAX_LAYERS))
    return K_SHRINK;
  /* a broken network mostly gets fixed, so that most steps see computed shapes */
  if (net->first_error >= 0 && rand_int (run, 0, 2) == 0)
    return K_FIX;
  r = rand_int (run, 0, 99);
  for (int k = 0; k < N_KINDS; k++)
    if ((r -= weights[k]) < 0)
      return k;
  return K_UNDO;
}

static void
do_step (Run *run)
{
  static const char *const types[] = { "Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten",
                                       "Linear", "BatchNorm2d", "Dropout", "LeakyReLU",
                                       "Sigmoid", "Tanh", "Softmax", "NoSuchLayer" };
  LlDocument *doc = ll_window_get_document (run->win);
  const nn_net *net = ll_document_get_net (doc);
  guint64 generation = ll_document_get_generation (doc);
  gboolean could_undo = ll_document_can_undo (doc), could_redo = ll_document_can_redo (doc);
  int kind = pick_kind (run, net);
  const char *action = NULL;    /* the window action the step activates, if any */
  GVariant *param = NULL;

  run->counts[kind]++;
  switch (kind)
    {
    case K_ADD:
      select_random (run, net);
      action = "win.add-layer";
      param = g_variant_new_string (types[rand_int (run, 0, G_N_ELEMENTS (types) - 1)]);
      break;
    case K_REMOVE: select_random (run, net); action = "win.remove-layer"; break;
    case K_DUPLICATE: select_random (run, net); action = "win.duplicate-layer"; break;
    case K_MOVE_UP: select_random (run, net); action = "win.move-up"; break;
    case K_MOVE_DOWN: select_random (run, net); action = "win.move-down"; break;
    case K_MOVE:
      action = "win.move-layer";
      param = g_variant_new ("(ii)", rand_int (run, -1, net->n_layers), rand_int (run, -1, net->n_layers));
      break;
    case K_FIX:
      action = "win.apply-fix";
      param = g_variant_new_int32 (net->first_error >= 0 && rand_int (run, 0, 3) > 0
                                   ? net->first_error
                                   : rand_int (run, -1, net->n_layers));
      break;
    case K_UNDO: action = "win.undo"; break;
    case K_REDO: action = "win.redo"; break;
    case K_CONFIG: step_config (run, net); break;
    case K_SPIN: step_spin (run, net); break;
    case K_INPUT:
      if (rand_int (run, 0, 3) == 0)
        step_draw (run);
      else
        step_input (run);
      break;
    case K_TENSOR: step_tensor (run, net); break;
    case K_SHRINK: ll_window_select (run->win, largest_layer (net)); action = "win.remove-layer"; break;
    default: g_assert_not_reached ();
    }
  if (action != NULL)
    test_activate (run->win, action, param);

  /* Record the state: an edit that changed the document is one new undo step. */
  net = ll_document_get_net (doc);
  if (kind == K_UNDO)
    {
      g_assert_cmpint (ll_document_get_generation (doc) != generation, ==, could_undo);
      run->depth -= could_undo ? 1 : 0;
    }
  else if (kind == K_REDO)
    {
      g_assert_cmpint (ll_document_get_generation (doc) != generation, ==, could_redo);
      run->depth += could_redo ? 1 : 0;
    }
  else if (ll_document_get_generation (doc) != generation)
    {
      guint64 h = hash_net (net);

      g_array_set_size (run->states, ++run->depth);
      g_array_append_val (run->states, h);
    }
  check_consistent (run);
  run->valid_steps += ll_document_get_net (doc)->first_error < 0;
}

/* Lets the window catch up now and then: list rows, inspector, forward runs. */
static void
iterate_pending (void)
{
  for (int i = 0; i < 200 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
test_random_actions (void)
{
  guint seed = test_env_uint ("LAYERLAB_RANDOM_SEED", DEFAULT_SEED);
  guint steps = test_env_uint ("LAYERLAB_RANDOM_STEPS", DEFAULT_STEPS);
  LlWindow *win = ll_window_new (test_app);
  nn_error err = { 0 };
  nn_net *start;
  Run run = { 0 };
  LlDocument *doc;
  gint64 t0 = g_get_monotonic_time ();
  guint64 h;

  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 800);
  gtk_window_present (GTK_WINDOW (win));
  ll_window_new_document (win, "lenet5");
  iterate_pending ();
  doc = ll_window_get_document (win);
  /* every step must stay undoable, back to the start */
  _ll_document_set_undo_limits (doc, G_MAXUINT, G_MAXUINT64);
  start = nn_net_copy (ll_document_get_net (doc), &err);
  g_assert_nonnull (start);

  run.win = win;
  run.rand = g_rand_new_with_seed (seed);
  run.states = g_array_new (FALSE, FALSE, sizeof (guint64));
  h = hash_net (start);
  g_array_append_val (run.states, h);
  g_test_message ("seed %u, %u steps", seed, steps);
  failing_seed = seed;
  signal (SIGABRT, abort_cb);
  for (run.step = 0; run.step < steps; run.step++)
    {
      failing_step = (sig_atomic_t) run.step;
      do_step (&run);
      if (run.step % 20 == 0)
        iterate_pending ();
      if (run.step % 250 == 0)
        g_test_message ("step %u: %d layers, %" G_GINT64_FORMAT " parameters, undo depth %u, %.1f s",
                        run.step, ll_document_get_net (doc)->n_layers,
                        total_params (ll_document_get_net (doc)), run.depth,
                        (g_get_monotonic_time () - t0) / 1e6);
    }
  for (int k = 0; k < N_KINDS; k++)
    g_test_message ("%-16s %u", kind_names[k], run.counts[k]);
  g_test_message ("%u states recorded, at depth %u; network valid after %u of %u steps; %.1f s",
                  run.states->len, run.depth, run.valid_steps, steps,
                  (g_get_monotonic_time () - t0) / 1e6);

  /* Undo everything: the starting network, bit for bit; redo everything: the last. */
  while (ll_document_can_undo (doc))
    test_activate (run.win, "win.undo", NULL);
  test_assert_nets_equal (ll_document_get_net (doc), start);
  g_assert_cmpint (ll_document_get_net (doc)->first_error, ==, start->first_error);
  g_assert_false (ll_document_get_modified (doc));
  run.depth = 0;
  check_consistent (&run);
  while (ll_document_can_redo (doc))
    {
      test_activate (run.win, "win.redo", NULL);
      run.depth++;
      /* every state's hash; the full check now and then (it rebuilds a propagation) */
      g_assert_true (g_array_index (run.states, guint64, run.depth) == hash_net (ll_document_get_net (doc)));
      if (run.depth % 25 == 0 || !ll_document_can_redo (doc))
        check_consistent (&run);
    }
  g_assert_cmpuint (run.depth + 1, ==, run.states->len);

  while (ll_document_can_undo (doc))
    ll_document_undo (doc);
  nn_net_free (start);
  g_array_unref (run.states);
  g_rand_free (run.rand);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate_pending ();
}

int
main (int   argc,
      char *argv[])
{
  test_app_private_autosave ();
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/random-actions", test_random_actions);
  return test_app_run ();
}
