// safetensors reader and dtype table. Format facts: huggingface/safetensors README (u64 header
// length, JSON header with dtype/shape/data_offsets per tensor, optional "__metadata__").
#include "formats/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "formats/byte_reader.h"
#include "formats/text_util.h"

namespace owl::safetensors {

namespace {

using formats::printable;
using Json = nlohmann::ordered_json;

struct RawInfo {
  RawDType type;
  std::string_view name;
  size_t size;
  DType storage;
};

constexpr std::array<RawInfo, 15> kRawTypes = {{
    {RawDType::kBool, "BOOL", 1, DType::kI8},
    {RawDType::kU8, "U8", 1, DType::kI8},
    {RawDType::kI8, "I8", 1, DType::kI8},
    {RawDType::kF8_E5M2, "F8_E5M2", 1, DType::kI8},
    {RawDType::kF8_E4M3, "F8_E4M3", 1, DType::kI8},
    {RawDType::kI16, "I16", 2, DType::kI16},
    {RawDType::kU16, "U16", 2, DType::kI16},
    {RawDType::kF16, "F16", 2, DType::kF16},
    {RawDType::kBF16, "BF16", 2, DType::kBF16},
    {RawDType::kI32, "I32", 4, DType::kI32},
    {RawDType::kU32, "U32", 4, DType::kI32},
    {RawDType::kF32, "F32", 4, DType::kF32},
    {RawDType::kF64, "F64", 8, DType::kF64},
    {RawDType::kI64, "I64", 8, DType::kI64},
    {RawDType::kU64, "U64", 8, DType::kI64},
}};

const RawInfo& raw_info(RawDType t) { return kRawTypes[static_cast<size_t>(t)]; }

// HF's reader refuses headers above 100 MB; so do we (a corrupt length must not allocate).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string supported_dtypes() {
  std::string out;
  for (const RawInfo& i : kRawTypes) out += fmt::format("{}{}", out.empty() ? "" : ", ", i.name);
  return out;
}

}  // namespace

std::string_view raw_dtype_name(RawDType t) { return raw_info(t).name; }
size_t raw_dtype_size(RawDType t) { return raw_info(t).size; }
DType storage_dtype(RawDType t) { return raw_info(t).storage; }

std::optional<RawDType> raw_dtype_from_name(std::string_view name) {
  for (const RawInfo& i : kRawTypes) {
    if (i.name == name) return i.type;
  }
  return std::nullopt;
}

std::optional<RawDType> raw_dtype_for(DType t) {
  switch (t) {
    case DType::kF32:
      return RawDType::kF32;
    case DType::kF16:
      return RawDType::kF16;
    case DType::kBF16:
      return RawDType::kBF16;
    case DType::kF64:
      return RawDType::kF64;
    case DType::kI8:
      return RawDType::kI8;
    case DType::kI16:
      return RawDType::kI16;
    case DType::kI32:
      return RawDType::kI32;
    case DType::kI64:
      return RawDType::kI64;
    default:
      return std::nullopt;
  }
}

// Turns the JSON header into File fields; every error names the path and the tensor.
class HeaderParser {
 public:
  explicit HeaderParser(File& f) : f_(f) {}

