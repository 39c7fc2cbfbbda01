// Random-weight models with published shapes: the architecture's own weight binding, run in
// recording mode, lists the tensors; the config reader records the GGUF metadata.
#include "model/synth.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "base/fp16.h"
#include "base/mapped_file.h"
#include "base/thread_pool.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "model/config_reader.h"
#include "model/registry.h"
#include "tensor/quant.h"

namespace owl {
namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

int layer_of(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  return std::atoi(name.c_str() + 4);
}

// llama-quantize gives these layers more bits in its _M mixes: the first and last eighth, and
// every third layer in between.
bool use_more_bits(int layer, int n_layers) {
  return layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
}

// A K-quant needs rows that are a multiple of 256; llama-quantize then falls back.
DType fit_row(DType t, int64_t row) {
  if (row % block_elems(t) == 0) return t;
  switch (t) {
    case DType::kQ4_K: t = DType::kQ5_0; break;
    case DType::kQ5_K: t = DType::kQ5_1; break;
    case DType::kQ6_K: t = DType::kQ8_0; break;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kIQ4_XS: t = DType::kIQ4_NL; break;
    default: break;
  }
  return row % block_elems(t) == 0 ? t : DType::kF16;
}

uint32_t file_type_id(const std::string& type) {
  static const std::map<std::string, uint32_t> ids = {
      {"f32", 0},   {"f16", 1},   {"q4_0", 2},  {"q4_1", 3},   {"q8_0", 7},    {"q5_0", 8},
      {"q5_1", 9},  {"q2_k", 10}, {"q3_k", 12}, {"q3_k_m", 12}, {"q4_k", 15},  {"q4_k_s", 14},
      {"q4_k_m", 15}, {"q5_k", 17}, {"q5_k_m", 17}, {"q6_k", 18}, {"iq4_nl", 25}, {"bf16", 32}};
  auto it = ids.find(type);
  return it == ids.end() ? 0 : it->second;
}

// splitmix64: a fast, well-mixed stream; one per tensor, seeded from the tensor's name.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Approximately N(0, 1): the sum of four 16-bit uniforms (Irwin-Hall), centred and scaled.
  // Random weights need the right scale, not exact Gaussian tails, and this is ~20x cheaper.
  float normal() {
    const uint64_t x = next();
    const uint32_t sum = static_cast<uint32_t>((x & 0xffff) + ((x >> 16) & 0xffff) + ((x >> 32) & 0xffff) + (x >> 48));
    return (static_cast<float>(sum) * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
  }
};

uint64_t name_seed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Random contents: norm weights near 1, everything else N(0, stddev). Each row has its own
// stream (seeded from the tensor name and row), so rows are made in parallel and a tensor's
// contents do not depend on the thread count or on the other tensors.
void fill_tensor(const RecordedTensor& t, DType type, uint64_t seed, float stddev, uint8_t* dst,
                 ThreadPool& pool) {
  const int64_t row = t.ne[0];
  const int64_t rows = t.ne[1] * t.ne[2] * t.ne[3];
  const size_t rb = row_bytes(type, row);
  const uint64_t base = name_seed(seed, t.name);
  const bool norm = t.is_vector && contains(t.name, "norm");
  pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
    std::vector<float> values(static_cast<size_t>(row));
    for (int64_t r = begin; r < end; ++r) {
      Rng rng{base + 0x632be59bd9b4e019ull * static_cast<uint64_t>(r)};
      for (int64_t i = 0; i < row; ++i) {
        if (!t.values.empty()) {
          values[i] = t.values[static_cast<size_t>(r * row + i)];
        } else {
          values[i] = norm ? 1.0f + 0.1f * rng.normal() : stddev * rng.normal();
        }
      }
      quantize_row(type, values.data(), dst + static_cast<size_t>(r) * rb, row);
    }
  });
}

// Vocabulary of a model made without a tokenizer: GPT-2 byte-level tokens for the 256 bytes
// (so any text tokenizes), then placeholders; bos/eos from the config or the last ids.
void add_synthetic_vocab(gguf::Writer& w, int32_t n_vocab, int32_t bos, int32_t eos) {
  std::vector<gguf::Value> tokens, types;
  tokens.reserve(n_vocab);
  std::vector<int> byte_to_cp(256);
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    byte_to_cp[b] = printable ? b : 256 + extra++;
  }
  auto utf8 = [](int cp) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
  };
  for (int32_t i = 0; i < n_vocab; ++i) {
    int type = 1;
    std::string text;
    if (i == bos || i == eos) {
      text = i == bos ? "<|synth_bos|>" : "<|synth_eos|>";
      type = 3;
    } else if (i < 256) {
      text = utf8(byte_to_cp[i]);
    } else {
      text = "<|synth_" + std::to_string(i) + "|>";
      type = 5;
    }
    tokens.push_back(gguf::Value::string(std::move(text)));
    types.push_back(gguf::Value::i32(type));
  }
  w.set("tokenizer.ggml.model", gguf::Value::string("gpt2"));
  w.set("tokenizer.ggml.pre", gguf::Value::string("default"));
  w.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::kString, std::move(tokens)));
  w.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::kI32, std::move(types)));
  w.set("tokenizer.ggml.merges", gguf::Value::array(gguf::ValueType::kString, {}));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(static_cast<uint32_t>(bos)));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(static_cast<uint32_t>(eos)));
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));
}

int32_t config_token_id(const nlohmann::json& config, const char* key, int32_t def) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return def;
  if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int32_t>();
  if (it->is_number_integer()) return it->get<int32_t>();
  return def;
}

}  // namespace

