// OpenAI-style API errors: an HTTP status plus the {"error": {"message", "type", "param",
// "code"}} body OpenAI documents. Handlers throw ApiError; the router turns it into a response.
#pragma once

#include <stdexcept>
#include <string>

namespace owl::server {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string type = "invalid_request_error",
           std::string param = "", std::string code = "");
  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }
  std::string body() const;  // JSON text

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 naming the request field (param) that is wrong.
[[noreturn]] void bad_field(const std::string& param, const std::string& message);

}  // namespace owl::server
