#!/usr/bin/env bash
# summary: snapshot --root of a built tree, known intrusion changes, diff reports exactly those.
#
# A small offline system tree (bin, etc with passwd/group/shadow, cron,
# a root authorized_keys, var/log, tmp) is snapshotted, then changed the way
# an intruder would: a new setuid file, a file with a capability, a
# modified binary, a new uid-0 user, a cron job, a new authorized key, a
# deleted log, a permission change, a `touch -d` timestomp, a hidden
# dot-directory with a file in it, a new file in /tmp.  The diff must list
# exactly those findings (nothing missed, nothing else), most severe
# first, exit 7 (1 added + 2 removed + 4 changed); its body file must load
# in `mactime -b`; its EVE lines must be one snapshot event per finding; a
# snapshot of an unchanged tree must diff empty (exit 0); damaged and
# foreign databases must fail with a clear message and status 17.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=${APIARY_BIN:-$top/build/asan/bin}/apiary
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }
for t in jq sqlite3 mactime; do
	command -v $t >/dev/null || { echo "skip: $t is not installed" >&2; exit 77; }
done
tmp=$(mktemp -d /tmp/h4snap.XXXXXX)
trap '[ -n "${H4_KEEP:-}" ] || rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

T=$tmp/tree
mkdir -p $T/bin $T/usr/bin $T/etc/cron.d $T/etc/cron.daily $T/root/.ssh \
	$T/var/log $T/var/lib/dpkg $T/tmp $T/home/bob
printf '#!/bin/sh\necho ls\n' > $T/bin/ls
printf '#!/bin/sh\necho ping\n' > $T/usr/bin/ping
printf '#!/bin/sh\necho tool\n' > $T/usr/bin/tool
chmod 755 $T/bin/ls $T/usr/bin/ping $T/usr/bin/tool
ln -s ../usr/bin/tool $T/bin/tool
cat > $T/etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bob:x:1000:1000:Bob:/home/bob:/bin/sh
EOF
printf 'root:x:0:\ndaemon:x:1:\nbob:x:1000:\n' > $T/etc/group
cat > $T/etc/shadow <<'EOF'
root:$6$h4salt$notarealhashnotarealhash:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bob:!:19000:0:99999:7:::
EOF
chmod 640 $T/etc/shadow
printf 'SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n' > $T/etc/crontab
printf '#!/bin/sh\nexit 0\n' > $T/etc/cron.daily/logrotate
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEp0CGB1kXJbHnqu3Ehp8VdoVdM2dQXn0pJuZpY9rGpL admin@h4" > $T/root/.ssh/authorized_keys
echo '127.0.0.1 localhost' > $T/etc/hosts
echo 'welcome' > $T/etc/motd
printf 'Nov 26 auth ok\n' > $T/var/log/auth.log
printf 'status\n' > $T/var/lib/dpkg/status

conf=$tmp/snap.conf
printf 'collect files users authorized-keys cron startup hidden\n' > $conf
"$apiary" snapshot --root $T -c $conf -o $tmp/before.db -q 2>$tmp/snap1.err \
	|| { cat $tmp/snap1.err; fail "snapshot before"; }
"$apiary" snapshot --root $T -c $conf -o $tmp/again.db -q 2>/dev/null \
	|| fail "snapshot again"

# no change, no noise
"$apiary" diff $tmp/before.db $tmp/again.db > $tmp/same.txt; rc=$?
[ $rc -eq 0 ] && ok "unchanged tree: exit 0" || { cat $tmp/same.txt; fail "unchanged tree: exit $rc"; }
grep -q '^0 added, 0 removed, 0 changed' $tmp/same.txt || fail "unchanged tree reports differences"
[ "$(sqlite3 $tmp/before.db 'select value from meta where key="mode"')" = offline ] \
	|| fail "meta mode is not offline"
[ "$(sqlite3 $tmp/before.db 'select count(*) from processes')" = 0 ] \
	|| fail "--root ran the live process collector"
sqlite3 $tmp/before.db 'select path from files' | grep -q "^$T" && fail "paths not relative to --root"
sqlite3 $tmp/before.db 'select password_fingerprint from shadow' | grep -q notarealhash \
	&& fail "a password hash reached the snapshot"

