// End-to-end in one process: the client sender and the server receiving
// side over an in-memory pipe, on a real temporary tree, at each protocol.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/session_runner.h"
#include "session/handshake.h"
#include "session/local_bridge.h"
#include "transport/memory_pipe.h"

namespace crsync::session {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& data) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << data;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class LocalSessionTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("crsync-local-" + std::to_string(::getpid()) + "-" + std::to_string(GetParam()));
    fs::remove_all(root_);
    write(root_ / "src/a.txt", "hello\n");
    write(root_ / "src/sub/b.bin", std::string(100000, 'b'));
    fs::create_symlink("a.txt", root_ / "src/link");
    ::chmod((root_ / "src/a.txt").c_str(), 0640);
  }
  void TearDown() override { fs::remove_all(root_); }

  cli::SessionResult copy(Options o) {
    auto [c, s] = transport::make_memory_pipe();
    Options so = o;
    so.am_server = true;
    so.client_caps = client_capabilities(o, false);
    cli::SessionResult sres;
    std::thread server([&] { sres = cli::run_server(*s, so, {(root_ / "dst").string()}, true); });
    cli::SessionResult cres = cli::run_client(*c, o, true, {(root_ / "src").string() + "/"},
                                              (root_ / "dst").string(), true);
    c->close_write();
    server.join();
    EXPECT_EQ(sres.exit_code, 0);
    return cres;
  }

  fs::path root_;
};

TEST_P(LocalSessionTest, CopiesATreeWithAttributes) {
  Options o;
  o.recursive = o.preserve_links = o.preserve_perms = o.preserve_mtimes = true;
  o.protocol = GetParam();
  const cli::SessionResult r = copy(o);
  ASSERT_EQ(r.exit_code, 0) << r.status.to_string();
  EXPECT_EQ(read(root_ / "dst/a.txt"), "hello\n");
  EXPECT_EQ(read(root_ / "dst/sub/b.bin"), std::string(100000, 'b'));
  EXPECT_EQ(fs::read_symlink(root_ / "dst/link"), "a.txt");
  struct stat a {
  }, b{};
  ::stat((root_ / "src/a.txt").c_str(), &a);
  ::stat((root_ / "dst/a.txt").c_str(), &b);
  EXPECT_EQ(a.st_mode, b.st_mode);
  EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
  // Nanoseconds travel from protocol 31 (XMIT_MOD_NSEC).
  EXPECT_EQ(GetParam() >= 31 ? a.st_mtim.tv_nsec : 0, b.st_mtim.tv_nsec);
  // A second run with delta transfer after an edit keeps the file right.
  write(root_ / "src/sub/b.bin", std::string(50000, 'b') + "EDIT" + std::string(50000, 'b'));
  o.whole_file = 0;
  const cli::SessionResult r2 = copy(o);
  ASSERT_EQ(r2.exit_code, 0);
  EXPECT_EQ(read(root_ / "dst/sub/b.bin"), read(root_ / "src/sub/b.bin"));
}

// A large whole file goes over the local bridge (the receiver copies from
// the sender's descriptor); small files, compression and a delta transfer
// go through the pipe. The trees come out the same either way.
TEST_P(LocalSessionTest, LargeWholeFilesGoOverTheBridge) {
  std::string big(LocalBridge::kMinSize * 4 + 3, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 11);
  write(root_ / "src/big.bin", big);
  write(root_ / "src/edge.bin", big.substr(0, LocalBridge::kMinSize));
  write(root_ / "src/under.bin", big.substr(0, LocalBridge::kMinSize - 1));
  Options o;
  o.recursive = o.preserve_perms = o.preserve_mtimes = o.preserve_links = true;
  o.protocol = GetParam();
  o.local_bridge = std::make_shared<LocalBridge>();
  cli::SessionResult r = copy(o);
  ASSERT_EQ(r.exit_code, 0) << r.status.to_string();
  EXPECT_EQ(o.local_bridge->handed_over(), 2);  // big.bin and edge.bin
  EXPECT_EQ(read(root_ / "dst/big.bin"), big);
  EXPECT_EQ(read(root_ / "dst/edge.bin"), big.substr(0, LocalBridge::kMinSize));
  EXPECT_EQ(read(root_ / "dst/under.bin"), big.substr(0, LocalBridge::kMinSize - 1));

  // A changed file with a basis goes as a delta, through the pipe.
  big[12345] ^= 1;
  write(root_ / "src/big.bin", big);
  const timespec later[2] = {{2000000000, 0}, {2000000000, 0}};
  ::utimensat(AT_FDCWD, (root_ / "src/big.bin").c_str(), later, 0);
  o.whole_file = 0;
  o.local_bridge = std::make_shared<LocalBridge>();
  r = copy(o);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(o.local_bridge->handed_over(), 0);
  EXPECT_EQ(read(root_ / "dst/big.bin"), big);

  // Compressed: through the pipe.
  fs::remove_all(root_ / "dst");
  o.compress = true;
  o.local_bridge = std::make_shared<LocalBridge>();
  r = copy(o);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(o.local_bridge->handed_over(), 0);
  EXPECT_EQ(read(root_ / "dst/big.bin"), big);
}

// The source shrinks after the sender handed it over: the receiver pads
// the copy, takes it as failed, the redo sends the file as it now is, and
// the session ends with exit 23 (upstream: "read errors mapping").
TEST_P(LocalSessionTest, ABridgedFileThatShrinksIsSentAgain) {
  std::string big(LocalBridge::kMinSize * 2, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 11);
  write(root_ / "src/big.bin", big);
  Options o;
  o.recursive = o.preserve_perms = o.preserve_mtimes = true;
  o.protocol = GetParam();
  o.local_bridge = std::make_shared<LocalBridge>();
  int shrunk = 0;
  const fs::path src = root_ / "src/big.bin";
  o.local_bridge->set_after_post([&](int32_t) {
    if (shrunk++ == 0) ::truncate(src.c_str(), 1000);
  });
  const cli::SessionResult r = copy(o);
  EXPECT_EQ(r.exit_code, 23);
  EXPECT_EQ(shrunk, 1);  // the redo (1000 bytes) goes through the pipe
  EXPECT_EQ(read(root_ / "dst/big.bin"), big.substr(0, 1000));
}

TEST(FormatShowsChecksumTest, FindsTheEscape) {
  EXPECT_TRUE(format_shows_checksum("%C"));
  EXPECT_TRUE(format_shows_checksum("%n %-32C"));
  EXPECT_TRUE(format_shows_checksum("%'10C"));
  EXPECT_FALSE(format_shows_checksum("%%C"));
  EXPECT_FALSE(format_shows_checksum("%i %n%L"));
  EXPECT_FALSE(format_shows_checksum(""));
}

INSTANTIATE_TEST_SUITE_P(Protocols, LocalSessionTest, ::testing::Values(28, 29, 30, 31, 32));

}  // namespace
}  // namespace crsync::session
