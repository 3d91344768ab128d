#!/usr/bin/env bash
# summary: a userland rootkit (LD_PRELOAD, as libprocesshider) hides a process, a port, a directory: snapshot finds all three.
#
# The test builds a small LD_PRELOAD library that does what userland
# rootkits do: its readdir() skips entries named in H4_HIDE (a PID under
# /proc, a directory name anywhere) and its fopen() of /proc/net/tcp{,6}
# drops the lines of the port in H4_HIDE_PORT.  In private PID, network and
# mount namespaces a sleeper, a TCP listener and a directory are created;
# a clean snapshot sees them and finds nothing hidden.  The snapshot taken
# under the rootkit no longer lists them but must report them as hidden
# objects (the PID answers kill(0)/getpgid/sched_getparam, bind() on the
# port fails with EADDRINUSE, the parent directory's link count counts one
# more subdirectory than readdir shows), and the diff must put exactly
# those three critical findings first.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=$(readlink -f "${APIARY_BIN:-$top/build/asan/bin}/apiary")
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for namespaces" >&2; exit 77; }
for t in jq sqlite3 socat unshare ip cc; do
	command -v $t >/dev/null || { echo "skip: $t is not installed" >&2; exit 77; }
done
unshare --pid --net --mount --fork --mount-proc true 2>/dev/null \
	|| { echo "skip: cannot create namespaces here" >&2; exit 77; }
tmp=$(mktemp -d /tmp/h4hid.XXXXXX)
trap '[ -n "${H4_KEEP:-}" ] || rm -rf "$tmp"' EXIT
case $(stat -f -c %T $tmp) in
ext2/ext3|xfs|tmpfs) ;;
*) echo "skip: $tmp is on $(stat -f -c %T $tmp), where directory link counts do not follow chkdirs' rule" >&2; exit 77 ;;
esac

cat > $tmp/rootkit.c <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hidden(const char *name)
{
	const char *list = getenv("H4_HIDE");
	size_t n = strlen(name);

	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

struct dirent *
readdir(DIR *d)
{
	struct dirent *(*real)(DIR *) = (struct dirent *(*)(DIR *))dlsym(RTLD_NEXT, "readdir");
	struct dirent *e;

	while ((e = real(d)) != NULL && hidden(e->d_name))
		;
	return e;
}

struct dirent64 *
readdir64(DIR *d)
{
	struct dirent64 *(*real)(DIR *) = (struct dirent64 *(*)(DIR *))dlsym(RTLD_NEXT, "readdir64");
	struct dirent64 *e;

	while ((e = real(d)) != NULL && hidden(e->d_name))
		;
	return e;
}

FILE *
fopen(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
	    (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	const char *port = getenv("H4_HIDE_PORT");
	char line[1024], *buf = NULL;
	size_t len = 0;
	FILE *in, *out;

	if (port == NULL || (strcmp(path, "/proc/net/tcp") != 0 &&
	    strcmp(path, "/proc/net/tcp6") != 0))
		return real(path, mode);
	if ((in = real(path, "r")) == NULL)
		return NULL;
	out = open_memstream(&buf, &len);
	while (fgets(line, sizeof line, in) != NULL)
		if (strstr(line, port) == NULL)
			fputs(line, out);
	fclose(in);
	fclose(out);
	return fmemopen(buf, len, "r");
}
EOF
cc -shared -fPIC -O1 -o $tmp/rootkit.so $tmp/rootkit.c -ldl || { echo "FAIL: cannot build the rootkit shim" >&2; exit 1; }

mkdir -p $tmp/root/visible/h4secret/inner $tmp/root/visible/plain
echo loot > $tmp/root/visible/h4secret/loot
printf 'collect processes sockets hidden files\nroot %s/root\n' "$tmp" > $tmp/snap.conf

cat > $tmp/inner.sh <<'INNER'
set -u
tmp=$1 apiary=$2
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
ip link set lo up
cd /
socat TCP-LISTEN:7777,bind=127.0.0.1,reuseaddr EXEC:/bin/cat </dev/null >/dev/null 2>&1 &
lp=$!
sleep 1000 </dev/null >/dev/null 2>&1 &
sp=$!
for _ in $(seq 100); do grep -q ':1E61 00000000:0000 0A' /proc/net/tcp && break; sleep 0.05; done
"$apiary" snapshot -q -c $tmp/snap.conf -o $tmp/clean.db 2>$tmp/err || fail "clean snapshot: $(cat $tmp/err)"
[ "$(sqlite3 $tmp/clean.db 'select count(*) from hidden')" = 0 ] && ok "clean: nothing hidden" \
	|| fail "clean snapshot reports hidden: $(sqlite3 $tmp/clean.db 'select * from hidden')"

# (the shim leaks its filtered copies of /proc/net/tcp: not ours to report)
H4_HIDE="$sp,h4secret" H4_HIDE_PORT=":1E61 " LD_PRELOAD=$tmp/rootkit.so \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0:detect_leaks=0" \
	"$apiary" snapshot -q -c $tmp/snap.conf -o $tmp/rooted.db 2>$tmp/err || fail "rooted snapshot: $(cat $tmp/err)"
q() { sqlite3 $tmp/rooted.db "$1"; }
# the shim works: the objects are gone from the ordinary views
[ "$(q "select count(*) from processes where pid=$sp")" = 0 ] || fail "shim did not hide the process"
[ "$(q "select count(*) from sockets where local_port=7777")" = 0 ] || fail "shim did not hide the port"
[ "$(q "select count(*) from files where path like '%h4secret%'")" = 0 ] || fail "shim did not hide the directory"
q "select kind||' '||what from hidden order by kind" > $tmp/hidden.txt
printf 'dir %s/root/visible\npid %s\ntcp 7777\n' "$tmp" "$sp" > $tmp/want.txt
if diff $tmp/want.txt $tmp/hidden.txt >&2; then
	ok "hidden: pid $sp, tcp port 7777, directory under visible/"
else
	fail "hidden objects differ (< missed, > noise)"
fi
q "select detail from hidden" | sed 's/^/  /'
"$apiary" diff $tmp/clean.db $tmp/rooted.db --json > $tmp/diff.json
jq -r '.findings[] | select(.rank == 100) | "\(.severity) \(.change) \(.what)"' $tmp/diff.json > $tmp/top.txt
printf 'critical added dir %s/root/visible\ncritical added pid %s\ncritical added tcp 7777\n' "$tmp" "$sp" > $tmp/want2.txt
diff $tmp/want2.txt $tmp/top.txt >&2 && ok "diff: the three hidden objects, critical" || fail "diff hidden findings"
[ "$(jq -r '[.findings[:3][].tag] | unique | .[]' $tmp/diff.json)" = hidden-object ] \
	|| fail "hidden objects are not the first findings"
exit $fails
INNER

timeout 300 unshare --pid --net --mount --fork --mount-proc \
	bash $tmp/inner.sh "$tmp" "$apiary"
rc=$?
[ $rc -eq 0 ] && { echo PASS; exit 0; }
echo "$rc failure(s)"; exit 1
