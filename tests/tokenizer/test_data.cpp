// Readers for the reference files under shared/.
#include "test_data.h"

#include <fstream>
#include <mutex>
#include <sstream>

#include "base/error.h"
#include "base/mapped_file.h"

namespace owl::test {

std::vector<VocabCase> read_vocab_cases(const std::string& inp_path) {
  std::string inp = read_file(inp_path);
  std::string out = read_file(inp_path.substr(0, inp_path.size() - 4) + ".out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  size_t pos = 0;
  while (true) {
    size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      if (pos < inp.size()) texts.push_back(inp.substr(pos));  // no trailing separator
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<VocabCase> cases;
  std::istringstream lines(out);
  std::string line;
  for (const std::string& t : texts) {
    if (!std::getline(lines, line)) fail("{}: fewer .out lines than inputs", inp_path);
    VocabCase c;
    c.text = t;
    std::istringstream nums(line);
    int32_t id;
    while (nums >> id) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open", path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

const Tokenizer& cached_tokenizer(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[path];
  if (!slot) slot = Tokenizer::from_path(path);
  return *slot;
}

std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

}  // namespace owl::test
