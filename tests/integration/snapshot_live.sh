#!/usr/bin/env bash
# summary: live snapshot in private PID+net+mount namespaces: processes, listeners, connections, and their diff.
#
# unshare gives the test its own PID namespace (so the process list holds
# only what the test starts), network namespace (a veth pair h4a/h4b,
# h4a with 192.0.2.10/24 and 2001:db8::10/64, no route out) and /proc.  Inside:
# a TCP listener with one established connection, a UDP/IPv6 listener and
# a sleeper; two snapshots in a row must diff empty (no noise from the
# test's own shell or the snapshotter); the sockets must carry their owning
# processes and the processes their exe hash.  Then a new IPv6 listener, a
# new process, and a process whose binary was deleted after it started:
# the diff must report exactly those, and the hidden-object checks
# (PIDs up to pid_max, every TCP/UDP port) must find nothing.  Everything
# dies with the namespace's init when the test ends.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=$(readlink -f "${APIARY_BIN:-$top/build/asan/bin}/apiary")
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for namespaces" >&2; exit 77; }
for t in jq sqlite3 socat unshare ip sha256sum; do
	command -v $t >/dev/null || { echo "skip: $t is not installed" >&2; exit 77; }
done
unshare --pid --net --mount --fork --mount-proc true 2>/dev/null \
	|| { echo "skip: cannot create namespaces here" >&2; exit 77; }
tmp=$(mktemp -d /tmp/h4live.XXXXXX)
trap '[ -n "${H4_KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p $tmp/root/etc $tmp/bin
echo 'h4 live' > $tmp/root/etc/issue
printf 'collect processes sockets hidden files\nroot %s/root\n' "$tmp" > $tmp/snap.conf

cat > $tmp/inner.sh <<'INNER'
set -u
tmp=$1 apiary=$2
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# until /proc/net/$1 lists local port $2 (hex) in state $3; bounded
wait_sock() {
	for _ in $(seq 100); do
		awk -v p=":$2" -v s="$3" '$2 ~ p"$" && $4 == s {f=1} END {exit !f}' /proc/net/$1 && return 0
		sleep 0.05
	done
	fail "nothing on /proc/net/$1 port $2 state $3"; return 1
}
ip link set lo up
ip link add h4a type veth peer name h4b || fail "veth"
ip addr add 192.0.2.10/24 dev h4a
ip addr add 2001:db8::10/64 dev h4a nodad
ip link set h4a up
ip link set h4b up
cd /
socat TCP-LISTEN:8080,bind=192.0.2.10,reuseaddr,fork EXEC:/bin/cat </dev/null >/dev/null 2>&1 &
echo $! > $tmp/listener.pid
wait_sock tcp 1F90 0A
sleep 1000 </dev/null | socat - TCP:192.0.2.10:8080 >/dev/null 2>&1 &
wait_sock tcp 1F90 01
socat -u UDP6-RECV:5300,bind=[2001:db8::10] /dev/null </dev/null >/dev/null 2>&1 &
echo $! > $tmp/udp.pid
wait_sock udp6 14B4 07
sleep 1000 </dev/null >/dev/null 2>&1 &
echo $! > $tmp/sleeper.pid
sleep 0.3	# let forked children settle

run() { "$apiary" snapshot -q -c $tmp/snap.conf -o "$1" 2>>$tmp/snap.err || fail "snapshot $1: $(cat $tmp/snap.err)"; }
run $tmp/s0.db
run $tmp/s1.db
"$apiary" diff $tmp/s0.db $tmp/s1.db > $tmp/same.txt; rc=$?
[ $rc -eq 0 ] && ok "two snapshots in a row: no difference" \
	|| { cat $tmp/same.txt >&2; fail "two snapshots in a row differ (exit $rc)"; }

