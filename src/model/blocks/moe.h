// Mixture-of-experts FFN: a router scores the experts per token, the top-k are chosen (optionally
// group-limited, optionally with a selection-only score bias), their gated FFNs run on the token
// and their outputs are summed with the routing weights; shared experts are added unweighted.
// One block serves Qwen3-MoE, DeepSeek-V2/V3, Kimi K2, GLM-4.5, MiniMax-M2 and gpt-oss.
//
// Speed: only the selected experts' matrices are read. For a batch, tokens are grouped by expert
// so each selected expert's weights are streamed once per forward, whatever the batch size.
//
// Usage:
//   MoeWeights w;                                   // per layer, bound once at load
//   w.router = binder.tensor("blk.N.ffn_gate_inp.weight", "...mlp.gate.weight", {hidden, E});
//   w.gate = bind_experts(binder, "blk.N.ffn_gate_exps.weight",
//                         "model.layers.N.mlp.experts.{}.gate_proj.weight", hidden, ffn, E);
//   ...
//   MoeFfn moe;                                     // per model: scratch, reused by all layers
//   moe.forward(w, options, x, n_tokens, out, pool);  // out [n][hidden] is overwritten
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/thread_pool.h"
#include "model/blocks/layer_ops.h"
#include "model/config.h"
#include "model/weights.h"
#include "tensor/tensor.h"

namespace owl {

enum class RouterScoring {
  kSoftmax,  // softmax over all experts' logits (Qwen3-MoE, Mixtral, DeepSeek-V2)
  kSigmoid,  // an independent sigmoid per expert (DeepSeek-V3, Kimi K2, GLM-4.5, MiniMax-M2)
  kSoftmaxSelected,  // choose on the raw logits, softmax over the chosen ones only (gpt-oss)
};

// How the experts are chosen and weighted (llama.cpp's build_moe_ffn; HF's routers agree).
struct MoeRouting {
  int32_t n_experts = 0;
  int32_t n_used = 0;  // k: experts per token
  RouterScoring scoring = RouterScoring::kSoftmax;
  // Group-limited top-k (DeepSeek-V3 "noaux_tc"): the experts are split into n_groups equal
  // groups, a group scores the sum of its group_score_top best selection scores (2 in V3; 1,
  // i.e. the max, in V2's "group_limited_greedy"), only the n_groups_used best groups stay
  // eligible. n_groups <= 1: no grouping.
  int32_t n_groups = 1;
  int32_t n_groups_used = 1;
  int32_t group_score_top = 2;
  bool normalize = false;  // divide the chosen weights by their sum (norm_topk_prob)
  float scale = 1.0f;      // multiply the chosen weights (routed_scaling_factor), after normalize
};

enum class ExpertActivation {
  kSilu,           // silu(gate) * up
  kGeluTanh,       // gelu_tanh(gate) * up
  kSwigluClamped,  // gpt-oss: g = min(gate, limit); g * sigmoid(alpha g) * (clamp(up, +-limit) + 1)
};

struct MoeOptions {
  MoeRouting routing;
  ExpertActivation activation = ExpertActivation::kSilu;
  float swiglu_alpha = 1.702f;  // kSwigluClamped
  float swiglu_limit = 7.0f;    // kSwigluClamped
};

struct MoeWeights {
  TensorView router;                   // [hidden, n_experts]
  const float* router_bias = nullptr;  // [n_experts] added to the logits (gpt-oss), or null
  const float* score_bias = nullptr;   // [n_experts] added to the scores for the choice only
                                       // (DeepSeek-V3 e_score_correction_bias), or null
  std::vector<TensorView> gate;        // [n_experts] of [hidden, ffn]
  std::vector<TensorView> up;          // [n_experts] of [hidden, ffn]
  std::vector<TensorView> down;        // [n_experts] of [ffn, hidden]
  const float* gate_bias = nullptr;    // [n_experts][ffn] or null
  const float* up_bias = nullptr;      // [n_experts][ffn] or null
  const float* down_bias = nullptr;    // [n_experts][hidden] or null
  GatedFfn shared;                     // shared expert(s) as one FFN; gate.data null: none
};

// The routing a config describes (n_experts, n_experts_used, expert_gating_func, groups,
// expert_weights_norm / _scale).
MoeRouting routing_from_config(const ModelConfig& c);

// The routing decision for n tokens: experts [n][k] (best first) and their weights [n][k].
// logits [n][n_experts] are the router outputs (router_bias already added).
void route_tokens(const MoeRouting& r, const float* logits, const float* score_bias, int64_t n,
                  int32_t* experts, float* weights);

// Expert weights read, for measuring that generation cost follows the active parameters.
struct MoeStats {
  uint64_t expert_bytes = 0;    // bytes of routed-expert matrices multiplied
  uint64_t expert_matmuls = 0;  // routed-expert matrices multiplied (3 per expert run)
  uint64_t expert_tokens = 0;   // (token, expert) pairs computed
};

// Holds the scratch buffers (one per model, shared by its layers).
//
// Two schedules: with few tokens per expert (generation), the chosen experts are shared out
// among the threads, each running its experts' matmuls alone (one pool dispatch per layer
// instead of three per expert); with more (prompt processing), experts run one after another,
// each matmul split across the threads. With at most kSlotOrderTokens tokens, each token's
// expert outputs are summed in the order of its choices, as llama.cpp does; above, in expert
// order (the same sum up to float rounding).
class MoeFfn {
 public:
  static constexpr int64_t kSlotOrderTokens = 16;

