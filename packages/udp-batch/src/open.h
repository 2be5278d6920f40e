// Creating a connected, non-blocking UDP socket. No N-API here: failures
// come back as data and the binding turns them into JavaScript values.
#pragma once

#include <string>

namespace sekiwake {

struct OpenConfig {
  std::string host;           // IP literal, v4 or v6
  int port = 0;               // 1..65535
  int sendBufferBytes = 0;    // 0 keeps the kernel default
  std::string sourceAddress;  // empty for no bind()
};

struct OpenedSocket {
  int fd = -1;          // owned by the caller when >= 0
  bool ipv6 = false;
  std::string syscall;  // which call failed, when fd < 0
  int error = 0;        // its errno
};

OpenedSocket OpenUdpSocket(const OpenConfig& config);

// The symbolic name of an errno value, e.g. "ECONNREFUSED".
std::string ErrnoName(int error);

}  // namespace sekiwake
