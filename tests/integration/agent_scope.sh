#!/usr/bin/env bash
# summary: apiary-agent records only its scope (a network namespace, a cgroup
# and its descendants), never itself, and reports a missing scope clearly.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${APIARY_BIN:-$top/build/asan/bin}
. "$top/tests/lib/netns.sh"
netns_require jq
[ -r /sys/kernel/btf/vmlinux ] || { echo "skip: kernel without BTF" >&2; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }

netns_init ags
tmp=$(netns_tmpdir)
netns_add hp; netns_add log; netns_add other
netns_link hp eth0 192.0.2.10/24 log eth0 192.0.2.2/24

"$bin/apiary" pki init "$tmp/pki" >/dev/null || fail "pki init"
"$bin/apiary" pki issue "$tmp/pki" 192.0.2.2 --server >/dev/null || fail "pki issue"
"$bin/apiary" pki issue "$tmp/pki" hp1 >/dev/null || fail "pki issue"
mkdir -p "$tmp/store"
printf 'listen 192.0.2.2:6514\nca %s\ncert %s\nkey %s\nstore %s\nchroot no\n' \
    "$tmp/pki/ca.crt" "$tmp/pki/192.0.2.2.crt" "$tmp/pki/192.0.2.2.key" \
    "$tmp/store" >"$tmp/logd.conf"
netns_bg log "$bin/apiary-logd" -d -c "$tmp/logd.conf" 2>"$tmp/logd.log"
netns_wait_tcp log 6514 10 || fail "logd: $(cat "$tmp/logd.log")"

# a private cgroup v2 hierarchy with one group for the "honeypot"
mkdir -p "$tmp/cg"
mount -t cgroup2 none "$tmp/cg" || { echo "skip: cannot mount cgroup2" >&2; exit 77; }
netns_on_cleanup "rmdir '$tmp/cg/hp/child' '$tmp/cg/hp' 2>/dev/null; umount '$tmp/cg'"
mkdir -p "$tmp/cg/hp/child"

run_agent() {	# name scope-line
	printf 'server 192.0.2.2:6514\nca %s\ncert %s\nkey %s\nspool %s\n%s\n' \
	    "$tmp/pki/ca.crt" "$tmp/pki/hp1.crt" "$tmp/pki/hp1.key" \
	    "$tmp/spool-$1" "$2" >"$tmp/agent-$1.conf"
	netns_bg hp "$bin/apiary-agent" -c "$tmp/agent-$1.conf" 2>"$tmp/agent-$1.log"
	AGENT=$NETNS_LAST_PID
	for _ in $(seq 100); do grep -q 'connected' "$tmp/agent-$1.log" && return 0; sleep 0.1; done
	fail "agent ($2) did not connect: $(cat "$tmp/agent-$1.log")"
}
stop_agent() { kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null; }

# 1. scope netns: the honeypot's namespace only
run_agent netns "scope netns /run/netns/$(netns_name hp)"
netns_exec hp /bin/echo marker-netns-inside >/dev/null
netns_exec other /bin/echo marker-netns-outside >/dev/null
/bin/echo marker-netns-host >/dev/null
sleep 1; stop_agent

# 2. scope cgroup: the group and its descendants only
run_agent cgroup "scope cgroup $tmp/cg/hp"
bash -c "echo \$\$ > '$tmp/cg/hp/cgroup.procs'; exec /bin/echo marker-cg-inside" >/dev/null
bash -c "echo \$\$ > '$tmp/cg/hp/child/cgroup.procs'; exec /bin/echo marker-cg-child" >/dev/null
/bin/echo marker-cg-outside >/dev/null
sleep 1; stop_agent

"$bin/apiary" log cat --json "$tmp/store" >"$tmp/all.json" || fail "log cat"
msgs() { jq -r 'select(.msgid=="EXEC") | .message' "$tmp/all.json"; }
for m in marker-netns-inside marker-cg-inside marker-cg-child; do
	msgs | grep -q -- "$m" || fail "$m was not recorded"
done
for m in marker-netns-outside marker-netns-host marker-cg-outside; do
	msgs | grep -q -- "$m" && fail "$m was recorded but is out of scope"
done
# never itself: no record of the agent's own process
jq -e 'select(.structured_data | tostring | test("\"comm\":\"apiary-agent\""))' \
    "$tmp/all.json" >/dev/null && fail "the agent recorded itself"

# a scope that does not exist is named, and the agent exits non-zero
printf 'server 192.0.2.2:6514\nca %s\ncert %s\nkey %s\nspool %s\nscope netns /run/netns/no-such-ns\n' \
    "$tmp/pki/ca.crt" "$tmp/pki/hp1.crt" "$tmp/pki/hp1.key" "$tmp/spool-bad" >"$tmp/bad.conf"
if "$bin/apiary-agent" -c "$tmp/bad.conf" 2>"$tmp/bad.log"; then
	fail "the agent ran with a missing scope"
fi
grep -q 'no-such-ns' "$tmp/bad.log" || fail "the error does not name the scope: $(cat "$tmp/bad.log")"

# configuration errors name file:line
printf 'server 192.0.2.2:6514\nscope galaxy far-away\n' >"$tmp/err.conf"
"$bin/apiary-agent" -n -c "$tmp/err.conf" 2>"$tmp/err.log" && fail "bad config accepted"
grep -q "err.conf:2:" "$tmp/err.log" || fail "config error lacks file:line: $(cat "$tmp/err.log")"
echo "agent scope: netns and cgroup scopes hold"
