// Minimal leveled logging to stderr; the level comes from OWL_LOG (error, warn, info, debug).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace owl {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

LogLevel log_level();
void set_log_level(LogLevel level);
void log_write(LogLevel level, std::string_view message);

template <typename... Args>
void log_at(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level <= log_level()) log_write(level, fmt::format(format, std::forward<Args>(args)...));
}

#define OWL_LOG_WARN(...) ::owl::log_at(::owl::LogLevel::kWarn, __VA_ARGS__)
#define OWL_LOG_INFO(...) ::owl::log_at(::owl::LogLevel::kInfo, __VA_ARGS__)
#define OWL_LOG_DEBUG(...) ::owl::log_at(::owl::LogLevel::kDebug, __VA_ARGS__)

}  // namespace owl
