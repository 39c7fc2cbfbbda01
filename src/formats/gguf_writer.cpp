// GGUF v3 writer (layout: ggml docs/gguf.md; padding as llama.cpp's gguf-py GGUFWriter).
#include "formats/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <set>

#include "base/error.h"
#include "formats/atomic_file.h"

namespace owl::gguf {

namespace {

constexpr uint32_t kVersion = 3;

class Encoder {
 public:
  template <typename T>
  void put(T v) {
    append(&v, sizeof(T));
  }
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    append(s.data(), s.size());
  }
  void append(const void* p, size_t n) {
    if (n == 0) return;
    size_t at = out_.size();
    out_.resize(at + n);
    std::memcpy(out_.data() + at, p, n);
  }
  // The value's payload (without its type tag).
  void put_payload(const Value& v) {
    switch (v.type()) {
      case ValueType::kU8:
        put<uint8_t>(static_cast<uint8_t>(*v.as_uint()));
        break;
      case ValueType::kI8:
        put<int8_t>(static_cast<int8_t>(*v.as_int()));
        break;
      case ValueType::kU16:
        put<uint16_t>(static_cast<uint16_t>(*v.as_uint()));
        break;
      case ValueType::kI16:
        put<int16_t>(static_cast<int16_t>(*v.as_int()));
        break;
      case ValueType::kU32:
        put<uint32_t>(static_cast<uint32_t>(*v.as_uint()));
        break;
      case ValueType::kI32:
        put<int32_t>(static_cast<int32_t>(*v.as_int()));
        break;
      case ValueType::kU64:
        put<uint64_t>(*v.as_uint());
        break;
      case ValueType::kI64:
        put<int64_t>(*v.as_int());
        break;
      case ValueType::kF32:
        put<float>(*v.as_f32());
        break;
      case ValueType::kF64:
        put<double>(*v.as_double());
        break;
      case ValueType::kBool:
        put<uint8_t>(*v.as_bool() ? 1 : 0);
        break;
      case ValueType::kString:
        put_string(*v.as_string());
        break;
      case ValueType::kArray:
        put<uint32_t>(static_cast<uint32_t>(v.elem_type()));
        put<uint64_t>(v.items().size());
        for (const Value& item : v.items()) put_payload(item);
        break;
    }
  }
  std::vector<uint8_t>& bytes() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

size_t pad_to(size_t n, size_t alignment) { return (n + alignment - 1) / alignment * alignment; }

}  // namespace

void Writer::set(std::string key, Value value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(value));
}

bool Writer::remove(std::string_view key) {
  auto it = std::find_if(metadata_.begin(), metadata_.end(),
                         [&](const auto& kv) { return kv.first == key; });
  if (it == metadata_.end()) return false;
  metadata_.erase(it);
  return true;
}

const Value* Writer::find(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return &v;
  }
  return nullptr;
}

size_t Writer::alignment() const {
  const Value* v = find("general.alignment");
  if (v == nullptr) return kDefaultAlignment;
  std::optional<uint64_t> a = v->as_uint();
  if (!a || *a == 0 || !std::has_single_bit(*a) || *a > (uint64_t{1} << 30)) {
    fail("gguf writer: general.alignment must be a power of two integer, not {}",
         v->to_display_string());
  }
  return static_cast<size_t>(*a);
}

