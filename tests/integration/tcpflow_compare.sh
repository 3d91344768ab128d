#!/usr/bin/env bash
# summary: `apiary tcpflow` against `tcpflow -r`: same file names and bytes on real and mangled captures.
#
# Real traffic between two namespaces (198.51.100.10 client, .20 server,
# and 2001:db8:6::/64), recorded with tcpdump on the client: curl against
# python's http.server over IPv4 and IPv6, an ssh login, an FTP-like
# exchange with socat (a control connection, a bulk download and a bulk
# upload on separate connections, several at once), and many short
# connections.  Then scapy makes copies with reordered, duplicated and
# lost segments, plus synthetic cases (reused port pairs, RST, midstream
# pickup, sequence wrap, keepalives, late retransmissions).  On each
# capture `apiary tcpflow -o A` and `tcpflow -r -o T` must write the same
# files with the same bytes (diff -r, tcpflow's report.xml and our
# sessions.json aside), also with -b.  sessions.json must describe the
# files; `apiary extract` must write exactly the packets of one flow.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=${APIARY_BIN:-$top/build/asan/bin}/apiary
py=/usr/bin/python3
. "$top/tests/lib/netns.sh"
netns_require tcpflow tcpdump curl socat jq "$py"
"$py" -c 'import scapy' 2>/dev/null || { echo "skip: python3-scapy is not installed" >&2; exit 77; }
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }
netns_init h6t
tmp=$(netns_tmpdir)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
C=198.51.100.10 S=198.51.100.20 C6=2001:db8:6::10 S6=2001:db8:6::20

netns_add cli && netns_add srv &&
netns_link cli eth0 $C/24 srv eth0 $S/24 || exit 1
netns_exec cli ip -6 addr add $C6/64 dev eth0 nodad
netns_exec srv ip -6 addr add $S6/64 dev eth0 nodad
netns_no_offload cli eth0; netns_no_offload srv eth0

# ---- services ---------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/up"
echo "<html><body>apiary tcpflow</body></html>" >"$tmp/www/index.html"
head -c 2000000 /dev/urandom >"$tmp/www/big.bin"
head -c 1500000 /dev/urandom >"$tmp/upload.bin"
netns_bg srv "$py" -m http.server 80 --bind :: --directory "$tmp/www" >/dev/null 2>&1
# FTP-like: a control connection answering commands, a data port serving a
# download and a data port taking an upload.
cat >"$tmp/ctl.sh" <<'EOF'
echo "220 apiary ftp-like ready"
while read -r cmd arg; do
	case $cmd in
	QUIT) echo "221 bye"; exit 0 ;;
	*) echo "200 $cmd ok" ;;
	esac
done
EOF
netns_bg srv socat TCP-LISTEN:2121,bind=$S,reuseaddr,fork EXEC:"bash $tmp/ctl.sh"
netns_bg srv socat TCP-LISTEN:2020,bind=$S,reuseaddr,fork SYSTEM:"cat $tmp/www/big.bin"
netns_bg srv socat -u TCP-LISTEN:2021,bind=$S,reuseaddr,fork CREATE:/dev/null
have_ssh=0
if command -v /usr/sbin/sshd >/dev/null && command -v ssh >/dev/null; then
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$tmp/userkey" &&
	cp "$tmp/userkey.pub" "$tmp/authorized_keys" && chmod 600 "$tmp/authorized_keys" &&
	mkdir -p /run/sshd && have_ssh=1
	[ $have_ssh = 1 ] && netns_bg srv /usr/sbin/sshd -D -e -f /dev/null -h "$tmp/hostkey" -p 22 \
		-o ListenAddress=$S -o StrictModes=no -o PasswordAuthentication=no \
		-o AuthorizedKeysFile="$tmp/authorized_keys" -o PidFile=none -o UsePAM=no \
		-o PermitRootLogin=prohibit-password 2>"$tmp/sshd.log"
fi
for port in 80 2121 2020 2021; do netns_wait_tcp srv $port || exit 1; done
[ $have_ssh = 1 ] && { netns_wait_tcp srv 22 || have_ssh=0; }

# ---- traffic ------------------------------------------------------------------
real=$tmp/real.pcap
netns_capture_start cli eth0 "$real" || exit 1
for path in / /index.html /big.bin /missing; do
	netns_exec cli curl -s -m 5 -o /dev/null "http://$S$path"
	netns_exec cli curl -s -m 5 -o /dev/null "http://[$S6]$path"
