// RolloutPolicy: how a fleet run is cut into rolling batches and when it
// gives up — pure logic, no I/O, shared by commands, copies and runbooks.
//
//   serial: 5       batches of 5 hosts
//   serial: "20%"   batches of 20% of the selected hosts (rounded down, at least 1)
//   (unset)         one batch with every host
//   max_fail_percentage: 10
//                   when more than 10% of a batch's hosts failed, the batch
//                   completes and every later batch is skipped (Ansible's
//                   meaning; 0 = any failure stops the run after its batch)
//
// Thread-safety: values and pure functions. Errors: InvalidArgument naming
// the bad value.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kelola {

struct RolloutPolicy {
  int serial_hosts = 0;              // > 0: fixed batch size
  double serial_percent = 0;         // > 0: batch size as a share of the hosts
  double max_fail_percentage = 100;  // 100 = never stop early
};

// "5", "20%", "" (all at once). Sets serial_hosts or serial_percent.
Status ParseSerial(const std::string& text, RolloutPolicy* policy);

// Batch sizes in order; they add up to `host_count`.
std::vector<int> PlanBatches(int host_count, const RolloutPolicy& policy);

// True when `failed` failures out of a batch of `batch_size` exceed the
// policy's max_fail_percentage.
bool FailureThresholdExceeded(int failed, int batch_size, const RolloutPolicy& policy);

}  // namespace kelola
