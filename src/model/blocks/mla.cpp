// Multi-head latent attention over a latent cache, with the DSA lightning indexer.
#include "model/blocks/mla.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "base/error.h"
#include "kernels/kernels.h"
#include "model/blocks/attention.h"
#include "model/blocks/layer_ops.h"

namespace owl {
namespace {

// DeepSeek-V3.2's indexer normalises its key with a LayerNorm of eps 1e-6 (its reference
// inference code; llama.cpp's deepseek32 uses the same).
constexpr float kIndexerNormEps = 1e-6f;

// W_UK^T per head as f32 [n_heads][kv_lora][nope] and W_UV per head as row views, from
// kv_b_proj [kv_lora, n_heads*(nope+v)] (rows of head h: nope rows of W_UK, then v of W_UV).
// The transposed copy is the one weight copied at load (n_heads*nope*kv_lora floats a layer).
void split_kv_b(const TensorView& kv_b, int32_t n_heads, int32_t nope, int32_t v, int32_t kv_lora,
                WeightBinder& w, MlaWeights& m) {
  float* kb = w.arena().alloc(static_cast<size_t>(n_heads) * kv_lora * nope);
  std::vector<float> row(static_cast<size_t>(kv_lora));
  for (int32_t h = 0; h < n_heads; ++h) {
    float* dst = kb + static_cast<size_t>(h) * kv_lora * nope;
    for (int32_t d = 0; d < nope; ++d) {
      kernels::get_row(kv_b, static_cast<int64_t>(h) * (nope + v) + d, row.data());
      for (int32_t c = 0; c < kv_lora; ++c) dst[static_cast<size_t>(c) * nope + d] = row[c];
    }
    TensorView k;
    k.name = kv_b.name + " (W_UK^T)";
    k.type = DType::kF32;
    k.n_dims = 2;
    k.ne = {nope, kv_lora, 1, 1};
    k.data = reinterpret_cast<const uint8_t*>(dst);
    k.nbytes = sizeof(float) * static_cast<size_t>(kv_lora) * nope;
    m.wk_b[h] = w.for_matmul(k);
    TensorView u = kv_b;
    u.n_dims = 2;
    u.ne = {kv_lora, v, 1, 1};
    u.data = kv_b.row(static_cast<int64_t>(h) * (nope + v) + nope);
    u.nbytes = kv_b.row_bytes() * static_cast<size_t>(v);
    // A row range of kv_b: not kv_b's repacked panels, but its own (when repacking is on).
    u.panels.reset();
    u.panel_stride = u.panel_offset = u.panel_matrix_bytes = 0;
    m.wv_b[h] = w.for_matmul(u);
  }
}

void bind_indexer(const ModelConfig& c, int32_t i, WeightBinder& w, MlaWeights& m) {
  auto g = [i](std::string_view name) { return fmt::format("blk.{}.indexer.{}", i, name); };
  auto h = [i](std::string_view name) {
    return fmt::format("model.layers.{}.self_attn.indexer.{}", i, name);
  };
  const int64_t hidden = c.hidden_size, nh = c.dsa.n_heads, hd = c.dsa.head_dim;
  m.idx_q_b = w.tensor(g("attn_q_b.weight"), h("wq_b.weight"), {c.mla.q_lora_rank, nh * hd});
  m.idx_k = w.tensor(g("attn_k.weight"), h("wk.weight"), {hidden, hd});
  m.idx_k_norm = w.vector(g("k_norm.weight"), h("k_norm.weight"), {hd});
  m.idx_k_norm_b = w.vector(g("k_norm.bias"), h("k_norm.bias"), {hd});
  m.idx_proj = w.tensor(g("proj.weight"), h("weights_proj.weight"), {hidden, nh});
}

// Runs fn(head, pool) for every head: the heads shared out among the threads, each multiplying
// on its own (one pool dispatch instead of one per head; the per-head matrices are small).
template <typename F>
void for_each_head(int64_t n_heads, ThreadPool& pool,
                   std::vector<std::unique_ptr<ThreadPool>>& solo, F&& fn) {
  const int nt = pool.size();
  if (nt == 1 || n_heads < nt) {
    for (int64_t j = 0; j < n_heads; ++j) fn(j, pool);
    return;
  }
  while (static_cast<int>(solo.size()) < nt) solo.push_back(std::make_unique<ThreadPool>(1));
  pool.run([&](int t) {
    for (int64_t j = t; j < n_heads; j += nt) fn(j, *solo[t]);
  });
}

}  // namespace

MlaWeights bind_mla(const ModelConfig& c, int32_t i, WeightBinder& w) {
  auto g = [i](std::string_view name) { return fmt::format("blk.{}.{}", i, name); };
  auto h = [i](std::string_view name) {
    return fmt::format("model.layers.{}.self_attn.{}", i, name);
  };
  const int32_t H = c.n_heads, nope = c.mla.qk_nope_dim, rope = c.rope.n_rot, v = c.value_dim;
  const int32_t kv_lora = c.mla.kv_lora_rank, q_lora = c.mla.q_lora_rank;
  const int64_t hidden = c.hidden_size, q_width = static_cast<int64_t>(H) * (nope + rope);
  MlaWeights m;
  if (q_lora > 0) {
    m.wq_a = w.tensor(g("attn_q_a.weight"), h("q_a_proj.weight"), {hidden, q_lora});
    m.q_a_norm = w.vector(g("attn_q_a_norm.weight"), h("q_a_layernorm.weight"), {q_lora});
    m.wq_b = w.tensor(g("attn_q_b.weight"), h("q_b_proj.weight"), {q_lora, q_width});
  } else {
    m.wq = w.tensor(g("attn_q.weight"), h("q_proj.weight"), {hidden, q_width});
  }
  m.wkv_a =
      w.tensor(g("attn_kv_a_mqa.weight"), h("kv_a_proj_with_mqa.weight"), {hidden, kv_lora + rope});
  m.kv_a_norm = w.vector(g("attn_kv_a_norm.weight"), h("kv_a_layernorm.weight"), {kv_lora});
  m.wk_b.resize(static_cast<size_t>(H));
  m.wv_b.resize(static_cast<size_t>(H));
  const bool split =
      w.naming() == WeightNaming::kGguf && (w.recording() || w.has(g("attn_k_b.weight"), ""));
  if (split) {  // llama.cpp's MLA files
    const TensorView kb = w.tensor(g("attn_k_b.weight"), "", {nope, kv_lora, H});
    const TensorView vb = w.tensor(g("attn_v_b.weight"), "", {kv_lora, v, H});
    if (!w.recording()) {
      for (int32_t j = 0; j < H; ++j) {
        m.wk_b[j] = kb.matrix(j);
        m.wv_b[j] = vb.matrix(j);
      }
    }
  } else {  // Hugging Face, or a GGUF written before llama.cpp split attn_kv_b
    const TensorView kv_b = w.tensor(g("attn_kv_b.weight"), h("kv_b_proj.weight"),
                                     {kv_lora, static_cast<int64_t>(H) * (nope + v)});
    if (!w.recording()) split_kv_b(kv_b, H, nope, v, kv_lora, w, m);
  }
  m.wo =
      w.tensor(g("attn_output.weight"), h("o_proj.weight"), {static_cast<int64_t>(H) * v, hidden});
  if (c.dsa.n_heads > 0) bind_indexer(c, i, w, m);
  return m;
}

KvLayerShape mla_kv_shape(const ModelConfig& c) {
  return KvLayerShape{c.mla.kv_lora_rank + c.rope.n_rot, c.dsa.n_heads > 0 ? c.dsa.head_dim : 0,
                      /*n_heads=*/1, /*f32_only=*/true};
}

MlaAttention::MlaAttention(const ModelConfig& c)
    : n_heads_(c.n_heads),
      q_lora_(c.mla.q_lora_rank),
      kv_lora_(c.mla.kv_lora_rank),
      nope_(c.mla.qk_nope_dim),
      rope_dims_(c.rope.n_rot),
      v_dim_(c.value_dim),
      scale_(c.mla.attn_scale > 0.0f
                 ? c.mla.attn_scale
                 : 1.0f / std::sqrt(static_cast<float>(c.mla.qk_nope_dim + c.rope.n_rot))),
      idx_heads_(c.dsa.n_heads),
      idx_dim_(c.dsa.head_dim),
      idx_topk_(c.dsa.topk),
      rope_(c.rope, c.mla.qk_nope_dim + c.rope.n_rot) {
  OWL_CHECK(kv_lora_ > 0 && nope_ >= 0 && rope_dims_ > 0 && v_dim_ > 0, "MLA: bad dimensions");
  if (idx_heads_ > 0) {
    OWL_CHECK(q_lora_ > 0 && idx_dim_ >= rope_dims_ && idx_topk_ > 0,
              "DSA indexer: needs q_lora_rank, head size {} >= rope dims {}, top-k {}", idx_dim_,
              rope_dims_, idx_topk_);
    RopeConfig rc = c.rope;
    rc.style =
        RopeStyle::kNeox;  // the indexer rotates halves (llama.cpp deepseek32; V3.2 reference)
    idx_rope_ = Rope(rc, idx_dim_);
  }
  norm_eps_ = c.norm_eps;
}

void MlaAttention::reserve(int32_t n) {
  selected_.resize(static_cast<size_t>(n));
  if (n <= capacity_) return;
  const size_t un = static_cast<size_t>(n);
  const size_t H = static_cast<size_t>(n_heads_);
  qa_.resize(un * std::max(q_lora_, 1));
  q_.resize(un * H * (nope_ + rope_dims_));
  kv_.resize(un * (kv_lora_ + rope_dims_));
  qc_.resize(un * H * (kv_lora_ + rope_dims_));
  lat_.resize(un * H * kv_lora_);
  vo_.resize(un * H * v_dim_);
  if (idx_heads_ > 0) {
    iq_.resize(un * idx_heads_ * idx_dim_);
    ik_.resize(un * idx_dim_);
    iw_.resize(un * idx_heads_);
  }
  capacity_ = n;
}

void MlaAttention::project_queries(const MlaWeights& w, const Batch& batch, const float* h,
                                   ThreadPool& pool) {
  const int32_t n = batch.size();
  if (q_lora_ > 0) {
    project(w.wq_a, nullptr, h, n, qa_.data(), pool);
    rms_norm_rows(qa_.data(), w.q_a_norm, qa_.data(), n, q_lora_, q_lora_, norm_eps_, pool);
    project(w.wq_b, nullptr, qa_.data(), n, q_.data(), pool);
  } else {
    project(w.wq, nullptr, h, n, q_.data(), pool);
  }
  const int32_t qk = nope_ + rope_dims_;
  rope_rows(rope_, batch, q_.data() + nope_, n_heads_, qk, static_cast<int64_t>(n_heads_) * qk,
            pool);
}

// Indexer keys of the batch go to the cache's value slot; then, for every token whose past is
// longer than index_topk, the top-k positions by I(t, s).
void MlaAttention::index(const MlaWeights& w, const Batch& batch, const float* h, KvCache& cache,
                         int32_t layer, ThreadPool& pool) {
  const int32_t n = batch.size();
  const int64_t nh = idx_heads_, hd = idx_dim_;
  project(w.idx_q_b, nullptr, qa_.data(), n, iq_.data(), pool);
  rope_rows(idx_rope_, batch, iq_.data(), idx_heads_, idx_dim_, nh * hd, pool);
  project(w.idx_k, nullptr, h, n, ik_.data(), pool);
  for (int32_t t = 0; t < n; ++t) {
    kernels::layer_norm(ik_.data() + t * hd, w.idx_k_norm, w.idx_k_norm_b, ik_.data() + t * hd, hd,
                        kIndexerNormEps);
  }
  rope_rows(idx_rope_, batch, ik_.data(), 1, idx_dim_, hd, pool);
  project(w.idx_proj, nullptr, h, n, iw_.data(), pool);
  const float w_scale = 1.0f / std::sqrt(static_cast<float>(nh * hd));
  store_kv(batch, kv_.data(), ik_.data(), cache, layer);
  pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
    std::vector<float> score;
    std::vector<int32_t> order;
    for (int64_t t = b; t < e; ++t) {
      std::vector<int32_t>& sel = selected_[t];
      sel.clear();
      const int32_t pos = batch.positions[t];
      if (pos + 1 <= idx_topk_) continue;  // short context: every position is kept
      const float* keys = cache.values(layer, batch.slots[t]);
      const float* q = iq_.data() + t * nh * hd;
      const float* wt = iw_.data() + t * nh;
      score.assign(static_cast<size_t>(pos) + 1, 0.0f);
      for (int32_t s = 0; s <= pos; ++s) {
        float sum = 0.0f;
        for (int64_t j = 0; j < nh; ++j) {
          sum += wt[j] * w_scale * std::max(0.0f, kernels::dot(q + j * hd, keys + s * hd, hd));
        }
        score[s] = sum;
      }
      order.resize(score.size());
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + idx_topk_, order.end(),
                        [&](int32_t a, int32_t c) {
                          return score[a] > score[c] || (score[a] == score[c] && a < c);
                        });
      sel.assign(order.begin(), order.begin() + idx_topk_);
      std::sort(sel.begin(), sel.end());
    }
  });
}