DType synth_tensor_type(const std::string& type_name, const std::string& name, int64_t row,
                        int32_t n_layers, int32_t n_experts, bool tied_output) {
  const bool mix = type_name == "q4_k_m" || type_name == "q4_k_s" || type_name == "q5_k_m" ||
                   type_name == "q3_k_m";
  std::string base = type_name;
  if (mix) base = type_name.substr(0, 4);
  const std::optional<DType> parsed = dtype_from_name(base);
  if (!parsed) fail("--type {}: unknown type", type_name);
  DType t = *parsed;
  if (t == DType::kF32 || t == DType::kF16 || t == DType::kBF16) return t;
  const bool is_output = name == "output.weight" || (tied_output && name == "token_embd.weight");
  const int layer = layer_of(name);
  if (is_output) {
    if (t != DType::kQ8_0 && t != DType::kQ6_K) t = DType::kQ6_K;
  } else if (mix && contains(name, "attn_v.weight")) {
    if (type_name == "q4_k_m" || type_name == "q5_k_m") {
      if (use_more_bits(layer, n_layers)) t = DType::kQ6_K;
    } else if (type_name == "q4_k_s") {
      if (layer < 4) t = DType::kQ5_K;
    } else if (layer < 2) {
      t = DType::kQ5_K;
    }
    if (n_experts == 8) t = DType::kQ8_0;
  } else if (mix && contains(name, "attn_k.weight")) {
    if (n_experts == 8) t = DType::kQ8_0;
  } else if (mix && contains(name, "ffn_down")) {
    if ((type_name == "q4_k_m" || type_name == "q5_k_m") && use_more_bits(layer, n_layers)) {
      t = DType::kQ6_K;
    } else if (type_name == "q4_k_s" && layer < n_layers / 8) {
      t = DType::kQ5_K;
    }
  } else if (mix && contains(name, "attn_output.weight") && n_experts == 8) {
    t = DType::kQ5_K;
  }
  return fit_row(t, row);
}

SynthReport synthesize_model(const SynthOptions& o) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(o.config_path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON: {}", o.config_path, e.what());
  }
  if (!config.is_object()) fail("{}: expected a JSON object", o.config_path);
  if (o.n_layers > 0) {
    config["num_hidden_layers"] = o.n_layers;
    if (config.contains("layer_types") && config["layer_types"].is_array() &&
        config["layer_types"].size() > static_cast<size_t>(o.n_layers)) {
      config["layer_types"].erase(config["layer_types"].begin() + o.n_layers, config["layer_types"].end());
    }
  }
  std::string hf_arch;
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string()) {
    hf_arch = config["architectures"][0].get<std::string>();
  }
  const std::string model_type = config.value("model_type", std::string());
  const Architecture* arch = find_architecture_hf(hf_arch, model_type);
  if (arch == nullptr) {
    fail("{}: unsupported architecture \"{}\" / model_type \"{}\" (supported: {})", o.config_path, hf_arch,
         model_type, supported_architectures());
  }
  std::vector<std::pair<std::string, gguf::Value>> metadata;
  ConfigReader reader(config, o.config_path);
  reader.record_to(&metadata, std::string(arch->name));
  ModelConfig c = arch->read_config(reader);
  if (c.vocab_size <= 0) fail("{}: vocab_size is missing", o.config_path);
  if (c.ffn_size <= 0 && c.n_experts == 0) fail("{}: intermediate_size is missing", o.config_path);
  reader.record(".rope.dimension_count", gguf::Value::u32(static_cast<uint32_t>(c.rope.n_rot)));

  WeightArena arena;
  std::vector<RecordedTensor> tensors;
  WeightBinder binder(WeightNaming::kGguf, arena, &tensors);
  const bool tied = c.tied_embeddings;
  const int32_t n_layers = c.n_layers, n_experts = c.n_experts;
  arch->build(c, binder);

  ThreadPool pool(o.threads > 0 ? o.threads : default_thread_count());
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::string(std::string(arch->name)));
  w.set("general.name", gguf::Value::string("synthetic " + std::filesystem::path(o.config_path).parent_path().filename().string()));
  w.set("general.file_type", gguf::Value::u32(file_type_id(o.type)));
  for (auto& [k, v] : metadata) w.set(k, v);
  if (!o.tokenizer_dir.empty()) {
    fail("--tokenizer is not supported yet");
  }
  const int32_t bos = config_token_id(config, "bos_token_id", c.vocab_size - 2);
  const int32_t eos = config_token_id(config, "eos_token_id", c.vocab_size - 1);
  add_synthetic_vocab(w, c.vocab_size, bos, eos);

  const float stddev = config.value("initializer_range", 0.02f);
  SynthReport report;
  report.arch = std::string(arch->name);
  for (const RecordedTensor& t : tensors) {
    const int64_t n = t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
    const DType type = t.is_vector ? DType::kF32
                                   : synth_tensor_type(o.type, t.name, t.ne[0], n_layers, n_experts, tied);
    const uint64_t seed = o.seed;
    w.add_tensor(t.name, type, t.ne, t.n_dims, [t, type, seed, stddev, &pool](uint8_t* dst, size_t) {
      fill_tensor(t, type, seed, stddev, dst, pool);
    });
    report.n_params += n;
    report.bytes += row_bytes(type, t.ne[0]) * static_cast<uint64_t>(n / t.ne[0]);
    ++report.n_tensors;
  }
  w.write(o.out_path);
  return report;
}

}  // namespace owl
