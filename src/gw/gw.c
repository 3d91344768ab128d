/* summary: the apiary-gw daemon: set up the bridge, run the forwarding loop. */
#include "app/app.h"
#include "gw/gw.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pcap_ring.h"
#include "control/classify.h"
#include "control/control.h"
#include "core/cpuset.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "engine/pipeline.h"
#include "gw/gw_events.h"
#include "io/afpacket.h"
#include "io/afpacket_tx.h"
#include "net/checksum.h"
#include "stream/tcpflow.h"

/*
 * One thread forwards both directions: it walks each port's RX ring in
 * batches of up to BATCH frames, decides each frame (classify, data
 * control), copies it to the capture ring and, if it passes, into the other
 * port's TX ring; one send() per batch hands the TX ring to the kernel --
 * on a transmit thread (src/io/afpacket_tx.c) when there is more than one
 * CPU, since on veth that system call carries the receivers' whole network
 * stack.
 * When both RX rings are empty it sleeps in poll(2).  A second thread
 * (src/capture/pcap_ring.c) writes the capture; the forwarding thread never
 * waits for the disk except for the event log, which it writes in large
 * appends once a second.
 *
 * Fail-closed by construction: no kernel bridge, no IP forwarding between
 * the ports; only this process moves frames, so when it stops (or is
 * killed) nothing crosses.
 */

#define BATCH 256
#ifndef SPIN_NS
#define SPIN_NS 50000		/* keep looking this long after the last frame */
#endif
#define SIDE_HN 0
#define SIDE_UP 1

struct side_stats {
	uint64_t frames, forwarded, dropped, oversize, tx_failed;
	uint64_t pipeline_dropped;
};

struct gw {
	struct gw_config cfg;
	char *path;
	const struct logger *lg;
	struct afp_port *port[2];
	struct afp_tx_thread *txt[2];	/* 'tx-thread on': send(2) per port, off this thread */
	struct control *ctl;
	struct pcap_ring *cap;
	struct gw_events *ev;
	struct pipeline *pl;		/* 'inspect on': the shared pipeline */
	struct detect_stage *ids;	/* 'ids-rules': the inline IDS stage */
	struct app_layer *app;		/* HTTP/DNS/TLS for the IDS (issue 6) */
	struct tcpflow *tf;		/* 'sessions DIR': tcpflow files, live */
	int sfd;
	uid_t uid;
	gid_t gid;
	int have_user;
	int sessions_warned;
	uint64_t start_wall, start_mono, next_stats, next_tick, next_sig;
	uint64_t now, last_busy;
	struct side_stats ss[2];
	uint8_t scratch[(1u << 16) + 64];
};


/* App-layer transactions to the IDS (as cmd_analyze.c). */
static int
gw_app_buffer(const void *tx, int b, int idx, const uint8_t **d, uint32_t *n)
{
	return app_tx_buffer_n(tx, (enum app_buf)b, idx, d, n);
}

static void
gw_app_to_ids(void *ctx, struct packet *p, struct flow *f, const struct app_tx *tx)
{
	struct detect_app_view av = { tx->proto, tx->point, tx->dir, tx, gw_app_buffer };

	(void)f;
	detect_stage_app_tx(ctx, p, &av);
}

static int
gw_app_proto(void *ctx, const struct flow *f)
{
	return app_flow_proto(ctx, f);
}

static void
ids_warning(void *ctx, const char *file, int line, const char *kw,
    const char *msg)
{
	const struct gw *g = ctx;

	(void)kw;
	log_warn(g->lg, "%s:%d: %s", file, line, msg);
}

static void
log_warnings(const struct gw *g, const char *w)
{
	if (w[0] != '\0')
		log_warn(g->lg, "%s", w);
}

/* The pipeline's honeynet side (flow direction): the honeypots. */
static int
set_honeynet(struct pipeline *pl, const struct control_policy *pol,
    struct error *err)
{
	struct prefix *nets = calloc(pol->nhoneypots ? pol->nhoneypots : 1,
	    sizeof(*nets));
	int rc;

	if (nets == NULL)
		return error_set(err, "out of memory");
	for (size_t i = 0; i < pol->nhoneypots; i++)
		nets[i] = pol->honeypots[i].net;
	rc = pipeline_set_honeynet(pl, nets, pol->nhoneypots, err);
	free(nets);
	return rc;
}

