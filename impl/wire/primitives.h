// The rsync wire primitives (upstream io.c): fixed little-endian ints,
// longint, varint, varlong with a minimum byte count, and vstring. Pure
// codecs over ByteReader/ByteWriter: a decoder that runs out of input returns
// need-more and leaves the reader wherever it stopped (callers rewind with
// ByteReader::seek); a malformed value is a stream error (exit code 12).
// Format: docs/protocol/wire-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace crsync::wire {

// ---- encoders ----
void put_byte(ByteWriter& w, uint8_t v);
void put_int16(ByteWriter& w, uint16_t v);  // write_shortint
void put_int32(ByteWriter& w, int32_t v);   // write_int
// write_longint: int32 when 0 <= v <= 0x7FFFFFFF, else FF FF FF FF + int64.
void put_longint(ByteWriter& w, int64_t v);
// write_varint: lead byte with a unary count of extra bytes, then the low
// bytes little-endian; 1 to 5 bytes.
void put_varint(ByteWriter& w, int32_t v);
// write_varlong: `min_bytes` (1..8) always present, more as needed.
void put_varlong(ByteWriter& w, int64_t v, int min_bytes);
// write_vstring: 1 length byte below 0x80, else 2; payload <= 0x7FFF bytes.
// Returns a protocol error for a longer string (upstream exits 2).
Status put_vstring(ByteWriter& w, std::string_view s);
// Protocol-dependent forms (io.h write_varint30 / write_varlong30).
void put_varint30(ByteWriter& w, int32_t v, int protocol);
void put_varlong30(ByteWriter& w, int64_t v, int min_bytes, int protocol);

// ---- decoders ----
Status get_byte(ByteReader& r, uint8_t* out);
Status get_int16(ByteReader& r, uint16_t* out);
Status get_int32(ByteReader& r, int32_t* out);
Status get_longint(ByteReader& r, int64_t* out);
Status get_varint(ByteReader& r, int32_t* out);
Status get_varlong(ByteReader& r, int min_bytes, int64_t* out);
// Fails (stream error) when the announced length is >= max_len, as
// read_vstring does with its buffer size.
Status get_vstring(ByteReader& r, size_t max_len, std::string* out);
Status get_varint30(ByteReader& r, int protocol, int32_t* out);
Status get_varlong30(ByteReader& r, int min_bytes, int protocol, int64_t* out);

// Encoded sizes, for callers that budget buffers.
size_t varint_size(int32_t v);
size_t varlong_size(int64_t v, int min_bytes);

}  // namespace crsync::wire