done
printf 'USER anonymous\nPASS x\nTYPE I\nRETR big.bin\nSTOR upload.bin\nQUIT\n' |
	netns_exec cli timeout 10 socat -t 2 - TCP:$S:2121 >/dev/null
# (wait only for the clients: a bare `wait` would wait for the servers)
pids=()
for i in 1 2 3; do
	netns_exec cli timeout 10 socat -u TCP:$S:2020 CREATE:/dev/null & pids+=($!)
	netns_exec cli timeout 10 socat -u OPEN:"$tmp/upload.bin" TCP:$S:2021 & pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 1 30); do
	netns_exec cli curl -s -m 5 -o /dev/null "http://$S/index.html?$i" & pids+=($!)
	(( i % 10 == 0 )) && { wait "${pids[@]}"; pids=(); }
done
if [ $have_ssh = 1 ]; then
	netns_exec cli timeout 15 ssh -q -i "$tmp/userkey" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes root@$S 'echo hello from ssh; uname -a' >/dev/null ||
		echo "note: ssh login failed (see $tmp/sshd.log)" >&2
fi
netns_capture_stop
[ -s "$real" ] || { echo "FAIL: no capture" >&2; exit 1; }

# ---- mangled and synthetic captures (scapy) --------------------------------------
cat >"$tmp/mangle.py" <<'EOF'
import random, sys
from scapy.all import rdpcap, wrpcap, Ether, IP, IPv6, TCP, Raw, Dot1Q, conf
conf.verb = 0
random.seed(4)
src, out = sys.argv[1], sys.argv[2]
pk = list(rdpcap(src))
data = [i for i, p in enumerate(pk) if TCP in p and len(p[TCP].payload) > 0]

def save(name, pkts):
    wrpcap(out + "/" + name, pkts)

# reordered: swap data segments with a neighbour (times kept in order)
r = pk[:]
for i in data:
    if random.random() < 0.15 and i + 1 < len(r):
        r[i], r[i + 1] = r[i + 1], r[i]
save("reordered.pcap", r)
# duplicated: 5% of data segments sent twice, some a few packets later
d = []
for i, p in enumerate(pk):
    d.append(p)
    if i in data and random.random() < 0.05:
        d.append(p.copy())
save("duplicated.pcap", d)
# lost: 1% of data segments missing (never retransmitted: gaps)
lost = set(i for i in data if random.random() < 0.01)
save("lost.pcap", [p for i, p in enumerate(pk) if i not in lost])

# synthetic cases
def T(a, b, sp, dp, seq, ack, fl, payload=b"", vlan=None):
    ip = IPv6(src=a, dst=b) if ":" in a else IP(src=a, dst=b)
    p = ip / TCP(sport=sp, dport=dp, seq=seq & 0xffffffff, ack=ack & 0xffffffff, flags=fl)
    if payload:
        p = p / Raw(payload)
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    return e / Dot1Q(vlan=vlan) / p if vlan else e / p

def conn(a, b, ap, bp, ai, bi, adata, bdata, close=True, mss=100, vlan=None):
    r = [T(a, b, ap, bp, ai, 0, "S", vlan=vlan), T(b, a, bp, ap, bi, ai + 1, "SA", vlan=vlan),
         T(a, b, ap, bp, ai + 1, bi + 1, "A", vlan=vlan)]
    s1, s2 = ai + 1, bi + 1
    for k in range(0, len(adata), mss):
        r.append(T(a, b, ap, bp, s1, s2, "PA", adata[k:k + mss], vlan)); s1 += len(adata[k:k + mss])
    for k in range(0, len(bdata), mss):
        r.append(T(b, a, bp, ap, s2, s1, "PA", bdata[k:k + mss], vlan)); s2 += len(bdata[k:k + mss])
    if close:
        r += [T(a, b, ap, bp, s1, s2, "FA", vlan=vlan), T(b, a, bp, ap, s2, s1 + 1, "FA", vlan=vlan),
              T(a, b, ap, bp, s1 + 1, s2 + 1, "A", vlan=vlan)]
    return r