/*
 * cpu-affinity: pins the threads that exist by now.  The forwarding (this)
 * thread goes last, so that no thread created before inherits its set.
 * On two CPUs shared with the traffic, the forwarding thread and the
 * honeynet port's transmit thread on one CPU, the uplink's on the other
 * used ~9% less CPU per GB toward the honeypot and carried 8-15% more TCP
 * than no pinning (bench/gateway): the frames the forwarding thread
 * copies into the TX ring are still in that CPU's cache when the kernel
 * copies them out.
 */
static int
apply_cpu_affinity(struct gw *g, const struct gw_config *gc,
    struct error *err)
{
	char list[256], msg[1024];
	size_t len = 0;

	msg[0] = '\0';
	for (int t = GW_NTHREADS - 1; t >= 0; t--) {
		const struct gw_cpu_affinity *a = &gc->cpu[t];
		const char *name = gwconf_thread_name((enum gw_thread)t);
		int r;

		if (!a->set)
			continue;
		if (cpuset_check_allowed(&a->cpus, err) == -1)
			return error_prefix(err, "cpu-affinity %s: ", name);
		switch (t) {
		case GW_THREAD_TX_HONEYNET:
		case GW_THREAD_TX_UPLINK: {
			int side = t == GW_THREAD_TX_UPLINK ? SIDE_UP : SIDE_HN;

			if (g->txt[side] == NULL) {
				log_warn(g->lg, "cpu-affinity %s: no transmit "
				    "threads (tx-thread off); ignored", name);
				continue;
			}
			r = afp_tx_thread_set_cpus(g->txt[side], &a->cpus, err);
			break;
		}
		case GW_THREAD_CAPTURE:
			if (g->cap == NULL) {
				log_warn(g->lg, "cpu-affinity capture: no capture "
				    "configured; ignored");
				continue;
			}
			r = pcap_ring_set_cpus(g->cap, &a->cpus, err);
			break;
		default:
			r = cpuset_apply(pthread_self(), &a->cpus, err);
			break;
		}
		if (r == -1)
			return error_prefix(err, "cpu-affinity %s: ", name);
		cpuset_format(&a->cpus, list, sizeof(list));
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s %s",
		    len ? ", " : "", name, list);
		if (len >= sizeof(msg))
			len = sizeof(msg) - 1;
	}
	if (len > 0)
		log_info(g->lg, "cpu-affinity: %s", msg);
	return 0;
}

