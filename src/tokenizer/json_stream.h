// Parses a tokenizer.json with nlohmann's SAX interface, streaming the two huge members
// (model.vocab: up to 262k entries; model.merges: up to 515k) straight into vectors instead of
// building a JSON tree for them; everything else becomes an ordinary nlohmann::json.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/json_util.h"

namespace owl {

struct TokenizerJson {
  json_util::Json rest;  // the document; model.vocab / model.merges absent when streamed
  bool has_vocab = false;
  std::vector<std::pair<std::string, int64_t>> vocab;  // token -> id, in file order
  bool has_merges = false;
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
};

// Throws owl::Error naming path for invalid JSON or malformed vocab / merges entries.
TokenizerJson parse_tokenizer_json(const std::string& text, const std::string& path);

}  // namespace owl
