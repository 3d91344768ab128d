/* summary: apiary-agent at run time: sensor -> spool -> TLS sender. */
#include "agent/agent.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/record.h"
#include "agent/spool.h"
#include "core/buf.h"
#include "core/timefmt.h"
#include "sensor/sensor.h"
#include "syslog/syslog_client.h"

#define SENT_RING 65536		/* (serial, time) of recent sends, for resends */
/*
 * Terminal bytes are coalesced: consecutive chunks of the same process,
 * descriptor and direction become one record of up to COALESCE_MAX bytes
 * (under apiary-logd's default 64 KiB message limit once in base64), held
 * at most COALESCE_NS.  A `cat` of a big file to a terminal then costs one
 * record per 32 KiB instead of one per 4 KiB chunk.
 */
#define COALESCE_MAX (32u << 10)
#define COALESCE_NS (20 * 1000000ull)
#define BACKOFF_MIN_NS (250 * 1000000ull)
#define BACKOFF_MAX_NS (10 * NSEC_PER_SEC)

struct agent {
	const struct agent_config *cfg;
	const struct logger *lg;
	struct spool *spool;
	struct sensor *sensor;
	struct buf line;
	struct sensor_record held;	/* terminal bytes being coalesced */
	struct buf held_data;
	uint64_t held_since;		/* monotonic ns; 0 = nothing held */
	uint64_t lost_kernel_seen, lost_spool_seen;
	int format_errors;

	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;

	/* sender state (sender thread only) */
	struct {
		uint64_t serial;
		uint64_t mono_ns;
	} *ring;
	size_t ring_head, ring_len;
	struct agent_stats stats;
};

static void
wake_sender(struct agent *a)
{
	pthread_mutex_lock(&a->lock);
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
}

/* Formats and spools one record; the recorder thread is the only writer,
 * so the next serial is spool_last() + 1. */
static void
spool_line(struct agent *a)
{
	struct error err;
	uint64_t serial;

	if (spool_append(a->spool, a->line.data, a->line.len, &serial, &err) == -1)
		log_warn(a->lg, "%s", err.msg);
	else
		a->stats.records++;
}

static void
write_record(struct agent *a, const struct sensor_record *r)
{
	uint32_t seq = agent_sequence_id(spool_last(a->spool) + 1);

	buf_reset(&a->line);
	if (agent_record_format(&a->line, r, a->cfg->hostname, seq) == -1) {
		if (a->format_errors++ < 10)
			log_warn(a->lg, "could not format a record of type %d",
			    r->type);
		return;
	}
	spool_line(a);
}

static void
flush_held(struct agent *a)
{
	if (a->held_since == 0)
		return;
	a->held.data = a->held_data.data;
	a->held.len = a->held_data.len;
	write_record(a, &a->held);
	buf_reset(&a->held_data);
	a->held_since = 0;
}

static int
same_stream(const struct sensor_record *x, const struct sensor_record *y)
{
	return x->type == y->type && x->pid == y->pid && x->tid == y->tid &&
	    x->fd == y->fd && strcmp(x->io_tty, y->io_tty) == 0;
}

static void
on_record(void *ctx, const struct sensor_record *r)
{
	struct agent *a = ctx;

	if (r->type == SENSOR_TTY_OUT && !a->cfg->capture_tty_out)
		return;
	if (r->type != SENSOR_TTY_IN && r->type != SENSOR_TTY_OUT) {
		flush_held(a);		/* keep the order of records */
		write_record(a, r);
		return;
	}
	if (a->held_since != 0 && (!same_stream(&a->held, r) ||
	    a->held_data.len + r->len > COALESCE_MAX))
		flush_held(a);
	if (a->held_since == 0) {
		a->held = *r;
		a->held.data = NULL;
		a->held_since = time_mono_ns();
	}
	a->held.flags |= r->flags & SENSOR_F_TRUNCATED;
	if (buf_append(&a->held_data, r->data, r->len) == -1) {
		flush_held(a);
		write_record(a, r);
	}
}

static void
notice(struct agent *a, const char *what, uint64_t lost)
{
	uint32_t seq;

	flush_held(a);
	seq = agent_sequence_id(spool_last(a->spool) + 1);

	buf_reset(&a->line);
	if (agent_notice_format(&a->line, time_now_ns(), a->cfg->hostname, seq,
	    what, lost) == 0)
		spool_line(a);
	log_info(a->lg, "%s (lost %" PRIu64 ")", what, lost);
}

