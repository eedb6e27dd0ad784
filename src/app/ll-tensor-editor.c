/* ll-tensor-editor.c - edit one parameter tensor: a slice cell by cell, or all of it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every change goes through ll_document_set_param(), so it is one undo step, marks the
 * document modified and makes the window run the network again. The editor re-reads
 * the tensor after every document change (undo included) and closes itself when the
 * parameter no longer exists.
 */
#define G_LOG_DOMAIN "ll-tensor-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ll-number-field.h"
#include "ll-runner.h"
#include "ll-tensor-editor.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (nn_tensor, nn_tensor_free)

/* More entries than this are no help to anyone: use the whole-tensor operations. */
#define MAX_ENTRIES 1024

/* ------------------------------------------------------------ operations */

gboolean
ll_tensor_op_from_name (const char *name,
                        LlTensorOp *op)
{
  static const char *const names[] = { "constant", "scale", "add", "zero", "reinit" };

  g_return_val_if_fail (name != NULL && op != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      {
        *op = (LlTensorOp) i;
        return TRUE;
      }
  return FALSE;
}

gint64
ll_tensor_slice_size (const nn_tensor *t)
{
  g_return_val_if_fail (t != NULL, 0);

  if (t->n_dims >= 3)
    return t->shape[t->n_dims - 2] * t->shape[t->n_dims - 1];
  if (t->n_dims == 2)
    return t->shape[1];
  return nn_tensor_numel (t);
}

/* The parameter's layer index and name, from its state_dict key "3.weight". */
static gboolean
split_key (const char  *key,
           int         *layer,
           const char **name)
{
  char *end;
  long index = strtol (key, &end, 10);

  if (end == key || *end != '.' || index < 0 || index > G_MAXINT)
    return FALSE;
  *layer = (int) index;
  *name = end + 1;
  return TRUE;
}

/* PyTorch's reset_parameters(): kaiming_uniform_(a = sqrt(5)) gives the bound
 * gain * sqrt(3 / fan_in) = sqrt(1/3) * sqrt(3 / fan_in) = 1 / sqrt(fan_in), and biases
 * use the same bound; fan_in is the weight's numel / out. BatchNorm is constant. */
static void
reinit_tensor (const nn_net *net,
               int           layer,
               const char   *name,
               nn_tensor    *t,
               guint64       seed)
{
  const nn_layer *l = &net->layers[layer];
  gboolean bn = l->cfg.type == NN_LAYER_BATCHNORM2D;
  const nn_tensor *w = l->weight;
  double fan_in;

  if (bn)
    {
      gboolean one = g_str_equal (name, "weight") || g_str_equal (name, "running_var");

      nn_tensor_fill (t, one ? 1.0f : 0.0f);
      return;
    }
  fan_in = w != NULL && w->shape[0] > 0 ? (double) nn_tensor_numel (w) / w->shape[0] : 0;
  if (fan_in <= 0)
    {
      nn_tensor_fill (t, 0.0f);
      return;
    }
  /* the stream depends on (seed, layer, tensor), like nn_net_reset_parameters() */
  nn_tensor_fill_uniform (t, seed * 1000003u + (guint64) layer * 2 + g_str_equal (name, "bias"),
                          (float) (-1 / sqrt (fan_in)), (float) (1 / sqrt (fan_in)));
}

static void
apply_elementwise (nn_tensor *t,
                   LlTensorOp op,
                   float      value)
{
  gint64 n = nn_tensor_numel (t);

  for (gint64 i = 0; i < n; i++)
    {
      if (op == LL_TENSOR_OP_CONSTANT)
        t->data[i] = value;
      else if (op == LL_TENSOR_OP_SCALE)
        t->data[i] *= value;
      else if (op == LL_TENSOR_OP_ADD)
        t->data[i] += value;
      else
        t->data[i] = 0.0f;
    }
}

gboolean
ll_tensor_apply_op (LlDocument  *document,
                    const char  *key,
                    LlTensorOp   op,
                    double       value,
                    GError     **error)
{
  const nn_net *net;
  const nn_tensor *current;
  g_autoptr(nn_tensor) copy = NULL;
  const char *name;
  nn_error err = { 0 };
  int layer;

  g_return_val_if_fail (LL_IS_DOCUMENT (document), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  net = ll_document_get_net (document);
  current = nn_net_find_param (net, key);
  if (current == NULL || !split_key (key, &layer, &name) || layer >= net->n_layers)
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND,
                   _("The network has no parameter “%s”"), key);
      return FALSE;
    }
  if (!isfinite (value))
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_INVALID_ARG, _("The value is not a number"));
      return FALSE;
    }
  /* the copy shares the document's storage until made writable (copy-on-write) */
  if (!(copy = nn_tensor_copy (current, &err)) || nn_tensor_make_writable (copy, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return FALSE;
    }
  if (op == LL_TENSOR_OP_REINIT)
    reinit_tensor (net, layer, name, copy, (guint64) MAX (value, 0));
  else
    apply_elementwise (copy, op, (float) value);
  return ll_document_set_param (document, key, copy, error);
}

