/* summary: collectors of system state: processes, sockets, modules, accounts, cron, startup, mounts. */
#include "forensics/collect.h"

/*
 * Collection order follows the order of volatility (TCT's grave-robber):
 * processes and network state first, then kernel modules and mounts, then
 * the configuration on disk.  Everything read from files an intruder may
 * control is bounded: COLLECT_MAX_FILE bytes per file (the rest is not
 * read), COLLECT_MAX_ARG bytes of a command line, COLLECT_MAX_SOCKETS
 * socket owners, COLLECT_MAX_DIR entries per configuration directory.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/parse.h"
#include "forensics/walk.h"

#define COLLECT_MAX_FILE (4u << 20)
#define COLLECT_MAX_ARG 4096
#define COLLECT_MAX_SOCKETS (1u << 20)
#define COLLECT_MAX_DIR 100000
#define EXE_CACHE 1024

#define NV(v) ((int)(sizeof(v) / sizeof((v)[0])))

char *
read_small_file(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	while (len < max) {
		if (len == cap) {
			size_t ncap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (nb == NULL)
				break;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static int
is_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* ---- processes ---------------------------------------------------------- */

struct exe_cache {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	char sha[65];
};

static const char *
exe_hash(struct exe_cache *cache, int *ncache, int pid, unsigned char *buf,
    size_t buflen, char out[65])
{
	char path[64];
	struct stat st;
	uint64_t bytes;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	/* Opening /proc/PID/exe reaches the binary even when deleted. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	for (int i = 0; i < *ncache; i++)
		if (cache[i].dev == st.st_dev && cache[i].ino == st.st_ino &&
		    cache[i].mtime.tv_sec == st.st_mtim.tv_sec &&
		    cache[i].mtime.tv_nsec == st.st_mtim.tv_nsec) {
			close(fd);
			memcpy(out, cache[i].sha, 65);
			return out;
		}
	if (hash_fd(fd, buf, buflen, out, &bytes) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	if (*ncache < EXE_CACHE) {
		cache[*ncache].dev = st.st_dev;
		cache[*ncache].ino = st.st_ino;
		cache[*ncache].mtime = st.st_mtim;
		memcpy(cache[*ncache].sha, out, 65);
		(*ncache)++;
	}
	return out;
}

static uint64_t
boot_time(void)
{
	char *stat = read_small_file("/proc/stat", 1u << 20, NULL);
	unsigned long long bt = 0;
	char *p;

	if (stat == NULL)
		return 0;
	p = strstr(stat, "\nbtime ");
	if (p != NULL)
		bt = strtoull(p + 7, NULL, 10);
	free(stat);
	return bt;
}

static int
one_process(struct snapdb *db, int pid, uint64_t btime, long hz,
    struct exe_cache *cache, int *ncache, unsigned char *buf,
    struct error *err)
{
	char path[64], exe[PATH_MAX + 1], cwd[PATH_MAX + 1], tty[32];
	char sha[65], *text, *cmd;
	const char *shap = NULL;
	struct proc_stat ps;
	unsigned uid = 0, euid = 0, gid = 0, egid = 0;
	size_t len = 0;
	ssize_t n;
	int deleted = 0, have_exe = 0, rc;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	text = read_small_file(path, 4096, NULL);
	if (text == NULL)
		return 0;	/* exited meanwhile */
	rc = parse_proc_stat(text, &ps);
	free(text);
	if (rc < 0) {
		snapdb_note_error(db, path, "unparsable");
		return 0;
	}
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	text = read_small_file(path, 65536, NULL);
	if (text != NULL) {
		(void)parse_status_ids(text, "Uid:", &uid, &euid);
		(void)parse_status_ids(text, "Gid:", &gid, &egid);
		free(text);
	}
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof exe - 1);
	if (n >= 0) {
		exe[n] = '\0';
		have_exe = 1;
		if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0) {
			deleted = 1;
			exe[n - 10] = '\0';
		}
		shap = exe_hash(cache, ncache, pid, buf, WALK_READ_SMALL, sha);
	}
	snprintf(path, sizeof path, "/proc/%d/cwd", pid);
	n = readlink(path, cwd, sizeof cwd - 1);
	cwd[n >= 0 ? n : 0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	cmd = read_small_file(path, COLLECT_MAX_ARG, &len);
	if (cmd != NULL) {
		for (size_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		while (len > 0 && cmd[len - 1] == ' ')
			cmd[--len] = '\0';
	}
	tty_name(ps.tty_nr, tty, sizeof tty);
	/* A kworker's name carries the workqueue it serves right now
	 * ("kworker/0:2-events"): keep the stable part, or every diff
	 * would report kernel threads as changed. */
	if (strncmp(ps.comm, "kworker/", 8) == 0 && !have_exe) {
		char *dash = strchr(ps.comm + 8, '-');
		if (dash != NULL && dash != ps.comm + 9)
			*dash = '\0';
	}
	struct snap_val v[] = {
		SVI(pid), SVI(ps.start_ticks), SVI(ps.ppid), SVI(uid),
		SVI(gid), SVI(euid), SVI(egid),
		SVI(btime + (hz > 0 ? ps.start_ticks / (uint64_t)hz : 0)),
		SVS(ps.comm), have_exe ? SVS(exe) : SVN, SVI(deleted),
		SVS(shap), SVS(cmd), n >= 0 ? SVS(cwd) : SVN, SVS(tty),
	};
	rc = snapdb_insert(db, SNAP_PROCESSES, v, NV(v), err);
	free(cmd);
	return rc;
}

int
collect_processes(struct snapdb *db, pid_t self, struct error *err)
{
	struct exe_cache *cache = calloc(EXE_CACHE, sizeof *cache);
	unsigned char *buf = malloc(WALK_READ_SMALL);
	uint64_t btime = boot_time();
	long hz = sysconf(_SC_CLK_TCK);
	int ncache = 0, rc = 0;
	DIR *d;
	struct dirent *de;

	if (cache == NULL || buf == NULL) {
		free(cache);
		free(buf);
		return error_set(err, "out of memory");
	}
	d = opendir("/proc");
	if (d == NULL) {
		snapdb_note_error(db, "processes", strerror(errno));
		free(cache);
		free(buf);
		return 0;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!is_number(de->d_name))
			continue;
		int pid = atoi(de->d_name);
		if (pid == self)
			continue;
		rc = one_process(db, pid, btime, hz, cache, &ncache, buf, err);
	}
	closedir(d);
	free(cache);
	free(buf);
	return rc;
}