struct gw *
gw_new(const struct gw_config *gc, const char *config_path,
    const struct logger *lg, struct error *err)
{
	struct afp_config ac;
	struct gw *g;
	sigset_t set;
	char warn[512];

	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	g->sfd = -1;
	g->lg = lg;
	g->cfg = *gc;
	/* Take our own copies of everything the config owns. */
	memset(&g->cfg.policy, 0, sizeof(g->cfg.policy));
	g->cfg.user = gc->user ? strdup(gc->user) : NULL;
	g->cfg.capture_dir = gc->capture_dir ? strdup(gc->capture_dir) : NULL;
	g->cfg.eve_log = gc->eve_log ? strdup(gc->eve_log) : NULL;
	g->cfg.conn_log = gc->conn_log ? strdup(gc->conn_log) : NULL;
	g->cfg.sessions_dir = gc->sessions_dir ? strdup(gc->sessions_dir) : NULL;
	/* sessions need the pipeline (flows, reassembly): they turn it on */
	g->cfg.inspect = gc->inspect || gc->sessions_dir != NULL;
	memset(&g->cfg.ids, 0, sizeof(g->cfg.ids));	/* used in gw_new only */
	g->path = strdup(config_path);
	if (g->path == NULL || (gc->user && !g->cfg.user) ||
	    (gc->capture_dir && !g->cfg.capture_dir) ||
	    (gc->eve_log && !g->cfg.eve_log) ||
	    (gc->conn_log && !g->cfg.conn_log) ||
	    (gc->sessions_dir && !g->cfg.sessions_dir) ||
	    control_policy_copy(&g->cfg.policy, &gc->policy, err) == -1) {
		error_set(err, "out of memory");
		goto fail;
	}
	if (gc->user != NULL) {
		struct passwd *pw = getpwnam(gc->user);

		if (pw == NULL) {
			error_set(err, "user '%s' does not exist", gc->user);
			goto fail;
		}
		g->uid = pw->pw_uid;
		g->gid = pw->pw_gid;
		g->have_user = 1;
	}
	if (gc->management_if[0] != '\0' && !afp_if_exists(gc->management_if))
		log_warn(lg, "management interface %s does not exist",
		    gc->management_if);

	/* Signals: handled through a signalfd; threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		error_errno(err, "sigprocmask");
		goto fail;
	}
	signal(SIGPIPE, SIG_IGN);
	g->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (g->sfd == -1) {
		error_errno(err, "signalfd");
		goto fail;
	}

	if (afp_check_port(gc->honeynet_if, gc->offloads_keep, warn,
	    sizeof(warn), err) == -1)
		goto fail;
	log_warnings(g, warn);
	if (afp_check_port(gc->uplink_if, gc->offloads_keep, warn,
	    sizeof(warn), err) == -1)
		goto fail;
	log_warnings(g, warn);
	memset(&ac, 0, sizeof(ac));
	ac.ring_frames = (uint32_t)gc->ring_frames;
	ac.qdisc_bypass = 1;
	if ((g->port[SIDE_HN] = afp_open(gc->honeynet_if, &ac, err)) == NULL ||
	    (g->port[SIDE_UP] = afp_open(gc->uplink_if, &ac, err)) == NULL)
		goto fail;
	if (afp_mtu(g->port[0]) != afp_mtu(g->port[1])) {
		error_set(err, "MTU of %s (%u) and %s (%u) differ: set them equal",
		    gc->honeynet_if, afp_mtu(g->port[0]), gc->uplink_if,
		    afp_mtu(g->port[1]));
		goto fail;
	}
	for (int i = 0; gc->tx_thread && i < 2; i++)
		if ((g->txt[i] = afp_tx_thread_new(&g->port[i], 1, err)) == NULL)
			goto fail;

	/* With inspect on, flow records (EVE flow, conn.log) are the
	 * pipeline's alone: one per connection, with community_id and
	 * direction; data control's would only repeat them. */
	if ((g->ev = gw_events_new(gc->eve_log, g->cfg.inspect ? NULL :
	    gc->conn_log, gc->honeynet_if, gc->uplink_if, err)) == NULL)
		goto fail;
	gw_events_set_flows(g->ev, !g->cfg.inspect);
	if ((g->ctl = control_new(&gc->policy, gw_events_control, g->ev,
	    err)) == NULL)
		goto fail;
	if (g->cfg.inspect) {
		struct pipeline_config pc;

		/* Its events go to the same EVE file (whole-line appends). */
		pipeline_config_default(&pc);
		pc.eve_path = gc->eve_log;
		pc.connlog_path = gc->conn_log;
		pc.connlog_append = 1;
		pc.flow.max_flows = (uint32_t)gc->policy.max_conns;
		if ((g->pl = pipeline_new(&pc, err)) == NULL ||
		    set_honeynet(g->pl, &gc->policy, err) < 0) {
			error_prefix(err, "inspect: ");
			goto fail;
		}
		if (gc->sessions_dir != NULL) {
			struct tcpflow_config tc;

			/* Before the IDS: the files hold what the sender sent,
			 * as the capture does, also what the IDS drops. */
			tcpflow_config_default(&tc);
			tc.writer.dir = gc->sessions_dir;
			if ((g->tf = tcpflow_new(pipeline_flows(g->pl), &tc,
			    err)) == NULL || pipeline_add_stage(g->pl,
			    "sessions", tcpflow_stage, g->tf, err) < 0) {
				error_prefix(err, "sessions: ");
				goto fail;
			}
			/* files are created after the privilege drop */
			if (g->have_user && chown(gc->sessions_dir, g->uid,
			    g->gid) == -1) {
				error_errno(err, "chown %s to %s",
				    gc->sessions_dir, gc->user);
				goto fail;
			}
		}
		if (gc->ids.nrule_files > 0) {
			struct detect_stage_config ic = gc->ids;
			struct app_config apc;

			ic.inline_mode = 1;
			ic.stream_mode = 1;
			/* the app layer before the IDS: app-buffer rules */
			app_config_default(&apc);
			if ((g->app = app_new(g->pl, &apc, err)) == NULL ||
			    pipeline_add_stage(g->pl, "app", app_stage, g->app, err) < 0) {
				error_prefix(err, "app layer: ");
				goto fail;
			}
			if ((g->ids = detect_stage_new(g->pl, &ic, ids_warning, g,
			    err)) == NULL || pipeline_add_stage(g->pl, "detect",
			    detect_stage_run, g->ids, err) < 0) {
				error_prefix(err, "ids: ");
				goto fail;
			}
			app_set_tx_callback(g->app, gw_app_to_ids, g->ids);
			detect_stage_set_app_proto(g->ids, gw_app_proto, g->app);
		}
	} else if (gc->ids.nrule_files > 0) {
		error_set(err, "ids-rules needs 'inspect on'");
		goto fail;
	}
	if (gc->capture_dir != NULL) {
		struct pcap_ring_config pc;

		memset(&pc, 0, sizeof(pc));
		pc.dir = gc->capture_dir;
		pc.prefix = "apiary-gw";
		pc.rotate_bytes = gc->capture_rotate_bytes;
		pc.rotate_ns = gc->capture_rotate_ns;
		pc.keep_files = gc->capture_keep_files;
		pc.keep_bytes = gc->capture_keep_bytes;
		pc.ring_bytes = (size_t)gc->capture_buffer;
		pc.snaplen = (uint32_t)gc->capture_snaplen;
		if (mkdir(gc->capture_dir, 0750) == -1 && errno != EEXIST) {
			error_errno(err, "capture directory %s", gc->capture_dir);
			goto fail;
		}
		/* The writer opens new files after the privilege drop. */
		if (g->have_user && chown(gc->capture_dir, g->uid, g->gid) == -1) {
			error_errno(err, "chown %s to %s", gc->capture_dir,
			    gc->user);
			goto fail;
		}
		if (gc->capture_keep_files == 0 && gc->capture_keep_bytes == 0)
			log_warn(lg, "capture has no 'keep' bound: the disk "
			    "will fill");
		if ((g->cap = pcap_ring_new(&pc, err)) == NULL)
			goto fail;
	}
	if (g->have_user) {
		if (gc->eve_log != NULL && chown(gc->eve_log, g->uid, g->gid) == -1)
			log_warn(lg, "chown %s: %s", gc->eve_log, strerror(errno));
		if (gc->conn_log != NULL &&
		    chown(gc->conn_log, g->uid, g->gid) == -1)
			log_warn(lg, "chown %s: %s", gc->conn_log, strerror(errno));
	}
	if (apply_cpu_affinity(g, gc, err) == -1)
		goto fail;
	g->start_wall = time_now_ns();
	g->start_mono = time_mono_ns();
	return g;
fail:
	gw_free(g);
	return NULL;
}

