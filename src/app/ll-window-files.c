/* ll-window-files.c - LlWindow's files: open, save, load weights, choosers, unsaved changes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loads and saves run on the LlRunner worker through LlDocument; the window only swaps
 * in a loaded document on success, so a bad file never costs the open one. Every pending
 * step (a worker result, a dialog's answer) holds the window weakly.
 */
#define G_LOG_DOMAIN "ll-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ll-window-private.h"

/* ------------------------------------------------------------ files */

static char *
file_display_name (GFile *file)
{
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                            G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL)
    return g_strdup (g_file_info_get_display_name (info));
  return g_file_get_basename (file);
}


static void
remember_file (LlWindow *self,
               GFile    *file)
{
  GSettings *settings = _ll_window_get_settings (self);
  g_autofree char *uri = g_file_get_uri (file);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  const char *groups[] = { LL_RECENT_MODELS_GROUP, NULL };
  GtkRecentData data = {
    .display_name = NULL,
    .mime_type = (char *) "application/x-hdf",
    .app_name = (char *) "Layerlab",
    .app_exec = (char *) "layerlab %u",
    .groups = (char **) groups,
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
  if (settings != NULL && parent != NULL)
    {
      g_autofree char *folder = g_file_get_uri (parent);

      g_settings_set_string (settings, "last-folder", folder);
    }
}

typedef enum {
  FILE_OP_OPEN,
  FILE_OP_SAVE,
  FILE_OP_LOAD_WEIGHTS,
} FileOpKind;

typedef struct {
  GWeakRef ref;
  LlWindow *self;           /* set from ref when the job finishes */
  FileOpKind kind;
  GFile *file;
  gboolean weights_only;
  LlWindowPending *then;
} FileOp;

static FileOp *
file_op_new (LlWindow   *self,
             FileOpKind  kind,
             GFile      *file)
{
  FileOp *op = g_new0 (FileOp, 1);

  g_weak_ref_init (&op->ref, self);
  op->kind = kind;
  op->file = g_object_ref (file);
  return op;
}

static void
file_op_free (FileOp *op)
{
  g_clear_pointer (&op->then, _ll_window_pending_free);
  g_object_unref (op->file);
  g_weak_ref_clear (&op->ref);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileOp, file_op_free)

/* The heading of a failed job's dialog: "Could not open “net.pt”" */
static char *
file_op_heading (FileOpKind  kind,
                 const char *name)
{
  switch (kind)
    {
    case FILE_OP_OPEN:
      /* Translators: %s is a file name */
      return g_strdup_printf (_("Could not open “%s”"), name);
    case FILE_OP_SAVE:
      return g_strdup_printf (_("Could not save “%s”"), name);
    default:
      return g_strdup_printf (_("Could not load weights from “%s”"), name);
    }
}

/* The end every file job shares: the window is no longer busy, and a failed job's
 * dialog names the file and gives the whole problem (a cancelled job just says so).
 * Returns the window when it is still there and the job succeeded, else NULL. */
static LlWindow *
file_op_finish (FileOp   *op,
                gboolean  ok,
                GError   *error)
{
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *message = NULL;

  if ((op->self = _ll_window_from_ref (&op->ref)) == NULL)
    return NULL;
  _ll_window_end_busy (op->self);
  if (ok)
    return op->self;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _ll_window_toast (op->self, _("Cancelled"));
      return NULL;
    }
  name = file_display_name (op->file);
  heading = file_op_heading (op->kind, name);
  message = g_strdup (_ll_window_strip_file (error->message, op->file));
  /* the engine says what the file is; how to load it is the window's to say */
  if (g_error_matches (error, LL_ENGINE_ERROR, NN_STATUS_WEIGHTS_ONLY))
    {
      char *advice = g_strconcat (message, "\n\n",
                                  _("Open that model, then choose Load Weights… in the "
                                    "main menu."), NULL);

      g_free (message);
      message = advice;
    }
  _ll_window_show_error (op->self, heading, message);
  return NULL;
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FileOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LlDocument) document = ll_document_load_finish (result, &error);

  if (file_op_finish (op, document != NULL, error) == NULL)
    return;
  ll_window_set_document (op->self, document);
  remember_file (op->self, op->file);
}

