// Rollout lines: writing with per-line flush and tolerant reading for --resume and --rescore.
#include "eval/rollout_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "eval/json_lines.h"
#include "eval/text_util.h"

namespace owl::eval {

using nlohmann::json;

std::string rollout_json_line(const Rollout& r) {
  json j = {
      {"id", r.id},
      {"sample", r.sample},
      {"prompt", valid_utf8(r.prompt)},
      {"completion", valid_utf8(r.completion)},
      {"extracted", valid_utf8(r.extracted)},
      {"reward", r.reward},
      {"prompt_tokens", r.prompt_tokens},
      {"completion_tokens", r.completion_tokens},
      {"finish_reason", r.finish_reason},
  };
  if (!r.detail.empty()) j["detail"] = valid_utf8(r.detail);
  // Preserves key order as written above (nlohmann's default object sorts keys otherwise).
  std::string out = "{";
  bool first = true;
  for (const char* key : {"id", "sample", "prompt", "completion", "extracted", "reward",
                          "prompt_tokens", "completion_tokens", "finish_reason", "detail"}) {
    if (!j.contains(key)) continue;
    if (!first) out += ", ";
    first = false;
    out += json(key).dump() + ": " + j[key].dump();
  }
  out += "}\n";
  return out;
}

RolloutWriter::RolloutWriter(const std::string& path, bool append, int64_t truncate_to)
    : path_(path) {
  if (truncate_to >= 0 && truncate(path.c_str(), truncate_to) != 0 && errno != ENOENT) {
    fail("{}: cannot truncate: {}", path, std::strerror(errno));
  }
  f_ = std::fopen(path.c_str(), append ? "ab" : "wb");
  if (f_ == nullptr) fail("{}: cannot open for writing: {}", path, std::strerror(errno));
}

RolloutWriter::~RolloutWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

void RolloutWriter::write(const Rollout& r) { write_raw(rollout_json_line(r)); }

void RolloutWriter::write_raw(const std::string& line) {
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
    fail("{}: write failed: {}", path_, std::strerror(errno));
  }
}

namespace {

Rollout parse_rollout(const json& row, const JsonWhere& where) {
  Rollout r;
  r.id = json_string_or_int(row, "id", where);
  const auto& sample = json_field(row, "sample", where);
  if (!sample.is_number_integer() || sample.get<int64_t>() < 0) {
    fail("{}: field 'sample' must be a non-negative integer", where.str());
  }
  r.sample = sample.get<int>();
  r.completion = json_string(row, "completion", where);
  auto opt_string = [&](const char* name, std::string& out) {
    if (row.contains(name) && !row[name].is_null()) out = json_string(row, name, where);
  };
  opt_string("prompt", r.prompt);
  opt_string("extracted", r.extracted);
  opt_string("finish_reason", r.finish_reason);
  opt_string("detail", r.detail);
  auto opt_number = [&](const char* name, auto& out) {
    if (!row.contains(name) || row[name].is_null()) return;
    if (!row[name].is_number()) fail("{}: field '{}' must be a number", where.str(), name);
    out = row[name].get<std::remove_reference_t<decltype(out)>>();
  };
  opt_number("reward", r.reward);
  opt_number("prompt_tokens", r.prompt_tokens);
  opt_number("completion_tokens", r.completion_tokens);
  return r;
}

}  // namespace

RolloutFile read_rollouts(const std::string& path) {
  const std::string text = read_file_text(path);
  RolloutFile out;
  JsonWhere where{path, 0};
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const bool complete = nl != std::string::npos;
    const size_t end = complete ? nl : text.size();
    ++where.line;
    const std::string_view line(text.data() + pos, end - pos);
    const size_t next = complete ? nl + 1 : text.size();
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      pos = next;
      if (complete) out.valid_bytes = static_cast<int64_t>(pos);
      continue;
    }
    json row;
    try {
      row = json::parse(line);
    } catch (const json::parse_error& e) {
      if (!complete) {  // cut off mid-line by a killed run
        out.dropped_partial = true;
        break;
      }
      fail("{}: not valid JSON: {}", where.str(), e.what());
    }
    if (!row.is_object()) fail("{}: expected a JSON object", where.str());
    out.rows.push_back(parse_rollout(row, where));
    out.rows.back().line = where.line;
    // A whole object whose '\n' is missing (hand-made file, or cut just before it) still counts.
    out.needs_newline = !complete;
    pos = next;
    out.valid_bytes = static_cast<int64_t>(pos);
  }
  return out;
}

}  // namespace owl::eval
