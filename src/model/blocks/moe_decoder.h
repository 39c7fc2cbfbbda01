// The pre-norm decoder with grouped-query attention and mixture-of-experts FFNs that Qwen3-MoE,
// GLM-4.5/4.6 and MiniMax-M2 share: optional Q/K/V biases, optional Q/K RMSNorm (per head or
// over the whole projection), partial RoPE, the first layers optionally dense, routed experts
// plus optional shared experts. Variants are data (MoeDecoderOptions).
#pragma once

#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "model/blocks/layer_ops.h"
#include "model/blocks/moe.h"
#include "model/blocks/rope.h"
#include "model/model.h"

namespace owl {

enum class QkNorm {
  kNone,
  kPerHead,    // RMSNorm over each head of Q and K (Qwen3, GLM-4.5)
  kFullWidth,  // RMSNorm over all of Q's (and all of K's) heads at once (MiniMax-M2)
};

// Hugging Face names of a layer's MoE tensors, relative to "model.layers.N."; "{}" in the
// expert patterns is the expert index. The GGUF names are llama.cpp's and the same for all.
struct MoeHfNames {
  std::string router = "mlp.gate.weight";
  std::string score_bias = "mlp.gate.e_score_correction_bias";
  std::string gate = "mlp.experts.{}.gate_proj.weight";
  std::string up = "mlp.experts.{}.up_proj.weight";
  std::string down = "mlp.experts.{}.down_proj.weight";
  std::string shared = "mlp.shared_experts.";  // + gate_proj.weight etc.
};

struct MoeDecoderOptions {
  bool qkv_bias = false;
  QkNorm qk_norm = QkNorm::kNone;
  MoeOptions moe;
  bool score_bias = false;      // the router has a selection-only bias (exp_probs_b)
  int32_t n_dense_layers = 0;   // the first layers have a dense FFN of config.ffn_size
  int32_t shared_ffn_size = 0;  // > 0: shared experts, as one FFN of this width
  MoeHfNames hf;
};

class MoeDecoder : public Model {
 public:
  MoeDecoder(ModelConfig config, MoeDecoderOptions options, WeightBinder& weights);

  std::vector<KvLayerShape> kv_shapes() const override;
  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;
  const MoeFfn& moe() const { return moe_; }
  MoeFfn& moe() { return moe_; }

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // [hidden]
    TensorView wq, wk, wv, wo;        // [hidden, q_width], [hidden, kv_width] x2, [q_width, hidden]
    const float* bq = nullptr;        // [q_width] (qkv_bias)
    const float* bk = nullptr;        // [kv_width]
    const float* bv = nullptr;        // [kv_width]
    const float* q_norm = nullptr;    // [head_dim] or [q_width] (qk_norm)
    const float* k_norm = nullptr;    // [head_dim] or [kv_width]
    const float* ffn_norm = nullptr;  // [hidden]
    bool dense = false;
    GatedFfn ffn;    // dense layers
    MoeWeights moe;  // MoE layers
  };
  void bind_layer(int32_t i, WeightBinder& w);
  void attention(int32_t il, const Batch& batch, KvCache& cache, ThreadPool& pool);
  void reserve(int32_t n_tokens);

  MoeDecoderOptions options_;
  TensorView token_embd_;               // [hidden, vocab]
  const float* output_norm_ = nullptr;  // [hidden]
  TensorView output_;                   // [hidden, vocab] (the embedding table when tied)
  std::vector<Layer> layers_;
  Rope rope_;
  MoeFfn moe_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;     // [n][hidden] residual stream
  AlignedBuffer<float> h_;     // [n][hidden] normed input / sublayer output
  AlignedBuffer<float> q_;     // [n][q_width]
  AlignedBuffer<float> k_;     // [n][kv_width]
  AlignedBuffer<float> v_;     // [n][kv_width]
  AlignedBuffer<float> attn_;  // [n][max(q_width, hidden)] attention output, then FFN output
  AlignedBuffer<float> ffn_;   // [2][n][ffn_size] dense FFN scratch
};

}  // namespace owl