int
gw_drop_privileges(struct gw *g, struct error *err)
{
	if (!g->have_user) {
		if (geteuid() == 0)
			log_warn(g->lg, "no 'user' configured: staying root");
		return 0;
	}
	if (setgroups(1, &g->gid) == -1)
		return error_errno(err, "setgroups");
	if (setgid(g->gid) == -1)
		return error_errno(err, "setgid");
	if (setuid(g->uid) == -1)
		return error_errno(err, "setuid");
	if (setuid(0) == 0)
		return error_set(err, "could regain root after dropping it");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return error_errno(err, "PR_SET_NO_NEW_PRIVS");
	return 0;
}

/*
 * A frame handed over by a veth peer with transmit checksum offload
 * carries only the pseudo-header sum: a NIC would have finished it on the
 * wire, so the bridge does (in the ring slot, which is ours until released).
 */
static void
finish_checksum(const struct packet *p)
{
	uint8_t *l4 = (uint8_t *)(uintptr_t)p->l4;
	uint16_t c;
	size_t off;

	if (!(p->layers & (PKT_TCP | PKT_UDP)) || (p->layers & PKT_FRAGMENT) ||
	    (p->layers & (PKT_INVALID | PKT_TRUNCATED)))
		return;
	off = (p->layers & PKT_TCP) ? 16 : 6;
	c = l4_checksum(p->ip_version, p->src.b, p->dst.b, p->ip_proto, l4,
	    p->l4_len);
	memcpy(l4 + off, &c, 2);
}

static void kick(struct gw *g, int side);

