#include "api/log_template_handlers.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace kelola {
namespace {

using json = nlohmann::json;

std::string Rfc3339(int64_t ms) { return FormatRfc3339(WallTime(std::chrono::milliseconds(ms))); }

HttpResponse ListTemplates(ApiContext& ctx, const analyze::TemplateMiner& miner, HttpRequest& req) {
  auto principal = ctx.tokens->Authenticate(req.Header("Authorization"));
  if (!principal.ok()) return ErrorResponse(principal.status());
  if (principal->role < Role::kViewer) {
    return ErrorResponse(PermissionDeniedError("token \"" + principal->name + "\" cannot read log templates"));
  }
  size_t limit = 1000;
  if (std::string v = req.Query("limit"); !v.empty()) {
    size_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n == 0 || n > 100000) {
      return ErrorResponse(InvalidArgumentError("query parameter limit: expected 1..100000, got \"" + v + "\""));
    }
    limit = n;
  }
  const std::string sort = req.Query("sort").empty() ? "count" : req.Query("sort");
  if (sort != "count" && sort != "id") {
    return ErrorResponse(InvalidArgumentError("query parameter sort: expected count or id, got \"" + sort + "\""));
  }
  const std::string contains = req.Query("contains");
  std::vector<analyze::TemplateInfo> all = miner.Templates();
  if (!contains.empty()) {
    std::erase_if(all,
                  [&contains](const analyze::TemplateInfo& t) { return t.text.find(contains) == std::string::npos; });
  }
  if (sort == "count") {
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  }
  json items = json::array();
  for (size_t i = 0; i < all.size() && i < limit; ++i) {
    const auto& t = all[i];
    items.push_back({{"id", t.id},
                     {"template", t.text},
                     {"count", t.count},
                     {"firstSeen", Rfc3339(t.first_seen_ms)},
                     {"lastSeen", Rfc3339(t.last_seen_ms)},
                     {"firstSeenMs", t.first_seen_ms},
                     {"lastSeenMs", t.last_seen_ms},
                     {"example", t.example}});
  }
  json body{{"items", std::move(items)}, {"total", all.size()}};
  return HttpResponse::Json(200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void RegisterLogTemplateRoutes(HttpServer& server, ApiContext& ctx, const analyze::TemplateMiner& miner) {
  server.Route("GET", "/v1/logs/templates", [&ctx, &miner](HttpRequest& r) { return ListTemplates(ctx, miner, r); });
}

}  // namespace kelola
