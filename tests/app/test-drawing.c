/* test-drawing.c - the Drawing input and its pad on the Activations page, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Strokes go through the pad's stroke API, in widget coordinates, which is what its drag
 * gesture calls; the controls are found as a user finds them, by their labels.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "ll-window-private.h"
#include "test-common.h"

/* ------------------------------------------------------------ finding controls */

static gboolean
label_reads (GtkWidget     *widget,
             gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_label (GTK_LABEL (widget)), text);
}

/* The first label on the page whose text is text (translated). */
static GtkWidget *
find_label (LlWindow   *win,
            const char *text)
{
  GtkWidget *label = test_find_matching (GTK_WIDGET (win->activations_page), label_reads,
                                         g_dgettext (GETTEXT_PACKAGE, text));

  g_assert_nonnull (label);
  return label;
}

/* The widget that the label reading text names (its mnemonic widget). */
static GtkWidget *
labelled (LlWindow   *win,
          const char *text)
{
  return gtk_label_get_mnemonic_widget (GTK_LABEL (find_label (win, text)));
}

/* The button whose label reads text. */
static GtkButton *
button (LlWindow   *win,
        const char *text)
{
  return GTK_BUTTON (gtk_widget_get_ancestor (find_label (win, text), GTK_TYPE_BUTTON));
}

/* ------------------------------------------------------------ canvas and strokes */

/* The widget point over the centre of canvas pixel (row i, column j), from the pad's
 * own mapping of two points. */
static void
pixel_to_widget (LlDrawingPad *pad,
                 double        cx,
                 double        cy,
                 double       *x,
                 double       *y)
{
  double x0, y0, x1, y1;

  g_assert_true (ll_drawing_pad_to_canvas (pad, 0, 0, &x0, &y0));
  g_assert_true (ll_drawing_pad_to_canvas (pad, 100, 100, &x1, &y1));
  *x = (cx - x0) * 100 / (x1 - x0);
  *y = (cy - y0) * 100 / (y1 - y0);
}

/* A stroke from canvas point (ax, ay) to (bx, by), laid in steps as a drag would. */
static void
stroke (LlDrawingPad *pad,
        double        ax,
        double        ay,
        double        bx,
        double        by)
{
  double x, y;

  pixel_to_widget (pad, ax, ay, &x, &y);
  ll_drawing_pad_begin_stroke (pad, x, y);
  for (int k = 1; k <= 8; k++)
    {
      pixel_to_widget (pad, ax + (bx - ax) * k / 8, ay + (by - ay) * k / 8, &x, &y);
      ll_drawing_pad_extend_stroke (pad, x, y);
    }
}

/* Distance from pixel (i, j)'s centre to the horizontal segment row y, columns a..b. */
static double
distance_to_row (int    i,
                 int    j,
                 double y,
                 double a,
                 double b)
{
  double px = j + 0.5, py = i + 0.5;
  double dx = px < a ? a - px : px > b ? px - b : 0;

  return sqrt (dx * dx + (py - y) * (py - y));
}

/* Ink within w / 2 of the stroke, none farther than w / 2 + 1; returns the pixels inked. */
static guint
check_row_stroke (LlInputSource *source,
                  double         y,
                  double         a,
                  double         b,
                  double         w)
{
  int h, wd;
  const float *canvas = ll_input_source_get_canvas (source, &h, &wd);
  guint inked = 0;

  g_assert_nonnull (canvas);
  for (int i = 0; i < h; i++)
    for (int j = 0; j < wd; j++)
      {
        double d = distance_to_row (i, j, y, a, b);

        if (d <= w / 2)
          g_assert_cmpfloat (canvas[i * wd + j], >=, 0.5f);
        else if (d > w / 2 + 1)
          g_assert_cmpfloat (canvas[i * wd + j], ==, 0.0f);
        inked += canvas[i * wd + j] > 0;
      }
  return inked;
}

