// Mixture-of-experts routing and expert FFNs, tokens grouped by expert.
#include "model/blocks/moe.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "base/error.h"
#include "kernels/kernels.h"

namespace owl {
namespace {

// llama.cpp clamps the sum of the chosen weights from below before dividing (build_moe_ffn);
// Hugging Face adds 1e-20. Both only matter when every chosen weight is ~0.
constexpr float kMinWeightSum = 6.103515625e-5f;

// Top `k` indices of v[0..n) by value, best first; ties go to the lower index.
void top_k(const float* v, int32_t n, int32_t k, int32_t* out, std::vector<int32_t>& idx) {
  idx.resize(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [v](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); });
  std::copy(idx.begin(), idx.begin() + k, out);
}

// Masks to -inf the experts of all but the n_groups_used best groups (llama.cpp masks with
// -inf; DeepSeek's reference fills 0, which differs only if a kept score is negative).
void limit_groups(const MoeRouting& r, float* sel, std::vector<float>& group_score,
                  std::vector<int32_t>& idx) {
  const int32_t per_group = r.n_experts / r.n_groups;
  group_score.assign(static_cast<size_t>(r.n_groups), 0.0f);
  std::vector<int32_t> best(static_cast<size_t>(r.group_score_top));
  for (int32_t g = 0; g < r.n_groups; ++g) {
    const float* s = sel + static_cast<size_t>(g) * per_group;
    top_k(s, per_group, r.group_score_top, best.data(), idx);
    float sum = 0.0f;
    for (int32_t b : best) sum += s[b];
    group_score[g] = sum;
  }
  std::vector<int32_t> kept(static_cast<size_t>(r.n_groups_used));
  top_k(group_score.data(), r.n_groups, r.n_groups_used, kept.data(), idx);
  for (int32_t g = 0; g < r.n_groups; ++g) {
    if (std::find(kept.begin(), kept.end(), g) != kept.end()) continue;
    std::fill(sel + static_cast<size_t>(g) * per_group,
              sel + static_cast<size_t>(g + 1) * per_group, -INFINITY);
  }
}

void check_routing(const MoeRouting& r) {
  OWL_CHECK(r.n_experts > 0 && r.n_used > 0 && r.n_used <= r.n_experts,
            "MoE: {} experts used of {}", r.n_used, r.n_experts);
  if (r.n_groups > 1) {
    OWL_CHECK(r.n_experts % r.n_groups == 0 && r.n_groups_used >= 1 &&
                  r.n_groups_used <= r.n_groups && r.group_score_top >= 1 &&
                  r.group_score_top <= r.n_experts / r.n_groups &&
                  r.n_used <= r.n_groups_used * (r.n_experts / r.n_groups),
              "MoE: {} experts in {} groups ({} kept) cannot give {} experts per token",
              r.n_experts, r.n_groups, r.n_groups_used, r.n_used);
  }
}

void activate(const MoeOptions& o, float* g, const float* u, int64_t n) {
  switch (o.activation) {
    case ExpertActivation::kSilu:
      kernels::silu_mul(g, u, g, n);
      break;
    case ExpertActivation::kGeluTanh:
      kernels::gelu_mul(g, u, g, n);
      break;
    case ExpertActivation::kSwigluClamped:
      // gpt-oss (its reference MLPBlock; ggml_swiglu_oai): the gate is clamped from above, the
      // up projection on both sides and shifted by one.
      for (int64_t i = 0; i < n; ++i) {
        const float x = std::min(g[i], o.swiglu_limit);
        const float y = std::clamp(u[i], -o.swiglu_limit, o.swiglu_limit);
        g[i] = x / (1.0f + std::exp(-o.swiglu_alpha * x)) * (y + 1.0f);
      }
      break;
  }
}

}  // namespace

MoeRouting routing_from_config(const ModelConfig& c) {
  MoeRouting r;
  r.n_experts = c.n_experts;
  r.n_used = c.n_experts_used;
  switch (c.expert_gating_func) {
    case 2:
      r.scoring = RouterScoring::kSigmoid;
      break;
    case 3:
      r.scoring = RouterScoring::kSoftmaxSelected;
      break;
    default:
      r.scoring = RouterScoring::kSoftmax;
      break;
  }
  r.n_groups = c.n_expert_groups;
  r.n_groups_used = c.n_expert_groups_used;
  r.group_score_top = c.expert_group_score_top;
  r.normalize = c.expert_weights_norm;
  r.scale = c.expert_weights_scale;
  return r;
}

