/*
 * udp-sink: a UDP receiver for the benchmark and the tests, not shipped.
 *
 *   udp-sink ADDR PORT count    counts datagrams until stdin closes or
 *                               SIGTERM, then prints "DATAGRAMS BYTES"
 *   udp-sink ADDR PORT dump N   writes N datagrams to stdout, each as a
 *                               little-endian u32 length and its bytes
 *
 * It prints "ready PORT" once bound (PORT 0 picks a free port).
 * The receive buffer is forced to 64 MiB
 * (SO_RCVBUFFORCE, as root) so that a burst is not dropped while it reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 256
#define MAX_DATAGRAM 65536
#define RECEIVE_BUFFER_BYTES (64 << 20)

static volatile sig_atomic_t stopping = 0;

static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

static int open_bound(const char *addr, int port) {
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof(ss));
  int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) return -1;
    len = sizeof(*a);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) return -1;
    len = sizeof(*a);
  }
  int fd = socket(family, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  int size = RECEIVE_BUFFER_BYTES;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return -1;
  return fd;
}

static int write_all(const void *data, size_t n) {
  const char *p = data;
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: udp-sink ADDR PORT count | dump N\n");
    return 2;
  }
  int dump = strcmp(argv[3], "dump") == 0;
  long want = dump && argc > 4 ? atol(argv[4]) : -1;
  int fd = open_bound(argv[1], atoi(argv[2]));
  if (fd < 0) {
    perror("udp-sink: bind");
    return 1;
  }
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);
  static char buffers[BATCH][MAX_DATAGRAM];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = buffers[i];
    iov[i].iov_len = MAX_DATAGRAM;
    memset(&msgs[i], 0, sizeof(msgs[i]));
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  int port = ntohs(bound.ss_family == AF_INET6
                       ? ((struct sockaddr_in6 *)&bound)->sin6_port
                       : ((struct sockaddr_in *)&bound)->sin_port);
  char ready[32];
  write_all(ready, (size_t)snprintf(ready, sizeof(ready), "ready %d\n", port));
  long datagrams = 0;
  long long bytes = 0;
  struct pollfd pfd[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
  while (!stopping && (want < 0 || datagrams < want)) {
    if (poll(pfd, dump ? 1 : 2, 200) < 0 && errno != EINTR) break;
    if (!dump && (pfd[1].revents & (POLLIN | POLLHUP))) {
      char c;
      if (read(0, &c, 1) <= 0) break;
    }
    if (!(pfd[0].revents & POLLIN)) continue;
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++) {
      uint32_t len = msgs[i].msg_len;
      datagrams++;
      bytes += len;
      if (!dump) continue;
      uint8_t prefix[4] = {len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff,
                           len >> 24};
      if (write_all(prefix, 4) || write_all(buffers[i], len)) return 1;
    }
  }
  if (!dump) {
    char line[64];
    int n = snprintf(line, sizeof(line), "%ld %lld\n", datagrams, bytes);
    write_all(line, (size_t)n);
  }
  return 0;
}
