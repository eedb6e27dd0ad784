/* test-inspect.c - the inspection pages driven through the window's actions, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Checks what the pages show (the prepared views, hover results, statistics) against
 * the document's tensors, and the seed walkthrough: bias 5, weights 1, input ones ->
 * layer 0's activations are 25 * 1 + 5 = 30 everywhere.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ll-tensor-editor.h"
#include "ll-window-private.h"
#include "test-common.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (nn_net, nn_net_free)

/* ------------------------------------------------------------ waiting for the pages */

typedef struct {
  LlWindow *win;
  const char *key;
} WeightsWait;

static gboolean
weights_shown (gpointer data)
{
  WeightsWait *w = data;
  LlWeightsPage *page = w->win->weights_page;

  return g_strcmp0 (ll_weights_page_get_key (page), w->key) == 0
         && ll_weights_page_get_shown_generation (page) == ll_document_get_generation (w->win->document)
         && ll_render_area_get_data (ll_weights_page_get_area (page)) != NULL;
}

static LlViewData *
wait_weights (LlWindow   *win,
              const char *key)
{
  WeightsWait w = { win, key };

  test_wait_until (weights_shown, &w);
  return ll_render_area_get_data (ll_weights_page_get_area (win->weights_page));
}

/* Waits for the activations of the current document and input (first value of the
 * input equal to first_input, or any when NAN). */
typedef struct {
  LlWindow *win;
  float first_input;
} InputWait;

static gboolean
activations_for_input (gpointer data)
{
  InputWait *w = data;
  LlActivations *acts;

  if (!test_activations_current (w->win))
    return FALSE;
  acts = ll_activations_page_get_activations (w->win->activations_page);
  return isnan (w->first_input) || acts->run->result.acts[0]->data[0] == w->first_input;
}

static LlActivations *
wait_activations (LlWindow *win,
                  float     first_input)
{
  InputWait w = { win, first_input };

  test_wait_until (activations_for_input, &w);
  return ll_activations_page_get_activations (win->activations_page);
}

static gboolean
all_equal (const nn_tensor *t,
           float            value)
{
  for (gint64 i = 0; i < nn_tensor_numel (t); i++)
    if (t->data[i] != value)
      return FALSE;
  return TRUE;
}

/* The centre of cell (ky, kx) of kernel (out, in) in a kernel grid, in view coordinates:
 * a row per output channel, or with one input channel kernels wrapped into rows. */
static void
kernel_cell_point (const LlRenderView *view,
                   gint64 out, gint64 in, gint64 ky, gint64 kx,
                   double *x, double *y)
{
  LlRenderLayout layout;
  gint64 row = out, col = in;

  ll_render_view_measure (view, &layout);
  if (view->dims[1] == 1)
    {
      row = out / layout.cols;
      col = out % layout.cols;
    }
  *x = layout.body.x + col * layout.pitch_x + (kx + 0.5) * layout.cell;
  *y = layout.body.y + row * layout.pitch_y + (ky + 0.5) * layout.cell;
}

static gboolean
rgb_shown (gpointer page)
{
  LlViewData *d = ll_render_area_get_data (ll_weights_page_get_area (page));

  return d != NULL && d->view.kind == LL_RENDER_KERNELS_RGB;
}

static gboolean
histogram_shown (gpointer page)
{
  LlViewData *d = ll_render_area_get_data (ll_weights_page_get_area (page));

  return d != NULL && d->view.kind == LL_RENDER_HISTOGRAM;
}

/* ------------------------------------------------------------ tests */

