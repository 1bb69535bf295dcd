// libFuzzer target: raw HTTP requests as the SigV4 signer reads them (the
// AWS test suite's request format) through parsing, canonicalisation and
// signing both ways. No input may crash; a parsed request survives a round
// trip through its rendered form; signing is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/aws/signable_request.h"
#include "integrations/aws/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto request = kelola::ParseSignableRequest(input);
  if (!request.ok()) return 0;
  auto again = kelola::ParseSignableRequest(kelola::RenderSignableRequest(*request));
  if (!again.ok() || again->method != request->method || again->path != request->path ||
      again->query != request->query || again->headers != request->headers || again->body != request->body) {
    std::abort();
  }
  const kelola::AwsCredentials credentials{.access_key_id = "AKIDEXAMPLE",
                                           .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                           .session_token = "token"};
  kelola::SigV4Params params{.region = "us-east-1", .service = "service"};
  params.normalize_path = (size & 1) != 0;
  auto first = kelola::SignRequest(*request, credentials, params);
  auto second = kelola::SignRequest(*again, credentials, params);
  if (first.ok() != second.ok()) std::abort();
  if (first.ok() && first->signature != second->signature) std::abort();
  auto presigned = kelola::PresignRequest(*request, credentials, params);
  if (presigned.ok()) {
    // The canonical query of the presigned request is stable under re-canonicalisation.
    const std::string canonical = kelola::CanonicalQueryString(request->query);
    if (kelola::CanonicalQueryString(canonical) != canonical) std::abort();
  }
  return 0;
}
