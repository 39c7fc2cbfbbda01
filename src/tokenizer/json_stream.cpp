// SAX handler that builds the tokenizer.json tree except model.vocab and model.merges.
#include "tokenizer/json_stream.h"

#include <fmt/format.h>

#include "base/error.h"

namespace owl {

namespace {

using json_util::Json;

class Handler : public nlohmann::json_sax<Json> {
 public:
  Handler(TokenizerJson& out, const std::string& path) : out_(out), path_(path) {}

  bool null() override { return value(Json()); }
  bool boolean(bool v) override { return value(Json(v)); }
  bool number_integer(number_integer_t v) override {
    if (mode_ == Mode::kVocab) return vocab_id(v);
    return value(Json(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (mode_ == Mode::kVocab) {
      return vocab_id(v > static_cast<uint64_t>(INT64_MAX) ? -1 : static_cast<int64_t>(v));
    }
    return value(Json(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    if (mode_ == Mode::kVocab) return bad("model.vocab[\"{}\"]: expected a token id", key_);
    return value(Json(v));
  }
  bool string(string_t& s) override {
    if (mode_ == Mode::kVocab) return bad("model.vocab[\"{}\"]: expected a token id", key_);
    if (mode_ == Mode::kMerges) return merge_string(s);
    if (mode_ == Mode::kMergePair) {
      pair_.push_back(std::move(s));
      return true;
    }
    return value(Json(std::move(s)));
  }
  bool binary(binary_t&) override { return bad("binary values are not JSON"); }

  bool start_object(std::size_t) override {
    if (mode_ != Mode::kTree) return bad("{}: unexpected object", streamed());
    if (in_model() && key_ == "vocab") {
      mode_ = Mode::kVocab;
      out_.has_vocab = true;
      return true;
    }
    return open(Json::object());
  }
  bool end_object() override {
    if (mode_ == Mode::kVocab) {
      mode_ = Mode::kTree;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kMergePair;
      pair_.clear();
      return true;
    }
    if (mode_ != Mode::kTree) return bad("{}: unexpected array", streamed());
    if (in_model() && key_ == "merges") {
      mode_ = Mode::kMerges;
      out_.has_merges = true;
      return true;
    }
    return open(Json::array());
  }
  bool end_array() override {
    if (mode_ == Mode::kMergePair) {
      if (pair_.size() != 2) {
        return bad("model.merges[{}]: expected [\"a\", \"b\"]", out_.merges.size());
      }
      out_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      mode_ = Mode::kMerges;
      return true;
    }
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kTree;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = fmt::format("{}: invalid JSON: {}", path_, e.what());
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  enum class Mode { kTree, kVocab, kMerges, kMergePair };

  // Whether the object being filled is the top-level "model".
  bool in_model() const { return model_ != nullptr && !stack_.empty() && stack_.back() == model_; }

  const char* streamed() const { return mode_ == Mode::kVocab ? "model.vocab" : "model.merges"; }

  template <typename... Args>
  bool bad(fmt::format_string<Args...> f, Args&&... args) {
    error_ = path_ + ": " + fmt::format(f, std::forward<Args>(args)...);
    return false;
  }

  bool vocab_id(int64_t v) {
    out_.vocab.emplace_back(std::move(key_), v);
    return true;
  }

  bool merge_string(const std::string& s) {
    size_t sp = s.find(' ');
    if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
      return bad("model.merges[{}]: expected two tokens separated by one space, found '{}'",
                 out_.merges.size(), s);
    }
    out_.merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    return true;
  }

  // Places a value at the current position; containers are also pushed.
  Json* place(Json v) {
    if (stack_.empty()) {
      out_.rest = std::move(v);
      return &out_.rest;
    }
    Json& parent = *stack_.back();
    if (parent.is_object()) {
      Json& slot = parent[key_];
      slot = std::move(v);
      return &slot;
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }
  bool value(Json v) {
    if (mode_ == Mode::kMerges || mode_ == Mode::kMergePair) {
      return bad("model.merges[{}]: expected \"a b\" or [\"a\", \"b\"]", out_.merges.size());
    }
    place(std::move(v));
    return true;
  }
  bool open(Json container) {
    bool is_model = stack_.size() == 1 && key_ == "model" && container.is_object();
    Json* p = place(std::move(container));
    if (is_model) model_ = p;
    stack_.push_back(p);
    return true;
  }

  TokenizerJson& out_;
  const std::string& path_;
  std::vector<Json*> stack_;
  Json* model_ = nullptr;
  std::string key_;
  Mode mode_ = Mode::kTree;
  std::vector<std::string> pair_;
  std::string error_;
};

}  // namespace

TokenizerJson parse_tokenizer_json(const std::string& text, const std::string& path) {
  TokenizerJson out;
  Handler h(out, path);
  bool ok = Json::sax_parse(text, &h);
  if (!ok) fail("{}", h.error().empty() ? path + ": invalid JSON" : h.error());
  return out;
}

}  // namespace owl
