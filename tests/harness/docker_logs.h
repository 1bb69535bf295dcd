// DemuxDockerLogs: splits the Docker engine's multiplexed log stream (what
// GET /containers/{id}/logs returns for a container without a TTY) into
// stdout and stderr. Each frame is an 8-byte header [stream, 0, 0, 0,
// big-endian u32 length] followed by the payload; stream 1 is stdout, 2
// stderr (0, stdin, is counted as stdout).
//
// Errors: DataLoss when a frame is cut short or names an unknown stream.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kelola::harness {

struct ContainerOutput {
  std::string out;
  std::string err;
};

Result<ContainerOutput> DemuxDockerLogs(std::string_view stream);

}  // namespace kelola::harness