static gboolean
canvas_empty (LlInputSource *source)
{
  int h, w;
  const float *canvas = ll_input_source_get_canvas (source, &h, &w);

  for (int k = 0; k < h * w; k++)
    if (canvas[k] != 0)
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------ forward passes */

/* TestCond: the page shows a pass on the canvas as it is now, and none runs or waits. */
static gboolean
ran_on_canvas (gpointer data)
{
  LlWindow *win = data;
  LlActivations *acts = ll_activations_page_get_activations (win->activations_page);
  int h = 0, w = 0;
  const float *canvas = ll_input_source_get_canvas (win->input_source, &h, &w);
  const nn_tensor *input;

  if (!test_activations_current (win) || win->forwards_running > 0 || win->forward_wanted
      || canvas == NULL)
    return FALSE;
  input = acts->run->result.acts[0];
  if (nn_tensor_numel (input) != (int64_t) h * w)
    return FALSE;
  for (int64_t k = 0; k < nn_tensor_numel (input); k++)
    if (input->data[k] != canvas[k])
      return FALSE;
  return TRUE;
}

/* The output the page shows is the document's network run here on the canvas. */
static void
assert_output_of_canvas (LlWindow *win)
{
  LlActivations *acts = ll_activations_page_get_activations (win->activations_page);
  const nn_tensor *shown = acts->run->result.output;
  nn_error err = { 0 };
  nn_net *net = nn_net_copy (ll_document_get_net (win->document), &err);
  int h, w;
  const float *canvas = ll_input_source_get_canvas (win->input_source, &h, &w);
  int64_t dims[4] = { 1, 1, h, w };
  nn_tensor *input = nn_tensor_new (4, dims, NULL);
  nn_run_result res = { 0 };

  g_assert_nonnull (net);
  memcpy (input->data, canvas, sizeof (float) * h * w);
  g_assert_cmpint (nn_net_forward (net, input, NULL, &res, &err), ==, NN_OK);
  g_assert_cmpint (nn_tensor_numel (res.output), ==, nn_tensor_numel (shown));
  for (int64_t k = 0; k < nn_tensor_numel (shown); k++)
    g_assert_cmpfloat_with_epsilon (res.output->data[k], shown->data[k],
                                    1e-5 * (1 + fabsf (shown->data[k])));
  nn_run_result_clear (&res);
  nn_tensor_free (input);
  nn_net_free (net);
}

/* ------------------------------------------------------------ the test */

static void
test_draw (void)
{
  LlWindow *win = test_new_window ("seed");
  LlDrawingPad *pad = ll_activations_page_get_drawing_pad (win->activations_page);
  GtkWidget *input = labelled (win, "_Input");
  GtkSpinButton *width = GTK_SPIN_BUTTON (labelled (win, "_Stroke"));
  g_autofree float *drawn = NULL;
  guint thin, wide;

  adw_view_stack_set_visible_child_name (win->inspect_stack, "activations");
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (pad)));
  /* chosen as a user does: the pad shows, with an empty canvas of the input's size */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (input), LL_INPUT_DRAWING);
  g_assert_cmpint (ll_input_source_get_kind (win->input_source), ==, LL_INPUT_DRAWING);
  test_wait_until (ran_on_canvas, win);
  test_wait_frame (GTK_WIDGET (win));
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (pad)));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (pad)), >=, 24);
  g_assert_true (canvas_empty (win->input_source));
  g_assert_cmpfloat (gtk_spin_button_get_value (width), ==, 2.5);

  /* a stroke inks along it and nowhere else; the pass runs on it */
  stroke (pad, 4, 12, 20, 12);
  g_assert_cmpuint (win->forwards_running, <=, 1);
  wide = check_row_stroke (win->input_source, 12, 4, 20, 2.5);
  g_assert_cmpuint (wide, >, 0);
  test_wait_until (ran_on_canvas, win);
  assert_output_of_canvas (win);

  /* Clear empties it, and the activations follow */
  g_signal_emit_by_name (button (win, "_Clear"), "clicked");
  g_assert_true (canvas_empty (win->input_source));
  test_wait_until (ran_on_canvas, win);

  /* a thinner stroke leaves a narrower trace; strokes in a row keep one pass running */
  gtk_spin_button_set_value (width, 1.0);
  g_assert_cmpfloat (ll_drawing_pad_get_stroke_width (pad), ==, 1.0);
  stroke (pad, 4, 12, 20, 12);
  thin = check_row_stroke (win->input_source, 12, 4, 20, 1.0);
  g_assert_cmpuint (thin, <, wide);
  for (int k = 0; k < 5; k++)
    {
      stroke (pad, 6, 3 + k, 18, 3 + k);
      g_assert_cmpuint (win->forwards_running, <=, 1);
    }
  test_wait_until (ran_on_canvas, win);
  assert_output_of_canvas (win);

  /* the drawing stays the input's while another input is shown */
  drawn = g_memdup2 (ll_input_source_get_canvas (win->input_source, NULL, NULL),
                     sizeof (float) * 24 * 24);
  test_activate (win, "win.set-input", g_variant_new_string ("ones"));
  g_assert_false (gtk_widget_is_visible (GTK_WIDGET (pad)));
  test_activate (win, "win.set-input", g_variant_new_string ("drawing"));
  g_assert_cmpmem (ll_input_source_get_canvas (win->input_source, NULL, NULL),
                   sizeof (float) * 24 * 24, drawn, sizeof (float) * 24 * 24);
  test_wait_until (ran_on_canvas, win);
  assert_output_of_canvas (win);
  test_destroy_window (win);
}

int
main (int    argc,
      char **argv)
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/drawing/pad", test_draw);
  return test_app_run ();
}
