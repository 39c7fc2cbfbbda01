// The pre-norm decoder with grouped-query attention and a gated FFN that the llama family and
// its variants share (Llama 2/3, Mistral, SmolLM, Qwen2 with QKV bias, Qwen3 with per-head Q/K
// RMSNorm). Variants are data (DenseDecoderOptions), not code.
#pragma once

#include <vector>

#include "base/aligned_buffer.h"
#include "model/blocks/layer_ops.h"
#include "model/blocks/rope.h"
#include "model/model.h"

namespace owl {

struct DenseDecoderOptions {
  bool qkv_bias = false;  // qwen2: biases on the Q, K, V projections
  bool qk_norm = false;   // qwen3: RMSNorm over each head of Q and K before RoPE
  GateActivation activation = GateActivation::kSilu;
};

class DenseDecoder : public Model {
 public:
  DenseDecoder(ModelConfig config, DenseDecoderOptions options, WeightBinder& weights);

  std::vector<KvLayerShape> kv_shapes() const override;
  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // [hidden]
    TensorView wq, wk, wv, wo;         // [hidden, q_width], [hidden, kv_width] x2, [q_width, hidden]
    const float* bq = nullptr;         // [q_width] (qkv_bias)
    const float* bk = nullptr;         // [kv_width]
    const float* bv = nullptr;         // [kv_width]
    const float* q_norm = nullptr;     // [head_dim] (qk_norm)
    const float* k_norm = nullptr;     // [head_dim]
    const float* ffn_norm = nullptr;   // [hidden]
    GatedFfn ffn;
  };
  void reserve(int32_t n_tokens);

  DenseDecoderOptions options_;
  TensorView token_embd_;             // [hidden, vocab]
  const float* output_norm_ = nullptr;  // [hidden]
  TensorView output_;                 // [hidden, vocab] (the embedding table when tied)
  std::vector<Layer> layers_;
  Rope rope_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;     // [n][hidden] residual stream
  AlignedBuffer<float> h_;     // [n][hidden] normed input / sublayer output
  AlignedBuffer<float> q_;     // [n][q_width]
  AlignedBuffer<float> k_;     // [n][kv_width]
  AlignedBuffer<float> v_;     // [n][kv_width]
  AlignedBuffer<float> attn_;  // [n][max(q_width, hidden)] attention output, then FFN output
  AlignedBuffer<float> ffn_;   // [2][n][ffn_size]
};

}  // namespace owl
