#!/usr/bin/env bash
# summary: benchmark: `apiary tcpflow` vs `tcpflow -r` on one large capture of real TCP traffic.
#
#   bench/tcpflow/run.sh [MB] [CAPTURE.pcap]
#
# Records about MB megabytes (default 300) of real TCP traffic between two
# namespaces (198.51.100.10/.20, no route out): parallel bulk transfers in
# both directions with socat and a few hundred HTTP requests with curl,
# with offloads off so frames are wire-sized.  An existing CAPTURE.pcap is
# used as is instead; a CAPTURE.pcap that does not exist yet is where the
# recording is kept.  Then runs, on the same file and the same output
# disk ($BENCH_DIR, default /var/tmp; then a tmpfs), `tcpflow -r FILE -o A`
# and `apiary tcpflow -o B FILE` (release
# build, $APIARY_RELEASE_BIN or bin/), each best of 5, checks that the two
# folders hold the same files with the same bytes, and prints the times
# and the ratio.  Needs root for the namespaces.
#
# Also timed, as a yardstick: copyfloor (bench/tcpflow/copyfloor.c)
# writing the same files anew from memory with as many threads as apiary's
# writer uses, no parsing -- what writing those bytes costs on this
# machine, a floor under any tool that produces them.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
apiary=${APIARY_RELEASE_BIN:-$top/bin}/apiary
mb=${1:-300}
given=${2:-}
disk= img= ext4= tmpfs=
# What the EXIT trap removes besides $work or the namespaces, also on
# failure or interrupt (a second ^C does not cut it short): the mount
# points, whether or not the mount was done yet, and the ext4 image once
# it is no longer mounted (a mounted, deleted image would hold its space).
unmount() {	# DIR: 0 once nothing is mounted there
	[ -z "$1" ] || ! mountpoint -q "$1" || umount "$1"
}
bench_cleanup() {
	trap '' INT TERM
	unmount "$tmpfs" && [ -n "$tmpfs" ] && rmdir "$tmpfs" 2>/dev/null
	if unmount "$ext4"; then
		[ -n "$ext4" ] && rmdir "$ext4" 2>/dev/null
		rm -f ${img:+"$img"}
	fi
	rm -rf ${disk:+"$disk"}
}
py=/usr/bin/python3
[ -x "$apiary" ] || { echo "bench: build the release program first (make)" >&2; exit 1; }
command -v tcpflow >/dev/null || { echo "bench: tcpflow is not installed" >&2; exit 1; }
command -v gcc >/dev/null || { echo "bench: gcc is needed for copyfloor" >&2; exit 1; }
. "$top/tests/lib/netns.sh"

if [ -n "$given" ] && [ -s "$given" ]; then
	pcap=$given
	work=$(mktemp -d /tmp/h6bench-XXXXXX)
	trap 'bench_cleanup; rm -rf "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
else
	netns_require tcpdump socat curl "$py"
	netns_init h6b
	trap 'bench_cleanup; netns_cleanup' EXIT
	work=$(netns_tmpdir)
	pcap=$work/big.pcap
	C=198.51.100.10 S=198.51.100.20
	netns_add cli && netns_add srv && netns_link cli eth0 $C/24 srv eth0 $S/24 || exit 1
	netns_no_offload cli eth0; netns_no_offload srv eth0
	mkdir -p "$work/www"
	per=$((mb / 8))			# 4 downloads + 4 uploads
	head -c $((per * 1000000)) /dev/urandom >"$work/www/bulk.bin"
	for i in $(seq 1 50); do head -c $((RANDOM * 4)) /dev/urandom >"$work/www/f$i"; done
	netns_bg srv "$py" -m http.server 80 --bind $S --directory "$work/www" >/dev/null 2>&1
	netns_bg srv socat TCP-LISTEN:2020,bind=$S,reuseaddr,fork SYSTEM:"cat $work/www/bulk.bin"
	netns_bg srv socat -u TCP-LISTEN:2021,bind=$S,reuseaddr,fork CREATE:/dev/null
	for p in 80 2020 2021; do netns_wait_tcp srv $p || exit 1; done
	# our own tcpdump: a 256 MB buffer and no immediate mode, so a busy
	# machine drops nothing (netns_capture_start favours latency)
	netns_bg cli tcpdump -i eth0 -s 0 -B 262144 -n -w "$pcap" 2>"$work/tcpdump.log"
	cap=$NETNS_LAST_PID
	for i in $(seq 1 100); do grep -q 'listening on' "$work/tcpdump.log" && break; sleep 0.1; done
	pids=()
	for i in 1 2 3 4; do
		netns_exec cli timeout 60 socat -u TCP:$S:2020 CREATE:/dev/null & pids+=($!)
		netns_exec cli timeout 60 socat -u OPEN:"$work/www/bulk.bin" TCP:$S:2021 & pids+=($!)
	done
	for i in $(seq 1 300); do
		netns_exec cli curl -s -m 5 -o /dev/null "http://$S/f$((i % 50 + 1))"
	done
	wait "${pids[@]}"
	sleep 0.5
	kill -INT $cap; wait $cap 2>/dev/null
	grep 'dropped by kernel' "$work/tcpdump.log" >&2
	if [ -n "$given" ]; then cp "$pcap" "$given" && pcap=$given; fi
