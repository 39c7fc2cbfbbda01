// Attention over a KV cache with an online softmax (kernels.h): keys in blocks of kBlock, scores
// and exponentials per block through the active level's vector kernels, the running max and
// denominator rescaled when a block raises the max (Milakov & Gimelshein 2018; FlashAttention).
#include <algorithm>
#include <cmath>
#include <vector>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/kernels.h"
#include "kernels/table.h"

namespace owl::kernels {
namespace {

constexpr int kBlock = 64;

void check_args(const AttentionArgs& a) {
  OWL_CHECK(a.kv_type == DType::kF32 || a.kv_type == DType::kF16,
            "attention: KV cache type {} is not f32 or f16", dtype_name(a.kv_type));
  OWL_CHECK(a.n_tokens >= 0 && a.n_heads > 0 && a.n_kv_heads > 0 && a.n_heads % a.n_kv_heads == 0,
            "attention: {} heads cannot share {} KV heads", a.n_heads, a.n_kv_heads);
  OWL_CHECK(a.head_dim > 0 && a.head_dim_v > 0 && a.n_kv >= 0, "attention: bad head sizes");
  OWL_CHECK(a.q_stride >= static_cast<int64_t>(a.n_heads) * a.head_dim &&
                a.out_stride >= static_cast<int64_t>(a.n_heads) * a.head_dim_v &&
                a.k_stride >= static_cast<int64_t>(a.n_kv_heads) * a.head_dim &&
                a.v_stride >= static_cast<int64_t>(a.n_kv_heads) * a.head_dim_v,
            "attention: a stride is smaller than its row");
  OWL_CHECK(a.n_tokens == 0 || (a.q && a.out && a.pos && (a.n_kv == 0 || (a.k && a.v))),
            "attention: missing buffer");
}

struct Scratch {
  std::vector<float> q, acc, s, row;
};

// One (token, head): out = softmax(scale q.K^T over visible keys [+ sink]) V.
void one_head(const KernelTable& t, const AttentionArgs& a, int tok, int h, Scratch& w) {
  const int kvh = h / (a.n_heads / a.n_kv_heads);
  const bool f16 = a.kv_type == DType::kF16;
  const float* q = a.q + tok * a.q_stride + static_cast<int64_t>(h) * a.head_dim;
  if (f16) {  // llama.cpp rounds the queries to the cache type before the K product
    for (int i = 0; i < a.head_dim; ++i) w.q[i] = fp16_to_fp32(fp32_to_fp16(q[i]));
    q = w.q.data();
  }
  const int64_t p = a.pos[tok];
  const int64_t end = std::min<int64_t>(a.n_kv, p + 1);
  const int64_t begin = a.sliding_window > 0 ? std::max<int64_t>(0, p - a.sliding_window + 1) : 0;
  float m = a.sinks != nullptr ? a.sinks[h] : -INFINITY;
  double l = a.sinks != nullptr ? 1.0 : 0.0;  // the sink contributes e^(sink - m) = 1
  std::fill(w.acc.begin(), w.acc.end(), 0.0f);
  auto key = [&](int64_t j) -> const float* {
    if (!f16)
      return static_cast<const float*>(a.k) + j * a.k_stride +
             static_cast<int64_t>(kvh) * a.head_dim;
    t.f16_to_f32(
        static_cast<const uint16_t*>(a.k) + j * a.k_stride + static_cast<int64_t>(kvh) * a.head_dim,
        w.row.data(), a.head_dim);
    return w.row.data();
  };
  auto value = [&](int64_t j) -> const float* {
    if (!f16)
      return static_cast<const float*>(a.v) + j * a.v_stride +
             static_cast<int64_t>(kvh) * a.head_dim_v;
    t.f16_to_f32(static_cast<const uint16_t*>(a.v) + j * a.v_stride +
                     static_cast<int64_t>(kvh) * a.head_dim_v,
                 w.row.data(), a.head_dim_v);
    return w.row.data();
  };
  for (int64_t j0 = begin; j0 < end; j0 += kBlock) {
    const int nb = static_cast<int>(std::min<int64_t>(kBlock, end - j0));
    float bm = -INFINITY;
    for (int j = 0; j < nb; ++j) {
      w.s[j] = a.scale * t.dot(q, key(j0 + j), a.head_dim);
      bm = std::max(bm, w.s[j]);
    }
    if (bm > m) {
      if (l > 0) {
        const float f = std::exp(m - bm);
        t.scale(f, w.acc.data(), a.head_dim_v);
        l *= f;
      }
      m = bm;
    }
    t.exp_shift(w.s.data(), m, w.s.data(), nb);
    for (int j = 0; j < nb; ++j) {
      l += w.s[j];
      t.axpy(w.s[j], value(j0 + j), w.acc.data(), a.head_dim_v);
    }
  }
  float* out = a.out + tok * a.out_stride + static_cast<int64_t>(h) * a.head_dim_v;
  const float inv = l > 0 ? static_cast<float>(1.0 / l) : 0.0f;
  for (int i = 0; i < a.head_dim_v; ++i) out[i] = w.acc[i] * inv;
}

}  // namespace

void attention(const AttentionArgs& a, ThreadPool& pool) {
  check_args(a);
  const KernelTable& t = active_table();
  const int64_t items = static_cast<int64_t>(a.n_tokens) * a.n_heads;
  pool.parallel_for(items, [&](int64_t i0, int64_t i1, int) {
    thread_local Scratch w;
    w.q.resize(static_cast<size_t>(a.head_dim));
    w.row.resize(static_cast<size_t>(std::max(a.head_dim, a.head_dim_v)));
    w.acc.resize(static_cast<size_t>(a.head_dim_v));
    w.s.resize(kBlock);
    for (int64_t i = i0; i < i1; ++i) {
      one_head(t, a, static_cast<int>(i / a.n_heads), static_cast<int>(i % a.n_heads), w);
    }
  });
}

}  // namespace owl::kernels
