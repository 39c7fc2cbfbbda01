// Splits template source into data and tag tokens the way Jinja2's lexer does with
// trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace owl::tmpl {

enum class Tok {
  kData,        // literal text between tags (after whitespace control)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,  // text holds the unescaped value
  kInt,
  kFloat,
  kOp,  // text holds the operator: + - / // * % ** ~ [ ] ( ) { } == != > >= < <= = . : | , ;
  kEof,
};

struct Token {
  Tok type = Tok::kEof;
  std::string text;
  int64_t ival = 0;
  double fval = 0;
  int line = 1;
};

// Throws TemplateError(kSyntax) on malformed tags (unclosed comment, bad character, ...).
std::vector<Token> tokenize(const std::string& source);

}  // namespace owl::tmpl
