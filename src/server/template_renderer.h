// The default ChatRenderer: owl's Jinja2 interpreter (src/template), each template parsed once.
#pragma once

#include "server/chat_prompt.h"

namespace owl::server {

// Thread-safe; template errors (including raise_exception) surface as owl::Error. `now`
// ("YYYY-MM-DDTHH:MM:SS") pins strftime_now(); empty uses the local time, as transformers does.
ChatRenderer default_chat_renderer(const std::string& now = "");

}  // namespace owl::server
