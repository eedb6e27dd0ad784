/* test-util.h - what the app tests share without widgets: environment overrides and
 * network comparison (headless, so test-stress can use it under ThreadSanitizer)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "nn.h"

G_BEGIN_DECLS

/* The unsigned decimal number in environment variable name, else fallback. */
guint     test_env_uint         (const char *name,
                                 guint       fallback);
/* Asserts that a and b have the same architecture (repr), input shape and parameters:
 * the same keys, shapes and float data, bit for bit. */
void      test_assert_nets_equal (const nn_net *a,
                                  const nn_net *b);

G_END_DECLS