/* ---- sockets ------------------------------------------------------------ */

struct owner {
	uint64_t inode;
	int pid;
};

static int
owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Maps socket inodes to the first process holding them (by pid order). */
static struct owner *
socket_owners(size_t *n)
{
	struct owner *o = NULL;
	size_t len = 0, cap = 0;
	DIR *d = opendir("/proc"), *fdd;
	struct dirent *de, *fe;
	char path[96], link[64];

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (!is_number(de->d_name))
			continue;
		snprintf(path, sizeof path, "/proc/%s/fd", de->d_name);
		fdd = opendir(path);
		if (fdd == NULL)
			continue;
		while ((fe = readdir(fdd)) != NULL && len < COLLECT_MAX_SOCKETS) {
			ssize_t k;
			unsigned long long ino;

			if (!is_number(fe->d_name))
				continue;
			snprintf(path, sizeof path, "/proc/%s/fd/%s",
			    de->d_name, fe->d_name);
			k = readlink(path, link, sizeof link - 1);
			if (k < 0)
				continue;
			link[k] = '\0';
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			if (len == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct owner *no = realloc(o, nc * sizeof *o);
				if (no == NULL)
					break;
				o = no;
				cap = nc;
			}
			o[len].inode = ino;
			o[len].pid = atoi(de->d_name);
			len++;
		}
		closedir(fdd);
	}
	closedir(d);
	if (o != NULL)
		qsort(o, len, sizeof *o, owner_cmp);
	*n = len;
	return o;
}

static int
pid_comm(int pid, char *out, size_t len)
{
	char path[64], *t;

	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	t = read_small_file(path, 64, NULL);
	if (t == NULL)
		return -1;
	t[strcspn(t, "\n")] = '\0';
	snprintf(out, len, "%s", t);
	free(t);
	return 0;
}

