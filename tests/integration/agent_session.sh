#!/usr/bin/env bash
# summary: apiary-agent end to end: an ssh session on a namespace honeypot, recorded,
# shipped over mutual TLS to apiary-logd (through an outage), listed and replayed.
#
# hp  (203.0.113.10, 192.0.2.10): Debian's sshd + apiary-agent (scope: this netns)
# att (203.0.113.66):              the intruder, `ssh -tt` typing with delays
# log (192.0.2.2):                 apiary-logd
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${APIARY_BIN:-$top/build/asan/bin}
. "$top/tests/lib/netns.sh"
netns_require sshd ssh ssh-keygen jq
[ -r /sys/kernel/btf/vmlinux ] || { echo "skip: kernel without BTF" >&2; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

netns_init agt
tmp=$(netns_tmpdir)
chmod 755 "$tmp"
netns_add hp; netns_add att; netns_add log
netns_link att eth0 203.0.113.66/24 hp eth0 203.0.113.10/24
netns_link hp eth1 192.0.2.10/24 log eth0 192.0.2.2/24
hpns=/run/netns/$(netns_name hp)

# --- PKI: a honeynet CA, the log server's and the honeypot's certificates
"$bin/apiary" pki init "$tmp/pki" >/dev/null || fail "pki init"
"$bin/apiary" pki issue "$tmp/pki" 192.0.2.2 --server >/dev/null || fail "pki issue server"
"$bin/apiary" pki issue "$tmp/pki" hp1 >/dev/null || fail "pki issue hp1"

# --- log server B
mkdir -p "$tmp/store"
cat >"$tmp/logd.conf" <<CONF
listen 192.0.2.2:6514
ca    $tmp/pki/ca.crt
cert  $tmp/pki/192.0.2.2.crt
key   $tmp/pki/192.0.2.2.key
store $tmp/store
# LeakSanitizer needs /proc, which a chroot hides
chroot no
CONF
start_logd() {
	netns_bg log "$bin/apiary-logd" -d -c "$tmp/logd.conf" 2>>"$tmp/logd.log"
	echo "$NETNS_LAST_PID" >"$tmp/logd.pid"
	netns_wait_tcp log 6514 10 || fail "apiary-logd did not listen: $(tail -5 "$tmp/logd.log")"
}
# stops the current apiary-logd and waits until it is gone (bounded)
stop_logd() {
	local p; p=$(cat "$tmp/logd.pid")
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
}
start_logd

# --- the agent on honeypot A
cat >"$tmp/agent.conf" <<CONF
server 192.0.2.2:6514
ca    $tmp/pki/ca.crt
cert  $tmp/pki/hp1.crt
key   $tmp/pki/hp1.key
spool $tmp/spool
scope netns $hpns
hostname hp1
resend-window 10s
CONF
"$bin/apiary-agent" -n -c "$tmp/agent.conf" >/dev/null || fail "agent config check"
netns_bg hp "$bin/apiary-agent" -c "$tmp/agent.conf" 2>"$tmp/agent.log"
AGENT_PID=$NETNS_LAST_PID
for _ in $(seq 100); do grep -q 'connected to' "$tmp/agent.log" && break; sleep 0.1; done
grep -q 'connected to' "$tmp/agent.log" || fail "agent did not connect: $(cat "$tmp/agent.log")"

# --- Debian's sshd on the honeypot, key login for root
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/userkey"
cp "$tmp/userkey.pub" "$tmp/authorized_keys"
cat >"$tmp/sshd_config" <<CONF
ListenAddress 203.0.113.10
HostKey $tmp/hostkey
PidFile $tmp/sshd.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile $tmp/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
CONF
netns_bg hp /usr/sbin/sshd -D -e -f "$tmp/sshd_config" 2>"$tmp/sshd.log"
netns_wait_tcp hp 22 10 || fail "sshd: $(cat "$tmp/sshd.log")"

# --- the intruder types, with human delays (an interactive bash without
# the host's rc files, and no history file: the test must not change the
# host's /root); the log server goes away and
# comes back in the middle of the session
type_session() {
	sleep 1.5
	echo 'uname -a'; sleep 0.4
	echo 'id'; sleep 0.4
	echo 'read -rs -p "Password: " pw; echo; echo "length ${#pw}"'; sleep 0.6
	echo 'hunter2-secret'; sleep 0.6
	stop_logd
	echo 'echo while-the-log-server-is-down'; sleep 0.4
	echo 'ls -la /proc/self/fd'; sleep 1.5
	start_logd >&2; sleep 1.5
	echo 'echo after-restart'; sleep 0.4
	echo 'exit'; sleep 1
}
type_session | netns_exec att timeout 60 ssh -tt -i "$tmp/userkey" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR root@203.0.113.10 \
    'HISTFILE=/dev/null exec bash --norc --noprofile -i' >"$tmp/client.out" 2>&1
grep -q 'length 14' "$tmp/client.out" || fail "session did not run: $(cat "$tmp/client.out")"

# records leave at once: give the agent a moment, then stop both cleanly
sleep 2
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
stop_logd

# --- what the store holds
"$bin/apiary" log verify "$tmp/store" >"$tmp/verify.out" 2>&1 || fail "log verify: $(cat "$tmp/verify.out")"
"$bin/apiary" log cat --json "$tmp/store" >"$tmp/all.json" || fail "log cat"
jq -e . "$tmp/all.json" >/dev/null || fail "log cat --json is not JSON"

# every record arrived, in order, exactly once: sequenceIds 1..N
jq -r 'select(.sender=="hp1") | .sequence_id' "$tmp/all.json" >"$tmp/seq.txt"
n=$(wc -l <"$tmp/seq.txt")
[ "$n" -gt 20 ] || fail "only $n records from hp1"
seq 1 "$n" | cmp -s - "$tmp/seq.txt" || {
	head -c 2000 "$tmp/seq.txt" | tr '\n' ' ' >&2
	fail "sequenceIds are not 1..$n in order (lost, duplicated or reordered)"
}

# records leave the honeypot at once: uname's exec record was stored
# within a second of the exec
line=$(jq -c 'select(.msgid=="EXEC" and (.message | startswith("uname")))' "$tmp/all.json" | head -1)
[ -n "$line" ] || fail "no exec record of uname"
exec_ns=$(jq -r '.structured_data["exec@32473"].ts' <<<"$line")
recv_ns=$(date -d "$(jq -r .receive_time <<<"$line")" +%s%N)
delay_ms=$(( (recv_ns - exec_ns) / 1000000 ))
echo "uname exec record stored after ${delay_ms} ms"
[ "$delay_ms" -ge 0 ] && [ "$delay_ms" -lt 1000 ] || fail "record took ${delay_ms} ms to reach the log server"

"$bin/apiary" sessions --json "$tmp/store" >"$tmp/sessions.json" || fail "sessions"
nsess=$(jq -s '[.[] | select(.tty | startswith("pts"))] | length' "$tmp/sessions.json")
[ "$nsess" -eq 1 ] || fail "expected one pts session, got $nsess: $(cat "$tmp/sessions.json")"
sid=$(jq -r 'select(.tty | startswith("pts")) | .id' "$tmp/sessions.json")
for c in 'uname -a' 'id' 'ls -la /proc/self/fd'; do
	jq -e --arg c "$c" 'select(.id=="'"$sid"'") | .commands | map(.command) | index($c) != null' \
	    "$tmp/sessions.json" >/dev/null || fail "command '$c' missing from the session"
done

"$bin/apiary" replay --typed "$tmp/store" "$sid" >"$tmp/typed.txt" || fail "replay --typed"
grep -q 'hunter2-secret' "$tmp/typed.txt" || fail "the password typed with echo off was not recorded"
grep -q 'echo while-the-log-server-is-down' "$tmp/typed.txt" || fail "input during the outage was lost"

"$bin/apiary" replay --commands "$tmp/store" "$sid" >"$tmp/commands.txt" || fail "replay --commands"
grep -q 'uname -a' "$tmp/commands.txt" || fail "replay --commands lacks uname"

"$bin/apiary" replay --speed 100 "$tmp/store" "$sid" >"$tmp/replay.out" || fail "replay"
for s in 'length 14' 'while-the-log-server-is-down' 'after-restart' 'uid=0(root)'; do
	grep -q -- "$s" "$tmp/replay.out" || fail "replayed screen lacks '$s'"
done

"$bin/apiary" replay --cast "$tmp/s.cast" "$tmp/store" "$sid" || fail "replay --cast"
head -1 "$tmp/s.cast" | jq -e '.version == 2 and .width == 80' >/dev/null || fail "cast header"
tail -n +2 "$tmp/s.cast" | jq -e -s 'length > 5 and all(.[]; (.[0] | type) == "number")' >/dev/null || fail "cast events"
tail -n +2 "$tmp/s.cast" | jq -r 'select(.[1]=="o") | .[2]' | tr -d '\n' | grep -q 'after-restart' || fail "cast lacks output"

echo "agent session: $n records, 1 session, outage survived"
