// JSON Lines reading (zlib reads plain files too) and checked field access.
#include "eval/json_lines.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace owl::eval {

std::string JsonWhere::str() const { return line ? file + ":" + std::to_string(line) : file; }

std::string read_file_text(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) fail("{}: cannot open: {}", path, std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  while (true) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose(f);
      fail("{}: read error: {}", path, msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  gzclose(f);
  return out;
}

void for_each_json_line(const std::string& path,
                        const std::function<void(const nlohmann::json&, const JsonWhere&)>& fn) {
  const std::string text = read_file_text(path);
  JsonWhere where{path, 0};
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++where.line;
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      fail("{}: not valid JSON: {}", where.str(), e.what());
    }
    if (!row.is_object()) fail("{}: expected a JSON object", where.str());
    fn(row, where);
  }
}

const nlohmann::json& json_field(const nlohmann::json& row, const char* name,
                                 const JsonWhere& where) {
  const auto it = row.find(name);
  if (it == row.end()) fail("{}: missing field '{}'", where.str(), name);
  return *it;
}

std::string json_string(const nlohmann::json& row, const char* name, const JsonWhere& where) {
  const auto& v = json_field(row, name, where);
  if (!v.is_string()) fail("{}: field '{}' must be a string", where.str(), name);
  return v.get<std::string>();
}

std::string json_string_or_int(const nlohmann::json& row, const char* name,
                               const JsonWhere& where) {
  const auto& v = json_field(row, name, where);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  fail("{}: field '{}' must be a string or an integer", where.str(), name);
}

std::vector<std::string> json_string_list(const nlohmann::json& row, const char* name,
                                          const JsonWhere& where) {
  const auto& v = json_field(row, name, where);
  if (!v.is_array()) fail("{}: field '{}' must be a list of strings", where.str(), name);
  std::vector<std::string> out;
  for (const auto& item : v) {
    if (!item.is_string()) fail("{}: field '{}' must be a list of strings", where.str(), name);
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace owl::eval
