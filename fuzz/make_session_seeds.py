#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_ws_session and fuzz_http_session (fuzz/corpus/*_session/).

Run once when the input format changes; the fuzzer's own finds are added beside them. The
formats are described at the top of each target."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = b"\x11\x22\x33\x44"


def frame(opcode, payload, fin=True, masked=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n <= 0xFFFF:
        head += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([bit | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    return head + MASK + bytes(b ^ MASK[i % 4] for i, b in enumerate(payload))


def chunks(data, size, limit):
    """`data` as chunks of at most `size` bytes, each after its length byte."""
    out = b""
    for i in range(0, len(data), size):
        piece = data[i : i + size]
        assert 1 <= len(piece) <= limit
        out += bytes([len(piece) - 1]) + piece
    return out


def text(s):
    return frame(1, s.encode())


def ws(*parts, size=240):
    out = b""
    for part in parts:
        if part == "deliver":
            out += b"\xf0"
        elif part == "deliver-8":
            out += b"\xf7"
        elif part == "hold":
            out += b"\xf8"
        else:
            out += chunks(part, size, 240)
    return out


USERNAME = text('{"type":"username","name":"ana","capabilities":["resume","heartbeat"]}')
WS_SEEDS = {
    "register": ws(USERNAME),
    "register-1-byte-chunks": ws(USERNAME, size=1),
    "chat": ws(USERNAME, text('{"type":"message","text":"hi","date":1}'), "deliver"),
    "directed": ws(USERNAME, text('{"type":"video-offer","target":"ana","sdp":"v=0"}')),
    "unknown-target": ws(USERNAME, text('{"type":"video-answer","target":"nobody","sdp":"v=0"}')),
    "pong-and-token": ws(USERNAME, text('{"type":"pong","received":1}'), text('{"type":"token","token":"x"}')),
    "fragmented": ws(USERNAME, frame(1, b'{"type":"mess', fin=False), frame(9, b"p"),
                     frame(0, b'age","text":"x"}')),
    "binary": ws(USERNAME, frame(2, b"\x00\x01")),
    "ping": ws(frame(9, b"hello"), USERNAME),
    "close-normal": ws(USERNAME, "deliver", frame(8, b"\x03\xe8bye"), "deliver"),
    "close-5000": ws(frame(8, b"\x13\x88")),
    "oversize": ws(USERNAME, text('{"type":"message","text":"' + "x" * 600 + '"}')),
    "past-discard": ws(text("x" * 3000)),
    "invalid-utf8": ws(USERNAME, frame(1, b"\xff\xfe"), "deliver"),
    "unmasked": ws(frame(1, b"{}", masked=False)),
    "giant-length": ws(bytes([0x81, 0xFF]) + b"\x80" + b"\x00" * 7 + MASK),
    "garbage-json": ws(USERNAME, text("{"), text("[]"), text('{"type":1}'), "deliver"),
    "deliveries": ws(USERNAME) + b"\xf0" * 80 + ws(frame(8, b"\x03\xe8")),
    "deliveries-race-peer-close": ws(USERNAME, "deliver-8", "hold", frame(8, b"\x03\xe8"),
                                     "deliver-8", "deliver-8"),
    "deliveries-race-server-close": ws(USERNAME, "deliver-8", "hold", frame(1, b"\xff"),
                                       "deliver-8", "hold", frame(8, b"\x03\xe8"), "deliver-8"),
}

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
UPGRADE = (b"GET /?room=fuzz HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")


def http(data, size=256):
    return chunks(data, size, 256)


HTTP_SEEDS = {
    "index": http(REQUEST),
    "keep-alive-two": http(REQUEST + b"GET /js/app.js HTTP/1.1\r\nHost: a\r\n\r\n"),
    "head": http(b"HEAD /index.html HTTP/1.1\r\nHost: a\r\n\r\n" + REQUEST),
    "healthz": http(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\n\r\n"),
    "metrics": http(b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
    "missing": http(b"GET /nope/../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"),
    "encoded": http(b"GET /%2e%2e/%00 HTTP/1.1\r\nHost: a\r\n\r\n"),
    "post": http(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"),
    "chunked-and-length": http(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "http10": http(b"GET / HTTP/1.0\r\n\r\n"),
    "bad-line": http(b"GET\r\n\r\n"),
    "huge-header": http(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 9000 + b"\r\n\r\n"),
    "upgrade": http(UPGRADE + text('{"type":"username","name":"bob"}') + frame(8, b"\x03\xe8")),
    "upgrade-1-byte": http(UPGRADE, size=1),
    "upgrade-bad-key": http(UPGRADE.replace(b"dGhlIHNhbXBsZSBub25jZQ==", b"abc")),
    "upgrade-version-8": http(UPGRADE.replace(b"Version: 13", b"Version: 8")),
    "upgrade-bad-room": http(UPGRADE.replace(b"/?room=fuzz", b"/room/%ff")),
    "upgrade-resume": http(UPGRADE.replace(b"/?room=fuzz", b"/?room=fuzz&resume=AAAAAAAAAAAAAAAAAAAAAA&last=3")),
}


def write(directory, seeds):
    path = os.path.join(HERE, "corpus", directory)
    os.makedirs(path, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(path, "seed-" + name), "wb") as f:
            f.write(data)


write("ws_session", WS_SEEDS)
write("http_session", HTTP_SEEDS)
