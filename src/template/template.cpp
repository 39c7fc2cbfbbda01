// Template: parse once, render with a fresh interpreter per call.
#include "template/template.h"

#include "template/ast.h"
#include "template/interpreter.h"
#include "template/parser.h"

namespace owl::tmpl {

Template::Template(const std::string& source)
    : parsed_(std::make_unique<ParsedTemplate>(parse_template(source))) {}
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const nlohmann::ordered_json& variables,
                             const RenderOptions& opts) const {
  Interpreter in(opts);
  return in.render(*parsed_, variables);
}

std::string render(const std::string& source, const nlohmann::ordered_json& variables,
                   const RenderOptions& opts) {
  return Template(source).render(variables, opts);
}

}  // namespace owl::tmpl