sleep 1.1	# so that new times differ from the old ones at second precision
# --- the intrusion ---
cp $T/usr/bin/tool $T/usr/bin/sutool; chmod 4755 $T/usr/bin/sutool     # setuid file
cp $T/usr/bin/ping $T/usr/bin/ping2
if setcap cap_net_raw+ep $T/usr/bin/ping2 2>/dev/null; then have_caps=1; else have_caps=0; rm $T/usr/bin/ping2; fi
printf '\n# trojan\n' >> $T/bin/ls                                        # modified binary
echo 'toor:x:0:0::/root:/bin/sh' >> $T/etc/passwd                         # new uid-0 user
echo '* * * * * root /tmp/.h4/run' > $T/etc/cron.d/h4job                  # cron job
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEp0CGB1kXJbHnqu3Ehp8VdoVdM2dQXn0pJuZpY9rGpM intruder" >> $T/root/.ssh/authorized_keys
rm $T/var/log/auth.log                                                    # deleted file
chmod 666 $T/etc/hosts                                                    # permission change
echo 'owned' >> $T/etc/motd; touch -d '2020-01-01 00:00:00' $T/etc/motd   # timestomp
mkdir "$T/var/lib/.h4 "; printf 'kit\n' > "$T/var/lib/.h4 /kit"            # hidden directory
printf 'payload\n' > $T/tmp/payload                                       # new file in /tmp

"$apiary" snapshot --root $T -c $conf -o $tmp/after.db -q 2>/dev/null || fail "snapshot after"
"$apiary" diff $tmp/before.db $tmp/after.db --json --bodyfile $tmp/body.txt \
	--eve $tmp/eve.json > $tmp/diff.json; rc=$?
[ $rc -eq 7 ] && ok "exit status 7" || fail "exit status $rc, expected 7"
"$apiary" diff $tmp/before.db $tmp/after.db > $tmp/diff.txt

jq -r '.findings[] | "\(.change) \(.category) \(.what) [\(.tag)]"' $tmp/diff.json > $tmp/got.txt
cat > $tmp/want.txt <<'EOF'
added user toor [new-uid0-user]
added file /usr/bin/sutool [setuid-setgid-or-capability]
changed file /bin/ls [system-binary-changed]
added authorized_key /root/.ssh/authorized_keys: SHA256:PLACEHOLDER [new-authorized-key]
added cron /etc/cron.d/h4job: * * * * * root /tmp/.h4/run [new-cron-or-startup-entry]
changed file /etc/motd [timestomp]
added file /var/lib/.h4  [hidden-dot-directory]
added file /tmp/payload [new-file-in-temp]
added file /var/lib/.h4 /kit [in-hidden-directory]
removed file /var/log/auth.log [log-removed]
changed file /etc/passwd [content-changed]
changed file /root/.ssh/authorized_keys [content-changed]
changed file /etc/hosts [attributes-changed]
added file /etc/cron.d/h4job [file-added]
EOF
fp=$(grep -o 'SHA256:[A-Za-z0-9+/]*' $tmp/got.txt | head -1)
sed -i "s|SHA256:PLACEHOLDER|$fp|" $tmp/want.txt
[ "$have_caps" = 1 ] && sed -i '2a added file /usr/bin/ping2 [setuid-setgid-or-capability]' $tmp/want.txt
if diff <(sort $tmp/want.txt) <(sort $tmp/got.txt) > $tmp/delta.txt; then
	ok "diff reports exactly the $(wc -l < $tmp/want.txt) expected findings"
else
	fail "findings differ (< missed, > noise):"; cat $tmp/delta.txt >&2
fi
# the intruder's key, not the admin's: fingerprint as ssh-keygen prints it
if command -v ssh-keygen >/dev/null; then
	want_fp=$(tail -1 $T/root/.ssh/authorized_keys | ssh-keygen -lf - | awk '{print $2}')
	[ "$fp" = "$want_fp" ] && ok "key fingerprint = ssh-keygen -l" || fail "fingerprint $fp, ssh-keygen says $want_fp"
fi
# ordered by severity: ranks never increase
if jq -e '[.findings[].rank] as $r | $r == ($r | sort | reverse)' $tmp/diff.json >/dev/null; then
	ok "ordered by severity"
else
	fail "findings not ordered by rank"
fi
[ "$(jq -r '.findings[0].tag' $tmp/diff.json)" = new-uid0-user ] || fail "uid-0 user is not first"
jq -e '.findings[] | select(.what == "/usr/bin/sutool") | .attributes.mode.new == "4755"' $tmp/diff.json >/dev/null \
	|| fail "setuid mode not reported as 4755"
