// Every wire constant of the rsync protocol, defined once, with upstream's
// name beside it. The human description is docs/protocol/wire-format.md.
// Values were read from upstream rsync 3.4.1 (rsync.h, compat.c, io.c).
#pragma once

#include <cstdint>

namespace crsync::wire {

// ---- Protocol versions ----------------------------------------------------
inline constexpr int kProtocolVersion = 32;    // PROTOCOL_VERSION
inline constexpr int kSubprotocolVersion = 0;  // SUBPROTOCOL_VERSION
inline constexpr int kMinProtocolVersion =
    28;  // crsync's floor (upstream's MIN_PROTOCOL_VERSION is 20)
inline constexpr int kUpstreamMinProtocol = 20;  // MIN_PROTOCOL_VERSION
inline constexpr int kMaxProtocolVersion = 40;   // MAX_PROTOCOL_VERSION

// ---- Sizes ----------------------------------------------------------------
inline constexpr int32_t kBlockSize = 700;                     // BLOCK_SIZE
inline constexpr int32_t kMaxBlockSize = int32_t{1} << 17;     // MAX_BLOCK_SIZE (protocol >= 30)
inline constexpr int32_t kOldMaxBlockSize = int32_t{1} << 29;  // OLD_MAX_BLOCK_SIZE (< 30)
inline constexpr int kSumLength = 16;                          // SUM_LENGTH
inline constexpr int kShortSumLength = 2;                      // SHORT_SUM_LENGTH
inline constexpr int kBlocksumBias = 10;                       // BLOCKSUM_BIAS
inline constexpr int kMaxDigestLen = 64;                       // MAX_DIGEST_LEN (sha512)
inline constexpr int kCsumChunk = 64;                          // CSUM_CHUNK
inline constexpr int kMaxPathLen = 1024;                       // MAXPATHLEN
// Under incremental recursion with -H, the generator waits until this
// many files, halved, lie in received lists before generating (upstream
// MIN_FILECNT_LOOKAHEAD), so hard-link groups see their later members.
inline constexpr int kMinFilecntLookahead = 1000;
inline constexpr int kBigPathBufLen = 4096 + 1024;  // BIGPATHBUFLEN (Linux PATH_MAX 4096)
inline constexpr int kChunkSize = 32 * 1024;        // CHUNK_SIZE
inline constexpr int kMaxMapSize = 256 * 1024;      // MAX_MAP_SIZE
inline constexpr int kMaxNstrStrlen = 256;          // MAX_NSTR_STRLEN
inline constexpr int kMaxVstringLen = 0x7FFF;       // write_vstring's limit

// ---- Multiplexing (io.c) --------------------------------------------------
inline constexpr int kMplexBase = 7;                    // MPLEX_BASE
inline constexpr uint32_t kMaxMplexPayload = 0xFFFFFF;  // 24-bit length field

// enum msgcode (rsync.h). Header code on the wire = kMplexBase + value.
enum class MsgCode : uint8_t {
  kData = 0,         // MSG_DATA
  kErrorXfer = 1,    // MSG_ERROR_XFER (FERROR_XFER)
  kInfo = 2,         // MSG_INFO (FINFO)
  kError = 3,        // MSG_ERROR (FERROR)
  kWarning = 4,      // MSG_WARNING (FWARNING)
  kErrorSocket = 5,  // MSG_ERROR_SOCKET (FERROR_SOCKET)
  kLog = 6,          // MSG_LOG (FLOG)
  kClient = 7,       // MSG_CLIENT (FCLIENT)
  kErrorUtf8 = 8,    // MSG_ERROR_UTF8 (FERROR_UTF8)
  kRedo = 9,         // MSG_REDO
  kStats = 10,       // MSG_STATS
  kIoError = 22,     // MSG_IO_ERROR
  kIoTimeout = 33,   // MSG_IO_TIMEOUT
  kNoop = 42,        // MSG_NOOP
  kErrorExit = 86,   // MSG_ERROR_EXIT
  kSuccess = 100,    // MSG_SUCCESS
  kDeleted = 101,    // MSG_DELETED
  kNoSend = 102,     // MSG_NO_SEND
};

// ---- File-list index (io.c write_ndx/read_ndx) -----------------------------
inline constexpr int32_t kNdxDone = -1;           // NDX_DONE
inline constexpr int32_t kNdxFlistEof = -2;       // NDX_FLIST_EOF
inline constexpr int32_t kNdxDelStats = -3;       // NDX_DEL_STATS
inline constexpr int32_t kNdxFlistOffset = -101;  // NDX_FLIST_OFFSET

// ---- Compat flags (compat.c), sent server->client from protocol 30 ---------
inline constexpr uint32_t kCfIncRecurse = 1u << 0;         // CF_INC_RECURSE
inline constexpr uint32_t kCfSymlinkTimes = 1u << 1;       // CF_SYMLINK_TIMES
inline constexpr uint32_t kCfSymlinkIconv = 1u << 2;       // CF_SYMLINK_ICONV
inline constexpr uint32_t kCfSafeFlist = 1u << 3;          // CF_SAFE_FLIST
inline constexpr uint32_t kCfAvoidXattrOptim = 1u << 4;    // CF_AVOID_XATTR_OPTIM
inline constexpr uint32_t kCfChksumSeedFix = 1u << 5;      // CF_CHKSUM_SEED_FIX
inline constexpr uint32_t kCfInplacePartialDir = 1u << 6;  // CF_INPLACE_PARTIAL_DIR
inline constexpr uint32_t kCfVarintFlistFlags = 1u << 7;   // CF_VARINT_FLIST_FLAGS
inline constexpr uint32_t kCfId0Names = 1u << 8;           // CF_ID0_NAMES

// ---- File-list entry flags (rsync.h XMIT_*) --------------------------------
inline constexpr uint32_t kXmitTopDir = 1u << 0;             // XMIT_TOP_DIR
inline constexpr uint32_t kXmitSameMode = 1u << 1;           // XMIT_SAME_MODE
inline constexpr uint32_t kXmitExtendedFlags = 1u << 2;      // XMIT_EXTENDED_FLAGS (28+)
inline constexpr uint32_t kXmitSameUid = 1u << 3;            // XMIT_SAME_UID
inline constexpr uint32_t kXmitSameGid = 1u << 4;            // XMIT_SAME_GID
inline constexpr uint32_t kXmitSameName = 1u << 5;           // XMIT_SAME_NAME
inline constexpr uint32_t kXmitLongName = 1u << 6;           // XMIT_LONG_NAME
inline constexpr uint32_t kXmitSameTime = 1u << 7;           // XMIT_SAME_TIME
inline constexpr uint32_t kXmitSameRdevMajor = 1u << 8;      // XMIT_SAME_RDEV_MAJOR (devices)
inline constexpr uint32_t kXmitNoContentDir = 1u << 8;       // XMIT_NO_CONTENT_DIR (dirs, 30+)
inline constexpr uint32_t kXmitHlinked = 1u << 9;            // XMIT_HLINKED
inline constexpr uint32_t kXmitSameDevPre30 = 1u << 10;      // XMIT_SAME_DEV_pre30
inline constexpr uint32_t kXmitUserNameFollows = 1u << 10;   // XMIT_USER_NAME_FOLLOWS (30+)
inline constexpr uint32_t kXmitRdevMinor8Pre30 = 1u << 11;   // XMIT_RDEV_MINOR_8_pre30
inline constexpr uint32_t kXmitGroupNameFollows = 1u << 11;  // XMIT_GROUP_NAME_FOLLOWS (30+)
inline constexpr uint32_t kXmitHlinkFirst = 1u << 12;        // XMIT_HLINK_FIRST (30+)
inline constexpr uint32_t kXmitIoErrorEndlist = 1u << 12;    // XMIT_IO_ERROR_ENDLIST
inline constexpr uint32_t kXmitModNsec = 1u << 13;           // XMIT_MOD_NSEC (31+)
inline constexpr uint32_t kXmitSameAtime = 1u << 14;         // XMIT_SAME_ATIME
inline constexpr uint32_t kXmitCrtimeEqMtime = 1u << 17;     // XMIT_CRTIME_EQ_MTIME

// ---- Itemize flags (rsync.h ITEM_*), the shortint iflags from 29 -----------
inline constexpr uint32_t kItemReportAtime = 1u << 0;        // ITEM_REPORT_ATIME
inline constexpr uint32_t kItemReportChange = 1u << 1;       // ITEM_REPORT_CHANGE
inline constexpr uint32_t kItemReportSize = 1u << 2;         // ITEM_REPORT_SIZE
inline constexpr uint32_t kItemReportTimefail = 1u << 2;     // ITEM_REPORT_TIMEFAIL (symlinks)
inline constexpr uint32_t kItemReportTime = 1u << 3;         // ITEM_REPORT_TIME
inline constexpr uint32_t kItemReportPerms = 1u << 4;        // ITEM_REPORT_PERMS
inline constexpr uint32_t kItemReportOwner = 1u << 5;        // ITEM_REPORT_OWNER
inline constexpr uint32_t kItemReportGroup = 1u << 6;        // ITEM_REPORT_GROUP
inline constexpr uint32_t kItemReportAcl = 1u << 7;          // ITEM_REPORT_ACL
inline constexpr uint32_t kItemReportXattr = 1u << 8;        // ITEM_REPORT_XATTR
inline constexpr uint32_t kItemReportCrtime = 1u << 10;      // ITEM_REPORT_CRTIME
inline constexpr uint32_t kItemBasisTypeFollows = 1u << 11;  // ITEM_BASIS_TYPE_FOLLOWS
inline constexpr uint32_t kItemXnameFollows = 1u << 12;      // ITEM_XNAME_FOLLOWS
inline constexpr uint32_t kItemIsNew = 1u << 13;             // ITEM_IS_NEW
inline constexpr uint32_t kItemLocalChange = 1u << 14;       // ITEM_LOCAL_CHANGE
inline constexpr uint32_t kItemTransfer = 1u << 15;          // ITEM_TRANSFER
// Internal only (never on the wire; log_formatted/itemize use them).
inline constexpr uint32_t kItemMissingData = 1u << 16;  // ITEM_MISSING_DATA
inline constexpr uint32_t kItemDeleted = 1u << 17;      // ITEM_DELETED
inline constexpr uint32_t kItemMatched = 1u << 18;      // ITEM_MATCHED

// ---- Basis file selection (rsync.h FNAMECMP_*) -----------------------------
inline constexpr uint8_t kFnamecmpBasisDirLow = 0x00;   // FNAMECMP_BASIS_DIR_LOW
inline constexpr uint8_t kFnamecmpBasisDirHigh = 0x7F;  // FNAMECMP_BASIS_DIR_HIGH
inline constexpr uint8_t kFnamecmpFname = 0x80;         // FNAMECMP_FNAME
inline constexpr uint8_t kFnamecmpPartialDir = 0x81;    // FNAMECMP_PARTIAL_DIR
inline constexpr uint8_t kFnamecmpBackup = 0x82;        // FNAMECMP_BACKUP
inline constexpr uint8_t kFnamecmpFuzzy = 0x83;         // FNAMECMP_FUZZY

// ---- io_error bits (rsync.h IOERR_*) ---------------------------------------
inline constexpr uint32_t kIoerrGeneral = 1u << 0;   // IOERR_GENERAL
inline constexpr uint32_t kIoerrVanished = 1u << 1;  // IOERR_VANISHED
inline constexpr uint32_t kIoerrDelLimit = 1u << 2;  // IOERR_DEL_LIMIT
inline constexpr uint32_t kIoerrMask = kIoerrGeneral | kIoerrVanished | kIoerrDelLimit;

// ---- Compressed token stream (token.c) ------------------------------------
inline constexpr uint8_t kTokEndFlag = 0x00;       // END_FLAG
inline constexpr uint8_t kTokTokenLong = 0x20;     // TOKEN_LONG
inline constexpr uint8_t kTokTokenrunLong = 0x21;  // TOKENRUN_LONG
inline constexpr uint8_t kTokDeflatedData = 0x40;  // DEFLATED_DATA
inline constexpr uint8_t kTokTokenRel = 0x80;      // TOKEN_REL
inline constexpr uint8_t kTokTokenrunRel = 0xC0;   // TOKENRUN_REL
inline constexpr int kTokMaxDataCount = 16383;     // MAX_DATA_COUNT

// ---- Daemon text protocol (clientserver.c) ---------------------------------
inline constexpr const char* kDaemonGreetingPrefix = "@RSYNCD: ";
inline constexpr const char* kDaemonOk = "@RSYNCD: OK";
inline constexpr const char* kDaemonExit = "@RSYNCD: EXIT";
inline constexpr const char* kDaemonAuthReqd = "@RSYNCD: AUTHREQD ";
inline constexpr const char* kDaemonError = "@ERROR";
inline constexpr const char* kDaemonEarlyInput = "#early_input=";  // EARLY_INPUT_CMD
inline constexpr const char* kDaemonListCmd = "#list";
inline constexpr const char* kSymlinkPrefix = "/rsyncd-munged/";  // SYMLINK_PREFIX

}  // namespace crsync::wire
