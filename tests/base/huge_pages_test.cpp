// map_pages: zeroed, writable, 2 MiB aligned from a huge page up, released by its owner.
#include "base/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "base/aligned_buffer.h"

namespace owl {
namespace {

constexpr size_t kHuge = size_t{2} << 20;

TEST(HugePages, LargeRegionsAreAlignedZeroedAndWritable) {
  for (size_t bytes : {kHuge, kHuge + 1, 3 * kHuge + 12345}) {
    auto* p = static_cast<uint8_t*>(map_pages(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHuge, 0u) << bytes;
    for (size_t i = 0; i < bytes; i += 4096) EXPECT_EQ(p[i], 0);
    EXPECT_EQ(p[bytes - 1], 0);
    std::memset(p, 0xAB, bytes);
    EXPECT_EQ(p[bytes - 1], 0xAB);
    unmap_pages(p, bytes);
  }
}

TEST(HugePages, SmallRegionsArePageAligned) {
  for (size_t bytes : {size_t{0}, size_t{1}, size_t{4096}, size_t{100000}}) {
    auto* p = static_cast<uint8_t*>(map_pages(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4096, 0u);
    p[0] = 1;
    if (bytes > 0) p[bytes - 1] = 2;
    unmap_pages(p, bytes);
  }
}

TEST(HugePages, SharedPagesLiveWhileReferenced) {
  std::shared_ptr<uint8_t[]> a = shared_pages(5 * kHuge);
  ASSERT_NE(a, nullptr);
  std::shared_ptr<uint8_t[]> b = a;
  a.reset();
  b[5 * kHuge - 1] = 7;
  EXPECT_EQ(b[5 * kHuge - 1], 7);
}

TEST(HugePages, LargeAlignedBufferIsZeroedAfterResize) {
  AlignedBuffer<float> buf(3 << 20);
  buf[0] = 1.0f;
  buf[(3 << 20) - 1] = 2.0f;
  buf.resize(4 << 20);
  EXPECT_EQ(buf[0], 0.0f);
  EXPECT_EQ(buf[(4 << 20) - 1], 0.0f);
}

}  // namespace
}  // namespace owl