static void
handle_frame(struct gw *g, int side, const struct afp_frame *f)
{
	struct afp_port *out = g->port[!side];
	const uint8_t *data = f->data;
	uint32_t len = f->caplen, wire = f->wirelen;
	struct side_stats *ss = &g->ss[side];
	enum control_reason r;
	struct packet pkt;

	ss->frames++;
	if (f->vlan && len >= 12 && len + 4 <= sizeof(g->scratch)) {
		/* Put back the tag the kernel took off: frames pass unchanged. */
		memcpy(g->scratch, data, 12);
		g->scratch[12] = (uint8_t)(f->vlan_tpid >> 8);
		g->scratch[13] = (uint8_t)f->vlan_tpid;
		g->scratch[14] = (uint8_t)(f->vlan_tci >> 8);
		g->scratch[15] = (uint8_t)f->vlan_tci;
		memcpy(g->scratch + 16, data + 12, len - 12);
		data = g->scratch;
		len += 4;
		wire += 4;
	}
	classify_frame(&pkt, data, len, wire, f->ts_ns);
	if (f->csum_not_ready)
		finish_checksum(&pkt);
	if (wire > len || len > afp_mtu(out) + 14 + 8) {
		ss->oversize++;
		r = CONTROL_DROP_MALFORMED;
	} else {
		gw_events_set_side(g->ev, side == SIDE_HN ?
		    CONTROL_FROM_HONEYNET : CONTROL_FROM_UPLINK);
		r = control_decide(g->ctl, &pkt, side == SIDE_HN ?
		    CONTROL_FROM_HONEYNET : CONTROL_FROM_UPLINK, g->now);
	}
	if (g->cap != NULL)
		pcap_ring_write(g->cap, f->ts_ns, data, len, wire);
	if (r != CONTROL_PASS) {
		ss->dropped++;
		return;
	}
	/* What data control lets through goes on to the shared pipeline
	 * (flows, scan detection, later the IDS), whose stages may drop it. */
	if (g->pl != NULL && pipeline_frame(g->pl, 1, data, len, wire,
	    f->ts_ns) == PIPELINE_DROP) {
		ss->pipeline_dropped++;
		ss->dropped++;
		if (g->ids != NULL) {	/* reject: RST/ICMP built by the IDS */
			const uint8_t *rf[2];
			size_t rl[2];
			int ts[2], n = detect_stage_rejects(g->ids, rf, rl, ts);

			for (int i = 0; i < n; i++)
				(void)afp_tx_queue(ts[i] ? g->port[side] : out, rf[i],
				    (uint32_t)rl[i], NULL, 0);
			if (n > 0)	/* pump() kicks only the other port */
				kick(g, side);
		}
		return;
	}
	if (afp_tx_queue(out, data, len, NULL, 0) == -1)
		ss->tx_failed++;
	else
		ss->forwarded++;
}

/* Hands what was queued on port[side] to the kernel (or the TX thread). */
static void
kick(struct gw *g, int side)
{
	if (g->txt[side] == NULL) {
		afp_tx_kick(g->port[side]);
		return;
	}
	afp_tx_pending_clear(g->port[side]);
	afp_tx_thread_kick(g->txt[side], 0);
}

static int
pump(struct gw *g, int side)
{
	struct afp_port *in = g->port[side];
	struct afp_frame f;
	int n = 0;

	while (n < BATCH && afp_rx_next(in, &f)) {
		handle_frame(g, side, &f);
		afp_rx_done(in, &f);
		n++;
	}
	if (n > 0)
		kick(g, !side);
	return n;
}

