/*
 * A reference for bench/proxy.bench.js, not part of faultline: the cheapest TCP forwarder Linux
 * allows. Bytes move socket -> pipe -> socket with splice(2), so they are never copied into
 * this process; what is left is the kernel's own cost of a second TCP hop. The bench compiles
 * it into a temporary directory when a C compiler is present and measures it in the same rounds
 * as FaultProxy and socat, as a reference for what a proxy can reach on the machine at all.
 *
 *   cc -O2 -o /tmp/splice-forward bench/splice-forward.c
 *   /tmp/splice-forward LISTEN_PORT UPSTREAM_PORT     (both on 127.0.0.1; one child per connection)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIPE_BYTES (1 << 20)

/* One direction: from -> pipe -> to. */
struct lane {
  int from, to, pipe[2];
  size_t inPipe;
  int eof, shut;
};

static void open_lane(struct lane *lane, int from, int to) {
  lane->from = from;
  lane->to = to;
  lane->inPipe = 0;
  lane->eof = lane->shut = 0;
  if (pipe2(lane->pipe, O_NONBLOCK) != 0) _exit(1);
  fcntl(lane->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
}

/* Moves what it can without blocking; returns -1 when the connection failed. */
static int step(struct lane *lane) {
  const unsigned flags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
  if (!lane->eof && lane->inPipe < PIPE_BYTES) {
    ssize_t n = splice(lane->from, NULL, lane->pipe[1], NULL, PIPE_BYTES - lane->inPipe, flags);
    if (n == 0) lane->eof = 1;
    else if (n > 0) lane->inPipe += (size_t)n;
    else if (errno != EAGAIN) return -1;
  }
  if (lane->inPipe > 0) {
    ssize_t n = splice(lane->pipe[0], NULL, lane->to, NULL, lane->inPipe, flags);
    if (n > 0) lane->inPipe -= (size_t)n;
    else if (n < 0 && errno != EAGAIN) return -1;
  }
  if (lane->eof && lane->inPipe == 0 && !lane->shut) {
    shutdown(lane->to, SHUT_WR);
    lane->shut = 1;
  }
  return 0;
}

static void forward(int client, int upstream) {
  struct lane up, down;
  open_lane(&up, client, upstream);
  open_lane(&down, upstream, client);
  fcntl(client, F_SETFL, O_NONBLOCK);
  fcntl(upstream, F_SETFL, O_NONBLOCK);
  while (!(up.shut && down.shut)) {
    struct pollfd fds[2] = {{client, 0, 0}, {upstream, 0, 0}};
    if (!up.eof && up.inPipe < PIPE_BYTES) fds[0].events |= POLLIN;
    if (!down.eof && down.inPipe < PIPE_BYTES) fds[1].events |= POLLIN;
    if (up.inPipe > 0) fds[1].events |= POLLOUT;
    if (down.inPipe > 0) fds[0].events |= POLLOUT;
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if ((fds[0].revents | fds[1].revents) & POLLERR) break;
    if (step(&up) < 0 || step(&down) < 0) break;
  }
  _exit(0);
}

static void reap(int signal) {
  (void)signal;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in address = {0};
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LISTEN_PORT UPSTREAM_PORT\n", argv[0]);
    return 2;
  }
  /* Reaped by a handler, not SIG_IGN, so the children's CPU time adds up in /proc/<pid>/stat. */
  struct sigaction onChild = {0};
  onChild.sa_handler = reap;
  onChild.sa_flags = SA_RESTART;
  sigaction(SIGCHLD, &onChild, NULL);
  int one = 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in listen_at = loopback(atoi(argv[1]));
  if (bind(listener, (struct sockaddr *)&listen_at, sizeof listen_at) != 0 || listen(listener, 128) != 0) {
    perror("splice-forward: listen");
    return 1;
  }
  struct sockaddr_in target = loopback(atoi(argv[2]));
  for (;;) {
    int client = accept(listener, NULL, NULL);
    if (client < 0) continue;
    if (fork() == 0) {
      close(listener);
      int upstream = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(upstream, (struct sockaddr *)&target, sizeof target) != 0) _exit(1);
      setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      forward(client, upstream);
    }
    close(client);
  }
}
