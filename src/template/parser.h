// Parses template source into statements and expressions with Jinja2's grammar and precedence.
#pragma once

#include <string>

#include "template/ast.h"

namespace owl::tmpl {

// Throws TemplateError(kSyntax) with the template line on malformed input.
ParsedTemplate parse_template(const std::string& source);

}  // namespace owl::tmpl