void MlaAttention::forward(const MlaWeights& w, const Batch& batch, const float* h, KvCache& cache,
                           int32_t layer, float* out, ThreadPool& pool) {
  const int32_t n = batch.size();
  reserve(n);
  const int32_t row = kv_lora_ + rope_dims_, qk = nope_ + rope_dims_;
  project_queries(w, batch, h, pool);
  // The cache rows: RMSNorm(latent) and the RoPE'd shared key.
  project(w.wkv_a, nullptr, h, n, kv_.data(), pool);
  rms_norm_rows(kv_.data(), w.kv_a_norm, kv_.data(), n, kv_lora_, row, norm_eps_, pool);
  rope_rows(rope_, batch, kv_.data() + kv_lora_, 1, row, row, pool);
  if (idx_heads_ > 0) {
    index(w, batch, h, cache, layer, pool);
  } else {
    for (auto& s : selected_) s.clear();
    store_kv(batch, kv_.data(), nullptr, cache, layer);
  }
  // Absorbed queries [W_UK^T q_nope | q_pe] per head.
  const int64_t H = n_heads_;
  for_each_head(H, pool, solo_, [&](int64_t j, ThreadPool& p) {
    kernels::matmul(w.wk_b[j], q_.data() + j * qk, H * qk, qc_.data() + j * row, H * row, n, p);
  });
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t j = 0; j < H; ++j) {
      std::memcpy(qc_.data() + (t * H + j) * row + kv_lora_, q_.data() + (t * H + j) * qk + nope_,
                  sizeof(float) * rope_dims_);
    }
  }
  attend_latent(batch, cache, layer, pool);
  // Values: W_UV per head on the attention-weighted latent, then the output projection.
  for_each_head(H, pool, solo_, [&](int64_t j, ThreadPool& p) {
    kernels::matmul(w.wv_b[j], lat_.data() + j * kv_lora_, H * kv_lora_, vo_.data() + j * v_dim_,
                    H * v_dim_, n, p);
  });
  project(w.wo, nullptr, vo_.data(), n, out, pool);
}

