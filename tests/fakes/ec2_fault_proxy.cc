#include "tests/fakes/ec2_fault_proxy.h"

namespace kelola::fakes {

Result<std::unique_ptr<Ec2FaultProxy>> Ec2FaultProxy::Start(std::string upstream_url, FaultFn fault) {
  std::unique_ptr<Ec2FaultProxy> p(new Ec2FaultProxy(std::move(upstream_url), std::move(fault)));
  HttpServerOptions o;
  o.io_threads = 2;
  p->server_ = std::make_unique<HttpServer>(o);
  auto* self = p.get();
  p->server_->Route("POST", "/", [self](HttpRequest& r) { return self->Handle(r); });
  KELOLA_RETURN_IF_ERROR(p->server_->Start());
  return p;
}

Ec2FaultProxy::Ec2FaultProxy(std::string upstream, FaultFn fault)
    : upstream_(std::move(upstream)), fault_(std::move(fault)), client_([] {
        HttpClientOptions o;
        o.max_retries = 0;
        return o;
      }()) {}

Ec2FaultProxy::~Ec2FaultProxy() {
  if (server_) server_->Stop();
}

std::string Ec2FaultProxy::Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

int Ec2FaultProxy::injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

int Ec2FaultProxy::requests(const std::string& action) const {
  std::lock_guard lock(mu_);
  auto it = seen_.find(action);
  return it == seen_.end() ? 0 : it->second;
}

HttpResponse Ec2FaultProxy::Handle(HttpRequest& req) {
  const std::map<std::string, std::string> form = ParseQueryString(req.body);
  auto action_it = form.find("Action");
  const std::string action = action_it == form.end() ? "" : action_it->second;
  std::optional<Ec2Fault> fault;
  int request_number = 0;
  {
    std::lock_guard lock(mu_);
    int& seen = seen_[action];
    fault = fault_(action, form, seen);
    ++seen;
    if (fault) request_number = ++injected_;
  }
  if (fault) {
    return HttpResponse::Text(fault->status,
                              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" +
                                  fault->code + "</Code><Message>" + fault->message +
                                  "</Message></Error></Errors><RequestID>kelola-fault-" +
                                  std::to_string(request_number) + "</RequestID></Response>",
                              "text/xml;charset=UTF-8");
  }
  ClientRequest up;
  up.method = "POST";
  up.url = upstream_ + "/";
  for (const char* name : {"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Content-Type"}) {
    const std::string value = req.Header(name);
    if (!value.empty()) up.headers[name] = value;
  }
  up.body = req.body;
  up.retry = false;
  auto resp = client_.Send(up);
  if (!resp.ok()) return HttpResponse::Text(502, "upstream unreachable: " + resp.status().ToString());
  HttpResponse r;
  r.status = resp->status;
  r.body = resp->body;
  r.headers["Content-Type"] = "text/xml;charset=UTF-8";
  return r;
}

}  // namespace kelola::fakes
