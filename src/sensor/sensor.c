/* summary: the eBPF sensor as a library: load, attach, poll decoded records. */
#include "sensor/sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensor.skel.h"

#define TRACEFS_MAGIC_NR 0x74726163
#define DEBUGFS_MAGIC_NR 0x64626720

struct sensor {
	struct sensor_bpf *skel;
	struct ring_buffer *rb;
	sensor_fn fn;
	void *ctx;
	int64_t boot_to_real_ns;
	int cgroup_fd;
};

static int64_t
boot_to_real(void)
{
	struct timespec b, r;

	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - b.tv_sec) * 1000000000LL +
	    ((int64_t)r.tv_nsec - b.tv_nsec);
}

/* Copies a fixed-size kernel string field that may lack its NUL. */
static void
copy_str(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
sensor_decode(const void *raw, size_t len, int64_t boot_to_real_ns,
    struct sensor_record *r)
{
	const struct sensor_hdr *h = raw;

	if (len < sizeof(*h))
		return -1;
	memset(r, 0, sizeof(*r));
	r->type = (enum sensor_type)h->type;
	r->flags = h->flags;
	r->ts_ns = (uint64_t)((int64_t)h->ts_boot_ns + boot_to_real_ns);
	r->pid = h->pid;
	r->tid = h->tid;
	r->ppid = h->ppid;
	r->sid = h->sid;
	r->uid = h->uid;
	r->euid = h->euid;
	r->gid = h->gid;
	copy_str(r->comm, sizeof(r->comm), h->comm, sizeof(h->comm));
	copy_str(r->tty, sizeof(r->tty), h->tty, sizeof(h->tty));

	switch (h->type) {
	case SENSOR_TTY_IN:
	case SENSOR_TTY_OUT: {
		const struct sensor_io *e = raw;
		size_t head = offsetof(struct sensor_io, data);
		if (len < head || h->len > SENSOR_DATA_MAX || len - head < h->len)
			return -1;
		r->fd = e->fd;
		r->offset = e->offset;
		copy_str(r->io_tty, sizeof(r->io_tty), e->io_tty, sizeof(e->io_tty));
		r->data = e->data;
		r->len = h->len;
		return 0;
	}
	case SENSOR_EXEC: {
		const struct sensor_exec *e = raw;
		size_t head = offsetof(struct sensor_exec, argv), off = 0;
		uint32_t depth;
		if (len < head || h->len > SENSOR_ARGV_MAX || len - head < h->len)
			return -1;
		copy_str(r->filename, sizeof(r->filename), e->filename,
		    sizeof(e->filename));
		depth = e->cwd_depth > SENSOR_CWD_DEPTH ? SENSOR_CWD_DEPTH :
		    e->cwd_depth;
		/* components arrive leaf first; join them root first */
		r->cwd[0] = '\0';
		for (uint32_t i = depth; i-- > 0;) {
			char comp[SENSOR_NAME_MAX + 1];
			copy_str(comp, sizeof(comp), e->cwd[i], SENSOR_NAME_MAX);
			off += (size_t)snprintf(r->cwd + off, sizeof(r->cwd) - off,
			    "/%s", comp);
			if (off >= sizeof(r->cwd))
				break;
		}
		if (depth == 0)
			strcpy(r->cwd, "/");
		r->data = (const uint8_t *)e->argv;
		r->len = h->len;
		/* the kernel's argv area ends with a NUL; drop it */
		while (r->len > 0 && r->data[r->len - 1] == '\0')
			r->len--;
		return 0;
	}
	case SENSOR_CONNECT:
	case SENSOR_ACCEPT: {
		const struct sensor_sock *e = raw;
		if (len < sizeof(*e))
			return -1;
		r->ret = e->ret;
		r->family = e->family;
		r->proto = e->proto;
		r->lport = e->lport;
		r->rport = e->rport;
		memcpy(r->laddr, e->laddr, 16);
		memcpy(r->raddr, e->raddr, 16);
		return 0;
	}
	default:
		return -1;
	}
}

static int
on_record(void *ctx, void *data, size_t len)
{
	struct sensor *s = ctx;
	struct sensor_record r;

	if (sensor_decode(data, len, s->boot_to_real_ns, &r) == 0)
		s->fn(s->ctx, &r);
	return 0;
}

/* libbpf finds tracepoint ids in tracefs; `ip netns exec` hides it. */
static int
ensure_tracefs(struct error *err)
{
	struct statfs sf;

	if (statfs("/sys/kernel/tracing", &sf) == 0 &&
	    (unsigned long)sf.f_type == TRACEFS_MAGIC_NR)
		return 0;
	if (statfs("/sys/kernel/debug/tracing", &sf) == 0 &&
	    (unsigned long)sf.f_type == TRACEFS_MAGIC_NR)
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == -1)
		return error_errno(err, "eBPF: tracefs is not mounted and mounting "
		    "it on /sys/kernel/tracing failed (tracepoints need it)");
	return 0;
}