  // out [n][hidden] = sum over each token's chosen experts of weight * expert(x), plus the
  // shared FFN. x [n][hidden].
  void forward(const MoeWeights& w, const MoeOptions& o, const float* x, int64_t n, float* out,
               ThreadPool& pool);

  const MoeStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 private:
  struct Scratch {
    AlignedBuffer<float> xe;  // [count][hidden] rows routed to one expert
    AlignedBuffer<float> g;   // [count][ffn]
    AlignedBuffer<float> u;   // [count][ffn]
    AlignedBuffer<float> d;   // [count][hidden]
    void reserve(int64_t count, int64_t hidden, int64_t ffn);
  };
  void route(const MoeWeights& w, const MoeOptions& o, const float* x, int64_t n, ThreadPool& pool);
  void run_expert(const MoeWeights& w, const MoeOptions& o, int32_t e, const float* x,
                  int64_t hidden, Scratch& s, float* out, ThreadPool& pool);
  void run_experts_in_parallel(const MoeWeights& w, const MoeOptions& o,
                               const std::vector<int32_t>& active, const float* x, int64_t hidden,
                               float* out, ThreadPool& pool);

  AlignedBuffer<float> logits_;    // [n][n_experts]
  std::vector<int32_t> chosen_;    // [n][k]
  std::vector<float> weights_;     // [n][k]
  std::vector<int32_t> order_;     // [n*k] (token*k + slot), grouped by expert
  std::vector<int32_t> start_;     // [n_experts + 1] offsets into order_
  AlignedBuffer<float> slot_out_;  // [n*k][hidden] weighted expert outputs (small batches)
  std::vector<Scratch> scratch_;   // one per thread
  std::vector<std::unique_ptr<ThreadPool>> solo_;  // a one-thread pool per thread
  AlignedBuffer<float> shared_;                    // [n][hidden] + [2][n][shared_ffn] scratch
  MoeStats stats_;
};

// Per-expert views of one projection: from the stacked GGUF tensor `gguf_name` [in, out,
// n_experts] (llama.cpp's *_exps), or, in a Hugging Face folder, one tensor per expert named
// by `hf_pattern` with "{}" replaced by the expert index. In recording mode (synth) the tensor
// is recorded in the binder's naming.
std::vector<TensorView> bind_experts(WeightBinder& w, const std::string& gguf_name,
                                     const std::string& hf_pattern, int64_t in, int64_t out,
                                     int32_t n_experts);

}  // namespace owl
