#include "agent/background_sender.h"

namespace kelola {

BackgroundSender::BackgroundSender(BatchSender& sender, std::function<void()> on_done)
    : sender_(sender), on_done_(std::move(on_done)), thread_([this] { Loop(); }) {}

BackgroundSender::~BackgroundSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundSender::Start(const std::string& frame) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    frame_ = &frame;
    result_.reset();
  }
  busy_ = true;
  cv_.notify_all();
}

std::optional<Status> BackgroundSender::TakeResult() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!result_) return std::nullopt;
  busy_ = false;
  std::optional<Status> r = std::move(result_);
  result_.reset();
  return r;
}

Status BackgroundSender::Wait() {
  if (!busy_) return OkStatus();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return result_.has_value(); });
  busy_ = false;
  Status s = std::move(*result_);
  result_.reset();
  return s;
}

void BackgroundSender::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return quit_ || frame_ != nullptr; });
    if (frame_ == nullptr) return;  // quit with nothing to send
    const std::string* frame = frame_;
    lock.unlock();
    Status s = sender_.Send(*frame);
    lock.lock();
    frame_ = nullptr;
    result_ = std::move(s);
    cv_.notify_all();
    lock.unlock();
    if (on_done_) on_done_();
    lock.lock();
  }
}

}  // namespace kelola