int
collect_sockets(struct snapdb *db, struct error *err)
{
	static const struct {
		const char *file, *proto;
		int family, udp;
	} files[] = {
		{ "/proc/net/tcp", "tcp", 4, 0 }, { "/proc/net/tcp6", "tcp", 6, 0 },
		{ "/proc/net/udp", "udp", 4, 1 }, { "/proc/net/udp6", "udp", 6, 1 },
	};
	size_t nown = 0;
	struct owner *own = socket_owners(&nown);
	int rc = 0;

	for (size_t f = 0; f < sizeof files / sizeof files[0] && rc == 0; f++) {
		FILE *fp = fopen(files[f].file, "re");
		char *line = NULL;
		size_t cap = 0;
		struct net_line nl;

		if (fp == NULL) {
			if (errno != ENOENT)
				snapdb_note_error(db, files[f].file,
				    strerror(errno));
			continue;
		}
		while (rc == 0 && getline(&line, &cap, fp) > 0) {
			int r = parse_proc_net_line(line, files[f].family, &nl);
			if (r < 0)
				snapdb_note_error(db, files[f].file,
				    "unparsable line");
			if (r != 0)
				continue;
			/* Keep services and connections, not the transient
			 * handshake and teardown states. */
			if (files[f].udp ? (nl.state != 7 && nl.state != 1) :
			    (nl.state != 10 && nl.state != 1))
				continue;
			struct owner key = { .inode = nl.inode }, *hit = NULL;
			char comm[64] = "";
			if (own != NULL && nl.inode != 0)
				hit = bsearch(&key, own, nown, sizeof *own,
				    owner_cmp);
			if (hit != NULL)
				(void)pid_comm(hit->pid, comm, sizeof comm);
			int listening = files[f].udp ? nl.state == 7 :
			    nl.state == 10;
			struct snap_val v[] = {
				SVS(files[f].proto), SVI(files[f].family),
				SVS(nl.local), SVI(nl.local_port),
				SVS(listening ? "" : nl.remote),
				SVI(listening ? 0 : nl.remote_port),
				SVS(listening ? "LISTEN" : "ESTABLISHED"),
				SVI(nl.uid), SVI(nl.inode),
				hit ? SVI(hit->pid) : SVN, hit ? SVS(comm) : SVN,
			};
			rc = snapdb_insert(db, SNAP_SOCKETS, v, NV(v), err);
		}
		free(line);
		fclose(fp);
	}
	free(own);
	return rc;
}

/* ---- modules, mounts ---------------------------------------------------- */

int
collect_modules(struct snapdb *db, struct error *err)
{
	FILE *fp = fopen("/proc/modules", "re");
	char *line = NULL;
	size_t cap = 0;
	struct module_line ml;
	int rc = 0;

	if (fp == NULL) {
		if (errno != ENOENT)	/* a kernel without modules */
			snapdb_note_error(db, "/proc/modules", strerror(errno));
		return 0;
	}
	while (rc == 0 && getline(&line, &cap, fp) > 0) {
		int r = parse_module_line(line, &ml);
		if (r < 0)
			snapdb_note_error(db, "/proc/modules", "unparsable line");
		if (r != 0)
			continue;
		struct snap_val v[] = {
			SVS(ml.name), SVI(ml.size), SVS(ml.state),
			SVI(ml.refcount), SVS(ml.used_by), SVS("proc"),
		};
		rc = snapdb_insert(db, SNAP_MODULES, v, NV(v), err);
	}
	free(line);
	fclose(fp);
	return rc;
}

/* Undoes the \040-style octal escapes of /proc/self/mountinfo. */
static void
unescape_octal(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int
collect_mounts(struct snapdb *db, struct error *err)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if (fp == NULL) {
		snapdb_note_error(db, "/proc/self/mountinfo", strerror(errno));
		return 0;
	}
	while (rc == 0 && getline(&line, &cap, fp) > 0) {
		char *f[16], *p = line, *dash;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		dash = strstr(line, " - ");
		if (dash == NULL)
			continue;
		*dash = '\0';
		while (n < 6 && (f[n] = strsep(&p, " ")) != NULL)
			n++;
		p = dash + 3;
		char *fstype = strsep(&p, " "), *source = strsep(&p, " ");
		char *super = p;
		if (n < 6 || fstype == NULL || source == NULL)
			continue;
		unescape_octal(f[4]);
		unescape_octal(source);
		char opts[1024];
		snprintf(opts, sizeof opts, "%s%s%s", f[5],
		    super ? "," : "", super ? super : "");
		struct snap_val v[] = { SVS(f[4]), SVS(source), SVS(fstype),
		    SVS(opts) };
		rc = snapdb_insert(db, SNAP_MOUNTS, v, NV(v), err);
	}
	free(line);
	fclose(fp);
	return rc;
}

