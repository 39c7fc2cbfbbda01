// The shape most tool-call formats share: free content, interrupted by tool-call sections that
// open with a begin marker and close with an end marker (or run to the end of the output).
// Content streams; a section is held until it closes, then parsed into calls or, when it does
// not parse, given back as content verbatim.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/parsers/output_parser.h"

namespace owl::server {

using SectionParse = std::function<std::optional<std::vector<ToolCall>>(std::string_view body,
                                                                        const ParserOptions&)>;

struct SectionSyntax {
  std::string begin;  // e.g. "<tool_call>"
  std::string end;    // e.g. "</tool_call>"; empty: the section runs to the end of the output
  // The output is itself a section when its first non-blank character is '{' (Llama 3 JSON).
  bool json_at_start = false;
  SectionParse parse;
};

class SectionParser final : public OutputParser {
 public:
  SectionParser(SectionSyntax syntax, ParserOptions options);
  MessageDelta feed(std::string_view text) override;
  MessageDelta finish() override;

 private:
  MessageDelta process(bool final);
  void emit_content(std::string_view text, MessageDelta& out);
  void close_section(bool terminated, MessageDelta& out);

  SectionSyntax syntax_;
  ParserOptions options_;
  ToolIdGenerator ids_;
  std::string buffer_;  // text not yet classified
  bool in_section_ = false;
  bool section_at_start_ = false;  // the current section is the json_at_start kind
  std::string section_;            // body of the open section
  std::string pending_ws_;         // trailing blanks of content, released when more content follows
  std::string ws_before_section_;
  bool seen_content_ = false;
  bool any_calls_ = false;
};

}  // namespace owl::server
