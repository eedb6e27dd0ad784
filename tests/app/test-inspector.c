/* test-inspector.c - the inspector's pairs: one linked value, or height and width apart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Kernel size, stride, padding and dilation show one value with a chain toggle pressed
 * ("same for height and width") unless the two sides differ or the user asked for them
 * apart. For a pool the toggle is also what PyTorch prints: linked is an int
 * (MaxPool2d(2)), apart a tuple (MaxPool2d((2, 2))), so the toggle, the document and
 * the repr must agree after each click, and undo must bring the form back.
 */
#include "config.h"

#include <string.h>

#include "ll-inspector.h"
#include "ll-window-private.h"
#include "test-common.h"

static GtkToggleButton *
link_of (LlWindow *win, const char *key)
{
  GtkWidget *w = ll_inspector_get_link_toggle (win->inspector, key);

  g_assert_nonnull (w);
  return GTK_TOGGLE_BUTTON (w);
}

static GtkSpinButton *
spin_of (LlWindow *win, const char *key, int part)
{
  GtkWidget *w = ll_inspector_get_editor (win->inspector, key, part);

  g_assert_nonnull (w);
  return GTK_SPIN_BUTTON (w);
}

/* The document's print(network) line of layer i, as the repr view shows it. */
static char *
layer_repr (LlWindow *win, int i)
{
  return nn_layer_repr (ll_document_get_net (win->document), i);
}

static void
assert_repr (LlWindow *win, int i, const char *want)
{
  g_autofree char *got = layer_repr (win, i);

  g_assert_cmpstr (got, ==, want);
}

/* The tutorial's pools are tuples: shown apart; linking makes an int, undo a tuple. */
static void
test_seed_pool (void)
{
  LlWindow *win = test_new_window ("seed");
  const nn_layer_config *cfg;

  ll_window_select (win, 2);
  assert_repr (win, 2, "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, "
                       "ceil_mode=False)");
  g_assert_false (gtk_toggle_button_get_active (link_of (win, "kernel_size")));
  g_assert_false (gtk_toggle_button_get_active (link_of (win, "stride")));
  g_assert_true (gtk_toggle_button_get_active (link_of (win, "padding")));
  g_assert_true (gtk_toggle_button_get_active (link_of (win, "dilation")));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (spin_of (win, "kernel_size", 1))));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (spin_of (win, "padding", 1))));

  gtk_toggle_button_set_active (link_of (win, "kernel_size"), TRUE);
  assert_repr (win, 2, "MaxPool2d(kernel_size=2, stride=(2, 2), padding=0, dilation=1, "
                       "ceil_mode=False)");
  cfg = &ll_document_get_net (win->document)->layers[2].cfg;
  g_assert_false (nn_layer_config_is_tuple (cfg, NN_PAIR_KERNEL_SIZE));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (spin_of (win, "kernel_size", 1))));

  /* padding apart: a tuple with equal sides */
  gtk_toggle_button_set_active (link_of (win, "padding"), FALSE);
  assert_repr (win, 2, "MaxPool2d(kernel_size=2, stride=(2, 2), padding=(0, 0), dilation=1, "
                       "ceil_mode=False)");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (spin_of (win, "padding", 1))));

  ll_document_undo (win->document);
  ll_document_undo (win->document);
  assert_repr (win, 2, "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, "
                       "ceil_mode=False)");
  g_assert_false (gtk_toggle_button_get_active (link_of (win, "kernel_size")));
  g_assert_true (gtk_toggle_button_get_active (link_of (win, "padding")));
  g_assert_false (ll_document_can_undo (win->document));
  test_destroy_window (win);
}

/* A pool from the palette is PyTorch's MaxPool2d(2); kH != kW makes a tuple, and linking
 * it again takes the height for both. */
static void
test_new_pool (void)
{
  LlWindow *win = test_new_window ("seed");
  int n;

  ll_window_select (win, 9);
  test_activate (win, "win.add-layer", g_variant_new_string ("MaxPool2d"));
  n = ll_document_get_net (win->document)->n_layers;
  g_assert_cmpint (n, ==, 11);
  g_assert_cmpint (ll_document_get_net (win->document)->layers[10].cfg.type, ==,
                   NN_LAYER_MAXPOOL2D);
  ll_window_select (win, 10);
  assert_repr (win, 10, "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                        "ceil_mode=False)");
  g_assert_true (gtk_toggle_button_get_active (link_of (win, "kernel_size")));

  /* one value sets both sides */
  gtk_spin_button_set_value (spin_of (win, "kernel_size", 0), 3);
  assert_repr (win, 10, "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, "
                        "ceil_mode=False)");

  gtk_toggle_button_set_active (link_of (win, "kernel_size"), FALSE);
  gtk_spin_button_set_value (spin_of (win, "kernel_size", 1), 1);
  assert_repr (win, 10, "MaxPool2d(kernel_size=(3, 1), stride=2, padding=0, dilation=1, "
                        "ceil_mode=False)");

  gtk_toggle_button_set_active (link_of (win, "kernel_size"), TRUE);
  assert_repr (win, 10, "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, "
                        "ceil_mode=False)");
  g_assert_cmpint (ll_document_get_net (win->document)->layers[10].cfg.kernel_size[1], ==, 3);
  test_destroy_window (win);
}

/* Conv2d prints tuples always, but edits one linked value by default too: a 5×5 kernel
 * from 3×3 is one change, not four clicks. */
static void
test_conv_linked (void)
{
  LlWindow *win = test_new_window ("seed");
  const nn_layer_config *cfg;

  ll_window_select (win, 0);
  g_assert_true (gtk_toggle_button_get_active (link_of (win, "kernel_size")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (spin_of (win, "kernel_size", 1))));
  gtk_spin_button_set_value (spin_of (win, "kernel_size", 0), 3);
  cfg = &ll_document_get_net (win->document)->layers[0].cfg;
  g_assert_cmpint (cfg->kernel_size[0], ==, 3);
  g_assert_cmpint (cfg->kernel_size[1], ==, 3);
  assert_repr (win, 0, "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))");

  gtk_toggle_button_set_active (link_of (win, "stride"), FALSE);
  gtk_spin_button_set_value (spin_of (win, "stride", 1), 2);
  assert_repr (win, 0, "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 2))");
  test_destroy_window (win);
}

int
main (int   argc,
      char *argv[])
{
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/inspector/seed-pool-forms", test_seed_pool);
  g_test_add_func ("/ui/inspector/new-pool-forms", test_new_pool);
  g_test_add_func ("/ui/inspector/conv-linked", test_conv_linked);
  return test_app_run ();
}
