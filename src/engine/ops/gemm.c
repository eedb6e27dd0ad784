/* ops/gemm.c - Gemm (transA, transB, alpha, beta, C broadcast) and MatMul (numpy
 * matmul: batched, broadcasting, 1-d promotion), both on nn_sgemm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "nn-private.h"
#include "ops/op.h"

enum { GEMM_ALPHA, GEMM_BETA, GEMM_TRANS_A, GEMM_TRANS_B, N_GEMM_ATTRS };

static const nn_attr_schema gemm_attrs[] = {
  { .name = "alpha", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
  { .name = "beta", .kind = NN_ATTR_FLOAT, .def_f = 1.0 },
  { .name = "transA", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
  { .name = "transB", .kind = NN_ATTR_INT, .min = 0, .max = 1 },
};
static_assert (NN_N_ELEMENTS (gemm_attrs) == N_GEMM_ATTRS, "gemm_attrs and its enum differ");

/* both inputs float32; their types as text for messages */
static nn_status
two_floats (const nn_op_ctx *ctx, char *as, char *bs, size_t size, nn_error *err)
{
  nn_status s;

  if ((s = nn_op_check_dtype (ctx, 0, NN_MASK_F32, err)) != NN_OK
      || (s = nn_op_check_dtype (ctx, 1, NN_MASK_F32, err)) != NN_OK)
    return s;
  nn_op_in_str (ctx, 0, as, size);
  nn_op_in_str (ctx, 1, bs, size);
  return NN_OK;
}

/* M, K of op(A) and K, N of op(B) */
static nn_status
gemm_dims (const nn_op_ctx *ctx, int64_t *m, int64_t *k, int64_t *n, nn_error *err)
{
  const nn_type *a = ctx->in[0], *b = ctx->in[1];
  bool ta = nn_attr_i (ctx, GEMM_TRANS_A), tb = nn_attr_i (ctx, GEMM_TRANS_B);
  char as[160], bs[160];
  int64_t kb;
  nn_status s;

  if ((s = two_floats (ctx, as, bs, sizeof as, err)) != NN_OK)
    return s;
  if (a->rank != 2 || b->rank != 2)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it multiplies matrices; its inputs are "
                       "%s and %s (use MatMul or Flatten first)", as, bs);
  *m = a->shape[ta ? 1 : 0];
  *k = a->shape[ta ? 0 : 1];
  kb = b->shape[tb ? 1 : 0];
  *n = b->shape[tb ? 0 : 1];
  if (*k != kb && *k != NN_DIM_SYMBOLIC && kb != NN_DIM_SYMBOLIC)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "A %s%s has %" PRId64 " columns but B "
                       "%s%s has %" PRId64 " rows", as, ta ? " transposed" : "", *k, bs,
                       tb ? " transposed" : "", kb);
  return NN_OK;
}

static nn_status
gemm_infer (const nn_op_ctx *ctx, nn_error *err)
{
  int64_t m = 0, k = 0, n = 0;
  nn_status s = gemm_dims (ctx, &m, &k, &n, err);
  nn_type y = { .dtype = NN_DTYPE_FLOAT32, .rank = 2, .shape = { m, n } }, bc;
  const nn_type *pair[2] = { &y, NULL };

  if (s != NN_OK)
    return s;
  if (ctx->n_in > 2 && ctx->in[2] != NULL)
    {
      char cs[160];

      pair[1] = ctx->in[2];
      if ((s = nn_op_check_dtype (ctx, 2, NN_MASK_F32, err)) != NN_OK)
        return s;
      /* C broadcasts to [M, N] (unidirectionally) */
      if (ctx->in[2]->rank > 2 || nn_broadcast_types (2, pair, &bc, NULL) != NN_OK
          || !nn_type_equal (&bc, &y))
        return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its C %s does not broadcast to the "
                           "product's [%" PRId64 ", %" PRId64 "]",
                           nn_op_in_str (ctx, 2, cs, sizeof cs), m, n);
    }
  *ctx->out[0] = y;
  return NN_OK;
}

static nn_status
gemm_forward (const nn_op_ctx *ctx, nn_error *err)
{
  const nn_array *a = ctx->value[0], *b = ctx->value[1];
  const nn_array *c = ctx->n_in > 2 ? ctx->value[2] : NULL;
  bool ta = nn_attr_i (ctx, GEMM_TRANS_A), tb = nn_attr_i (ctx, GEMM_TRANS_B);
  float alpha = (float) nn_attr_f (ctx, GEMM_ALPHA), beta = (float) nn_attr_f (ctx, GEMM_BETA);
  int64_t m = ctx->y[0]->type.shape[0], n = ctx->y[0]->type.shape[1];
  int64_t k = a->type.shape[ta ? 0 : 1];
  float *y = ctx->y[0]->data;

  if (c != NULL && beta != 0.0f)
    {
      const nn_type *in[1] = { &c->type };
      nn_bcast bc;

      nn_bcast_init (&bc, &ctx->y[0]->type, 1, in);
      for (int64_t i = 0; i < m * n; i++, nn_bcast_next (&bc))
        y[i] = ((const float *) c->data)[bc.off[0]];
    }
  else
    beta = 0.0f;
  if (m > 0 && n > 0)
    nn_sgemm (ta, tb, m, n, k, alpha, a->data, a->type.shape[1], b->data, b->type.shape[1],
              beta, y, n);
  return NN_OK;
}

