/* ll-application.h - the Layerlab application: app actions, windows, files to open
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define LL_TYPE_APPLICATION (ll_application_get_type ())
G_DECLARE_FINAL_TYPE (LlApplication, ll_application, LL, APPLICATION, AdwApplication)

LlApplication *ll_application_new          (GApplicationFlags flags);
/* The app's GSettings, or NULL when the schema is not installed (running uninstalled
 * without GSETTINGS_SCHEMA_DIR): then window size and last folder are not remembered. */
GSettings     *ll_application_get_settings (LlApplication *self);

G_END_DECLS
