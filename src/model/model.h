// A loaded model: its config, tokenizer, chat template and the forward pass of its architecture.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace owl {

class Model {
 public:
  virtual ~Model() = default;

  const ModelConfig& config() const { return config_; }
  // owl::Error when the model came without tokenizer files (ids still work).
  const Tokenizer& tokenizer() const;
  Tokenizer& mutable_tokenizer() { return const_cast<Tokenizer&>(tokenizer()); }
  bool has_tokenizer() const { return tokenizer_ != nullptr; }
  const std::string& chat_template() const { return chat_template_; }
  const std::string& path() const { return path_; }
  // Bytes of weight data the model reads (all tensors bound from the file).
  size_t weight_bytes() const { return weight_bytes_; }
  // Bytes of weights read to generate one token: every matrix used per token (for mixtures of
  // experts, the selected experts' share), not the embedding table beyond one row.
  size_t weight_bytes_per_token() const {
    const size_t dense = weight_bytes_ - embedding_bytes_ - routed_expert_bytes_;
    if (routed_expert_bytes_ == 0 || config_.n_experts <= 0) return dense + routed_expert_bytes_;
    return dense + static_cast<size_t>(static_cast<double>(routed_expert_bytes_) * config_.n_experts_used /
                                       config_.n_experts);
  }
  void set_embedding_bytes(size_t b) { embedding_bytes_ = b; }
  void set_routed_expert_bytes(size_t b) { routed_expert_bytes_ = b; }
  // The tensors the model was loaded from (for `owl info`).
  const WeightSource* source() const { return source_.get(); }

  // What each layer keeps in the KV cache.
  virtual std::vector<KvLayerShape> kv_shapes() const = 0;
  // Runs the batch through the model. Keys/values of every token are written to `cache` at
  // (slot, position); each token attends to positions <= its own in its slot. logits receives
  // [batch.n_outputs()][vocab_size] rows, in batch order, for tokens with want_logits.
  virtual void forward(const Batch& batch, KvCache& cache, float* logits, ThreadPool& pool) = 0;

  // Filled by the loader.
  void set_tokenizer(std::unique_ptr<Tokenizer> t) { tokenizer_ = std::move(t); }
  void set_chat_template(std::string t) { chat_template_ = std::move(t); }
  void set_path(std::string p) { path_ = std::move(p); }
  void set_source(std::shared_ptr<WeightSource> s) { source_ = std::move(s); }
  void set_weight_bytes(size_t b) { weight_bytes_ = b; }

 protected:
  explicit Model(ModelConfig config) : config_(std::move(config)) {}
  ModelConfig config_;

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string chat_template_;
  std::string path_;
  std::shared_ptr<WeightSource> source_;
  size_t weight_bytes_ = 0;
  size_t embedding_bytes_ = 0;  // the token table when it is not also the output head
  size_t routed_expert_bytes_ = 0;  // stacked or per-expert routed FFN weights
};

}  // namespace owl
