/*
 * sink: counts UDP datagrams for the benchmark.
 *
 *   sink HOST PORT IDLE_MS
 *
 * Binds HOST:PORT with a 64 MiB receive buffer, prints "ready", then counts
 * datagrams with recvmmsg(2) until IDLE_MS pass with none after the first
 * one (or 120 s pass with none at all), and prints one JSON line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum { BURST = 64, SLOT = 65536, FIRST_WAIT_MS = 120000 };

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sink HOST PORT IDLE_MS\n");
    return 2;
  }
  struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &me.sin_addr) != 1) {
    fprintf(stderr, "sink: %s is not an IPv4 address\n", argv[1]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 64 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
    perror("bind");
    return 2;
  }
  static char slots[BURST][SLOT];
  struct iovec iov[BURST];
  struct mmsghdr msgs[BURST];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BURST; i++) {
    iov[i].iov_base = slots[i];
    iov[i].iov_len = SLOT;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  printf("ready\n");
  fflush(stdout);
  long received = 0, bytes = 0;
  int idle = atoi(argv[3]);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (poll(&p, 1, received ? idle : FIRST_WAIT_MS) > 0) {
    int n = recvmmsg(fd, msgs, BURST, MSG_DONTWAIT, NULL);
    for (int i = 0; i < n; i++) bytes += msgs[i].msg_len;
    if (n > 0) received += n;
  }
  printf("{\"received\":%ld,\"bytes\":%ld}\n", received, bytes);
  return 0;
}
