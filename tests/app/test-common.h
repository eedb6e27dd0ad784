/* test-common.h - what the GUI tests share: a registered application, main-loop waits,
 * windows and actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ll-application.h"
#include "ll-window.h"
#include "test-util.h"

G_BEGIN_DECLS

/* The application every test's windows belong to (registered, held). */
extern LlApplication *test_app;

/* Sets up the environment (private XDG_DATA_HOME, memory settings, no a11y bus), GTK's
 * test framework and test_app. Call first in main(), then add the tests. */
void      test_app_init     (int *argc, char ***argv);
/* Points LAYERLAB_AUTOSAVE_DIR at a new private folder, which test_app_run() removes. */
void      test_app_private_autosave (void);
/* Runs the tests added, releases test_app, removes the private folders; returns
 * g_test_run()'s status. */
int       test_app_run      (void);

/* Runs the main loop for ms milliseconds: enough for a few frames (layout, list rows). */
void      test_wait_ms      (guint ms);
typedef gboolean (*TestCond) (gpointer data);
/* Runs the main loop until cond holds; fails the test after timeout_s seconds. */
void      test_wait_until   (TestCond cond, gpointer data, guint timeout_s);

/* A presented 1300 × 880 window of test_app showing template_name (NULL: what a new
 * window shows), after a few frames. */
LlWindow *test_new_window   (const char *template_name);
/* The same, showing doc. */
LlWindow *test_new_window_for_document (LlDocument *doc);
/* Destroys win without asking about changes, then lets the main loop settle. */
void      test_destroy_window (LlWindow *win);
/* The visible toplevel of type (a dialog, a chooser, an editor) transient for win, or NULL. */
GtkWindow *test_find_toplevel (LlWindow *win, GType type);
/* Types text into spin and presses Enter (gtk_spin_button_update(), as on focus-out),
 * then lets it redraw. */
void      test_type_into    (GtkSpinButton *spin, const char *text);
/* TestCond: win's activations page shows a result for its document as it is now
 * (and no forward pass is pending). */
gboolean  test_activations_current (gpointer win);
/* Activates a window action (param may be floating); fails the test if it is unknown. */
void      test_activate     (LlWindow *win, const char *action, GVariant *param);

G_END_DECLS
