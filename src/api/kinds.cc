#include "api/kinds.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "anomaly/alert_rule.h"
#include "deploy/target.h"
#include "scale/scaling_policy.h"

namespace kelola {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Schema SecretRef(std::string description) {
  Schema s = Schema::String(std::move(description));
  s.dns_name = true;
  return s;
}

KindInfo HostKind() {
  Schema address = Schema::String("DNS name or IP address the host is reached at");
  address.max_length = 253;
  Schema port = Schema::Integer("SSH port", 1, 65535);
  port.default_json = "22";
  Schema user = Schema::String("login user");
  user.max_length = 64;
  user.default_json = "\"root\"";
  Schema credentials =
      Schema::Object("credentials, by reference to Secret resources (never inline)",
                     {{"sshKeySecret", SecretRef("Secret holding the private key (PEM/OpenSSH)")},
                      {"passphraseSecret", SecretRef("Secret holding the key's passphrase")},
                      {"passwordSecret", SecretRef("Secret holding a password; used only where configured")}});
  Schema host_key = Schema::String("expected SSH host public key, as in known_hosts (\"ssh-ed25519 AAAA...\")");
  host_key.max_length = 16384;
  return KindInfo{"Host",
                  "hosts",
                  "host",
                  "A machine kelola can reach and manage.",
                  Schema::Object("desired state of a host",
                                 {{"address", address},
                                  {"port", port},
                                  {"user", user},
                                  {"credentials", credentials},
                                  {"hostKey", host_key},
                                  {"jumpHost", SecretRef("name of another Host to tunnel through (ProxyJump)")}},
                                 {"address"}),
                  false};
}

KindInfo SecretKind() {
  Schema value = Schema::String("the secret value; write-only, sealed with AES-256-GCM at rest");
  value.write_only = true;
  value.max_length = 1024 * 1024;
  Schema type = Schema::String("what the value is, for humans and integrations");
  type.enum_values = {"opaque", "password", "token", "ssh-private-key", "tls-key", "webhook-secret"};
  type.default_json = "\"opaque\"";
  return KindInfo{"Secret",
                  "secrets",
                  "secret",
                  "A named value encrypted at rest; the API returns only its metadata.",
                  Schema::Object("a secret", {{"type", type}, {"value", value}}, {"value"}),
                  true};
}

KindInfo ExecutionKind() {
  KindInfo k{"Execution",
             "executions",
             "execution",
             "A command, script, file copy or runbook run over SSH on the hosts a selector matches; "
             "created with POST /v1/executions, its status holds the per-host results.",
             ExecutionRequestSchema(),
             false};
  k.server_managed = true;
  return k;
}

KindInfo PipelineKind() {
  Schema forge = Schema::String("where the repository lives");
  forge.enum_values = {"github", "gitlab"};
  Schema repository = Schema::String("the repository as owner/name (GitLab: the project's full path)");
  repository.max_length = 255;
  Schema event = Schema::String("an event that starts runs");
  event.enum_values = {"push", "tag", "pull_request"};
  Schema events = Schema::ArrayOf("events that start runs (default push and tag)", event);
  events.default_json = R"(["push","tag"])";
  Schema clone_url = Schema::String("URL to clone (https://, ssh:// or file://); default: the payload's clone URL");
  clone_url.max_length = 2048;
  Schema api_url = Schema::String(
      "forge API base URL (GitHub Enterprise: https://HOST/api/v3); default https://api.github.com or "
      "https://gitlab.com/api/v4");
  api_url.max_length = 2048;
  Schema cancel = Schema::Boolean("a newer push to a branch cancels the older runs of that branch");
  cancel.default_json = "false";
  return KindInfo{
      "Pipeline",
      "pipelines",
      "pipeline",
      "Which repository's webhooks start runs of its .kelola.yml, on which events, branches, tags and paths.",
      Schema::Object(
          "a pipeline",
          {{"forge", forge},
           {"repository", repository},
           {"cloneUrl", clone_url},
           {"webhookSecret", SecretRef("Secret holding the webhook secret (GitHub) or token (GitLab)")},
           {"events", events},
           {"branches", Schema::ArrayOf("branch globs (*, **, ?); empty = every branch", Schema::String("a glob"))},
           {"tags", Schema::ArrayOf("tag globs; empty = every tag", Schema::String("a glob"))},
           {"paths", Schema::ArrayOf("changed-file globs; empty = any change", Schema::String("a glob"))},
           {"cancelPrevious", cancel},
           {"deployTarget", SecretRef("name of the Target to deploy the built image to afterwards")},
           {"deployForce", Schema::Boolean("deploy even a commit whose earlier release was rolled back (marked bad)")},
           {"apiUrl", api_url},
           {"tokenSecret", SecretRef("Secret holding the forge API token for commit statuses and redeliveries")},
           {"hookId", Schema::Integer("GitHub: the repository webhook's id, for missed-delivery reconciliation", 0)},
           {"projectId", Schema::String("GitLab: the project's numeric id or full path; default repository")}},
          {"forge", "repository", "webhookSecret"}),
      false};
}

KindInfo AlertRuleKind() {
  Schema duration = Schema::String("a duration: 30s, 5m, 1h30m");
  duration.max_length = 32;
  Schema level = Schema::String("count only lines at this level or above");
  level.enum_values = {"trace", "debug", "info", "warn", "error", "fatal"};
  Schema match = Schema::String("RE2 regular expression the message must contain a match of");
  match.max_length = 4096;
  Schema group_by = Schema::ArrayOf("labels whose values split the lines into series", Schema::String("a label"));
  group_by.default_json = R"(["service"])";
  Schema type = Schema::String("the detector");
  type.enum_values = {"spike", "new_term", "silence", "frequency", "flatline"};
  auto with = [&duration](std::string description) {
    Schema d = duration;
    d.description = std::move(description);
    return d;
  };
  Schema detector = Schema::Object(
      "the detector watching each series and its parameters (see docs/alert-rules.md)",
      {{"type", type},
       {"bucket", with("counting bucket (default 1m)")},
       {"window", with("history kept per series (default 60 buckets)")},
       {"sensitivity", Schema::Integer("spike: spreads above the baseline (default 4)", 1, 100)},
       {"minCount", Schema::Integer("spike: fewest events a spike bucket holds (default 10)", 1)},
       {"spikeHeight", Schema::Integer("spike: at least this many times the baseline (default 2)", 1, 1000)},
       {"minHistory", Schema::Integer("spike: buckets of history before judging (default 5)", 1, 10080)},
       {"learnFor", with("new_term: terms seen this long after start are the baseline (default 0)")},
       {"holdFor", with("new_term: how long a new term stays active (default 10m)")},
       {"quietFor", with("silence: how long the series must be quiet (default 5 buckets)")},
       {"maxQuietCount", Schema::Integer("silence: events still counted as quiet (default 0)", 0)},
       {"minBaselinePerBucket", Schema::Integer("silence: events per bucket the series had before (default 1)", 1)},
       {"threshold", Schema::Integer("frequency: fire at this many matches; flatline: fire below it", 1)},
       {"timeframe", with("frequency/flatline: the span matches are summed over (default 5 buckets)")}},
      {"type"});
  Schema severity = Schema::String("the alert's severity");
  severity.enum_values = {"critical", "warning", "info"};
  severity.default_json = "\"warning\"";
  KindInfo k{"AlertRule",
             "alertrules",
             "alertrule",
             "Which log lines to count, per which labels, with which detector, and what the alert carries.",
             Schema::Object("an alert rule",
                            {{"selector", Schema::StringMap("labels a line must have (equality); empty = every line")},
                             {"level", level},
                             {"match", match},
                             {"groupBy", group_by},
                             {"detector", detector},
                             {"for", with("how long the condition must hold before the alert fires (default 0)")},
                             {"severity", severity},
                             {"labels", Schema::StringMap("labels added to the alert")},
                             {"annotations", Schema::StringMap("annotations of the alert (summary, runbook, ...)")}},
                            {"detector"}),
             false};
  k.validate_spec = [](const nlohmann::json& spec) { return anomaly::ParseAlertRuleSpec(spec).status(); };
  return k;
}

// The alert lifecycle's state (src/alerting, docs/alerts.md): written only
// by the server (the alert manager, POST/DELETE /v1/silences), readable
// like any resource and visible in the event log.
KindInfo AlertKind() {
  Schema state = Schema::String("pending, firing or resolved (in status.state)");
  state.enum_values = {"pending", "firing", "resolved"};
  KindInfo k{
      "Alert",
      "alerts",
      "alert",
      "One condition a detector reported, named by its label fingerprint; status says pending, firing or "
      "resolved and what silences or inhibits it. GET /v1/alerts lists them with filters.",
      Schema::Object("an alert", {{"labels", Schema::StringMap("the labels that identify it")},
                                  {"annotations", Schema::StringMap("summary, description, runbook_url, ...")},
                                  {"generatorURL", Schema::String("link to what raised it")},
                                  {"forMillis", Schema::Integer("how long it stays pending before it fires", 0)}}),
      false};
  k.server_managed = true;
  return k;
}

KindInfo AlertGroupKind() {
  KindInfo k{"AlertGroup",
             "alert-groups",
             "alert-group",
             "The notification log of one group of alerts for one receiver: what it was last told, and when.",
             Schema::Object("a group", {{"receiver", Schema::String("the receiver")},
                                        {"groupKey", Schema::String("route and group labels")},
                                        {"groupLabels", Schema::StringMap("the labels the group is formed by")}}),
             false};
  k.server_managed = true;
  return k;
}

// ScalingPolicy (src/scale, docs/autoscaling.md): the schema names the
// top-level fields; DecodeScalingPolicySpec, the decoder `kelola scale
// simulate` uses, checks the rest and names the field of any error.
KindInfo ScalingPolicyKind() {
  auto any = [](std::string d) {
    Schema s;
    s.description = std::move(d);
    return s;
  };
  KindInfo k{
      "ScalingPolicy",
      "scaling-policies",
      "scaling-policy",
      "Scales one ServerGroup between minHosts and maxHosts from a metric (target tracking or step scaling) "
      "and/or cron-scheduled capacity, with the HPA's behavior, host warm-up and a fallback "
      "(docs/autoscaling.md).",
      Schema::Object("a scaling policy",
                     {{"group", Schema::String("the ServerGroup it scales")},
                      {"minHosts", Schema::Integer("lower bound (default 1)", 0, 10000)},
                      {"maxHosts", Schema::Integer("upper bound", 1, 10000)},
                      {"targetTracking", any("{metric, target, tolerance}: keep the hosts' average near target")},
                      {"stepScaling", any("{metric, steps: [{lower, upper, adjustment}]}")},
                      {"scheduled", any("[{cron, min, max, desired}]: capacity while the cron matches (UTC)")},
                      {"behavior", any("{scaleUp, scaleDown}: the HPA's stabilization windows and rate policies")},
                      {"warmupSeconds", Schema::Integer("a host's metrics count from Ready + this", 0, 3600)},
                      {"fallback", any("\"hold\" or {desired: N} when the metric cannot be read")},
                      {"dryRun", Schema::Boolean("record and explain decisions, never change the group's count")}},
                     {"group", "maxHosts"}),
      false};
  k.validate_spec = [](const nlohmann::json& spec) { return DecodeScalingPolicySpec("", spec.dump()).status(); };
  return k;
}

KindInfo SilenceKind() {
  KindInfo k{"Silence",
             "silences",
             "silence",
             "Mutes the alerts its matchers match between startsAt and endsAt; created with POST /v1/silences, "
             "expired with DELETE /v1/silences/{id}.",
             Schema::Object("a silence",
                            {{"matchers", Schema::ArrayOf("Alertmanager matchers, all must match",
                                                          Schema::String("name=\"value\", !=, =~ or !~"))},
                             {"startsAt", Schema::String("RFC 3339")},
                             {"endsAt", Schema::String("RFC 3339")},
                             {"createdBy", Schema::String("who")},
                             {"comment", Schema::String("why")}},
                            {"matchers", "endsAt"}),
             false};
  k.server_managed = true;
  return k;
}

// A fleet ServerGroup (src/fleet/server_group.h, docs/fleet.md). The schema
// gives shapes, ranges and OpenAPI; the fleet's DecodeServerGroupSpec (run
// by the server-groups handlers) adds what a schema cannot say: CIDRs that
// parse and do not overlap, exactly one health check kind, the static
// provider's machines.
KindInfo ServerGroupKind() {
  auto text = [](std::string description, size_t max_length) {
    Schema s = Schema::String(std::move(description));
    s.max_length = max_length;
    return s;
  };
  auto with_default = [](Schema s, std::string default_json) {
    s.default_json = std::move(default_json);
    return s;
  };
  auto duration = [&text](std::string description) { return text(std::move(description), 32); };
  Schema provider = Schema::String("where the servers come from");
  provider.enum_values = {"docker", "aws", "static"};
  Schema team =
      text("the owning team; per-team quotas count its groups' servers (lower-case letters, digits, '-')", 63);
  team.default_json = "\"default\"";
  Schema cidr = text("an IPv4 CIDR, host bits zero: 10.20.1.0/24", 32);
  Schema protocol = text("tcp, udp, icmp or all", 8);
  protocol.enum_values = {"tcp", "udp", "icmp", "all"};
  Schema rule =
      Schema::Object("one allowed inbound flow",
                     {{"protocol", with_default(protocol, "\"tcp\"")},
                      {"port", Schema::Integer("a single port (instead of fromPort/toPort)", 1, 65535)},
                      {"fromPort", Schema::Integer("first port of a range (tcp/udp)", 0, 65535)},
                      {"toPort", Schema::Integer("last port of the range, inclusive (default fromPort)", 0, 65535)},
                      {"cidr", with_default(text("sources allowed, an IPv4 CIDR", 32), "\"0.0.0.0/0\"")},
                      {"description", text("why the rule exists", 255)}});
  Schema subnets = Schema::ArrayOf("subnet CIDRs inside vpcCidr, none overlapping (at most 16)", cidr);
  Schema network =
      Schema::Object("the group's network: VPC and subnets (aws), a Docker network (docker), firewall rules",
                     {{"vpcCidr", text("the VPC's CIDR, /16 to /28; empty = the provider's default", 32)},
                      {"subnets", subnets},
                      {"ingress", Schema::ArrayOf("inbound firewall rules (at most 60)", rule)}});
  Schema bootstrap = Schema::Object(
      "how a new server gets its first application",
      {{"userData", text("cloud-init user-data given at launch (EC2 UserData; at most 16 KiB)", 16 * 1024)},
       {"runbook", text("a runbook as YAML text (docs/runbooks.md), applied over SSH once the host is up", 256 * 1024)},
       {"sshUser", with_default(text("login user for bootstrap and command health checks", 64), "\"root\"")},
       {"sshPort", with_default(Schema::Integer("SSH port of the servers", 1, 65535), "22")},
       {"sshKeySecret", SecretRef("Secret holding the private key the servers accept")},
       {"timeout", with_default(duration("Booted to Ready within this long, else Failed"), "\"10m\"")}});
  Schema health = Schema::Object(
      "how kelola decides a server is healthy: exactly one of tcp, http or command",
      {{"tcp", Schema::Object("a TCP connect succeeds", {{"port", Schema::Integer("the port", 1, 65535)}}, {"port"})},
       {"http",
        Schema::Object("an HTTP GET answers 2xx", {{"port", with_default(Schema::Integer("the port", 1, 65535), "80")},
                                                   {"path", with_default(text("the path", 1024), "\"/\"")}})},
       {"command",
        Schema::Object("a command run over SSH exits 0", {{"command", text("the command line", 4096)}}, {"command"})},
       {"interval", with_default(duration("time between checks"), "\"10s\"")},
       {"timeout", with_default(duration("one check's time limit"), "\"5s\"")},
       {"unhealthyThreshold",
        with_default(Schema::Integer("consecutive failures before the host is Failed", 1, 100), "3")},
       {"grace", with_default(duration("after Ready, failures are not counted for this long"), "\"0s\"")}});
  Schema static_host =
      Schema::Object("an existing machine (provider static)",
                     {{"address", text("DNS name or IP address", 253)},
                      {"port", with_default(Schema::Integer("SSH port", 1, 65535), "22")},
                      {"hostKey", text("expected SSH host key (\"ssh-ed25519 AAAA...\"); empty = known_hosts", 16384)}},
                     {"address"});
  return KindInfo{
      "ServerGroup",
      "server-groups",
      "server-group",
      "A group of servers kept as asked: provider, image, size, count, network, bootstrap and health check. "
      "DELETE destroys the servers and the network first (202), then the group.",
      Schema::Object(
          "a server group",
          {{"provider", provider},
           {"team", team},
           {"region", text("aws: the region, e.g. eu-west-1", 32)},
           {"zone", text("aws: the availability zone; empty = the provider's choice", 32)},
           {"image", text("AMI id (aws), Docker image (docker); unused by static", 255)},
           {"size", text("EC2 instance type (aws); nano, micro, small, medium or large (docker)", 32)},
           {"count", with_default(Schema::Integer("how many servers", 0, 1000), "1")},
           {"labels", Schema::StringMap("labels copied onto every Host (kelola.io/ is reserved)")},
           {"network", network},
           {"bootstrap", bootstrap},
           {"healthCheck", health},
           {"staticHosts", Schema::ArrayOf("provider static: the machines to adopt", static_host)},
           {"maxReplacementsPerHour",
            with_default(Schema::Integer("self-healing: at most this many replacements per hour; 0 = none", 0, 1000),
                         "10")}},
          {"provider"}),
      false};
}

// A deploy Target (src/deploy/target.h, docs/deploys.md): the schema names
// the top-level fields; DecodeTargetSpec checks the kind's section and names
// the field of any error.
KindInfo TargetKind() {
  auto any = [](std::string d) {
    Schema s;
    s.description = std::move(d);
    return s;
  };
  Schema kind = Schema::String("how releases reach it");
  kind.enum_values = {"dockerhosts", "kubernetes"};
  KindInfo k{"Target",
             "targets",
             "target",
             "Where a service is deployed: docker hosts picked from the fleet by labels (rolling, behind each "
             "host's proxy) or a Kubernetes Deployment. Deploy with POST /v1/targets/{name}/deploy "
             "(docs/deploys.md).",
             Schema::Object("a deploy target",
                            {{"kind", kind},
                             {"service", Schema::String("the service it runs; default the target's name")},
                             {"dockerhosts", any("{hostSelector, containerPort, proxyPort, healthCheck, env, secrets, "
                                                 "batch, drain} (kind dockerhosts)")},
                             {"kubernetes", any("{apiServer, caSecret, tokenSecret, clientCertSecret, clientKeySecret, "
                                                "kubeconfigSecret, namespace, deploymentManifest, serviceManifest, "
                                                "rolloutTimeout} (kind kubernetes)")}},
                            {"kind"}),
             false};
  k.validate_spec = [](const nlohmann::json& spec) { return DecodeTargetSpec("", spec.dump()).status(); };
  return k;
}

// A Release (src/deploy/release.h): made by POST /v1/targets/{name}/deploy
// or /rollback only, its status written by the release controller.
KindInfo ReleaseKind() {
  Schema trigger = Schema::Object("who or what asked for it", {{"kind", Schema::String("cli, api, pipeline, rollback")},
                                                               {"by", Schema::String("the token, the pipeline")},
                                                               {"run", Schema::String("the pipeline run")}});
  KindInfo k{"Release",
             "releases",
             "release",
             "One version going out to one Target (\"<target>-<n>\"): created by POST /v1/targets/{name}/deploy "
             "or /rollback, cancelled by POST /v1/releases/{name}/cancel; its status is the rollout's progress.",
             Schema::Object("a release", {{"target", Schema::String("the Target")},
                                          {"image", Schema::String("the image as asked")},
                                          {"imageDigest", Schema::String("the image by digest, as deployed")},
                                          {"commit", Schema::String("the git commit")},
                                          {"trigger", trigger},
                                          {"previous", Schema::String("the release live when it started")},
                                          {"rollbackOf", Schema::String("the release a rollback undoes")},
                                          {"force", Schema::Boolean("deployed although the commit was marked bad")}}),
             false};
  k.server_managed = true;
  return k;
}

}  // namespace