/* ---- accounts ----------------------------------------------------------- */

/* Calls fn on each line of root+rel; missing file: nothing. */
static int
each_line(struct snapdb *db, const char *root, const char *rel,
    int (*fn)(struct snapdb *, const char *, char *, void *, struct error *),
    void *arg, struct error *err)
{
	char path[PATH_MAX];
	char *text, *p, *line;
	int rc = 0;

	snprintf(path, sizeof path, "%s%s", root, rel);
	text = read_small_file(path, COLLECT_MAX_FILE, NULL);
	if (text == NULL) {
		if (errno != ENOENT && errno != ENOTDIR)
			snapdb_note_error(db, rel, strerror(errno));
		return 0;
	}
	for (p = text; rc == 0 && (line = strsep(&p, "\n")) != NULL;)
		rc = fn(db, rel, line, arg, err);
	free(text);
	return rc;
}

static int
passwd_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct passwd_line pw;
	int r = parse_passwd_line(line, &pw);

	if (r < 0)
		snapdb_note_error(db, file, "malformed line");
	if (r != 0)
		return 0;
	struct snap_val v[] = { SVS(pw.name), SVI(pw.uid), SVI(pw.gid),
	    SVS(pw.gecos), SVS(pw.home), SVS(pw.shell) };
	return snapdb_insert(db, SNAP_USERS, v, NV(v), err);
}

static int
group_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct group_line gr;
	int r = parse_group_line(line, &gr);

	if (r < 0)
		snapdb_note_error(db, file, "malformed line");
	if (r != 0)
		return 0;
	struct snap_val v[] = { SVS(gr.name), SVI(gr.gid), SVS(gr.members) };
	return snapdb_insert(db, SNAP_GROUPS, v, NV(v), err);
}

static struct snap_val
opt_long(long v)
{
	return v < 0 ? SVN : SVI(v);
}

static int
shadow_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct shadow_line sh;
	int r = parse_shadow_line(line, &sh);

	if (r < 0)
		snapdb_note_error(db, file, "malformed line");
	if (r == 0) {
		struct snap_val v[] = { SVS(sh.name), SVS(sh.state),
		    SVS(sh.fingerprint), opt_long(sh.last_change),
		    opt_long(sh.min), opt_long(sh.max), opt_long(sh.warn),
		    opt_long(sh.inactive), opt_long(sh.expire) };
		r = snapdb_insert(db, SNAP_SHADOW, v, NV(v), err);
	} else {
		r = 0;
	}
	explicit_bzero(line, strlen(line));
	return r;
}

int
collect_accounts(struct snapdb *db, const char *root, struct error *err)
{
	int rc;

	if ((rc = each_line(db, root, "/etc/passwd", passwd_fn, NULL, err)) < 0
	    || (rc = each_line(db, root, "/etc/group", group_fn, NULL, err)) < 0)
		return rc;
	return each_line(db, root, "/etc/shadow", shadow_fn, NULL, err);
}

/* ---- authorized_keys ---------------------------------------------------- */

struct keyfile {
	const char *user;
};

static int
authkey_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct keyfile *kf = arg;
	struct authkey_line ak;
	int r = parse_authkey_line(line, &ak);

	if (r < 0)
		snapdb_note_error(db, file, "malformed key line");
	if (r != 0)
		return 0;
	struct snap_val v[] = { SVS(file), SVS(ak.fingerprint), SVS(kf->user),
	    SVS(ak.type), SVS(ak.options), SVS(ak.comment) };
	return snapdb_insert(db, SNAP_AUTHKEYS, v, NV(v), err);
}

struct home_list {
	char *user[4096], *home[4096];
	int n;
};

static int
home_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct home_list *h = arg;
	struct passwd_line pw;

	if (parse_passwd_line(line, &pw) != 0 || h->n >= 4096 ||
	    pw.home[0] != '/')
		return 0;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->home[i], pw.home) == 0)
			return 0;
	h->user[h->n] = strdup(pw.name);
	h->home[h->n] = strdup(pw.home);
	if (h->user[h->n] == NULL || h->home[h->n] == NULL) {
		free(h->user[h->n]);
		free(h->home[h->n]);
		return error_set(err, "out of memory");
	}
	h->n++;
	return 0;
}

