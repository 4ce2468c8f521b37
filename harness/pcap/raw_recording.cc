#include "pcap/raw_recording.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace crsync::pcap {

std::vector<std::string> server_args_of(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i)
    if (argv[i] == "--server")
      return std::vector<std::string>(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  return {};
}

bool is_raw_recording(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  return ::stat((path + "/" + kRawCommandFile).c_str(), &st) == 0;
}

Status load_raw_recording(const std::string& dir, RawRecording* out) {
  std::ifstream cf(dir + "/" + kRawCommandFile);
  if (!cf) return Status::Protocol("no " + std::string(kRawCommandFile) + " in " + dir);
  std::stringstream text;
  text << cf.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("argv") || !j["argv"].is_array())
    return Status::Protocol(dir + "/" + kRawCommandFile + ": not a remote-shell recording");
  for (const auto& a : j["argv"])
    if (a.is_string()) out->argv.push_back(a.get<std::string>());
  out->server_args = server_args_of(out->argv);
  if (out->server_args.empty())
    return Status::Protocol(dir + ": the recorded command line has no --server");
  if (j.contains("exit_status") && j["exit_status"].is_number_integer())
    out->exit_status = j["exit_status"].get<int>();
  CRSYNC_RETURN_IF_ERROR(StreamBuffer::map_file(dir + "/" + kRawC2SFile, &out->c2s));
  CRSYNC_RETURN_IF_ERROR(StreamBuffer::map_file(dir + "/" + kRawS2CFile, &out->s2c));
  std::ifstream chunks(dir + "/" + kRawChunksFile);
  std::string line;
  while (std::getline(chunks, line)) {
    size_t n = 0;
    char d[4] = {};
    unsigned long long off = 0;
    if (std::sscanf(line.c_str(), "%zu\t%3s\t%llu", &n, d, &off) != 3) continue;
    (std::string(d) == "c2s" ? out->c2s_chunks : out->s2c_chunks).emplace_back(off, n);
  }
  return Status::Ok();
}

}  // namespace crsync::pcap
