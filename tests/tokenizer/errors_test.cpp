// Malformed or unsupported tokenizer files give an owl::Error that names the file and the
// problem, never a crash.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/mapped_file.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "owl_tok_" + name; }

std::string write(const std::string& name, const std::string& data) {
  std::string p = temp_path(name);
  std::ofstream(p, std::ios::binary) << data;
  return p;
}

// Loading path fails with a message holding the path and every fragment.
void expect_error(const std::string& path, std::initializer_list<const char*> fragments) {
  try {
    Tokenizer::from_path(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    for (const char* f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}

// A small valid byte-level BPE tokenizer.json to break in various ways.
const char* kTiny = R"({
  "added_tokens": [{"id": 5, "content": "<s>", "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
  "post_processor": null,
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4},
            "merges": ["a b", "Ġ ab"]}
})";

TEST(TokenizerErrors, TinyTokenizerWorks) {
  auto tok = Tokenizer::from_path(write("tiny.json", kTiny));
  EXPECT_EQ(test::ids_to_string(tok->encode("ab ab<s>", false)), "2 4 5");
  EXPECT_EQ(test::ids_to_string(tok->encode("ab<s>", false, false)), "2");  // '<', 's' unknown
  EXPECT_EQ(tok->decode({2, 4, 5}), "ab ab<s>");
  EXPECT_EQ(tok->decode({2, 4, 5}, true), "ab ab");
}

TEST(TokenizerErrors, TruncatedJson) {
  std::string s = kTiny;
  expect_error(write("truncated.json", s.substr(0, s.size() / 2)), {"invalid JSON"});
}

TEST(TokenizerErrors, WrongTypes) {
  std::string s = kTiny;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string t = s;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  expect_error(
      write("vocab_type.json", replace(R"({"a": 0, "b": 1, "ab": 2, "Ġ": 3, "Ġab": 4})", "[1, 2]")),
      {"model.vocab"});
  expect_error(write("id_type.json", replace(R"("a": 0)", R"("a": "zero")")), {"token id"});
  expect_error(write("merge_type.json", replace(R"(["a b", "Ġ ab"])", R"([1, 2])")), {"merges[0]"});
  expect_error(write("merge_unknown.json", replace(R"("a b")", R"("a zz")")), {"merges[0]", "zz"});
  expect_error(write("added_type.json", replace(R"("special": true)", R"("special": "yes")")),
               {"added_tokens[0]", "special"});
  expect_error(write("no_model.json", replace(R"("model")", R"("mode1")")), {"model"});
  expect_error(write("toplevel.json", "[1, 2, 3]"), {"object"});
}

TEST(TokenizerErrors, UnsupportedParts) {
  std::string s = kTiny;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string t = s;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  expect_error(write("unigram.json", replace(R"("type": "BPE")", R"("type": "Unigram")")),
               {"unsupported model type", "Unigram"});
  expect_error(
      write("pre.json", replace(R"("type": "ByteLevel", "add)", R"("type": "FancySplit", "add)")),
      {"pre_tokenizer", "FancySplit"});
  expect_error(write("norm.json",
                     replace(R"("normalizer": null)", R"("normalizer": {"type": "Precompiled"})")),
               {"normalizer", "Precompiled"});
  expect_error(
      write(
          "regex.json",
          replace(
              R"("pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})",
              R"("pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(["}, "behavior": "Isolated"})")),
      {"pre_tokenizer", "regex"});
}

TEST(TokenizerErrors, BadGzip) {
  std::string gz;
  {
    // A real gzip stream of the tiny tokenizer, then cut and corrupted copies of it.
    uLongf n = compressBound(std::strlen(kTiny)) + 64;
    std::string buf(n, '\0');
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(kTiny));
    zs.avail_in = static_cast<uInt>(std::strlen(kTiny));
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(n);
    deflate(&zs, Z_FINISH);
    buf.resize(zs.total_out);
    deflateEnd(&zs);
    gz = buf;
  }
  auto ok = Tokenizer::from_path(write("good.json.gz", gz));
  EXPECT_EQ(ok->n_vocab(), 6);
  expect_error(write("cut.json.gz", gz.substr(0, gz.size() / 2)), {"gzip"});
  std::string bad = gz;
  for (size_t i = 12; i < bad.size() - 8; i += 3) bad[i] = static_cast<char>(bad[i] ^ 0x5A);
  expect_error(write("bad.json.gz", bad), {"gzip"});
}

TEST(TokenizerErrors, MissingAndEmptyPaths) {
  expect_error(temp_path("does_not_exist.json"), {"no such file"});
  std::string dir = temp_path("empty_dir");
  std::filesystem::create_directories(dir);
  expect_error(dir, {"no tokenizer.json"});
  // Not a tokenizer at all: read as llama2.c and rejected.
  expect_error(write("garbage.bin", std::string("\x07\x00\x00\x00\xFF\xFF\xFF\x7F", 8)),
               {"truncated"});
}

TEST(TokenizerErrors, GgufWithoutVocabulary) {
  // A GGUF without tokenizer metadata, made by hand: magic, version 3, no tensors, one key.
  std::string g("GGUF", 4);
  auto u32 = [&](uint32_t v) { g.append(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](uint64_t v) { g.append(reinterpret_cast<const char*>(&v), 8); };
  u32(3);
  u64(0);
  u64(1);
  std::string key = "general.architecture", val = "llama";
  u64(key.size());
  g += key;
  u32(8);
  u64(val.size());
  g += val;
  expect_error(write("novocab.gguf", g), {"tokenizer.ggml.model"});
}

TEST(TokenizerErrors, InvalidUtf8AndOutOfRangeIds) {
  auto tok = Tokenizer::from_path(write("tiny2.json", kTiny));
  // Ill-formed bytes become U+FFFD (bytes EF BF BD, not in this vocabulary): no crash.
  EXPECT_NO_THROW(
      tok->encode("a\xFF\xC0"
                  "b",
                  true));
  EXPECT_EQ(tok->decode({2, 999, -1, 4}), "ab ab");  // ids outside the vocabulary are skipped
  EXPECT_EQ(tok->piece(999), "");
  EXPECT_THROW(tok->token_text(999), Error);
}

}  // namespace
}  // namespace owl
