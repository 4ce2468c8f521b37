// Wire codec throughput: varint/varlong, ndx and multiplex framing.
#include <benchmark/benchmark.h>

#include "wire/mplex.h"
#include "wire/ndx_codec.h"
#include "wire/primitives.h"

namespace crsync::wire {
namespace {

void BM_VarlongRoundTrip(benchmark::State& state) {
  ByteWriter w;
  for (int64_t i = 0; i < 10000; ++i) put_varlong(w, 1700000000 + i * 61, 4);
  const Bytes b = w.take();
  for (auto _ : state) {
    ByteReader r{ByteSpan(b)};
    int64_t v = 0, sum = 0;
    while (get_varlong(r, 4, &v).ok()) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 10000);
}
BENCHMARK(BM_VarlongRoundTrip);

void BM_NdxEncodeDecode(benchmark::State& state) {
  for (auto _ : state) {
    NdxEncoder e(32);
    ByteWriter w;
    for (int32_t i = 1; i < 10000; ++i) e.put(w, i * 3);
    NdxDecoder d(32);
    ByteReader r{ByteSpan(w.bytes())};
    int32_t v = 0;
    while (d.get(r, &v).ok()) benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 10000);
}
BENCHMARK(BM_NdxEncodeDecode);

void BM_MplexFraming(benchmark::State& state) {
  const Bytes payload(static_cast<size_t>(state.range(0)), 0xAB);
  for (auto _ : state) {
    ByteWriter w;
    for (int i = 0; i < 64; ++i) put_mplex_frame(w, MsgCode::kData, ByteSpan(payload));
    MplexDecoder d({false, false, false}, 32);
    ByteReader r{ByteSpan(w.bytes())};
    MplexDecoder::Frame f;
    while (d.next(r, &f).ok()) benchmark::DoNotOptimize(f.payload.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 64 * state.range(0));
}
BENCHMARK(BM_MplexFraming)->Arg(4096)->Arg(32768);

}  // namespace
}  // namespace crsync::wire
