// The crsync-pcap verbs. Each takes the arguments after the verb and returns
// the process exit status (0 fine, 1 a difference or divergence, 2 unusable
// input or usage).
#pragma once

#include <string>
#include <vector>

namespace crsync::pcap::tool {

using Args = std::vector<std::string>;

int run_streams(const Args& args);
int run_show(const Args& args);
int run_diff(const Args& args);
int run_replay(const Args& args);
int run_capture(const Args& args);
int run_rsh_tee(const Args& args);
int run_record_rsh(const Args& args);

// Option helpers: "--name value" or "--name=value".
bool take_flag(Args& args, const std::string& name);
bool take_value(Args& args, const std::string& name, std::string* value);

inline constexpr int kExitSame = 0;
inline constexpr int kExitDiffer = 1;
inline constexpr int kExitUnusable = 2;

}  // namespace crsync::pcap::tool
