// Helpers shared by the subcommands.
#include "cli_util.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <charconv>

#include "base/error.h"

namespace owl::cli {

void add_kv_type_flag(CLI::App& app, std::string& value) {
  app.add_option("--kv-type", value,
                 "KV cache type: f32 (the reference's numbers) or f16 (half the memory and the "
                 "attention reads; llama.cpp's default)")
      ->check(CLI::IsMember({"f32", "f16"}))
      ->capture_default_str();
}

DType kv_type_from_flag(const std::string& value) {
  if (value == "f32") return DType::kF32;
  if (value == "f16") return DType::kF16;
  fail("--kv-type {}: expected f32 or f16", value);
}

std::vector<int32_t> parse_ids(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || std::isspace(static_cast<unsigned char>(text[i])))) ++i;
    if (i >= text.size()) break;
    size_t j = i;
    while (j < text.size() && text[j] != ',' && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    int32_t v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + j, v);
    if (ec != std::errc() || p != text.data() + j || v < 0) {
      fail("--ids: \"{}\" is not a token id (expected non-negative integers separated by commas)",
           text.substr(i, j - i));
    }
    ids.push_back(v);
    i = j;
  }
  return ids;
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ' ';
    s += std::to_string(ids[i]);
  }
  return s;
}

std::string Utf8Stream::push(const std::string& bytes) {
  pending_ += bytes;
  // Find the end of the last complete sequence.
  size_t cut = pending_.size();
  size_t i = pending_.size();
  int back = 0;
  while (i > 0 && back < 4) {
    --i;
    ++back;
    const unsigned char c = static_cast<unsigned char>(pending_[i]);
    if ((c & 0xC0) != 0x80) {
      int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (c >= 0xF8) need = 1;
      if (back < need) cut = i;
      break;
    }
  }
  std::string out = pending_.substr(0, cut);
  pending_.erase(0, cut);
  return out;
}

std::string Utf8Stream::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace owl::cli
