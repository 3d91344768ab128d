/* summary: apiary-gw's configuration: parse and check the gateway config file. */
#ifndef APIARY_GW_GWCONF_H
#define APIARY_GW_GWCONF_H

#include <net/if.h>
#include <sched.h>
#include <stdint.h>

#include "control/control.h"
#include "core/config.h"
#include "core/error.h"
#include "detect/detect_stage.h"

/*
 * The statements are documented in docs/apiary-gw.md and etc/apiary-gw.conf.
 * Everything the gateway needs at start comes from here; on SIGHUP the file
 * is parsed again and only the policy (limits, lists, mode) and the stats
 * interval are applied; other changes are reported as needing a restart.
 */
/* The gateway's busy threads, for 'cpu-affinity THREAD LIST'. */
enum gw_thread {
	GW_THREAD_FORWARD,		/* the main thread: decide, capture, copy */
	GW_THREAD_TX_HONEYNET,		/* send(2) on the honeynet port */
	GW_THREAD_TX_UPLINK,		/* send(2) on the uplink port */
	GW_THREAD_CAPTURE,		/* the capture writer */
	GW_NTHREADS
};

struct gw_cpu_affinity {
	int set;			/* 0: left to the scheduler */
	cpu_set_t cpus;
};

struct gw_config {
	char honeynet_if[IF_NAMESIZE];
	char uplink_if[IF_NAMESIZE];
	char management_if[IF_NAMESIZE];	/* "" if none */
	struct control_policy policy;
	char *user;				/* NULL: keep root (warned) */

	char *capture_dir;			/* NULL: no capture */
	uint64_t capture_rotate_bytes;		/* 0: no size rotation */
	uint64_t capture_rotate_ns;		/* 0: no time rotation */
	uint64_t capture_keep_files;		/* 0: unbounded (warned) */
	uint64_t capture_keep_bytes;		/* 0: no total bound */
	uint64_t capture_buffer;		/* ring between forwarding and disk */
	uint64_t capture_snaplen;

	char *eve_log;
	char *conn_log;
	uint64_t stats_interval_ns;		/* 0: no periodic stats */
	uint64_t ring_frames;			/* per ring, RX and TX */
	int offloads_keep;			/* 1: don't turn GRO/GSO/TSO off */
	int tx_thread;				/* 1: send(2) on a transmit thread */
	struct gw_cpu_affinity cpu[GW_NTHREADS];	/* 'cpu-affinity' */
	int inspect;				/* 1: run the shared pipeline too */
	char *sessions_dir;			/* 'sessions DIR': tcpflow files live (implies inspect) */
	struct detect_stage_config ids;		/* ids-rules, ids-var, ids-classification */
};

/* Parses an already split config; on error, err says file:line: what. */
int gwconf_from_config(const struct config *cfg, struct gw_config *out,
    struct error *err);
int gwconf_load(const char *path, struct gw_config *out, struct error *err);
void gwconf_free(struct gw_config *gc);
/* "forward", "tx-honeynet", "tx-uplink", "capture": the config's names. */
const char *gwconf_thread_name(enum gw_thread t);

#endif
