// Loading chat templates the way transformers does (tokenizer_config.json, chat_template.jinja,
// additional_chat_templates/) and rendering apply_chat_template-style requests.
#include "template/chat_template.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "template/py_text.h"

namespace owl::tmpl {
namespace fs = std::filesystem;
namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) fail("cannot read '{}'", p.string());
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (!utf8_valid(s)) fail("'{}' is not valid UTF-8", p.string());
  return s;
}

nlohmann::ordered_json read_json(const fs::path& p) {
  const std::string text = read_text(p);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("'{}' is not valid JSON: {}", p.string(), e.what());
  }
}

// A special token in tokenizer_config.json: a string, null, or an AddedToken object.
std::optional<std::string> token_field(const nlohmann::ordered_json& cfg, const char* key,
                                       const std::string& origin) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return (*it)["content"].get<std::string>();
  }
  fail("{}: field '{}' must be a string, null or an AddedToken object", origin, key);
}

}  // namespace

ChatTemplateSource ChatTemplateSource::from_tokenizer_config(const nlohmann::ordered_json& config,
                                                             const std::string& origin) {
  if (!config.is_object()) fail("{}: expected a JSON object", origin);
  ChatTemplateSource src;
  src.origin = origin;
  src.bos_token = token_field(config, "bos_token", origin);
  src.eos_token = token_field(config, "eos_token", origin);
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return src;
  if (it->is_string()) {
    src.default_template = it->get<std::string>();
  } else if (it->is_array()) {
    for (const auto& entry : *it) {
      if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
          !entry["name"].is_string() || !entry["template"].is_string()) {
        fail("{}: chat_template list entries must be {{\"name\": str, \"template\": str}}", origin);
      }
      const std::string name = entry["name"].get<std::string>();
      if (name == "default") {
        src.default_template = entry["template"].get<std::string>();
      } else {
        src.named.emplace_back(name, entry["template"].get<std::string>());
      }
    }
  } else {
    fail("{}: chat_template must be a string or a list of named templates", origin);
  }
  return src;
}

ChatTemplateSource ChatTemplateSource::load(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    ChatTemplateSource src;
    const fs::path cfg = p / "tokenizer_config.json";
    if (fs::exists(cfg)) src = from_tokenizer_config(read_json(cfg), cfg.string());
    src.origin = path;
    // transformers: a chat_template.jinja file takes priority over the config's template.
    if (fs::exists(p / "chat_template.jinja")) {
      src.default_template = read_text(p / "chat_template.jinja");
    } else if (!src.default_template && src.named.empty() && fs::exists(p / "chat_template.json")) {
      auto legacy = from_tokenizer_config(read_json(p / "chat_template.json"),
                                          (p / "chat_template.json").string());
      src.default_template = legacy.default_template;
      src.named = legacy.named;
    }
    const fs::path extra = p / "additional_chat_templates";
    if (fs::is_directory(extra, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(extra)) {
        if (e.path().extension() == ".jinja") files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) src.named.emplace_back(f.stem().string(), read_text(f));
    }
    if (!src.default_template && src.named.empty()) fail("no chat template found in '{}'", path);
    return src;
  }
  if (!fs::exists(p, ec)) fail("chat template source '{}' does not exist", path);
  if (p.extension() == ".json") {
    ChatTemplateSource src = from_tokenizer_config(read_json(p), path);
    if (!src.default_template && src.named.empty()) fail("'{}' has no chat_template", path);
    return src;
  }
  ChatTemplateSource src;
  const fs::path cfg = p.parent_path() / "tokenizer_config.json";
  if (fs::exists(cfg)) {
    const auto config = read_json(cfg);
    src.bos_token = token_field(config, "bos_token", cfg.string());
    src.eos_token = token_field(config, "eos_token", cfg.string());
  }
  src.origin = path;
  src.default_template = read_text(p);
  return src;
}

const std::string& ChatTemplateSource::select(bool has_tools, const std::string& name) const {
  auto find = [this](const std::string& n) -> const std::string* {
    if (n == "default" && default_template) return &*default_template;
    for (const auto& [k, t] : named) {
      if (k == n) return &t;
    }
    return nullptr;
  };
  if (!name.empty()) {
    if (const std::string* t = find(name)) return *t;
    fail("{}: no chat template named '{}'", origin, name);
  }
  if (named.empty() && default_template) return *default_template;
  if (has_tools) {
    if (const std::string* t = find("tool_use")) return *t;
  }
  if (default_template) return *default_template;
  fail("{}: this model has multiple chat templates with no default specified", origin);
}

std::string render_request(const std::string& template_source,
                           const nlohmann::ordered_json& request,
                           const std::optional<std::string>& default_bos,
                           const std::optional<std::string>& default_eos) {
  if (!request.is_object()) fail("request: expected a JSON object");
  auto it = request.find("messages");
  if (it == request.end() || !it->is_array()) fail("request: 'messages' must be a list");
  nlohmann::ordered_json vars = nlohmann::ordered_json::object();
  vars["messages"] = *it;
  vars["tools"] = request.contains("tools") ? request["tools"] : nlohmann::ordered_json();
  vars["documents"] = nullptr;
  const auto agp = request.find("add_generation_prompt");
  if (agp != request.end() && !agp->is_boolean())
    fail("request: 'add_generation_prompt' must be a bool");
  vars["add_generation_prompt"] = agp != request.end() && agp->get<bool>();
  auto token = [&](const char* key, const std::optional<std::string>& dflt) {
    auto t = request.find(key);
    if (t == request.end()) {
      if (dflt) vars[key] = *dflt;
    } else if (t->is_string()) {
      vars[key] = *t;
    } else if (!t->is_null()) {
      fail("request: '{}' must be a string or null", key);
    }
  };
  token("bos_token", default_bos);
  token("eos_token", default_eos);
  if (auto extra = request.find("extra"); extra != request.end() && !extra->is_null()) {
    if (!extra->is_object()) fail("request: 'extra' must be an object");
    for (const auto& [k, v] : extra->items()) vars[k] = v;
  }
  RenderOptions opts;
  if (auto now = request.find("now"); now != request.end() && !now->is_null()) {
    if (!now->is_string()) fail("request: 'now' must be a string");
    opts.now = now->get<std::string>();
  }
  return render(template_source, vars, opts);
}

int run_template_command(const std::string& source_path, const std::string& request_path) {
  try {
    const ChatTemplateSource src = ChatTemplateSource::load(source_path);
    const nlohmann::ordered_json request = read_json(request_path);
    const bool has_tools =
        request.is_object() && request.contains("tools") && !request["tools"].is_null();
    const std::string out =
        render_request(src.select(has_tools), request, src.bos_token, src.eos_token);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return 0;
  } catch (const TemplateError& e) {
    std::fprintf(stderr, "error: template raised %s error: %s\n", error_kind_name(e.kind()),
                 e.what());
    return 3;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}

}  // namespace owl::tmpl