/* Losses are records too: the analyst must see that something is missing. */
static void
report_losses(struct agent *a)
{
	uint64_t k = sensor_lost(a->sensor), s = spool_lost(a->spool);

	if (k > a->lost_kernel_seen) {
		notice(a, "kernel ring buffer full: records dropped",
		    k - a->lost_kernel_seen);
		a->lost_kernel_seen = k;
	}
	if (s > a->lost_spool_seen) {
		notice(a, "spool full: oldest unsent records deleted",
		    s - a->lost_spool_seen);
		a->lost_spool_seen = s;
	}
}

/* ---- sender ------------------------------------------------------------ */

static void
remember_send(struct agent *a, uint64_t serial)
{
	size_t idx = (a->ring_head + a->ring_len) % SENT_RING;

	a->ring[idx].serial = serial;
	a->ring[idx].mono_ns = time_mono_ns();
	if (a->ring_len < SENT_RING)
		a->ring_len++;
	else
		a->ring_head = (a->ring_head + 1) % SENT_RING;
}

/* Forgets sends older than the window; they count as delivered. */
static uint64_t
settled(struct agent *a, uint64_t now)
{
	uint64_t done = 0;

	while (a->ring_len > 0 &&
	    now - a->ring[a->ring_head].mono_ns > a->cfg->resend_ns) {
		done = a->ring[a->ring_head].serial;
		a->ring_head = (a->ring_head + 1) % SENT_RING;
		a->ring_len--;
	}
	return done;
}

static int
is_stopping(struct agent *a)
{
	int s;

	pthread_mutex_lock(&a->lock);
	s = a->stopping;
	pthread_mutex_unlock(&a->lock);
	return s;
}

/* Waits for an append or a stop, at most ns. */
static void
wait_for(struct agent *a, uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ns / NSEC_PER_SEC);
	ts.tv_nsec += (long)(ns % NSEC_PER_SEC);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	if (!a->stopping)
		pthread_cond_timedwait(&a->wake, &a->lock, &ts);
	pthread_mutex_unlock(&a->lock);
}

static void *
sender_main(void *arg)
{
	struct agent *a = arg;
	struct syslog_client_opts o;
	struct syslog_client *c;
	struct error err;
	struct buf msg;
	uint64_t cursor, serial, backoff = BACKOFF_MIN_NS, last_mark = 0;
	int warned = 0;

	memset(&o, 0, sizeof(o));
	o.host = a->cfg->server_host;
	o.port = a->cfg->server_port;
	o.server_name = a->cfg->server_name;
	o.ca_file = a->cfg->ca;
	o.server_fpr = a->cfg->server_fpr;
	o.cert_file = a->cfg->cert;
	o.key_file = a->cfg->key;
	o.timeout_ns = 5 * NSEC_PER_SEC;
	if ((c = syslog_client_new(&o, &err)) == NULL) {
		log_error(a->lg, "%s", err.msg);
		return NULL;
	}
	buf_init(&msg, 0);
	cursor = spool_sent(a->spool);
	while (!is_stopping(a)) {
		uint64_t now = time_mono_ns(), done;
		int r;

		if (!syslog_client_connected(c)) {
			if (syslog_client_connect(c, &err) == -1) {
				if (!warned++)
					log_warn(a->lg, "log server: %s; spooling "
					    "and retrying", err.msg);
				wait_for(a, backoff);
				backoff = backoff * 2 > BACKOFF_MAX_NS ?
				    BACKOFF_MAX_NS : backoff * 2;
				continue;
			}
			log_info(a->lg, "connected to %s:%s", a->cfg->server_host,
			    a->cfg->server_port);
			warned = 0;
			backoff = BACKOFF_MIN_NS;
			a->stats.connects++;
		}
		if ((done = settled(a, now)) > 0 && now - last_mark > NSEC_PER_SEC) {
			if (spool_set_sent(a->spool, done, &err) == -1)
				log_warn(a->lg, "%s", err.msg);
			last_mark = now;
		}
		r = spool_read_after(a->spool, cursor, &msg, &serial, &err);
		if (r == -1) {
			log_error(a->lg, "%s", err.msg);
			wait_for(a, NSEC_PER_SEC);
			continue;
		}
		if (r == 0) {
			wait_for(a, NSEC_PER_SEC / 2);
			continue;
		}
		if (syslog_client_send(c, msg.data, msg.len, &err) == -1) {
			/* resend everything that may not have been stored */
			uint64_t from = a->ring_len > 0 ?
			    a->ring[a->ring_head].serial - 1 : cursor;
			log_warn(a->lg, "log server: %s; resending from record "
			    "%" PRIu64, err.msg, from + 1);
			a->stats.resent += cursor - from;
			cursor = from;
			a->ring_len = 0;
			continue;
		}
		remember_send(a, serial);
		cursor = serial;
		a->stats.sent++;
	}
	/* at a clean stop the server got everything we wrote */
	syslog_client_close(c);
	if (cursor > 0 && spool_set_sent(a->spool, cursor, &err) == -1)
		log_warn(a->lg, "%s", err.msg);
	syslog_client_free(c);
	buf_free(&msg);
	return NULL;
}

