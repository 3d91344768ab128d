#!/usr/bin/env bash
# summary: record a sample capture of real traffic between two namespaces.
#
#   scripts/make-sample-capture.sh OUT.pcap [--quick]
#
# Two namespaces on one veth link: a client 192.0.2.10 and a server
# 192.0.2.20 (documentation range, no route out).  tcpdump on the client's
# interface records: ping, curl against python's http.server, DNS queries
# (busybox nslookup) against a tiny responder, an nc bulk transfer, an ssh
# login running one command, an nmap SYN scan of 1000 ports and a short
# nmap UDP scan.  --quick leaves out ssh and the UDP scan.  Needs root;
# exits 77 when it cannot run.  Everything is torn down on exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: make-sample-capture.sh OUT.pcap [--quick]}
quick=${2:-}
py=/usr/bin/python3
. "$top/tests/lib/netns.sh"
netns_require tcpdump curl nmap nc busybox "$py"
netns_init h3s
tmp=$(netns_tmpdir)
C=192.0.2.10 S=192.0.2.20

netns_add cli && netns_add srv &&
netns_link cli eth0 $C/24 srv eth0 $S/24 || exit 1
netns_no_offload cli eth0; netns_no_offload srv eth0

# --- services on the server ---------------------------------------------
mkdir -p "$tmp/www"
echo "<html><body>apiary sample</body></html>" >"$tmp/www/index.html"
head -c 300000 /dev/urandom >"$tmp/www/big.bin"
netns_bg srv "$py" -m http.server 80 --bind $S --directory "$tmp/www" >/dev/null 2>&1

cat >"$tmp/dns.py" <<'PY'
# A tiny DNS responder: every A question gets 192.0.2.53, others no answer.
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 17:
        continue
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    qd = q[12:end + 5]
    qtype = struct.unpack("!H", q[end + 1:end + 3])[0] if end + 3 <= len(q) else 0
    an = b""
    if qtype == 1:
        an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([192, 0, 2, 53])
    hdr = q[:2] + b"\x81\x80" + struct.pack("!HHHH", 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + qd + an, peer)
PY
netns_bg srv "$py" "$tmp/dns.py" $S
netns_bg srv nc -lk 9000 >/dev/null 2>&1 </dev/null   # bulk sink (openbsd nc)

have_ssh=0
if [ "$quick" != --quick ] && command -v sshd >/dev/null && command -v ssh >/dev/null; then
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$tmp/userkey" &&
  cp "$tmp/userkey.pub" "$tmp/authorized_keys" && chmod 600 "$tmp/authorized_keys" &&
  mkdir -p /run/sshd && have_ssh=1
  if [ $have_ssh = 1 ]; then
    netns_bg srv /usr/sbin/sshd -D -e -f /dev/null -h "$tmp/hostkey" -p 22 \
      -o ListenAddress=$S -o StrictModes=no -o PasswordAuthentication=no \
      -o AuthorizedKeysFile="$tmp/authorized_keys" -o PidFile=none -o UsePAM=no \
      -o PermitRootLogin=prohibit-password 2>"$tmp/sshd.log"
  fi
fi
netns_wait_tcp srv 80 && netns_wait_tcp srv 9000 && netns_wait_udp srv 53 || exit 1
[ $have_ssh = 1 ] && { netns_wait_tcp srv 22 || have_ssh=0; }

# --- traffic, recorded on the client ------------------------------------
netns_capture_start cli eth0 "$out" || exit 1
netns_exec cli busybox ping -c 4 -W 1 $S >/dev/null
for path in / /index.html /big.bin /missing; do
  netns_exec cli curl -s -m 5 -o /dev/null "http://$S$path"
done
for name in www.example.org mail.example.org; do
  netns_exec cli busybox nslookup $name $S >/dev/null 2>&1
done
netns_exec cli bash -c "head -c 1000000 /dev/urandom | timeout 10 nc -N $S 9000"
if [ $have_ssh = 1 ]; then
  netns_exec cli timeout 15 ssh -q -i "$tmp/userkey" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o BatchMode=yes root@$S 'echo hello from ssh' >/dev/null ||
    echo "make-sample-capture: ssh login failed (see $tmp/sshd.log); continuing" >&2
fi
netns_exec cli nmap -n -Pn -sS -p 1-1000 -T4 --max-rate 4000 --max-retries 1 --host-timeout 30s $S >/dev/null
if [ "$quick" != --quick ]; then
  netns_exec cli nmap -n -Pn -sU -p 1-40 -T4 --max-rate 2000 --max-retries 0 --host-timeout 30s $S >/dev/null
fi
netns_capture_stop
[ -s "$out" ] || { echo "make-sample-capture: no capture written" >&2; exit 1; }
echo "make-sample-capture: wrote $out ($(stat -c %s "$out") bytes)" >&2
