/* fuzz-entry.h - the code every fuzz target runs on one input
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz-*.c, clang -fsanitize=fuzzer) and
 * the regression test (tests/test-fuzz-regressions.c, a normal build), so that a crash
 * found by a fuzzer is replayed through exactly the code that found it.
 */
#ifndef FUZZ_ENTRY_H
#define FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

/* Budget the fuzz entries set for the engine: big enough for every seed file, small
 * enough that an absurd size is refused long before libFuzzer's RSS limit. */
#define FUZZ_MEMORY_BUDGET (UINT64_C (16) << 20)

/* Each returns 0; a bug shows as a crash or a sanitizer report, never as a status. */
int fuzz_h5model (const uint8_t *data, size_t size);
/* The same file checked through nn_model_validate_isolated() (a forked child). */
int fuzz_h5model_isolated (const uint8_t *data, size_t size);
int fuzz_npy (const uint8_t *data, size_t size);
/* An ONNX file checked and unpacked from memory, and its small tensors read. */
int fuzz_onnx (const uint8_t *data, size_t size);
int fuzz_pt (const uint8_t *data, size_t size);
int fuzz_propagate (const uint8_t *data, size_t size);

/* Entry for a target name ("h5model", "npy", "onnx", "pt", "propagate"), NULL if unknown. */
typedef int (*fuzz_entry_fn) (const uint8_t *data, size_t size);
fuzz_entry_fn fuzz_entry_lookup (const char *target);

/* Removes the temporary file the file-based targets write (also done at exit). */
void fuzz_entry_cleanup (void);

#endif /* FUZZ_ENTRY_H */
