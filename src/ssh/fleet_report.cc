#include "ssh/fleet_report.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace kelola {
namespace {

int64_t Millis(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

std::string Seconds(Duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2fs", std::chrono::duration<double>(d).count());
  return text;
}

// The first non-empty line, with control characters escaped, cut to width.
std::string OneLine(const std::string& text, size_t width) {
  size_t start = 0;
  while (start < text.size() && (text[start] == '\n' || text[start] == '\r')) ++start;
  size_t end = text.find('\n', start);
  std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  std::string out;
  for (unsigned char c : line) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() > width) out = out.substr(0, width > 3 ? width - 3 : 0) + "...";
  return out;
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string RenderFleetTable(const FleetRunReport& report, const FleetTableOptions& options) {
  const std::vector<std::string> header = {"HOST", "TARGET", "RESULT", "EXIT", "KIND", "CHANGED", "TIME", "OUTPUT"};
  std::vector<std::vector<std::string>> rows;
  for (const HostRunResult& host : report.hosts) {
    std::string output;
    if (host.state == HostRunResult::State::kOk) {
      output = OneLine(host.out, options.output_width);
    } else if (!host.err.empty() && host.error_kind == SshErrorKind::kNonZeroExit) {
      output = OneLine(host.err, options.output_width);
    } else {
      output = OneLine(host.error.empty() ? host.err : host.error, options.output_width);
    }
    const bool ran = host.exit_code >= 0 || host.error_kind == SshErrorKind::kNonZeroExit;
    rows.push_back({host.host, host.target, std::string(HostRunStateName(host.state)),
                    ran ? std::to_string(host.exit_code) : "-",
                    host.error_kind == SshErrorKind::kNone ? "-" : std::string(SshErrorKindName(host.error_kind)),
                    host.changed ? "yes" : "no",
                    host.state == HostRunResult::State::kSkipped ? "-" : Seconds(host.duration), output});
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += c + 1 == row.size() ? row[c] : Pad(row[c], widths[c] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  out += std::to_string(report.hosts.size()) + " hosts: " + std::to_string(report.ok) + " ok, " +
         std::to_string(report.failed) + " failed, " + std::to_string(report.skipped) + " skipped, " +
         std::to_string(report.changed) + " changed in " + Seconds(report.duration);
  if (report.aborted) out += "; " + report.abort_reason;
  out += "\n";
  return out;
}

std::string RenderFleetJson(const FleetRunReport& report) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostRunResult& host : report.hosts) {
    nlohmann::json steps = nlohmann::json::array();
    for (const StepReport& step : host.steps) {
      steps.push_back({{"name", step.name},
                       {"state", step.state},
                       {"message", step.message},
                       {"durationMs", Millis(step.duration)}});
    }
    nlohmann::json entry = {{"host", host.host},
                            {"target", host.target},
                            {"state", HostRunStateName(host.state)},
                            {"batch", host.batch},
                            {"exitCode", host.exit_code},
                            {"errorKind", SshErrorKindName(host.error_kind)},
                            {"error", host.error},
                            {"stdout", host.out},
                            {"stderr", host.err},
                            {"changed", host.changed},
                            {"durationMs", Millis(host.duration)}};
    if (!host.steps.empty()) entry["steps"] = std::move(steps);
    hosts.push_back(std::move(entry));
  }
  nlohmann::json summary = {{"hosts", report.hosts.size()},
                            {"ok", report.ok},
                            {"failed", report.failed},
                            {"skipped", report.skipped},
                            {"changed", report.changed},
                            {"batches", report.batches},
                            {"aborted", report.aborted},
                            {"abortReason", report.abort_reason},
                            {"durationMs", Millis(report.duration)}};
  nlohmann::json doc = {{"summary", std::move(summary)}, {"hosts", std::move(hosts)}};
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string FormatFleetProgress(const FleetProgress& p, Duration elapsed) {
  char text[160];
  const int digits = static_cast<int>(std::to_string(p.total).size());
  std::snprintf(text, sizeof text, "[%*d/%d] ok %d  failed %d  running %d", digits, p.done, p.total, p.ok, p.failed,
                p.running);
  std::string out = text;
  if (p.batches > 1) out += "  batch " + std::to_string(p.batch) + "/" + std::to_string(p.batches);
  if (elapsed >= Duration(0)) {
    std::snprintf(text, sizeof text, "  %.1fs", std::chrono::duration<double>(elapsed).count());
    out += text;
  }
  return out;
}

}  // namespace kelola
