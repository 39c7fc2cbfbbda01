// Errors: one exception type carrying a message that names the file/field and what is wrong.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace owl {

// Thrown for bad input (files, requests, arguments). Front ends print the message and exit 2.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// Checks an input-dependent condition (never compiled out, unlike assert).
#define OWL_CHECK(cond, ...)       \
  do {                             \
    if (!(cond)) {                 \
      ::owl::fail(__VA_ARGS__);    \
    }                              \
  } while (0)

}  // namespace owl
