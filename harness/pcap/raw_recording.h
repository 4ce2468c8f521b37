// A remote-shell session recorded as raw byte streams: what `crsync-pcap
// rsh-tee` (rsync's -e program, interposed before the real remote shell)
// writes into a directory, and how the other verbs read it back.
//
//   c2s.bin       the bytes the client wrote to the remote shell
//   s2c.bin       the bytes that came back (the server's stdout)
//   command.json  {"argv": the remote shell's command line,
//                  "server_args": the server's arguments from "--server" on,
//                  "exit_status": the remote shell's exit status}
//   chunks.tsv    one line per read, in the order they passed:
//                 "<n>\t<c2s|s2c>\t<offset>" (the chunk numbers stand in for
//                 a capture's frame numbers)
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "pcap/spool.h"

namespace crsync::pcap {

inline constexpr const char* kRawC2SFile = "c2s.bin";
inline constexpr const char* kRawS2CFile = "s2c.bin";
inline constexpr const char* kRawCommandFile = "command.json";
inline constexpr const char* kRawChunksFile = "chunks.tsv";

struct RawRecording {
  StreamBuffer c2s, s2c;
  std::vector<std::string> argv;         // the remote shell's command line
  std::vector<std::string> server_args;  // from "--server" on
  int exit_status = -1;
  // (stream offset, chunk number) of every chunk, per direction.
  std::vector<std::pair<uint64_t, size_t>> c2s_chunks, s2c_chunks;
};

// The server's arguments in a remote shell's command line ("host rsync
// --server ..." after the shell's own options): from "--server" on; empty
// when there is none.
std::vector<std::string> server_args_of(const std::vector<std::string>& argv);

// A directory holding a command.json.
bool is_raw_recording(const std::string& path);

Status load_raw_recording(const std::string& dir, RawRecording* out);

}  // namespace crsync::pcap
