/* summary: cross-view checks for hidden processes, ports and kernel modules (unhide, chkrootkit). */
#include "forensics/hidden.h"

/*
 * A rootkit hides an object from one view (readdir of /proc, the text of
 * /proc/net/tcp, /proc/modules) but the kernel still answers for it in
 * another (a signal probe, a failing bind(), /sys/module).  Each check
 * takes the listing, probes the whole space, and for every object only the
 * probe sees, takes the listing again and probes again (as Samhain and
 * unhide do): a process that started or a port that was bound between the
 * two views is then listed, so only what stays unlisted is reported.
 *
 * Bounds: a bitmap of pid_max bits (512 KiB at the kernel's maximum of
 * 4194304) and 3 system calls per unlisted PID; 2 x 65535 x 2 bind probes
 * for the ports (about a second).  Ports below 1024 need
 * CAP_NET_BIND_SERVICE: without it they are skipped (EACCES).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/collect.h"
#include "forensics/parse.h"

#define PID_LIMIT 4194304u

struct bitmap {
	uint8_t *bits;
	uint64_t n;
};

static int
bm_init(struct bitmap *b, uint64_t n)
{
	b->n = n;
	b->bits = calloc((size_t)(n / 8 + 1), 1);
	return b->bits == NULL ? -1 : 0;
}
static void bm_set(struct bitmap *b, uint64_t i)
{
	if (i < b->n)
		b->bits[i / 8] |= (uint8_t)(1u << (i % 8));
}
static int bm_get(const struct bitmap *b, uint64_t i)
{
	return i < b->n && (b->bits[i / 8] >> (i % 8)) & 1;
}

static int
numeric(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Every PID and TID that readdir shows under /proc. */
static void
list_proc(struct bitmap *b)
{
	DIR *d = opendir("/proc"), *t;
	struct dirent *de, *te;
	char path[64];

	memset(b->bits, 0, (size_t)(b->n / 8 + 1));
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!numeric(de->d_name))
			continue;
		bm_set(b, strtoull(de->d_name, NULL, 10));
		snprintf(path, sizeof path, "/proc/%s/task", de->d_name);
		t = opendir(path);
		if (t == NULL)
			continue;
		while ((te = readdir(t)) != NULL)
			if (numeric(te->d_name))
				bm_set(b, strtoull(te->d_name, NULL, 10));
		closedir(t);
	}
	closedir(d);
}

/* Which probes see pid; a bit each: 1 kill, 2 getpgid, 4 sched_getparam. */
static unsigned
probe_pid(pid_t pid)
{
	struct sched_param sp;
	unsigned seen = 0;

	if (kill(pid, 0) == 0 || errno == EPERM)
		seen |= 1;
	if (getpgid(pid) >= 0 || errno == EPERM)
		seen |= 2;
	if (sched_getparam(pid, &sp) == 0 || errno == EPERM)
		seen |= 4;
	return seen;
}

static uint64_t
read_pid_max(void)
{
	char *t = read_small_file("/proc/sys/kernel/pid_max", 64, NULL);
	uint64_t v = 32768;

	if (t != NULL) {
		v = strtoull(t, NULL, 10);
		free(t);
	}
	return v;
}

static int
add_hidden(struct snapdb *db, const char *kind, const char *what,
    const char *detail, uint64_t *found, struct error *err)
{
	struct snap_val v[] = { SVS(kind), SVS(what), SVS(detail) };

	(*found)++;
	return snapdb_insert(db, SNAP_HIDDEN, v, 3, err);
}

int
hidden_pids(struct snapdb *db, uint64_t pid_max, uint64_t *found,
    struct error *err)
{
	struct bitmap listed;
	uint32_t *cand = NULL;
	size_t ncand = 0, cap = 0;
	int rc = 0;

