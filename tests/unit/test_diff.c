/* summary: unit tests for the snapshot diff: classifier, ranking, merge, outputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "forensics/diff.h"
#include "forensics/snapdb.h"

/* files columns: path type mode uid gid size mtime ctime atime inode nlink
 * link caps sha256 error */
static struct diff_row
file_row(const char **v)
{
	return (struct diff_row){ snap_table(SNAP_FILES), v };
}

static int
classify(enum snap_table_id t, enum diff_change ch, const char **o,
    const char **n, const char *const *changed, int nchanged,
    const char **tag)
{
	struct diff_row ro = { snap_table(t), o }, rn = { snap_table(t), n };
	int rank = -1;

	if (!diff_classify(t, ch, o ? &ro : NULL, n ? &rn : NULL, changed,
	    nchanged, &rank, tag))
		return -1;
	return rank;
}

static void
test_file_classes(void **state)
{
	const char *tag;
	const char *suid[] = { "/usr/local/bin/x", "f", "3565", "0", "0", "10",
	    "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };
	const char *plain[] = { "/srv/www/index.html", "f", "420", "0", "0",
	    "10", "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };
	const char *capf[] = { "/opt/ping", "f", "493", "0", "0", "10", "5",
	    "5", "5", "9", "1", NULL, "0100000200200000", "ab", NULL };
	const char *tmp[] = { "/dev/shm/payload", "f", "493", "0", "0", "10",
	    "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };
	const char *dotdir[] = { "/var/lib/. ", "d", "493", "0", "0", "0", "5",
	    "5", "5", "9", "2", NULL, NULL, NULL, NULL };
	const char *indot[] = { "/var/lib/.x/tool", "f", "493", "0", "0", "10",
	    "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };
	const char *log[] = { "/var/log/auth.log", "f", "416", "0", "4", "10",
	    "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };

	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, suid, NULL, 0,
	    &tag), 85);
	assert_string_equal(tag, "setuid-setgid-or-capability");
	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, capf, NULL, 0,
	    &tag), 85);
	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, tmp, NULL, 0,
	    &tag), 50);
	assert_string_equal(tag, "new-file-in-temp");
	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, dotdir, NULL, 0,
	    &tag), 52);
	assert_string_equal(tag, "hidden-dot-directory");
	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, indot, NULL, 0,
	    &tag), 48);
	assert_int_equal(classify(SNAP_FILES, DIFF_ADDED, NULL, plain, NULL, 0,
	    &tag), 18);
	assert_string_equal(tag, "file-added");
	assert_int_equal(classify(SNAP_FILES, DIFF_REMOVED, log, NULL, NULL, 0,
	    &tag), 45);
	assert_string_equal(tag, "log-removed");
	/* a setuid bit gained on an existing file */
	{
		const char *ch[] = { "mode", "ctime_ns" };
		const char *o[] = { "/usr/local/bin/x", "f", "493", "0", "0",
		    "10", "5", "5", "5", "9", "1", NULL, NULL, "ab", NULL };
		assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, o, suid, ch,
		    2, &tag), 85);
	}
}

