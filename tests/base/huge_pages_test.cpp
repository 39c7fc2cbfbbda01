// map_pages: zeroed, writable, 2 MiB aligned from a huge page up, released by its owner.
// PageArena: pieces packed back to back in huge-page chunks, alive while referenced.
#include "base/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

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

TEST(PageArena, PiecesAreAlignedDisjointAndShareHugeChunks) {
  constexpr size_t kChunk = 4 * kHuge;
  PageArena arena(kChunk);
  std::vector<std::shared_ptr<uint8_t[]>> pieces;
  std::vector<size_t> sizes;
  for (size_t bytes : {size_t{1}, size_t{1000}, size_t{1} << 20, size_t{100}, size_t{1500000},
                       size_t{1} << 20, size_t{700000}, size_t{64}}) {
    pieces.push_back(arena.allocate(bytes));
    sizes.push_back(bytes);
    ASSERT_NE(pieces.back(), nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pieces.back().get()) % 64, 0u) << bytes;
  }
  // Consecutive pieces of one chunk follow each other (rounded to 64 bytes), and chunks start
  // 2 MiB aligned.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pieces[0].get()) % kHuge, 0u);
  EXPECT_EQ(pieces[1].get(), pieces[0].get() + 64);
  EXPECT_EQ(pieces[2].get(), pieces[1].get() + 1024);
  // Fill each piece with its own byte: no piece overlaps another.
  for (size_t i = 0; i < pieces.size(); ++i) std::memset(pieces[i].get(), static_cast<int>(i + 1), sizes[i]);
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i][0], i + 1) << i;
    EXPECT_EQ(pieces[i][sizes[i] - 1], i + 1) << i;
  }
  // A piece that does not fit in the rest of the chunk starts a new one.
  std::shared_ptr<uint8_t[]> next = arena.allocate(kChunk / 2 - 64);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(next.get()) % kHuge, 0u);
  std::memset(next.get(), 0x5A, kChunk / 2 - 64);
  for (size_t i = 0; i < pieces.size(); ++i) EXPECT_EQ(pieces[i][sizes[i] - 1], i + 1) << i;
  // A piece of half a chunk or more has a mapping of its own.
  std::shared_ptr<uint8_t[]> big = arena.allocate(kChunk / 2);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.get()) % kHuge, 0u);
  big[kChunk / 2 - 1] = 9;
  EXPECT_EQ(big[kChunk / 2 - 1], 9);
}

TEST(PageArena, PiecesOutliveTheArena) {
  std::shared_ptr<uint8_t[]> piece;
  {
    PageArena arena(2 * kHuge);
    arena.allocate(5000);
    piece = arena.allocate(3000);
  }
  ASSERT_NE(piece, nullptr);
  piece[2999] = 5;
  EXPECT_EQ(piece[2999], 5);
}

}  // namespace
}  // namespace owl
