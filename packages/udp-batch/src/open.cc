#include "open.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sekiwake {
namespace {

// Fills a v4 or v6 socket address; false when text is not an IP literal
// of that family.
bool ParseAddress(const std::string& text, int port, bool ipv6,
                  sockaddr_storage* out, socklen_t* length) {
  memset(out, 0, sizeof(*out));
  if (ipv6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    *length = sizeof(*a);
    return inet_pton(AF_INET6, text.c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(out);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  *length = sizeof(*a);
  return inet_pton(AF_INET, text.c_str(), &a->sin_addr) == 1;
}

// SO_SNDBUFFORCE passes net.core.wmem_max but needs CAP_NET_ADMIN; without
// it the plain option applies, capped by the sysctl.
bool SetSendBuffer(int fd, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) == 0) {
    return true;
  }
  return setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) == 0;
}

// With IP_RECVERR an ICMP error is also queued on the error queue, where it
// survives sendmmsg swallowing the pending error of a partly sent batch.
bool EnableErrorQueue(int fd, bool ipv6) {
  int on = 1;
  return ipv6 ? setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof(on)) == 0
              : setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof(on)) == 0;
}

OpenedSocket Fail(int fd, const char* syscall, int error) {
  if (fd >= 0) close(fd);
  OpenedSocket failed;
  failed.syscall = syscall;
  failed.error = error;
  return failed;
}

}  // namespace

OpenedSocket OpenUdpSocket(const OpenConfig& config) {
  sockaddr_storage peer;
  socklen_t peerLength = 0;
  bool ipv6 = config.host.find(':') != std::string::npos;
  if (!ParseAddress(config.host, config.port, ipv6, &peer, &peerLength)) {
    return Fail(-1, "inet_pton", EINVAL);
  }
  int fd = socket(ipv6 ? AF_INET6 : AF_INET,
                  SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(-1, "socket", errno);
  if (config.sendBufferBytes > 0 && !SetSendBuffer(fd, config.sendBufferBytes)) {
    return Fail(fd, "setsockopt", errno);
  }
  if (!EnableErrorQueue(fd, ipv6)) return Fail(fd, "setsockopt", errno);
  if (!config.sourceAddress.empty()) {
    sockaddr_storage source;
    socklen_t sourceLength = 0;
    if (!ParseAddress(config.sourceAddress, 0, ipv6, &source, &sourceLength)) {
      return Fail(fd, "inet_pton", EINVAL);
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&source), sourceLength) != 0) {
      return Fail(fd, "bind", errno);
    }
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&peer), peerLength) != 0) {
    return Fail(fd, "connect", errno);
  }
  OpenedSocket opened;
  opened.fd = fd;
  opened.ipv6 = ipv6;
  return opened;
}

std::string ErrnoName(int error) {
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : "E" + std::to_string(error);
}

}  // namespace sekiwake
