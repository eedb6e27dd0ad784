/* ll-input-editor.c - the network's per-sample input shape: C×H×W or F
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "ll-input-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "ll-format.h"
#include "ll-input-editor.h"
#include "ll-number-field.h"

enum { KIND_IMAGE, KIND_FEATURES };

struct _LlInputEditor {
  GtkWidget parent_instance;

  LlDocument *document;
  gboolean syncing;

  GtkDropDown *kind_dropdown;
  GtkWidget *image_box;
  GtkSpinButton *c_spin;
  GtkSpinButton *h_spin;
  GtkSpinButton *w_spin;
  GtkSpinButton *f_spin;
  GtkLabel *message_label;
  GtkSpinButton *message_owner;   /* the field whose refusal the label shows */
};

G_DEFINE_FINAL_TYPE (LlInputEditor, ll_input_editor, GTK_TYPE_WIDGET)

GtkWidget *
ll_input_editor_new (void)
{
  return g_object_new (LL_TYPE_INPUT_EDITOR, NULL);
}

static int
spin_value (GtkSpinButton *spin)
{
  return gtk_spin_button_get_value_as_int (spin);
}

static void
show_kind (LlInputEditor *self,
           guint          kind)
{
  gtk_widget_set_visible (self->image_box, kind == KIND_IMAGE);
  gtk_widget_set_visible (GTK_WIDGET (self->f_spin), kind == KIND_FEATURES);
}

static void sync_editor (LlInputEditor *self);

static void
show_message (LlInputEditor *self,
              const char    *message)
{
  self->message_owner = NULL;
  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
field_report (gpointer       data,
              GtkSpinButton *spin,
              const char    *message)
{
  LlInputEditor *self = data;

  /* a field typed right again clears only its own message */
  if (message == NULL && self->message_owner != spin)
    return;
  show_message (self, message);
  self->message_owner = message != NULL ? spin : NULL;
}

static void
commit (LlInputEditor *self)
{
  g_autoptr(GError) error = NULL;
  const nn_net *net;
  nn_shape shape;
  guint kind;

  if (self->syncing || self->document == NULL)
    return;
  kind = gtk_drop_down_get_selected (self->kind_dropdown);
  show_kind (self, kind);
  if (kind == KIND_FEATURES)
    shape = nn_shape_f (spin_value (self->f_spin));
  else
    shape = nn_shape_chw (spin_value (self->c_spin), spin_value (self->h_spin),
                          spin_value (self->w_spin));
  net = ll_document_get_net (self->document);
  if (nn_shape_equal (&shape, &net->input))
    return;
  /* e.g. a shape too large for the memory budget: said next to the fields, which go
   * back to the document's shape */
  if (!ll_document_set_input_shape (self->document, &shape, &error))
    {
      show_message (self, error->message);
      sync_editor (self);
    }
  else
    show_message (self, NULL);
}

static void
sync_editor (LlInputEditor *self)
{
  const nn_shape *in;

  if (self->document == NULL)
    return;
  in = &ll_document_get_net (self->document)->input;
  self->syncing = TRUE;
  if (in->n_dims == 1)
    {
      gtk_drop_down_set_selected (self->kind_dropdown, KIND_FEATURES);
      gtk_spin_button_set_value (self->f_spin, (double) in->d[0]);
    }
  else
    {
      gtk_drop_down_set_selected (self->kind_dropdown, KIND_IMAGE);
      gtk_spin_button_set_value (self->c_spin, (double) in->d[0]);
      gtk_spin_button_set_value (self->h_spin, (double) (in->n_dims > 1 ? in->d[1] : 1));
      gtk_spin_button_set_value (self->w_spin, (double) (in->n_dims > 2 ? in->d[2] : 1));
    }
  show_kind (self, in->n_dims == 1 ? KIND_FEATURES : KIND_IMAGE);
  self->syncing = FALSE;
}

void
ll_input_editor_set_document (LlInputEditor *self,
                              LlDocument    *document)
{
  g_return_if_fail (LL_IS_INPUT_EDITOR (self));
  g_return_if_fail (document == NULL || LL_IS_DOCUMENT (document));

  if (!ll_widget_follow_document (self, &self->document, document, G_CALLBACK (sync_editor)))
    return;
  sync_editor (self);
}

static void
ll_input_editor_dispose (GObject *object)
{
  LlInputEditor *self = LL_INPUT_EDITOR (object);

  ll_widget_unfollow_document (self, &self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), LL_TYPE_INPUT_EDITOR);
  /* the template's unnamed root child */
  ll_widget_unparent_children (GTK_WIDGET (self));
  G_OBJECT_CLASS (ll_input_editor_parent_class)->dispose (object);
}

static void
ll_input_editor_class_init (LlInputEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ll_input_editor_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/layerlab/Layerlab/ll-input-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, image_box);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, c_spin);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, h_spin);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, w_spin);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, f_spin);
  gtk_widget_class_bind_template_child (widget_class, LlInputEditor, message_label);
  gtk_widget_class_bind_template_callback (widget_class, commit);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inputeditor");
}

static void
ll_input_editor_init (LlInputEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  ll_number_field_guard (self->c_spin, _("Channels"), TRUE, field_report, self);
  ll_number_field_guard (self->h_spin, _("Height"), TRUE, field_report, self);
  ll_number_field_guard (self->w_spin, _("Width"), TRUE, field_report, self);
  ll_number_field_guard (self->f_spin, _("Features"), TRUE, field_report, self);
}
