// Chat rendering through owl::tmpl::Template with a per-source parse cache.
#include "server/template_renderer.h"

#include <map>
#include <memory>
#include <mutex>

#include "template/template.h"

namespace owl::server {

ChatRenderer default_chat_renderer(const std::string& now) {
  struct Cache {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const tmpl::Template>> parsed;
  };
  auto cache = std::make_shared<Cache>();
  tmpl::RenderOptions options;
  options.now = now;
  return [cache, options](const std::string& source, const Json& vars) {
    std::shared_ptr<const tmpl::Template> t;
    {
      std::lock_guard lock(cache->mutex);
      auto it = cache->parsed.find(source);
      if (it == cache->parsed.end()) {
        it = cache->parsed.emplace(source, std::make_shared<const tmpl::Template>(source)).first;
      }
      t = it->second;
    }
    return t->render(vars, options);
  };
}

}  // namespace owl::server
