/* ll-window-actions.c - every window operation as a GAction (win.*)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Buttons, menus, shortcuts and tests all go through these actions. Which ones are
 * enabled is decided in one place, _ll_window_update_actions(), after every change
 * of the document, the selection or the busy state (like GNOME Text Editor).
 */
#define G_LOG_DOMAIN "ll-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ll-tensor-editor.h"
#include "ll-window-private.h"

#define MAX_RECENT 10

/* A refused edit: a toast when it fits on one line, else the whole text in a dialog. */
static void
toast_error (LlWindow *self,
             GError   *error)
{
  if (strchr (error->message, '\n') == NULL && g_utf8_strlen (error->message, -1) <= 80)
    _ll_window_toast (self, error->message);
  else
    _ll_window_show_error (self, _("The network was not changed"), error->message);
}

/* ------------------------------------------------------------ files */

static void
open_chosen (LlWindow *self,
             GFile    *file)
{
  _ll_window_load (self, file);
}

static void
open_choose_then (LlWindow *self,
                  gpointer  data)
{
  _ll_window_choose_file (self, GTK_FILE_CHOOSER_ACTION_OPEN, LL_CHOOSE_MODEL, _("Open Model"),
                          _("_Open"), open_chosen);
}

static void
open_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  _ll_window_confirm_discard (LL_WINDOW (widget), open_choose_then, NULL, NULL);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  ll_window_open_file (LL_WINDOW (widget), file);
}

static void
save_as_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SAVE, LL_CHOOSE_MODEL,
                          _("Save Model As"), _("_Save"), _ll_window_save_as_chosen);
}

static void
save_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  GFile *file = _ll_window_get_model_file (self);

  if (file == NULL)
    save_as_action (widget, "win.save-as", NULL);
  else
    ll_window_save_to_file (self, file, FALSE);
}

static void
save_weights_chosen (LlWindow *self,
                     GFile    *file)
{
  ll_window_save_to_file (self, file, TRUE);
}

static void
save_weights_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SAVE, LL_CHOOSE_WEIGHTS,
                          _("Save Weights Only"), _("_Save"), save_weights_chosen);
}

static void
load_weights_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  _ll_window_choose_file (LL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, LL_CHOOSE_WEIGHTS,
                          _("Load Weights"), _("_Load"), ll_window_load_weights_from_file);
}

static void
cancel_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);

  if (self->io_cancellable != NULL)
    g_cancellable_cancel (self->io_cancellable);
}

/* ------------------------------------------------------------ edits */

static void
add_layer_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *type_name = g_variant_get_string (param, NULL);
  nn_layer_type type = nn_layer_type_from_name (type_name);
  const nn_net *net = ll_document_get_net (self->document);
  int selected = ll_window_get_selected (self);
  int index = selected >= 0 ? selected + 1 : net->n_layers;
  g_autoptr(GError) error = NULL;
  nn_layer_config cfg;

  if (type == NN_LAYER_N_TYPES)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown layer type “%s”"), type_name);

      _ll_window_toast (self, message);
      return;
    }
  nn_layer_config_init (&cfg, type);
  if (!ll_document_insert_layer (self->document, index, &cfg, &error))
    toast_error (self, error);
  else
    ll_window_select (self, index);
}

static void
remove_layer_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int selected = ll_window_get_selected (self);
  g_autoptr(GError) error = NULL;

  if (!ll_document_remove_layer (self->document, selected, &error))
    toast_error (self, error);
  else
    ll_window_select (self, MIN (selected, ll_document_get_net (self->document)->n_layers - 1));
}

static void
duplicate_layer_action (GtkWidget  *widget,
                        const char *name,
                        GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int selected = ll_window_get_selected (self);
  g_autoptr(GError) error = NULL;

  if (!ll_document_duplicate_layer (self->document, selected, &error))
    toast_error (self, error);
  else
    ll_window_select (self, selected + 1);
}

static void
move_layer (LlWindow *self,
            int       from,
            int       to)
{
  g_autoptr(GError) error = NULL;

  if (!ll_document_move_layer (self->document, from, to, &error))
    toast_error (self, error);
  else
    ll_window_select (self, to);
}

static void
move_up_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
  int selected = ll_window_get_selected (LL_WINDOW (widget));

  move_layer (LL_WINDOW (widget), selected, selected - 1);
}