void route_tokens(const MoeRouting& r, const float* logits, const float* score_bias, int64_t n,
                  int32_t* experts, float* weights) {
  check_routing(r);
  const int32_t E = r.n_experts, k = r.n_used;
  std::vector<float> scores(static_cast<size_t>(E)), sel(static_cast<size_t>(E)), group_score;
  std::vector<int32_t> idx;
  for (int64_t t = 0; t < n; ++t) {
    const float* l = logits + t * E;
    std::copy(l, l + E, scores.begin());
    if (r.scoring == RouterScoring::kSoftmax) {
      kernels::softmax(scores.data(), E);
    } else if (r.scoring == RouterScoring::kSigmoid) {
      for (float& s : scores) s = 1.0f / (1.0f + std::exp(-s));
    }
    for (int32_t e = 0; e < E; ++e)
      sel[e] = scores[e] + (score_bias != nullptr ? score_bias[e] : 0.0f);
    if (r.n_groups > 1) limit_groups(r, sel.data(), group_score, idx);
    int32_t* chosen = experts + t * k;
    float* w = weights + t * k;
    top_k(sel.data(), E, k, chosen, idx);
    for (int32_t j = 0; j < k; ++j) w[j] = scores[chosen[j]];
    if (r.scoring == RouterScoring::kSoftmaxSelected) kernels::softmax(w, k);
    if (r.normalize) {
      float sum = 0.0f;
      for (int32_t j = 0; j < k; ++j) sum += w[j];
      const float inv = 1.0f / std::max(sum, kMinWeightSum);
      for (int32_t j = 0; j < k; ++j) w[j] *= inv;
    }
    for (int32_t j = 0; j < k; ++j) w[j] *= r.scale;
  }
}

void MoeFfn::Scratch::reserve(int64_t count, int64_t hidden, int64_t ffn) {
  const size_t c = static_cast<size_t>(count);
  if (xe.size() < c * hidden) xe.resize(c * hidden);
  if (d.size() < c * hidden) d.resize(c * hidden);
  if (g.size() < c * ffn) g.resize(c * ffn);
  if (u.size() < c * ffn) u.resize(c * ffn);
}

// Router logits, the choice per token, and the (token, slot) pairs grouped by expert.
void MoeFfn::route(const MoeWeights& w, const MoeOptions& o, const float* x, int64_t n,
                   ThreadPool& pool) {
  const int32_t E = o.routing.n_experts, k = o.routing.n_used;
  const size_t un = static_cast<size_t>(n);
  if (logits_.size() < un * E) logits_.resize(un * E);
  chosen_.resize(un * k);
  weights_.resize(un * k);
  order_.resize(un * k);
  start_.assign(static_cast<size_t>(E) + 1, 0);
  project(w.router, w.router_bias, x, n, logits_.data(), pool);
  route_tokens(o.routing, logits_.data(), w.score_bias, n, chosen_.data(), weights_.data());
  for (int64_t i = 0; i < n * k; ++i) ++start_[chosen_[i] + 1];
  for (int32_t e = 0; e < E; ++e) start_[e + 1] += start_[e];
  std::vector<int32_t> fill(start_.begin(), start_.end() - 1);
  for (int64_t i = 0; i < n * k; ++i) order_[fill[chosen_[i]]++] = static_cast<int32_t>(i);
}

// Runs expert e on the tokens routed to it. out: with slot_out_ in use, each (token, slot) row
// of it receives weight * result; otherwise weight * result is added to the token's row.
void MoeFfn::run_expert(const MoeWeights& w, const MoeOptions& o, int32_t e, const float* x,
                        int64_t hidden, Scratch& s, float* out, ThreadPool& pool) {
  const int32_t k = o.routing.n_used;
  const int32_t begin = start_[e], count = start_[e + 1] - start_[e];
  const int64_t ffn = w.gate[e].ne[1];
  s.reserve(count, hidden, ffn);
  for (int32_t i = 0; i < count; ++i) {
    const int32_t token = order_[begin + i] / k;
    std::memcpy(s.xe.data() + static_cast<size_t>(i) * hidden,
                x + static_cast<size_t>(token) * hidden, sizeof(float) * hidden);
  }
  kernels::matmul(w.gate[e], s.xe.data(), hidden, s.g.data(), ffn, count, pool);
  kernels::matmul(w.up[e], s.xe.data(), hidden, s.u.data(), ffn, count, pool);
  for (int32_t i = 0; i < count; ++i) {
    float* g = s.g.data() + static_cast<size_t>(i) * ffn;
    float* u = s.u.data() + static_cast<size_t>(i) * ffn;
    if (w.gate_bias != nullptr) kernels::add(w.gate_bias + static_cast<size_t>(e) * ffn, g, ffn);
    if (w.up_bias != nullptr) kernels::add(w.up_bias + static_cast<size_t>(e) * ffn, u, ffn);
    activate(o, g, u, ffn);
  }
  kernels::matmul(w.down[e], s.g.data(), ffn, s.d.data(), hidden, count, pool);
  const bool per_slot = out == slot_out_.data();
  for (int32_t i = 0; i < count; ++i) {
    const int32_t entry = order_[begin + i];
    float* d = s.d.data() + static_cast<size_t>(i) * hidden;
    if (w.down_bias != nullptr)
      kernels::add(w.down_bias + static_cast<size_t>(e) * hidden, d, hidden);
    if (per_slot) {
      float* dst = out + static_cast<size_t>(entry) * hidden;
      for (int64_t j = 0; j < hidden; ++j) dst[j] = weights_[entry] * d[j];
    } else {
      kernels::axpy(weights_[entry], d, out + static_cast<size_t>(entry / k) * hidden, hidden);
    }
  }
}

