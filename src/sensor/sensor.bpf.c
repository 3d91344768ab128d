/* summary: eBPF programs of apiary-agent: tty input/output, exec, connect, accept. */
/*
 * What Sebek did with a kernel module, with tracepoints only, so it runs on
 * kernels without kprobes and where fentry/fexit are refused (a kernel in
 * lockdown refuses BPF_PROG_TYPE_TRACING; plain and syscall tracepoints
 * still load):
 *
 *  - syscalls/sys_{enter,exit}_read: bytes a process read from a terminal
 *    (a pty slave, a VT or serial line).  This is what was typed, also with
 *    echo off (a password at a `su` prompt is read like any other line).
 *  - syscalls/sys_{enter,exit}_write: bytes written to a terminal, the
 *    screen the intruder saw, for replay.
 *  - sched/sched_process_exec: every program run, with argv, cwd, ids, tty.
 *  - syscalls/sys_{enter,exit}_connect and sys_exit_accept{,4}: outbound
 *    and inbound connections with both addresses.
 *
 * Only processes in scope are recorded (a network namespace or a cgroup,
 * so a lab honeypot on a shared kernel records only itself), never the
 * agent itself.  The enter handlers decide whether a call is interesting
 * (in scope, a terminal fd) and park its arguments per thread; the exit
 * handlers copy what the call actually transferred.  Records go to one ring
 * buffer; when it is full they are counted in `lost` and dropped.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sensor/sensor_event.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFCHR 0020000
#define TTY_MAJOR 4
#define TTYAUX_MAJOR 5
#define PTS_MAJOR_FIRST 136
#define PTS_MAJOR_LAST 143

const volatile __u32 scope_kind = SENSOR_SCOPE_ALL;
const volatile __u32 scope_netns_ino = 0;
const volatile __u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scope_cgroup SEC(".maps");

/* Scratch space: records are larger than the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sensor_exec);
} scratch_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sensor_io);
} scratch_io SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sensor_sock);
} scratch_sock SEC(".maps");

/* A call in flight, parked at enter for its exit (keyed by thread id). */
struct pending {
	__u64 buf;
	__u32 fd;
	__u32 pad;
	__u8 sa[28];		/* connect's sockaddr */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} inflight SEC(".maps");

/*
 * Waking user space for every record costs a context switch per exec or
 * write on the honeypot; instead records are posted without a wake-up and
 * the agent polls every 20 ms, unless a lot is waiting (then it is woken
 * at once).  Records still leave within tens of milliseconds.
 */
#define WAKE_BYTES (256 << 10)

static __always_inline __u64
wake_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKE_BYTES ?
	    BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void
count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		(*n)++;
}

static __always_inline int
in_scope(struct task_struct *t)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == self_tgid)
		return 0;
	if (scope_kind == SENSOR_SCOPE_NETNS)
		return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum) == scope_netns_ino;
	if (scope_kind == SENSOR_SCOPE_CGROUP)
		return bpf_current_task_under_cgroup(&scope_cgroup, 0) == 1;
	return 1;
}

static __always_inline struct file *
task_fd(struct task_struct *t, __u32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fdt == NULL || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* A terminal a person types at: pty slave, VT, serial; not a pty master. */
static __always_inline int
is_terminal(struct file *f)
{
	struct inode *ino;
	__u32 major;

	if (f == NULL)
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFCHR)
		return 0;
	major = BPF_CORE_READ(ino, i_rdev) >> 20;
	if (major >= PTS_MAJOR_FIRST && major <= PTS_MAJOR_LAST)
		return 1;
	if (major == TTY_MAJOR)
		return 1;
	/* 5:0 is /dev/tty (the controlling terminal), 5:1 the console */
	if (major == TTYAUX_MAJOR && (BPF_CORE_READ(ino, i_rdev) & 0xfffff) <= 1)
		return 1;
	return 0;
}

