// FreePort: a TCP port on 127.0.0.1 that nothing listened on a moment ago.
//
// The kernel picks it (bind to port 0), so parallel tests do not collide on
// fixed numbers. The port is released before returning: a server started
// afterwards can in rare cases lose it to another process, so the starters
// in this harness retry with a new port when their server fails to bind.
#pragma once

#include <string>

#include "base/status.h"

namespace kelola::harness {

Result<int> FreePort();

// True when something accepts TCP connections on 127.0.0.1:port.
bool PortAcceptsConnections(int port);
// The same on another IPv4 address (e.g. 127.0.1.2: all of 127.0.0.0/8 is loopback).
bool PortAcceptsConnections(const std::string& ipv4_address, int port);

}  // namespace kelola::harness
