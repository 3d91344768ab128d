#!/usr/bin/env bash
# summary: `apiary snapshot` vs `aide --init` vs the sha256sum floor on /usr, and `apiary diff` of 1M-entry snapshots.
#
#   bench/snapshot/run.sh [TREE]        (default /usr; APIARY=path/to/apiary)
#
# 1. Warms the page cache over TREE (both tools then read from memory).
# 2. The hashing floor: find TREE -type f -print0 | xargs -0 -P$(nproc) sha256sum
#    (coreutils' own SHA-256, no SHA-NI), and the same with `openssl sha256`
# 3. apiary snapshot (files only, TREE as root, threads = cores)
# 4. Debian's AIDE 0.18 --init with the same attributes (ftype p u g s m c i
#    n l caps sha256), database_out, --workers=$(nproc)
# 5. Two synthetic snapshots of 1,000,000 files (1% removed, 1% changed,
#    1% added) and `apiary diff` between them.
# Prints wall and CPU seconds and ratios; targets: AIDE/apiary >= 5, apiary/floor <= 1.5,
# diff < 5 s.  Not part of make check.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
apiary=${APIARY:-${APIARY_RELEASE_BIN:-$top/bin}/apiary}
tree=${1:-/usr}
n=$(nproc)
[ -x "$apiary" ] || { echo "build apiary first ($apiary)" >&2; exit 1; }
for t in aide sqlite3 sha256sum /usr/bin/time; do
	command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/h4bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# "wall cpu" seconds of a command (cpu = user + sys of it and its children)
secs() {
	/usr/bin/time -f '%e %U %S' -o $tmp/t "$@" >/dev/null 2>$tmp/err
	tail -n 1 $tmp/t | awk '{ printf "%s %.2f", $1, $2 + $3 }'
}
wall() { echo "${1% *}"; }
cpu() { echo "${1#* }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-40s %8s %8s   %s\n' "$1" "$(wall "$2")" "$(cpu "$2")" "${3:-}"; }

files=$(find "$tree" -xdev -type f | wc -l)
bytes=$(du -sxb "$tree" 2>/dev/null | cut -f1)
echo "tree $tree: $files regular files, $((bytes / 1048576)) MiB; $n cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warming the page cache..."
find "$tree" -xdev -type f -print0 | xargs -0 -P"$n" cat > /dev/null 2>&1

printf '%-40s %8s %8s\n' "" "wall s" "cpu s"
floor=$(secs sh -c "find '$tree' -xdev -type f -print0 | xargs -0 -P$n sha256sum")
row "floor: find | xargs -P$n sha256sum" "$floor" "(coreutils: no SHA-NI)"
floor2=$(secs sh -c "find '$tree' -xdev -type f -print0 | xargs -0 -P$n openssl sha256 -r")
row "floor: find | xargs -P$n openssl sha256" "$floor2" "(OpenSSL EVP, SHA-NI)"

printf 'collect files\nroot %s\nexclude /proc /sys /dev /run\nthreads %s\n' "$tree" "$n" > $tmp/snap.conf
ap=$(secs "$apiary" snapshot -q -c $tmp/snap.conf -o $tmp/apiary.db)
row "apiary snapshot" "$ap" "($(sqlite3 $tmp/apiary.db 'select count(*) from files') entries)"

cat > $tmp/aide.conf <<EOF
database_out=file:$tmp/aide.db
gzip_dbout=no
report_url=stdout
Same = ftype+p+u+g+s+m+c+i+n+l+caps+sha256
$tree Same
EOF
workers=""
aide --help 2>&1 | grep -q -- '--workers' && workers="--workers=$n"
ai=$(secs aide --init -c $tmp/aide.conf $workers)
row "aide --init $workers" "$ai" "($(grep -c '^/' $tmp/aide.db) entries)"

echo "synthetic snapshots of 1,000,000 files..."
mkdir $tmp/empty
printf 'collect files\n' > $tmp/empty.conf
"$apiary" snapshot -q --root $tmp/empty -c $tmp/empty.conf -o $tmp/big1.db 2>/dev/null
sqlite3 $tmp/big1.db "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;
  WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 999999)
  INSERT INTO files SELECT printf('/d%03d/sub%02d/file%07d', i / 10000, (i / 100) % 100, i),
    'f', 420, 0, 0, i * 7 % 100000, 1700000000000000000 + i, 1700000000000000000 + i,
    1700000000000000000 + i, 1000000 + i, 1, NULL, NULL, lower(hex(randomblob(32))), NULL FROM c;
  COMMIT;" > /dev/null
cp $tmp/big1.db $tmp/big2.db
sqlite3 $tmp/big2.db "PRAGMA journal_mode=OFF; BEGIN;
  DELETE FROM files WHERE inode % 100 = 1;
  UPDATE files SET sha256 = lower(hex(randomblob(32))), size = size + 1 WHERE inode % 100 = 2;
  INSERT INTO files SELECT path || '.new', type, mode, uid, gid, size, mtime_ns, ctime_ns,
    atime_ns, inode + 5000000, nlink, link, caps, sha256, error FROM files WHERE inode % 100 = 3;
  COMMIT;" > /dev/null
df=$(secs sh -c "'$apiary' diff $tmp/big1.db $tmp/big2.db > $tmp/diff.txt; true")
row "apiary diff, 1M vs 1M entries" "$df" "($(sed -n 2p $tmp/diff.txt))"

echo
echo "aide / apiary snapshot           = $(ratio "$(wall "$ai")" "$(wall "$ap")")x wall, $(ratio "$(cpu "$ai")" "$(cpu "$ap")")x cpu   (target >= 5)"
echo "apiary snapshot / sha256sum floor = $(ratio "$(wall "$ap")" "$(wall "$floor")")x wall, $(ratio "$(cpu "$ap")" "$(cpu "$floor")")x cpu   (target <= 1.5)"
echo "apiary snapshot / openssl floor   = $(ratio "$(wall "$ap")" "$(wall "$floor2")")x wall, $(ratio "$(cpu "$ap")" "$(cpu "$floor2")")x cpu"
echo "apiary diff 1M                    = $(wall "$df") s wall, $(cpu "$df") s cpu   (target < 5 s)"
echo "(load average now: $(cut -d' ' -f1-3 /proc/loadavg); the machine is shared, cpu seconds are the steadier measure)"
