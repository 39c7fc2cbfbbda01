// `owl synth --format hf`: the recorded tensors written with Hugging Face names and layouts (the
// inverse of llama.cpp's converter: llama Q/K rows un-permuted, Gemma norms as w, gpt-oss
// experts fused and interleaved, MXFP4 as U8 blocks and scales), values from the same streams
// as the GGUF writer, so both files of one seed hold the same model.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "base/error.h"
#include "formats/hf_names.h"
#include "formats/safetensors.h"
#include "model/synth_detail.h"
#include "tensor/blocks.h"

namespace owl::synth_detail {
namespace {

namespace fs = std::filesystem;

// One Hugging Face tensor (or a _blocks/_scales pair) made from one or more GGUF tensors.
struct Group {
  std::string hf_name;
  std::vector<const RecordedTensor*> parts;  // by interleave_index
  DType type = DType::kF32;
};

// A recorded tensor as [experts][out][in] (vectors: in = 1): out is what HF interleaves.
struct Dims {
  int64_t experts, out, in;
};

Dims dims_of(const RecordedTensor& t) {
  if (t.is_vector) return {t.ne[1] * t.ne[2] * t.ne[3], t.ne[0], 1};
  return {t.ne[2] * t.ne[3], t.ne[1], t.ne[0]};
}

// The GGUF-layout bytes of each part, made on first use and freed after the last.
struct PartCache {
  const Group* group;
  uint64_t seed;
  float stddev;
  ThreadPool* pool;
  int uses_left;
  std::vector<std::vector<uint8_t>> bytes;

