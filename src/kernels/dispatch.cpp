// Chooses the ISA level once, layers the per-ISA kernel tables over the reference, and runs
// matmul over the thread pool (activations converted once, output rows split across threads).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/cpu_features.h"
#include "base/error.h"
#include "base/huge_pages.h"
#include "kernels/kernels.h"
#include "kernels/pack.h"
#include "kernels/reference/reference.h"
#include "kernels/table.h"
#include "tensor/quant.h"

namespace owl::kernels {
namespace {

constexpr int kLevels = 3;

KernelTable g_tables[kLevels];
std::once_flag g_tables_once;
std::atomic<int> g_isa{-1};

void build_tables() {
  fill_reference(g_tables[0]);
  g_tables[1] = g_tables[0];
  if (isa_available(Isa::kAvx2)) fill_avx2(g_tables[1]);
  g_tables[2] = g_tables[1];
  if (isa_available(Isa::kAvx512)) fill_avx512(g_tables[2]);
}

Isa isa_from_env() {
  const char* env = std::getenv("OWL_CPU");
  if (env == nullptr || *env == '\0') {
    if (isa_available(Isa::kAvx512)) return Isa::kAvx512;
    if (isa_available(Isa::kAvx2)) return Isa::kAvx2;
    return Isa::kScalar;
  }
  return parse_isa(env);
}

const KernelTable& table() {
  std::call_once(g_tables_once, build_tables);
  return g_tables[static_cast<int>(active_isa())];
}

}  // namespace

const KernelTable& active_table() { return table(); }

Isa parse_isa(std::string_view v) {
  Isa isa;
  if (v == "scalar") {
    isa = Isa::kScalar;
  } else if (v == "avx2") {
    isa = Isa::kAvx2;
  } else if (v == "avx512") {
    isa = Isa::kAvx512;
  } else {
    fail("OWL_CPU={}: expected scalar, avx2 or avx512", v);
  }
  OWL_CHECK(isa_available(isa), "OWL_CPU={}: this CPU lacks it ({})", v, cpu_features().describe());
  return isa;
}

const KernelTable& kernel_table(int level) {
  std::call_once(g_tables_once, build_tables);
  return g_tables[level];
}

namespace {

// Rows per work unit, so SIMD kernels that tile rows get whole tiles.
constexpr int64_t kRowAlign = 16;
// The BF16 panel layout holds pairs along k (kernels/pack.h), so k must be even.
bool panel_ok(const PanelPath& pp, DType type, int64_t k) {
  return pp.run != nullptr && (type != DType::kBF16 || k % 2 == 0);
}

// [n_tokens][stride bytes] scratch for converted activations, reused across calls.
uint8_t* act_scratch(size_t bytes) {
  thread_local AlignedBuffer<uint8_t> buf;
  if (buf.size() < bytes) buf.resize(bytes);
  return buf.data();
}

template <typename F>
void for_tokens(ThreadPool& pool, int64_t n_tokens, F&& convert_rows) {
  if (n_tokens >= 4 && pool.size() > 1) {
    pool.parallel_for(n_tokens, convert_rows);
  } else {
    convert_rows(0, n_tokens, 0);
  }
}

// Activations converted to the weight type's dot format, then rows split across threads in
// units of kRowAlign; each thread runs the level's gemm (or vec_dot row by row).
void run_standard(const KernelTable& t, const TensorView& w, const float* x, int64_t ldx, float* y,
                  int64_t ldy, int64_t n_tokens, ThreadPool& pool) {
  const int64_t k = w.ne[0], m = w.ne[1];
  const ActFormat af = act_format(w.type);
  const size_t act_stride = (act_row_bytes(af, k) + 63) / 64 * 64;
  uint8_t* act = act_scratch(act_stride * static_cast<size_t>(n_tokens));
  const ActConvertFn convert = t.act_convert[static_cast<int>(af)];
  for_tokens(pool, n_tokens, [&](int64_t t0, int64_t t1, int) {
    for (int64_t i = t0; i < t1; ++i) {
      convert(x + i * ldx, act + static_cast<size_t>(i) * act_stride, k);
    }
  });
  const GemmArgs args{w.data, w.row_bytes(), act, act_stride, n_tokens, k, y, ldy};
  const GemmFn gemm = t.gemm[type_index(w.type)];
  const VecDotFn dot = t.vec_dot[type_index(w.type)];
  const int nt = pool.size();
  const int64_t units = (m + kRowAlign - 1) / kRowAlign;
  pool.run([&](int ti) {
    const int64_t r0 = std::min(m, units * ti / nt * kRowAlign);
    const int64_t r1 = std::min(m, units * (ti + 1) / nt * kRowAlign);
    if (r0 >= r1) return;
    if (gemm != nullptr) {
      gemm(args, r0, r1);
    } else {
      gemm_by_rows(dot, args, r0, r1);
    }
  });
}

// Batches below this many tokens are converted by every thread for itself (run_panel_jobs).
constexpr int64_t kOwnCopyTokens = 4;

// Units of a dispatch's panels (run_panel_jobs): a few microseconds of streaming each.
constexpr int64_t kUnitBytes = int64_t{64} << 10;
constexpr int64_t kTailUnits = 4;

// A thread's run of work units [front, back), both in one word so that the owner (from the
// front) and a thief (from the back) claim a unit with one compare-exchange.
struct alignas(64) UnitRun {
  std::atomic<uint64_t> fb{0};
  void init(uint32_t n) { fb.store(uint64_t{n} << 32, std::memory_order_relaxed); }
  bool take(bool front, uint32_t* unit) {
    uint64_t v = fb.load(std::memory_order_relaxed);
    for (;;) {
      const uint32_t f = static_cast<uint32_t>(v), b = static_cast<uint32_t>(v >> 32);
      if (f >= b) return false;
      const uint64_t next = front ? (uint64_t{b} << 32) | (f + 1) : (uint64_t{b - 1} << 32) | f;
      if (fb.compare_exchange_weak(v, next, std::memory_order_relaxed)) {
        *unit = front ? f : b - 1;
        return true;
      }
    }
  }
};

// One weight on the panel path: its rows in panels (packed at load, or null: packed on the fly)
// and where its outputs go.
struct PanelJob {
  const PanelPath* pp;
  const TensorView* w;
  const uint8_t* packed;
  size_t panel_stride;
  float* y;
  int64_t ldy;
  int64_t np = 0;            // panels (filled by run_panel_jobs)
  int64_t pbytes = 0;        // bytes of one panel
  size_t block_bytes = 0;    // activation bytes per token block
  size_t act_offset = 0;     // where its activation layout starts in the scratch
  bool converts = false;     // the first job of its layout: it fills the layout
};

// The panel path for weights of the same row length k that read the same activations: each
// activation layout is converted once (paths with the same converter share one), then the
// panels of all the weights are split across the threads in one dispatch.
void run_panel_jobs(PanelJob* jobs, int n_jobs, int64_t k, const float* x, int64_t ldx,
                    int64_t n_tokens, ThreadPool& pool) {
  const int64_t n_blocks = (n_tokens + kTokBlock - 1) / kTokBlock;
  size_t act_bytes = 0;
  for (int j = 0; j < n_jobs; ++j) {
    PanelJob& job = jobs[j];
    job.np = (job.w->ne[1] + kPanelRows - 1) / kPanelRows;
    job.pbytes = static_cast<int64_t>(panel_bytes(job.w->type, k));
    job.block_bytes = (job.pp->block_bytes(k) + 63) / 64 * 64;
    job.converts = true;
    job.act_offset = act_bytes;
    for (int i = 0; i < j && job.converts; ++i) {
      if (jobs[i].pp->convert == job.pp->convert) {
        job.act_offset = jobs[i].act_offset;
        job.converts = false;
      }
    }
    if (job.converts) act_bytes += job.block_bytes * static_cast<size_t>(n_blocks);
  }
  auto convert = [&](uint8_t* act, int64_t t0, int64_t t1) {
    for (int j = 0; j < n_jobs; ++j) {
      if (!jobs[j].converts) continue;
      for (int64_t i = t0; i < t1; ++i) {
        jobs[j].pp->convert(x + i * ldx,
                            act + jobs[j].act_offset + static_cast<size_t>(i / kTokBlock) * jobs[j].block_bytes,
                            static_cast<int>(i % kTokBlock), k);
      }
    }
  };
  // A few tokens (generation): every thread converts them into its own scratch inside the
  // dispatch. Converted once by the caller into a shared buffer, they would be a serial step
  // before the hand-off, and the caller's writes would have to take back, line by line, the
  // copies of that buffer the other threads read in the previous dispatch (measured: 2.3 us a
  // dispatch on Qwen3-0.6B, 1.6% of a token).
  const bool own_copy = n_tokens < kOwnCopyTokens && pool.size() > 1;
  uint8_t* shared_act = nullptr;
  if (!own_copy) {
    shared_act = act_scratch(act_bytes);
    for_tokens(pool, n_tokens, [&](int64_t t0, int64_t t1, int) { convert(shared_act, t0, t1); });
  }
  // The panels of all the weights, concatenated, are cut into units of about kUnitBytes. Each
  // thread owns a run of units (an equal share of the bytes: Q/K/V of mixed types, e.g. Q4_K
  // with a Q6_K V, would give one thread 20% more bytes if split by count) and takes them from
  // the front; a thread that runs out takes units from the back of another thread's run, so
  // nobody idles while the other streams alone at half the bus.
  int64_t total = 0;
  for (int j = 0; j < n_jobs; ++j) total += jobs[j].np * jobs[j].pbytes;
  const int nt = pool.size();
  // The panels whose first byte lies in [lo, hi) of the concatenation.
  auto run_bytes = [&](const uint8_t* act, int64_t lo, int64_t hi) {
    int64_t first = 0;
    for (int j = 0; j < n_jobs && first < hi; ++j) {
      const int64_t pb = jobs[j].pbytes;
      auto panel_at = [&](int64_t byte) {  // first panel starting at or after byte
        return std::clamp<int64_t>((byte - first + pb - 1) / pb, 0, jobs[j].np);
      };
      const int64_t p0 = lo <= first ? 0 : panel_at(lo), p1 = panel_at(hi);
      first += jobs[j].np * pb;
      if (p0 >= p1) continue;
      const PanelJob& job = jobs[j];
      const PanelArgs args{job.w->type, job.w->data, job.w->row_bytes(), job.packed,
                           job.panel_stride, act + job.act_offset, job.block_bytes, n_tokens,
                           k, job.w->ne[1], job.y, job.ldy};
      job.pp->run(args, p0, p1);
    }
  };
  // The last kUnitBytes of a share are cut finer (kTailUnits units): they are what a thread
  // that ran out steals first, so the threads finish closer together.
  auto share = [&](int ti) { return total * ti / nt; };
  auto head_bytes = [&](int ti) { return std::max<int64_t>(0, share(ti + 1) - share(ti) - kUnitBytes); };
  std::vector<UnitRun> runs(static_cast<size_t>(nt));
  for (int ti = 0; ti < nt; ++ti) {
    const int64_t head_units = (head_bytes(ti) + kUnitBytes - 1) / kUnitBytes;
    runs[ti].init(static_cast<uint32_t>(head_units + kTailUnits));
  }
  auto unit_bytes = [&](const uint8_t* act, int owner, uint32_t u) {
    const int64_t head = head_bytes(owner);
    const int64_t head_units = (head + kUnitBytes - 1) / kUnitBytes;
    int64_t lo, hi;
    if (u < head_units) {
      lo = int64_t{u} * kUnitBytes;
      hi = std::min(lo + kUnitBytes, head);
    } else {  // tail unit i of kTailUnits over [head, share length)
      const int64_t len = share(owner + 1) - share(owner) - head, i = u - head_units;
      lo = head + len * i / kTailUnits;
      hi = head + len * (i + 1) / kTailUnits;
    }
    run_bytes(act, share(owner) + lo, share(owner) + hi);
  };
  pool.run([&](int ti) {
    uint8_t* act = shared_act;
    if (own_copy) {
      act = act_scratch(act_bytes);
      convert(act, 0, n_tokens);
    }
    uint32_t u;
    while (runs[ti].take(true, &u)) unit_bytes(act, ti, u);
    for (int s = 1; s < nt; ++s) {
      const int v = (ti + s) % nt;
      while (runs[v].take(false, &u)) unit_bytes(act, v, u);
    }
  });
}

void run_panel(const PanelPath& pp, const TensorView& w, const uint8_t* packed, size_t panel_stride,
               const float* x, int64_t ldx, float* y, int64_t ldy, int64_t n_tokens,
               ThreadPool& pool) {
  PanelJob job{&pp, &w, packed, panel_stride, y, ldy};
  run_panel_jobs(&job, 1, w.ne[0], x, ldx, n_tokens, pool);
}

}  // namespace

Isa active_isa() {
  int isa = g_isa.load(std::memory_order_acquire);
  if (isa < 0) {
    const int chosen = static_cast<int>(isa_from_env());
    int expected = -1;
    g_isa.compare_exchange_strong(expected, chosen);
    isa = g_isa.load(std::memory_order_acquire);
  }
  return static_cast<Isa>(isa);
}

void set_isa(Isa isa) {
  OWL_CHECK(isa_available(isa), "ISA level {} is not available on this CPU ({})", isa_name(isa),
            cpu_features().describe());
  g_isa.store(static_cast<int>(isa), std::memory_order_release);
}

bool isa_available(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return f.has_avx2_level();
    // The AVX-512 kernels use VNNI and VBMI for int8 dot products and GFNI's byte-wise bit
    // moves to decode the packed codes (every CPU with VNNI and VBMI has GFNI); the BF16 ones
    // check separately.
    case Isa::kAvx512:
      return f.has_avx512_level() && f.avx512vnni && f.avx512vbmi && f.gfni;
  }
  return false;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

bool matmul_supported(DType type) {
  return static_cast<uint32_t>(type) < kMaxTypes && table().vec_dot[type_index(type)] != nullptr;
}

namespace {

void check_matmul(const TensorView& w, int64_t ldx, int64_t ldy, int64_t n_tokens) {
  OWL_CHECK(matmul_supported(w.type), "matmul: weight {} has unsupported type {}", w.name,
            dtype_name(w.type));
  const int64_t k = w.ne[0], m = w.ne[1];
  OWL_CHECK(w.ne[2] == 1 && w.ne[3] == 1, "matmul: weight {} is not 2-D: {}", w.name,
            w.shape_string());
  const ActFormat af = act_format(w.type);
  const int act_block = af == ActFormat::kQ8_K                             ? kQKK
                        : af == ActFormat::kQ8_0 || af == ActFormat::kQ8_1 ? kQK
                                                                           : 1;
  OWL_CHECK(k % block_elems(w.type) == 0 && k % act_block == 0,
            "matmul: weight {} row length {} is not a multiple of its block size", w.name, k);
  OWL_CHECK(ldx >= k && ldy >= m && n_tokens >= 0, "matmul: bad strides for {} (ldx {}, ldy {})",
            w.name, ldx, ldy);
  OWL_CHECK(w.data != nullptr && w.nbytes >= w.row_bytes() * static_cast<size_t>(m),
            "matmul: weight {} has {} bytes, needs {}", w.name, w.nbytes,
            w.row_bytes() * static_cast<size_t>(m));
}

}  // namespace

void matmul(const TensorView& w, const float* x, int64_t ldx, float* y, int64_t ldy,
            int64_t n_tokens, ThreadPool& pool) {
  check_matmul(w, ldx, ldy, n_tokens);
  if (n_tokens == 0 || w.ne[1] == 0) return;
  const KernelTable& t = table();
  const PanelPath& pp = t.panel[type_index(w.type)];
  if (panel_ok(pp, w.type, w.ne[0]) && w.panels != nullptr) {
    run_panel(pp, w, w.panels.get() + w.panel_offset, w.panel_stride, x, ldx, y, ldy, n_tokens, pool);
  } else if (panel_ok(pp, w.type, w.ne[0]) && n_tokens >= pp.min_tokens) {
    run_panel(pp, w, nullptr, 0, x, ldx, y, ldy, n_tokens, pool);
  } else {
    run_standard(t, w, x, ldx, y, ldy, n_tokens, pool);
  }
}

void matmul_same_input(std::span<const MatmulOutput> outs, const float* x, int64_t ldx,
                       int64_t n_tokens, ThreadPool& pool) {
  const KernelTable& t = table();
  // Weights with panels go through the panel path together; the rest (no panels, another row
  // length, an empty matrix) take matmul() one by one.
  constexpr int kMaxJobs = 8;
  PanelJob jobs[kMaxJobs];
  int n_jobs = 0;
  const int64_t k = outs.empty() ? 0 : outs[0].w->ne[0];
  for (const MatmulOutput& o : outs) {
    const TensorView& w = *o.w;
    check_matmul(w, ldx, o.ldy, n_tokens);
    const PanelPath& pp = t.panel[type_index(w.type)];
    if (n_jobs == kMaxJobs || n_tokens == 0 || w.ne[1] == 0 || w.ne[0] != k ||
        w.panels == nullptr || !panel_ok(pp, w.type, k)) {
      matmul(w, x, ldx, o.y, o.ldy, n_tokens, pool);
      continue;
    }
    jobs[n_jobs++] = {&pp, &w, w.panels.get() + w.panel_offset, w.panel_stride, o.y, o.ldy};
  }
  if (n_jobs > 0) run_panel_jobs(jobs, n_jobs, k, x, ldx, n_tokens, pool);
}

bool repack_supported(DType type) { return matmul_supported(type) && pack_supported(type); }

bool repack_useful(const TensorView& w) {
  if (!repack_supported(w.type) || w.data == nullptr) return false;
  return panel_ok(table().panel[type_index(w.type)], w.type, w.ne[0]);
}

bool repack_in_place(TensorView& w, ThreadPool& pool, PageArena* arena) {
  if (!repack_useful(w) || w.ne[3] != 1) return false;
  const int64_t k = w.ne[0], m = w.ne[1], n_mat = w.ne[2];
  const int64_t np = (m + kPanelRows - 1) / kPanelRows;
  const size_t stride = (panel_bytes(w.type, k) + 63) / 64 * 64;
  const size_t per_matrix = stride * static_cast<size_t>(np);
  const size_t total = per_matrix * static_cast<size_t>(n_mat);
  std::shared_ptr<uint8_t[]> panels = arena != nullptr ? arena->allocate(total) : shared_pages(total);
  OWL_CHECK(panels != nullptr, "repack: out of memory for {} ({} bytes)", w.name, total);
  uint8_t* dst = panels.get();
  const size_t row_bytes = w.row_bytes();
  pool.parallel_for(np * n_mat, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t mat = i / np, panel = i % np;
      const int64_t r0 = panel * kPanelRows;
      const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, m - r0));
      pack_panel(w.type, w.data + row_bytes * static_cast<size_t>(mat * m + r0), row_bytes, nrows, k,
                 dst + per_matrix * static_cast<size_t>(mat) + stride * static_cast<size_t>(panel));
    }
  });
  w.panels = std::move(panels);
  w.panel_stride = stride;
  w.panel_offset = 0;
  w.panel_matrix_bytes = per_matrix;
  return true;
}

