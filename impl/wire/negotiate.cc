#include "wire/negotiate.h"

#include <algorithm>

namespace crsync::wire {
namespace {

// This build's supported names, in upstream 3.4.1's preference order.
constexpr std::string_view kChecksumNames[] = {"xxh128", "xxh3", "xxh64", "md5",
                                               "md4",    "sha1", "none"};
constexpr std::string_view kCompressNames[] = {"zstd", "lz4", "zlibx", "zlib", "none"};

std::string_view canonical(NameKind kind, std::string_view name) {
  if (kind == NameKind::kChecksum) {
    auto t = checksum::checksum_by_name(name);
    if (!t || *t == checksum::ChecksumType::kSha256 || *t == checksum::ChecksumType::kSha512)
      return {};
    return checksum::checksum_name(*t);
  }
  auto c = compress_by_name(name);
  return c ? compress_name(*c) : std::string_view();
}

}  // namespace

std::string_view compress_name(CompressType t) {
  switch (t) {
    case CompressType::kNone: return "none";
    case CompressType::kZlib: return "zlib";
    case CompressType::kZlibx: return "zlibx";
    case CompressType::kLz4: return "lz4";
    case CompressType::kZstd: return "zstd";
  }
  return "?";
}

std::optional<CompressType> compress_by_name(std::string_view name) {
  if (name == "none") return CompressType::kNone;
  if (name == "zlib") return CompressType::kZlib;
  if (name == "zlibx") return CompressType::kZlibx;
  if (name == "lz4") return CompressType::kLz4;
  if (name == "zstd") return CompressType::kZstd;
  return std::nullopt;
}

std::vector<std::string_view> split_names(std::string_view list) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
    size_t j = i;
    while (j < list.size() && list[j] != ' ' && list[j] != '\t') ++j;
    if (j > i) out.push_back(list.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string default_name_list(NameKind kind, bool am_server) {
  std::string out;
  const auto add = [&](std::string_view n) {
    if (n == "none" && !am_server) return;
    if (!out.empty()) out += ' ';
    out += n;
  };
  if (kind == NameKind::kChecksum)
    for (auto n : kChecksumNames) add(n);
  else
    for (auto n : kCompressNames) add(n);
  return out;
}

std::string clean_name_list(NameKind kind, std::string_view user_list) {
  std::string out;
  std::vector<std::string_view> seen;
  bool saw_token = false;
  for (auto tok : split_names(user_list)) {
    saw_token = true;
    const std::string_view name = canonical(kind, tok);
    if (name.empty() || std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    if (!out.empty()) out += ' ';
    out += name;
  }
  if (saw_token && out.empty()) return "INVALID";
  return out;
}

Result<std::string> negotiate_names(NameKind kind, std::string_view client_list,
                                    std::string_view server_list) {
  const auto server = split_names(server_list);
  for (auto c : split_names(client_list)) {
    const std::string_view name = canonical(kind, c);
    if (name.empty()) continue;
    for (auto s : server)
      if (canonical(kind, s) == name) return std::string(name);
  }
  return Status::Error(ExitCode::kUnsupported,
                       std::string("Failed to negotiate a ") +
                           (kind == NameKind::kChecksum ? "checksum" : "compress") + " choice.");
}

checksum::ChecksumType implied_checksum(int protocol) {
  return protocol >= 30 ? checksum::ChecksumType::kMd5 : checksum::implied_md4(protocol);
}

}  // namespace crsync::wire