static void
write_stats(struct gw *g)
{
	static const char *const side_name[2] = { "honeynet", "uplink" };
	struct control_stats cs;
	struct afp_stats as;
	struct pcap_ring_stats ps;
	struct buf line;
	struct json j;
	char t[TIMEFMT_LEN], a[ADDR_STRLEN + 4];

	buf_init(&line, 1u << 20);
	json_init(&j, &line);
	timefmt_eve(time_now_ns(), t);
	json_object_begin(&j);
	json_kv_str(&j, "timestamp", t);
	json_kv_str(&j, "event_type", "stats");
	json_key(&j, "stats");
	json_object_begin(&j);
	json_kv_uint(&j, "uptime", (time_mono_ns() - g->start_mono) /
	    NSEC_PER_SEC);
	json_key(&j, "gateway");
	json_object_begin(&j);
	json_kv_str(&j, "mode", g->cfg.policy.lockdown ? "lockdown" : "normal");
	for (int s = 0; s < 2; s++) {
		afp_get_stats(g->port[s], &as);
		json_key(&j, side_name[s]);
		json_object_begin(&j);
		json_kv_str(&j, "interface", afp_name(g->port[s]));
		json_kv_uint(&j, "frames", g->ss[s].frames);
		json_kv_uint(&j, "forwarded", g->ss[s].forwarded);
		json_kv_uint(&j, "dropped", g->ss[s].dropped);
		json_kv_uint(&j, "oversize", g->ss[s].oversize);
		json_kv_uint(&j, "tx_failed", g->ss[s].tx_failed);
		json_kv_uint(&j, "pipeline_dropped", g->ss[s].pipeline_dropped);
		json_kv_uint(&j, "kernel_drops", as.rx_kernel_drops);
		json_kv_uint(&j, "tx_errors", as.tx_errors +
		    (g->txt[s] ? afp_tx_thread_errors(g->txt[s], 0) : 0));
		json_object_end(&j);
	}
	control_get_stats(g->ctl, &cs);
	json_key(&j, "drops");
	json_object_begin(&j);
	for (int r = 1; r < CONTROL_NREASONS; r++)
		json_kv_uint(&j, control_reason_name(r), cs.drops[r]);
	json_object_end(&j);
	json_kv_uint(&j, "drop_events_suppressed", cs.drop_events_suppressed);
	json_kv_uint(&j, "events_lost", gw_events_lost(g->ev));
	json_object_end(&j);
	json_key(&j, "flows");
	json_object_begin(&j);
	json_kv_uint(&j, "active", cs.conns);
	json_kv_uint(&j, "max", cs.conns_max);
	json_kv_uint(&j, "evicted", cs.conn_evictions);
	json_kv_uint(&j, "fragments", cs.frags);
	json_object_end(&j);
	json_key(&j, "capture");
	json_object_begin(&j);
	if (g->cap != NULL) {
		pcap_ring_get_stats(g->cap, &ps);
		json_kv_uint(&j, "packets", ps.packets);
		json_kv_uint(&j, "bytes", ps.bytes);
		json_kv_uint(&j, "lost", ps.dropped + ps.write_errors);
		json_kv_uint(&j, "ring_full", ps.dropped);
		json_kv_uint(&j, "write_errors", ps.write_errors);
		json_kv_uint(&j, "files", ps.files_opened);
		json_kv_uint(&j, "files_deleted", ps.files_deleted);
		json_kv_uint(&j, "buffered_bytes", ps.buffered_bytes);
	} else {
		json_kv_bool(&j, "enabled", 0);
	}
	json_object_end(&j);
	if (g->tf != NULL) {
		struct session_writer_stats sw;

		session_writer_get_stats(tcpflow_writer(g->tf), &sw);
		json_key(&j, "sessions");
		json_object_begin(&j);
		json_kv_uint(&j, "sessions", sw.sessions);
		json_kv_uint(&j, "files", sw.files);
		json_kv_uint(&j, "bytes", sw.bytes);
		json_kv_uint(&j, "write_errors", sw.write_errors);
		json_object_end(&j);
	}
	json_key(&j, "honeypots");
	json_array_begin(&j);
	for (size_t i = 0; i < control_honeypot_count(g->ctl); i++) {
		struct control_hp_stats hs;

		control_get_hp_stats(g->ctl, i, &hs);
		json_object_begin(&j);
		json_kv_str(&j, "honeypot", hs.net.len ==
		    (hs.net.addr.family == 4 ? 32 : 128) ?
		    addr_str(&hs.net.addr, a) : prefix_str(&hs.net, a));
		json_key(&j, "new_outbound");
		json_object_begin(&j);
		for (int p = 0; p < CONTROL_NPROTO; p++)
			json_kv_uint(&j, control_proto_name(p), hs.new_out[p]);
		json_object_end(&j);
		json_key(&j, "limited");
		json_object_begin(&j);
		for (int p = 0; p < CONTROL_NPROTO; p++)
			json_kv_uint(&j, control_proto_name(p), hs.limited[p]);
		json_object_end(&j);
		json_kv_uint(&j, "new_inbound", hs.new_in);
		json_kv_uint(&j, "pkts_out", hs.pkts_out);
		json_kv_uint(&j, "bytes_out", hs.bytes_out);
		json_kv_uint(&j, "pkts_in", hs.pkts_in);
		json_kv_uint(&j, "bytes_in", hs.bytes_in);
		json_kv_uint(&j, "drops", hs.drops);
		json_kv_uint(&j, "bandwidth_drops", hs.bandwidth_drops);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_object_end(&j);
	if (!json_failed(&j))
		gw_events_eve_raw(g->ev, &line);
	buf_free(&line);
}

static int
same_affinity(const struct gw_config *a, const struct gw_config *b)
{
	for (int t = 0; t < GW_NTHREADS; t++)
		if (a->cpu[t].set != b->cpu[t].set || (a->cpu[t].set &&
		    !CPU_EQUAL(&a->cpu[t].cpus, &b->cpu[t].cpus)))
			return 0;
	return 1;
}

static void
reload(struct gw *g)
{
	struct gw_config nc;
	struct error err;

	if (gwconf_load(g->path, &nc, &err) == -1) {
		log_error(g->lg, "reload: %s; keeping the running configuration",
		    err.msg);
		return;
	}
	if (strcmp(nc.honeynet_if, g->cfg.honeynet_if) != 0 ||
	    strcmp(nc.uplink_if, g->cfg.uplink_if) != 0 ||
	    (nc.capture_dir == NULL) != (g->cfg.capture_dir == NULL) ||
	    (nc.capture_dir && strcmp(nc.capture_dir, g->cfg.capture_dir) != 0))
		log_warn(g->lg, "reload: interface and capture changes need a "
		    "restart; applying limits, lists and mode only");
	if ((nc.inspect || nc.sessions_dir != NULL) != g->cfg.inspect ||
	    (nc.sessions_dir == NULL) != (g->cfg.sessions_dir == NULL) ||
	    (nc.sessions_dir && strcmp(nc.sessions_dir, g->cfg.sessions_dir)) ||
	    (g->ids == NULL && nc.ids.nrule_files > 0))
		log_warn(g->lg, "reload: inspect, sessions and adding ids-rules "
		    "need a restart");
	if (!same_affinity(&nc, &g->cfg) || nc.tx_thread != g->cfg.tx_thread)
		log_warn(g->lg, "reload: cpu-affinity and tx-thread changes need "
		    "a restart");
	if (control_reload(g->ctl, &nc.policy, &err) == -1) {
		log_error(g->lg, "reload: %s", err.msg);
		gwconf_free(&nc);
		return;
	}
	if (g->pl != NULL && set_honeynet(g->pl, &nc.policy, &err) < 0)
		log_error(g->lg, "reload: inspect: %s", err.msg);
	if (g->ids != NULL && nc.ids.nrule_files > 0) {
		nc.ids.inline_mode = 1;
		nc.ids.stream_mode = 1;
		if (detect_stage_reload_start(g->ids, &nc.ids, &err) == -1)
			log_error(g->lg, "reload: ids: %s", err.msg);
	}
	control_policy_free(&g->cfg.policy);
	g->cfg.policy = nc.policy;
	memset(&nc.policy, 0, sizeof(nc.policy));
	g->cfg.stats_interval_ns = nc.stats_interval_ns;
	g->next_stats = g->cfg.stats_interval_ns ?
	    g->now + g->cfg.stats_interval_ns : 0;
	gwconf_free(&nc);
	log_info(g->lg, "reloaded %s: %zu honeypots, %zu list entries, mode %s",
	    g->path, g->cfg.policy.nhoneypots, g->cfg.policy.nrules,
	    g->cfg.policy.lockdown ? "lockdown" : "normal");
}

/* 1: stop. */
static int
read_signals(struct gw *g)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(g->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(g);
		else
			stop = 1;
	}
	return stop;
}