static void
move_down_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  int selected = ll_window_get_selected (LL_WINDOW (widget));

  move_layer (LL_WINDOW (widget), selected, selected + 1);
}

/* Drag and drop between rows: (from, to) */
static void
move_layer_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  int from, to;

  g_variant_get (param, "(ii)", &from, &to);
  move_layer (LL_WINDOW (widget), from, to);
}

static void
apply_fix_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  int index = g_variant_get_int32 (param);
  g_autoptr(GError) error = NULL;

  if (!ll_document_apply_fix (self->document, index, &error))
    toast_error (self, error);
  else
    ll_window_select (self, index);
}

static void
undo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ll_document_undo (LL_WINDOW (widget)->document);
}

static void
redo_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  ll_document_redo (LL_WINDOW (widget)->document);
}

static void
copy_repr_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  g_autofree char *repr = ll_repr_view_dup_text (self->repr_view);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), repr);
  _ll_window_toast (self, _("Copied the PyTorch representation"));
}

/* ------------------------------------------------------------ inspection */

static void
show_page_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *page = g_variant_get_string (param, NULL);

  if (adw_view_stack_get_child_by_name (self->inspect_stack, page) != NULL)
    adw_view_stack_set_visible_child_name (self->inspect_stack, page);
}

/* ------------------------------------------------------------ training */

static void
train_start_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  LlTrainingSettings settings;
  g_autoptr(GError) error = NULL;

  if (ll_training_get_state (self->training) == LL_TRAINING_PAUSED)
    {
      ll_training_resume (self->training);
      return;
    }
  ll_training_page_get_settings (self->training_page, &settings);
  if (!ll_training_start (self->training, &settings, &error))
    _ll_window_show_error (self, _("Could not start training"), error->message);
  else
    adw_view_stack_set_visible_child_name (self->inspect_stack, "training");
  ll_training_settings_clear (&settings);
}

/* Pauses a running training, resumes a paused one. */
static void
train_pause_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);

  if (ll_training_get_state (self->training) == LL_TRAINING_PAUSED)
    ll_training_resume (self->training);
  else
    ll_training_pause (self->training);
}

static void
train_stop_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  ll_training_stop (LL_WINDOW (widget)->training);
}

static void
train_apply_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!ll_training_apply (self->training, &error))
    _ll_window_show_error (self, _("Could not apply the trained weights"), error->message);
}

static void
train_discard_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *param)
{
  ll_training_discard (LL_WINDOW (widget)->training);
}

/* "random", "zeros", "ones", "drawing", "image:PATH", "npy:PATH" */
static void
set_input_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *spec = g_variant_get_string (param, NULL);
  g_autofree char *path = NULL;
  LlInputKind kind;

  if (!ll_input_source_parse (spec, &kind, &path))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown input “%s”"), spec);

      _ll_window_toast (self, message);
      return;
    }
  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      _ll_window_load_input (self, kind, file);
    }
  else
    ll_input_source_set_kind (self->input_source, kind);
}

/* (key, operation, value): a whole-tensor edit, e.g. ("0.bias", "constant", 5) */
static void
edit_tensor_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  const char *key, *op_name;
  double value;
  LlTensorOp op;

  g_variant_get (param, "(&s&sd)", &key, &op_name, &value);
  if (!ll_tensor_op_from_name (op_name, &op))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown operation “%s”"), op_name);

      _ll_window_toast (self, message);
      return;
    }
  if (!ll_tensor_apply_op (self->document, key, op, value, &error))
    toast_error (self, error);
}

/* (key, slice): the editor for one kernel / row, or the whole tensor for -1 */
static void
open_tensor_editor_action (GtkWidget  *widget,
                           const char *name,
                           GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *key;
  gint64 slice;
  LlTensorEditor *editor;

  g_variant_get (param, "(&sx)", &key, &slice);
  if (nn_net_find_param (ll_document_get_net (self->document), key) == NULL)
    return;
  editor = ll_tensor_editor_new (self->document, key, slice);
  gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (editor));
}