const Schema& ExecutionRequestSchema() {
  static const Schema schema = [] {
    Schema mode = Schema::Integer("file mode, e.g. 420 for 0644", 0, 07777);
    Schema copy = Schema::Object("copy a file to every host",
                                 {{"content", Schema::String("the file's bytes, base64")},
                                  {"file", Schema::String("instead of content: \"sha256:<hex>\" of a file uploaded "
                                                          "with PUT /v1/files/sha256:<hex>")},
                                  {"dest", Schema::String("absolute path on the host")},
                                  {"mode", mode},
                                  {"bytes", Schema::Integer("size (set by the server)")},
                                  {"sha256", Schema::String("checksum (set by the server)")}},
                                 {"dest"});
    copy.properties[0].second.write_only = true;
    Schema serial = Schema::String("rolling batches: a host count (\"5\") or a share (\"20%\"); empty = all at once");
    return Schema::Object(
        "what to run where",
        {{"selector", Schema::String("label selector over Host labels; empty = all hosts")},
         {"names", Schema::ArrayOf("only these Host names", Schema::String("a Host name"))},
         {"command", Schema::String("a shell command line run by the login shell")},
         {"script", Schema::String("a script fed to /bin/sh on stdin")},
         {"runbook", Schema::String("a runbook, as YAML text (see docs/runbooks.md)")},
         {"copy", copy},
         {"sudo", Schema::Boolean("run as root through sudo -n")},
         {"timeoutSeconds", Schema::Integer("per-host time limit; 0 = none", 0, 86400)},
         {"serial", serial},
         {"maxFailPercentage", Schema::Integer("stop after a batch whose failures exceed this share", 0, 100)},
         {"maxParallel", Schema::Integer("hosts at once", 1, 1024)}});
  }();
  return schema;
}