static void
housekeeping(struct gw *g)
{
	if (g->now < g->next_tick)
		return;
	g->next_tick = g->now + NSEC_PER_SEC;
	control_tick(g->ctl, g->now);
	if (g->pl != NULL)
		pipeline_tick(g->pl, time_now_ns());
	if (g->ids != NULL) {
		struct error err;
		int r = detect_stage_reload_poll(g->ids, &err);

		if (r == 1)
			log_info(g->lg, "reloaded the IDS rules");
		else if (r == -1)
			log_error(g->lg, "reload: ids: %s; keeping the running rules", err.msg);
	}
	if (g->tf != NULL) {	/* session bytes reach their files */
		struct error serr;

		if (session_writer_flush(tcpflow_writer(g->tf), &serr) == -1 &&
		    !g->sessions_warned) {
			log_warn(g->lg, "sessions: %s", serr.msg);
			g->sessions_warned = 1;
		}
	}
	if (g->next_stats && g->now >= g->next_stats) {
		write_stats(g);
		g->next_stats = g->now + g->cfg.stats_interval_ns;
	}
	if (gw_events_flush(g->ev) == -1)
		log_warn(g->lg, "event log write failed: %s", strerror(errno));
}

int
gw_run(struct gw *g, struct error *err)
{
	struct pollfd pfd[3];
	int stop = 0;

	pfd[0].fd = afp_fd(g->port[0]);
	pfd[1].fd = afp_fd(g->port[1]);
	pfd[2].fd = g->sfd;
	for (int i = 0; i < 3; i++)
		pfd[i].events = POLLIN;
	g->now = time_mono_ns();
	g->next_tick = g->now + NSEC_PER_SEC;
	g->next_stats = g->cfg.stats_interval_ns ?
	    g->now + g->cfg.stats_interval_ns : 0;
	g->next_sig = g->now;
	log_info(g->lg, "bridging %s <-> %s (%zu honeypots, mode %s)",
	    g->cfg.honeynet_if, g->cfg.uplink_if, g->cfg.policy.nhoneypots,
	    g->cfg.policy.lockdown ? "lockdown" : "normal");
	while (!stop) {
		int n;

		g->now = time_mono_ns();
		n = pump(g, SIDE_HN) + pump(g, SIDE_UP);
		if (n > 0)
			g->last_busy = g->now;
		else if (g->now - g->last_busy < SPIN_NS) {
			/* Traffic a moment ago: look again before sleeping
			 * (a sleep and wake-up costs more than a few checks). */
			sched_yield();
			continue;
		}
		if (n == 0) {
			if (poll(pfd, 3, 200) == -1 && errno != EINTR)
				return error_errno(err, "poll");
			g->now = time_mono_ns();
			if (pfd[2].revents & POLLIN)
				stop = read_signals(g);
		} else if (g->now >= g->next_sig) {
			/* Busy: still look at signals every 10 ms. */
			g->next_sig = g->now + NSEC_PER_SEC / 100;
			stop = read_signals(g);
		}
		housekeeping(g);
	}
	log_info(g->lg, "stopping: flushing flows, events and capture");
	g->now = time_mono_ns();
	control_flush(g->ctl, g->now);
	write_stats(g);
	if (g->pl != NULL && pipeline_finish(g->pl, err) == -1)
		log_warn(g->lg, "inspect: %s", err->msg);
	if (g->tf != NULL) {	/* the flows above ended every session */
		if (tcpflow_close(g->tf, err) == -1)
			log_warn(g->lg, "sessions: %s", err->msg);
		g->tf = NULL;
	}
	if (g->cap != NULL)
		pcap_ring_sync(g->cap);
	if (gw_events_flush(g->ev) == -1)
		log_warn(g->lg, "event log write failed: %s", strerror(errno));
	return 0;
}

void
gw_free(struct gw *g)
{
	if (g == NULL)
		return;
	pcap_ring_free(g->cap);
	pipeline_free(g->pl);
	app_free(g->app);		/* after the flows */
	detect_stage_free(g->ids);	/* after the flows holding its state */
	if (g->tf != NULL) {
		struct error err;

		(void)tcpflow_close(g->tf, &err);
	}
	afp_tx_thread_free(g->txt[0]);	/* sends what is queued */
	afp_tx_thread_free(g->txt[1]);
	control_free(g->ctl);
	gw_events_free(g->ev);
	afp_close(g->port[0]);
	afp_close(g->port[1]);
	if (g->sfd != -1)
		close(g->sfd);
	control_policy_free(&g->cfg.policy);
	free(g->cfg.user);
	free(g->cfg.capture_dir);
	free(g->cfg.eve_log);
	free(g->cfg.conn_log);
	free(g->cfg.sessions_dir);
	free(g->path);
	free(g);
}
