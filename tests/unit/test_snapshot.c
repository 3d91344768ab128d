/* summary: unit tests for the snapshot parsers: /proc files, passwd/group/shadow, crontab, keys, nlink rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/magic.h>

#include "forensics/hidden.h"
#include "forensics/parse.h"
#include "forensics/snapdb.h"
#include "forensics/snapshot.h"
#include "forensics/walk.h"

static void
test_proc_net_tcp(void **state)
{
	struct net_line nl;

	assert_int_equal(parse_proc_net_line("  sl  local_address rem_address"
	    "   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
	    "inode\n", 4, &nl), 1);
	assert_int_equal(parse_proc_net_line("   0: 0100007F:0277 00000000:0000"
	    " 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1"
	    " 0000000000000000 100 0 0 10 0\n", 4, &nl), 0);
	assert_string_equal(nl.local, "127.0.0.1");
	assert_int_equal(nl.local_port, 631);
	assert_string_equal(nl.remote, "0.0.0.0");
	assert_int_equal(nl.state, 10);
	assert_int_equal(nl.inode, 12345);
	assert_string_equal(tcp_state_name(nl.state, 0), "LISTEN");
	/* an established connection 192.0.2.1:22 <- 198.51.100.7:40000 */
	assert_int_equal(parse_proc_net_line("   1: 010200C0:0016 076433C"
	    "6:9C40 01 00000000:00000000 02:000AFC1B 00000000  1000        0 "
	    "777 2 0000000000000000 20 4 30 10 -1\n", 4, &nl), 0);
	assert_string_equal(nl.local, "192.0.2.1");
	assert_string_equal(nl.remote, "198.51.100.7");
	assert_int_equal(nl.remote_port, 40000);
	assert_int_equal(nl.uid, 1000);
	assert_string_equal(tcp_state_name(nl.state, 0), "ESTABLISHED");
	assert_string_equal(tcp_state_name(7, 1), "UNCONN");
	/* malformed: short address, bad port */
	assert_int_equal(parse_proc_net_line("   0: 0100007:0277 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n", 4, &nl), -1);
	assert_int_equal(parse_proc_net_line("   0: 0100007F:FFFFF 00000000:0000"
	    " 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n", 4, &nl), -1);
	assert_int_equal(parse_proc_net_line("garbage\n", 4, &nl), -1);
}

static void
test_proc_net_tcp6(void **state)
{
	struct net_line nl;

	/* [::]:22 listening */
	assert_int_equal(parse_proc_net_line("   0: 0000000000000000000000000000"
	    "0000:0016 00000000000000000000000000000000:0000 0A 00000000:00000"
	    "000 00:00000000 00000000     0        0 4242 1 0000000000000000 "
	    "100 0 0 10 0\n", 6, &nl), 0);
	assert_string_equal(nl.local, "::");
	assert_int_equal(nl.local_port, 22);
	/* ::1 is 00000000 00000000 00000000 01000000 in host-order words */
	assert_int_equal(parse_proc_net_line("   1: 0000000000000000000000000100"
	    "0000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000"
	    "000 00:00000000 00000000     0        0 4243 1 0000000000000000 "
	    "100 0 0 10 0\n", 6, &nl), 0);
	assert_string_equal(nl.local, "::1");
	assert_int_equal(nl.local_port, 8080);
	/* a v4 address in a v6 line is malformed */
	assert_int_equal(parse_proc_net_line("   0: 0100007F:0277 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n", 6, &nl), -1);
}

static void
test_proc_stat(void **state)
{
	struct proc_stat ps;
	char tty[32];

	/* comm with blanks and parentheses: the last ')' ends it */
	assert_int_equal(parse_proc_stat("4242 (evil (x) d) S 1 4242 4242 34816"
	    " 4242 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 100 "
	    "18446744073709551615\n", &ps), 0);
	assert_string_equal(ps.comm, "evil (x) d");
	assert_int_equal(ps.ppid, 1);
	assert_int_equal(ps.tty_nr, 34816);
	assert_int_equal(ps.start_ticks, 987654);
	tty_name(ps.tty_nr, tty, sizeof tty);
	assert_string_equal(tty, "pts/0");
	tty_name(0, tty, sizeof tty);
	assert_string_equal(tty, "");
	tty_name(4 << 8 | 1, tty, sizeof tty);
	assert_string_equal(tty, "tty1");
	assert_int_equal(parse_proc_stat("12 noparen S 1", &ps), -1);
	assert_int_equal(parse_proc_stat("12 (x) S", &ps), -1);

	unsigned r, e;
	assert_int_equal(parse_status_ids("Name:\tx\nUid:\t1000\t0\t0\t0\n"
	    "Gid:\t5\t6\t6\t6\n", "Uid:", &r, &e), 0);
	assert_int_equal(r, 1000);
	assert_int_equal(e, 0);
	assert_int_equal(parse_status_ids("Name:\tx\n", "Gid:", &r, &e), -1);
}

