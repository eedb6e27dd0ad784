/* ll-window-private.h - LlWindow's fields and the helpers its actions share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ll-activations-page.h"
#include "ll-autosave.h"
#include "ll-inspector.h"
#include "ll-input-editor.h"
#include "ll-input-source.h"
#include "ll-repr-view.h"
#include "ll-summary-view.h"
#include "ll-training-page.h"
#include "ll-weights-page.h"
#include "ll-window.h"

G_BEGIN_DECLS

/* The group of recently used files that Open Recent lists: the models the window opened
 * or saved. GTK's file choosers add every file they return to the same recent list, under
 * the application's name (images chosen as inputs, data sets), without it. */
#define LL_RECENT_MODELS_GROUP "layerlab-models"

struct _LlWindow {
  AdwApplicationWindow parent_instance;

  /* template */
  AdwWindowTitle *window_title;
  AdwToastOverlay *toast_overlay;
  GtkSpinner *spinner;
  GtkWidget *cancel_button;
  GtkListView *layer_list;
  GtkPaned *list_paned;           /* the layer list above, the PyTorch repr below */
  GtkWidget *empty_label;
  GtkWidget *undo_button;
  GtkWidget *redo_button;
  LlInspector *inspector;
  LlInputEditor *input_editor;
  LlSummaryView *summary;
  LlReprView *repr_view;
  GtkBox *side_box;
  AdwViewStack *inspect_stack;
  LlWeightsPage *weights_page;
  LlActivationsPage *activations_page;
  LlTrainingPage *training_page;
  GMenu *recent_submenu;
  GMenu *recent_section;

  LlDocument *document;
  GtkSingleSelection *selection;
  LlRunner *runner;
  LlRunResult *last_run;         /* owned by activations */
  LlActivations *activations;    /* the last forward result with its prepared views */
  LlInputSource *input_source;   /* what forward passes run on */
  GCancellable *prepare_cancellable;
  GCancellable *input_cancellable;
  guint forward_timeout;
  gint64 forward_scheduled;     /* monotonic time of the last edit that scheduled a run */
  guint forwards_running;       /* passes requested whose result (or failure) is not in */
  gboolean forward_wanted;      /* the drawing changed while a pass ran: run once more */

  GCancellable *io_cancellable;   /* the running load/save, for win.cancel */
  LlAutosave *autosave;           /* the document's unsaved work on disk */
  LlTraining *training;           /* trains a copy of the document's network */
  LlNetRef *training_preview;     /* what the views show while it trains, or NULL */
  guint busy;
  char *last_toast;
  char *last_error;               /* heading and text of the last error shown */
  gboolean close_confirmed;
};

typedef void (*LlWindowThen)   (LlWindow *self, gpointer data);
typedef void (*LlWindowChosen) (LlWindow *self, GFile *file);

/* A step to run later (after a dialog or a save), with its data. */
typedef struct {
  LlWindowThen func;
  gpointer data;
  GDestroyNotify destroy;
} LlWindowPending;

LlWindowPending *_ll_window_pending_new  (LlWindowThen func, gpointer data, GDestroyNotify destroy);
void             _ll_window_pending_free (LlWindowPending *pending);
void             _ll_window_pending_run  (LlWindowPending *pending, LlWindow *self);

/* ll-window.c */
/* The window behind a weak reference if it is alive and not being destroyed (no
 * reference is returned: GTK owns toplevels), else NULL. */
LlWindow     *_ll_window_from_ref   (GWeakRef *ref);
GCancellable *_ll_window_begin_busy (LlWindow *self);
void          _ll_window_end_busy   (LlWindow *self);
GSettings    *_ll_window_get_settings (LlWindow *self);   /* NULL without schema */

/* ll-window-actions.c */
void  _ll_window_class_init_actions (GtkWidgetClass *widget_class);
void  _ll_window_update_actions     (LlWindow *self);
void  _ll_window_rebuild_recent     (LlWindow *self);
/* ll-window.c */
/* Reads the input source's image / .npy file for the current input shape (win.set-input
 * and input-shape changes); errors go to a toast and the activations page. */
void  _ll_window_load_input         (LlWindow *self, LlInputKind kind, GFile *file);
void  _ll_window_toast              (LlWindow *self, const char *message);
/* A failure in full, until dismissed: a dialog with the heading ("Could not open
 * “x.pt”"), the whole message (selectable; past a few lines behind "Details") and a
 * Copy button. */
void  _ll_window_show_error         (LlWindow *self, const char *heading, const char *message);
/* message without a leading "<file's path>: " or "<file's name>: " (the heading names
 * the file already) */
const char *_ll_window_strip_file   (const char *message, GFile *file);
/* ll-window-files.c */
/* Runs then(self, data) now if the document has no unsaved changes, else after the user
 * chose Discard, or Save and the save succeeded; never after Cancel. */
void  _ll_window_confirm_discard    (LlWindow *self, LlWindowThen then, gpointer data,
                                     GDestroyNotify destroy);
/* What a file chooser is for: a whole model (HDF5 or PyTorch model), or weights alone
 * (a PyTorch state_dict or an HDF5 weights file); its filter is named for that. */
typedef enum {
  LL_CHOOSE_MODEL,
  LL_CHOOSE_WEIGHTS,
} LlChooseWhat;
/* A native file chooser for what (*.h5, *.hdf5, *.pt, *.pth), starting in the document's
 * folder, else the last one used. */
void  _ll_window_choose_file        (LlWindow *self, GtkFileChooserAction action,
                                     LlChooseWhat what, const char *title,
                                     const char *accept_label, LlWindowChosen chosen);
/* Loads file into this window without asking (callers asked). */
void  _ll_window_load               (LlWindow *self, GFile *file);
/* Saves (weights_only FALSE) and then runs then on success. */
void  _ll_window_save_then          (LlWindow *self, GFile *file, gboolean weights_only,
                                     LlWindowThen then, gpointer data, GDestroyNotify destroy);
/* The Save As chooser's result: saves, then resumes a pending close/new/open. */
void  _ll_window_save_as_chosen     (LlWindow *self, GFile *file);

GFile *_ll_window_get_model_file (LlWindow *self);
/* ll-window.c: the views follow the network training (snapshot) or the document (NULL) */
void   _ll_window_set_training_preview (LlWindow *self, LlNetRef *preview);

G_END_DECLS
