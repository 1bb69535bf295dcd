// The OpenAPI 3 document served at /v1/openapi.json, generated from the
// kind registry's schemas so that it cannot drift from what is validated.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"

namespace kelola {

nlohmann::json BuildOpenApiDocument(const KindRegistry& kinds, const std::string& version);

}  // namespace kelola