/* ---- recorder ---------------------------------------------------------- */

int
agent_run(const struct agent_config *cfg, const struct logger *lg,
    struct error *err)
{
	struct sensor_config sc;
	struct agent a;
	struct pollfd pfd[2];
	sigset_t mask;
	pthread_t sender;
	int sfd = -1, rc = -1, started = 0;
	uint64_t last_report = 0;

	memset(&a, 0, sizeof(a));
	a.cfg = cfg;
	a.lg = lg;
	buf_init(&a.line, 0);
	buf_init(&a.held_data, COALESCE_MAX);
	pthread_mutex_init(&a.lock, NULL);
	pthread_cond_init(&a.wake, NULL);
	if ((a.ring = calloc(SENT_RING, sizeof(*a.ring))) == NULL) {
		error_set(err, "out of memory");
		goto out;
	}
	if ((a.spool = spool_open(cfg->spool, cfg->spool_size, err)) == NULL)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.scope = cfg->scope;
	sc.scope_path = cfg->scope_path;
	if ((a.sensor = sensor_open(&sc, on_record, &a, err)) == NULL)
		goto out;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		error_errno(err, "signalfd");
		goto out;
	}
	/* the sender inherits the blocked mask: signals come to signalfd */
	if (pthread_create(&sender, NULL, sender_main, &a) != 0) {
		error_set(err, "cannot start the sender thread");
		goto out;
	}
	started = 1;
	notice(&a, "agent started", 0);
	wake_sender(&a);
	pfd[0].fd = sensor_fd(a.sensor);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		uint64_t before = spool_last(a.spool), now;

		/* the kernel side wakes us only when much is waiting (see
		 * sensor.bpf.c): poll the ring at least every 20 ms */
		if (poll(pfd, 2, a.held_since ? 10 : 20) == -1 && errno != EINTR) {
			error_errno(err, "poll");
			break;
		}
		if (pfd[1].revents & POLLIN) {
			rc = 0;
			break;
		}
		if (sensor_poll(a.sensor, 0) == -1) {
			error_set(err, "reading the eBPF ring buffer failed");
			break;
		}
		now = time_mono_ns();
		if (a.held_since != 0 && now - a.held_since >= COALESCE_NS)
			flush_held(&a);
		if (now - last_report > NSEC_PER_SEC) {
			report_losses(&a);
			last_report = now;
		}
		if (spool_last(a.spool) != before)
			wake_sender(&a);
	}
	/* drain what the kernel still holds, then let the sender finish */
	sensor_poll(a.sensor, 0);
	notice(&a, "agent stopping", 0);
	wake_sender(&a);
	for (int i = 0; i < 50 && spool_sent(a.spool) < spool_last(a.spool); i++)
		usleep(20000);
out:
	if (started) {
		pthread_mutex_lock(&a.lock);
		a.stopping = 1;
		pthread_cond_signal(&a.wake);
		pthread_mutex_unlock(&a.lock);
		pthread_join(sender, NULL);
	}
	if (sfd >= 0)
		close(sfd);
	sensor_close(a.sensor);
	spool_close(a.spool);
	buf_free(&a.line);
	buf_free(&a.held_data);
	free(a.ring);
	pthread_mutex_destroy(&a.lock);
	pthread_cond_destroy(&a.wake);
	return rc;
}