/* ------------------------------------------------------------ the editor */

struct _LlTensorEditor {
  AdwWindow parent_instance;

  LlDocument *document;
  char *key;
  gint64 slice;
  GPtrArray *entries;

  AdwWindowTitle *window_title;
  GtkWidget *apply_button;
  GtkLabel *slice_label;
  GtkGrid *grid;
  GtkLabel *whole_label;
  GtkSpinButton *value_spin;
  GtkSpinButton *seed_spin;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (LlTensorEditor, ll_tensor_editor, ADW_TYPE_WINDOW)

static const nn_tensor *
current_tensor (LlTensorEditor *self)
{
  return nn_net_find_param (ll_document_get_net (self->document), self->key);
}

/* First element and count of the slice within the tensor; count 0 when the slice is
 * out of range or too large to edit one by one. */
static gint64
slice_range (LlTensorEditor  *self,
             const nn_tensor *t,
             gint64          *first)
{
  gint64 size = ll_tensor_slice_size (t);
  gint64 n = nn_tensor_numel (t);

  if (self->slice < 0)
    size = n, *first = 0;
  else
    *first = self->slice * size;
  if (size <= 0 || *first + size > n || size > MAX_ENTRIES)
    return 0;
  return size;
}

/* "kernel out 3, in 0 (5×5)" / "row 7 (576 values)" / "all 32 values" */
static char *
describe_slice (LlTensorEditor  *self,
                const nn_tensor *t)
{
  if (self->slice < 0)
    return g_strdup_printf (_("All %lld values"), (long long) nn_tensor_numel (t));
  if (t->n_dims == 4)
    return g_strdup_printf (_("Kernel: out %lld, in %lld (%lld×%lld)"),
                            (long long) (self->slice / t->shape[1]), (long long) (self->slice % t->shape[1]),
                            (long long) t->shape[2], (long long) t->shape[3]);
  return g_strdup_printf (_("Row %lld (%lld values)"),
                          (long long) self->slice, (long long) ll_tensor_slice_size (t));
}

static void
build_grid (LlTensorEditor  *self,
            const nn_tensor *t)
{
  gint64 first, count = slice_range (self, t, &first);
  int columns = t->n_dims == 4 && self->slice >= 0 ? (int) t->shape[3] : 6;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_grid_remove (self->grid, child);
  g_ptr_array_set_size (self->entries, 0);
  for (gint64 i = 0; i < count; i++)
    {
      GtkWidget *entry = gtk_entry_new ();

      gtk_editable_set_width_chars (GTK_EDITABLE (entry), 12);
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
      gtk_grid_attach (self->grid, entry, (int) (i % columns), (int) (i / columns), 1, 1);
      g_ptr_array_add (self->entries, entry);
    }
  gtk_widget_set_sensitive (self->apply_button, count > 0);
}

/* Marks entry as refused with message (NULL: accepted). */
static void
mark_entry (GtkWidget  *entry,
            const char *message)
{
  (message != NULL ? gtk_widget_add_css_class : gtk_widget_remove_css_class) (entry, "error");
  gtk_widget_set_tooltip_text (entry, message);
}

/* Shows the document's values; rebuilds the entries if the shape changed. */
static void
sync_values (LlTensorEditor *self)
{
  const nn_tensor *t = current_tensor (self);
  g_autofree char *slice_text = NULL;
  gint64 first, count;
  char buf[64], shape[64];

  if (t == NULL)
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  count = slice_range (self, t, &first);
  if (count != (gint64) self->entries->len)
    build_grid (self, t);
  for (gint64 i = 0; i < count; i++)
    {
      g_snprintf (buf, sizeof buf, "%.9g", t->data[first + i]);
      gtk_editable_set_text (self->entries->pdata[i], buf);
      mark_entry (self->entries->pdata[i], NULL);
    }
  slice_text = count > 0 ? describe_slice (self, t)
                         : g_strdup (_("Too many values to edit one by one: use the operations below or a .npy file"));
  gtk_label_set_label (self->slice_label, slice_text);
  nn_shape_format (t->n_dims, t->shape, shape, sizeof shape);
  /* Translators: "Whole tensor [32, 1, 5, 5]" */
  g_autofree char *whole = g_strdup_printf (_("Whole tensor %s"), shape);
  gtk_label_set_label (self->whole_label, whole);
}

/* Accepts "1.5", "1,5", "-3e-2"; anything else gives the message to show. */
static char *
parse_value (const char *text,
             float      *out)
{
  double v;
  char *message = ll_number_check (text, _("Value"), -INFINITY, INFINITY, FALSE, &v);

  if (message != NULL)
    return message;
  if (!isfinite (v) || fabs (v) > G_MAXFLOAT)
    {
      g_autofree char *s = g_strstrip (g_strdup (text));

      return g_strdup_printf (_("“%s” does not fit in a 32-bit float"), s);
    }
  *out = (float) v;
  return NULL;
}

gboolean
ll_tensor_editor_apply (LlTensorEditor  *self,
                        GError         **error)
{
  const nn_tensor *t;
  g_autoptr(nn_tensor) copy = NULL;
  gint64 first, count;
  g_autofree char *first_bad = NULL;
  gint64 n_bad = 0;
  nn_error err = { 0 };

  g_return_val_if_fail (LL_IS_TENSOR_EDITOR (self), FALSE);

  t = current_tensor (self);
  if (t == NULL || (count = slice_range (self, t, &first)) != (gint64) self->entries->len)
    {
      g_set_error (error, LL_ENGINE_ERROR, NN_STATUS_NOT_FOUND, _("The tensor changed shape"));
      return FALSE;
    }
  /* the copy shares the document's storage until made writable (copy-on-write) */
  if (!(copy = nn_tensor_copy (t, &err)) || nn_tensor_make_writable (copy, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return FALSE;
    }
  for (gint64 i = 0; i < count; i++)
    {
      g_autofree char *message = parse_value (gtk_editable_get_text (self->entries->pdata[i]),
                                              &copy->data[first + i]);

      mark_entry (self->entries->pdata[i], message);
      if (message != NULL && n_bad++ == 0)
        /* Translators: "Value 3: “abc” is not a number" */
        first_bad = g_strdup_printf (_("Value %lld: %s"), (long long) i + 1, message);
    }
  if (n_bad > 0)
    {
      /* nothing is applied: the document keeps every value */
      if (n_bad == 1)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, first_bad);
      else
        /* Translators: "Value 3: “abc” is not a number (and 2 more)" */
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s (and %lld more)"),
                     first_bad, (long long) n_bad - 1);
      return FALSE;
    }
  return ll_document_set_param (self->document, self->key, copy, error);
}

