// The DeepSeek-V2/V3 decoder (also Kimi K2 and DeepSeek-V3.2): multi-head latent attention with
// a latent KV cache (optionally DSA-restricted), the first layers with a dense FFN and the rest
// routed experts plus shared experts.
#pragma once

#include <vector>

#include "base/aligned_buffer.h"
#include "model/blocks/layer_ops.h"
#include "model/blocks/mla.h"
#include "model/blocks/moe.h"
#include "model/model.h"

namespace owl {

class MlaDecoder : public Model {
 public:
  MlaDecoder(ModelConfig config, WeightBinder& weights);

  std::vector<KvLayerShape> kv_shapes() const override;
  void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) override;
  MlaAttention& attention() { return attention_; }
  MoeFfn& moe() { return moe_; }

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // [hidden]
    MlaWeights attn;
    const float* ffn_norm = nullptr;  // [hidden]
    bool dense = false;
    GatedFfn ffn;    // dense layers: [hidden, ffn_size] ...
    MoeWeights moe;  // MoE layers
  };
  void bind_ffn(int32_t i, WeightBinder& w);
  void reserve(int32_t n_tokens);

  TensorView token_embd_;               // [hidden, vocab]
  const float* output_norm_ = nullptr;  // [hidden]
  TensorView output_;                   // [hidden, vocab]
  std::vector<Layer> layers_;
  MoeOptions moe_options_;
  MlaAttention attention_;
  MoeFfn moe_;

  int32_t capacity_ = 0;
  AlignedBuffer<float> x_;    // [n][hidden] residual stream
  AlignedBuffer<float> h_;    // [n][hidden] normed input
  AlignedBuffer<float> o_;    // [n][hidden] sublayer output
  AlignedBuffer<float> ffn_;  // [2][n][ffn_size] dense FFN scratch
};

}  // namespace owl