q() { sqlite3 $tmp/s1.db "$1"; }
lp=$(cat $tmp/listener.pid) up=$(cat $tmp/udp.pid) sp=$(cat $tmp/sleeper.pid)
[ "$(q "select pid||' '||comm from sockets where proto='tcp' and local_port=8080 and state='LISTEN'")" = "$lp socat" ] \
	&& ok "listener 192.0.2.10:8080 owned by pid $lp" || fail "listener owner: $(q "select * from sockets")"
[ "$(q "select count(*) from sockets where state='ESTABLISHED' and proto='tcp' and (local_port=8080 or remote_port=8080)")" = 2 ] \
	&& ok "both ends of the connection" || fail "established: $(q "select * from sockets")"
[ "$(q "select pid||' '||local_addr from sockets where proto='udp' and family=6 and local_port=5300")" = "$up 2001:db8::10" ] \
	|| fail "udp6 listener: $(q "select * from sockets where proto='udp'")"
want=$(sha256sum "$(readlink -f /bin/sleep)" | cut -d' ' -f1)
[ "$(q "select exe_sha256||' '||cmdline||' '||exe_deleted from processes where pid=$sp")" = "$want sleep 1000 0" ] \
	&& ok "sleeper: exe hash, cmdline" || fail "sleeper row: $(q "select * from processes where pid=$sp")"
[ "$(q "select count(*) from processes where comm='apiary' or cmdline like '%apiary snapshot%'")" = 0 ] \
	|| fail "the snapshotter recorded itself"
[ "$(q "select count(*) from hidden")" = 0 ] || fail "hidden objects on a clean system: $(q "select * from hidden")"

# --- changes: a new listener, a new process, a process with a deleted binary
socat TCP6-LISTEN:9090,bind=[2001:db8::10],reuseaddr EXEC:/bin/cat </dev/null >/dev/null 2>&1 &
np=$!
wait_sock tcp6 2382 0A
sleep 2000 </dev/null >/dev/null 2>&1 &
sp2=$!
cp "$(readlink -f /bin/sleep)" $tmp/bin/h4sleep
$tmp/bin/h4sleep 3000 </dev/null >/dev/null 2>&1 &
dp=$!
sleep 0.2
rm $tmp/bin/h4sleep
run $tmp/s2.db
"$apiary" diff $tmp/s1.db $tmp/s2.db --json > $tmp/diff.json; rc=$?
[ $rc -eq 1 ] && ok "exit status 1 (added only)" || fail "exit status $rc, expected 1"
jq -r '.findings[] | "\(.change) \(.category) \(.what) [\(.tag)]"' $tmp/diff.json > $tmp/got.txt
cat > $tmp/want.txt <<EOF
added socket tcp [2001:db8::10]:9090 [new-listener]
added process pid $dp (h4sleep) [process-deleted-exe]
added process pid $np (socat) [new-process]
added process pid $sp2 (sleep) [new-process]
EOF
if diff $tmp/want.txt $tmp/got.txt > $tmp/delta.txt; then
	ok "diff reports exactly: new listener, deleted-binary process, 2 new processes"
else
	fail "findings differ (< missed, > noise):"; cat $tmp/delta.txt >&2
fi
jq -e --arg p "$np" '.findings[0].attributes.pid.new == $p and .findings[0].attributes.comm.new == "socat"' \
	$tmp/diff.json >/dev/null || fail "listener finding lacks its owner"
jq -e --arg e "$tmp/bin/h4sleep" '.findings[] | select(.tag == "process-deleted-exe") | .attributes.exe.new == $e' \
	$tmp/diff.json >/dev/null || fail "deleted exe path"
[ "$(sqlite3 $tmp/s2.db "select exe_sha256 from processes where pid=$dp")" = "$want" ] \
	&& ok "deleted binary still hashed through /proc/PID/exe" || fail "deleted binary hash"
exit $fails
INNER

timeout 300 unshare --pid --net --mount --fork --mount-proc \
	bash $tmp/inner.sh "$tmp" "$apiary"
rc=$?
[ $rc -eq 0 ] && { echo PASS; exit 0; }
echo "$rc failure(s)"; exit 1