void
_ll_window_load (LlWindow *self,
                 GFile    *file)
{
  GCancellable *cancellable = _ll_window_begin_busy (self);

  ll_document_load_async (file, cancellable, open_done_cb, file_op_new (self, FILE_OP_OPEN, file));
}

static void
open_then (LlWindow *self,
           gpointer  data)
{
  _ll_window_load (self, G_FILE (data));
}

void
ll_window_open_file (LlWindow *self,
                     GFile    *file)
{
  g_return_if_fail (LL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  _ll_window_confirm_discard (self, open_then, g_object_ref (file), g_object_unref);
}

static void
save_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FileOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  gboolean saved = ll_document_save_finish (LL_DOCUMENT (source), result, &error);

  if (file_op_finish (op, saved, error) == NULL)
    return;
  name = file_display_name (op->file);
  if (op->weights_only)
    message = g_strdup_printf (_("Saved the weights to “%s”"), name);
  else
    message = g_strdup_printf (_("Saved “%s”"), name);
  _ll_window_toast (op->self, message);
  remember_file (op->self, op->file);
  if (LL_DOCUMENT (source) == op->self->document)
    _ll_window_pending_run (op->then, op->self);
}

void
_ll_window_save_then (LlWindow       *self,
                      GFile          *file,
                      gboolean        weights_only,
                      LlWindowThen    then,
                      gpointer        data,
                      GDestroyNotify  destroy)
{
  GCancellable *cancellable = _ll_window_begin_busy (self);
  FileOp *op = file_op_new (self, FILE_OP_SAVE, file);

  op->weights_only = weights_only;
  op->then = _ll_window_pending_new (then, data, destroy);
  ll_document_save_async (self->document, file, weights_only, cancellable, save_done_cb, op);
}

void
ll_window_save_to_file (LlWindow *self,
                        GFile    *file,
                        gboolean  weights_only)
{
  g_return_if_fail (LL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  _ll_window_save_then (self, file, weights_only, NULL, NULL, NULL);
}

static void
load_weights_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(FileOp) op = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  gboolean loaded = ll_document_load_weights_finish (LL_DOCUMENT (source), result, &error);

  if (file_op_finish (op, loaded, error) == NULL)
    return;
  name = file_display_name (op->file);
  message = g_strdup_printf (_("Loaded the weights from “%s”"), name);
  _ll_window_toast (op->self, message);
}

void
ll_window_load_weights_from_file (LlWindow *self,
                                  GFile    *file)
{
  GCancellable *cancellable;

  g_return_if_fail (LL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  cancellable = _ll_window_begin_busy (self);
  ll_document_load_weights_async (self->document, file, cancellable, load_weights_done_cb,
                                  file_op_new (self, FILE_OP_LOAD_WEIGHTS, file));
}

static void
new_then (LlWindow *self,
          gpointer  data)
{
  g_autoptr(LlDocument) document = ll_document_new_from_template (data);

  if (document == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Unknown template “%s”"), (char *) data);

      _ll_window_toast (self, message);
      return;
    }
  ll_window_set_document (self, document);
}

void
ll_window_new_document (LlWindow   *self,
                        const char *template_name)
{
  g_return_if_fail (LL_IS_WINDOW (self));
  g_return_if_fail (template_name != NULL);

  _ll_window_confirm_discard (self, new_then, g_strdup (template_name), g_free);
}

const char *
ll_window_get_last_error (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), NULL);

  return self->last_error;
}

const char *
ll_window_get_last_toast (LlWindow *self)
{
  g_return_val_if_fail (LL_IS_WINDOW (self), NULL);

  return self->last_toast;
}

/* ------------------------------------------------------------ unsaved changes */

typedef struct {
  GWeakRef ref;
  LlWindowPending *then;
  char *response;
} Confirm;

static void
confirm_free (Confirm *c)
{
  g_clear_pointer (&c->then, _ll_window_pending_free);
  g_free (c->response);
  g_weak_ref_clear (&c->ref);
  g_free (c);
}