static int64_t
gemm_macs (const nn_op_ctx *ctx)
{
  bool ta = nn_attr_i (ctx, GEMM_TRANS_A);
  int64_t k = ctx->in[0]->shape[ta ? 0 : 1];
  int64_t mn = nn_dims_product (ctx->out[0], 0, 2);

  return mn < 0 || k < 0 ? 0 : mn * k;
}

const nn_op nn_op_gemm = {
  .name = "Gemm", .torch = "Linear",
  .min_in = 2, .max_in = 3, .min_out = 1, .max_out = 1,
  .attrs = gemm_attrs, .n_attrs = N_GEMM_ATTRS,
  .infer = gemm_infer, .forward = gemm_forward, .macs = gemm_macs,
};

/* ---------------------------------------------------------------- MatMul */

/* The operands as matrices with batch dims: a 1-d A is [1, K], a 1-d B is [K, 1]. */
typedef struct matmul_geom {
  nn_type a, b;           /* promoted to rank >= 2 */
  nn_type batch_a, batch_b, batch;   /* the batch dims alone, and their broadcast */
  int64_t m, k, n;
} matmul_geom;

static void
batch_of (const nn_type *t, nn_type *batch)
{
  *batch = *t;
  batch->rank = t->rank - 2;
}

static nn_status
matmul_geometry (const nn_op_ctx *ctx, matmul_geom *g, nn_error *err)
{
  const nn_type *bt[2];
  char as[160], bs[160];
  nn_status s;

  if ((s = two_floats (ctx, as, bs, sizeof as, err)) != NN_OK)
    return s;
  if (ctx->in[0]->rank < 1 || ctx->in[1]->rank < 1)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "it cannot multiply the scalar in %s, %s",
                       as, bs);
  g->a = *ctx->in[0];
  g->b = *ctx->in[1];
  if (g->a.rank == 1)
    {
      g->a.shape[1] = g->a.shape[0];
      g->a.shape[0] = 1;
      g->a.rank = 2;
    }
  if (g->b.rank == 1)
    {
      g->b.shape[1] = 1;
      g->b.rank = 2;
    }
  g->m = g->a.shape[g->a.rank - 2];
  g->k = g->a.shape[g->a.rank - 1];
  g->n = g->b.shape[g->b.rank - 1];
  if (g->k != g->b.shape[g->b.rank - 2])
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "A %s has %" PRId64 " columns but B %s "
                       "has %" PRId64 " rows", as, g->k, bs, g->b.shape[g->b.rank - 2]);
  batch_of (&g->a, &g->batch_a);
  batch_of (&g->b, &g->batch_b);
  bt[0] = &g->batch_a;
  bt[1] = &g->batch_b;
  if (nn_broadcast_types (2, bt, &g->batch, err) != NN_OK)
    return nn_op_fail (ctx, err, NN_STATUS_SHAPE, "its batch dimensions do not broadcast: "
                       "%s", err ? err->message : "");
  return NN_OK;
}

static nn_status
matmul_infer (const nn_op_ctx *ctx, nn_error *err)
{
  matmul_geom g;
  nn_status s = matmul_geometry (ctx, &g, err);
  nn_type *y = ctx->out[0];

  if (s != NN_OK)
    return s;
  *y = g.batch;
  y->dtype = NN_DTYPE_FLOAT32;
  if (ctx->in[0]->rank > 1)
    y->shape[y->rank++] = g.m;
  if (ctx->in[1]->rank > 1)
    y->shape[y->rank++] = g.n;
  return NN_OK;
}

static nn_status
matmul_forward (const nn_op_ctx *ctx, nn_error *err)
{
  matmul_geom g;
  nn_status s = matmul_geometry (ctx, &g, err);
  const nn_type *bt[2] = { &g.batch_a, &g.batch_b };
  int64_t count, mk, kn, mn;
  nn_bcast bc;

  if (s != NN_OK)
    return s;
  count = nn_type_numel (&g.batch);
  mk = g.m * g.k;
  kn = g.k * g.n;
  mn = g.m * g.n;
  if (mn == 0)
    return NN_OK;
  nn_bcast_init (&bc, &g.batch, 2, bt);
  for (int64_t i = 0; i < count; i++, nn_bcast_next (&bc))
    {
      float *y = (float *) ctx->y[0]->data + i * mn;

      if (g.k == 0)
        memset (y, 0, (size_t) mn * sizeof *y);
      else
        nn_sgemm (false, false, g.m, g.n, g.k, 1.0f,
                  (const float *) ctx->value[0]->data + bc.off[0] * mk, g.k,
                  (const float *) ctx->value[1]->data + bc.off[1] * kn, g.n, 0.0f, y, g.n);
    }
  return NN_OK;
}

static int64_t
matmul_macs (const nn_op_ctx *ctx)
{
  int64_t k = ctx->in[0]->shape[ctx->in[0]->rank - 1];
  int64_t outs = nn_type_numel (ctx->out[0]);

  return outs < 0 || k < 0 ? 0 : outs * k;
}

const nn_op nn_op_mat_mul = {
  .name = "MatMul", .torch = "torch.matmul",
  .min_in = 2, .max_in = 2, .min_out = 1, .max_out = 1,
  .infer = matmul_infer, .forward = matmul_forward, .macs = matmul_macs,
};