	if (pid_max == 0)
		pid_max = read_pid_max();
	if (pid_max > PID_LIMIT)
		pid_max = PID_LIMIT;
	if (bm_init(&listed, pid_max + 1) < 0)
		return error_set(err, "out of memory");
	list_proc(&listed);
	for (uint64_t pid = 1; pid <= pid_max; pid++) {
		if (bm_get(&listed, pid) || probe_pid((pid_t)pid) == 0)
			continue;
		if (ncand == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint32_t *n = realloc(cand, nc * sizeof *n);
			if (n == NULL) {
				rc = error_set(err, "out of memory");
				goto out;
			}
			cand = n;
			cap = nc;
		}
		cand[ncand++] = (uint32_t)pid;
	}
	if (ncand == 0)
		goto out;
	list_proc(&listed);	/* the second view: new processes appear */
	for (size_t i = 0; i < ncand && rc == 0; i++) {
		unsigned seen;
		char what[16], detail[200], path[64], *comm;
		struct stat st;

		if (bm_get(&listed, cand[i]) ||
		    (seen = probe_pid((pid_t)cand[i])) == 0)
			continue;
		snprintf(what, sizeof what, "%u", cand[i]);
		snprintf(path, sizeof path, "/proc/%u/comm", cand[i]);
		comm = read_small_file(path, 64, NULL);
		if (comm != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		snprintf(path, sizeof path, "/proc/%u", cand[i]);
		snprintf(detail, sizeof detail, "answers%s%s%s but not listed "
		    "in /proc; stat /proc/%u %s; comm %s",
		    seen & 1 ? " kill(0)" : "", seen & 2 ? " getpgid" : "",
		    seen & 4 ? " sched_getparam" : "", cand[i],
		    stat(path, &st) == 0 ? "works" : "fails",
		    comm ? comm : "unknown");
		free(comm);
		rc = add_hidden(db, "pid", what, detail, found, err);
	}
out:
	free(cand);
	free(listed.bits);
	return rc;
}

/* ---- ports -------------------------------------------------------------- */

static void
list_ports(struct bitmap *tcp, struct bitmap *udp)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6",
	    "/proc/net/udp", "/proc/net/udp6" };
	struct net_line nl;

	memset(tcp->bits, 0, (size_t)(tcp->n / 8 + 1));
	memset(udp->bits, 0, (size_t)(udp->n / 8 + 1));
	for (int f = 0; f < 4; f++) {
		FILE *fp = fopen(files[f], "re");
		char *line = NULL;
		size_t cap = 0;

		if (fp == NULL)
			continue;
		while (getline(&line, &cap, fp) > 0)
			if (parse_proc_net_line(line, (f & 1) ? 6 : 4, &nl) == 0)
				bm_set(f < 2 ? tcp : udp, nl.local_port);
		free(line);
		fclose(fp);
	}
}

/* 1 if some socket holds port (bind fails EADDRINUSE), v4 or v6. */
static int
port_in_use(int type, unsigned port, int *families)
{
	int inuse = 0;

	*families = 0;
	for (int v6 = 0; v6 < 2; v6++) {
		int s = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
		int r, one = 1;

		if (s < 0)
			continue;
		if (v6) {
			struct sockaddr_in6 a = { .sin6_family = AF_INET6,
			    .sin6_port = htons((uint16_t)port),
			    .sin6_addr = IN6ADDR_ANY_INIT };
			(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof one);
			r = bind(s, (struct sockaddr *)&a, sizeof a);
		} else {
			struct sockaddr_in a = { .sin_family = AF_INET,
			    .sin_port = htons((uint16_t)port),
			    .sin_addr.s_addr = htonl(INADDR_ANY) };
			r = bind(s, (struct sockaddr *)&a, sizeof a);
		}
		if (r < 0 && errno == EADDRINUSE) {
			inuse = 1;
			*families |= v6 ? 2 : 1;
		}
		close(s);
	}
	return inuse;
}