static void
test_changed_files(void **state)
{
	const char *tag;
	const char *o[] = { "/usr/bin/ls", "f", "493", "0", "0", "10", "500",
	    "500", "5", "9", "1", NULL, NULL, "aa", NULL };
	const char *n[] = { "/usr/bin/ls", "f", "493", "0", "0", "12", "600",
	    "600", "5", "9", "1", NULL, NULL, "bb", NULL };
	const char *ch[] = { "size", "mtime_ns", "ctime_ns", "sha256" };
	/* timestomp: mtime back to 100 while ctime moved on */
	const char *so[] = { "/etc/hosts", "f", "420", "0", "0", "10", "500",
	    "500", "5", "9", "1", NULL, NULL, "aa", NULL };
	const char *sn[] = { "/etc/hosts", "f", "420", "0", "0", "10", "100",
	    "700", "5", "9", "1", NULL, NULL, "aa", NULL };
	const char *sch[] = { "mtime_ns", "ctime_ns" };
	/* a directory whose listing changed: not a finding */
	const char *dop[] = { "/etc", "d", "493", "0", "0", "0", "500", "500",
	    "5", "9", "80", NULL, NULL, NULL, NULL };
	const char *dnp[] = { "/etc", "d", "493", "0", "0", "0", "600", "600",
	    "5", "9", "81", NULL, NULL, NULL, NULL };
	const char *dch[] = { "mtime_ns", "ctime_ns", "nlink" };
	const char *dmode[] = { "/etc", "d", "511", "0", "0", "0", "600", "600",
	    "5", "9", "81", NULL, NULL, NULL, NULL };
	const char *dmch[] = { "mode", "mtime_ns", "ctime_ns", "nlink" };

	assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, o, n, ch, 4, &tag),
	    75);
	assert_string_equal(tag, "system-binary-changed");
	o[0] = n[0] = "/srv/data";
	assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, o, n, ch, 4, &tag),
	    22);
	assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, so, sn, sch, 2,
	    &tag), 65);
	assert_string_equal(tag, "timestomp");
	assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, dop, dnp, dch, 3,
	    &tag), -1);
	assert_int_equal(classify(SNAP_FILES, DIFF_CHANGED, dop, dmode, dmch, 4,
	    &tag), 20);
	assert_string_equal(tag, "attributes-changed");
	(void)file_row;
}

static void
test_other_classes(void **state)
{
	const char *tag;
	const char *listen[] = { "tcp", "4", "0.0.0.0", "4444", "", "0",
	    "LISTEN", "0", "77", "12", "nc" };
	const char *conn[] = { "tcp", "4", "192.0.2.1", "22", "198.51.100.7",
	    "40000", "ESTABLISHED", "0", "78", "13", "sshd" };
	const char *root2[] = { "toor", "0", "0", "", "/root", "/bin/sh" };
	const char *user[] = { "web", "1001", "1001", "", "/home/web",
	    "/bin/sh" };
	const char *mod[] = { "diamorphine", "16384", "Live", "0", "-", "proc" };
	const char *cron[] = { "/etc/cron.d/x", "* * * * * root /tmp/x",
	    "* * * * *", "root", "/tmp/x" };
	const char *hid[] = { "pid", "4242", "answers kill(0)" };
	const char *proc[] = { "4242", "100", "1", "0", "0", "0", "0", "1", "x",
	    "/tmp/x", "1", "ab", "/tmp/x", "/", "" };

	assert_int_equal(classify(SNAP_SOCKETS, DIFF_ADDED, NULL, listen, NULL,
	    0, &tag), 95);
	assert_string_equal(tag, "new-listener");
	assert_int_equal(classify(SNAP_SOCKETS, DIFF_ADDED, NULL, conn, NULL,
	    0, &tag), 38);
	assert_int_equal(classify(SNAP_USERS, DIFF_ADDED, NULL, root2, NULL, 0,
	    &tag), 90);
	assert_string_equal(tag, "new-uid0-user");
	assert_int_equal(classify(SNAP_USERS, DIFF_ADDED, NULL, user, NULL, 0,
	    &tag), 60);
	{
		const char *ch[] = { "uid" };
		assert_int_equal(classify(SNAP_USERS, DIFF_CHANGED, user, root2,
		    ch, 1, &tag), 90);
	}
	assert_int_equal(classify(SNAP_MODULES, DIFF_ADDED, NULL, mod, NULL, 0,
	    &tag), 80);
	assert_int_equal(classify(SNAP_CRON, DIFF_ADDED, NULL, cron, NULL, 0,
	    &tag), 70);
	assert_int_equal(classify(SNAP_HIDDEN, DIFF_ADDED, NULL, hid, NULL, 0,
	    &tag), 100);
	assert_int_equal(classify(SNAP_PROCESSES, DIFF_ADDED, NULL, proc, NULL,
	    0, &tag), 68);
	assert_string_equal(tag, "process-deleted-exe");
	/* the order of severity */
	assert_true(95 > 90 && 90 > 85 && 85 > 80 && 80 > 75 && 75 > 70 &&
	    70 > 65 && 65 > 50);
	assert_string_equal(diff_severity(100), "critical");
	assert_string_equal(diff_severity(75), "high");
	assert_string_equal(diff_severity(50), "medium");
	assert_string_equal(diff_severity(18), "low");
	assert_string_equal(diff_severity(10), "info");
}

