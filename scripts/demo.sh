#!/usr/bin/env bash
# summary: `make demo`: the main job: build the seed's honeynet, attack it, report, tear it down.
#
# Runs `apiary lab up --fresh`, `apiary lab attack`, `apiary lab report`
# and `apiary lab down` (docs/apiary-lab.md) with the release programs in
# bin/ (make demo builds them first), printing progress on the way, then
# the report's summary and its path.  About a minute on a small machine.
# The lab directory (report, captures, log store, snapshots) stays after
# the demo: APIARY_LAB_DIR (default /var/lib/apiary/lab).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
apiary=${APIARY_RELEASE_BIN:-$top/bin}/apiary
dir=${APIARY_LAB_DIR:-/var/lib/apiary/lab}
[ -x "$apiary" ] || { echo "demo: $apiary is not built (run make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "demo: needs root (network namespaces, mounts); try: sudo make demo" >&2; exit 1; }

lab() { "$apiary" lab --dir "$dir" "$@"; }
t0=$SECONDS
phase() { printf '\n######## [%3ds] %s\n' $((SECONDS - t0)) "$*" >&2; }
on_exit() {
	local rc=$?
	trap - EXIT
	if [ $rc -ne 0 ]; then
		echo "demo: failed (status $rc); removing the lab (its logs stay in $dir/logs)" >&2
		lab down >/dev/null 2>&1
	fi
	exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >&2 <<EOF
apiary demo: the seed's honeynet on this machine, in network namespaces
  inet  the intruder 203.0.113.66 and an outside web server 198.51.100.200
  gw    apiary-gw: transparent bridge, data control (tcp 20/minute ...),
        capture, EVE; honeypot A behind it
  hp1   honeypot A 203.0.113.10: sshd with a weak root password, a web
        server, apiary-agent recording what the intruder does
  log   log server B 192.0.2.2: apiary-logd (mutual TLS, port 6514)
lab directory: $dir
EOF

phase "apiary lab up: building the honeynet"
lab down >/dev/null 2>&1	# what an interrupted earlier demo left
lab up --fresh || exit 1
phase "apiary lab attack: the intruder scans, guesses the password, logs in, runs a bot"
lab attack || exit 1
phase "apiary lab report: after-snapshot, diff, the HTML report"
lab report -o "$dir/report.html" | tee "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
phase "apiary lab down: removing the honeynet"
lab down || exit 1

phase "done"
cat <<EOF

The report:      $dir/report.html   (open it in a browser)
Its summary:     $dir/summary.txt
Raw results:     $dir/gw (eve.json, conn.log, pcap/), $dir/store (apiary sessions, apiary replay),
                 $dir/diff/diff.txt, $dir/attack (the intruder's side)
Again:           apiary lab --dir $dir up; apiary lab --dir $dir attack; ...
EOF
