// End-to-end in one process: the client sender and the server receiving
// side over an in-memory pipe, on a real temporary tree, at each protocol.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/session_runner.h"
#include "session/handshake.h"
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

INSTANTIATE_TEST_SUITE_P(Protocols, LocalSessionTest, ::testing::Values(28, 29, 30, 31, 32));

}  // namespace
}  // namespace crsync::session