fi
gcc -std=gnu17 -O2 -Wall -Wextra -Werror -o "$work/copyfloor" \
    "$top/bench/tcpflow/copyfloor.c" -lpthread || exit 1
size=$(stat -c %s "$pcap")
echo "capture: $pcap, $((size / 1000000)) MB, $(tcpdump -nr "$pcap" 2>/dev/null | wc -l) packets"

# Runs alternate between the tools; each writes into a new folder (deleting
# a folder just before creating as many files makes ext4 scan for recently
# freed inodes, which would time the file system, not the tool).  Best of 5
# wall-clock, and best of 5 CPU (user + system) seconds.  Twice: output on
# the disk ($BENCH_DIR, default /var/tmp: /tmp is a tmpfs on some systems)
# and on a tmpfs.  Creating files on a disk can cost far more than usual
# for a while: on this VM's root file system (ext4 without a journal),
# 608 empty files took 5-9 ms in /var/tmp and 67-105 ms in /tmp at the
# same moment, after tests had created and deleted many files there
# (fs/ext4/ialloc.c: new inodes skip those freed in the last minutes), and
# both tools then take ~0.08 s more each run.  So each block first prints
# what creating 608 empty files costs in that place right then (in a
# folder kept until the end: deleting it would slow the runs after it);
# the tmpfs figures time the tools alone.  Both tools always see the same conditions.
# Times: bash's `time` to the millisecond (real, user, sys); GNU time's
# %e is in hundredths, too coarse for runs of ~0.1 s (the ratio moved in
# steps of 10%).  copyfloor's own figure (its threads' start to end; its
# listing and mapping are not timed) is after apiary's run each time, from
# apiary's output just written.
TIMEFORMAT='%3R %3U %3S'
measure() {	# OUTDIR LABEL [tmpfs: keep only the last output of each tool]
	local base=$1 label=$2 small=${3:-} run=0 r tool out e u s c create
	declare -A wall cpu
	mkdir -p "$base/probe-create"
	create=$( { time for r in $(seq 1 608); do : >"$base/probe-create/f$r"; done; } 2>&1 | cut -d' ' -f1)
	for r in 1 2 3 4 5; do
		for tool in tcpflow apiary floor; do
			run=$((run + 1)); out=$base/run$run; mkdir -p "$out"; sync
			if [ $tool = tcpflow ]; then
				[ -n "$small" ] && rm -rf "${last_tcpflow:-/nonexistent}"
				{ time tcpflow -r "$pcap" -o "$out" >/dev/null 2>&1; } 2>"$work/time"
				last_tcpflow=$out
			elif [ $tool = apiary ]; then
				[ -n "$small" ] && rm -rf "${last_apiary:-/nonexistent}"
				{ time "$apiary" tcpflow -o "$out" "$pcap" >/dev/null 2>&1; } 2>"$work/time"
				last_apiary=$out
			else
				e=$("$work/copyfloor" "$io_threads" "$last_apiary" "$out") || return 1
				wall[floor]=$(awk -v a="$e" -v b="${wall[floor]:-}" 'BEGIN { print (b == "" || a < b) ? a : b }')
				[ -n "$small" ] && rm -rf "$out"
				continue
			fi
			read -r e u s < <(tail -1 "$work/time")
			c=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
			wall[$tool]=$(awk -v a="$e" -v b="${wall[$tool]:-}" 'BEGIN { print (b == "" || a < b) ? a : b }')
			cpu[$tool]=$(awk -v a="$c" -v b="${cpu[$tool]:-}" 'BEGIN { print (b == "" || a < b) ? a : b }')
		done
	done
	local files same
	files=$(ls "$last_tcpflow" | grep -vc '^report.xml$')
	if diff -r -q -x report.xml -x sessions.json "$last_tcpflow" "$last_apiary" >/dev/null; then
		same="identical ($files files, $(du -sm "$last_apiary" | cut -f1) MB)"
	else
		same="DIFFERENT"
		different=1
	fi
	echo
	echo "output on $label:"
	echo "  (creating 608 empty files there just before: $create s)"
	printf '  %-20s %8s %8s\n' "" "wall s" "cpu s" \
		"tcpflow -r" "${wall[tcpflow]}" "${cpu[tcpflow]}" "apiary tcpflow" "${wall[apiary]}" "${cpu[apiary]}"
	printf '  %-20s %8s   (writing the same files from memory, %s threads)\n' \
		"copyfloor" "${wall[floor]}" "$io_threads"
	echo "  output: $same"
	awk -v a="${wall[apiary]}" -v t="${wall[tcpflow]}" -v ca="${cpu[apiary]}" -v ct="${cpu[tcpflow]}" -v s="$size" 'BEGIN {
		if (a > 0 && ca > 0) printf "  ratio: apiary tcpflow is %.2fx faster than tcpflow (wall; %.0f MB/s vs %.0f MB/s), %.1fx less CPU\n", t / a, s / a / 1e6, s / t / 1e6, ct / ca }'
	awk -v a="${wall[apiary]}" -v t="${wall[tcpflow]}" -v f="${wall[floor]}" 'BEGIN {
		if (f > 0) printf "  against the floor: tcpflow %.1fx, apiary tcpflow %.1fx (a tool at the floor would be %.1fx faster than tcpflow)\n", t / f, a / f, t / f }'
	rm -rf "$base"/run* "$base/probe-create"
}
# the I/O threads apiary's writer uses here, for copyfloor
# (-b 1: almost nothing written; the folder goes with $work, since
# deleting files now would slow the file creations timed below)
io_threads=$("$apiary" tcpflow -v -b 1 -o "$work/probe" "$pcap" 2>&1 >/dev/null |
    sed -n 's/.*, \([0-9]*\) I\/O threads*$/\1/p')
