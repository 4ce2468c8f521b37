#include "transport/socket_options.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace crsync::transport {
namespace {

int get_int(int fd, int level, int option) {
  int v = -1;
  socklen_t len = sizeof v;
  EXPECT_EQ(::getsockopt(fd, level, option, &v, &len), 0);
  return v;
}

TEST(SocketOptionsTest, SetsNamedOptionsAndReportsUnknownOnes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  std::vector<std::string> reports;
  set_socket_options(fd, "SO_KEEPALIVE, TCP_NODELAY\tBOGUS SO_RCVBUF=65536 IPTOS_LOWDELAY=3",
                     [&](const std::string& r) { reports.push_back(r); });
  EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(get_int(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_GE(get_int(fd, SOL_SOCKET, SO_RCVBUF), 65536);  // Linux doubles it
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0], "Unknown socket option BOGUS");
  EXPECT_EQ(reports[1], "syntax error -- IPTOS_LOWDELAY does not take a value");
  set_socket_options(fd, "SO_KEEPALIVE=0", [&](const std::string& r) { reports.push_back(r); });
  EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  EXPECT_EQ(reports.size(), 2u);
  ::close(fd);
}

TEST(SocketOptionsTest, EmptyListDoesNothing) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int calls = 0;
  set_socket_options(fd, "", [&](const std::string&) { ++calls; });
  set_socket_options(fd, " ,\t", [&](const std::string&) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(get_int(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  ::close(fd);
}

}  // namespace
}  // namespace crsync::transport