static void
test_modules(void **state)
{
	char l1[] = "nf_tables 348160 12 nft_chain_nat,nft_ct, Live "
	    "0xffffffffc0a00000\n";
	char l2[] = "veth 40960 0 - Live 0x0000000000000000 (E)\n";
	char l3[] = "broken 12x 0 - Live 0x0\n";
	char l4[] = "short 1\n";
	struct module_line m;

	assert_int_equal(parse_module_line(l1, &m), 0);
	assert_string_equal(m.name, "nf_tables");
	assert_int_equal(m.size, 348160);
	assert_int_equal(m.refcount, 12);
	assert_string_equal(m.state, "Live");
	assert_int_equal(parse_module_line(l2, &m), 0);
	assert_string_equal(m.used_by, "-");
	assert_int_equal(parse_module_line(l3, &m), -1);
	assert_int_equal(parse_module_line(l4, &m), -1);
}

static void
test_passwd_group(void **state)
{
	char p1[] = "root:x:0:0:root:/root:/bin/bash\n";
	char p2[] = "toor:x:0:0::/:/bin/sh";
	char p3[] = "bad:x:zero:0::/:/bin/sh";
	char p4[] = "short:x:0:0";
	char p5[] = "# comment";
	char p6[] = "+@netgroup::::::";
	char g1[] = "sudo:x:27:alice,bob\n";
	char g2[] = "sudo:x:-1:";
	struct passwd_line pw;
	struct group_line gr;

	assert_int_equal(parse_passwd_line(p1, &pw), 0);
	assert_string_equal(pw.name, "root");
	assert_int_equal(pw.uid, 0);
	assert_string_equal(pw.shell, "/bin/bash");
	assert_int_equal(parse_passwd_line(p2, &pw), 0);
	assert_string_equal(pw.home, "/");
	assert_string_equal(pw.gecos, "");
	assert_int_equal(parse_passwd_line(p3, &pw), -1);
	assert_int_equal(parse_passwd_line(p4, &pw), -1);
	assert_int_equal(parse_passwd_line(p5, &pw), 1);
	assert_int_equal(parse_passwd_line(p6, &pw), 1);
	assert_int_equal(parse_group_line(g1, &gr), 0);
	assert_string_equal(gr.members, "alice,bob");
	assert_int_equal(gr.gid, 27);
	assert_int_equal(parse_group_line(g2, &gr), -1);
}

static void
test_shadow_keeps_no_secret(void **state)
{
	char s1[] = "root:$6$salt$hashhashhash:19000:0:99999:7:::\n";
	char s2[] = "root:$6$salt$otherhash:19000:0:99999:7:::\n";
	char s3[] = "daemon:*:19000:0:99999:7:::";
	char s4[] = "bob:!$6$salt$hashhashhash:19000:0:99999:7:::";
	char s5[] = "eve::19000::::::";
	char s6[] = "bad:x:notanumber:0:99999:7:::";
	struct shadow_line a, b;

	assert_int_equal(parse_shadow_line(s1, &a), 0);
	assert_string_equal(a.state, "hash");
	assert_int_equal(strlen(a.fingerprint), 16);
	assert_null(strstr(a.fingerprint, "hash"));
	assert_int_equal(a.last_change, 19000);
	assert_int_equal(a.max, 99999);
	assert_int_equal(a.inactive, -1);
	assert_int_equal(parse_shadow_line(s2, &b), 0);
	assert_string_not_equal(a.fingerprint, b.fingerprint);
	assert_int_equal(parse_shadow_line(s3, &b), 0);
	assert_string_equal(b.state, "none");
	assert_int_equal(parse_shadow_line(s4, &b), 0);
	assert_string_equal(b.state, "locked");
	assert_int_equal(parse_shadow_line(s5, &b), 0);
	assert_string_equal(b.state, "empty");
	assert_int_equal(parse_shadow_line(s6, &b), -1);
}

static void
test_crontab(void **state)
{
	struct cron_line c;

	assert_int_equal(parse_cron_line("*/5  *\t* * *   root   /usr/bin/x "
	    "--flag\n", 1, &c), 0);
	assert_string_equal(c.schedule, "*/5 * * * *");
	assert_string_equal(c.user, "root");
	assert_string_equal(c.entry, "*/5 * * * * root /usr/bin/x --flag");
	assert_int_equal(strncmp(c.command, "/usr/bin/x --flag", 17), 0);
	assert_int_equal(parse_cron_line("@reboot /tmp/.x/run\n", 0, &c), 0);
	assert_string_equal(c.schedule, "@reboot");
	assert_string_equal(c.user, "");
	assert_int_equal(parse_cron_line("0 3 * * mon-fri curl x|sh", 0, &c), 0);
	assert_string_equal(c.schedule, "0 3 * * mon-fri");
	assert_int_equal(parse_cron_line("SHELL=/bin/sh\n", 1, &c), 1);
	assert_int_equal(parse_cron_line("PATH = /usr/bin\n", 1, &c), 1);
	assert_int_equal(parse_cron_line("  # m h dom mon dow\n", 1, &c), 1);
	assert_int_equal(parse_cron_line("\n", 1, &c), 1);
	assert_int_equal(parse_cron_line("* * * *\n", 0, &c), -1);
	assert_int_equal(parse_cron_line("* * * * * root\n", 1, &c), -1);
	assert_int_equal(parse_cron_line("a$ * * * * cmd\n", 0, &c), -1);
}

