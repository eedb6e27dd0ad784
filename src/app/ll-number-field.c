/* ll-number-field.c - number fields that refuse bad input with a message
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkSpinButton clamps a typed value (GTK_UPDATE_ALWAYS) or quietly puts the old one
 * back (GTK_UPDATE_IF_VALID), and numeric mode drops letters as they are typed, so
 * "1e12" becomes "112". A guarded spin parses the text itself in its "input" handler
 * and says what was wrong instead.
 */
#define G_LOG_DOMAIN "ll-number-field"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "ll-number-field.h"

/* 16777216 rather than 1.67772e+07 */
static char *
format_bound (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", v));
}

char *
ll_number_check (const char *text,
                 const char *what,
                 double      min,
                 double      max,
                 gboolean    integer,
                 double     *value)
{
  /* a decimal comma as typed in many locales */
  g_autofree char *s = g_strstrip (g_strdelimit (g_strdup (text), ",", '.'));
  g_autofree char *lo = NULL, *hi = NULL;
  char *end;
  double v;

  g_return_val_if_fail (text != NULL && what != NULL && value != NULL, NULL);

  v = g_ascii_strtod (s, &end);
  if (*s == '\0')
    /* Translators: %s is a field name, e.g. "Kernel size" */
    return g_strdup_printf (_("%s needs a value"), what);
  if (*end != '\0' || isnan (v))
    return g_strdup_printf (_("“%s” is not a number"), s);
  if (integer && isfinite (v) && v != floor (v))
    /* Translators: %s is a field name, e.g. "Kernel size" */
    return g_strdup_printf (_("%s must be a whole number"), what);
  if (!(v >= min && v <= max))
    {
      lo = format_bound (min);
      hi = format_bound (max);
      /* Translators: "Kernel size must be between 1 and 1024" */
      return g_strdup_printf (_("%s must be between %s and %s"), what, lo, hi);
    }
  *value = v;
  return NULL;
}

typedef struct {
  char *what;
  gboolean integer;
  LlNumberReport report;
  gpointer data;
  char *message;
  char *tooltip;            /* the spin's own, put back when the input is valid again */
} Guard;

static void
guard_free (gpointer data)
{
  Guard *g = data;

  g_free (g->what);
  g_free (g->message);
  g_free (g->tooltip);
  g_free (g);
}

static void
set_message (Guard         *g,
             GtkSpinButton *spin,
             char          *message)       /* taken */
{
  GtkWidget *w = GTK_WIDGET (spin);

  if (g->message == NULL && message != NULL)
    {
      g_free (g->tooltip);
      g->tooltip = g_strdup (gtk_widget_get_tooltip_text (w));
    }
  if (message != NULL)
    {
      gtk_widget_add_css_class (w, "error");
      gtk_widget_set_tooltip_text (w, message);
    }
  else if (g->message != NULL)
    {
      gtk_widget_remove_css_class (w, "error");
      gtk_widget_set_tooltip_text (w, g->tooltip);
    }
  g_free (g->message);
  g->message = message;
  if (g->report != NULL)
    g->report (g->data, spin, message);
}

/* What the spin shows for its current value, as GtkSpinButton formats it. */
static char *
shown_text (GtkSpinButton *spin)
{
  return g_strdup_printf ("%0.*f", (int) gtk_spin_button_get_digits (spin),
                          gtk_spin_button_get_value (spin));
}

static int
input_cb (GtkSpinButton *spin,
          double        *new_value,
          Guard         *g)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  g_autofree char *shown = shown_text (spin);
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  double lo, hi;
  char *message;

  /* Untouched: keep the exact value (eps 1e-12 shows as 0.00000000). */
  if (g_str_equal (stripped, shown))
    {
      *new_value = gtk_spin_button_get_value (spin);
      if (g->message != NULL)
        set_message (g, spin, NULL);
      return TRUE;
    }
  gtk_spin_button_get_range (spin, &lo, &hi);
  message = ll_number_check (text, g->what, lo, hi, g->integer, new_value);
  if (message != NULL || g->message != NULL)
    set_message (g, spin, message);
  return message != NULL ? GTK_INPUT_ERROR : TRUE;
}

void
ll_number_field_guard (GtkSpinButton *spin,
                       const char    *what,
                       gboolean       integer,
                       LlNumberReport report,
                       gpointer       data)
{
  Guard *g = g_new0 (Guard, 1);

  g_return_if_fail (GTK_IS_SPIN_BUTTON (spin));
  g_return_if_fail (what != NULL);

  g->what = g_strdup (what);
  g->integer = integer;
  g->report = report;
  g->data = data;
  /* letters must reach the handler to be refused with a message, not dropped */
  gtk_spin_button_set_numeric (spin, FALSE);
  /* GTK_UPDATE_ALWAYS would ignore the refusal and clamp whatever the handler left */
  gtk_spin_button_set_update_policy (spin, GTK_UPDATE_IF_VALID);
  g_object_set_data_full (G_OBJECT (spin), "ll-number-guard", g, guard_free);
  g_signal_connect (spin, "input", G_CALLBACK (input_cb), g);
}

const char *
ll_number_field_get_message (GtkSpinButton *spin)
{
  Guard *g;

  g_return_val_if_fail (GTK_IS_SPIN_BUTTON (spin), NULL);

  g = g_object_get_data (G_OBJECT (spin), "ll-number-guard");
  return g != NULL ? g->message : NULL;
}