size_t Writer::check_tensor(const std::string& name, DType type, const std::array<int64_t, 4>& ne,
                            int n_dims) const {
  if (name.empty()) fail("gguf writer: a tensor has an empty name");
  for (const Tensor& t : tensors_) {
    if (t.name == name) fail("gguf writer: duplicate tensor name {}", name);
  }
  if (n_dims < 1 || n_dims > 4) fail("gguf writer: tensor {}: n_dims {} not in 1..4", name, n_dims);
  int64_t n = 1;
  for (int d = 0; d < 4; ++d) {
    if (d < n_dims ? ne[d] < 1 : ne[d] != 1) {
      fail("gguf writer: tensor {}: bad dimension {} = {} (n_dims {})", name, d, ne[d], n_dims);
    }
    if (__builtin_mul_overflow(n, ne[d], &n)) fail("gguf writer: tensor {}: too large", name);
  }
  const DTypeInfo& info = dtype_info(type);
  if (ne[0] % info.block_elems != 0) {
    fail("gguf writer: tensor {}: row length {} is not a multiple of the {} block size {}", name,
         ne[0], info.name, info.block_elems);
  }
  return row_bytes(type, ne[0]) * static_cast<size_t>(n / ne[0]);
}

void Writer::add_tensor(std::string name, DType type, std::array<int64_t, 4> ne, int n_dims,
                        std::vector<uint8_t> bytes) {
  size_t nbytes = check_tensor(name, type, ne, n_dims);
  if (bytes.size() != nbytes) {
    fail("gguf writer: tensor {}: {} bytes given, but {} {} needs {}", name, bytes.size(),
         dtype_name(type), TensorView{name, type, n_dims, ne}.shape_string(), nbytes);
  }
  tensors_.push_back(Tensor{std::move(name), type, ne, n_dims, nbytes, std::move(bytes), {}});
}

void Writer::add_tensor(std::string name, DType type, std::array<int64_t, 4> ne, int n_dims,
                        FillFn fill) {
  size_t nbytes = check_tensor(name, type, ne, n_dims);
  if (!fill) fail("gguf writer: tensor {}: no fill function", name);
  tensors_.push_back(Tensor{std::move(name), type, ne, n_dims, nbytes, {}, std::move(fill)});
}

void Writer::add_tensor(const TensorView& view) {
  size_t nbytes = check_tensor(view.name, view.type, view.ne, view.n_dims);
  if (view.nbytes != nbytes) {
    fail("gguf writer: tensor {}: view has {} bytes, its shape needs {}", view.name, view.nbytes,
         nbytes);
  }
  const uint8_t* src = view.data;
  add_tensor(view.name, view.type, view.ne, view.n_dims,
             [src](uint8_t* dst, size_t n) { std::memcpy(dst, src, n); });
}

std::vector<uint8_t> Writer::header_bytes(size_t alignment) const {
  Encoder e;
  e.put<uint32_t>(0x46554747u);  // "GGUF" read as a little-endian u32
  e.put<uint32_t>(kVersion);
  e.put<uint64_t>(tensors_.size());
  e.put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    e.put_string(key);
    e.put<uint32_t>(static_cast<uint32_t>(value.type()));
    e.put_payload(value);
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    e.put_string(t.name);
    e.put<uint32_t>(static_cast<uint32_t>(t.n_dims));
    for (int d = 0; d < t.n_dims; ++d) e.put<uint64_t>(static_cast<uint64_t>(t.ne[d]));
    e.put<uint32_t>(static_cast<uint32_t>(t.type));
    e.put<uint64_t>(offset);
    offset += pad_to(t.nbytes, alignment);
  }
  return std::move(e.bytes());
}

void Writer::write(const std::string& path) const {
  const size_t alignment = this->alignment();
  std::vector<uint8_t> header = header_bytes(alignment);
  formats::AtomicFileWriter out(path);
  out.write(header.data(), header.size());
  if (!tensors_.empty()) out.write_zeros(pad_to(header.size(), alignment) - header.size());
  std::vector<uint8_t> scratch;
  for (const Tensor& t : tensors_) {
    if (t.fill) {
      scratch.assign(t.nbytes, 0);
      t.fill(scratch.data(), t.nbytes);
      out.write(scratch.data(), t.nbytes);
    } else {
      out.write(t.bytes.data(), t.nbytes);
    }
    out.write_zeros(pad_to(t.nbytes, alignment) - t.nbytes);
  }
  out.commit();
}

}  // namespace owl::gguf
