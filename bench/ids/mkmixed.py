#!/usr/bin/python3
# summary: writes a large mixed capture for bench/ids (HTTP, TLS, DNS, SMB, SSH-like flows).
#
# Usage: mkmixed.py OUT.pcap [MEGABYTES]   (default 200)
# Deterministic (seeded).  By bytes: ~50% HTTP (requests with real-looking
# headers, HTML/JS/text responses), ~30% TLS-like random records, ~10%
# SMB-like binary, ~5% SSH-like, plus DNS queries and answers.  Addresses
# are documentation ranges; TCP checksums are not computed (the decoder
# does not verify them).
import random
import struct
import sys

out = sys.argv[1]
target = int(sys.argv[2]) * 1000000 if len(sys.argv) > 2 else 200 * 1000000
rnd = random.Random(7)
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
written = 24
ts = [1700000000.0]
MSS = 1448
WORDS = ("the of and to in is that for it as was with be by on not he this are or his from "
         "at which but have an they you were her she there one all we their can has more "
         "would if will may about out who been up into so some what them time other only new "
         "function var return document window script div class span href http www com login "
         "password user admin index page content type json data value error status").split()
UAS = [b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
       b"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
       b"curl/7.88.1", b"Wget/1.21.3", b"python-requests/2.28.1"]
PATHS = [b"/", b"/index.html", b"/wp-login.php", b"/api/v1/items?id=", b"/static/app.js",
         b"/images/logo.png", b"/search?q=", b"/cgi-bin/status", b"/admin/", b"/news/article-"]


def ipsum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff


def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", ipsum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + l4


def put(fr):
    global written
    ts[0] += 0.00002
    sec = int(ts[0])
    f.write(struct.pack("<IIII", sec, int((ts[0] - sec) * 1e6), len(fr), len(fr)))
    f.write(fr)
    written += 16 + len(fr)


def tcp(sp, dp, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xffffffff, ack & 0xffffffff, 0x50, flags, 65535, 0, 0) + data


def addr(net, host):
    return bytes(net) + bytes([host])


def tcp_flow(cli, srv, sp, dp, reqs):
    """reqs: list of (client bytes, server bytes)"""
    cs, ss = rnd.getrandbits(32), rnd.getrandbits(32)
    put(frame(cli, srv, 6, tcp(sp, dp, cs, 0, 0x02)))
    put(frame(srv, cli, 6, tcp(dp, sp, ss, cs + 1, 0x12)))
    cs += 1
    ss += 1
    put(frame(cli, srv, 6, tcp(sp, dp, cs, ss, 0x10)))
    for c, s in reqs:
        for i in range(0, len(c), MSS):
            d = c[i:i + MSS]
            put(frame(cli, srv, 6, tcp(sp, dp, cs, ss, 0x18, d)))
            cs += len(d)
        for i in range(0, len(s), MSS):
            d = s[i:i + MSS]
            put(frame(srv, cli, 6, tcp(dp, sp, ss, cs, 0x18 if i + MSS >= len(s) else 0x10, d)))
            ss += len(d)
            if (i // MSS) % 2 == 1:
                put(frame(cli, srv, 6, tcp(sp, dp, cs, ss, 0x10)))
    put(frame(cli, srv, 6, tcp(sp, dp, cs, ss, 0x11)))
    put(frame(srv, cli, 6, tcp(dp, sp, ss, cs + 1, 0x11)))
    put(frame(cli, srv, 6, tcp(sp, dp, cs + 1, ss + 1, 0x10)))


def text(n):
    out = []
    size = 0
    while size < n:
        w = rnd.choice(WORDS)
        if rnd.random() < 0.08:
            w = "<%s class=\"%s\">" % (rnd.choice(("div", "p", "span", "a", "li")), rnd.choice(WORDS))
        out.append(w)
        size += len(w) + 1
    return " ".join(out).encode()[:n]


def http():
    path = rnd.choice(PATHS) + str(rnd.randint(1, 99999)).encode()
    req = (b"GET " + path + b" HTTP/1.1\r\nHost: www.example" + str(rnd.randint(1, 50)).encode() +
           b".com\r\nUser-Agent: " + rnd.choice(UAS) + b"\r\nAccept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
           b"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
           b"Cookie: session=" + ("%032x" % rnd.getrandbits(128)).encode() + b"\r\n\r\n")
    body = b"<!DOCTYPE html><html><head><title>" + text(40) + b"</title><script>" + text(300) + \
        b"</script></head><body>" + text(rnd.choice((800, 3000, 12000, 40000))) + b"</body></html>"
    resp = (b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 26 Nov 2023 10:00:00 GMT\r\n"
            b"Content-Type: text/html; charset=UTF-8\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\nConnection: keep-alive\r\n\r\n" + body)
    return req, resp


def dns(cli, srv, sp):
    name = b"".join(bytes([len(w)]) + w.encode() for w in (rnd.choice(WORDS), "example", "com")) + b"\x00"
    q = struct.pack("!HHHHHH", rnd.getrandbits(16), 0x0100, 1, 0, 0, 0) + name + b"\x00\x01\x00\x01"
    a = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04" + bytes(4)
    put(frame(cli, srv, 17, struct.pack("!HHHH", sp, 53, 8 + len(q), 0) + q))
    put(frame(srv, cli, 17, struct.pack("!HHHH", 53, sp, 8 + len(a), 0) + a))


n = 0
while written < target:
    n += 1
    cli = addr((192, 0, 2), rnd.randint(2, 250))
    srv = addr((198, 51, 100) if rnd.random() < 0.5 else (203, 0, 113), rnd.randint(2, 250))
    sp = rnd.randint(32768, 60999)
    r = rnd.random()
    if r < 0.45:
        tcp_flow(cli, srv, sp, rnd.choice((80, 80, 80, 8080)), [http() for _ in range(rnd.randint(1, 3))])
    elif r < 0.70:
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + rnd.randbytes(500)
        tcp_flow(cli, srv, sp, 443, [(hello, b"\x16\x03\x03" + rnd.randbytes(rnd.choice((4000, 20000, 60000))))])
    elif r < 0.80:
        tcp_flow(cli, srv, sp, 445, [(b"\x00\x00\x00\x90\xfeSMB@\x00" + rnd.randbytes(140),
                                      b"\x00\x00\x10\x00\xfeSMB@\x00" + rnd.randbytes(rnd.choice((2000, 16000))))])
    elif r < 0.85:
        tcp_flow(cli, srv, sp, 22, [(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n" + rnd.randbytes(1200),
                                     b"SSH-2.0-OpenSSH_8.4\r\n" + rnd.randbytes(3000))])
    else:
        for _ in range(4):
            dns(cli, srv, rnd.randint(32768, 60999))
f.close()
print("%s: %d sessions, %.1f MB" % (out, n, written / 1e6))