static void
test_authorized_keys(void **state)
{
	struct authkey_line k;
	const char *key = "AAAAC3NzaC1lZDI1NTE5AAAAIEp0CGB1kXJbHnqu3Ehp8VdoVd"
	    "M2dQXn0pJuZpY9rGpL";
	char line[512];

	snprintf(line, sizeof line, "ssh-ed25519 %s alice@host\n", key);
	assert_int_equal(parse_authkey_line(line, &k), 0);
	assert_string_equal(k.type, "ssh-ed25519");
	assert_string_equal(k.comment, "alice@host");
	assert_string_equal(k.options, "");
	/* as `ssh-keygen -lf` prints it */
	assert_string_equal(k.fingerprint,
	    "SHA256:1hZjz21WR6mdNo++XSzEOKeHJ7q85Htrj0eVRB0meQ8");
	char fp[64];
	snprintf(fp, sizeof fp, "%s", k.fingerprint);
	snprintf(line, sizeof line, "command=\"/bin/echo a b\",no-pty "
	    "ssh-ed25519 %s", key);
	assert_int_equal(parse_authkey_line(line, &k), 0);
	assert_string_equal(k.options, "command=\"/bin/echo a b\",no-pty");
	assert_string_equal(k.fingerprint, fp);
	assert_string_equal(k.comment, "");
	/* the bound: 16 KiB of base64 per key (RSA 16384 needs ~2.8 KiB) */
	{
		char *big = malloc(16500);
		assert_non_null(big);
		memcpy(big, "ssh-rsa ", 8);
		memset(big + 8, 'A', 16384);
		big[8 + 16384] = '\0';
		assert_int_equal(parse_authkey_line(big, &k), 0);
		memset(big + 8, 'A', 16388);
		big[8 + 16388] = '\0';
		assert_int_equal(parse_authkey_line(big, &k), -1);
		free(big);
	}
	assert_int_equal(parse_authkey_line("# nothing\n", &k), 1);
	assert_int_equal(parse_authkey_line("ssh-rsa notbase64!\n", &k), -1);
	assert_int_equal(parse_authkey_line("command=\"unterminated ssh-rsa "
	    "AAAA\n", &k), -1);
}

static void
test_nlink_rule(void **state)
{
	assert_int_equal(nlink_mismatch(EXT4_SUPER_MAGIC, 5, 3), 0);
	assert_int_equal(nlink_mismatch(EXT4_SUPER_MAGIC, 6, 3), 1);
	assert_int_equal(nlink_mismatch(EXT4_SUPER_MAGIC, 1, 70000), 0);
	assert_int_equal(nlink_mismatch(TMPFS_MAGIC, 2, 0), 0);
	assert_int_equal(nlink_mismatch(TMPFS_MAGIC, 3, 0), 1);
	assert_int_equal(nlink_mismatch(0x58465342 /* xfs */, 4, 1), 1);
	assert_int_equal(nlink_mismatch(BTRFS_SUPER_MAGIC, 1, 9), 0);
	assert_int_equal(nlink_mismatch(OVERLAYFS_SUPER_MAGIC, 1, 9), 0);
	assert_int_equal(fs_is_pseudo(PROC_SUPER_MAGIC), 1);
	assert_int_equal(fs_is_pseudo(SYSFS_MAGIC), 1);
	assert_int_equal(fs_is_pseudo(TMPFS_MAGIC), 0);
	assert_int_equal(fs_is_pseudo(EXT4_SUPER_MAGIC), 0);
}

