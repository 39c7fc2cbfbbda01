// Tokenizer factories (file-kind detection) and the shared decode helpers.
#include "tokenizer/tokenizer.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "formats/gguf.h"
#include "tokenizer/loaders.h"

namespace owl {

namespace {

namespace fs = std::filesystem;

std::string sibling(const fs::path& file, const char* name) {
  fs::path p = file.parent_path() / name;
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : std::string();
}

// The first bytes of a file (fewer if it is shorter).
std::string head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open", path);
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<size_t>(in.gcount()));
  return buf;
}

std::unique_ptr<Tokenizer> from_gguf_path(const std::string& path) {
  auto file = gguf::File::open(path);
  return Tokenizer::from_gguf(*file);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_path(const std::string& path,
                                                const TokenizerOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    fs::path dir(path);
    for (const char* name : {"tokenizer.json", "tokenizer.json.gz"}) {
      fs::path p = dir / name;
      if (fs::is_regular_file(p, ec)) {
        return load_tokenizer_json(p.string(), sibling(p, "tokenizer_config.json"), options);
      }
    }
    if (fs::is_regular_file(dir / "tokenizer.bin", ec)) {
      return load_llama2c((dir / "tokenizer.bin").string(), -1);
    }
    fail("{}: no tokenizer.json, tokenizer.json.gz or tokenizer.bin in this folder", path);
  }
  if (!fs::exists(path, ec)) fail("{}: no such file or folder", path);
  std::string h = head(path, 4);
  if (h.size() >= 2 && static_cast<uint8_t>(h[0]) == 0x1F && static_cast<uint8_t>(h[1]) == 0x8B) {
    return load_tokenizer_json(path, sibling(path, "tokenizer_config.json"), options);
  }
  if (h == "GGUF") return from_gguf_path(path);
  size_t first = h.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (h[first] == '{' || h[first] == '[')) {
    return load_tokenizer_json(path, sibling(path, "tokenizer_config.json"), options);
  }
  return load_llama2c(path, -1);
}

std::unique_ptr<Tokenizer> Tokenizer::from_llama2c(const std::string& path, int32_t vocab_size) {
  if (vocab_size <= 0) fail("{}: vocabulary size must be positive, got {}", path, vocab_size);
  return load_llama2c(path, vocab_size);
}

std::string Tokenizer::decode_text(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string s = decode(ids, skip_special);
  return clean_up_tokenization_spaces() ? clean_up_tokenization(s) : s;
}

}  // namespace owl