[ -n "$io_threads" ] && [ "$io_threads" -ge 1 ] || io_threads=1
different=0
last_tcpflow= last_apiary=
disk=$(mktemp -d "${BENCH_DIR:-/var/tmp}/h6bench-XXXXXX") || exit 1
measure "$disk" "disk as it is ($(df --output=fstype "$disk" | tail -1), $disk)" || different=1
rm -rf "$disk"
# A new ext4 with a journal (mkfs.ext4's defaults, as a Debian system's
# disks), in a loop file on the same disk: no file system state left by
# earlier runs, and no scan for recently freed inodes (ext4 does that only
# without a journal), so each tool deletes its previous output first.
img=$(mktemp "${BENCH_DIR:-/var/tmp}/h6bench-XXXXXX.ext4") || exit 1
ext4=$(mktemp -d /tmp/h6ext4-XXXXXX) || exit 1
if truncate -s $((size * 5 / 1000000 + 512))M "$img" &&
    mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$img" &&
    mount -o loop "$img" "$ext4" 2>/dev/null; then
	last_tcpflow= last_apiary=
	measure "$ext4" "a new ext4 with a journal (loop file in ${BENCH_DIR:-/var/tmp})" small || different=1
else
	echo "(no figures on a new ext4: making or mounting one failed)"
fi
unmount "$ext4" && rm -f "$img" && rmdir "$ext4" && ext4= img=
tmpfs=$(mktemp -d /tmp/h6tmpfs-XXXXXX) || exit 1
if mount -t tmpfs -o size=$((size * 3 / 1000000 + 64))M tmpfs "$tmpfs" 2>/dev/null; then
	last_tcpflow= last_apiary=
	measure "$tmpfs" "tmpfs" small || different=1
else
	echo "(no tmpfs figures: mounting one needs root)"
fi
unmount "$tmpfs" && rmdir "$tmpfs" && tmpfs=
[ "$different" = 0 ]
