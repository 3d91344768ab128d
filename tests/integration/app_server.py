#!/usr/bin/python3
# summary: test servers for app_traffic.sh: HTTP/1.1 (files, gzip, chunked, uploads) and a DNS responder.
#
#   app_server.py http PORT DIR     serves DIR's files; /gz/NAME gzip-encoded,
#                                   /chunked/NAME chunked; POST stores nothing, answers "ok"
#   app_server.py dns ADDR          answers every A query with 203.0.113.7 and TXT
#                                   with "v=test", over UDP and TCP port 53
# Bounded: the DNS server exits after 60 s; the HTTP server is killed by the test.
import gzip
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, *args):
        pass

    def _file(self, name):
        path = os.path.join(self.root, os.path.basename(name))
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def do_GET(self):
        p = self.path.split("?")[0]
        if p.startswith("/gz/"):
            data = self._file(p[4:])
            if data is not None:
                body = gzip.compress(data)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        elif p.startswith("/chunked/"):
            data = self._file(p[9:])
            if data is not None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(data), 7):
                    part = data[i:i + 7]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
        else:
            data = self._file(p)
            if data is not None:
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        body = b"not found\n"
        self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().strip().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline()
                    break
                self.rfile.read(n)
                self.rfile.readline()
        else:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def dns_answer(q):
    if len(q) < 17:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    p = 12
    while p < len(q) and q[p] != 0:
        p += 1 + q[p]
    qtype, qclass = struct.unpack("!HH", q[p + 1:p + 5])
    question = q[12:p + 5]
    if qtype == 16:
        txt = b"v=test"
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 60, len(txt) + 1) + bytes([len(txt)]) + txt
    else:
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([203, 0, 113, 7])
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + rr


def dns_main(addr):
    end = time.time() + 60
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, 53))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 53))
    t.listen(4)

    def tcp_loop():
        t.settimeout(1)
        while time.time() < end:
            try:
                c, _ = t.accept()
            except socket.timeout:
                continue
            c.settimeout(5)
            try:
                n = struct.unpack("!H", c.recv(2))[0]
                q = b""
                while len(q) < n:
                    q += c.recv(n - len(q))
                a = dns_answer(q)
                if a:
                    c.sendall(struct.pack("!H", len(a)) + a)
            except Exception:
                pass
            c.close()

    threading.Thread(target=tcp_loop, daemon=True).start()
    u.settimeout(1)
    while time.time() < end:
        try:
            q, peer = u.recvfrom(4096)
        except socket.timeout:
            continue
        a = dns_answer(q)
        if a:
            u.sendto(a, peer)


if __name__ == "__main__":
    if sys.argv[1] == "http":
        Handler.root = sys.argv[3]
        ThreadingHTTPServer(("0.0.0.0", int(sys.argv[2])), Handler).serve_forever()
    else:
        dns_main(sys.argv[2])
