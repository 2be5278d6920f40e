/*
 * blast: a paced UDP load generator for the benchmark.
 *
 *   blast HOST PORT COUNT RATE [PAYLOAD_FILE]
 *
 * Sends COUNT copies of the payload (a 96-byte RFC 3164 line by default) to
 * HOST:PORT at RATE datagrams per second, in sendmmsg(2) bursts of up to
 * 64. SOURCES=N spreads the load over N sockets bound to 127.0.1.1 ..
 * 127.0.1.N, as N devices would. Prints one JSON line when done.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BURST = 64, MAX_SOURCES = 250 };

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int open_source(int index, int nsources) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (nsources > 1) {
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(0x7f000101u + (unsigned)index);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
      perror("bind source");
      exit(2);
    }
  }
  return fd;
}

static size_t load_payload(const char *path, char *buf, size_t cap) {
  if (path == NULL) {
    const char *line = "<189>Dec  3 16:20:00 router1 %LINK-3-UPDOWN: Interface "
                       "GigabitEthernet0/1, changed state to down";
    size_t n = strlen(line);
    memcpy(buf, line, n);
    return n;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    exit(2);
  }
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: blast HOST PORT COUNT RATE [PAYLOAD_FILE]\n");
    return 2;
  }
  static char payload[65536];
  size_t len = load_payload(argc > 5 ? argv[5] : NULL, payload, sizeof payload);
  long count = atol(argv[3]);
  double rate = atof(argv[4]);
  int nsources = getenv("SOURCES") ? atoi(getenv("SOURCES")) : 1;
  if (nsources < 1 || nsources > MAX_SOURCES) nsources = 1;

  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
    fprintf(stderr, "blast: %s is not an IPv4 address\n", argv[1]);
    return 2;
  }
  int fds[MAX_SOURCES];
  for (int i = 0; i < nsources; i++) fds[i] = open_source(i, nsources);

  struct iovec iov = {.iov_base = payload, .iov_len = len};
  struct mmsghdr msgs[BURST];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BURST; i++) {
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }

  double start = seconds();
  long sent = 0, errors = 0;
  for (long burst = 0; sent < count; burst++) {
    double due = start + (double)sent / rate;
    double now = seconds();
    if (now < due) {
      double wait = due - now;
      struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
      nanosleep(&ts, NULL);
    }
    int n = count - sent < BURST ? (int)(count - sent) : BURST;
    int r = sendmmsg(fds[burst % nsources], msgs, (unsigned)n, 0);
    if (r > 0) sent += r;
    else errors++;
  }
  double took = seconds() - start;
  printf("{\"sent\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"pps\":%.0f}\n", sent, errors, took, (double)sent / took);
  return 0;
}
