// GGUF reader: parses and validates header, metadata and tensor infos; maps the data read-only.
// Layout (ggml docs/gguf.md): magic "GGUF", u32 version, u64 tensor count, u64 metadata count,
// metadata (string key, u32 type, value), tensor infos (string name, u32 n_dims, u64 ne[n_dims],
// u32 type, u64 offset), zero padding to the alignment, then the tensor data. Versions 2 and 3
// share this layout (version 1 had 32-bit counts; version 3 only allowed big-endian files).
#include "formats/gguf.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "base/error.h"
#include "formats/byte_reader.h"
#include "formats/text_util.h"

namespace owl::gguf {

namespace {

using formats::ByteReader;
using formats::printable;

constexpr size_t kMaxAlignment = size_t{1} << 30;
// Smallest encodings, used to bound counts by the bytes left before anything is allocated.
constexpr uint64_t kMinMetadataEntryBytes = 8 + 4 + 1;       // empty key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, 1 dim, type, offset

// Bytes of one encoded element of type t in an array (strings and arrays: their minimum).
uint64_t min_encoded_size(ValueType t) {
  switch (t) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
      return 8;
    case ValueType::kArray:
      return 4 + 8;
  }
  return 1;
}

std::string supported_types_list() {
  std::string out;
  for (uint32_t id = 0; id < 64; ++id) {
    const DTypeInfo* info = dtype_info(id);
    if (info == nullptr) continue;
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", info->name, id);
  }
  return out;
}

}  // namespace

// Fills a File from its mapping; every check throws owl::Error starting with the path.
class FileParser {
 public:
  explicit FileParser(File& f) : f_(f), in_(f.map_.data(), f.map_.size(), f.map_.path()) {}

  void parse() {
    read_header();
    read_metadata();
    read_alignment();
    read_tensor_infos();
    check_tensor_data();
  }

 private:
  const std::string& path() const { return f_.map_.path(); }

  void read_header() {
    in_.set_context("header");
    std::string_view magic = in_.read_bytes(4);
    if (magic != "GGUF") {
      fail("{}: not a GGUF file: the first 4 bytes are {} instead of \"GGUF\"", path(),
           printable(magic, 4));
    }
    uint32_t version = in_.read<uint32_t>();
    uint32_t swapped = __builtin_bswap32(version);
    if (version == 1) {
      fail("{}: GGUF version 1 is not supported (only versions 2 and 3; re-convert the model)",
           path());
    }
    if (version != 2 && version != 3) {
      if (swapped >= 1 && swapped <= 3) {
        fail(
            "{}: big-endian GGUF file (version {} byte-swapped); only little-endian files are "
            "supported",
            path(), swapped);
      }
      fail("{}: unsupported GGUF version {} (supported: 2 and 3)", path(), version);
    }
    f_.version_ = version;
    n_tensors_ = in_.read<uint64_t>();
    n_kv_ = in_.read<uint64_t>();
    // Counts no file of this size could hold are corruption; smaller ones are parsed, and a
    // truncated file then fails at the exact entry that is cut.
    if (n_kv_ > in_.size() / kMinMetadataEntryBytes) {
      fail("{}: corrupt header: {} metadata entries cannot fit in a file of {} bytes", path(),
           n_kv_, in_.size());
    }
    if (n_tensors_ > in_.size() / kMinTensorInfoBytes) {
      fail("{}: corrupt header: {} tensor infos cannot fit in a file of {} bytes", path(),
           n_tensors_, in_.size());
    }
  }

  void read_metadata() {
    f_.metadata_.reserve(
        static_cast<size_t>(std::min(n_kv_, in_.remaining() / kMinMetadataEntryBytes)));
    for (uint64_t i = 0; i < n_kv_; ++i) {
      in_.set_context(fmt::format("metadata {} (key)", i));
      std::string key(in_.read_gguf_string());
      in_.set_context(fmt::format("metadata {} ({})", i, printable(key)));
      uint32_t type = in_.read<uint32_t>();
      Value v = read_value(type, 0);
      auto [it, inserted] = f_.metadata_index_.try_emplace(key, f_.metadata_.size());
      if (!inserted) {
        fail("{}: duplicate metadata key \"{}\" (entries {} and {})", path(), printable(key),
             it->second, i);
      }
      f_.metadata_.emplace_back(std::move(key), std::move(v));
    }
  }