/* "weights" or "activation:N" (N = 0 for the input, i + 1 for layer i) */
static LlRenderArea *
find_area (LlWindow   *self,
           const char *which)
{
  guint64 n;

  if (g_str_equal (which, "weights"))
    return ll_weights_page_get_area (self->weights_page);
  if (g_str_has_prefix (which, "activation:")
      && g_ascii_string_to_unsigned (which + strlen ("activation:"), 10, 0, G_MAXUINT, &n, NULL))
    return ll_activations_page_get_area (self->activations_page, (guint) n);
  return NULL;
}

static LlRenderArea *
find_area_with_data (LlWindow   *self,
                     const char *which)
{
  LlRenderArea *area = find_area (self, which);

  if (area == NULL || ll_render_area_get_data (area) == NULL)
    {
      _ll_window_toast (self, _("Nothing to export yet"));
      return NULL;
    }
  return area;
}

static void
export_done (LlWindow *self,
             GFile    *file,
             gboolean  ok,
             GError   *error)
{
  if (ok)
    {
      g_autofree char *base = g_file_get_basename (file);
      g_autofree char *message = g_strdup_printf (_("Saved “%s”"), base);

      _ll_window_toast (self, message);
    }
  else
    {
      g_autofree char *base = g_file_get_basename (file);
      g_autofree char *heading = g_strdup_printf (_("Could not save “%s”"), base);

      _ll_window_show_error (self, heading, _ll_window_strip_file (error->message, file));
    }
}

typedef struct {
  GWeakRef self;
  GFile *file;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_weak_ref_clear (&data->self);
  g_object_unref (data->file);
  g_free (data);
}

static ExportData *
export_data_new (LlWindow *self,
                 GFile    *file)
{
  ExportData *data = g_new0 (ExportData, 1);

  g_weak_ref_init (&data->self, self);
  data->file = g_object_ref (file);
  return data;
}

static void
view_exported_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ExportData *data = user_data;
  LlWindow *self = _ll_window_from_ref (&data->self);
  g_autoptr(GError) error = NULL;
  gboolean ok = ll_render_area_export_finish (NULL, result, &error);

  if (self != NULL)
    export_done (self, data->file, ok, error);
  export_data_free (data);
}

static void
npy_exported_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ExportData *data = user_data;
  LlWindow *self = _ll_window_from_ref (&data->self);
  g_autoptr(GError) error = NULL;
  gboolean ok = ll_view_data_save_npy_finish (result, &error);

  if (self != NULL)
    export_done (self, data->file, ok, error);
  export_data_free (data);
}

static void
export_view (LlWindow     *self,
             LlRenderArea *area,
             GFile        *file,
             double        scale)
{
  ll_render_area_export_async (area, file, scale, NULL, view_exported_cb,
                               export_data_new (self, file));
}

static void
export_npy (LlWindow   *self,
            LlViewData *data,
            GFile      *file)
{
  ll_view_data_save_npy_async (data, file, NULL, npy_exported_cb, export_data_new (self, file));
}

static char *
export_name (LlWindow   *self,
             const char *which,
             const char *ext)
{
  const char *key = ll_weights_page_get_key (self->weights_page);

  if (g_str_equal (which, "weights") && key != NULL)
    return g_strconcat (key, ext, NULL);
  return g_strdelimit (g_strconcat (which, ext, NULL), ":", '-');
}

static void
export_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  GWeakRef *ref = user_data;
  LlWindow *self = _ll_window_from_ref (ref);
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  const char *which = g_object_get_data (G_OBJECT (dialog), "which");
  gboolean npy = g_object_get_data (G_OBJECT (dialog), "npy") != NULL;
  const char *scale = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "scale");
  LlRenderArea *area;

  if (self != NULL && response == GTK_RESPONSE_ACCEPT && file != NULL
      && (area = find_area_with_data (self, which)) != NULL)
    {
      if (npy)
        export_npy (self, ll_render_area_get_data (area), file);
      else
        export_view (self, area, file, scale ? g_ascii_strtod (scale, NULL) : 1.0);
    }
  g_weak_ref_clear (ref);
  g_free (ref);
  g_object_unref (dialog);
}