static void
then_chain_run (LlWindow *self,
                gpointer  data)
{
  _ll_window_pending_run (data, self);
}

/* Runs once the dialog is gone: closing the window from inside the dialog's own
 * "response" emission would leave the dialog transient for a finalized window. */
static gboolean
confirm_idle_cb (gpointer data)
{
  Confirm *c = data;
  LlWindow *self = _ll_window_from_ref (&c->ref);
  GFile *file = self ? _ll_window_get_model_file (self) : NULL;

  if (self == NULL)
    ;
  else if (g_str_equal (c->response, "discard"))
    _ll_window_pending_run (c->then, self);
  else if (g_str_equal (c->response, "save") && file != NULL)
    _ll_window_save_then (self, file, FALSE, then_chain_run, g_steal_pointer (&c->then),
                          (GDestroyNotify) _ll_window_pending_free);
  else if (g_str_equal (c->response, "save"))
    {
      /* Untitled: Save As first; the pending step waits on the window. */
      g_object_set_data_full (G_OBJECT (self), "ll-after-save-as", g_steal_pointer (&c->then),
                              (GDestroyNotify) _ll_window_pending_free);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.save-as", NULL);
    }
  confirm_free (c);
  return G_SOURCE_REMOVE;
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     Confirm          *c)
{
  /* one answer per question, even if "response" is emitted again */
  g_signal_handlers_disconnect_by_func (dialog, confirm_response_cb, c);
  c->response = g_strdup (response);
  g_idle_add (confirm_idle_cb, c);
}

void
_ll_window_confirm_discard (LlWindow       *self,
                            LlWindowThen    then,
                            gpointer        data,
                            GDestroyNotify  destroy)
{
  AdwMessageDialog *dialog;
  Confirm *c;

  if (!ll_document_get_modified (self->document))
    {
      then (self, data);
      if (destroy != NULL)
        destroy (data);
      return;
    }

  c = g_new0 (Confirm, 1);
  g_weak_ref_init (&c->ref, self);
  c->then = _ll_window_pending_new (then, data, destroy);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("“%s” has unsaved changes. Changes which are not saved will be lost."),
                                  ll_document_get_title (self->document));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), c);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Save As finished choosing: save, then continue what the unsaved-changes dialog held. */
void
_ll_window_save_as_chosen (LlWindow *self,
                           GFile    *file)
{
  LlWindowPending *pending = g_object_steal_data (G_OBJECT (self), "ll-after-save-as");

  if (pending != NULL)
    _ll_window_save_then (self, file, FALSE, then_chain_run, pending, (GDestroyNotify) _ll_window_pending_free);
  else
    ll_window_save_to_file (self, file, FALSE);
}

/* ------------------------------------------------------------ file chooser */

typedef struct {
  GWeakRef ref;
  LlWindowChosen chosen;
  GtkFileChooserAction action;
} Choose;

/* "net" becomes "net.h5"; a name with any extension is the user's choice. */
static GFile *
with_default_extension (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autoptr(GFile) parent = NULL;
  g_autofree char *name = NULL;

  if (base == NULL || strchr (base, '.') != NULL)
    return g_object_ref (file);
  parent = g_file_get_parent (file);
  name = g_strconcat (base, ".h5", NULL);
  return parent ? g_file_get_child (parent, name) : g_object_ref (file);
}

static void
chooser_response_cb (GtkNativeDialog *native,
                     int              response,
                     Choose          *choose)
{
  g_autoptr(GFile) file = NULL;
  LlWindow *self = _ll_window_from_ref (&choose->ref);

  if (response == GTK_RESPONSE_ACCEPT && self != NULL)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  if (file != NULL && choose->action == GTK_FILE_CHOOSER_ACTION_SAVE)
    {
      GFile *fixed = with_default_extension (file);

      g_set_object (&file, fixed);
      g_object_unref (fixed);
    }
  if (file != NULL)
    choose->chosen (self, file);
  else if (self != NULL)
    g_object_set_data (G_OBJECT (self), "ll-after-save-as", NULL);
  g_weak_ref_clear (&choose->ref);
  g_free (choose);
  g_object_unref (native);
}

