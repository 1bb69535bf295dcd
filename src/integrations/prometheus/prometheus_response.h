// The JSON answer of Prometheus' instant query API (GET /api/v1/query),
// parsed without trusting it (fuzz/prometheus_response_fuzz.cc):
//
//   {"status":"success","data":{"resultType":"vector",
//     "result":[{"metric":{"job":"kelola"},"value":[1700000000.123,"42.5"]}]}}
//   {"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"2"]}}
//   {"status":"error","errorType":"bad_data","error":"parse error at char 5: ..."}
//
// Sample values are strings ("1.5", "NaN", "+Inf", "-Inf"). Errors become a
// Status whose message carries Prometheus' errorType and error; the code
// follows errorType: bad_data -> InvalidArgument, timeout ->
// DeadlineExceeded, canceled -> Cancelled, unavailable -> Unavailable,
// not_found -> NotFound, execution/internal/other -> Internal. A body that
// is not the API's shape is Unavailable when the HTTP status is 5xx (a proxy
// in between), else Internal, quoting the status.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kelola::prometheus {

struct Sample {
  std::map<std::string, std::string> labels;  // empty for a scalar
  double time = 0;                            // Unix seconds
  double value = 0;
};

struct QueryResult {
  std::string result_type;  // "vector" or "scalar" (matrix and string are refused for instant use)
  std::vector<Sample> samples;
};

Result<QueryResult> ParseQueryResponse(int http_status, std::string_view body);

}  // namespace kelola::prometheus
