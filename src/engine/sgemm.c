/* sgemm.c - the one matrix multiply, the scratch workspace and the thread count
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every GEMM in the engine goes through nn_sgemm() so that the BLAS choice lives in one
 * place (style rule 28). The workspace is one grow-only buffer per network, sized to
 * the largest im2col the network has needed so far (darknet's net->workspace).
 */
#include "config.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_CBLAS
#include <cblas.h>
#endif

#include "nn-private.h"

/* Always built: the fallback without cblas, and the path for sizes past BLAS's int */
static void
sgemm_naive (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
             const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
             float *C, int64_t ldc)
{
  for (int64_t i = 0; i < M; i++)
    {
      float *c = C + i * ldc;

      for (int64_t j = 0; j < N; j++)
        c[j] = beta == 0.0f ? 0.0f : beta * c[j];
      /* i-k-j order keeps the inner loop contiguous in B and C when B is not transposed */
      for (int64_t k = 0; k < K; k++)
        {
          float a = alpha * (trans_a ? A[k * lda + i] : A[i * lda + k]);

          if (trans_b)
            for (int64_t j = 0; j < N; j++)
              c[j] += a * B[j * ldb + k];
          else
            for (int64_t j = 0; j < N; j++)
              c[j] += a * B[k * ldb + j];
        }
    }
}

#ifdef HAVE_CBLAS
static bool
fits_int (int64_t M, int64_t N, int64_t K, int64_t lda, int64_t ldb, int64_t ldc)
{
  return M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX
         && ldc <= INT_MAX;
}
#endif

#ifdef HAVE_CBLAS
/* A GEMM with one row or one column is a matrix-vector product. OpenBLAS 0.3.21 runs
 * sgemm with M = 1 through its packing GEMM path, 4-7x slower than sgemv on VGG-16's
 * first Linear at batch 1 (a 411 MB weight read once). beta = 0 must not read C (it
 * may hold NaN garbage), so C is cleared first rather than trusting gemv's scaling. */
static bool
sgemv_path (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
            const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
            float *C, int64_t ldc)
{
  if ((M != 1 && N != 1) || K == 0)
    return false;
  if (M == 1)
    {
      /* C[0, :] = alpha * op(B)^T a + beta * C, a = row 0 of op(A) */
      int inc_a = trans_a ? (int) lda : 1;

      if (beta == 0.0f)
        memset (C, 0, (size_t) N * sizeof *C);
      if (trans_b)      /* B is [N, K] */
        cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) N, (int) K, alpha, B, (int) ldb, A,
                     inc_a, beta, C, 1);
      else              /* B is [K, N] */
        cblas_sgemv (CblasRowMajor, CblasTrans, (int) K, (int) N, alpha, B, (int) ldb, A,
                     inc_a, beta, C, 1);
      return true;
    }
  /* N == 1: C[:, 0] = alpha * op(A) b + beta * C, b = column 0 of op(B) */
  {
    int inc_b = trans_b ? 1 : (int) ldb;

    if (beta == 0.0f)
      for (int64_t i = 0; i < M; i++)
        C[i * ldc] = 0.0f;
    if (trans_a)        /* A is [K, M] */
      cblas_sgemv (CblasRowMajor, CblasTrans, (int) K, (int) M, alpha, A, (int) lda, B,
                   inc_b, beta, C, (int) ldc);
    else                /* A is [M, K] */
      cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) M, (int) K, alpha, A, (int) lda, B,
                   inc_b, beta, C, (int) ldc);
  }
  return true;
}
#endif

