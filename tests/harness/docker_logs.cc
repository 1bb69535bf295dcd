#include "tests/harness/docker_logs.h"

#include <cstdint>

namespace kelola::harness {

Result<ContainerOutput> DemuxDockerLogs(std::string_view stream) {
  ContainerOutput output;
  size_t pos = 0;
  while (pos < stream.size()) {
    if (stream.size() - pos < 8) {
      return DataLossError("docker log stream: truncated frame header at byte " + std::to_string(pos));
    }
    auto byte = [&](size_t i) { return static_cast<uint8_t>(stream[pos + i]); };
    const uint8_t kind = byte(0);
    const uint32_t length =
        (uint32_t{byte(4)} << 24) | (uint32_t{byte(5)} << 16) | (uint32_t{byte(6)} << 8) | uint32_t{byte(7)};
    pos += 8;
    if (stream.size() - pos < length) {
      return DataLossError("docker log stream: frame at byte " + std::to_string(pos - 8) + " announces " +
                           std::to_string(length) + " bytes, only " + std::to_string(stream.size() - pos) + " follow");
    }
    std::string_view payload = stream.substr(pos, length);
    pos += length;
    switch (kind) {
      case 0:
      case 1: output.out.append(payload); break;
      case 2: output.err.append(payload); break;
      default:
        return DataLossError("docker log stream: unknown stream " + std::to_string(kind) + " at byte " +
                             std::to_string(pos - length - 8));
    }
  }
  return output;
}

}  // namespace kelola::harness