int
collect_authkeys(struct snapdb *db, const char *root, struct error *err)
{
	struct home_list *h = calloc(1, sizeof *h);
	static const char *const names[] = { "/.ssh/authorized_keys",
	    "/.ssh/authorized_keys2" };
	int rc;

	if (h == NULL)
		return error_set(err, "out of memory");
	rc = each_line(db, root, "/etc/passwd", home_fn, h, err);
	for (int i = 0; rc == 0 && i < h->n; i++)
		for (int k = 0; rc == 0 && k < 2; k++) {
			char rel[PATH_MAX];
			struct keyfile kf = { h->user[i] };

			snprintf(rel, sizeof rel, "%s%s",
			    strcmp(h->home[i], "/") == 0 ? "" : h->home[i],
			    names[k]);
			rc = each_line(db, root, rel, authkey_fn, &kf, err);
		}
	for (int i = 0; i < h->n; i++) {
		free(h->user[i]);
		free(h->home[i]);
	}
	free(h);
	return rc;
}

/* ---- cron --------------------------------------------------------------- */

struct cronfile {
	int system;
	const char *user;
};

static int
cron_fn(struct snapdb *db, const char *file, char *line, void *arg,
    struct error *err)
{
	struct cronfile *cf = arg;
	struct cron_line cl;
	int r = parse_cron_line(line, cf->system, &cl);

	if (r < 0)
		snapdb_note_error(db, file, "malformed crontab line");
	if (r != 0)
		return 0;
	struct snap_val v[] = { SVS(file), SVS(cl.entry), SVS(cl.schedule),
	    SVS(cf->system ? cl.user : cf->user), SVS(cl.command) };
	return snapdb_insert(db, SNAP_CRON, v, NV(v), err);
}

/* Calls fn(name) for each entry of root+dir, sorted (deterministic). */
static int
each_entry(struct snapdb *db, const char *root, const char *dir,
    int (*fn)(struct snapdb *, const char *, const char *, void *,
    struct error *), void *arg, struct error *err)
{
	char path[PATH_MAX];
	struct dirent **list = NULL;
	int n, rc = 0;

	snprintf(path, sizeof path, "%s%s", root, dir);
	n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			snapdb_note_error(db, dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0 && i < COLLECT_MAX_DIR &&
		    strcmp(list[i]->d_name, ".") != 0 &&
		    strcmp(list[i]->d_name, "..") != 0)
			rc = fn(db, dir, list[i]->d_name, arg, err);
		free(list[i]);
	}
	free(list);
	return rc;
}

struct croot {
	const char *root;
	const char *schedule;		/* for cron.daily & co. */
	int system, user_from_name;
};

static int
cron_dir_fn(struct snapdb *db, const char *dir, const char *name, void *arg,
    struct error *err)
{
	struct croot *c = arg;
	char rel[PATH_MAX], real[PATH_MAX];
	struct stat st;