static void
show_result (LlTensorEditor *self,
             gboolean        ok,
             GError         *error)
{
  gtk_label_set_label (self->status_label, ok ? _("Applied; Ctrl+Z in the window undoes it")
                                              : error->message);
}

static void
apply_clicked_cb (LlTensorEditor *self)
{
  g_autoptr(GError) error = NULL;

  show_result (self, ll_tensor_editor_apply (self, &error), error);
}

static void
run_op (LlTensorEditor *self,
        LlTensorOp      op,
        double          value)
{
  g_autoptr(GError) error = NULL;

  show_result (self, ll_tensor_apply_op (self->document, self->key, op, value, &error), error);
}

static void
constant_clicked_cb (LlTensorEditor *self)
{
  run_op (self, LL_TENSOR_OP_CONSTANT, gtk_spin_button_get_value (self->value_spin));
}

static void
scale_clicked_cb (LlTensorEditor *self)
{
  run_op (self, LL_TENSOR_OP_SCALE, gtk_spin_button_get_value (self->value_spin));
}

static void
add_clicked_cb (LlTensorEditor *self)
{
  run_op (self, LL_TENSOR_OP_ADD, gtk_spin_button_get_value (self->value_spin));
}

static void
zero_clicked_cb (LlTensorEditor *self)
{
  run_op (self, LL_TENSOR_OP_ZERO, 0);
}