static void
choose_export (LlWindow   *self,
               const char *which,
               gboolean    npy)
{
  static const char *scale_ids[] = { "1", "2", "4", NULL };
  static const char *scale_labels[] = { "1×", "2×", "4×", NULL };
  GtkFileChooserNative *chooser;
  g_autofree char *name = export_name (self, which, npy ? ".npy" : ".png");
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  chooser = gtk_file_chooser_native_new (npy ? _("Export as NumPy Array") : _("Export Picture"),
                                         GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE, NULL, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  if (!npy)
    gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "scale",
                                 /* Translators: pixels (PNG) or points (SVG) per unit */
                                 _("Scale"), scale_ids, scale_labels);
  if (!npy)
    gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "scale", "2");
  g_object_set_data_full (G_OBJECT (chooser), "which", g_strdup (which), g_free);
  g_object_set_data (G_OBJECT (chooser), "npy", GINT_TO_POINTER (npy));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_weak_ref_init (ref, self);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chosen_cb), ref);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* (which, path, scale): "" asks for a file (and the scale) */
static void
export_view_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *which, *path;
  double scale;
  LlRenderArea *area;

  g_variant_get (param, "(&s&sd)", &which, &path, &scale);
  if ((area = find_area_with_data (self, which)) == NULL)
    return;
  if (*path == '\0')
    choose_export (self, which, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      export_view (self, area, file, scale);
    }
}

/* (which, path): the tensor or activation behind a view as .npy; "" asks for a file */
static void
export_npy_action (GtkWidget  *widget,
                   const char *name,
                   GVariant   *param)
{
  LlWindow *self = LL_WINDOW (widget);
  const char *which, *path;
  LlRenderArea *area;

  g_variant_get (param, "(&s&s)", &which, &path);
  if ((area = find_area_with_data (self, which)) == NULL)
    return;
  if (*path == '\0')
    choose_export (self, which, TRUE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      export_npy (self, ll_render_area_get_data (area), file);
    }
}

/* ------------------------------------------------------------ state */

static void
set_tooltip_take (GtkWidget *widget,
                  char      *text)
{
  gtk_widget_set_tooltip_text (widget, text);
  g_free (text);
}

/* "Undo Add Conv2d (Ctrl+Z)": says what the button would undo */
static void
update_undo_tooltips (LlWindow *self)
{
  const char *undo = ll_document_can_undo (self->document) ? ll_document_get_undo_label (self->document) : NULL;
  const char *redo = ll_document_can_redo (self->document) ? ll_document_get_redo_label (self->document) : NULL;

  if (undo != NULL)
    /* Translators: %s is an edit, e.g. "Add Conv2d" */
    set_tooltip_take (self->undo_button, g_strdup_printf (_("Undo “%s” (Ctrl+Z)"), undo));
  else
    gtk_widget_set_tooltip_text (self->undo_button, _("Undo (Ctrl+Z)"));
  if (redo != NULL)
    /* Translators: %s is an edit, e.g. "Add Conv2d" */
    set_tooltip_take (self->redo_button, g_strdup_printf (_("Redo “%s” (Ctrl+Shift+Z)"), redo));
  else
    gtk_widget_set_tooltip_text (self->redo_button, _("Redo (Ctrl+Shift+Z)"));
}

void
_ll_window_update_actions (LlWindow *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  const nn_net *net;
  int selected, n;
  gboolean busy = self->busy > 0;

  if (self->document == NULL)
    return;
  net = ll_document_get_net (self->document);
  n = net->n_layers;
  selected = ll_window_get_selected (self);

  gtk_widget_action_set_enabled (w, "win.open", !busy);
  gtk_widget_action_set_enabled (w, "win.open-recent", !busy);
  gtk_widget_action_set_enabled (w, "win.save", !busy);
  gtk_widget_action_set_enabled (w, "win.save-as", !busy);
  gtk_widget_action_set_enabled (w, "win.save-weights", !busy && net->first_error < 0);
  gtk_widget_action_set_enabled (w, "win.load-weights", !busy && net->first_error < 0);
  gtk_widget_action_set_enabled (w, "win.cancel", busy);
  gtk_widget_action_set_enabled (w, "win.undo", ll_document_can_undo (self->document));
  gtk_widget_action_set_enabled (w, "win.redo", ll_document_can_redo (self->document));
  gtk_widget_action_set_enabled (w, "win.remove-layer", selected >= 0);
  gtk_widget_action_set_enabled (w, "win.duplicate-layer", selected >= 0);
  gtk_widget_action_set_enabled (w, "win.move-up", selected > 0);
  gtk_widget_action_set_enabled (w, "win.move-down", selected >= 0 && selected < n - 1);
  gtk_widget_action_set_enabled (w, "win.apply-fix", net->first_error >= 0);
  if (self->training != NULL)
    {
      LlTrainingState state = ll_training_get_state (self->training);
      gboolean active = ll_training_is_active (self->training);

      gtk_widget_action_set_enabled (w, "win.train-start", !active || state == LL_TRAINING_PAUSED);
      gtk_widget_action_set_enabled (w, "win.train-pause", state == LL_TRAINING_RUNNING
                                                           || state == LL_TRAINING_PAUSED);
      gtk_widget_action_set_enabled (w, "win.train-stop", active && state != LL_TRAINING_STOPPING);
      gtk_widget_action_set_enabled (w, "win.train-apply", state == LL_TRAINING_STOPPED);
      gtk_widget_action_set_enabled (w, "win.train-discard", state == LL_TRAINING_STOPPED);
    }

  gtk_widget_set_visible (self->empty_label, n == 0);
  update_undo_tooltips (self);
}

