// Bad Hugging Face folders: missing or broken files, inconsistent shard indexes.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "formats/hf_folder.h"
#include "formats/safetensors.h"
#include "test_util.h"

namespace owl {
namespace {

namespace fs = std::filesystem;
using test::expect_error;
using test::TempDir;

// A folder with config.json and one shard "s1.safetensors" holding tensors x and y.
void make_folder(const TempDir& dir) {
  test::write_bytes(dir.file("config.json"), R"({"model_type": "llama"})");
  safetensors::Writer w;
  w.add_tensor("x", safetensors::RawDType::kF32, {2}, std::vector<uint8_t>(8, 1));
  w.add_tensor("y", safetensors::RawDType::kF32, {1}, std::vector<uint8_t>(4, 2));
  w.write(dir.file("s1.safetensors"));
}

void expect_open_error(const TempDir& dir, std::initializer_list<std::string> parts) {
  expect_error([&] { HfFolder::open(dir.path().string()); }, parts);
}

TEST(HfFolderErrors, MissingPieces) {
  TempDir dir;
  expect_error([&] { HfFolder::open(dir.file("nope")); }, {"nope: not a directory"});
  expect_open_error(dir, {"config.json: missing"});
  test::write_bytes(dir.file("config.json"), "{\"a\": 1,}");
  expect_open_error(dir, {"config.json: invalid JSON"});
  test::write_bytes(dir.file("config.json"), "[1]");
  expect_open_error(dir, {"config.json: must hold a JSON object"});
  test::write_bytes(dir.file("config.json"), "{}");
  expect_open_error(dir, {"no weights: neither model.safetensors nor"});
  test::write_bytes(dir.file("generation_config.json"), "{");
  expect_open_error(dir, {"generation_config.json: invalid JSON"});
  fs::remove(dir.file("generation_config.json"));
  test::write_bytes(dir.file("model.safetensors"), "garbage!");
  expect_open_error(dir, {"model.safetensors: "});
}

TEST(HfFolderErrors, BadIndex) {
  TempDir dir;
  make_folder(dir);
  const std::string index = dir.file("model.safetensors.index.json");
  test::write_bytes(index, R"({"weight_map": {"x": "s1.safetensors", "z": "s2.safetensors"}})");
  expect_open_error(dir, {"index.json: shard s2.safetensors (listed for z) is missing"});
  test::write_bytes(index, R"({"weight_map": {"x": "s1.safetensors", "w": "s1.safetensors"}})");
  expect_open_error(dir, {"index.json: lists tensor w in", "s1.safetensors, but that shard has"});
  test::write_bytes(index, R"({"weight_map": {"x": "../s1.safetensors"}})");
  expect_open_error(dir, {"is not a file name in the folder"});
  test::write_bytes(index, R"({"weight_map": {"x": 3}})");
  expect_open_error(dir, {"weight_map[\"x\"] must be a file name"});
  test::write_bytes(index, R"({"metadata": {}})");
  expect_open_error(dir, {"needs a \"weight_map\" object"});
  test::write_bytes(index, R"({"weight_map": )");
  expect_open_error(dir, {"model.safetensors.index.json: invalid JSON"});
  // The same tensor in two shards is ambiguous.
  fs::copy_file(dir.file("s1.safetensors"), dir.file("s2.safetensors"));
  test::write_bytes(index, R"({"weight_map": {"x": "s1.safetensors", "y": "s2.safetensors"}})");
  expect_open_error(dir, {"tensor x is in two shards"});
  // A good index loads.
  test::write_bytes(index, R"({"weight_map": {"x": "s1.safetensors", "y": "s1.safetensors"}})");
  auto hf = HfFolder::open(dir.path().string());
  EXPECT_EQ(hf->tensors().size(), 2u);
}

TEST(HfFolderErrors, CorruptGzip) {
  TempDir dir;
  std::string gz = read_file(test::kShared + "/tokenizers/qwen3/tokenizer.json.gz");
  test::write_bytes(dir.file("t.json.gz"), gz.substr(0, gz.size() / 2));
  expect_error([&] { read_text_file(dir.file("t.json.gz")); }, {"t.json.gz: corrupt"});
  gz[gz.size() / 2] ^= 0x55;
  test::write_bytes(dir.file("u.json.gz"), gz);
  expect_error([&] { read_text_file(dir.file("u.json.gz")); }, {"u.json.gz: corrupt"});
  expect_error([&] { read_text_file(dir.file("none.gz")); }, {"none.gz: cannot open"});
}

}  // namespace
}  // namespace owl
