#pragma once
// A TCP listener on 127.0.0.1 at a port the system picks: the in-process
// peer for the socket:// and rfc2217:// transport tests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace espbak::test {

struct LoopbackListener {
  int fd = -1;
  int port = 0;

  LoopbackListener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~LoopbackListener() { close(fd); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  // The transport URL for this port: url("socket"), url("rfc2217").
  std::string url(const std::string& scheme) const { return scheme + "://127.0.0.1:" + std::to_string(port); }
};

}  // namespace espbak::test
