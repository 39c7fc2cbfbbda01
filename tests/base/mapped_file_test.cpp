// Mapped files: contents visible, clear errors for missing paths and directories.
#include "base/mapped_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "base/error.h"

namespace owl {
namespace {

TEST(MappedFile, MapsContents) {
  std::string path = ::testing::TempDir() + "owl_mapped_file_test.bin";
  { std::ofstream(path, std::ios::binary) << "hello"; }
  MappedFile f(path);
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data()), 5), "hello");
  std::remove(path.c_str());
}

TEST(MappedFile, MissingFileNamesPath) {
  try {
    MappedFile f("/nonexistent/owl/file.gguf");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/owl/file.gguf"), std::string::npos);
  }
}

TEST(MappedFile, DirectoryIsAnError) { EXPECT_THROW(MappedFile("/tmp"), Error); }

}  // namespace
}  // namespace owl
