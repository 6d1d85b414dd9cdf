#!/usr/bin/env python3
"""tests/fuzz/gen_pbwalk.py: the seeds of fuzz_pbwalk (corpus/pbwalk/).

Run by hand from the source tree: python3 tests/fuzz/gen_pbwalk.py
Each seed is one byte choosing the message type (0 ld.Frame, 1
ld.ApiRequest, 2 ld.EntryHeader, 3 ld.MonitorReadings, 4 ld.ApiView), then
the message, written field by field here (no protobuf library needed)."""
import os

FRAME, REQUEST, HEADER, READINGS, VIEW = range(5)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return varint(field << 3 | wt)


def vint(field, v):
    return key(field, 0) + varint(v)


def ld(field, b):
    return key(field, 2) + varint(len(b)) + b


def s(field, text):
    return ld(field, text.encode())


def head(feed, seq):
    return s(1, feed) + vint(2, seq) + ld(3, bytes(range(32)))


def hello(heads, reply=True):
    return ld(1, s(1, "county-a") + b"".join(ld(2, h) for h in heads) + vint(3, 1) +
              vint(4, int(reply)))


seeds = {
    "frame-hello": (FRAME, hello([head("province", 12), head("county-a", 3)])),
    "frame-hello-empty-heads": (FRAME, hello([b""] * 3000)),
    "frame-have": (FRAME, ld(2, ld(1, head("county-b", 9)))),
    "frame-pull": (FRAME, ld(3, s(1, "county-a") + vint(2, 1) + vint(3, 64))),
    "frame-entries": (FRAME, ld(4, s(1, "county-a") + vint(2, 1) +
                                b"".join(ld(3, bytes(200)) for _ in range(20)) + vint(4, 1))),
    "frame-entries-empty": (FRAME, ld(4, s(1, "county-a") + ld(3, b"") * 1500)),
    "frame-ping": (FRAME, vint(7, 1)),
    "frame-hello-twice": (FRAME, hello([head("a", 1)]) + hello([head("b", 2)])),
    "frame-unknown-fields": (FRAME, vint(99, 1) * 200 + ld(100, b"x" * 40)),
    "frame-blob-offer": (FRAME, ld(10, vint(1, 7) + ld(2, bytes(300)) + ld(6, bytes(64)))),
    "frame-case-entries": (FRAME, ld(15, s(1, "case-1") + ld(2, bytes(100)) * 5)),
    "request-status": (REQUEST, vint(1, 3)),
    "request-append": (REQUEST, vint(1, 1) + ld(2, vint(1, 100) + s(2, "province") +
                                               ld(4, b"payload bytes"))),
    "request-append-many-empty": (REQUEST, vint(1, 1) + ld(2, b"") * 4000),
    "request-search": (REQUEST, vint(1, 13) + ld(20, s(1, "river") + vint(9, 20))),
    "header": (HEADER, vint(1, 1) + s(2, "county-a") + vint(3, 2) + ld(4, bytes(32)) +
               vint(5, 1700000000000) + vint(6, 1) + s(7, "province") + ld(9, bytes(32))),
    "header-audience-65": (HEADER, vint(1, 1) + s(7, "a") * 65),
    "header-audience-empty": (HEADER, ld(7, b"") * 1500),
    "readings-packed": (READINGS, s(1, "st-1") + vint(2, 1700000000000) +
                        ld(3, s(1, "COD") + ld(3, b"".join(varint(60 * i) for i in range(60))) +
                           ld(4, bytes(8 * 60)))),
    "readings-unpacked": (READINGS, ld(3, b"".join(key(4, 1) + bytes(8) for _ in range(100)))),
    "view-packed": (VIEW, ld(10, b"\x01" * 500)),
    "malformed-cut-length": (FRAME, b"\x0a\x7f\x0a"),
    "malformed-group": (FRAME, b"\x0b\x0c"),
    "malformed-tag-zero": (FRAME, b"\x00\x01"),
    "malformed-wire-type": (FRAME, vint(1, 5)),
    "malformed-packed-fixed": (READINGS, ld(3, ld(4, bytes(7)))),
    "malformed-packed-varint": (READINGS, ld(3, ld(3, b"\x01\x81"))),
    "malformed-nested": (FRAME, ld(1, ld(2, b"\x0a\x05ab"))),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "pbwalk")
os.makedirs(out, exist_ok=True)
for name, (t, body) in seeds.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(bytes([t]) + body)
