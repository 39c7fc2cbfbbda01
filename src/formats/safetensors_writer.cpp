// safetensors writer, laid out as HF's safetensors library does (its serialize/prepare): tensors
// sorted by dtype (widest first) then name, a compact JSON header with "__metadata__" first,
// padded with spaces to a multiple of 8 bytes, data back to back in header order.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "formats/atomic_file.h"
#include "formats/safetensors.h"

namespace owl::safetensors {

namespace {

// A JSON string literal (HF's serde_json and nlohmann escape the same way for valid UTF-8).
std::string json_string(const std::string& s) {
  try {
    return nlohmann::json(s).dump();
  } catch (const nlohmann::json::exception&) {
    fail("safetensors writer: \"{}\" is not valid UTF-8", s);
  }
}

}  // namespace

Writer::Writer() { metadata_["format"] = "pt"; }

void Writer::set_metadata(std::string key, std::string value) {
  has_metadata_ = true;
  metadata_[std::move(key)] = std::move(value);
}

void Writer::clear_metadata() {
  metadata_.clear();
  has_metadata_ = false;
}

size_t Writer::check(const std::string& name, RawDType dtype,
                     const std::vector<int64_t>& shape) const {
  if (name == "__metadata__") fail("safetensors writer: \"__metadata__\" is not a tensor name");
  for (const Pending& t : tensors_) {
    if (t.name == name) fail("safetensors writer: duplicate tensor name {}", name);
  }
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) {
      fail("safetensors writer: tensor {}: bad shape", name);
    }
  }
  return static_cast<size_t>(n) * raw_dtype_size(dtype);
}

void Writer::add_tensor(std::string name, RawDType dtype, std::vector<int64_t> shape,
                        std::vector<uint8_t> bytes) {
  size_t nbytes = check(name, dtype, shape);
  if (bytes.size() != nbytes) {
    fail("safetensors writer: tensor {}: {} bytes given, its shape needs {}", name, bytes.size(),
         nbytes);
  }
  tensors_.push_back({std::move(name), dtype, std::move(shape), nbytes, std::move(bytes), {}});
}

void Writer::add_tensor(std::string name, RawDType dtype, std::vector<int64_t> shape, FillFn fill) {
  size_t nbytes = check(name, dtype, shape);
  if (!fill) fail("safetensors writer: tensor {}: no fill function", name);
  tensors_.push_back({std::move(name), dtype, std::move(shape), nbytes, {}, std::move(fill)});
}

void Writer::add_tensor(std::string name, const TensorView& view) {
  std::optional<RawDType> raw = raw_dtype_for(view.type);
  if (!raw) {
    fail("safetensors writer: tensor {}: type {} cannot be stored in safetensors", name,
         dtype_name(view.type));
  }
  std::vector<int64_t> shape;
  for (int d = view.n_dims - 1; d >= 0; --d) shape.push_back(view.ne[d]);
  size_t nbytes = check(name, *raw, shape);
  if (nbytes != view.nbytes) {
    fail("safetensors writer: tensor {}: view has {} bytes, its shape needs {}", name, view.nbytes,
         nbytes);
  }
  const uint8_t* src = view.data;
  add_tensor(std::move(name), *raw, std::move(shape),
             [src](uint8_t* dst, size_t n) { std::memcpy(dst, src, n); });
}

void Writer::write(const std::string& path) const {
  std::vector<const Pending*> order;
  for (const Pending& t : tensors_) order.push_back(&t);
  if (order_ == Order::kHuggingFace) {
    std::stable_sort(order.begin(), order.end(), [](const Pending* a, const Pending* b) {
      if (a->dtype != b->dtype) return a->dtype > b->dtype;
      return a->name < b->name;
    });
  }
  std::string header = "{";
  if (has_metadata_) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata_) {
      if (!first) header += ',';
      header += json_string(k);
      header += ':';
      header += json_string(v);
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (const Pending* t : order) {
    if (header.size() > 1) header += ",";
    header += json_string(t->name);
    header += fmt::format(":{{\"dtype\":\"{}\",\"shape\":[", raw_dtype_name(t->dtype));
    for (size_t i = 0; i < t->shape.size(); ++i) {
      header += fmt::format("{}{}", i ? "," : "", t->shape[i]);
    }
    header += fmt::format("],\"data_offsets\":[{},{}]}}", offset, offset + t->nbytes);
    offset += t->nbytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  formats::AtomicFileWriter out(path);
  const uint64_t n = header.size();
  out.write(&n, sizeof(n));
  out.write(header.data(), header.size());
  std::vector<uint8_t> scratch;
  for (const Pending* t : order) {
    if (t->fill) {
      scratch.assign(t->nbytes, 0);
      t->fill(scratch.data(), t->nbytes);
      out.write(scratch.data(), t->nbytes);
    } else {
      out.write(t->bytes.data(), t->nbytes);
    }
  }
  out.commit();
}

}  // namespace owl::safetensors