  const std::vector<std::vector<uint8_t>>& get() {
    if (bytes.empty()) {
      for (const RecordedTensor* t : group->parts) {
        const int64_t rows = t->ne[1] * t->ne[2] * t->ne[3];
        const size_t rb = row_bytes(group->type, t->ne[0]);
        std::vector<uint8_t> b(rb * static_cast<size_t>(rows));
        fill_tensor(*t, group->type, seed, stddev, b.data(), *pool);
        if (t->hf.unpermute_heads > 0) {
          std::vector<uint8_t> u(b.size());
          llama_unpermute_qk_rows(b.data(), u.data(), rows, rb, t->hf.unpermute_heads);
          b.swap(u);
        }
        if (t->hf.offset != 0.0f) {
          if (group->type != DType::kF32)
            fail("synth: offset layout on a non-f32 tensor {}", t->name);
          float* f = reinterpret_cast<float*>(b.data());
          for (size_t i = 0; i < b.size() / sizeof(float); ++i) f[i] += t->hf.offset;
        }
        bytes.push_back(std::move(b));
      }
    }
    return bytes;
  }
  void done() {
    if (--uses_left == 0) bytes = {};
  }
};

// Dense parts (F32/F16/BF16) into the HF tensor: rows interleaved, optionally transposed.
void copy_dense(const Group& g, const std::vector<std::vector<uint8_t>>& parts, uint8_t* dst) {
  const Dims d = dims_of(*g.parts[0]);
  const int64_t k = static_cast<int64_t>(parts.size());
  const size_t es = static_cast<size_t>(block_bytes(g.type));
  const bool transposed = g.parts[0]->hf.transposed;
  if (k == 1 && !transposed) {
    std::memcpy(dst, parts[0].data(), parts[0].size());
    return;
  }
  for (int64_t m = 0; m < k; ++m) {
    const uint8_t* src = parts[m].data();
    for (int64_t e = 0; e < d.experts; ++e) {
      for (int64_t o = 0; o < d.out; ++o) {
        const int64_t row = o * k + m;  // the HF output index
        for (int64_t i = 0; i < d.in; ++i) {
          const int64_t s = (e * d.out + o) * d.in + i;
          const int64_t t =
              transposed ? (e * d.in + i) * d.out * k + row : (e * d.out * k + row) * d.in + i;
          std::memcpy(dst + t * es, src + s * es, es);
        }
      }
    }
  }
}

// MXFP4 parts into HF's U8 layout: per output row, blocks of 16 bytes where byte i holds
// elements 2i (low nibble) and 2i + 1 (high nibble), and one E8M0 scale byte per 32 elements.
// GGUF's block is the scale byte, then 16 bytes holding element j (low) and j + 16 (high).
void copy_mxfp4(const Group& g, const std::vector<std::vector<uint8_t>>& parts, uint8_t* dst,
                bool scales) {
  const Dims d = dims_of(*g.parts[0]);
  const int64_t k = static_cast<int64_t>(parts.size());
  const int64_t nb = d.in / 32;
  for (int64_t m = 0; m < k; ++m) {
    const auto* src = reinterpret_cast<const BlockMXFP4*>(parts[m].data());
    for (int64_t e = 0; e < d.experts; ++e) {
      for (int64_t o = 0; o < d.out; ++o) {
        const int64_t row = e * d.out * k + o * k + m;
        for (int64_t b = 0; b < nb; ++b) {
          const BlockMXFP4& blk = src[(e * d.out + o) * nb + b];
          if (scales) {
            dst[row * nb + b] = blk.e;
            continue;
          }
          auto code = [&](int j) { return j < 16 ? blk.qs[j] & 0x0F : blk.qs[j - 16] >> 4; };
          uint8_t* out = dst + (row * nb + b) * 16;
          for (int i = 0; i < 16; ++i)
            out[i] = static_cast<uint8_t>(code(2 * i) | (code(2 * i + 1) << 4));
        }
      }
    }
  }
}

std::vector<int64_t> hf_shape(const RecordedTensor& t, int64_t k, bool mxfp4, bool scales) {
  const Dims d = dims_of(t);
  std::vector<int64_t> shape;
  const bool has_experts = t.is_vector ? t.n_dims >= 2 : t.n_dims >= 3;
  if (has_experts) shape.push_back(d.experts);
  if (t.is_vector) {
    shape.push_back(d.out * k);
  } else if (mxfp4) {
    shape.insert(shape.end(), {d.out * k, d.in / 32});
    if (!scales) shape.push_back(16);
  } else if (t.hf.transposed) {
    shape.insert(shape.end(), {d.in, d.out * k});
  } else {
    shape.insert(shape.end(), {d.out * k, d.in});
  }
  return shape;
}

std::vector<Group> group_tensors(const std::vector<RecordedTensor>& tensors,
                                 const std::function<DType(const RecordedTensor&)>& type_of) {
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (const RecordedTensor& t : tensors) {
    if (t.hf_name.empty()) continue;  // GGUF only (e.g. llama3's rope_freqs)
    auto [it, added] = index.emplace(t.hf_name, groups.size());
    if (added) groups.push_back({t.hf_name, {}, type_of(t)});
    Group& g = groups[it->second];
    if (type_of(t) != g.type) fail("synth: tensors fused into {} differ in type", t.hf_name);
    g.parts.push_back(&t);
  }
  for (Group& g : groups) {
    std::sort(g.parts.begin(), g.parts.end(), [](const RecordedTensor* a, const RecordedTensor* b) {
      return a->hf.interleave_index < b->hf.interleave_index;
    });
    const int32_t want = std::max(1, g.parts[0]->hf.interleave);
    if (static_cast<int32_t>(g.parts.size()) != want) {
      fail("synth: {} is made of {} tensors, its layout says {}", g.hf_name, g.parts.size(), want);
    }
  }
  return groups;
}

void copy_tokenizer_files(const std::string& from, const std::string& to) {
  if (!fs::is_directory(from)) fail("--tokenizer {}: not a folder", from);
  if (!fs::exists(fs::path(from) / "tokenizer.json") &&
      !fs::exists(fs::path(from) / "tokenizer.json.gz")) {
    fail("--tokenizer {}: no tokenizer.json (or tokenizer.json.gz) in the folder", from);
  }
  for (const char* name :
       {"tokenizer.json", "tokenizer.json.gz", "tokenizer_config.json", "special_tokens_map.json",
        "chat_template.jinja", "generation_config.json"}) {
    const fs::path src = fs::path(from) / name;
    if (!fs::exists(src)) continue;
    std::error_code ec;
    fs::copy_file(src, fs::path(to) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) fail("{}: cannot copy to {}: {}", src.string(), to, ec.message());
    // Copies of read-only files stay writable, so a second synth can replace them.
    fs::permissions(fs::path(to) / name, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::add, ec);
  }
}

// A stacked {in, out, E} tensor as E tensors [out, in] named by the "{}" pattern (Qwen3-MoE,
// DeepSeek, ...: model.layers.N.mlp.experts.{}.gate_proj.weight).
void add_per_expert(safetensors::Writer& w, const Group& g, const std::shared_ptr<PartCache>& cache,
                    SynthReport& report) {
  const RecordedTensor& t = *g.parts[0];
  const std::optional<safetensors::RawDType> raw = safetensors::raw_dtype_for(g.type);
  if (g.parts.size() != 1 || t.hf.transposed || !raw || g.hf_name.find("{}") == std::string::npos) {
    fail("synth: {} cannot be written one tensor per expert", g.hf_name);
  }
  const Dims d = dims_of(t);
  const size_t expert_bytes = row_bytes(g.type, d.in) * static_cast<size_t>(d.out);
  cache->uses_left = static_cast<int>(d.experts);
  for (int64_t e = 0; e < d.experts; ++e) {
    std::string name = g.hf_name;
    name.replace(name.find("{}"), 2, std::to_string(e));
    std::vector<int64_t> shape = {d.out};
    if (!t.is_vector) shape.push_back(d.in);
    w.add_tensor(name, *raw, shape, [cache, e, expert_bytes](uint8_t* dst, size_t) {
      std::memcpy(dst, cache->get()[0].data() + static_cast<size_t>(e) * expert_bytes,
                  expert_bytes);
      cache->done();
    });
  }
  report.n_params += t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
  report.bytes += expert_bytes * static_cast<uint64_t>(d.experts);
  report.n_tensors += d.experts;
}

}  // namespace

void write_hf_folder(const SynthOptions& o, const nlohmann::json& config,
                     const std::vector<RecordedTensor>& tensors,
                     const std::function<DType(const RecordedTensor&)>& type_of, float stddev,
                     ThreadPool& pool, SynthReport& report) {
  std::error_code ec;
  fs::create_directories(o.out_path, ec);
  if (ec || !fs::is_directory(o.out_path))
    fail("{}: cannot create the folder: {}", o.out_path, ec.message());
  const std::vector<Group> groups = group_tensors(tensors, type_of);
  safetensors::Writer w;
  std::vector<std::shared_ptr<PartCache>> caches;
  for (const Group& g : groups) {
    const RecordedTensor& t = *g.parts[0];
    const int64_t k = static_cast<int64_t>(g.parts.size());
    auto cache = std::make_shared<PartCache>(PartCache{&g, o.seed, stddev, &pool, 1, {}});
    caches.push_back(cache);
    if (g.type == DType::kMXFP4) {
      if (!t.hf.mxfp4_blocks)
        fail("synth: {} is MXFP4 but Hugging Face has no layout for it", g.hf_name);
      cache->uses_left = 2;
      for (bool scales : {false, true}) {
        w.add_tensor(g.hf_name + (scales ? "_scales" : "_blocks"), safetensors::RawDType::kU8,
                     hf_shape(t, k, true, scales), [cache, &g, scales](uint8_t* dst, size_t) {
                       copy_mxfp4(g, cache->get(), dst, scales);
                       cache->done();
                     });
      }
    } else if (t.hf.per_expert) {
      add_per_expert(w, g, cache, report);
      continue;
    } else {
      const std::optional<safetensors::RawDType> raw = safetensors::raw_dtype_for(g.type);
      if (!raw || (g.type != DType::kF32 && g.type != DType::kF16 && g.type != DType::kBF16)) {
        fail("--format hf: {} would be {}; Hugging Face folders hold f32, f16 or bf16 weights",
             g.hf_name, dtype_name(g.type));
      }
      w.add_tensor(g.hf_name, *raw, hf_shape(t, k, false, false),
                   [cache, &g](uint8_t* dst, size_t) {
                     copy_dense(g, cache->get(), dst);
                     cache->done();
                   });
    }
    for (const RecordedTensor* p : g.parts) {
      report.n_params += p->ne[0] * p->ne[1] * p->ne[2] * p->ne[3];
      report.bytes +=
          row_bytes(g.type, p->ne[0]) * static_cast<uint64_t>(p->ne[1] * p->ne[2] * p->ne[3]);
    }
    report.n_tensors += g.type == DType::kMXFP4 ? 2 : 1;
  }
  w.write((fs::path(o.out_path) / "model.safetensors").string());
  {
    std::ofstream out(fs::path(o.out_path) / "config.json");
    out << config.dump(2) << "\n";
    if (!out) fail("{}/config.json: cannot write", o.out_path);
  }
  if (!o.tokenizer_dir.empty()) copy_tokenizer_files(o.tokenizer_dir, o.out_path);
}

}  // namespace owl::synth_detail
