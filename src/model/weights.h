// Where a model's tensors come from (GGUF, safetensors folder, llama2.c), and the binder that
// fetches each weight by its GGUF or Hugging Face name, checks its shape, and converts the small
// vectors (norms, biases) the float ops need to f32.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/aligned_buffer.h"
#include "tensor/tensor.h"

namespace owl {

enum class WeightNaming { kGguf, kHf };

// f32 copies made at load (converted norm vectors, permuted or transformed tensors).
class WeightArena {
 public:
  float* alloc(size_t n);

 private:
  std::deque<AlignedBuffer<float>> buffers_;
};

// Tensor views by name, with the files that back them kept alive.
class WeightSource {
 public:
  WeightSource(WeightNaming naming, std::string path) : naming_(naming), path_(std::move(path)) {}
  WeightNaming naming() const { return naming_; }
  const std::string& path() const { return path_; }
  void add(const TensorView& t) { tensors_[t.name] = t; }
  const TensorView* find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  // Keeps an object (an open file) alive as long as the source.
  void hold(std::shared_ptr<void> owner) { owners_.push_back(std::move(owner)); }
  // Storage for tensors converted at load; lives as long as the source.
  WeightArena& arena() const { return *arena_; }

 private:
  WeightNaming naming_;
  std::unique_ptr<WeightArena> arena_ = std::make_unique<WeightArena>();
  std::string path_;
  std::map<std::string, TensorView> tensors_;
  std::vector<std::shared_ptr<void>> owners_;
};

// A tensor an architecture asks for, as recorded for `owl synth` (which then makes it up).
struct RecordedTensor {
  std::string name;
  int n_dims = 0;
  std::array<int64_t, 4> ne = {1, 1, 1, 1};
  bool is_vector = false;     // a norm weight or bias (kept f32 in files owl writes)
  std::vector<float> values;  // fixed contents (e.g. rope frequency factors); empty: random
};

class WeightBinder {
 public:
  explicit WeightBinder(const WeightSource& source)
      : source_(&source), arena_(source.arena()), naming_(source.naming()), path_(source.path()) {}
  // Recording mode: nothing is read; every required tensor is appended to `record` with its
  // name in `naming`, and the returned views have no data (vectors read as zeros).
  WeightBinder(WeightNaming naming, WeightArena& arena, std::vector<RecordedTensor>* record)
      : arena_(arena), naming_(naming), path_("(synth)"), record_(record) {}

  bool recording() const { return record_ != nullptr; }
  WeightNaming naming() const { return naming_; }
  const std::string& path() const { return path_; }
  // A tensor with fixed contents that files written by owl carry (recording mode only).
  void record_values(std::string_view gguf_name, std::string_view hf_name, std::vector<float> values);
  bool has(std::string_view gguf_name, std::string_view hf_name) const;

  // A weight used by the matmul kernels in its stored type. ne is the expected shape in ggml
  // order ({in, out} for a matrix; {in, out, n_experts} for stacked experts). Returns an empty
  // view (data == nullptr) when absent and not required.
  TensorView tensor(std::string_view gguf_name, std::string_view hf_name,
                    std::initializer_list<int64_t> ne, bool required = true);
  // A small tensor needed as f32 (norm weights, biases): converted when stored in another type.
  // Returns nullptr when absent and not required.
  const float* vector(std::string_view gguf_name, std::string_view hf_name,
                      std::initializer_list<int64_t> ne, bool required = true);
  // Same, but as a writable copy (for transforms such as Gemma's 1 + w).
  float* vector_copy(std::string_view gguf_name, std::string_view hf_name,
                     std::initializer_list<int64_t> ne, bool required = true);

  WeightArena& arena() { return arena_; }
  // Tensors of the source no binding asked for.
  std::vector<std::string> unused() const;

 private:
  const TensorView* lookup(std::string_view gguf_name, std::string_view hf_name,
                           std::initializer_list<int64_t> ne, bool required);
  const TensorView* record(std::string_view gguf_name, std::string_view hf_name,
                           std::initializer_list<int64_t> ne, bool required, bool is_vector);
  const WeightSource* source_ = nullptr;
  WeightArena& arena_;
  WeightNaming naming_;
  std::string path_;
  std::vector<RecordedTensor>* record_ = nullptr;
  std::deque<TensorView> recorded_views_;
  std::set<std::string> used_;
};

}  // namespace owl
