/* test-input-validation.c - every number field refuses bad input with a message (Xvfb)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text is typed into the inspector's spin buttons, the input shape editor and the
 * tensor editor (its spin buttons and its grid of entries) as a user would (set the
 * text, then Enter / focus-out, which is gtk_spin_button_update()). Non-numbers and
 * out-of-range values must show a message in words on screen, mark the field, and
 * leave the document exactly as it was: no clamped value sneaks in.
 */
#include "config.h"

#include <string.h>

#include "ll-inspector.h"
#include "ll-number-field.h"
#include "ll-tensor-editor.h"
#include "ll-window-private.h"
#include "test-common.h"

/* A visible label under widget (it and all its parents shown) with exactly text. */
static gboolean
shows_label (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_is_visible (widget)
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (shows_label (child, text))
      return TRUE;
  return FALSE;
}

static void
collect_spins (GtkWidget *widget,
               GPtrArray *spins)
{
  if (GTK_IS_SPIN_BUTTON (widget))
    g_ptr_array_add (spins, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_spins (child, spins);
}

typedef struct {
  LlWindow *win;
  LlDocument *doc;
  guint64 generation;
  char *repr;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer unused)
{
  fx->win = test_new_window ("seed");
  fx->doc = ll_window_get_document (fx->win);
  fx->generation = ll_document_get_generation (fx->doc);
  fx->repr = nn_net_repr (ll_document_get_net (fx->doc));
}

static void
assert_unchanged (Fixture *fx)
{
  g_autofree char *repr = nn_net_repr (ll_document_get_net (fx->doc));

  g_assert_cmpuint (ll_document_get_generation (fx->doc), ==, fx->generation);
  g_assert_false (ll_document_can_undo (fx->doc));
  g_assert_cmpstr (repr, ==, fx->repr);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer unused)
{
  while (ll_document_can_undo (fx->doc))
    ll_document_undo (fx->doc);
  test_destroy_window (fx->win);
  g_free (fx->repr);
}

/* The spin shows message in words (its tooltip and a visible label under root), is
 * marked as an error, and still shows the document's value. */
static void
assert_refused (GtkSpinButton *spin,
                GtkWidget     *root,
                const char    *message,
                double         value)
{
  g_assert_cmpstr (ll_number_field_get_message (spin), ==, message);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (spin)), ==, message);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (spin), "error"));
  g_assert_true (shows_label (root, message));
  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, value);
}

static void
assert_accepted (GtkSpinButton *spin)
{
  g_assert_null (ll_number_field_get_message (spin));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (spin), "error"));
}

/* ------------------------------------------------------------ tests */

