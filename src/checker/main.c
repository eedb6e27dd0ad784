/* main.c - layerlab-check: one untrusted model or weights file, opened in a process
 * of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app and the CLI start it (src/engine/isolate.c) before they open a file in their
 * own process, so that a file that crashes libhdf5 crashes this instead. Usage (by
 * isolate.c, not by people): layerlab-check model|model-headers|weights|weights-headers
 * FILE MEMORY-BUDGET (the caller's nn_memory_budget()); the weights modes read the
 * network to check against on standard input. It
 * writes the outcome as an nn_error to standard output and exits with 0 when the file
 * opened, 1 when not.
 */
#include "config.h"

#include "nn.h"

int
main (int argc, char **argv)
{
  return nn_isolated_check_main (argc, argv);
}