static void
reinit_clicked_cb (LlTensorEditor *self)
{
  run_op (self, LL_TENSOR_OP_REINIT, gtk_spin_button_get_value (self->seed_spin));
}

/* ------------------------------------------------------------ .npy files */

static gpointer
read_npy_job (gpointer      data,
              GCancellable *cancellable,
              GError      **error)
{
  nn_tensor *t = NULL;
  nn_error err = { 0 };

  if (nn_npy_read (data, &t, &err) != NN_OK)
    ll_set_error_from_nn (error, &err);
  return t;
}

static void
npy_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LlTensorEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(nn_tensor) t = ll_worker_run_finish (result, &error);
  const nn_tensor *current = current_tensor (self);
  char have[64], want[64];

  if (t != NULL && current != NULL && !nn_tensor_same_shape (t, current))
    {
      nn_shape_format (t->n_dims, t->shape, have, sizeof have);
      nn_shape_format (current->n_dims, current->shape, want, sizeof want);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The file holds %s, but %s is %s"), have, self->key, want);
    }
  else if (t != NULL && current != NULL)
    ll_document_set_param (self->document, self->key, t, &error);
  show_result (self, error == NULL, error);
}

static void
load_chosen_cb (GtkNativeDialog *dialog,
                int              response,
                LlTensorEditor  *self)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

  if (response == GTK_RESPONSE_ACCEPT && file != NULL && g_file_peek_path (file) != NULL)
    ll_worker_run_full_async (read_npy_job, g_file_get_path (file), g_free,
                              (GDestroyNotify) nn_tensor_free, NULL, npy_read_cb,
                              g_object_ref (self));
  g_object_unref (dialog);
}

static gpointer
write_npy_job (gpointer      data,
               GCancellable *cancellable,
               GError      **error)
{
  nn_tensor *t = data;
  const char *path = g_object_get_data (G_OBJECT (cancellable), "path");
  nn_error err = { 0 };

  if (nn_npy_write (path, t, &err) != NN_OK)
    {
      ll_set_error_from_nn (error, &err);
      return NULL;
    }
  return GINT_TO_POINTER (TRUE);
}

static void
npy_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(LlTensorEditor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ll_worker_run_finish (result, &error) != NULL)
    gtk_label_set_label (self->status_label, _("Saved"));
  else
    show_result (self, FALSE, error);
}

static void
export_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  LlTensorEditor  *self)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  const nn_tensor *t = current_tensor (self);
  g_autoptr(GCancellable) carrier = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL && g_file_peek_path (file) && t != NULL)
    {
      /* the path rides on the job's cancellable so the job data is just the tensor */
      carrier = g_cancellable_new ();
      g_object_set_data_full (G_OBJECT (carrier), "path", g_file_get_path (file), g_free);
      ll_worker_run_async (write_npy_job, nn_tensor_copy (t, NULL), (GDestroyNotify) nn_tensor_free,
                           carrier, npy_written_cb, g_object_ref (self));
    }
  g_object_unref (dialog);
}

