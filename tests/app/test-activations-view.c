/* test-activations-view.c - the Activations page of a network many screens tall, under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page draws only the pictures on screen and near it (ll-render-area.c): the cards
 * further down are drawn when scrolled to, and a bar chart wider than any screen (the
 * Flatten of a large feature map) is clipped instead of widening the window.
 *
 * Not scrolled here: under AddressSanitizer, scrolling this page and letting it render
 * makes LeakSanitizer report one 160-byte cairo solid pattern allocated in GTK 4.8's
 * cairo renderer (a colour node's cairo_set_source_rgba), whatever the page does with
 * its pictures (culling, lazy drawing and the retired pictures each switched off).
 */
#include "config.h"

#include "ll-window-private.h"
#include "test-common.h"

/* Six cards of 8 maps of 200 × 200 (most of a screen each in a 1300 px wide window),
 * then a Flatten to 320 000 features: a quarter pixel each is 80 000 px at the smallest
 * zoom. A ReLU last, whose card shows the top classes rather than bars. */
static LlDocument *
tall_document (void)
{
  nn_shape input = nn_shape_chw (1, 200, 200);
  nn_net *net = nn_net_new (&input, 3);
  nn_layer_config cfg;
  nn_error err = { 0 };

  for (int i = 0; i < 3; i++)
    {
      nn_layer_config_init (&cfg, NN_LAYER_CONV2D);
      cfg.out_channels = 8;
      cfg.padding[0] = cfg.padding[1] = 1;
      g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
      nn_layer_config_init (&cfg, NN_LAYER_RELU);
      g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
    }
  nn_layer_config_init (&cfg, NN_LAYER_FLATTEN);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  nn_layer_config_init (&cfg, NN_LAYER_RELU);
  g_assert_cmpint (nn_net_append (net, &cfg, &err), ==, NN_OK);
  g_assert_cmpint (net->first_error, <, 0);
  return ll_document_new_for_net (net);
}

/* Every area on screen shows the current picture. */
static gboolean
on_screen_drawn (gpointer data)
{
  LlWindow *win = data;
  LlActivations *acts = ll_activations_page_get_activations (win->activations_page);
  guint shown = 0;

  if (!test_activations_current (win))
    return FALSE;
  for (guint i = 0; i < acts->n_views; i++)
    {
      LlRenderArea *area = ll_activations_page_get_area (win->activations_page, i);

      if (!ll_render_area_is_on_screen (area))
        continue;
      if (!ll_render_area_is_drawn (area))
        return FALSE;
      shown++;
    }
  return shown > 0;
}

/* No picture of the areas is being drawn in a thread. */
static gboolean
not_drawing (gpointer data)
{
  LlRenderArea **areas = data;

  for (; *areas != NULL; areas++)
    if (ll_render_area_is_drawing (*areas))
      return FALSE;
  return TRUE;
}

static void
test_tall_page (void)
{
  g_autoptr(LlDocument) doc = tall_document ();
  LlWindow *win = test_new_window_for_document (doc);
  LlActivations *acts;
  LlRenderArea *first, *bars, *last;
  int min_width, nat_width;

  test_activate (win, "win.show-page", g_variant_new_string ("activations"));
  test_wait_until (on_screen_drawn, win);
  acts = ll_activations_page_get_activations (win->activations_page);
  g_assert_cmpuint (acts->n_views, ==, 9);
  first = ll_activations_page_get_area (win->activations_page, 0);
  bars = ll_activations_page_get_area (win->activations_page, 7);
  last = ll_activations_page_get_area (win->activations_page, 8);
  g_assert_cmpint (ll_render_area_get_data (bars)->view.kind, ==, LL_RENDER_BARS);

  /* the Flatten's 320 000 bars do not make the window 80 000 px wide */
  gtk_widget_measure (GTK_WIDGET (bars), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &nat_width,
                      NULL, NULL);
  g_assert_cmpint (nat_width, >, 80000);
  g_assert_cmpint (min_width, <=, 240);
  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL,
                      NULL, NULL);
  g_assert_cmpint (min_width, <, 2000);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (win)), <, 2000);

  /* the top is drawn; the bottom, screens away, is not (until scrolled to) */
  g_assert_true (ll_render_area_is_on_screen (first));
  g_assert_true (ll_render_area_is_drawn (first));
  /* An area decides whether to draw its picture when it is painted (its snapshot): after
   * one more frame of this layout every area has decided, and a picture started for one
   * far away would then be drawn and back once its thread is done. */
  test_wait_frame (GTK_WIDGET (win));
  test_wait_until (not_drawing, (LlRenderArea *[]) { bars, last, NULL });
  g_assert_false (ll_render_area_is_on_screen (bars));
  g_assert_false (ll_render_area_is_drawn (bars));
  g_assert_false (ll_render_area_is_drawn (last));
  test_destroy_window (win);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/activations-view/tall-page", test_tall_page);
  return test_app_run ();
}