static void
add_filters (GtkFileChooser *chooser,
             LlChooseWhat    what)
{
  g_autoptr(GtkFileFilter) files = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  /* .pt: a whole model (torch.save(network)) opens as a document and Save As writes
   * one; a state_dict (torch.save(network.state_dict())) holds weights only. .onnx: a
   * model, never weights alone */
  gtk_file_filter_set_name (files, what == LL_CHOOSE_MODEL
                                     ? _("Models (HDF5 .h5, PyTorch model .pt, ONNX .onnx)")
                                     : _("Weights (PyTorch state_dict .pt, HDF5 .h5)"));
  gtk_file_filter_add_pattern (files, "*.h5");
  gtk_file_filter_add_pattern (files, "*.hdf5");
  gtk_file_filter_add_pattern (files, "*.pt");
  gtk_file_filter_add_pattern (files, "*.pth");
  if (what == LL_CHOOSE_MODEL)
    gtk_file_filter_add_pattern (files, "*.onnx");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (chooser, files);
  gtk_file_chooser_add_filter (chooser, all);
  gtk_file_chooser_set_filter (chooser, files);
}

/* The file Save writes the model to: the document's, unless it is a PyTorch file. A .pt
 * model keeps neither the input shape (it is guessed again on reading) nor the training
 * record, so Save asks for a name, offering .h5; Save As to a .pt name still writes a
 * whole PyTorch model, and Save Weights Only a state_dict. */
GFile *
_ll_window_get_model_file (LlWindow *self)
{
  GFile *file = ll_document_get_file (self->document);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path != NULL && nn_path_is_pytorch (path))
    return NULL;
  return file;
}

/* The name a Save chooser offers. A model: the document's, with "net.pt" offered as
 * "net.h5" (see _ll_window_get_model_file()). Weights: "net-weights.pt", a state_dict
 * beside the model, never the model file itself. */
static char *
suggested_name (LlWindow     *self,
                LlChooseWhat  what)
{
  GFile *file = ll_document_get_file (self->document);
  g_autofree char *base = file ? g_file_get_basename (file)
                               : g_strdup (ll_document_get_title (self->document));
  char *dot = strrchr (base, '.');

  if (what == LL_CHOOSE_WEIGHTS)
    {
      if (dot != NULL && dot != base)
        *dot = '\0';
      return g_strconcat (base, "-weights.pt", NULL);
    }
  if (file == NULL)
    return g_strconcat (base, ".h5", NULL);
  if (!nn_path_is_pytorch (base))
    return g_steal_pointer (&base);
  *dot = '\0';
  return g_strconcat (base, ".h5", NULL);
}

static void
set_start_folder (LlWindow       *self,
                  GtkFileChooser *chooser)
{
  GSettings *settings = _ll_window_get_settings (self);
  GFile *file = ll_document_get_file (self->document);
  g_autoptr(GFile) folder = NULL;

  if (file != NULL)
    folder = g_file_get_parent (file);
  else if (settings != NULL)
    {
      g_autofree char *uri = g_settings_get_string (settings, "last-folder");

      if (uri != NULL && *uri != '\0')
        folder = g_file_new_for_uri (uri);
    }
  if (folder != NULL)
    gtk_file_chooser_set_current_folder (chooser, folder, NULL);
}

void
_ll_window_choose_file (LlWindow             *self,
                        GtkFileChooserAction  action,
                        LlChooseWhat          what,
                        const char           *title,
                        const char           *accept_label,
                        LlWindowChosen        chosen)
{
  GtkFileChooserNative *native;
  Choose *choose = g_new0 (Choose, 1);

  native = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept_label,
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  add_filters (GTK_FILE_CHOOSER (native), what);
  set_start_folder (self, GTK_FILE_CHOOSER (native));
  if (action == GTK_FILE_CHOOSER_ACTION_SAVE)
    {
      g_autofree char *name = suggested_name (self, what);

      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
    }
  g_weak_ref_init (&choose->ref, self);
  choose->chosen = chosen;
  choose->action = action;
  g_signal_connect (native, "response", G_CALLBACK (chooser_response_cb), choose);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