// The active experts shared out among the threads (largest first, round robin); each thread
// runs its experts' matmuls on its own. Writes per-slot rows only (no two threads share one).
void MoeFfn::run_experts_in_parallel(const MoeWeights& w, const MoeOptions& o,
                                     const std::vector<int32_t>& active, const float* x,
                                     int64_t hidden, float* out, ThreadPool& pool) {
  const int nt = pool.size();
  while (static_cast<int>(solo_.size()) < nt) solo_.push_back(std::make_unique<ThreadPool>(1));
  std::vector<int32_t> sorted = active;
  std::stable_sort(sorted.begin(), sorted.end(), [this](int32_t a, int32_t b) {
    return start_[a + 1] - start_[a] > start_[b + 1] - start_[b];
  });
  pool.run([&](int t) {
    for (size_t i = static_cast<size_t>(t); i < sorted.size(); i += static_cast<size_t>(nt)) {
      run_expert(w, o, sorted[i], x, hidden, scratch_[t], out, *solo_[t]);
    }
  });
}

void MoeFfn::forward(const MoeWeights& w, const MoeOptions& o, const float* x, int64_t n,
                     float* out, ThreadPool& pool) {
  const MoeRouting& r = o.routing;
  const int64_t hidden = w.router.ne[0];
  OWL_CHECK(w.router.ne[1] == r.n_experts && static_cast<int32_t>(w.gate.size()) == r.n_experts &&
                w.up.size() == w.gate.size() && w.down.size() == w.gate.size(),
            "MoE: router has {} outputs, {} experts bound, {} expected", w.router.ne[1],
            w.gate.size(), r.n_experts);
  const int32_t E = r.n_experts, k = r.n_used;
  route(w, o, x, n, pool);
  std::vector<int32_t> active;
  int32_t max_count = 0;
  for (int32_t e = 0; e < E; ++e) {
    const int32_t count = start_[e + 1] - start_[e];
    if (count == 0) continue;
    active.push_back(e);
    max_count = std::max(max_count, count);
    stats_.expert_bytes += w.gate[e].nbytes + w.up[e].nbytes + w.down[e].nbytes;
    stats_.expert_matmuls += 3;
    stats_.expert_tokens += static_cast<uint64_t>(count);
  }
  if (scratch_.size() < static_cast<size_t>(pool.size()))
    scratch_.resize(static_cast<size_t>(pool.size()));
  const bool per_slot = n <= kSlotOrderTokens;
  float* dst = out;
  if (per_slot) {
    if (slot_out_.size() < static_cast<size_t>(n * k * hidden))
      slot_out_.resize(static_cast<size_t>(n * k * hidden));
    dst = slot_out_.data();
  } else {
    std::fill(out, out + n * hidden, 0.0f);
  }
  // A thread per expert pays off when each expert sees a token or two (generation).
  if (per_slot && pool.size() > 1 && static_cast<int>(active.size()) >= pool.size() &&
      max_count <= 2) {
    run_experts_in_parallel(w, o, active, x, hidden, dst, pool);
  } else {
    for (int32_t e : active) run_expert(w, o, e, x, hidden, scratch_[0], dst, pool);
  }
  if (per_slot) {  // each token's experts summed in the order they were chosen
    for (int64_t t = 0; t < n; ++t) {
      float* y = out + t * hidden;
      std::copy(dst + t * k * hidden, dst + (t * k + 1) * hidden, y);
      for (int32_t j = 1; j < k; ++j) kernels::add(dst + (t * k + j) * hidden, y, hidden);
    }
  }
  if (w.shared.gate.data != nullptr) {
    const int64_t sffn = w.shared.gate.ne[1];
    const size_t need = static_cast<size_t>(n) * (hidden + 2 * sffn);
    if (shared_.size() < need) shared_.resize(need);
    float* s_out = shared_.data();
    const GateActivation act = o.activation == ExpertActivation::kGeluTanh
                                   ? GateActivation::kGeluTanh
                                   : GateActivation::kSilu;
    gated_ffn(w.shared, act, x, n, s_out + n * hidden, s_out, pool);
    kernels::add(s_out, out, n * hidden);
  }
}

std::vector<TensorView> bind_experts(WeightBinder& w, const std::string& gguf_name,
                                     const std::string& hf_pattern, int64_t in, int64_t out,
                                     int32_t n_experts) {
  std::vector<TensorView> views(static_cast<size_t>(n_experts));
  if (w.naming() == WeightNaming::kGguf) {
    const TensorView all = w.tensor(gguf_name, "", {in, out, n_experts});
    for (int32_t e = 0; e < n_experts; ++e) {
      if (all.data != nullptr) {
        views[e] = all.matrix(e);
      } else {  // recording mode (synth): shapes only
        views[e] = all;
        views[e].n_dims = 2;
        views[e].ne = {in, out, 1, 1};
      }
    }
    return views;
  }
  for (int32_t e = 0; e < n_experts; ++e) {
    views[e] = w.tensor("", fmt::format(fmt::runtime(hf_pattern), e), {in, out});
  }
  return views;
}

}  // namespace owl
