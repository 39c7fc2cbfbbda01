// libFuzzer target: arbitrary bytes as a template (first part) and a JSON request (after a NUL).
// Any input must end in output, a TemplateError or an owl::Error: no crash, hang or other throw.
// Build: cmake -DOWL_FUZZ=ON with clang (see tests/template/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>

#include "template/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string source = input.substr(0, nul);
  const std::string request_text = nul == std::string::npos ? "" : input.substr(nul + 1);
  nlohmann::ordered_json request = nlohmann::ordered_json::parse(
      request_text, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) {
    request = nlohmann::ordered_json::parse(
        R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
            "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})");
  }
  try {
    owl::tmpl::render_request(source, request, std::nullopt, std::nullopt);
  } catch (const owl::Error&) {
    // TemplateError (a subclass) or bad request: both are expected outcomes.
  }
  return 0;
}
