/* fuzz-pt.c - libFuzzer harness: see fuzz_pt() in fuzz-entry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-entry.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_pt (data, size);
}
