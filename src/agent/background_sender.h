// BackgroundSender: runs BatchSender::Send on a thread of its own, one frame
// at a time, so the agent reads, parses and encodes the next batch while the
// server stores this one (the agent and the server work at the same time
// instead of taking turns).
//
// Start() hands over a frame, which the caller keeps alive and unchanged
// until its result was taken; TakeResult() returns the Send Status once the
// call returned, Wait() blocks for it. `on_done` runs on the sending thread
// after each Send (LogAgent uses it to wake its loop). One frame at a time,
// so frames leave in the order they were started.
//
// Thread-safety: Start/TakeResult/Wait/busy from one thread (the agent's);
// the destructor waits for a Send in progress.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/batch_sender.h"

namespace kelola {

class BackgroundSender {
 public:
  BackgroundSender(BatchSender& sender, std::function<void()> on_done);
  ~BackgroundSender();
  BackgroundSender(const BackgroundSender&) = delete;
  BackgroundSender& operator=(const BackgroundSender&) = delete;

  // Requires !busy().
  void Start(const std::string& frame);
  // Started and its result not yet taken.
  bool busy() const { return busy_; }
  // The result once Send returned; nullopt while it runs or when idle.
  std::optional<Status> TakeResult();
  // Blocks until the started Send returned; its result (OK when idle).
  Status Wait();

 private:
  void Loop();

  BatchSender& sender_;
  std::function<void()> on_done_;
  bool busy_ = false;  // the owner's view; only its thread touches it
  std::mutex mu_;
  std::condition_variable cv_;
  const std::string* frame_ = nullptr;  // to send; guarded by mu_
  std::optional<Status> result_;        // guarded by mu_
  bool quit_ = false;                   // guarded by mu_
  std::thread thread_;
};

}  // namespace kelola
