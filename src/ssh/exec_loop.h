// ExecLoop: one command on many hosts at once with non-blocking libssh
// sessions, driven by a few event-loop threads — how a fleet run keeps
// 1,000 sessions in flight without 1,000 threads. Each session is a small
// state machine (connect, verify host key, authenticate, open a channel,
// exec, read until exit) advanced whenever poll() says its socket is ready.
//
// It applies the same rules as SshSession (host key checked before any
// credential, ~/.ssh never read, secrets never in messages) and reports
// with the same Status codes (ssh_error.h) and ExecResult. Hosts it cannot
// drive — a jump host, or ssh-agent authentication — are for SshSession;
// check ExecLoopCanRun.
//
// Thread-safety: RunExecLoop may be called from any thread; on_done runs on
// loop threads, one call at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "ssh/ssh_session.h"

namespace kelola {

struct ExecLoopTarget {
  SshOptions options;
  std::string command;  // the remote command line (see shell_quote.h)
};

struct ExecLoopOutcome {
  Status status;  // connect/auth/host-key failures, a lost connection
  ExecResult result;
  std::string target;  // "user@host:port"
};

struct ExecLoopOptions {
  Duration timeout{0};  // per command, as ExecOptions.timeout
  size_t max_captured_bytes = 256u << 10;
  int max_in_flight = 1000;  // sessions open at once, over all threads
  int threads = 0;           // event loops; 0: one per core, at most 4
  Clock* clock = nullptr;    // SystemClock() when null
  std::function<void(size_t index, const ExecLoopOutcome& outcome)> on_done;
};

// True when RunExecLoop can drive a host with these options.
bool ExecLoopCanRun(const SshOptions& options);

// Runs every target and returns their outcomes in target order. A target
// that ExecLoopCanRun refuses gets an InvalidArgument outcome.
std::vector<ExecLoopOutcome> RunExecLoop(const std::vector<ExecLoopTarget>& targets, const ExecLoopOptions& options);

}  // namespace kelola
