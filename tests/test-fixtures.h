/* test-fixtures.h - what the engine tests share: one test per fixture directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds one test "<prefix>/<name>" per directory tests/data/<subdir>/<name>, in name
 * order, each calling func with its name; fails unless there are at least min_count.
 * Returns the names the tests point at: free them after g_test_run (). */
GPtrArray *test_add_fixture_tests (const char   *subdir,
                                   const char   *prefix,
                                   guint         min_count,
                                   GTestDataFunc func);

G_END_DECLS