  Value read_value(uint32_t type, int depth) {
    if (type > static_cast<uint32_t>(ValueType::kF64)) {
      fail("{}: {}: unknown value type {}", path(), in_.context(), type);
    }
    switch (static_cast<ValueType>(type)) {
      case ValueType::kU8:
        return Value::u8(in_.read<uint8_t>());
      case ValueType::kI8:
        return Value::i8(in_.read<int8_t>());
      case ValueType::kU16:
        return Value::u16(in_.read<uint16_t>());
      case ValueType::kI16:
        return Value::i16(in_.read<int16_t>());
      case ValueType::kU32:
        return Value::u32(in_.read<uint32_t>());
      case ValueType::kI32:
        return Value::i32(in_.read<int32_t>());
      case ValueType::kU64:
        return Value::u64(in_.read<uint64_t>());
      case ValueType::kI64:
        return Value::i64(in_.read<int64_t>());
      case ValueType::kF32:
        return Value::f32(in_.read<float>());
      case ValueType::kF64:
        return Value::f64(in_.read<double>());
      case ValueType::kBool: {
        uint8_t b = in_.read<uint8_t>();
        if (b > 1)
          fail("{}: {}: invalid bool value {} (expected 0 or 1)", path(), in_.context(), b);
        return Value::boolean(b != 0);
      }
      case ValueType::kString:
        return Value::string(std::string(in_.read_gguf_string()));
      case ValueType::kArray:
        return read_array(depth + 1);
    }
    return Value();
  }

  Value read_array(int depth) {
    if (depth > kMaxArrayDepth) {
      fail("{}: {}: arrays nested deeper than {} levels", path(), in_.context(), kMaxArrayDepth);
    }
    uint32_t elem = in_.read<uint32_t>();
    if (elem > static_cast<uint32_t>(ValueType::kF64)) {
      fail("{}: {}: unknown array element type {}", path(), in_.context(), elem);
    }
    uint64_t count = in_.read<uint64_t>();
    ValueType et = static_cast<ValueType>(elem);
    if (count > in_.remaining() / min_encoded_size(et)) {
      fail("{}: truncated: {}: an array of {} {} values cannot fit in the {} bytes left", path(),
           in_.context(), count, value_type_name(et), in_.remaining());
    }
    n_values_ += count;
    if (n_values_ > kMaxMetadataValues) {
      fail("{}: {}: too many metadata values (more than {} in the file)", path(), in_.context(),
           kMaxMetadataValues);
    }
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(count));
    for (uint64_t j = 0; j < count; ++j) items.push_back(read_value(elem, depth));
    return Value::array(et, std::move(items));
  }

  void read_alignment() {
    const Value* v = f_.find("general.alignment");
    if (v == nullptr) return;
    std::optional<uint64_t> a = v->as_uint();
    if (!a) {
      fail("{}: general.alignment must be an unsigned integer, not {} {}", path(),
           value_type_name(v->type()), v->to_display_string());
    }
    if (*a == 0 || !std::has_single_bit(*a) || *a > kMaxAlignment) {
      fail("{}: general.alignment is {}; it must be a power of two (at most {})", path(), *a,
           kMaxAlignment);
    }
    f_.alignment_ = static_cast<size_t>(*a);
  }

  void read_tensor_infos() {
    const size_t fit =
        static_cast<size_t>(std::min(n_tensors_, in_.remaining() / kMinTensorInfoBytes));
    f_.tensors_.reserve(fit);
    offsets_.reserve(fit);
    for (uint64_t i = 0; i < n_tensors_; ++i) {
      in_.set_context(fmt::format("tensor info {} (name)", i));
      TensorView t;
      t.name = std::string(in_.read_gguf_string());
      in_.set_context(fmt::format("tensor info {} ({})", i, printable(t.name)));
      read_shape_and_type(t);
      offsets_.push_back(in_.read<uint64_t>());
      auto [it, inserted] = f_.tensor_index_.try_emplace(t.name, f_.tensors_.size());
      if (!inserted) {
        fail("{}: duplicate tensor name \"{}\" (tensor infos {} and {})", path(), printable(t.name),
             it->second, i);
      }
      f_.tensors_.push_back(std::move(t));
    }
    // The data section starts at the next multiple of the alignment. Files without tensors
    // (vocab-only GGUFs) end right after the infos, without that padding.
    uint64_t end = in_.pos();
    f_.data_offset_ =
        static_cast<size_t>((end + f_.alignment_ - 1) / f_.alignment_ * f_.alignment_);
  }

  void read_shape_and_type(TensorView& t) {
    uint32_t n_dims = in_.read<uint32_t>();
    if (n_dims < 1 || n_dims > 4) {
      fail("{}: {}: n_dims is {}, expected 1 to 4", path(), in_.context(), n_dims);
    }
    t.n_dims = static_cast<int>(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = in_.read<uint64_t>();
      if (ne == 0 || ne > static_cast<uint64_t>(INT64_MAX)) {
        fail("{}: {}: dimension {} is {}", path(), in_.context(), d, ne);
      }
      t.ne[d] = static_cast<int64_t>(ne);
    }
    uint32_t type = in_.read<uint32_t>();
    const DTypeInfo* info = dtype_info(type);
    if (info == nullptr) {
      fail("{}: tensor {}: unknown tensor type id {}; supported types: {}", path(),
           printable(t.name), type, supported_types_list());
    }
    t.type = info->type;
    if (t.ne[0] % info->block_elems != 0) {
      fail("{}: tensor {}: row length {} is not a multiple of the {} block size {}", path(),
           printable(t.name), t.ne[0], info->name, info->block_elems);
    }
    int64_t n = 1;
    for (int64_t ne : t.ne) {
      if (__builtin_mul_overflow(n, ne, &n)) {
        fail("{}: tensor {}: shape {} has too many elements", path(), printable(t.name),
             t.shape_string());
      }
    }
    uint64_t nbytes;
    if (__builtin_mul_overflow(static_cast<uint64_t>(n / info->block_elems),
                               static_cast<uint64_t>(info->block_bytes), &nbytes) ||
        nbytes > in_.size()) {
      fail("{}: tensor {}: {} {} data would need more bytes than the file has ({})", path(),
           printable(t.name), t.shape_string(), info->name, in_.size());
    }
    t.nbytes = static_cast<size_t>(nbytes);
  }

  void check_tensor_data() {
    const size_t size = f_.map_.size();
    std::vector<size_t> order(f_.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) {
      TensorView& t = f_.tensors_[i];
      uint64_t off = offsets_[i];
      if (off % f_.alignment_ != 0) {
        fail("{}: tensor {} ({}): data offset {} is not a multiple of the alignment {}", path(), i,
             printable(t.name), off, f_.alignment_);
      }
      uint64_t begin = formats::saturating_add(f_.data_offset_, off);
      uint64_t end = formats::saturating_add(begin, t.nbytes);
      if (end > size) {
        fail("{}: truncated: tensor {} ({}) data ends at byte {} but the file has {} bytes", path(),
             i, printable(t.name), end, size);
      }
      t.data = f_.map_.data() + begin;
      order[i] = i;
    }
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return offsets_[a] < offsets_[b]; });
    for (size_t k = 1; k < order.size(); ++k) {
      const TensorView& prev = f_.tensors_[order[k - 1]];
      const TensorView& next = f_.tensors_[order[k]];
      if (offsets_[order[k - 1]] + prev.nbytes > offsets_[order[k]]) {
        fail("{}: tensors {} and {} overlap (data at offsets {} and {}, the first is {} bytes)",
             path(), printable(prev.name), printable(next.name), offsets_[order[k - 1]],
             offsets_[order[k]], prev.nbytes);
      }
    }
  }

  File& f_;
  ByteReader in_;
  uint64_t n_tensors_ = 0;
  uint64_t n_kv_ = 0;
  uint64_t n_values_ = 0;
  std::vector<uint64_t> offsets_;  // [n_tensors] data offsets relative to data_offset_
};

