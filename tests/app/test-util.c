/* test-util.c - what the app tests share without widgets: environment overrides and
 * network comparison
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdlib.h>

#include "test-util.h"

guint
test_env_uint (const char *name,
               guint       fallback)
{
  const char *s = g_getenv (name);
  guint64 v;

  return s != NULL && g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT, &v, NULL) ? (guint) v : fallback;
}

void
test_assert_nets_equal (const nn_net *a,
                        const nn_net *b)
{
  g_autofree char *ra = nn_net_repr (a);
  g_autofree char *rb = nn_net_repr (b);
  nn_param *pa = NULL, *pb = NULL;
  int na, nb;

  g_assert_cmpstr (ra, ==, rb);
  g_assert_true (nn_shape_equal (&a->input, &b->input));
  na = nn_net_params (a, &pa);
  nb = nn_net_params (b, &pb);
  g_assert_cmpint (na, ==, nb);
  for (int i = 0; i < na; i++)
    {
      g_assert_cmpstr (pa[i].key, ==, pb[i].key);
      g_assert_true ((pa[i].tensor == NULL) == (pb[i].tensor == NULL));
      if (pa[i].tensor == NULL)
        continue;
      g_assert_true (nn_tensor_same_shape (pa[i].tensor, pb[i].tensor));
      g_assert_cmpmem (pa[i].tensor->data, nn_tensor_numel (pa[i].tensor) * sizeof (float),
                       pb[i].tensor->data, nn_tensor_numel (pb[i].tensor) * sizeof (float));
    }
  free (pa);
  free (pb);
}
