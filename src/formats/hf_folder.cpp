// Hugging Face folders: config, optional files, single-file or sharded safetensors weights.
#include "formats/hf_folder.h"

#include <zlib.h>

#include <filesystem>

#include "base/error.h"
#include "base/mapped_file.h"
#include "formats/text_util.h"

namespace owl {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxTextBytes = size_t{1} << 30;

std::optional<std::string> existing(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p.string();
  return std::nullopt;
}

std::string read_gzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) fail("{}: cannot open", path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    int n = gzread(gz, buf, sizeof(buf));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(gz, &err);
      gzclose(gz);
      fail("{}: corrupt gzip data: {}", path, msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxTextBytes) {
      gzclose(gz);
      fail("{}: more than 1 GiB once decompressed", path);
    }
  }
  // gzread returns 0 both at the end and for a truncated stream; gzclose_r reports the latter.
  int rc = gzclose(gz);
  if (rc != Z_OK) fail("{}: corrupt or truncated gzip data (zlib error {})", path, rc);
  return out;
}

}  // namespace

std::string read_text_file(const std::string& path) {
  if (path.ends_with(".gz")) return read_gzip(path);
  return read_file(path);
}

nlohmann::json read_json_file(const std::string& path) {
  std::string text = read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: invalid JSON: {}", path, e.what());
  }
}

std::unique_ptr<HfFolder> HfFolder::open(const std::string& dir) {
  std::unique_ptr<HfFolder> f(new HfFolder());
  f->dir_ = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("{}: not a directory", dir);
  const fs::path root(dir);
  const std::string config = (root / "config.json").string();
  if (!existing(config)) fail("{}: missing (a Hugging Face model folder needs it)", config);
  f->config_ = read_json_file(config);
  if (!f->config_.is_object()) fail("{}: must hold a JSON object", config);
  if (auto gen = existing(root / "generation_config.json")) {
    f->generation_config_ = read_json_file(*gen);
  }
  f->tokenizer_json_ = existing(root / "tokenizer.json");
  if (!f->tokenizer_json_) f->tokenizer_json_ = existing(root / "tokenizer.json.gz");
  f->tokenizer_config_ = existing(root / "tokenizer_config.json");
  f->chat_template_ = existing(root / "chat_template.jinja");

  if (auto single = existing(root / "model.safetensors")) {
    f->load_single(*single);
  } else if (auto index = existing(root / "model.safetensors.index.json")) {
    f->load_index(*index);
  } else {
    fail("{}: no weights: neither model.safetensors nor model.safetensors.index.json", dir);
  }
  return f;
}

void HfFolder::add_shard_tensors(const safetensors::File& shard) {
  for (const safetensors::Tensor& t : shard.tensors()) {
    auto [it, inserted] = index_.try_emplace(t.view.name, &t);
    if (!inserted) {
      fail("{}: tensor {} is in two shards (the second is {})", dir_,
           formats::printable(t.view.name), shard.path());
    }
    tensors_.push_back(&t);
  }
}

void HfFolder::load_single(const std::string& path) {
  shards_.push_back(safetensors::File::open(path));
  add_shard_tensors(*shards_.back());
}

void HfFolder::load_index(const std::string& path) {
  nlohmann::ordered_json index;
  try {
    index = nlohmann::ordered_json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: invalid JSON: {}", path, e.what());
  }
  auto map_it = index.is_object() ? index.find("weight_map") : index.end();
  if (map_it == index.end() || !map_it->is_object()) {
    fail("{}: needs a \"weight_map\" object (tensor name -> shard file)", path);
  }
  // Shards in order of first mention, each opened once.
  std::map<std::string, size_t> shard_of_file;
  std::vector<std::pair<std::string, size_t>> listed;  // tensor name, shard index
  for (const auto& [name, file] : map_it->items()) {
    if (!file.is_string()) fail("{}: weight_map[\"{}\"] must be a file name", path, name);
    std::string shard = file.get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "." || shard == "..") {
      fail("{}: weight_map[\"{}\"] = \"{}\" is not a file name in the folder", path, name,
           formats::printable(shard));
    }
    auto [it, inserted] = shard_of_file.try_emplace(shard, shards_.size());
    if (inserted) {
      std::string shard_path = (fs::path(dir_) / shard).string();
      if (!existing(shard_path)) fail("{}: shard {} (listed for {}) is missing", path, shard, name);
      shards_.push_back(safetensors::File::open(shard_path));
    }
    listed.emplace_back(name, it->second);
  }
  for (const auto& shard : shards_) add_shard_tensors(*shard);
  for (const auto& [name, s] : listed) {
    if (shards_[s]->find(name) == nullptr) {
      fail("{}: lists tensor {} in {}, but that shard has no such tensor", path, name,
           shards_[s]->path());
    }
  }
}

const safetensors::Tensor* HfFolder::find(std::string_view hf_name) const {
  auto it = index_.find(hf_name);
  return it == index_.end() ? nullptr : it->second;
}

}  // namespace owl