PackedWeight repack(const TensorView& w, ThreadPool& pool) {
  check_matmul(w, w.ne[0], w.ne[1], 0);
  PackedWeight p;
  p.view = w;
  if (!repack_supported(w.type) || (w.type == DType::kBF16 && w.ne[0] % 2 != 0)) return p;
  const int64_t k = w.ne[0], m = w.ne[1];
  const int64_t np = (m + kPanelRows - 1) / kPanelRows;
  p.panel_stride = (panel_bytes(w.type, k) + 63) / 64 * 64;
  const size_t total = p.panel_stride * static_cast<size_t>(np);
  p.panels = shared_pages(total);
  OWL_CHECK(p.panels != nullptr, "repack: out of memory for {} ({} bytes)", w.name, total);
  uint8_t* dst = p.panels.get();
  pool.parallel_for(np, [&](int64_t p0, int64_t p1, int) {
    for (int64_t i = p0; i < p1; ++i) {
      const int64_t r0 = i * kPanelRows;
      const int nrows = static_cast<int>(std::min<int64_t>(kPanelRows, m - r0));
      pack_panel(w.type, w.row(r0), w.row_bytes(), nrows, k,
                 dst + p.panel_stride * static_cast<size_t>(i));
    }
  });
  return p;
}

void matmul(const PackedWeight& w, const float* x, int64_t ldx, float* y, int64_t ldy,
            int64_t n_tokens, ThreadPool& pool) {
  check_matmul(w.view, ldx, ldy, n_tokens);
  if (n_tokens == 0 || w.view.ne[1] == 0) return;
  const KernelTable& t = table();
  const PanelPath& pp = t.panel[type_index(w.view.type)];
  if (panel_ok(pp, w.view.type, w.view.ne[0]) && w.panels != nullptr) {
    run_panel(pp, w.view, w.panels.get(), w.panel_stride, x, ldx, y, ldy, n_tokens, pool);
  } else {
    matmul(w.view, x, ldx, y, ldy, n_tokens, pool);
  }
}

