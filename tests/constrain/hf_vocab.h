// Loads a byte-level BPE vocabulary (token id -> bytes) straight from a Hugging Face
// tokenizer.json(.gz), for testing constraints on a real 150k-token vocabulary.
#pragma once

#include <zlib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace owl::testing {

inline std::string read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return "";
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

// GPT-2's byte-to-unicode table, inverted: code point -> byte.
inline std::map<uint32_t, uint8_t> byte_level_decoder() {
  std::map<uint32_t, uint8_t> m;
  std::vector<int> direct;
  for (int b = '!'; b <= '~'; ++b) direct.push_back(b);
  for (int b = 0xa1; b <= 0xac; ++b) direct.push_back(b);
  for (int b = 0xae; b <= 0xff; ++b) direct.push_back(b);
  std::vector<bool> is_direct(256, false);
  for (int b : direct) {
    is_direct[static_cast<size_t>(b)] = true;
    m[static_cast<uint32_t>(b)] = static_cast<uint8_t>(b);
  }
  uint32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    if (!is_direct[static_cast<size_t>(b)]) m[next++] = static_cast<uint8_t>(b);
  }
  return m;
}

struct HfVocab {
  std::vector<std::string> bytes;        // [n_vocab]
  std::map<std::string, int32_t> added;  // special/added token text -> id
  std::vector<int32_t> special;          // added tokens marked "special": true
};

inline HfVocab load_byte_level_vocab(const std::string& gz_path) {
  const nlohmann::json tj = nlohmann::json::parse(read_gz(gz_path));
  const auto decoder = byte_level_decoder();
  HfVocab v;
  size_t n = 0;
  for (auto it = tj["model"]["vocab"].begin(); it != tj["model"]["vocab"].end(); ++it) {
    n = std::max(n, it.value().get<size_t>() + 1);
  }
  for (const auto& t : tj["added_tokens"]) n = std::max(n, t["id"].get<size_t>() + 1);
  v.bytes.resize(n);
  for (auto it = tj["model"]["vocab"].begin(); it != tj["model"]["vocab"].end(); ++it) {
    const std::string& s = it.key();
    std::string out;
    for (size_t i = 0; i < s.size();) {
      // decode one UTF-8 code point of the byte-level alphabet
      const auto c = static_cast<unsigned char>(s[i]);
      const int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
      out.push_back(static_cast<char>(decoder.at(cp)));
      i += static_cast<size_t>(len);
    }
    v.bytes[it.value().get<size_t>()] = out;
  }
  for (const auto& t : tj["added_tokens"]) {
    v.bytes[t["id"].get<size_t>()] = t["content"].get<std::string>();
    v.added[t["content"].get<std::string>()] = t["id"].get<int32_t>();
    if (t.value("special", false)) v.special.push_back(t["id"].get<int32_t>());
  }
  return v;
}

}  // namespace owl::testing