rnd = lambda n: bytes(random.getrandbits(8) for _ in range(n))
A, B = "203.0.113.1", "203.0.113.2"
s = []
s += conn(A, B, 40000, 80, 1000, 5000, rnd(700), rnd(900))                  # plain
s += conn(A, B, 40000, 80, 90000, 95000, rnd(300), rnd(300))                # port pair reused
s += conn(A, B, 40000, 80, 190000, 195000, rnd(300), rnd(300))              # ... again
w = conn(A, B, 40001, 80, 0xffffff80, 0xfffffff0, rnd(1000), rnd(1000))     # sequence wrap
w[4], w[6] = w[6], w[4]
s += w
s += conn(A, B, 40002, 80, 7, 9, rnd(500), rnd(500))[3:]                    # midstream
x = conn(A, B, 40003, 80, 10, 20, rnd(300), rnd(300), close=False)           # RST
x.append(T(B, A, 80, 40003, 321, 0, "R"))
s += x
y = conn(A, B, 40004, 80, 100, 200, rnd(300), rnd(300))                     # late retransmission,
y.insert(1, y[0].copy()); y.append(y[4].copy())                             # SYN retransmitted,
y.insert(9, T(A, B, 40004, 80, 400, 501, "A", b"\x00"))                     # keepalive
s += y
s += conn(A, B, 40005, 80, 100, 200, rnd(300), rnd(300), close=False)       # abandoned, then
s += conn(A, B, 40005, 80, 900000000, 300000000, rnd(300), rnd(300))        # reused without FIN
s += conn("2001:db8:6::1", "2001:db8:6::2", 5000, 443, 1, 2, rnd(400), rnd(400))
s += conn(A, B, 40006, 80, 5, 6, rnd(200), rnd(200), vlan=42)
g = conn(A, B, 40007, 80, 3000, 7000, rnd(1000), rnd(2000))                 # lost segments
del g[6]; del g[-5]
s += g
for i, p in enumerate(s):
    p.time = 1700000000 + i * 0.001
save("synthetic.pcap", s)
EOF
"$py" "$tmp/mangle.py" "$real" "$tmp" || { echo "FAIL: scapy could not make the captures" >&2; exit 1; }

# ---- compare -------------------------------------------------------------------
compare() {  # name pcap [options...]
	local name=$1 pcap=$2; shift 2
	local t=$tmp/out/$name-tcpflow a=$tmp/out/$name-apiary
	mkdir -p "$t" "$a"
	tcpflow "$@" -r "$pcap" -o "$t" >/dev/null 2>"$tmp/tcpflow.err"
	if ! "$apiary" tcpflow "$@" -o "$a" "$pcap" 2>"$tmp/apiary.err"; then
		fail "$name: apiary tcpflow failed: $(cat "$tmp/apiary.err")"; return
	fi
	local n; n=$(ls "$t" | grep -vc '^report.xml$')
	if [ "$n" -gt 0 ] && diff -r -x report.xml -x sessions.json "$t" "$a" >"$tmp/diff"; then
		ok "$name: $n files, same names and bytes as tcpflow -r $*"
	else
		fail "$name: differs from tcpflow ($n files):"; head -20 "$tmp/diff" >&2
	fi
}
compare real "$real"
compare reordered "$tmp/reordered.pcap"
compare duplicated "$tmp/duplicated.pcap"
compare lost "$tmp/lost.pcap"
compare synthetic "$tmp/synthetic.pcap"
compare real-b "$real" -b 1000
compare synthetic-b "$tmp/synthetic.pcap" -b 150

# ---- sessions.json ---------------------------------------------------------------
idx=$tmp/out/real-apiary/sessions.json
files=$(ls "$tmp/out/real-apiary" | grep -vc '^sessions.json$')
if jq -e . "$idx" >/dev/null && [ "$(wc -l <"$idx")" -eq "$files" ]; then
	ok "sessions.json: one JSON line per file ($files)"
else
	fail "sessions.json: $(wc -l <"$idx") lines for $files files"
fi
bad=$(jq -r '"\(.file) \(.bytes)"' "$idx" | while read -r f b; do
	[ "$(stat -c %s "$tmp/out/real-apiary/$f")" = "$b" ] || echo "$f"; done | wc -l)
[ "$bad" -eq 0 ] && ok "sessions.json: bytes = file sizes" || fail "sessions.json: $bad sizes differ"
n=$(jq -s 'map(select((.flow_id|type) != "number" or (.community_id|test("^1:")|not) or .first > .last)) | length' "$idx")
[ "$n" = 0 ] && ok "sessions.json: flow_id, community_id, first <= last on every line" ||
	fail "sessions.json: $n lines without flow_id/community_id or with first > last"
