/* ll-window.h - the designer window: palette, layer list, inspector, summary, repr
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ll-application.h"
#include "ll-document.h"
#include "ll-runner.h"

G_BEGIN_DECLS

#define LL_TYPE_WINDOW (ll_window_get_type ())
G_DECLARE_FINAL_TYPE (LlWindow, ll_window, LL, WINDOW, AdwApplicationWindow)

/* A window showing the seed network as an untitled document. */
LlWindow     *ll_window_new              (LlApplication *app);
LlDocument   *ll_window_get_document     (LlWindow *self);
/* Replaces the document shown (no question asked; callers ask first). */
void          ll_window_set_document     (LlWindow *self, LlDocument *document);
/* TRUE when the window shows an untitled, unmodified document (a file can replace it). */
gboolean      ll_window_is_pristine      (LlWindow *self);
/* Index of the selected layer, or -1. */
int           ll_window_get_selected     (LlWindow *self);
void          ll_window_select           (LlWindow *self, int index);

/* The steps behind the file actions, without the file chooser (the actions call them,
 * and so do tests). Both run on the worker; "busy" is TRUE until they finish. Open asks
 * about unsaved changes first. Errors appear as a toast; the open document is kept. */
void          ll_window_open_file        (LlWindow *self, GFile *file);
void          ll_window_save_to_file     (LlWindow *self, GFile *file, gboolean weights_only);
void          ll_window_load_weights_from_file (LlWindow *self, GFile *file);
/* Replace the document by a template ("empty", "seed", ...), asking about unsaved changes. */
void          ll_window_new_document     (LlWindow *self, const char *template_name);
gboolean      ll_window_get_busy         (LlWindow *self);

/* Runs the network on the worker with the input the user chose on the Activations page
 * (seeded random by default; win.set-input changes it), and then prepares the views of
 * every activation on the worker too. The window also does this by itself shortly after
 * every change. A newer request cancels an older one; only a result whose generation is
 * still the document's is applied ("last-run" notifies). */
void          ll_window_request_forward  (LlWindow *self);
/* The last applied forward result (owned by the window), or NULL. */
LlRunResult  *ll_window_get_last_run     (LlWindow *self);

/* The message of the last toast shown, for tests (NULL if none). */
const char   *ll_window_get_last_toast   (LlWindow *self);
/* heading and text of the last error dialog, or NULL */
const char   *ll_window_get_last_error   (LlWindow *self);

G_END_DECLS