int
hidden_ports(struct snapdb *db, uint64_t *found, struct error *err)
{
	struct bitmap tcp, udp;
	uint32_t *cand;
	size_t ncand = 0;
	int rc = 0, fam;

	if (bm_init(&tcp, 65536) < 0)
		return error_set(err, "out of memory");
	if (bm_init(&udp, 65536) < 0) {
		free(tcp.bits);
		return error_set(err, "out of memory");
	}
	/* at most 2 x 65535 candidates: a fixed bound */
	cand = malloc(2 * 65536 * sizeof *cand);
	if (cand == NULL) {
		free(tcp.bits);
		free(udp.bits);
		return error_set(err, "out of memory");
	}
	list_ports(&tcp, &udp);
	for (unsigned port = 1; port < 65536; port++) {
		if (!bm_get(&tcp, port) && port_in_use(SOCK_STREAM, port, &fam))
			cand[ncand++] = port;
		if (!bm_get(&udp, port) && port_in_use(SOCK_DGRAM, port, &fam))
			cand[ncand++] = port | 0x10000u;
	}
	if (ncand > 0)
		list_ports(&tcp, &udp);
	for (size_t i = 0; i < ncand && rc == 0; i++) {
		unsigned port = cand[i] & 0xffff;
		int is_udp = (cand[i] & 0x10000u) != 0;
		char what[16], detail[160];

		if (bm_get(is_udp ? &udp : &tcp, port) ||
		    !port_in_use(is_udp ? SOCK_DGRAM : SOCK_STREAM, port, &fam))
			continue;
		snprintf(what, sizeof what, "%u", port);
		snprintf(detail, sizeof detail, "bind()%s%s fails with "
		    "EADDRINUSE but no line of /proc/net/%s or %s6 holds it",
		    fam & 1 ? " IPv4" : "", fam & 2 ? " IPv6" : "",
		    is_udp ? "udp" : "tcp", is_udp ? "udp" : "tcp");
		rc = add_hidden(db, is_udp ? "udp" : "tcp", what, detail, found,
		    err);
	}
	free(cand);
	free(tcp.bits);
	free(udp.bits);
	return rc;
}

/* ---- modules ------------------------------------------------------------ */

static int
in_modules_file(const char *file, const char *name)
{
	char *text = read_small_file(file, 8u << 20, NULL), *p, *l;
	size_t n = strlen(name);
	int hit = 0;

	if (text == NULL)
		return 0;
	for (p = text; !hit && (l = strsep(&p, "\n")) != NULL;)
		hit = strncmp(l, name, n) == 0 && l[n] == ' ';
	free(text);
	return hit;
}

int
hidden_modules_at(struct snapdb *db, const char *modules_file,
    const char *sys_module, uint64_t *found, struct error *err)
{
	struct dirent **list = NULL;
	char *modules;
	int n, rc = 0;

	modules = read_small_file(modules_file, 8u << 20, NULL);
	if (modules == NULL)
		return 0;	/* no module support: nothing to compare */
	n = scandir(sys_module, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		char path[PATH_MAX], *state;

		if (rc != 0 || name[0] == '.')
			goto next;
		snprintf(path, sizeof path, "%s/%s/initstate", sys_module, name);
		state = read_small_file(path, 64, NULL);
		if (state == NULL)	/* built into the kernel */
			goto next;
		state[strcspn(state, "\n")] = '\0';
		/* listed now, or by the time we look again (a module being
		 * loaded appears in sysfs before it is listed) */
		if (!in_modules_file(modules_file, name)) {
			usleep(50000);
			if (!in_modules_file(modules_file, name)) {
				char detail[200];
				snprintf(detail, sizeof detail, "in /sys/module "
				    "(initstate %s) but not in /proc/modules",
				    state);
				rc = add_hidden(db, "module", name, detail,
				    found, err);
			}
		}
		free(state);
next:
		free(list[i]);
	}
	free(list);
	free(modules);
	return rc;
}

int
hidden_modules(struct snapdb *db, uint64_t *found, struct error *err)
{
	return hidden_modules_at(db, "/proc/modules", "/sys/module", found,
	    err);
}