static __always_inline void
fill_hdr(struct sensor_hdr *h, struct task_struct *t, __u32 type)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct tty_struct *tty;

	h->ts_boot_ns = bpf_ktime_get_boot_ns();
	h->type = type;
	h->flags = 0;
	h->pid = pt >> 32;
	h->tid = (__u32)pt;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->sid = BPF_CORE_READ(t, signal, pids[PIDTYPE_SID], numbers[0].nr);
	h->uid = BPF_CORE_READ(t, cred, uid.val);
	h->euid = BPF_CORE_READ(t, cred, euid.val);
	h->gid = BPF_CORE_READ(t, cred, gid.val);
	h->len = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->tty[0] = '\0';
	tty = BPF_CORE_READ(t, signal, tty);
	if (tty)
		bpf_probe_read_kernel_str(h->tty, sizeof(h->tty), &tty->name);
}

/* ---- terminal reads and writes ---------------------------------------- */

static __always_inline int
io_enter(__u32 fd, __u64 buf)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = {};

	if (!in_scope(t) || !is_terminal(task_fd(t, fd)))
		return 0;
	p.buf = buf;
	p.fd = fd;
	bpf_map_update_elem(&inflight, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline int
io_exit(long ret, __u32 type)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct pending *p = bpf_map_lookup_elem(&inflight, &tid);
	struct sensor_io *e;
	struct file *f;
	__u64 total;
	void *priv;

	if (p == NULL)
		return 0;
	if (ret <= 0 || (e = bpf_map_lookup_elem(&scratch_io, &zero)) == NULL) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	fill_hdr(&e->h, t, type);
	e->fd = p->fd;
	e->io_tty[0] = '\0';
	f = task_fd(t, p->fd);
	priv = f ? BPF_CORE_READ(f, private_data) : NULL;
	if (priv) {
		struct tty_struct *tty = BPF_CORE_READ((struct tty_file_private *)priv, tty);
		if (tty)
			bpf_probe_read_kernel_str(e->io_tty, sizeof(e->io_tty), &tty->name);
	}
	total = (__u64)ret;
	if (total > (__u64)SENSOR_DATA_MAX * SENSOR_IO_CHUNKS) {
		total = (__u64)SENSOR_DATA_MAX * SENSOR_IO_CHUNKS;
		e->h.flags |= SENSOR_F_TRUNCATED;
	}
	for (__u32 i = 0; i < SENSOR_IO_CHUNKS; i++) {
		__u64 off = (__u64)i * SENSOR_DATA_MAX;
		__u32 n;

		if (off >= total)
			break;
		n = total - off > SENSOR_DATA_MAX ? SENSOR_DATA_MAX : total - off;
		e->offset = off;
		e->h.len = n;
		if (i > 0)
			e->h.flags |= SENSOR_F_CONT;
		if (bpf_probe_read_user(e->data, n & (2 * SENSOR_DATA_MAX - 1),
		    (void *)(p->buf + off)) != 0)
			break;
		if (bpf_ringbuf_output(&events, e, offsetof(struct sensor_io, data) +
		    (n & (2 * SENSOR_DATA_MAX - 1)), wake_flags()) != 0)
			count_lost();
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_read")
int enter_read(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter((__u32)ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, SENSOR_TTY_IN);
}

SEC("tracepoint/syscalls/sys_enter_write")
int enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return io_enter((__u32)ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return io_exit(ctx->ret, SENSOR_TTY_OUT);
}

/* ---- program executions ----------------------------------------------- */

/* State of the cwd walk, one bpf_loop step per dentry (keeps the verifier's
 * work linear instead of unrolling the walk). */
struct cwd_walk {
	struct dentry *d, *root;
	struct mount *mnt;
	struct sensor_exec *e;
	__u32 depth;
};

static long
cwd_step(__u32 i, void *arg)
{
	struct cwd_walk *w = arg;
	struct dentry *d = w->d, *mnt_root, *parent;
	struct mount *mnt = w->mnt, *mnt_parent;
	const char *name;

	if (d == w->root || w->depth >= SENSOR_CWD_DEPTH)
		return 1;
	mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (d == mnt_root) {
		mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt_parent == mnt)
			return 1;
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d)
		return 1;
	name = (const char *)BPF_CORE_READ(d, d_name.name);
	bpf_probe_read_kernel_str(w->e->cwd[w->depth & (SENSOR_CWD_DEPTH - 1)],
	    SENSOR_NAME_MAX, name);
	w->depth++;
	w->d = parent;
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct sensor_exec *e;
	struct cwd_walk w;
	__u32 zero = 0;
	__u64 start, end, len;

	if (!in_scope(t) || (e = bpf_map_lookup_elem(&scratch_exec, &zero)) == NULL)
		return 0;
	fill_hdr(&e->h, t, SENSOR_EXEC);
	e->filename_len = bpf_probe_read_kernel_str(e->filename,
	    sizeof(e->filename), (void *)ctx + (ctx->__data_loc_filename & 0xffff));

	start = BPF_CORE_READ(t, mm, arg_start);
	end = BPF_CORE_READ(t, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > SENSOR_ARGV_MAX) {
		len = SENSOR_ARGV_MAX;
		e->h.flags |= SENSOR_F_TRUNCATED;
	}
	if (bpf_probe_read_user(e->argv, len & (2 * SENSOR_ARGV_MAX - 1),
	    (void *)start) != 0)
		len = 0;
	e->h.len = len;

	/* cwd: walk up from the working directory to the process's root,
	 * crossing mount points, leaf first */
	w.d = BPF_CORE_READ(t, fs, pwd.dentry);
	w.root = BPF_CORE_READ(t, fs, root.dentry);
	w.mnt = container_of(BPF_CORE_READ(t, fs, pwd.mnt), struct mount, mnt);
	w.e = e;
	w.depth = 0;
	bpf_loop(2 * SENSOR_CWD_DEPTH, cwd_step, &w, 0);
	e->cwd_depth = w.depth;
	if (bpf_ringbuf_output(&events, e, sizeof(*e) - SENSOR_ARGV_MAX +
	    (len & (2 * SENSOR_ARGV_MAX - 1)), wake_flags()) != 0)
		count_lost();
	return 0;
}

/* ---- connections ------------------------------------------------------ */

static __always_inline void
sock_addrs(struct sensor_sock *e, struct sock *sk)
{
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->laddr, &l, 4);
		__builtin_memcpy(e->raddr, &r, 4);
	} else if (e->family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline struct sock *
fd_sock(struct task_struct *t, __u32 fd)
{
	struct file *f = task_fd(t, fd);
	struct socket *so;

	if (f == NULL)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return so ? BPF_CORE_READ(so, sk) : NULL;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = {};
	__u16 family = 0;

	if (!in_scope(t))
		return 0;
	bpf_probe_read_user(&family, sizeof(family), (void *)ctx->args[1]);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	p.fd = (__u32)ctx->args[0];
	bpf_probe_read_user(p.sa, sizeof(p.sa), (void *)ctx->args[1]);
	bpf_map_update_elem(&inflight, &tid, &p, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct pending *p = bpf_map_lookup_elem(&inflight, &tid);
	struct sensor_sock *e;
	struct sock *sk;
	__u16 family;

	if (p == NULL)
		return 0;
	if ((e = bpf_map_lookup_elem(&scratch_sock, &zero)) == NULL)
		goto out;
	fill_hdr(&e->h, t, SENSOR_CONNECT);
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	e->ret = ctx->ret;
	e->lport = 0;
	sk = fd_sock(t, p->fd);
	if (sk)
		sock_addrs(e, sk);
	/* the address asked for, whatever the socket ended up with */
	__builtin_memcpy(&family, p->sa, 2);
	e->family = family;
	e->rport = ((__u16)p->sa[2] << 8) | p->sa[3];
	if (family == AF_INET)
		__builtin_memcpy(e->raddr, p->sa + 4, 4);
	else
		__builtin_memcpy(e->raddr, p->sa + 8, 16);
	if (bpf_ringbuf_output(&events, e, sizeof(*e), wake_flags()) != 0)
		count_lost();
out:
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

static __always_inline int
accept_exit(long ret)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct sensor_sock *e;
	struct sock *sk;
	__u32 zero = 0;

	if (ret < 0 || !in_scope(t))
		return 0;
	sk = fd_sock(t, (__u32)ret);
	if (sk == NULL || (e = bpf_map_lookup_elem(&scratch_sock, &zero)) == NULL)
		return 0;
	fill_hdr(&e->h, t, SENSOR_ACCEPT);
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	e->ret = ret;
	sock_addrs(e, sk);
	if (e->family != AF_INET && e->family != AF_INET6)
		return 0;
	if (bpf_ringbuf_output(&events, e, sizeof(*e), wake_flags()) != 0)
		count_lost();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}
