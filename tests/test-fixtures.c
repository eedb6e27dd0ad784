/* test-fixtures.c - what the engine tests share: one test per fixture directory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "test-fixtures.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
test_add_fixture_tests (const char   *subdir,
                        const char   *prefix,
                        guint         min_count,
                        GTestDataFunc func)
{
  g_autofree char *root = g_test_build_filename (G_TEST_DIST, "data", subdir, NULL);
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    g_error ("no fixtures in %s", root);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >=, min_count);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix, (char *) names->pdata[i]);

      g_test_add_data_func (path, names->pdata[i], func);
    }
  return names;
}
