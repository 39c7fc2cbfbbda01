// Bad input to the owl command line: one clear message naming the file and the problem, exit
// status 2, never a crash (truncated, corrupted or non-GGUF files, missing tensors, shape
// mismatches, unsupported architectures and types, bad arguments).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "run_owl.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

const std::string kGolden = std::string(OWL_SHARED_DIR) + "/golden/llama/model.gguf";

std::string temp_file(const std::string& name) { return (fs::temp_directory_path() / ("owl_cli_" + std::to_string(::getpid()) + "_" + name)).string(); }

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A copy of the golden llama model with edits: metadata overrides, a dropped tensor, a retyped one.
std::string edited_copy(const std::string& name, const std::vector<std::pair<std::string, gguf::Value>>& set,
                        const std::string& drop = "", const std::string& retype_as_i32 = "") {
  auto src = gguf::File::open(kGolden);
  gguf::Writer w;
  for (const auto& [k, v] : src->metadata()) w.set(k, v);
  for (const auto& [k, v] : set) w.set(k, v);
  for (const TensorView& t : src->tensors()) {
    if (t.name == drop) continue;
    if (t.name == retype_as_i32) {
      TensorView u = t;
      u.type = DType::kI32;
      w.add_tensor(u);
    } else {
      w.add_tensor(t);
    }
  }
  const std::string path = temp_file(name);
  w.write(path);
  return path;
}

void expect_clean_error(const OwlResult& r, const std::string& must_contain) {
  EXPECT_EQ(r.signal, 0) << "owl crashed: " << r.err;
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << "stderr: " << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
}

TEST(CliErrors, MissingFile) {
  expect_clean_error(run_owl({"run", "/nonexistent/model.gguf", "--ids", "1"}), "/nonexistent/model.gguf");
}

TEST(CliErrors, TruncatedGgufAtManyPoints) {
  const std::string full = read_file(kGolden);
  for (size_t len : {size_t{3}, size_t{10}, size_t{30}, size_t{200}, size_t{2000}, full.size() / 2, full.size() - 1}) {
    const std::string path = temp_file("truncated.gguf");
    write_bytes(path, full.substr(0, len));
    const OwlResult r = run_owl({"logits", path, "--ids", "1,2", "--out", temp_file("x.f32")});
    SCOPED_TRACE(len);
    expect_clean_error(r, path);
  }
}

TEST(CliErrors, NotAModel) {
  const std::string path = temp_file("random.gguf");
  write_bytes(path, std::string(4096, '\x17'));
  expect_clean_error(run_owl({"info", path}), "not a model");
}

TEST(CliErrors, MissingTensor) {
  const std::string path = edited_copy("missing.gguf", {}, "blk.1.ffn_up.weight");
  expect_clean_error(run_owl({"run", path, "--ids", "1"}), "missing tensor blk.1.ffn_up.weight");
}

TEST(CliErrors, ShapeMismatch) {
  const std::string path = edited_copy("shape.gguf", {{"llama.feed_forward_length", gguf::Value::u32(300)}});
  expect_clean_error(run_owl({"run", path, "--ids", "1"}), "expected [128, 300]");
}

TEST(CliErrors, UnsupportedArchitecture) {
  const std::string path = edited_copy("arch.gguf", {{"general.architecture", gguf::Value::string("mamba")}});
  const OwlResult r = run_owl({"run", path, "--ids", "1"});
  expect_clean_error(r, "unsupported architecture \"mamba\"");
  EXPECT_NE(r.err.find("qwen3"), std::string::npos) << "the message lists what is supported";
}

TEST(CliErrors, UnsupportedWeightType) {
  const std::string path = edited_copy("dtype.gguf", {}, "", "blk.0.attn_q.weight");
  expect_clean_error(run_owl({"run", path, "--ids", "1"}), "blk.0.attn_q.weight has type i32");
}

TEST(CliErrors, BadArguments) {
  expect_clean_error(run_owl({"run", kGolden, "--ids", "1,x"}), "\"x\" is not a token id");
  expect_clean_error(run_owl({"run", kGolden, "--ids", "99999"}), "outside the vocabulary");
  expect_clean_error(run_owl({"run", kGolden, "--ids", "1", "--kv-type", "q8_0"}), "--kv-type: q8_0");
  EXPECT_EQ(run_owl({"run"}).exit_code, 2);
  EXPECT_EQ(run_owl({"frobnicate"}).exit_code, 2);
}

TEST(CliErrors, LogitsFailureLeavesNoPartialFile) {
  const std::string out = temp_file("never.f32");
  fs::remove(out);
  expect_clean_error(run_owl({"logits", kGolden, "--ids", "1,99999", "--out", out}), "outside the vocabulary");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace owl::test
