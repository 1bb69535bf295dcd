#include "integrations/aws/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "base/crypto.h"

namespace kelola {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers the signer sets itself, and hop-by-hop or agent headers that
// proxies and HTTP libraries add or rewrite (signing them would break the
// signature in transit) — the list the AWS SDKs skip.
bool IsUnsignedHeader(std::string_view lower_name) {
  static constexpr std::string_view kSkip[] = {
      "authorization",     "x-amz-date",      "x-amz-security-token", "x-amz-content-sha256",
      "user-agent",        "x-amzn-trace-id", "connection",           "expect",
      "transfer-encoding", "upgrade",         "proxy-authorization",  "te",
      "keep-alive",
  };
  return std::find(std::begin(kSkip), std::end(kSkip), lower_name) != std::end(kSkip);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and collapses every run of blanks (folded lines included) to one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsBlank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded; a '%' not followed by two hex digits stays literal
// (it is then encoded as %25). '+' is not a space here: SigV4 clients
// encode spaces as %20.
std::string PercentDecodeLenient(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header, sorted by name
  std::string signed_names;  // "host;x-amz-date"
};

CanonicalHeaders BuildCanonicalHeaders(const std::vector<std::pair<std::string, std::string>>& request_headers,
                                       const std::vector<std::pair<std::string, std::string>>& added) {
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& [name, value] : request_headers) {
    std::string lower = Lower(name);
    if (IsUnsignedHeader(lower)) continue;
    by_name[lower].push_back(CanonicalHeaderValue(value));
  }
  for (const auto& [name, value] : added) by_name[Lower(name)].push_back(CanonicalHeaderValue(value));
  CanonicalHeaders out;
  for (const auto& [name, values] : by_name) {
    out.block += name + ":";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.block += ',';
      out.block += values[i];
    }
    out.block += '\n';
    if (!out.signed_names.empty()) out.signed_names += ';';
    out.signed_names += name;
  }
  return out;
}

Status CheckInputs(const SignableRequest& request, const AwsCredentials& credentials, const SigV4Params& params) {
  if (credentials.access_key_id.empty()) return InvalidArgumentError("sigv4: the access key id is empty");
  if (credentials.secret_access_key.empty()) return InvalidArgumentError("sigv4: the secret access key is empty");
  if (params.region.empty()) return InvalidArgumentError("sigv4: the region is empty");
  if (params.service.empty()) return InvalidArgumentError("sigv4: the service is empty");
  if (request.method.empty()) return InvalidArgumentError("sigv4: the request has no method");
  if (request.Header("host").empty()) return InvalidArgumentError("sigv4: the request has no Host header");
  return OkStatus();
}

std::string Scope(const std::string& date, const SigV4Params& params) {
  return date + "/" + params.region + "/" + params.service + "/aws4_request";
}

std::string CanonicalRequest(const SignableRequest& request, const SigV4Params& params, std::string_view query,
                             const CanonicalHeaders& headers, const std::string& payload_hash) {
  std::string out = request.method + "\n";
  out += CanonicalUri(request.path, params.normalize_path) + "\n";
  out += CanonicalQueryString(query) + "\n";
  out += headers.block + "\n";
  out += headers.signed_names + "\n";
  out += payload_hash;
  return out;
}

void FinishSignature(SigV4Signature& sig, const std::string& amz_date, const std::string& scope,
                     const AwsCredentials& credentials, const SigV4Params& params) {
  sig.string_to_sign =
      std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(sig.canonical_request);
  const std::string key =
      SigV4SigningKey(credentials.secret_access_key, amz_date.substr(0, 8), params.region, params.service);
  sig.signature = HexEncode(HmacSha256(key, sig.string_to_sign));
}

}  // namespace