/* ------------------------------------------------------------ recent files */

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GtkRecentInfo *ia = *(GtkRecentInfo **) a;
  GtkRecentInfo *ib = *(GtkRecentInfo **) b;

  return g_date_time_compare (gtk_recent_info_get_modified (ib), gtk_recent_info_get_modified (ia));
}

static void
fill_recent (GMenu     *menu,
             GPtrArray *infos)
{
  g_menu_remove_all (menu);
  for (guint i = 0; i < infos->len && i < MAX_RECENT; i++)
    {
      GtkRecentInfo *info = infos->pdata[i];
      g_autoptr(GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s", gtk_recent_info_get_uri (info));
      g_menu_append_item (menu, item);
    }
  /* An item without an installed action shows greyed out: an honest empty state. */
  if (infos->len == 0)
    g_menu_append (menu, _("No Recent Files"), "win.no-recent-files");
}

void
_ll_window_rebuild_recent (LlWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();

  for (GList *l = items; l != NULL; l = l->next)
    if (gtk_recent_info_has_group (l->data, LL_RECENT_MODELS_GROUP) && gtk_recent_info_exists (l->data))
      g_ptr_array_add (ours, l->data);
  g_ptr_array_sort (ours, compare_recent);

  fill_recent (self->recent_section, ours);
  fill_recent (self->recent_submenu, ours);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* ------------------------------------------------------------ class */

void
_ll_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.save-weights", NULL, save_weights_action);
  gtk_widget_class_install_action (widget_class, "win.load-weights", NULL, load_weights_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.add-layer", "s", add_layer_action);
  gtk_widget_class_install_action (widget_class, "win.remove-layer", NULL, remove_layer_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate-layer", NULL, duplicate_layer_action);
  gtk_widget_class_install_action (widget_class, "win.move-up", NULL, move_up_action);
  gtk_widget_class_install_action (widget_class, "win.move-down", NULL, move_down_action);
  gtk_widget_class_install_action (widget_class, "win.move-layer", "(ii)", move_layer_action);
  gtk_widget_class_install_action (widget_class, "win.apply-fix", "i", apply_fix_action);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "win.copy-repr", NULL, copy_repr_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.train-start", NULL, train_start_action);
  gtk_widget_class_install_action (widget_class, "win.train-pause", NULL, train_pause_action);
  gtk_widget_class_install_action (widget_class, "win.train-stop", NULL, train_stop_action);
  gtk_widget_class_install_action (widget_class, "win.train-apply", NULL, train_apply_action);
  gtk_widget_class_install_action (widget_class, "win.train-discard", NULL, train_discard_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK,
                                       "win.train-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.train-pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_t, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.train-stop", NULL);
  gtk_widget_class_install_action (widget_class, "win.set-input", "s", set_input_action);
  gtk_widget_class_install_action (widget_class, "win.edit-tensor", "(ssd)", edit_tensor_action);
  gtk_widget_class_install_action (widget_class, "win.open-tensor-editor", "(sx)",
                                   open_tensor_editor_action);
  gtk_widget_class_install_action (widget_class, "win.export-view", "(ssd)", export_view_action);
  gtk_widget_class_install_action (widget_class, "win.export-npy", "(ss)", export_npy_action);
}
