// Reading JSON Lines (plain or gzip) with errors that name the file, line and field.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace owl::eval {

// Where a JSON value came from, for error messages ("file.jsonl:12").
struct JsonWhere {
  std::string file;
  size_t line = 0;
  std::string str() const;
};

// Calls fn(row, where) for each non-empty line. Throws owl::Error on unreadable files and lines
// that are not JSON objects.
void for_each_json_line(const std::string& path,
                        const std::function<void(const nlohmann::json&, const JsonWhere&)>& fn);

// Reads a whole (possibly gzip-compressed) file.
std::string read_file_text(const std::string& path);

// Field access that fails with "file:line: field 'name' ...".
const nlohmann::json& json_field(const nlohmann::json& row, const char* name,
                                 const JsonWhere& where);
std::string json_string(const nlohmann::json& row, const char* name, const JsonWhere& where);
// A string, or an integer written as its decimal text (ids and answers are stored either way).
std::string json_string_or_int(const nlohmann::json& row, const char* name, const JsonWhere& where);
std::vector<std::string> json_string_list(const nlohmann::json& row, const char* name,
                                          const JsonWhere& where);

}  // namespace owl::eval