static GtkFileChooserNative *
npy_chooser (LlTensorEditor      *self,
             GtkFileChooserAction action,
             const char          *title)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                               NULL, NULL);
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("NumPy Arrays"));
  gtk_file_filter_add_pattern (filter, "*.npy");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return chooser;
}

static void
load_clicked_cb (LlTensorEditor *self)
{
  GtkFileChooserNative *chooser = npy_chooser (self, GTK_FILE_CHOOSER_ACTION_OPEN, _("Load Values"));

  g_signal_connect (chooser, "response", G_CALLBACK (load_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_clicked_cb (LlTensorEditor *self)
{
  GtkFileChooserNative *chooser = npy_chooser (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Export Values"));
  g_autofree char *name = g_strdup_printf ("%s.npy", self->key);

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------ GObject */

LlTensorEditor *
ll_tensor_editor_new (LlDocument *document,
                      const char *key,
                      gint64      slice)
{
  LlTensorEditor *self;
  /* Translators: editor title, %s is a parameter name such as "0.weight" */
  g_autofree char *title = NULL;

  g_return_val_if_fail (LL_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (LL_TYPE_TENSOR_EDITOR, NULL);
  self->document = g_object_ref (document);
  self->key = g_strdup (key);
  self->slice = slice;
  title = g_strdup_printf (_("Edit %s"), key);
  adw_window_title_set_title (self->window_title, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  g_signal_connect_object (document, "changed", G_CALLBACK (sync_values), self, G_CONNECT_SWAPPED);
  sync_values (self);
  return self;
}

const char *
ll_tensor_editor_get_key (LlTensorEditor *self)
{
  g_return_val_if_fail (LL_IS_TENSOR_EDITOR (self), NULL);

  return self->key;
}

gint64
ll_tensor_editor_get_slice (LlTensorEditor *self)
{
  g_return_val_if_fail (LL_IS_TENSOR_EDITOR (self), -1);

  return self->slice;
}

GtkEditable *
ll_tensor_editor_get_entry (LlTensorEditor *self,
                            guint           i)
{
  g_return_val_if_fail (LL_IS_TENSOR_EDITOR (self), NULL);

  return i < self->entries->len ? self->entries->pdata[i] : NULL;
}

static void
ll_tensor_editor_dispose (GObject *object)
{
  LlTensorEditor *self = LL_TENSOR_EDITOR (object);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_TENSOR_EDITOR);
  G_OBJECT_CLASS (ll_tensor_editor_parent_class)->dispose (object);
}

static void
ll_tensor_editor_finalize (GObject *object)
{
  LlTensorEditor *self = LL_TENSOR_EDITOR (object);

  g_free (self->key);
  g_ptr_array_unref (self->entries);
  G_OBJECT_CLASS (ll_tensor_editor_parent_class)->finalize (object);
}

static void
ll_tensor_editor_class_init (LlTensorEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_tensor_editor_dispose;
  object_class->finalize = ll_tensor_editor_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-tensor-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, apply_button);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, slice_label);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, grid);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, whole_label);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, value_spin);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, LlTensorEditor, status_label);
  gtk_widget_class_bind_template_callback (widget_class, apply_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, constant_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, scale_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, zero_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reinit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, load_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
field_report (gpointer       data,
              GtkSpinButton *spin,
              const char    *message)
{
  LlTensorEditor *self = data;

  gtk_label_set_label (self->status_label, message != NULL ? message : "");
}

static void
ll_tensor_editor_init (LlTensorEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ll_number_field_guard (self->value_spin, _("Value"), FALSE, field_report, self);
  ll_number_field_guard (self->seed_spin, _("Seed"), TRUE, field_report, self);
  self->entries = g_ptr_array_new ();
}