static GtkDropDown *
first_drop_down (GtkWidget *widget)
{
  if (GTK_IS_DROP_DOWN (widget))
    return GTK_DROP_DOWN (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkDropDown *found = first_drop_down (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
count_changes (guint *n)
{
  (*n)++;
}

/* Choosing another tensor in the page's first drop-down shows it without rebuilding that
 * drop-down's list: rebuilding it under the popover's click made GTK activate the row
 * again and again (the window spun at 50% CPU with the popover stuck open). */
static void
test_tensor_choice (void)
{
  LlWindow *win = test_new_window ("seed");
  GtkDropDown *tensors;
  guint changes = 0;

  ll_window_select (win, 0);
  test_activate (win, "win.show-page", g_variant_new_string ("weights"));
  wait_weights (win, "0.weight");
  tensors = first_drop_down (GTK_WIDGET (win->weights_page));
  g_assert_nonnull (tensors);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (tensors)), ==, 2);
  g_signal_connect_swapped (gtk_drop_down_get_model (tensors), "items-changed",
                            G_CALLBACK (count_changes), &changes);
  gtk_drop_down_set_selected (tensors, 1);
  wait_weights (win, "0.bias");
  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpuint (gtk_drop_down_get_selected (tensors), ==, 1);
  /* another layer with the same tensors keeps the list too, and the choice */
  ll_window_select (win, 3);
  wait_weights (win, "3.bias");
  g_assert_cmpuint (changes, ==, 0);
  g_signal_handlers_disconnect_by_data (gtk_drop_down_get_model (tensors), &changes);
  test_destroy_window (win);
}

static void
test_weights_page (void)
{
  LlWindow *win = test_new_window ("seed");
  const nn_tensor *w0, *w3;
  LlViewData *data;
  LlRenderHit hit;
  g_autofree char *tip = NULL;
  double x, y;

  ll_window_select (win, 0);
  test_activate (win, "win.show-page", g_variant_new_string ("weights"));
  data = wait_weights (win, "0.weight");
  w0 = nn_net_find_param (ll_document_get_net (win->document), "0.weight");
  g_assert_nonnull (w0);
  g_assert_true (nn_tensor_same_shape (data->tensor, w0));
  g_assert_cmpmem (data->tensor->data, nn_tensor_numel (w0) * sizeof (float),
                   w0->data, nn_tensor_numel (w0) * sizeof (float));
  g_assert_cmpint (data->view.kind, ==, LL_RENDER_KERNELS);
  /* 32 kernels of one input channel: wrapped into a grid, not one tall column */
  {
    LlRenderLayout layout;

    ll_render_view_measure (&data->view, &layout);
    g_assert_cmpint (layout.rows, <, 32);
    g_assert_cmpint (layout.rows * layout.cols, >=, 32);
    g_assert_cmpfloat (layout.height, <, 2 * layout.width);
  }

  /* hover: kernel (out 2, in 0), cell (ky 3, kx 1) */
  kernel_cell_point (&data->view, 2, 0, 3, 1, &x, &y);
  g_assert_true (ll_render_area_hit (ll_weights_page_get_area (win->weights_page), x, y, &hit));
  g_assert_cmpint (hit.n_index, ==, 4);
  g_assert_cmpint (hit.index[0], ==, 2);
  g_assert_cmpint (hit.index[1], ==, 0);
  g_assert_cmpint (hit.index[2], ==, 3);
  g_assert_cmpint (hit.index[3], ==, 1);
  g_assert_cmpfloat (hit.value, ==, w0->data[2 * 25 + 3 * 5 + 1]);
  tip = ll_render_area_describe (ll_weights_page_get_area (win->weights_page), x, y);
  g_assert_nonnull (strstr (tip, "out 2, in 0, ky 3, kx 1"));
  /* per-channel scaling: each output channel gets its own range, no new prepare */
  {
    LlRenderLegend legend;

    ll_render_area_set_scale (ll_weights_page_get_area (win->weights_page), LL_RENDER_SCALE_PER_CHANNEL);
    g_assert_cmpint (data->view.options.scale, ==, LL_RENDER_SCALE_PER_CHANNEL);
    ll_render_view_legend (&data->view, &legend);
    g_assert_true (legend.relative);
    g_assert_cmpfloat (ll_render_view_range (&data->view, 2).hi, ==,
                       MAX (fabs (data->view.channel_stats[2].min), fabs (data->view.channel_stats[2].max)));
    ll_render_area_set_scale (ll_weights_page_get_area (win->weights_page), LL_RENDER_SCALE_GLOBAL);
    ll_render_view_legend (&data->view, &legend);
    g_assert_false (legend.relative);
    g_assert_cmpfloat (legend.range.hi, ==, MAX (fabs (data->view.stats.min), fabs (data->view.stats.max)));
  }
  /* the click selects the kernel (out 2, in 0) for the editor */
  g_assert_cmpint (ll_weights_page_slice_for_hit (win->weights_page, &hit), ==, 2);

  /* layer 3: a 64 x 32 grid of 5 x 5 kernels */
  ll_window_select (win, 3);
  data = wait_weights (win, "3.weight");
  w3 = nn_net_find_param (ll_document_get_net (win->document), "3.weight");
  g_assert_true (nn_tensor_same_shape (data->tensor, w3));
  kernel_cell_point (&data->view, 63, 31, 4, 4, &x, &y);
  g_assert_true (ll_render_view_hit (&data->view, x, y, &hit));
  g_assert_cmpint (hit.element, ==, nn_tensor_numel (w3) - 1);
  g_assert_cmpfloat (hit.value, ==, w3->data[nn_tensor_numel (w3) - 1]);

  /* the bias of layer 7 (Linear) as bars, its weight as a matrix */
  ll_window_select (win, 7);
  data = wait_weights (win, "7.weight");
  g_assert_cmpint (data->view.kind, ==, LL_RENDER_MATRIX);
  g_assert_true (ll_weights_page_set_tensor (win->weights_page, "bias"));
  data = wait_weights (win, "7.bias");
  g_assert_cmpint (data->view.kind, ==, LL_RENDER_BARS);
  g_assert_true (ll_weights_page_set_kind (win->weights_page, LL_RENDER_HISTOGRAM));
  test_wait_until (histogram_shown, win->weights_page);
  data = ll_render_area_get_data (ll_weights_page_get_area (win->weights_page));
  g_assert_cmpint (data->view.histogram.stats.n, ==, 1024);
  test_destroy_window (win);
}

/* The seed walkthrough: layer 0's bias 5, weights 1, input ones -> 30 everywhere. */
static void
seed_edit (LlWindow *win)
{
  test_activate (win, "win.edit-tensor", g_variant_new ("(ssd)", "0.bias", "constant", 5.0));
  test_activate (win, "win.edit-tensor", g_variant_new ("(ssd)", "0.weight", "constant", 1.0));
  test_activate (win, "win.set-input", g_variant_new_string ("ones"));
}

static void
check_thirty (LlWindow      *win,
              LlActivations *acts)
{
  LlViewData *data = acts->views[1];
  LlRenderArea *area = ll_activations_page_get_area (win->activations_page, 1);
  LlRenderLegend legend;
  LlRenderLayout layout;
  LlRenderHit hit = { 0 };
  char expect[32];

  g_assert_true (all_equal (acts->run->result.acts[0], 1.0f));
  g_assert_true (all_equal (acts->run->result.acts[1], 30.0f));
  /* what the page shows: the same data, hover value and legend */
  g_assert_true (ll_render_area_get_data (area) == data);
  g_assert_true (all_equal (data->tensor, 30.0f));
  g_assert_cmpfloat (data->view.stats.min, ==, 30.0);
  g_assert_cmpfloat (data->view.stats.max, ==, 30.0);
  ll_render_view_measure (&data->view, &layout);
  /* the first cell under the channel label of the first tile */
  for (double y = layout.body.y; y < layout.body.y + layout.pitch_y; y += 0.5)
    if (ll_render_area_hit (area, layout.body.x + layout.cell / 2, y, &hit))
      break;
  g_assert_cmpint (hit.n_index, ==, 3);
  g_assert_cmpint (hit.index[0], ==, 0);
  g_assert_cmpint (hit.index[1], ==, 0);
  g_assert_cmpint (hit.index[2], ==, 0);
  g_assert_cmpfloat (hit.value, ==, 30.0);
  ll_render_view_legend (&data->view, &legend);
  g_assert_cmpfloat (legend.range.lo, ==, 30.0);
  g_assert_cmpfloat (legend.range.hi, ==, 30.0);
  g_assert_nonnull (strstr (ll_activations_page_get_stats_text (win->activations_page, 1),
                            ll_render_format_value (30.0, expect, sizeof expect)));
}

static gboolean
no_activations (gpointer win)
{
  return ll_activations_page_get_activations (((LlWindow *) win)->activations_page) == NULL;
}

static void
test_seed_edit_undo (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autoptr(nn_net) before = NULL;
  LlActivations *acts;
  const nn_net *net;

  acts = wait_activations (win, NAN);
  g_assert_false (all_equal (acts->run->result.acts[1], 30.0f));
  before = ll_document_snapshot (win->document);
  g_assert_false (ll_document_get_modified (win->document));

  seed_edit (win);
  acts = wait_activations (win, 1.0f);
  check_thirty (win, acts);
  g_assert_true (ll_document_get_modified (win->document));
  net = ll_document_get_net (win->document);
  g_assert_true (all_equal (nn_net_find_param (net, "0.bias"), 5.0f));
  g_assert_true (all_equal (nn_net_find_param (net, "0.weight"), 1.0f));

  /* undo both edits: the weights come back and the activations follow by themselves */
  test_activate (win, "win.undo", NULL);
  test_activate (win, "win.undo", NULL);
  net = ll_document_get_net (win->document);
  for (const char *const *key = (const char *const[]) { "0.weight", "0.bias", NULL }; *key; key++)
    {
      const nn_tensor *a = nn_net_find_param (net, *key), *b = nn_net_find_param (before, *key);

      g_assert_cmpmem (a->data, nn_tensor_numel (a) * sizeof (float), b->data, nn_tensor_numel (b) * sizeof (float));
    }
  acts = wait_activations (win, 1.0f);
  g_assert_false (all_equal (acts->run->result.acts[1], 30.0f));
  g_assert_true (all_equal (acts->run->result.acts[0], 1.0f));

  /* an architecture edit: layer 0 with 8 channels; the pages follow by themselves */
  {
    nn_layer_config cfg = ll_document_get_net (win->document)->layers[0].cfg;
    g_autoptr(GError) error = NULL;

    cfg.out_channels = 8;
    cfg.in_channels = 1;
    g_assert_true (ll_document_set_layer_config (win->document, 0, &cfg, &error));
    g_assert_no_error (error);
    /* layer 3 expects 32 channels now: nothing runs, and the page says why */
    test_wait_until (no_activations, win);
    test_activate (win, "win.apply-fix", g_variant_new_int32 (3));
    acts = wait_activations (win, 1.0f);
    g_assert_cmpint (acts->views[1]->tensor->shape[1], ==, 8);
    g_assert_true (ll_render_area_get_data (ll_activations_page_get_area (win->activations_page, 1)) == acts->views[1]);
  }
  test_destroy_window (win);
}

/* the input that does not fit is refused in an error dialog that gives its shape */
static gboolean
toast_says_shape (gpointer win)
{
  const char *error = ll_window_get_last_error (win);

  return error != NULL && strstr (error, "[1, 3, 8, 8]") != NULL;
}

static void
test_input_sources (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-inspect-XXXXXX", NULL);
  g_autofree char *npy = g_build_filename (dir, "half.npy", NULL);
  g_autofree char *spec = g_strconcat ("npy:", npy, NULL);
  nn_tensor *half = nn_tensor_new_4d (1, 1, 24, 24, NULL);
  LlActivations *acts;
  float first;

  acts = wait_activations (win, NAN);
  first = acts->run->result.acts[0]->data[0];
  g_assert_true (first > 0.0f && first < 1.0f);   /* random in [0, 1) */

  test_activate (win, "win.set-input", g_variant_new_string ("zeros"));
  acts = wait_activations (win, 0.0f);
  g_assert_true (all_equal (acts->run->result.acts[0], 0.0f));
  /* a zero input gives each conv channel its bias, a constant map */
  g_assert_cmpfloat (acts->views[1]->view.channel_stats[0].std, ==, 0.0);

  nn_tensor_fill (half, 0.5f);
  g_assert_cmpint (nn_npy_write (npy, half, NULL), ==, NN_OK);
  test_activate (win, "win.set-input", g_variant_new_string (spec));
  acts = wait_activations (win, 0.5f);
  g_assert_true (all_equal (acts->run->result.acts[0], 0.5f));
  g_assert_cmpint (ll_input_source_get_kind (win->input_source), ==, LL_INPUT_NPY);

  /* a file of the wrong shape is refused with a message; the input stays */
  nn_tensor_free (half);
  half = nn_tensor_new_4d (1, 3, 8, 8, NULL);
  g_assert_cmpint (nn_npy_write (npy, half, NULL), ==, NN_OK);
  test_activate (win, "win.set-input", g_variant_new_string (spec));
  test_wait_until (toast_says_shape, win);
  acts = wait_activations (win, 0.5f);
  g_assert_cmpint (ll_input_source_get_kind (win->input_source), ==, LL_INPUT_NPY);

#ifdef LL_HAVE_DATASET
  /* an image: 48 x 48 black with a white square, resized to the input's 24 x 24 */
  {
    g_autofree char *png = g_build_filename (dir, "square.png", NULL);
    g_autofree char *image_spec = g_strconcat ("image:", png, NULL);
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 48, 48);
    cairo_t *cr = cairo_create (surface);
    const nn_tensor *in;

    cairo_set_source_rgb (cr, 0, 0, 0);
    cairo_paint (cr);
    cairo_set_source_rgb (cr, 1, 1, 1);
    cairo_rectangle (cr, 16, 16, 16, 16);
    cairo_fill (cr);
    cairo_destroy (cr);
    g_assert_cmpint (cairo_surface_write_to_png (surface, png), ==, CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy (surface);
    test_activate (win, "win.set-input", g_variant_new_string (image_spec));
    acts = wait_activations (win, 0.0f);
    in = acts->run->result.acts[0];
    g_assert_cmpint (in->shape[2], ==, 24);
    g_assert_cmpfloat (in->data[12 * 24 + 12], ==, 1.0f);   /* centre: white */
    g_assert_cmpfloat (in->data[2 * 24 + 2], ==, 0.0f);     /* corner: black */
    g_assert_cmpint (ll_input_source_get_kind (win->input_source), ==, LL_INPUT_IMAGE);
    g_unlink (png);
  }
#endif

  test_activate (win, "win.set-input", g_variant_new_string ("random"));
  acts = wait_activations (win, first);
  g_assert_cmpfloat (acts->run->result.acts[0]->data[0], ==, first);

  nn_tensor_free (half);
  g_unlink (npy);
  g_rmdir (dir);
  test_destroy_window (win);
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_export (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autofree char *dir = g_dir_make_tmp ("layerlab-inspect-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "kernels.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "kernels.svg", NULL);
  g_autofree char *npy = g_build_filename (dir, "act1.npy", NULL);
  g_autofree char *wnpy = g_build_filename (dir, "w.npy", NULL);
  cairo_surface_t *surface;
  LlRenderLayout layout;
  LlActivations *acts;
  LlViewData *data;
  nn_tensor *t = NULL;

  ll_window_select (win, 0);
  data = wait_weights (win, "0.weight");
  acts = wait_activations (win, NAN);

  test_activate (win, "win.export-view", g_variant_new ("(ssd)", "weights", png, 2.0));
  test_activate (win, "win.export-view", g_variant_new ("(ssd)", "weights", svg, 1.0));
  test_activate (win, "win.export-npy", g_variant_new ("(ss)", "activation:1", npy));
  test_activate (win, "win.export-npy", g_variant_new ("(ss)", "weights", wnpy));
  test_wait_until (file_exists, png);
  test_wait_until (file_exists, svg);
  test_wait_until (file_exists, npy);
  test_wait_until (file_exists, wnpy);

  /* the PNG is the view at twice its natural size */
  ll_render_view_measure (&data->view, &layout);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (surface), ==, (int) ceil (layout.width * 2));
  cairo_surface_destroy (surface);

  g_assert_cmpint (nn_npy_read (npy, &t, NULL), ==, NN_OK);
  g_assert_true (nn_tensor_same_shape (t, acts->run->result.acts[1]));
  g_assert_cmpmem (t->data, nn_tensor_numel (t) * sizeof (float), acts->run->result.acts[1]->data,
                   nn_tensor_numel (t) * sizeof (float));
  nn_tensor_free (t);
  g_assert_cmpint (nn_npy_read (wnpy, &t, NULL), ==, NN_OK);
  g_assert_cmpmem (t->data, nn_tensor_numel (t) * sizeof (float), data->tensor->data,
                   nn_tensor_numel (t) * sizeof (float));
  nn_tensor_free (t);

  for (const char *const *f = (const char *const[]) { png, svg, npy, wnpy, NULL }; *f; f++)
    g_unlink (*f);
  g_rmdir (dir);
  test_destroy_window (win);
}

static LlTensorEditor *
find_editor (LlWindow *win)
{
  return (LlTensorEditor *) test_find_toplevel (win, LL_TYPE_TENSOR_EDITOR);
}

static void
test_editor (void)
{
  LlWindow *win = test_new_window ("seed");
  LlTensorEditor *editor;
  g_autoptr(GError) error = NULL;
  const nn_tensor *w;
  float old;

  test_activate (win, "win.open-tensor-editor", g_variant_new ("(sx)", "0.weight", (gint64) 2));
  editor = find_editor (win);
  g_assert_nonnull (editor);
  g_assert_cmpint (ll_tensor_editor_get_slice (editor), ==, 2);
  g_assert_nonnull (ll_tensor_editor_get_entry (editor, 24));
  g_assert_null (ll_tensor_editor_get_entry (editor, 25));

  w = nn_net_find_param (ll_document_get_net (win->document), "0.weight");
  old = w->data[2 * 25 + 7];
  gtk_editable_set_text (ll_tensor_editor_get_entry (editor, 7), "2,5");
  g_assert_true (ll_tensor_editor_apply (editor, &error));
  g_assert_no_error (error);
  w = nn_net_find_param (ll_document_get_net (win->document), "0.weight");
  g_assert_cmpfloat (w->data[2 * 25 + 7], ==, 2.5f);
  g_assert_true (ll_document_get_modified (win->document));

  /* a bad value is refused and nothing changes */
  gtk_editable_set_text (ll_tensor_editor_get_entry (editor, 0), "abc");
  g_assert_false (ll_tensor_editor_apply (editor, &error));
  g_clear_error (&error);

  test_activate (win, "win.undo", NULL);
  w = nn_net_find_param (ll_document_get_net (win->document), "0.weight");
  g_assert_cmpfloat (w->data[2 * 25 + 7], ==, old);
  /* the editor follows the undo */
  g_assert_cmpfloat ((float) g_ascii_strtod (gtk_editable_get_text (ll_tensor_editor_get_entry (editor, 7)), NULL), ==, old);

  /* re-initialize: seeded, within PyTorch's bound 1 / sqrt(fan_in) = 1 / 5 */
  g_assert_true (ll_tensor_apply_op (win->document, "0.weight", LL_TENSOR_OP_REINIT, 7, &error));
  w = nn_net_find_param (ll_document_get_net (win->document), "0.weight");
  for (gint64 i = 0; i < nn_tensor_numel (w); i++)
    g_assert_cmpfloat (fabsf (w->data[i]), <=, 0.2f);
  old = w->data[0];
  g_assert_true (ll_tensor_apply_op (win->document, "0.weight", LL_TENSOR_OP_SCALE, 2, &error));
  g_assert_true (ll_tensor_apply_op (win->document, "0.weight", LL_TENSOR_OP_REINIT, 7, &error));
  g_assert_cmpfloat (nn_net_find_param (ll_document_get_net (win->document), "0.weight")->data[0], ==, old);
  g_assert_false (ll_tensor_apply_op (win->document, "0.nothing", LL_TENSOR_OP_ZERO, 0, &error));
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (editor));
  test_destroy_window (win);
}

