// Two kinds of assertion, kept apart on purpose:
//
//  * CRSYNC_PEER_CHECK: the peer sent something we must refuse. Hostile or
//    broken input is normal for a network program, so this is not a crash:
//    the enclosing function returns an error Status with the exit code rsync
//    would use (2 = protocol, 12 = stream). Use it on every length, count and
//    index that arrives from the wire, before the value is used.
//
//  * CRSYNC_ASSERT: our own invariant. If it fails, crsync has a bug; it
//    prints where and aborts, in every build type.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "base/status.h"

#define CRSYNC_PEER_CHECK(cond, code, message)                      \
  do {                                                              \
    if (!(cond)) return ::crsync::Status::Error((code), (message)); \
  } while (0)

#define CRSYNC_ASSERT(cond)                                                                     \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "crsync: internal error: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)
