// Shared building blocks over batches of rows.
#include "model/blocks/layer_ops.h"

#include <cstring>
#include <vector>

#include "base/error.h"
#include "kernels/kernels.h"

namespace owl {

void embed_tokens(const Batch& batch, const TensorView& table, float* x, ThreadPool& pool) {
  const int64_t hidden = table.ne[0];
  for (int32_t t = 0; t < batch.size(); ++t) {
    const int32_t id = batch.tokens[t];
    if (id < 0 || id >= table.ne[1]) fail("token id {} is outside the vocabulary (0..{})", id, table.ne[1] - 1);
  }
  pool.parallel_for(batch.size(), [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) kernels::get_row(table, batch.tokens[t], x + t * hidden);
  });
}

namespace {

// out [n][width] += bias (if any) on every row.
void add_bias(const float* bias, float* out, int64_t n, int64_t width) {
  if (bias == nullptr) return;
  for (int64_t t = 0; t < n; ++t) kernels::add(bias, out + t * width, width);
}

}  // namespace

void project(const TensorView& w, const float* bias, const float* x, int64_t n, float* out,
             ThreadPool& pool) {
  kernels::matmul(w, x, w.ne[0], out, w.ne[1], n, pool);
  add_bias(bias, out, n, w.ne[1]);
}

void project_same_input(std::span<const Projection> ps, const float* x, int64_t n, ThreadPool& pool) {
  constexpr size_t kMax = 4;
  OWL_CHECK(!ps.empty() && ps.size() <= kMax, "project_same_input: {} weights (1..{})", ps.size(), kMax);
  kernels::MatmulOutput outs[kMax];
  for (size_t i = 0; i < ps.size(); ++i) outs[i] = {ps[i].w, ps[i].out, ps[i].w->ne[1]};
  kernels::matmul_same_input(std::span<const kernels::MatmulOutput>(outs, ps.size()), x, ps[0].w->ne[0], n, pool);
  for (const Projection& p : ps) add_bias(p.bias, p.out, n, p.w->ne[1]);
}

void rms_norm_rows(const float* x, const float* weight, float* out, int64_t n, int32_t width,
                   int64_t stride, float eps, ThreadPool& pool) {
  auto rows = [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) kernels::rms_norm(x + r * stride, weight, out + r * stride, width, eps);
  };
  // A few thousand elements (one token's per-head norms) take less time than waking the pool.
  constexpr int64_t kMinParallel = 16384;
  if (n * width < kMinParallel) {
    rows(0, n, 0);
  } else {
    pool.parallel_for(n, rows);
  }
}

void rope_rows(const Rope& rope, const Batch& batch, float* x, int32_t n_heads, int32_t head_dim,
               int64_t row_width, ThreadPool& pool) {
  pool.parallel_for(batch.size(), [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) {
      rope.apply(rope.table_memo(batch.positions[t]), x + t * row_width, n_heads, head_dim);
    }
  });
}

void gated_ffn(const GatedFfn& w, GateActivation act, const float* x, int64_t n, float* scratch,
               float* out, ThreadPool& pool) {
  const int64_t ffn = w.gate.ne[1];
  float* g = scratch;
  float* u = scratch + n * ffn;
  const Projection gate_up[] = {{&w.gate, nullptr, g}, {&w.up, nullptr, u}};
  project_same_input(gate_up, x, n, pool);
  pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) {
      if (act == GateActivation::kSilu) {
        kernels::silu_mul(g + t * ffn, u + t * ffn, g + t * ffn, ffn);
      } else if (act == GateActivation::kGeluTanh) {
        kernels::gelu_mul(g + t * ffn, u + t * ffn, g + t * ffn, ffn);
      } else {
        kernels::gelu_mul_fp16_table(g + t * ffn, u + t * ffn, g + t * ffn, ffn);
      }
    }
  });
  project(w.down, nullptr, g, n, out, pool);
}

int32_t gather_output_rows(const Batch& batch, const float* x, int32_t width, float* out) {
  int32_t k = 0;
  for (int32_t t = 0; t < batch.size(); ++t) {
    if (!batch.want_logits[t]) continue;
    std::memcpy(out + static_cast<size_t>(k) * width, x + static_cast<size_t>(t) * width,
                sizeof(float) * width);
    ++k;
  }
  return k;
}

}  // namespace owl
