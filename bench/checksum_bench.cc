// Checksum throughput: the rolling sum per byte and per roll, and each
// strong sum over rsync-sized blocks.
#include <benchmark/benchmark.h>

#include <random>

#include "checksum/hasher.h"
#include "checksum/rolling.h"
#include "checksum/strong_sum.h"

namespace crsync::checksum {
namespace {

Bytes random_bytes(size_t n) {
  std::mt19937_64 rng(42);
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

void BM_RollingCompute(benchmark::State& state) {
  const Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(RollingSum::compute(ByteSpan(data)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RollingCompute)->Arg(700)->Arg(16384);

// The portable variant (what a CPU without AVX2 runs), for comparison.
void BM_RollingComputePortable(benchmark::State& state) {
  const Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(
        crsync::checksum::detail::window_sums_portable(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RollingComputePortable)->Arg(16384);

void BM_RollingRoll(benchmark::State& state) {
  const size_t k = 700;
  const Bytes data = random_bytes(1 << 20);
  for (auto _ : state) {
    RollingSum r(ByteSpan(data.data(), k));
    for (size_t i = 0; i + k < data.size(); ++i) r.roll(data[i], data[i + k]);
    benchmark::DoNotOptimize(r.value());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size() - k));
}
BENCHMARK(BM_RollingRoll);

void BM_BlockSum2(benchmark::State& state) {
  const auto type = static_cast<ChecksumType>(state.range(0));
  const Bytes data = random_bytes(static_cast<size_t>(state.range(1)));
  BlockSummer s(type, 32761, true);
  uint8_t out[64];
  for (auto _ : state) {
    s.sum2(ByteSpan(data), out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(1));
  state.SetLabel(std::string(checksum_name(type)));
}
BENCHMARK(BM_BlockSum2)
    ->ArgsProduct({{static_cast<int>(ChecksumType::kMd4), static_cast<int>(ChecksumType::kMd5),
                    static_cast<int>(ChecksumType::kXxh64),
                    static_cast<int>(ChecksumType::kXxh3_64),
                    static_cast<int>(ChecksumType::kXxh3_128)},
                   {700, 16384}});

void BM_FileSum(benchmark::State& state) {
  const auto type = static_cast<ChecksumType>(state.range(0));
  const Bytes data = random_bytes(1 << 20);
  uint8_t out[64];
  for (auto _ : state) {
    FileSum f(type, 0);
    f.update(ByteSpan(data));
    f.finish(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(data.size()));
  state.SetLabel(std::string(checksum_name(type)));
}
BENCHMARK(BM_FileSum)
    ->DenseRange(static_cast<int>(ChecksumType::kMd4), static_cast<int>(ChecksumType::kMd5))
    ->Arg(static_cast<int>(ChecksumType::kXxh3_128));

}  // namespace
}  // namespace crsync::checksum
