#include "api/ui_handlers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace kelola {
namespace {

constexpr std::string_view kIndex = "index.html";

// The dashboard talks only to its own origin; no inline scripts, no frames.
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void SecurityHeaders(HttpResponse& r) {
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Referrer-Policy"] = "no-referrer";
  r.headers["X-Frame-Options"] = "DENY";
}

HttpResponse Refused(std::string_view why) {
  HttpResponse r = HttpResponse::Text(400, "bad path: " + std::string(why) + "\n");
  SecurityHeaders(r);
  return r;
}

// The path of the request target, still percent-encoded.
std::string_view RawPath(const HttpRequest& req) {
  std::string_view t = req.target;
  const size_t q = t.find_first_of("?#");
  return q == std::string_view::npos ? t : t.substr(0, q);
}

// Checks every segment, raw and decoded; returns the decoded relative path
// ("" for the root) or an explanation in `why`.
bool CleanPath(std::string_view raw, std::string* rel, std::string* why) {
  if (raw.empty() || raw.front() != '/') {
    *why = "the path must start with '/'";
    return false;
  }
  rel->clear();
  size_t pos = 1;
  while (pos <= raw.size()) {
    size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view seg_raw = raw.substr(pos, end - pos);
    const std::string seg = PercentDecode(seg_raw, /*plus_is_space=*/false);
    if (seg == "." || seg == "..") {
      *why = "dot segments (\".\", \"..\", encoded or not) are not allowed";
      return false;
    }
    if (seg.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      *why = "encoded slashes, backslashes and NUL bytes are not allowed";
      return false;
    }
    if (seg.empty() && end != raw.size()) {
      *why = "empty path segments are not allowed";
      return false;
    }
    if (!seg.empty()) {
      if (!rel->empty()) *rel += '/';
      *rel += seg;
    }
    pos = end + 1;
  }
  return true;
}

HttpResponse FileResponse(const UiAsset& file, bool immutable) {
  HttpResponse r;
  r.status = 200;
  r.body = std::string(file.body);
  r.headers["Content-Type"] = std::string(UiContentType(file.path));
  r.headers["Cache-Control"] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
  SecurityHeaders(r);
  if (EndsWith(file.path, ".html")) r.headers["Content-Security-Policy"] = std::string(kCsp);
  return r;
}

const UiAsset* Find(const UiAssets& assets, std::string_view rel) {
  for (const UiAsset& f : assets.files) {
    if (f.path == rel) return &f;
  }
  return nullptr;
}

HttpResponse NotBuilt(const UiAssets& assets) {
  std::string why = assets.not_built.empty() ? "the build produced no files" : assets.not_built;
  std::string escaped;
  for (char c : why) {
    if (c == '<') {
      escaped += "&lt;";
    } else if (c == '&') {
      escaped += "&amp;";
    } else {
      escaped += c;
    }
  }
  HttpResponse r = HttpResponse::Text(
      503,
      "<!doctype html><meta charset=utf-8><title>kelola</title><h1>The kelola web UI is not built into this "
      "binary</h1><p>" +
          escaped +
          "</p><p>Build it: <code>scripts/install-deps</code> (installs Node.js and runs <code>npm ci</code> in "
          "<code>web/</code>), then rebuild kelola (<code>cmake --build build/&lt;preset&gt; --target "
          "kelola</code>). The REST API under <code>/v1/</code> works without it.</p>\n",
      "text/html; charset=utf-8");
  r.headers["Cache-Control"] = "no-cache";
  SecurityHeaders(r);
  return r;
}

bool IsBrowserNavigation(const HttpRequest& req) {
  return req.Header("Authorization").empty() && Lower(req.Header("Accept")).find("text/html") != std::string::npos;
}

}  // namespace

std::string_view UiContentType(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
  }};
  const std::string lower = Lower(path);
  for (const auto& [ext, type] : kTypes) {
    if (EndsWith(lower, ext)) return type;
  }
  return "application/octet-stream";
}

HttpResponse ServeUi(const UiAssets& assets, const HttpRequest& request) {
  const std::string_view raw = RawPath(request);
  std::string rel, why;
  if (!CleanPath(raw, &rel, &why)) return Refused(why);
  if (rel == "v1" || StartsWith(rel, "v1/") || StartsWith(rel, "loki/") || StartsWith(rel, "_")) {
    return HttpResponse::Error(404, "NOT_FOUND", "no route for path " + request.path);
  }
  if (assets.files.empty()) return NotBuilt(assets);
  if (rel.empty()) rel = std::string(kIndex);
  if (const UiAsset* f = Find(assets, rel)) return FileResponse(*f, StartsWith(rel, "assets/"));
  // A name with an extension is a file that does not exist; anything else is
  // a route of the single-page app.
  const size_t slash = rel.rfind('/');
  const std::string_view last = std::string_view(rel).substr(slash == std::string::npos ? 0 : slash + 1);
  if (last.find('.') != std::string_view::npos) {
    HttpResponse r = HttpResponse::Text(404, "no such file: /" + rel + "\n");
    SecurityHeaders(r);
    return r;
  }
  if (const UiAsset* index = Find(assets, kIndex)) return FileResponse(*index, false);
  return NotBuilt(assets);
}

void RegisterUiRoutes(HttpServer& server, const UiAssets& assets, HttpHandler root_fallback) {
  server.Route("GET", "/", [&assets, root_fallback](HttpRequest& r) {
    if (root_fallback && !IsBrowserNavigation(r)) return root_fallback(r);
    return ServeUi(assets, r);
  });
  server.Fallback([&assets](HttpRequest& r) { return ServeUi(assets, r); });
}

}  // namespace kelola