	snprintf(rel, sizeof rel, "%s/%s", dir, name);
	snprintf(real, sizeof real, "%s%s", c->root, rel);
	if (lstat(real, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (c->schedule != NULL) {	/* a script run by run-parts */
		struct snap_val v[] = { SVS(rel), SVS(rel), SVS(c->schedule),
		    SVS("root"), SVS(rel) };
		return snapdb_insert(db, SNAP_CRON, v, NV(v), err);
	}
	struct cronfile cf = { c->system, c->user_from_name ? name : NULL };
	return each_line(db, c->root, rel, cron_fn, &cf, err);
}

int
collect_cron(struct snapdb *db, const char *root, struct error *err)
{
	static const char *const periodic[][2] = {
		{ "/etc/cron.hourly", "@hourly" }, { "/etc/cron.daily", "@daily" },
		{ "/etc/cron.weekly", "@weekly" },
		{ "/etc/cron.monthly", "@monthly" },
	};
	struct cronfile sys = { 1, NULL };
	struct croot c = { root, NULL, 1, 0 };
	int rc;

	if ((rc = each_line(db, root, "/etc/crontab", cron_fn, &sys, err)) < 0 ||
	    (rc = each_entry(db, root, "/etc/cron.d", cron_dir_fn, &c, err)) < 0)
		return rc;
	c.system = 0;
	c.user_from_name = 1;
	if ((rc = each_entry(db, root, "/var/spool/cron/crontabs", cron_dir_fn,
	    &c, err)) < 0 ||
	    (rc = each_entry(db, root, "/var/spool/cron", cron_dir_fn, &c,
	    err)) < 0)
		return rc;
	for (size_t i = 0; i < sizeof periodic / sizeof periodic[0]; i++) {
		c.schedule = periodic[i][1];
		if ((rc = each_entry(db, root, periodic[i][0], cron_dir_fn, &c,
		    err)) < 0)
			return rc;
	}
	return 0;
}

/* ---- startup: systemd units, init scripts ------------------------------- */

struct sroot {
	const char *root, *kind;
	int depth;
};

static int
startup_fn(struct snapdb *db, const char *dir, const char *name, void *arg,
    struct error *err)
{
	struct sroot *s = arg;
	char rel[PATH_MAX], real[PATH_MAX], target[PATH_MAX], sha[65];
	unsigned char *buf;
	struct stat st;
	ssize_t n;
	uint64_t bytes;
	int fd;

	snprintf(rel, sizeof rel, "%s/%s", dir, name);
	snprintf(real, sizeof real, "%s%s", s->root, rel);
	if (lstat(real, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		/* foo.wants/, foo.d/ drop-ins: one level down */
		if (s->depth > 0)
			return 0;
		struct sroot sub = { s->root, s->kind, 1 };
		return each_entry(db, s->root, rel, startup_fn, &sub, err);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(real, target, sizeof target - 1);
		target[n >= 0 ? n : 0] = '\0';
		struct snap_val v[] = { SVS(rel), SVS(s->kind), SVS(target),
		    SVN };
		return snapdb_insert(db, SNAP_STARTUP, v, NV(v), err);
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	sha[0] = '\0';
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	buf = malloc(WALK_READ_SMALL);
	if (fd >= 0 && buf != NULL)
		(void)hash_fd(fd, buf, WALK_READ_SMALL, sha, &bytes);
	free(buf);
	if (fd >= 0)
		close(fd);
	struct snap_val v[] = { SVS(rel), SVS(s->kind), SVN,
	    sha[0] ? SVS(sha) : SVN };
	return snapdb_insert(db, SNAP_STARTUP, v, NV(v), err);
}

int
collect_startup(struct snapdb *db, const char *root, struct error *err)
{
	static const char *const dirs[][2] = {
		{ "/etc/systemd/system", "systemd" },
		{ "/usr/lib/systemd/system", "systemd" },
		{ "/lib/systemd/system", "systemd" },
		{ "/etc/systemd/user", "systemd-user" },
		{ "/etc/init.d", "init.d" },
		{ "/etc/rc0.d", "rc.d" }, { "/etc/rc1.d", "rc.d" },
		{ "/etc/rc2.d", "rc.d" }, { "/etc/rc3.d", "rc.d" },
		{ "/etc/rc4.d", "rc.d" }, { "/etc/rc5.d", "rc.d" },
		{ "/etc/rc6.d", "rc.d" }, { "/etc/rcS.d", "rc.d" },
		{ "/etc/xdg/autostart", "xdg-autostart" },
		{ "/run/systemd/system", "systemd-runtime" },
	};
	char real[PATH_MAX];
	struct stat st;
	int rc = 0;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && rc == 0; i++) {
		struct sroot s = { root, dirs[i][1], 0 };

		if (root[0] != '\0' && strncmp(dirs[i][0], "/run/", 5) == 0)
			continue;	/* runtime units exist only live */
		/* /lib is a symlink to /usr/lib on merged-/usr systems */
		snprintf(real, sizeof real, "%s%s", root, dirs[i][0]);
		if (strncmp(dirs[i][0], "/lib/", 5) == 0) {
			char lib[PATH_MAX];
			snprintf(lib, sizeof lib, "%s/lib", root);
			if (lstat(lib, &st) == 0 && S_ISLNK(st.st_mode))
				continue;
		}
		rc = each_entry(db, root, dirs[i][0], startup_fn, &s, err);
	}
	if (rc == 0) {
		snprintf(real, sizeof real, "%s/etc/rc.local", root);
		if (lstat(real, &st) == 0) {
			struct sroot s = { root, "rc.local", 1 };
			rc = startup_fn(db, "/etc", "rc.local", &s, err);
		}
	}
	return rc;
}