static int
scope_setup(struct sensor *s, const struct sensor_config *cfg,
    struct error *err)
{
	struct stat sb;

	s->skel->rodata->scope_kind = cfg->scope;
	s->skel->rodata->self_tgid = cfg->self_pid ? cfg->self_pid :
	    (uint32_t)getpid();
	if (cfg->scope == SENSOR_SCOPE_NETNS) {
		if (cfg->scope_path == NULL || stat(cfg->scope_path, &sb) == -1)
			return error_errno(err, "scope netns %s",
			    cfg->scope_path ? cfg->scope_path : "(none)");
		s->skel->rodata->scope_netns_ino = (uint32_t)sb.st_ino;
	} else if (cfg->scope == SENSOR_SCOPE_CGROUP) {
		if (cfg->scope_path == NULL ||
		    (s->cgroup_fd = open(cfg->scope_path, O_RDONLY | O_DIRECTORY)) == -1)
			return error_errno(err, "scope cgroup %s",
			    cfg->scope_path ? cfg->scope_path : "(none)");
	}
	return 0;
}

struct sensor *
sensor_open(const struct sensor_config *cfg, sensor_fn fn, void *ctx,
    struct error *err)
{
	struct sensor *s;
	uint32_t zero = 0;
	int rc;

	if (access("/sys/kernel/btf/vmlinux", R_OK) == -1) {
		error_errno(err, "eBPF: the kernel has no BTF "
		    "(/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF is needed)");
		return NULL;
	}
	if (ensure_tracefs(err) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	s->fn = fn;
	s->ctx = ctx;
	s->cgroup_fd = -1;
	s->boot_to_real_ns = boot_to_real();
	if ((s->skel = sensor_bpf__open()) == NULL) {
		error_errno(err, "eBPF: opening the sensor programs failed");
		goto fail;
	}
	if (scope_setup(s, cfg, err) == -1)
		goto fail;
	if ((rc = sensor_bpf__load(s->skel)) != 0) {
		errno = -rc;
		if (rc == -EPERM)
			error_errno(err, "eBPF: loading the sensor programs was "
			    "refused: needs root (CAP_BPF, CAP_PERFMON, "
			    "CAP_SYS_RESOURCE for memlock) and tracepoint programs "
			    "(CONFIG_BPF_EVENTS)");
		else
			error_errno(err, "eBPF: loading the sensor programs failed "
			    "(CONFIG_BPF_SYSCALL, syscall tracepoints "
			    "CONFIG_FTRACE_SYSCALLS?)");
		goto fail;
	}
	if (s->cgroup_fd >= 0 && bpf_map_update_elem(
	    bpf_map__fd(s->skel->maps.scope_cgroup), &zero, &s->cgroup_fd,
	    BPF_ANY) != 0) {
		error_errno(err, "eBPF: setting the cgroup scope");
		goto fail;
	}
	if ((rc = sensor_bpf__attach(s->skel)) != 0) {
		errno = -rc;
		error_errno(err, "eBPF: attaching to the syscall and sched "
		    "tracepoints failed (CONFIG_FTRACE_SYSCALLS, tracefs)");
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_record, s,
	    NULL);
	if (s->rb == NULL) {
		error_errno(err, "eBPF: ring buffer");
		goto fail;
	}
	return s;
fail:
	sensor_close(s);
	return NULL;
}

int
sensor_poll(struct sensor *s, int timeout_ms)
{
	int n = 0, m;

	/*
	 * Most records are posted without a wake-up (sensor.bpf.c), so
	 * epoll does not see them: wait if asked, then consume whatever is
	 * in the ring.
	 */
	if (timeout_ms > 0 && (n = ring_buffer__poll(s->rb, timeout_ms)) < 0 &&
	    n != -EINTR)
		return -1;
	if ((m = ring_buffer__consume(s->rb)) < 0)
		return m == -EINTR ? 0 : -1;
	return (n > 0 ? n : 0) + m;
}

int
sensor_fd(const struct sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

uint64_t
sensor_lost(const struct sensor *s)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t total = 0, *vals;
	uint32_t zero = 0;

	if (ncpu <= 0 || (vals = calloc((size_t)ncpu, sizeof(*vals))) == NULL)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.lost), &zero, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			total += vals[i];
	free(vals);
	return total;
}

void
sensor_close(struct sensor *s)
{
	if (s == NULL)
		return;
	ring_buffer__free(s->rb);
	sensor_bpf__destroy(s->skel);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	free(s);
}