void
nn_sgemm (bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float *A, int64_t lda, const float *B, int64_t ldb, float beta,
          float *C, int64_t ldc)
{
  assert (M >= 0 && N >= 0 && K >= 0);
  if (M == 0 || N == 0)
    return;
#ifdef HAVE_CBLAS
  if (fits_int (M, N, K, lda, ldb, ldc)
      && sgemv_path (trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
    return;
  if (fits_int (M, N, K, lda, ldb, ldc))
    {
      cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                   trans_b ? CblasTrans : CblasNoTrans, (int) M, (int) N, (int) K, alpha, A,
                   (int) lda, B, (int) ldb, beta, C, (int) ldc);
      return;
    }
#endif
  sgemm_naive (trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* ---------------------------------------------------------------- workspace */

#define WORKSPACE_ALIGN 64

void *
nn_workspace_get (nn_net *net, size_t bytes)
{
  size_t rounded;
  void *p;

  assert (net != NULL);
  if (bytes <= net->workspace_size && net->workspace != NULL)
    return net->workspace;
  if (bytes > nn_memory_budget () || bytes > SIZE_MAX - WORKSPACE_ALIGN)
    return NULL;
  /* aligned_alloc wants a multiple of the alignment; 64 bytes suits AVX-512 loads */
  rounded = (bytes + WORKSPACE_ALIGN - 1) / WORKSPACE_ALIGN * WORKSPACE_ALIGN;
  if (rounded == 0)
    rounded = WORKSPACE_ALIGN;
  p = aligned_alloc (WORKSPACE_ALIGN, rounded);
  if (p == NULL)
    return NULL;
  /* grow only: the old contents are scratch, nothing to keep */
  free (net->workspace);
  net->workspace = p;
  net->workspace_size = rounded;
  return p;
}

void
nn_workspace_free (nn_net *net)
{
  if (net == NULL)
    return;
  free (net->workspace);
  net->workspace = NULL;
  net->workspace_size = 0;
}

/* ---------------------------------------------------------------- threads */

/* OpenBLAS's idle threads spin, calling sched_yield, for 2^28 cycles (about 0.1 s) after
 * every call before they sleep: each call left a core busy for 0.1 s. Between the
 * engine's BLAS calls its own pool runs the im2col, transform and Winograd loops on the
 * same cores, and the spinning thread took 12% of the CPU time of a VGG-16 forward pass
 * from them (perf); with the spin cut to 2^16 cycles (~25 us) the conv layers ran
 * 15-25% faster (docs/performance.md). OpenBLAS reads OPENBLAS_THREAD_TIMEOUT (n for
 * 2^n cycles) when it is loaded, before main(), so nn_init() sets it, has OpenBLAS read
 * its environment again and stops its threads; the next threaded call starts them with
 * the new setting. openblas_read_env and blas_thread_shutdown_ are exported by the
 * library but not declared in its headers: weak references, so that another BLAS (or
 * an OpenBLAS without them) links and simply keeps its own behaviour. */
#ifdef HAVE_CBLAS
#define BLAS_THREAD_TIMEOUT "16"

extern void openblas_read_env (void) __attribute__ ((weak));
extern int blas_thread_shutdown_ (void) __attribute__ ((weak));
#endif

bool
nn_init (void)
{
#ifdef HAVE_CBLAS
  const char *user = getenv ("OPENBLAS_THREAD_TIMEOUT");

  if (user != NULL && user[0] != '\0')
    return true;                          /* the user's choice */
  if (openblas_read_env == NULL || blas_thread_shutdown_ == NULL)
    return false;
  if (setenv ("OPENBLAS_THREAD_TIMEOUT", BLAS_THREAD_TIMEOUT, 1) != 0)
    return false;
  openblas_read_env ();
  blas_thread_shutdown_ ();
  return true;
#else
  return false;
#endif
}

static int engine_threads = 0;

void
nn_set_num_threads (int n)
{
  if (n < 1)
    return;
  engine_threads = n;
#ifdef HAVE_CBLAS
  openblas_set_num_threads (n);
#endif
}

int
nn_get_num_threads (void)
{
#ifdef HAVE_CBLAS
  if (engine_threads == 0)
    return openblas_get_num_threads ();
#endif
  return engine_threads > 0 ? engine_threads : 1;
}
