// Transports against in-process peers: a pty pair and a loopback TCP listener.
#if !defined(_WIN32)
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>

#include "espbak/link/transport.hpp"
#include "espbak/util/error.hpp"
#include "test_loopback_listener.hpp"

using namespace espbak;
using espbak::test::LoopbackListener;
using namespace std::chrono_literals;

namespace {

struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(grantpt(master) == 0);
    REQUIRE(unlockpt(master) == 0);
    slave = ptsname(master);
  }
  ~Pty() {
    if (master >= 0) close(master);
  }
};

std::string error_of(const std::function<void()>& f, ErrorKind expected = ErrorKind::port) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == expected);
    return e.what();
  }
  FAIL("no espbak::Error thrown");
  return {};
}

std::size_t read_all(Transport& t, std::uint8_t* buf, std::size_t want) {
  std::size_t got = 0;
  while (got < want) {
    std::size_t n = t.read(std::span(buf + got, want - got), 1000ms);
    if (n == 0) break;
    got += n;
  }
  return got;
}

}  // namespace

TEST_CASE("a pty opens as a serial port without modem lines and carries bytes both ways") {
  Pty pty;
  auto t = open_transport(pty.slave, 115200);
  CHECK(t->name() == pty.slave);
  CHECK(t->baud() == 115200);
  CHECK_FALSE(t->has_modem_lines());
  CHECK_FALSE(t->set_dtr(true));
  CHECK_FALSE(t->set_rts(true));
  t->set_baud(921600);
  CHECK(t->baud() == 921600);

  const std::uint8_t out[] = {0xC0, 0x00, 0x08, 0xC0};
  t->write(out);
  std::uint8_t got[4] = {};
  std::size_t n = 0;
  while (n < 4) {
    pollfd p{pty.master, POLLIN, 0};
    REQUIRE(poll(&p, 1, 1000) == 1);
    ssize_t r = ::read(pty.master, got + n, 4 - n);
    REQUIRE(r > 0);
    n += std::size_t(r);
  }
  CHECK(std::memcmp(got, out, 4) == 0);

  const std::uint8_t in[] = {1, 2, 3, 0xFF, 0x00};
  REQUIRE(::write(pty.master, in, sizeof in) == sizeof in);
  std::uint8_t buf[5] = {};
  CHECK(read_all(*t, buf, 5) == 5);
  CHECK(std::memcmp(buf, in, 5) == 0);

  // Nothing pending: read times out with 0.
  CHECK(t->read(std::span(buf, 5), 20ms) == 0);

  // flush_input drops what has arrived.
  REQUIRE(::write(pty.master, in, sizeof in) == sizeof in);
  usleep(20000);
  t->flush_input();
  CHECK(t->read(std::span(buf, 5), 20ms) == 0);
}

TEST_CASE("a second open of the same port is refused as busy") {
  Pty pty;
  auto first = open_transport(pty.slave, 115200);
  auto msg = error_of([&] { open_transport(pty.slave, 115200); });
  CHECK(msg == "port " + pty.slave + " is busy (in use by another program)");
}

TEST_CASE("serial open errors are one clear line") {
  CHECK(error_of([] { open_transport("/dev/ttyESPBAK_NONEXISTENT9", 115200); }) ==
        "cannot open /dev/ttyESPBAK_NONEXISTENT9: no such device");
  char tmpl[] = "/tmp/espbak_not_a_tty_XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  CHECK(error_of([&] { open_transport(tmpl, 115200); }) == std::string("cannot open ") + tmpl + ": not a serial port");
  unlink(tmpl);
  CHECK(error_of([] { open_transport("rfc2217://no-port-given", 115200); }).find("rfc2217://HOST:PORT") !=
        std::string::npos);
  CHECK(error_of([] { open_transport("socket://nohostport", 115200); }).find("socket://HOST:PORT") !=
        std::string::npos);
}

TEST_CASE("a pty whose other end closed reports the device as gone") {
  auto pty = std::make_unique<Pty>();
  auto t = open_transport(pty->slave, 115200);
  close(pty->master);
  pty->master = -1;
  std::uint8_t buf[8];
  CHECK(error_of([&] { t->read(std::span(buf, 8), 200ms); }).find("disconnected") != std::string::npos);
}

TEST_CASE("socket:// connects over TCP, has no modem lines, and reports the peer closing") {
  LoopbackListener l;
  auto t = open_transport(l.url("socket"), 115200);
  int peer = accept(l.fd, nullptr, nullptr);
  REQUIRE(peer >= 0);
  CHECK(t->name() == l.url("socket"));
  CHECK_FALSE(t->has_modem_lines());
  CHECK_FALSE(t->set_rts(true));
  t->set_baud(460800);  // remembered, nothing else
  CHECK(t->baud() == 460800);

  const std::uint8_t out[] = {0xC0, 0xDB, 0xDC, 0xC0};
  t->write(out);
  std::uint8_t got[4] = {};
  REQUIRE(recv(peer, got, 4, MSG_WAITALL) == 4);
  CHECK(std::memcmp(got, out, 4) == 0);

  const std::uint8_t in[] = {9, 8, 7};
  REQUIRE(send(peer, in, 3, 0) == 3);
  std::uint8_t buf[3] = {};
  CHECK(read_all(*t, buf, 3) == 3);
  CHECK(std::memcmp(buf, in, 3) == 0);
  CHECK(t->read(std::span(buf, 3), 20ms) == 0);

  close(peer);
  CHECK(error_of([&] { t->read(std::span(buf, 3), 1000ms); }) == "connection closed by " + l.url("socket"));
}

TEST_CASE("socket:// to a closed port is refused with a clear message") {
  int port;
  {
    LoopbackListener l;  // find a free port, then close it
    port = l.port;
  }
  std::string url = "socket://127.0.0.1:" + std::to_string(port);
  CHECK(error_of([&] { open_transport(url, 115200); }) == "cannot connect to " + url + ": connection refused");
}
#endif