/* The reader names the file and what is wrong with it. */
static void
test_foreign_database(void **state)
{
	char path[] = "/tmp/h4-test-snapdb-XXXXXX";
	int fd = mkstemp(path);
	struct error err;
	void *db;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not sqlite at all, just text\n", 29), 29);
	close(fd);
	db = snapdb_open_read(path, &err);
	assert_null(db);
	assert_non_null(strstr(err.msg, path));
	unlink(path);

	/* a valid snapshot opens; one with a wrong version does not */
	struct snapdb *w = snapdb_create(path, &err);
	assert_non_null(w);
	struct snap_val v[] = { SVS("tcp"), SVS("1"), SVS("x") };
	assert_int_equal(snapdb_insert(w, SNAP_HIDDEN, v, 3, &err), 0);
	assert_int_equal(snapdb_insert(w, SNAP_HIDDEN, v, 2, &err), -1);
	assert_int_equal(snapdb_finish(w, &err), 0);
	snapdb_free(w);
	db = snapdb_open_read(path, &err);
	assert_non_null(db);
	uint64_t rows;
	assert_int_equal(snapdb_read_all(db, &rows, &err), 0);
	assert_int_equal(rows, 1);
	snapdb_close_read(db);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "sqlite3 %s 'PRAGMA user_version=7' "
	    ">/dev/null 2>&1", path);
	if (system(cmd) == 0) {
		db = snapdb_open_read(path, &err);
		assert_null(db);
		assert_non_null(strstr(err.msg, "schema version 7"));
	}
	unlink(path);
}

static void
test_config(void **state)
{
	char path[] = "/tmp/h4-test-conf-XXXXXX";
	struct snap_options o;
	struct error err;
	FILE *f;
	int fd;

	snap_options_init(&o);
	assert_int_equal(o.nroots, 2);
	assert_int_equal(o.collect, COLLECT_ALL);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# test\ncollect files hidden\nroot /etc /usr/bin/\n"
	    "exclude /etc/ssl\nthreads 3\nhidden-pid-max 1000\n"
	    "hidden-ports no\n", f);
	fclose(f);
	assert_int_equal(snap_options_load(&o, path, &err), 0);
	assert_int_equal(o.collect, COLLECT_FILES | COLLECT_HIDDEN);
	assert_int_equal(o.nroots, 2);
	assert_string_equal(o.roots[1], "/usr/bin");
	assert_int_equal(o.nexcludes, 1);
	assert_int_equal(o.threads, 3);
	assert_int_equal(o.pid_max, 1000);
	assert_int_equal(o.hidden_ports, 0);
	snap_options_free(&o);

	snap_options_init(&o);
	f = fopen(path, "w");
	fputs("root /\ncollect files bogus\n", f);
	fclose(f);
	assert_int_equal(snap_options_load(&o, path, &err), -1);
	assert_non_null(strstr(err.msg, ":2: unknown collector 'bogus'"));
	snap_options_free(&o);
	snap_options_init(&o);
	f = fopen(path, "w");
	fputs("root relative/path\n", f);
	fclose(f);
	assert_int_equal(snap_options_load(&o, path, &err), -1);
	assert_non_null(strstr(err.msg, ":1: 'relative/path' is not an absolute"));
	snap_options_free(&o);
	unlink(path);
}

/* built-in modules (no initstate) are not hidden; a loadable one that
 * /proc/modules does not list is */
static void
test_hidden_modules(void **state)
{
	char dir[] = "/tmp/h4-test-mod-XXXXXX", db_path[300], cmd[600];
	struct error err;
	struct snapdb *db;
	uint64_t found = 0;
	void *rd;
	uint64_t rows;

	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cd %s && mkdir -p sys/ext4/parameters "
	    "sys/veth sys/diamorphine && echo live > sys/veth/initstate && "
	    "echo live > sys/diamorphine/initstate && printf 'veth 40960 0 - "
	    "Live 0x0\\nnf_tables 1 0 - Live 0x0\\n' > modules", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(db_path, sizeof db_path, "%s/s.db", dir);
	db = snapdb_create(db_path, &err);
	assert_non_null(db);
	char mods[300], sys[300];
	snprintf(mods, sizeof mods, "%s/modules", dir);
	snprintf(sys, sizeof sys, "%s/sys", dir);
	assert_int_equal(hidden_modules_at(db, mods, sys, &found, &err), 0);
	assert_int_equal(found, 1);
	assert_int_equal(snapdb_finish(db, &err), 0);
	snapdb_free(db);
	rd = snapdb_open_read(db_path, &err);
	assert_non_null(rd);
	assert_int_equal(snapdb_read_all(rd, &rows, &err), 0);
	assert_int_equal(rows, 1);
	snapdb_close_read(rd);
	snprintf(cmd, sizeof cmd, "test \"$(sqlite3 %s 'select what from "
	    "hidden where kind=\"module\"')\" = diamorphine", db_path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_net_tcp),
		cmocka_unit_test(test_proc_net_tcp6),
		cmocka_unit_test(test_proc_stat),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_passwd_group),
		cmocka_unit_test(test_shadow_keeps_no_secret),
		cmocka_unit_test(test_crontab),
		cmocka_unit_test(test_authorized_keys),
		cmocka_unit_test(test_nlink_rule),
		cmocka_unit_test(test_foreign_database),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_hidden_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
