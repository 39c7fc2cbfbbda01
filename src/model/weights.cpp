// Weight lookup, shape checks and f32 conversion of small tensors.
#include "model/weights.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "kernels/kernels.h"

namespace owl {

const TensorView* WeightSource::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void WeightSource::release_pages(const TensorView& t) const {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(t.data) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(t.data) + t.nbytes) / page * page;
  if (end <= begin) return;
  for (const auto& [base, size] : mappings_) {
    const uintptr_t b = reinterpret_cast<uintptr_t>(base);
    if (begin >= b && end <= b + size) {
      madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
      return;
    }
  }
}

float* WeightArena::alloc(size_t n) {
  buffers_.emplace_back(n);
  return buffers_.back().data();
}

uint8_t* WeightArena::alloc_bytes(size_t n) {
  return reinterpret_cast<uint8_t*>(alloc((n + sizeof(float) - 1) / sizeof(float)));
}

const TensorView* WeightBinder::raw(std::string_view gguf_name, std::string_view hf_name,
                                    std::initializer_list<int64_t> ne, bool required) {
  if (recording()) return nullptr;
  return lookup(gguf_name, hf_name, ne, required);
}

void WeightBinder::set_hf_layout(std::string_view gguf_name, const HfLayout& layout) {
  if (!recording()) return;
  for (auto it = record_->rbegin(); it != record_->rend(); ++it) {
    if (it->name == gguf_name) {
      it->hf = layout;
      return;
    }
  }
}

bool WeightBinder::has(std::string_view gguf_name, std::string_view hf_name) const {
  if (recording()) return false;
  const std::string name(naming() == WeightNaming::kGguf ? gguf_name : hf_name);
  return !name.empty() && source_->find(name) != nullptr;
}

void WeightBinder::record_values(std::string_view gguf_name, std::string_view hf_name,
                                 std::vector<float> values) {
  if (!recording()) return;
  const std::string name(naming() == WeightNaming::kGguf ? gguf_name : hf_name);
  if (name.empty()) return;
  RecordedTensor r;
  r.name = name;
  r.n_dims = 1;
  r.ne = {static_cast<int64_t>(values.size()), 1, 1, 1};
  r.is_vector = true;
  r.values = std::move(values);
  record_->push_back(std::move(r));
}

const TensorView* WeightBinder::record(std::string_view gguf_name, std::string_view hf_name,
                                       std::initializer_list<int64_t> ne, bool required,
                                       bool is_vector) {
  const std::string name(naming() == WeightNaming::kGguf ? gguf_name : hf_name);
  if (!required || name.empty()) return nullptr;
  RecordedTensor r;
  r.name = name;
  r.hf_name = std::string(hf_name);
  r.n_dims = static_cast<int>(ne.size());
  int i = 0;
  for (int64_t d : ne) r.ne[i++] = d;
  r.is_vector = is_vector;
  record_->push_back(r);
  TensorView v;
  v.name = name;
  v.type = DType::kF32;
  v.n_dims = r.n_dims;
  v.ne = r.ne;
  recorded_views_.push_back(v);
  return &recorded_views_.back();
}

const TensorView* WeightBinder::lookup(std::string_view gguf_name, std::string_view hf_name,
                                       std::initializer_list<int64_t> ne, bool required) {
  const std::string name(naming() == WeightNaming::kGguf ? gguf_name : hf_name);
  const TensorView* t = name.empty() ? nullptr : source_->find(name);
  if (t == nullptr) {
    if (required) fail("{}: missing tensor {}", path(), name.empty() ? std::string(gguf_name) : name);
    return nullptr;
  }
  std::array<int64_t, 4> want = {1, 1, 1, 1};
  int i = 0;
  for (int64_t d : ne) want[i++] = d;
  if (t->ne != want) {
    std::string expected = "[";
    for (int j = 0; j < i; ++j) expected += fmt::format("{}{}", j ? ", " : "", want[j]);
    expected += "]";
    fail("{}: tensor {} has shape {}, expected {} (ggml order)", path(), name, t->shape_string(), expected);
  }
  used_.insert(name);
  return t;
}

TensorView WeightBinder::tensor(std::string_view gguf_name, std::string_view hf_name,
                                std::initializer_list<int64_t> ne, bool required) {
  if (recording()) {
    const TensorView* r = record(gguf_name, hf_name, ne, required, false);
    return r != nullptr ? *r : TensorView{};
  }
  const TensorView* t = lookup(gguf_name, hf_name, ne, required);
  if (t == nullptr) return TensorView{};
  if (!kernels::matmul_supported(t->type)) {
    fail("{}: tensor {} has type {}, which owl cannot multiply", path(), t->name, dtype_name(t->type));
  }
  TensorView view = *t;
  if (repack_pool_ != nullptr && !view.panels && kernels::repack_in_place(view, *repack_pool_, &panel_pages_)) {
    source_->release_pages(*t);
  }
  return view;
}

TensorView WeightBinder::embedding(std::string_view gguf_name, std::string_view hf_name,
                                   std::initializer_list<int64_t> ne) {
  ThreadPool* pool = repack_pool_;
  repack_pool_ = nullptr;
  TensorView v = tensor(gguf_name, hf_name, ne);
  repack_pool_ = pool;
  return v;
}

TensorView WeightBinder::for_matmul(const TensorView& view) {
  TensorView v = view;
  if (repack_pool_ != nullptr && !v.panels) kernels::repack_in_place(v, *repack_pool_, &panel_pages_);
  return v;
}

float* WeightBinder::vector_copy(std::string_view gguf_name, std::string_view hf_name,
                                 std::initializer_list<int64_t> ne, bool required) {
  if (recording()) {
    const TensorView* r = record(gguf_name, hf_name, ne, required, true);
    return r != nullptr ? arena_.alloc(static_cast<size_t>(r->n_elements())) : nullptr;
  }
  const TensorView* t = lookup(gguf_name, hf_name, ne, required);
  if (t == nullptr) return nullptr;
  const int64_t n = t->n_elements();
  float* out = arena_.alloc(static_cast<size_t>(n));
  const int64_t row = t->ne[0];
  for (int64_t r = 0; r < t->n_rows(); ++r) kernels::get_row(*t, r, out + r * row);
  return out;
}

const float* WeightBinder::vector(std::string_view gguf_name, std::string_view hf_name,
                                  std::initializer_list<int64_t> ne, bool required) {
  if (recording()) return vector_copy(gguf_name, hf_name, ne, required);
  const TensorView* t = lookup(gguf_name, hf_name, ne, required);
  if (t == nullptr) return nullptr;
  if (t->type == DType::kF32 && reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
    return reinterpret_cast<const float*>(t->data);
  }
  used_.erase(t->name);
  return vector_copy(gguf_name, hf_name, ne, required);
}

std::vector<std::string> WeightBinder::unused() const {
  std::vector<std::string> out;
  if (recording()) return out;
  for (const auto& [name, t] : source_->tensors()) {
    if (!used_.count(name)) out.push_back(name);
  }
  return out;
}

}  // namespace owl
