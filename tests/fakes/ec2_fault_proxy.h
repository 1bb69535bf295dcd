// Ec2FaultProxy: an HTTP proxy in front of a REAL EC2 emulator (moto's
// server) that answers chosen EC2 Query API calls with EC2's documented
// error shape instead of forwarding them.
//
// Why a fake at all: moto answers every call at once and never throttles,
// never fails with a 5xx and is never eventually consistent, but the aws
// provider must retry RequestLimitExceeded and 5xx with backoff and ride out
// InvalidInstanceID.NotFound just after a launch. Those answers cannot be
// provoked from moto (nor, on demand, from EC2), so this proxy injects them
// in EC2's shape for the calls a test names:
//
//   response  STATUS, Content-Type text/xml,
//             <?xml version="1.0" encoding="UTF-8"?>
//             <Response><Errors><Error><Code>CODE</Code><Message>MESSAGE</Message>
//             </Error></Errors><RequestID>kelola-fault-N</RequestID></Response>
//   e.g.      503 RequestLimitExceeded "Request limit exceeded."; 500 InternalError;
//             400 InvalidInstanceID.NotFound; 403 UnauthorizedOperation
//
// Every other call goes to moto unchanged (body and the Authorization,
// X-Amz-* and Content-Type headers; moto runs without signature checks
// behind it, as the Host differs). Only POST / (the Query API) is proxied.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace kelola::fakes {

struct Ec2Fault {
  int status = 503;
  std::string code = "RequestLimitExceeded";
  std::string message = "Request limit exceeded.";
};

class Ec2FaultProxy {
 public:
  // `fault(action, form, times_seen_before)`: a fault to answer with, or
  // nullopt to forward. `form` is the decoded request parameters.
  using FaultFn = std::function<std::optional<Ec2Fault>(
      const std::string& action, const std::map<std::string, std::string>& form, int times_seen_before)>;
  static Result<std::unique_ptr<Ec2FaultProxy>> Start(std::string upstream_url, FaultFn fault);
  ~Ec2FaultProxy();

  std::string Url() const;
  int injected() const;                           // faults answered so far
  int requests(const std::string& action) const;  // calls of `action` received

 private:
  Ec2FaultProxy(std::string upstream, FaultFn fault);
  HttpResponse Handle(HttpRequest& req);

  std::string upstream_;
  FaultFn fault_;
  HttpClient client_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  std::map<std::string, int> seen_;  // by action
  int injected_ = 0;
};

}  // namespace kelola::fakes
