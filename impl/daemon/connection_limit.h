// "max connections" with its "lock file" (upstream connection.c): slot i
// is a write lock on bytes [4i, 4i+4) of the lock file, held by the
// process serving the connection until it exits, so the count holds
// across processes and survives a crashed one.
#pragma once

#include <string>

namespace crsync::daemon {

enum class ClaimResult { kClaimed, kFull, kLockFileError };

// With max <= 0 there is no limit. On kClaimed the descriptor stays open
// for the life of the process.
ClaimResult claim_connection(const std::string& lock_file, int max);

}  // namespace crsync::daemon
