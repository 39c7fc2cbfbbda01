// Every architecture in the registry is held to a reference (docs/ADDING_A_MODEL.md): a golden
// folder of llama.cpp outputs whose GGUF is of that architecture and which a test names, or,
// without a golden case, a GGUF-vs-Hugging-Face test that names its config.json architecture.
#include "model/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "golden_util.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

// The text of every test source of the model layer.
std::string model_test_sources() {
  std::string all;
  for (const auto& e :
       fs::recursive_directory_iterator(std::string(OWL_SOURCE_DIR) + "/tests/model")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

bool names(const std::string& sources, std::string_view what) {
  const std::string w(what);
  return sources.find("\"" + w + "\"") != std::string::npos ||
         sources.find("/golden/" + w + "\"") != std::string::npos;
}

// A test may instead name a published config folder of ../shared/configs (as "Name") whose
// config.json declares the architecture.
bool names_published_config(const std::string& sources, std::string_view hf_arch) {
  for (const auto& e : fs::directory_iterator(shared_dir() + "/configs")) {
    const fs::path cfg = e.path() / "config.json";
    if (!fs::exists(cfg)) continue;
    const nlohmann::json j = nlohmann::json::parse(read_file(cfg.string()), nullptr, false);
    if (!j.is_object() || !j.contains("architectures") || !j["architectures"].is_array()) continue;
    for (const auto& a : j["architectures"]) {
      if (a.is_string() && a.get<std::string>() == hf_arch &&
          names(sources, e.path().filename().string())) {
        return true;
      }
    }
  }
  return false;
}

TEST(Registry, EveryArchitectureHasAGoldenOrFormatPairTest) {
  const std::string sources = model_test_sources();
  ASSERT_FALSE(sources.empty());
  for (const Architecture& a : architectures()) {
    SCOPED_TRACE(std::string(a.name));
    EXPECT_EQ(find_architecture_gguf(a.name), &a);
    for (std::string_view hf : a.hf_names) EXPECT_EQ(find_architecture_hf(hf, ""), &a) << hf;
    if (!a.golden.empty()) {
      const std::string dir = shared_dir() + "/golden/" + std::string(a.golden);
      ASSERT_TRUE(fs::exists(dir + "/model.gguf")) << dir;
      for (const char* len : {"len1", "len7", "len33"})
        EXPECT_TRUE(fs::exists(dir + "/" + len + ".json")) << len;
      EXPECT_EQ(gguf::File::open(dir + "/model.gguf")->architecture(), a.name);
      EXPECT_TRUE(names(sources, a.golden)) << "no test names golden/" << a.golden;
    } else {
      bool paired = false;
      for (std::string_view hf : a.hf_names) {
        paired = paired || names(sources, hf) || names_published_config(sources, hf);
      }
      EXPECT_TRUE(paired) << "no golden case and no test naming its config.json architecture";
    }
  }
}

}  // namespace
}  // namespace owl::test
