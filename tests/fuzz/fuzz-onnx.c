/* fuzz-onnx.c - libFuzzer harness: see fuzz_onnx() in fuzz-entry.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-entry.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  return fuzz_onnx (data, size);
}