jq -e '.findings[] | select(.what == "/etc/hosts") | (.attributes | keys) == ["ctime_ns","mode"]' $tmp/diff.json >/dev/null \
	|| fail "chmod: expected exactly mode and ctime changed"
jq -e '.findings[] | select(.what == "/etc/motd") | .attributes.mtime_ns.new | startswith("2020-01-01T00:00:00")' $tmp/diff.json >/dev/null \
	|| fail "timestomp: new mtime not 2020-01-01"
jq -e '.summary == {"added":8,"removed":1,"changed":6}' $tmp/diff.json >/dev/null \
	|| [ "$have_caps" = 1 ] || fail "summary: $(jq -c .summary $tmp/diff.json)"
grep -q '^critical added   user' $tmp/diff.txt || fail "text report lacks the critical uid-0 line"

# EVE: one snapshot event per finding, valid JSON
n=$(jq -r '.findings | length' $tmp/diff.json)
[ "$(jq -c 'select(.event_type == "snapshot")' $tmp/eve.json | wc -l)" = "$n" ] \
	&& ok "EVE: $n snapshot events" || fail "EVE events do not match findings"
jq -s -e 'map(select(.snapshot.tag == "timestomp")) | length == 1 and
	.[0].snapshot.path == "/etc/motd" and .[0].snapshot.severity == "high"' \
	$tmp/eve.json >/dev/null || fail "EVE timestomp event"

# body file: mactime reads it; the timestomped mtime shows in 2020
mactime -b $tmp/body.txt -d > $tmp/timeline.csv 2>$tmp/mactime.err || fail "mactime -b failed: $(cat $tmp/mactime.err)"
grep -q '^Wed Jan 01 2020 00:00:00,[0-9]*,m[a.]\.\.,.*/etc/motd' $tmp/timeline.csv \
	&& ok "mactime shows the timestomped mtime" || { cat $tmp/timeline.csv >&2; fail "mactime timeline lacks /etc/motd in 2020"; }
grep -q '/var/log/auth.log (deleted)' $tmp/timeline.csv || fail "mactime lacks the deleted log"
[ "$(grep -vc '^#' $tmp/body.txt)" = "$(jq '[.findings[] | select(.category == "file")] | length' $tmp/diff.json)" ] \
	|| fail "body file lines != file findings"

# damaged and foreign databases: status 17, a message naming the file
printf 'SQLite format 3\0garbage' > $tmp/foreign.db
"$apiary" diff $tmp/foreign.db $tmp/after.db > /dev/null 2>$tmp/err.txt; rc=$?
[ $rc -eq 17 ] && grep -q "foreign.db" $tmp/err.txt && ok "foreign file: $(cat $tmp/err.txt)" \
	|| fail "foreign file: exit $rc: $(cat $tmp/err.txt)"
cp $tmp/after.db $tmp/old.db
sqlite3 $tmp/old.db 'PRAGMA user_version=99'
"$apiary" diff $tmp/before.db $tmp/old.db > /dev/null 2>$tmp/err.txt; rc=$?
[ $rc -eq 17 ] && grep -q "schema version 99" $tmp/err.txt && ok "version mismatch: $(cat $tmp/err.txt)" \
	|| fail "version mismatch: exit $rc: $(cat $tmp/err.txt)"
cp $tmp/after.db $tmp/cut.db
truncate -s 20000 $tmp/cut.db
"$apiary" diff $tmp/before.db $tmp/cut.db > /dev/null 2>$tmp/err.txt; rc=$?
[ $rc -eq 17 ] && grep -q "cut.db" $tmp/err.txt && ok "truncated file: $(cat $tmp/err.txt)" \
	|| fail "truncated file: exit $rc: $(cat $tmp/err.txt)"
sqlite3 $tmp/half.db 'CREATE TABLE t(x)'
"$apiary" diff $tmp/half.db $tmp/after.db > /dev/null 2>$tmp/err.txt; rc=$?
[ $rc -eq 17 ] && grep -q "not an apiary snapshot" $tmp/err.txt || fail "plain SQLite file: exit $rc: $(cat $tmp/err.txt)"
"$apiary" diff $tmp/before.db > /dev/null 2>&1; rc=$?
[ $rc -eq 16 ] || fail "usage error: exit $rc, expected 16"

[ $fails -eq 0 ] && { echo "PASS"; exit 0; }
echo "$fails failure(s)"; exit 1
