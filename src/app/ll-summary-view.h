/* ll-summary-view.h - totals of the network: parameters, multiply-adds, memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ll-document.h"
#include "ll-runner.h"

G_BEGIN_DECLS

#define LL_TYPE_SUMMARY_VIEW (ll_summary_view_get_type ())
G_DECLARE_FINAL_TYPE (LlSummaryView, ll_summary_view, LL, SUMMARY_VIEW, GtkWidget)

GtkWidget  *ll_summary_view_new          (void);
void        ll_summary_view_set_document (LlSummaryView *self, LlDocument *document);
/* Shows how long the last forward pass took; NULL while none is current. */
void        ll_summary_view_set_run      (LlSummaryView *self, const LlRunResult *run);
/* The texts shown, for tests: "params", "macs", "memory", "output", "layers", "run". */
const char *ll_summary_view_get_text     (LlSummaryView *self, const char *what);

G_END_DECLS