std::unique_ptr<File> File::open(const std::string& path) {
  std::unique_ptr<File> f(new File());
  f->map_ = MappedFile(path);
  FileParser(*f).parse();
  return f;
}

const Value* File::find(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {

[[noreturn]] void wrong_type(const File& f, std::string_view key, std::string_view want,
                             const Value& v) {
  fail("{}: metadata {} should be {}, but it is {} {}", f.path(), key, want,
       value_type_name(v.type()), v.to_display_string(4));
}

}  // namespace

std::optional<int64_t> File::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  std::optional<int64_t> i = v->as_int();
  if (!i) wrong_type(*this, key, "an integer (within int64)", *v);
  return i;
}

std::optional<double> File::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  std::optional<double> d = v->as_double();
  if (!d) wrong_type(*this, key, "a number", *v);
  return d;
}

std::optional<bool> File::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  std::optional<bool> b = v->as_bool();
  if (!b) wrong_type(*this, key, "a bool", *v);
  return b;
}

std::optional<std::string> File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  const std::string* s = v->as_string();
  if (s == nullptr) wrong_type(*this, key, "a string", *v);
  return *s;
}

const Value* File::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (v != nullptr && v->type() != ValueType::kArray) wrong_type(*this, key, "an array", *v);
  return v;
}

std::string File::architecture() const {
  std::optional<std::string> a = get_string("general.architecture");
  return a ? *a : std::string();
}

const TensorView* File::tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace owl::gguf