/* A first layer on RGB input shows one colour tile per output channel. */
static void
test_rgb_kernels (void)
{
  LlWindow *win = test_new_window ("seed");
  g_autoptr(LlDocument) doc = ll_document_new ();
  nn_shape shape = nn_shape_chw (3, 8, 8);
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;
  LlViewData *data;
  LlRenderLayout layout;
  LlRenderHit hit = { 0 };

  g_assert_true (ll_document_set_input_shape (doc, &shape, &error));
  nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
  cfg.out_channels = 4;
  cfg.kernel_size[0] = cfg.kernel_size[1] = 3;
  g_assert_true (ll_document_insert_layer (doc, 0, &cfg, &error));
  ll_window_set_document (win, doc);
  ll_window_select (win, 0);
  data = wait_weights (win, "0.weight");
  g_assert_cmpint (data->view.kind, ==, LL_RENDER_KERNELS);
  g_assert_true (ll_weights_page_set_kind (win->weights_page, LL_RENDER_KERNELS_RGB));
  test_wait_until (rgb_shown, win->weights_page);
  data = ll_render_area_get_data (ll_weights_page_get_area (win->weights_page));
  ll_render_view_measure (&data->view, &layout);
  for (double y = layout.body.y; y < layout.body.y + layout.pitch_y && hit.n_index == 0; y += 0.5)
    for (double x = layout.body.x; x < layout.body.x + layout.pitch_x && hit.n_index == 0; x += 0.5)
      ll_render_view_hit (&data->view, x, y, &hit);
  g_assert_cmpint (hit.n_index, ==, 3);         /* out, ky, kx */
  g_assert_cmpint (hit.index[0], ==, 0);
  g_assert_cmpint (ll_weights_page_slice_for_hit (win->weights_page, &hit), ==, 0);
  test_destroy_window (win);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/inspect/weights-page", test_weights_page);
  g_test_add_func ("/ui/inspect/tensor-choice", test_tensor_choice);
  g_test_add_func ("/ui/inspect/seed-edit-undo", test_seed_edit_undo);
  g_test_add_func ("/ui/inspect/input-sources", test_input_sources);
  g_test_add_func ("/ui/inspect/export", test_export);
  g_test_add_func ("/ui/inspect/editor", test_editor);
  g_test_add_func ("/ui/inspect/rgb-kernels", test_rgb_kernels);
  return test_app_run ();
}