void KindRegistry::Register(KindInfo info) { kinds_.push_back(std::move(info)); }

const KindInfo* KindRegistry::Find(const std::string& name) const {
  std::string n = Lower(name);
  for (const auto& k : kinds_) {
    if (n == k.plural || n == k.singular || n == Lower(k.kind)) return &k;
  }
  return nullptr;
}

const KindInfo* KindRegistry::FindByPlural(const std::string& plural) const {
  for (const auto& k : kinds_) {
    if (k.plural == plural) return &k;
  }
  return nullptr;
}

std::string KindRegistry::KnownPlurals() const {
  std::string out;
  for (const auto& k : kinds_) {
    if (!out.empty()) out += ", ";
    out += k.plural;
  }
  return out;
}

KindRegistry BuiltinKinds() {
  KindRegistry r;
  r.Register(HostKind());
  r.Register(SecretKind());
  r.Register(ExecutionKind());
  r.Register(PipelineKind());
  r.Register(AlertRuleKind());
  r.Register(AlertKind());
  r.Register(AlertGroupKind());
  r.Register(SilenceKind());
  r.Register(ServerGroupKind());
  r.Register(ScalingPolicyKind());
  r.Register(TargetKind());
  r.Register(ReleaseKind());
  return r;
}

}  // namespace kelola
