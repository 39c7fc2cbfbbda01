// Content / tool-call-section splitting with marker hold-back.
#include "server/parsers/section_parser.h"

#include "server/parsers/text_scan.h"

namespace owl::server {

SectionParser::SectionParser(SectionSyntax syntax, ParserOptions options)
    : syntax_(std::move(syntax)),
      options_(std::move(options)),
      ids_(options_.id_seed, options_.short_ids) {}

MessageDelta SectionParser::feed(std::string_view text) {
  buffer_.append(text);
  return process(false);
}

MessageDelta SectionParser::finish() { return process(true); }

void SectionParser::emit_content(std::string_view text, MessageDelta& out) {
  if (text.empty()) return;
  std::string all = pending_ws_;
  all.append(text);
  size_t keep = all.size();
  while (keep > 0 && is_space(all[keep - 1])) --keep;
  out.content.append(all, 0, keep);
  pending_ws_ = all.substr(keep);
  if (keep > 0) seen_content_ = true;
}

void SectionParser::close_section(bool terminated, MessageDelta& out) {
  in_section_ = false;
  const std::string begin = section_at_start_ ? "" : syntax_.begin;
  std::optional<std::vector<ToolCall>> calls;
  if (syntax_.parse) calls = syntax_.parse(section_, options_);
  if (calls && !calls->empty()) {
    for (ToolCall& c : *calls) {
      if (c.id.empty()) c.id = ids_.next();
      out.tool_calls.push_back(std::move(c));
    }
    any_calls_ = true;
  } else {
    // Not a valid call: the text was content after all, markers included.
    pending_ws_ = ws_before_section_;
    std::string text = begin + section_;
    if (terminated) text += syntax_.end;
    emit_content(text, out);
  }
  section_.clear();
  section_at_start_ = false;
}

MessageDelta SectionParser::process(bool final) {
  MessageDelta out;
  for (;;) {
    if (!in_section_) {
      if (syntax_.json_at_start && !seen_content_ && !any_calls_) {
        const std::string_view rest = trim_left(buffer_);
        if (rest.empty() && !final) break;  // only blanks so far: undecided
        if (!rest.empty() && rest.front() == '{') {
          in_section_ = true;
          section_at_start_ = true;
          ws_before_section_ = pending_ws_ + std::string(buffer_, 0, buffer_.size() - rest.size());
          pending_ws_.clear();
          section_ = std::string(rest);
          buffer_.clear();
          continue;
        }
      }
      const size_t pos = syntax_.begin.empty() ? std::string::npos : buffer_.find(syntax_.begin);
      if (pos != std::string::npos) {
        emit_content(std::string_view(buffer_).substr(0, pos), out);
        ws_before_section_ = pending_ws_;
        pending_ws_.clear();
        buffer_.erase(0, pos + syntax_.begin.size());
        in_section_ = true;
        continue;
      }
      const size_t hold =
          final || syntax_.begin.empty() ? 0 : partial_marker_suffix(buffer_, syntax_.begin);
      emit_content(std::string_view(buffer_).substr(0, buffer_.size() - hold), out);
      buffer_.erase(0, buffer_.size() - hold);
      if (final && !pending_ws_.empty()) {
        // Trailing blanks are content, unless they only follow tool calls.
        if (!any_calls_) out.content += pending_ws_;
        pending_ws_.clear();
      }
      break;
    }
    // Inside a section.
    if (!syntax_.end.empty() && !section_at_start_) {
      const size_t search_from =
          section_.size() >= syntax_.end.size() ? section_.size() - syntax_.end.size() + 1 : 0;
      section_ += buffer_;
      buffer_.clear();
      const size_t pos = section_.find(syntax_.end, search_from);
      if (pos != std::string::npos) {
        buffer_ = section_.substr(pos + syntax_.end.size());
        section_.resize(pos);
        close_section(true, out);
        continue;
      }
    } else {
      section_ += buffer_;
      buffer_.clear();
    }
    if (final) {
      close_section(false, out);
      continue;  // anything left in buffer_ (none) and trailing blanks
    }
    break;
  }
  return out;
}

}  // namespace owl::server
