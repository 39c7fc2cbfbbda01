// Internal: the "panel" layout the fast integer kernels read. A panel is 16 weight rows whose
// blocks are interleaved by 4-byte groups, so one 64-byte load gives the same 4 quants of 16
// rows and an int8 dot instruction (vpdpbusd) accumulates 16 rows at once, one lane per row.
// The layout is ISA-independent plain bytes; pack_panel() builds it from GGUF rows, either once
// at load (kernels::repack) or on the fly for one panel at a time inside gemm.
//
// A panel is a sequence of panel blocks (pb), one per original block (32 or 256 elements), each
// 16 times the original block's data, re-laid out (offsets in bytes):
//   chunk = 64 bytes: lane r (bytes 4r..4r+3) holds 4 bytes of row r.
//   Q8_0   (544):  codes 8 chunks, chunk s = w[4s..4s+3] ^ 0x80 (u8, offset 128); d f16[16] @512
//   Q4_0   (288):  nib 4 chunks, chunk j = qs[4j..4j+3] (low nibble: element 4j+i, high:
//                  16+4j+i); d f16[16] @256.  IQ4_NL: same.  MXFP4 (272): nib, e u8[16] @256
//   Q4_1   (320):  nib, d f16[16] @256, m f16[16] @288
//   Q5_0   (352):  nib, qh chunk @256 (lane r = row's qh), d @320.  Q5_1 (384): + m @352
//   Q4_K   (2368): qs 32 chunks, chunk 8p+j = qs[32p+4j..] (low nibble: sub-block 2p, high:
//                  2p+1); d f16[16] @2048, dmin f16[16] @2080, sc u8[8][16] @2112, m u8[8][16]
//                  @2240
//   Q5_K   (2880): Q4_K + qh 8 chunks @2368, chunk j = qh[4j..4j+3]
//   Q6_K   (3360): ql 32 chunks, chunk 16h+8c+q = ql[64h+32c+4q..]; qh 16 chunks @2048,
//                  chunk 8h+q = qh[32h+4q..]; sc i8[16][16] @3072; d f16[16] @3328
//   Q3_K   (1824): qs 16 chunks, chunk 8h+q = qs[32h+4q..]; hmask 8 chunks @1024, chunk q =
//                  hmask[4q..]; sc i8[16][16] @1536 (signed, offset removed); d f16[16] @1792
//   Q2_K   (1344): qs 16 chunks (as Q3_K); sc u8[16][16] @1024 (raw scale|min<<4); d @1280,
//                  dmin @1312
//   IQ4_XS (2208): qs 32 chunks, chunk 4b+j = qs[16b+4j..]; ls i8[8][16] @2048 (ls - 32);
//                  d f16[16] @2176
//   F32: [k][16] f32.  F16: [k][16] f16.  BF16: [k/2][16][2] bf16 (pairs along k; k even).
// Rows past the end of the matrix are zero (scale 0), so partial panels need no special case.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace owl::kernels {

constexpr int kPanelRows = 16;

// True if the type has a panel layout.
bool pack_supported(DType type);
// Elements per panel block (the original block size; 1 for float types).
int panel_block_elems(DType type);
// Bytes of one packed panel of rows of k elements.
size_t panel_bytes(DType type, int64_t k);
// Packs n_rows (<= 16) rows of k elements, row i at src + i * src_stride, into dst
// (panel_bytes(type, k) bytes).
void pack_panel(DType type, const uint8_t* src, size_t src_stride, int n_rows, int64_t k,
                uint8_t* dst);

}  // namespace owl::kernels