g=$(jq -s 'map(.gaps) | add' "$tmp/out/lost-apiary/sessions.json")
[ "${g:-0}" -gt 0 ] && ok "lost segments counted as gaps ($g)" || fail "no gaps counted on the lossy capture"
o=$(jq -s 'map(.out_of_order) | add' "$tmp/out/reordered-apiary/sessions.json")
[ "${o:-0}" -gt 0 ] && ok "reordering counted ($o out-of-order segments)" || fail "no out-of-order counted"
v=$(jq -s 'map(.overlap_bytes) | add' "$tmp/out/duplicated-apiary/sessions.json")
[ "${v:-0}" -gt 0 ] && ok "duplicates counted ($v overlapping bytes)" || fail "no overlap counted"
n=$(jq -s 'map(select(.file | test("^203.*c2$"))) | length' "$tmp/out/synthetic-apiary/sessions.json")
[ "$n" = 2 ] && ok "a reused port pair is named c1, c2 (both directions)" ||
	fail "$n c2 sessions in the synthetic capture, want 2"

# ---- the number of writing threads changes nothing ------------------------------------
for th in 1 3; do
	"$apiary" tcpflow -t "$th" -o "$tmp/out/real-t$th" "$real" 2>"$tmp/apiary.err" &&
	diff -r "$tmp/out/real-apiary" "$tmp/out/real-t$th" >"$tmp/diff" &&
		ok "-t $th: the same files and the same sessions.json, line for line" ||
		{ fail "-t $th: output differs from the default's"; head -5 "$tmp/diff" >&2; }
done
"$apiary" tcpflow -t 9 -o "$tmp/out/t9" "$real" 2>"$tmp/apiary.err"
[ $? = 2 ] && grep -q -- '-t 9' "$tmp/apiary.err" && ok "-t 9: refused (exit 2) with a message naming it" ||
	fail "-t 9 was not refused: $(cat "$tmp/apiary.err")"

# ---- extract ------------------------------------------------------------------------
line=$(jq -c 'select(.src_port == 2020 and .direction == "toclient")' "$idx" | head -1)
fid=$(jq -r .flow_id <<<"$line"); cid=$(jq -r .community_id <<<"$line")
cport=$(jq -r .dest_port <<<"$line")
want=$(tcpdump -nr "$real" "tcp and host $C and port $cport and host $S and port 2020" 2>/dev/null | wc -l)
"$apiary" extract -o "$tmp/one.pcap" --flow-id "$fid" "$real" 2>"$tmp/x.err"
got=$(tcpdump -nr "$tmp/one.pcap" 2>/dev/null | wc -l)
other=$(tcpdump -nr "$tmp/one.pcap" "not (host $C and port $cport and host $S and port 2020)" 2>/dev/null | wc -l)
if [ "$want" -gt 10 ] && [ "$got" -eq "$want" ] && [ "$other" -eq 0 ]; then
	ok "extract --flow-id: the $got packets of the flow, both directions"
else
	fail "extract --flow-id $fid: $got packets ($other foreign), want $want: $(cat "$tmp/x.err")"
fi
"$apiary" extract -o "$tmp/two.pcap" --5tuple "tcp $S 2020 $C $cport" "$real" &&
"$apiary" extract -o "$tmp/three.pcap" --community-id "$cid" "$real" &&
	cmp -s "$tmp/one.pcap" "$tmp/two.pcap" && cmp -s "$tmp/one.pcap" "$tmp/three.pcap" &&
	ok "extract --5tuple and --community-id write the same capture" ||
	fail "extract by 5-tuple / community id differs from by flow id"
mkdir -p "$tmp/out/one"
tcpflow -r "$tmp/one.pcap" -o "$tmp/out/one" >/dev/null 2>&1
f=$(jq -r .file <<<"$line")
cmp -s "$tmp/out/one/$f" "$tmp/out/real-apiary/$f" && ok "tcpflow on the extracted capture: the same session" ||
	fail "the extracted capture does not hold the session $f"
"$apiary" extract -o "$tmp/none.pcap" --flow-id 12345 "$real" 2>/dev/null
[ $? -eq 1 ] && ok "extract of an unknown flow: exit 1" || fail "extract of an unknown flow did not exit 1"

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "all tcpflow comparisons passed"