std::string AwsUriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  if (!normalize) return AwsUriEncode(path, /*keep_slash=*/true);
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string normalized = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) normalized += '/';
    normalized.append(segments[i]);
  }
  if (path.back() == '/' && normalized != "/") normalized += '/';
  return AwsUriEncode(normalized, /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    const std::string_view pair = raw_query.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string_view key = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      params.emplace_back(AwsUriEncode(PercentDecodeLenient(key), false),
                          AwsUriEncode(PercentDecodeLenient(value), false));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

std::string AmzDate(WallTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string SigV4SigningKey(std::string_view secret_access_key, std::string_view yyyymmdd, std::string_view region,
                            std::string_view service) {
  std::string key = "AWS4";
  key.append(secret_access_key);
  std::string k = HmacSha256(key, yyyymmdd);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  std::string signing = HmacSha256(k, "aws4_request");
  // The derived secret leaves only as the return value; wipe the copies.
  std::fill(key.begin(), key.end(), '\0');
  std::fill(k.begin(), k.end(), '\0');
  return signing;
}

Result<SigV4Signature> SignRequest(const SignableRequest& request, const AwsCredentials& credentials,
                                   const SigV4Params& params) {
  KELOLA_RETURN_IF_ERROR(CheckInputs(request, credentials, params));
  const std::string amz_date = AmzDate(params.time);
  const std::string scope = Scope(amz_date.substr(0, 8), params);
  const std::string payload_hash = Sha256Hex(request.body);

  SigV4Signature sig;
  std::vector<std::pair<std::string, std::string>> signed_extra;
  if (!credentials.session_token.empty()) {
    sig.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    if (!params.omit_session_token) signed_extra.emplace_back("x-amz-security-token", credentials.session_token);
  }
  sig.headers.emplace_back("X-Amz-Date", amz_date);
  signed_extra.emplace_back("x-amz-date", amz_date);
  if (params.add_content_sha256_header) {
    sig.headers.emplace_back("x-amz-content-sha256", payload_hash);
    signed_extra.emplace_back("x-amz-content-sha256", payload_hash);
  }
  const CanonicalHeaders headers = BuildCanonicalHeaders(request.headers, signed_extra);
  sig.canonical_request = CanonicalRequest(request, params, request.query, headers, payload_hash);
  FinishSignature(sig, amz_date, scope, credentials, params);
  sig.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                                                scope + ", SignedHeaders=" + headers.signed_names +
                                                ", Signature=" + sig.signature);
  return sig;
}

Result<SigV4Signature> PresignRequest(const SignableRequest& request, const AwsCredentials& credentials,
                                      const SigV4Params& params) {
  KELOLA_RETURN_IF_ERROR(CheckInputs(request, credentials, params));
  const std::string amz_date = AmzDate(params.time);
  const std::string scope = Scope(amz_date.substr(0, 8), params);
  const CanonicalHeaders headers = BuildCanonicalHeaders(request.headers, {});

  std::string added = "X-Amz-Algorithm=" + std::string(kAlgorithm);
  added += "&X-Amz-Credential=" + AwsUriEncode(credentials.access_key_id + "/" + scope, false);
  added += "&X-Amz-Date=" + amz_date;
  added += "&X-Amz-SignedHeaders=" + AwsUriEncode(headers.signed_names, false);
  added += "&X-Amz-Expires=" + std::to_string(params.presign_expires.count());
  std::string token;
  if (!credentials.session_token.empty()) {
    token = "&X-Amz-Security-Token=" + AwsUriEncode(credentials.session_token, false);
  }
  std::string signed_query = request.query;
  if (!signed_query.empty()) signed_query += '&';
  signed_query += added;
  if (!params.omit_session_token) signed_query += token;

  SigV4Signature sig;
  sig.canonical_request = CanonicalRequest(request, params, signed_query, headers, Sha256Hex(request.body));
  FinishSignature(sig, amz_date, scope, credentials, params);
  sig.query = added + token + "&X-Amz-Signature=" + sig.signature;
  return sig;
}

SignableRequest ApplySignature(const SignableRequest& request, const SigV4Signature& signature) {
  SignableRequest out = request;
  for (const auto& header : signature.headers) out.headers.push_back(header);
  if (!signature.query.empty()) {
    if (!out.query.empty()) out.query += '&';
    out.query += signature.query;
  }
  return out;
}

}  // namespace kelola