void get_row(const TensorView& w, int64_t r, float* out) {
  OWL_CHECK(r >= 0 && r < w.n_rows(), "get_row: row {} out of range for {} {}", r, w.name,
            w.shape_string());
  dequantize_row(w.type, w.row(r), out, w.ne[0]);
}

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  table().rms_norm(x, weight, y, n, eps);
}
void layer_norm(const float* x, const float* weight, const float* bias, float* y, int64_t n,
                float eps) {
  table().layer_norm(x, weight, bias, y, n, eps);
}
void softmax(float* x, int64_t n) { table().softmax(x, n); }
void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  table().silu_mul(gate, up, out, n);
}
void gelu_mul(const float* gate, const float* up, float* out, int64_t n) {
  table().gelu_mul(gate, up, out, n);
}
void gelu_mul_fp16_table(const float* gate, const float* up, float* out, int64_t n) {
  reference::gelu_mul_fp16_table(gate, up, out, n);
}
void to_f16(const float* x, uint16_t* y, int64_t n) {
  table().act_convert[static_cast<int>(ActFormat::kF16)](x, y, n);
}
void add(const float* x, float* y, int64_t n) { table().add(x, y, n); }
float dot(const float* a, const float* b, int64_t n) { return table().dot(a, b, n); }
void axpy(float a, const float* x, float* y, int64_t n) { table().axpy(a, x, y, n); }

}  // namespace owl::kernels