static void
test_number_check (void)
{
  struct {
    const char *text;
    double min, max;
    gboolean integer;
    const char *message;        /* NULL: accepted */
    double value;
  } cases[] = {
    { "5", 1, 1024, TRUE, NULL, 5 },
    { " 7 ", 1, 1024, TRUE, NULL, 7 },
    { "1e2", 1, 1024, TRUE, NULL, 100 },
    { "0,25", 0, 1, FALSE, NULL, 0.25 },
    { "abc", 1, 1024, TRUE, "“abc” is not a number", 0 },
    { "5x", 1, 1024, TRUE, "“5x” is not a number", 0 },
    { "nan", 0, 1, FALSE, "“nan” is not a number", 0 },
    { "", 1, 1024, TRUE, "Size needs a value", 0 },
    { "-3", 1, 1024, TRUE, "Size must be between 1 and 1024", 0 },
    { "1e12", 1, 16777216, TRUE, "Size must be between 1 and 16777216", 0 },
    { "inf", 1, 1024, TRUE, "Size must be between 1 and 1024", 0 },
    { "2.5", 1, 1024, TRUE, "Size must be a whole number", 0 },
    { "1.5", 0, 1, FALSE, "Size must be between 0 and 1", 0 },
    { "1e-13", 1e-12, 1, FALSE, "Size must be between 1e-12 and 1", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double v = -1;
      g_autofree char *message = ll_number_check (cases[i].text, "Size", cases[i].min, cases[i].max,
                                                  cases[i].integer, &v);

      g_assert_cmpstr (message, ==, cases[i].message);
      if (message == NULL)
        g_assert_cmpfloat (v, ==, cases[i].value);
      else
        g_assert_cmpfloat (v, ==, -1);
    }
}

static void
test_inspector (Fixture *fx, gconstpointer unused)
{
  LlInspector *inspector = fx->win->inspector;
  GtkSpinButton *kernel, *out, *p, *eps;

  /* the inspector rebuilds its fields for the selection at once */
  ll_window_select (fx->win, 0);              /* Conv2d(1, 32, kernel_size=(5, 5)) */
  kernel = GTK_SPIN_BUTTON (ll_inspector_get_editor (inspector, "kernel_size", 0));
  out = GTK_SPIN_BUTTON (ll_inspector_get_editor (inspector, "out_channels", 0));

  test_type_into (kernel, "abc");
  assert_refused (kernel, GTK_WIDGET (inspector), "“abc” is not a number", 5);
  assert_unchanged (fx);
  test_type_into (kernel, "-3");
  assert_refused (kernel, GTK_WIDGET (inspector), "Kernel size must be between 1 and 1024", 5);
  test_type_into (kernel, "1e12");
  assert_refused (kernel, GTK_WIDGET (inspector), "Kernel size must be between 1 and 1024", 5);
  test_type_into (kernel, "2.5");
  assert_refused (kernel, GTK_WIDGET (inspector), "Kernel size must be a whole number", 5);
  test_type_into (out, "100000");
  assert_refused (out, GTK_WIDGET (inspector), "Output channels must be between 1 and 65536", 32);
  assert_unchanged (fx);

  /* A valid value goes through and clears the mark. */
  test_type_into (kernel, "3");
  assert_accepted (kernel);
  g_assert_false (shows_label (GTK_WIDGET (inspector), "Kernel size must be a whole number"));
  g_assert_cmpint (ll_document_get_net (fx->doc)->layers[0].cfg.kernel_size[0], ==, 3);
  ll_document_undo (fx->doc);

  /* Fractions: Dropout's p; BatchNorm's eps displayed rounded is kept as it is. The new
   * layer is selected and the inspector shows its fields within the action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->win), "win.add-layer", "s", "Dropout"));
  p = GTK_SPIN_BUTTON (ll_inspector_get_editor (inspector, "p", 0));
  test_type_into (p, "1.5");
  assert_refused (p, GTK_WIDGET (inspector), "Drop probability must be between 0 and 1", 0.5);
  test_type_into (p, "0,25");
  assert_accepted (p);
  g_assert_cmpfloat (ll_document_get_net (fx->doc)->layers[1].cfg.p, ==, 0.25);

  ll_window_select (fx->win, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->win), "win.add-layer", "s", "BatchNorm2d"));
  eps = GTK_SPIN_BUTTON (ll_inspector_get_editor (inspector, "eps", 0));
  gtk_spin_button_set_digits (eps, 3);       /* shows 0.000 for 1e-05 */
  gtk_spin_button_update (eps);
  assert_accepted (eps);
  g_assert_cmpfloat (ll_document_get_net (fx->doc)->layers[ll_window_get_selected (fx->win)].cfg.eps,
                     ==, 1e-5);
}

static void
test_input_editor (Fixture *fx, gconstpointer unused)
{
  g_autoptr(GPtrArray) spins = g_ptr_array_new ();
  GtkWidget *editor = GTK_WIDGET (fx->win->input_editor);
  GtkSpinButton *c, *h, *f;
  GtkWidget *child;
  GtkDropDown *kind;

  collect_spins (editor, spins);
  g_assert_cmpuint (spins->len, ==, 4);      /* C, H, W; F */
  c = spins->pdata[0];
  h = spins->pdata[1];
  f = spins->pdata[3];

  test_type_into (c, "abc");
  assert_refused (c, editor, "“abc” is not a number", 1);
  test_type_into (h, "0");
  assert_refused (h, editor, "Height must be between 1 and 16384", 24);
  test_type_into (h, "1e12");
  assert_refused (h, editor, "Height must be between 1 and 16384", 24);
  assert_unchanged (fx);

  test_type_into (h, "28");
  assert_accepted (h);
  g_assert_cmpint (ll_document_get_net (fx->doc)->input.d[1], ==, 28);
  g_assert_false (shows_label (editor, "Height must be between 1 and 16384"));
  ll_document_undo (fx->doc);

  /* Features: the F field of a feature input. */
  for (child = gtk_widget_get_first_child (gtk_widget_get_first_child (editor));
       child != NULL && !GTK_IS_DROP_DOWN (child); child = gtk_widget_get_next_sibling (child))
    ;
  g_assert_nonnull (child);
  kind = GTK_DROP_DOWN (child);
  gtk_drop_down_set_selected (kind, 1);        /* commits in its notify::selected */
  g_assert_cmpint (ll_document_get_net (fx->doc)->input.n_dims, ==, 1);
  fx->generation = ll_document_get_generation (fx->doc);
  test_type_into (f, "-3");
  assert_refused (f, editor, "Features must be between 1 and 16777216", gtk_spin_button_get_value (f));
  g_assert_cmpuint (ll_document_get_generation (fx->doc), ==, fx->generation);
}

static void
test_tensor_editor (Fixture *fx, gconstpointer unused)
{
  LlTensorEditor *editor = ll_tensor_editor_new (fx->doc, "0.bias", -1);
  g_autoptr(GPtrArray) spins = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GtkEditable *e2, *e5;
  GtkSpinButton *value;

  /* the entries exist from the start; checked and applied without a main loop */
  gtk_window_present (GTK_WINDOW (editor));
  e2 = ll_tensor_editor_get_entry (editor, 2);
  e5 = ll_tensor_editor_get_entry (editor, 5);
  gtk_editable_set_text (e2, "abc");
  gtk_editable_set_text (e5, "1e39");
  g_assert_false (ll_tensor_editor_apply (editor, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "Value 3: “abc” is not a number (and 1 more)");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (e2), "error"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (e2)), ==, "“abc” is not a number");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (GTK_WIDGET (e5)), ==, "“1e39” does not fit in a 32-bit float");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (ll_tensor_editor_get_entry (editor, 0)), "error"));
  assert_unchanged (fx);

  /* The operations' value and seed fields */
  collect_spins (GTK_WIDGET (editor), spins);
  g_assert_cmpuint (spins->len, ==, 2);
  value = spins->pdata[0];
  test_type_into (value, "abc");
  assert_refused (value, GTK_WIDGET (editor), "“abc” is not a number", gtk_spin_button_get_value (value));
  test_type_into (spins->pdata[1], "-1");
  assert_refused (spins->pdata[1], GTK_WIDGET (editor), "Seed must be between 0 and 1000000",
                  gtk_spin_button_get_value (spins->pdata[1]));
  assert_unchanged (fx);

  /* Fixed values apply, and clear the marks. */
  gtk_editable_set_text (e2, "0.5");
  gtk_editable_set_text (e5, "-2");
  g_clear_error (&error);
  g_assert_true (ll_tensor_editor_apply (editor, &error));
  g_assert_no_error (error);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (e2), "error"));
  g_assert_cmpfloat (nn_net_find_param (ll_document_get_net (fx->doc), "0.bias")->data[2], ==, 0.5f);
  gtk_window_destroy (GTK_WINDOW (editor));
  test_wait_idle ();
}

int
main (int   argc,
      char *argv[])
{
  test_app_private_autosave ();
  test_app_init (&argc, &argv);
  g_test_add_func ("/ui/input/number-check", test_number_check);
  g_test_add ("/ui/input/inspector", Fixture, NULL, fixture_set_up, test_inspector, fixture_tear_down);
  g_test_add ("/ui/input/input-editor", Fixture, NULL, fixture_set_up, test_input_editor, fixture_tear_down);
  g_test_add ("/ui/input/tensor-editor", Fixture, NULL, fixture_set_up, test_tensor_editor, fixture_tear_down);
  return test_app_run ();
}