  void parse() {
    const size_t size = f_.map_.size();
    formats::ByteReader in(f_.map_.data(), size, f_.path());
    in.set_context("the 8-byte header length");
    uint64_t n = in.read<uint64_t>();
    if (n > kMaxHeaderBytes) {
      fail("{}: header length {} is over the 100 MB limit (corrupt or not a safetensors file)",
           path(), n);
    }
    in.set_context(fmt::format("the {}-byte JSON header", n));
    std::string_view text = in.read_bytes(n);
    f_.data_offset_ = 8 + static_cast<size_t>(n);
    data_size_ = size - f_.data_offset_;
    Json header = parse_json(text);
    for (auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        read_metadata(value);
      } else {
        read_tensor(key, value);
      }
    }
    check_overlaps();
  }

 private:
  const std::string& path() const { return f_.map_.path(); }

  Json parse_json(std::string_view text) {
    std::vector<std::string> keys;
    auto on_event = [&](int depth, Json::parse_event_t event, Json& parsed) {
      if (event == Json::parse_event_t::key && depth == 1) {
        keys.push_back(parsed.get<std::string>());
      }
      return true;
    };
    Json header;
    try {
      header = Json::parse(text.begin(), text.end(), on_event);
    } catch (const Json::exception& e) {
      fail("{}: the header is not valid JSON: {}", path(), e.what());
    }
    if (!header.is_object()) {
      fail("{}: the header must be a JSON object, not {}", path(), header.type_name());
    }
    std::sort(keys.begin(), keys.end());
    auto dup = std::adjacent_find(keys.begin(), keys.end());
    if (dup != keys.end()) fail("{}: the header names \"{}\" twice", path(), printable(*dup));
    return header;
  }

  void read_metadata(const Json& m) {
    if (!m.is_object()) fail("{}: __metadata__ must be an object, not {}", path(), m.type_name());
    for (const auto& [k, v] : m.items()) {
      if (!v.is_string()) {
        fail("{}: __metadata__ value of \"{}\" must be a string, not {}", path(), printable(k),
             v.type_name());
      }
      f_.metadata_[k] = v.get<std::string>();
    }
  }

  uint64_t unsigned_field(const std::string& name, const char* field, const Json& v) {
    if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      fail("{}: tensor {}: {} must hold non-negative integers, found {}", path(), printable(name),
           field, printable(v.dump(), 40));
    }
    return v.get<uint64_t>();
  }

  void read_tensor(const std::string& name, const Json& e) {
    const std::string pname = printable(name);
    if (!e.is_object()) fail("{}: tensor {}: entry must be an object", path(), pname);
    auto dtype_it = e.find("dtype");
    auto shape_it = e.find("shape");
    auto offsets_it = e.find("data_offsets");
    if (dtype_it == e.end() || shape_it == e.end() || offsets_it == e.end()) {
      fail("{}: tensor {}: needs \"dtype\", \"shape\" and \"data_offsets\"", path(), pname);
    }
    std::optional<RawDType> raw;
    if (dtype_it->is_string()) raw = raw_dtype_from_name(dtype_it->get<std::string>());
    if (!raw) {
      fail("{}: tensor {}: unknown dtype {}; supported: {}", path(), pname,
           printable(dtype_it->dump(), 40), supported_dtypes());
    }
    if (!shape_it->is_array()) fail("{}: tensor {}: shape must be an array", path(), pname);
    if (!offsets_it->is_array() || offsets_it->size() != 2) {
      fail("{}: tensor {}: data_offsets must be [begin, end]", path(), pname);
    }
    Tensor t;
    t.raw = *raw;
    uint64_t n = 1;
    for (const Json& d : *shape_it) {
      uint64_t v = unsigned_field(name, "shape", d);
      t.shape.push_back(static_cast<int64_t>(v));
      if (__builtin_mul_overflow(n, v, &n) || n > static_cast<uint64_t>(INT64_MAX)) {
        fail("{}: tensor {}: shape has too many elements", path(), pname);
      }
    }
    uint64_t begin = unsigned_field(name, "data_offsets", (*offsets_it)[0]);
    uint64_t end = unsigned_field(name, "data_offsets", (*offsets_it)[1]);
    uint64_t nbytes;
    if (__builtin_mul_overflow(n, raw_dtype_size(*raw), &nbytes)) {
      fail("{}: tensor {}: shape has too many elements", path(), pname);
    }
    if (begin > end || end - begin != nbytes) {
      fail("{}: tensor {}: data_offsets [{}, {}] hold {} bytes, but {} of {} needs {}", path(),
           pname, begin, end, begin > end ? 0 : end - begin, shape_string(t.shape),
           raw_dtype_name(*raw), nbytes);
    }
    if (end > data_size_) {
      fail("{}: truncated: tensor {} data ends at byte {} but the file has {} bytes", path(), pname,
           formats::saturating_add(f_.data_offset_, end), f_.map_.size());
    }
    set_view(t, name, begin, nbytes);
    f_.index_.emplace(name, f_.tensors_.size());
    f_.tensors_.push_back(std::move(t));
    begins_.push_back(begin);
  }

  static std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
    return s + "]";
  }

  void set_view(Tensor& t, const std::string& name, uint64_t begin, uint64_t nbytes) {
    TensorView& v = t.view;
    v.name = name;
    v.type = storage_dtype(t.raw);
    const size_t k = t.shape.size();
    v.n_dims = k == 0 ? 1 : static_cast<int>(std::min<size_t>(k, 4));
    for (size_t i = 0; i < std::min<size_t>(k, 4); ++i) v.ne[i] = t.shape[k - 1 - i];
    if (k > 4) {  // fold the leading dimensions into ne[3]
      v.ne[3] = 1;
      for (size_t i = 0; i + 3 < k; ++i) v.ne[3] *= t.shape[i];
    }
    v.data = f_.map_.data() + f_.data_offset_ + begin;
    v.nbytes = static_cast<size_t>(nbytes);
  }

  void check_overlaps() {
    std::vector<size_t> order(f_.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return begins_[a] != begins_[b] ? begins_[a] < begins_[b]
                                      : f_.tensors_[a].view.nbytes < f_.tensors_[b].view.nbytes;
    });
    uint64_t prev_end = 0;
    const Tensor* prev = nullptr;
    for (size_t i : order) {
      const Tensor& t = f_.tensors_[i];
      if (t.view.nbytes == 0) continue;
      if (prev != nullptr && begins_[i] < prev_end) {
        fail("{}: tensors {} and {} overlap (bytes {} to {} and from {})", path(),
             printable(prev->view.name), printable(t.view.name), prev_end - prev->view.nbytes,
             prev_end, begins_[i]);
      }
      prev = &t;
      prev_end = begins_[i] + t.view.nbytes;
    }
  }

  File& f_;
  size_t data_size_ = 0;
  std::vector<uint64_t> begins_;  // [n_tensors] data offsets
};

std::unique_ptr<File> File::open(const std::string& path) {
  std::unique_ptr<File> f(new File());
  f->map_ = MappedFile(path);
  HeaderParser(*f).parse();
  return f;
}

const Tensor* File::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace owl::safetensors