static void
make_db(const char *path, int variant)
{
	struct error err;
	struct snapdb *db = snapdb_create(path, &err);

	assert_non_null(db);
	for (int i = 0; i < 100; i++) {
		char p[64], sha[16];
		if (variant && i == 10)
			continue;		/* removed */
		snprintf(p, sizeof p, "/data/f%03d", i);
		snprintf(sha, sizeof sha, "%s%d", variant && i == 20 ? "x" : "",
		    i);
		struct snap_val v[] = { SVS(p), SVS("f"), SVI(0644), SVI(0),
		    SVI(0), SVI(i), SVI(1000), SVI(1000), SVI(1000), SVI(i + 1),
		    SVI(1), SVN, SVN, SVS(sha), SVN };
		assert_int_equal(snapdb_insert(db, SNAP_FILES, v, 15, &err), 0);
	}
	if (variant) {
		struct snap_val v[] = { SVS("tcp"), SVI(4), SVS("0.0.0.0"),
		    SVI(31337), SVS(""), SVI(0), SVS("LISTEN"), SVI(0), SVI(5),
		    SVI(99), SVS("backdoor") };
		assert_int_equal(snapdb_insert(db, SNAP_SOCKETS, v, 11, &err), 0);
		struct snap_val f[] = { SVS("/data/zz new|pipe"), SVS("f"),
		    SVI(0644), SVI(0), SVI(0), SVI(1), SVI(2000000000),
		    SVI(3000000000), SVI(1000000000), SVI(7), SVI(1), SVN, SVN,
		    SVS("ee"), SVN };
		assert_int_equal(snapdb_insert(db, SNAP_FILES, f, 15, &err), 0);
	}
	assert_int_equal(snapdb_set_meta(db, "started", variant ?
	    "2026-01-02T00:00:00Z" : "2026-01-01T00:00:00Z", &err), 0);
	assert_int_equal(snapdb_finish(db, &err), 0);
	snapdb_free(db);
}

static void
test_merge_and_outputs(void **state)
{
	char a[] = "/tmp/h4-diff-a-XXXXXX", b[] = "/tmp/h4-diff-b-XXXXXX";
	struct diff_result *r;
	struct error err;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	close(mkstemp(a));
	close(mkstemp(b));
	make_db(a, 0);
	make_db(b, 1);
	assert_int_equal(diff_run(a, b, &r, &err), 0);
	assert_int_equal(r->n, 4);
	assert_int_equal(r->added, 2);
	assert_int_equal(r->removed, 1);
	assert_int_equal(r->changed, 1);
	assert_int_equal(diff_exit_status(r), 7);
	/* most severe first */
	assert_string_equal(r->f[0].tag, "new-listener");
	assert_string_equal(r->f[0].what, "tcp 0.0.0.0:31337");
	mem = open_memstream(&text, &len);
	assert_int_equal(diff_write_bodyfile(r, mem, &err), 0);
	fclose(mem);
	assert_non_null(strstr(text, "0|/data/zz new\\|pipe|7|r/rrw-r--r--|0|0"
	    "|1|1|2|3|0\n"));
	assert_non_null(strstr(text, "0|/data/f010 (deleted)|11|"));
	free(text);
	mem = open_memstream(&text, &len);
	assert_int_equal(diff_write_eve(r, mem, &err), 0);
	fclose(mem);
	assert_non_null(strstr(text, "\"event_type\":\"snapshot\""));
	assert_non_null(strstr(text, "\"tag\":\"new-listener\""));
	int lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 4);
	free(text);
	diff_result_free(r);
	/* same file twice: no differences, exit 0 */
	assert_int_equal(diff_run(a, a, &r, &err), 0);
	assert_int_equal(r->n, 0);
	assert_int_equal(diff_exit_status(r), 0);
	diff_result_free(r);
	/* a foreign old file is refused with its name */
	FILE *f = fopen(a, "w");
	fputs("hello", f);
	fclose(f);
	assert_int_equal(diff_run(a, b, &r, &err), -1);
	assert_non_null(strstr(err.msg, a));
	unlink(a);
	unlink(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_classes),
		cmocka_unit_test(test_changed_files),
		cmocka_unit_test(test_other_classes),
		cmocka_unit_test(test_merge_and_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
