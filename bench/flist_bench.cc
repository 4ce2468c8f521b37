// File-list throughput: encoding, decoding and sorting entries as a protocol-32 sender
// and receiver do (varint flags, -a's attributes), over a tree-shaped list.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "flist/flist_decoder.h"
#include "flist/flist_encoder.h"
#include "flist/flist_sort.h"

namespace crsync::flist {
namespace {

FlistOptions bench_options() {
  FlistOptions o;
  o.protocol = 32;
  o.varint_flags = true;
  o.safe_flist = true;
  o.preserve_uid = o.preserve_gid = o.preserve_links = true;
  o.preserve_devices = o.preserve_specials = true;
  return o;
}

// `n` entries: directories of 100 files each, names and sizes varying.
std::vector<FileEntry> tree_entries(size_t n) {
  std::vector<FileEntry> v;
  v.reserve(n + n / 100 + 1);
  char name[64];
  for (size_t i = 0; i < n; ++i) {
    if (i % 100 == 0) {
      FileEntry d;
      std::snprintf(name, sizeof name, "dir%05zu", i / 100);
      d.name = name;
      d.mode = kModeDir | 0755;
      d.mtime = 1700000000 + static_cast<int64_t>(i);
      d.uid = 1000;
      d.gid = 1000;
      v.push_back(d);
    }
    FileEntry e;
    std::snprintf(name, sizeof name, "dir%05zu/file-%07zu.dat", i / 100, i);
    e.name = name;
    e.mode = kModeReg | 0644;
    e.size = static_cast<int64_t>(4096 + (i * 37) % 9000);
    e.mtime = 1700000000 + static_cast<int64_t>(i % 5000);
    e.uid = 1000;
    e.gid = 1000;
    v.push_back(e);
  }
  return v;
}

std::string fixed_user(uint32_t) {
  return "user";
}

Bytes encode(const std::vector<FileEntry>& entries) {
  FlistEncoder enc(bench_options());
  enc.user_name_of = fixed_user;
  enc.group_name_of = fixed_user;
  ByteWriter w;
  for (size_t i = 0; i < entries.size(); ++i)
    enc.put_entry(w, entries[i], EntryRole{}, static_cast<int32_t>(i), 0);
  enc.put_end(w, 0, true);
  return w.take();
}

void BM_FlistEncode(benchmark::State& state) {
  const auto entries = tree_entries(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    const Bytes b = encode(entries);
    bytes = b.size();
    benchmark::DoNotOptimize(b.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(entries.size()));
  state.counters["wire_bytes_per_entry"] =
      static_cast<double>(bytes) / static_cast<double>(entries.size());
}
BENCHMARK(BM_FlistEncode)->Arg(10000)->Arg(100000);

void BM_FlistDecode(benchmark::State& state) {
  const auto entries = tree_entries(static_cast<size_t>(state.range(0)));
  const Bytes wire = encode(entries);
  size_t got_count = 0;
  for (auto _ : state) {
    FlistDecoder dec(bench_options());
    std::vector<FileEntry> got;
    got.reserve(entries.size());
    ByteReader r{ByteSpan(wire)};
    FlistDecoder::Item it;
    while (dec.next(r, got, 0, &it).ok() && !it.end) got.push_back(std::move(it.entry));
    got_count = got.size();
    benchmark::DoNotOptimize(got.data());
  }
  if (got_count != entries.size()) state.SkipWithError("decoded entry count differs");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(entries.size()));
}
BENCHMARK(BM_FlistDecode)->Arg(10000)->Arg(100000);

// The receiver's sort (f_name_cmp order) of a list that arrives shuffled.
void BM_FlistSort(benchmark::State& state) {
  auto entries = tree_entries(static_cast<size_t>(state.range(0)));
  for (size_t i = entries.size(); i > 1; --i) std::swap(entries[i - 1], entries[(i * 7919) % i]);
  for (auto _ : state) {
    auto copy = entries;
    sort_file_list(copy, 32);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(entries.size()));
}
BENCHMARK(BM_FlistSort)->Arg(100000);

}  // namespace
}  // namespace crsync::flist