// lat [n][H][kv_lora] = softmax(scale qc . [c | k_pe]) c over each token's visible (or selected)
// positions: multi-query attention whose values are the first kv_lora floats of the keys.
void MlaAttention::attend_latent(const Batch& batch, const KvCache& cache, int32_t layer,
                                 ThreadPool& pool) {
  const int32_t n = batch.size();
  const int32_t row = kv_lora_ + rope_dims_;
  const int64_t H = n_heads_;
  std::vector<int32_t> dense, sparse;
  for (int32_t t = 0; t < n; ++t) (selected_[t].empty() ? dense : sparse).push_back(t);
  // Dense tokens, one slot at a time, through the attention kernel.
  std::vector<int32_t> slots;
  for (int32_t t : dense) {
    if (std::find(slots.begin(), slots.end(), batch.slots[t]) == slots.end())
      slots.push_back(batch.slots[t]);
  }
  std::vector<float> q, o;
  std::vector<int32_t> pos;
  for (int32_t slot : slots) {
    std::vector<int32_t> toks;
    for (int32_t t : dense) {
      if (batch.slots[t] == slot) toks.push_back(t);
    }
    const bool direct = static_cast<int32_t>(toks.size()) == n;  // all of the batch: no copies
    pos.resize(toks.size());
    int32_t max_pos = 0;
    for (size_t i = 0; i < toks.size(); ++i) {
      pos[i] = batch.positions[toks[i]];
      max_pos = std::max(max_pos, pos[i]);
    }
    if (!direct) {
      q.resize(toks.size() * H * row);
      o.resize(toks.size() * H * kv_lora_);
      for (size_t i = 0; i < toks.size(); ++i) {
        std::memcpy(q.data() + i * H * row, qc_.data() + toks[i] * H * row,
                    sizeof(float) * H * row);
      }
    }
    kernels::AttentionArgs a;
    a.q = direct ? qc_.data() : q.data();
    a.q_stride = H * row;
    a.k = cache.keys(layer, slot);
    a.v = cache.keys(layer, slot);
    a.k_stride = row;
    a.v_stride = row;
    a.n_kv = max_pos + 1;
    a.pos = pos.data();
    a.out = direct ? lat_.data() : o.data();
    a.out_stride = H * kv_lora_;
    a.n_tokens = static_cast<int>(toks.size());
    a.n_heads = n_heads_;
    a.n_kv_heads = 1;
    a.head_dim = row;
    a.head_dim_v = kv_lora_;
    a.scale = scale_;
    kernels::attention(a, pool);
    if (!direct) {
      for (size_t i = 0; i < toks.size(); ++i) {
        std::memcpy(lat_.data() + toks[i] * H * kv_lora_, o.data() + i * H * kv_lora_,
                    sizeof(float) * H * kv_lora_);
      }
    }
  }
  // DSA-restricted tokens: softmax over the selected positions only.
  pool.parallel_for(static_cast<int64_t>(sparse.size()) * H, [&](int64_t b, int64_t e, int) {
    std::vector<float> p;
    for (int64_t item = b; item < e; ++item) {
      const int32_t t = sparse[item / H];
      const int64_t j = item % H;
      const std::vector<int32_t>& sel = selected_[t];
      const float* keys = cache.keys(layer, batch.slots[t]);
      const float* qh = qc_.data() + (t * H + j) * row;
      p.resize(sel.size());
      float m = -INFINITY;
      for (size_t i = 0; i < sel.size(); ++i) {
        p[i] = scale_ * kernels::dot(qh, keys + static_cast<int64_t>(sel[i]) * row, row);
        m = std::max(m, p[i]);
      }
      float sum = 0.0f;
      for (float& x : p) sum += (x = std::exp(x - m));
      float* oh = lat_.data() + (t * H + j) * kv_lora_;
      std::fill(oh, oh + kv_lora_, 0.0f);
      for (size_t i = 0; i < sel.size(); ++i) {
        kernels::axpy(p[i] / sum, keys + static_cast<int64_t>(sel[i]) * row, oh, kv_lora_);
      }
    }
  });
}

}  // namespace owl
