#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the golden captures.

    /usr/bin/python3 fuzz/make_seed_corpus.py

Reads captures/golden-3.4.1 (Ethernet/IPv4 pcaps) with the standard library
only and writes small inputs under fuzz/corpus/<fuzzer>/. The result is
committed; rerun after the captures change.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "captures", "golden-3.4.1", "scenarios")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def frames(path):
    data = open(path, "rb").read()
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack("<IIII", data[off:off + 16])
        off += 16
        yield data[off:off + caplen]
        off += caplen


def streams(path):
    """Returns {(sport, dport): bytes} reassembled by sequence number."""
    segs = {}
    for f in frames(path):
        ip = f[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        segs.setdefault((sport, dport), []).append((seq, tcp[13], tcp[doff:]))
    out = {}
    for key, items in segs.items():
        base = next((s + 1 for s, fl, _ in items if fl & 2), items[0][0])
        placed = {}
        for seq, _, payload in items:
            if payload:
                placed.setdefault((seq - base) & 0xFFFFFFFF, payload)
        buf = b""
        for o in sorted(placed):
            if o <= len(buf):
                buf += placed[o][len(buf) - o:]
        out[key] = buf
    return out


def write(fuzzer, name, data):
    d = os.path.join(OUT, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for scen in ["pull-a-p32", "pull-a-p29", "pull-delta-itemize", "pull-hardlinks-specials",
                 "pull-a-p30"]:
        s = streams(os.path.join(GOLDEN, scen, "capture.pcap"))
        # The server->client stream is the longer one.
        s2c = max(s.values(), key=len)
        c2s = min(s.values(), key=len)
        ok = s2c.find(b"@RSYNCD: OK\n")
        binary = s2c[ok + len(b"@RSYNCD: OK\n"):]
        write("mplex_decoder_fuzzer", scen, binary[:4096])
        write("wire_primitives_fuzzer", scen, binary[:512])
        write("ndx_codec_fuzzer", scen, c2s[-256:])
        # The first MSG_DATA payload carries the start of the file list;
        # skip compat flags, lists and seed by finding the first frame tag.
        for i in range(len(binary) - 4):
            if binary[i + 3] == 7 and i < 64:
                ln = binary[i] | binary[i + 1] << 8 | binary[i + 2] << 16
                payload = binary[i + 4:i + 4 + min(ln, 3000)]
                opt = 0x08 | 0x10 | 0x20 | 2 if b"p29" not in scen.encode() else 0x20 | 1
                write("flist_decoder_fuzzer", scen, bytes([opt]) + payload)
                break
        fr = list(frames(os.path.join(GOLDEN, scen, "capture.pcap")))[:12]
        write("pcap_reader_fuzzer", scen,
              b"".join(struct.pack("<H", len(f)) + f for f in fr))
    write("sum_head_fuzzer", "valid", struct.pack("<iiiiii", 16, 700, 2, 0, 32, 1) +
          struct.pack("<i", 11200))
    write("sum_head_fuzzer", "hostile", struct.pack("<iiiiii", 5, 0, 17, 9, 30, 0) +
          struct.pack("<i", -1) + struct.pack("<q", 1 << 40))
    return 0


if __name__ == "__main__":
    sys.exit(main())
