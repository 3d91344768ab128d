/* summary: the report's model: timeline events, hosts, counters, chart series. */
#ifndef APIARY_REPORT_MODEL_H
#define APIARY_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "report/report.h"

#define REPORT_MAX_EVENTS 200000	/* timeline events kept */
#define REPORT_MAX_HOSTS 4096		/* distinct addresses tracked */
#define REPORT_MAX_SESSIONS 512
#define REPORT_MAX_FINDINGS 20000
#define REPORT_MAX_SOURCES 1024
#define REPORT_TOP 10
#define REPORT_BUCKETS 60

enum ev_kind {
	EV_SCAN, EV_LOGIN, EV_SESSION, EV_COMMAND, EV_DOWNLOAD, EV_FLOW_IN,
	EV_FLOW_OUT, EV_BLOCKED, EV_LIMIT, EV_ALERT, EV_CONNECT, EV_SNAPSHOT,
	EV_KINDS
};

struct tl_event {
	uint64_t ts;
	enum ev_kind kind;
	uint8_t blocked;		/* alerts that blocked, drops */
	uint8_t severity;		/* 1 high .. 3 low, 0 n/a */
	char src[48], dst[48];		/* addresses as text, "" if none */
	uint16_t sport, dport;
	uint64_t end, bytes;
	char proto[8];
	char sender[72];		/* agent records: the honeypot's name */
	char *text;			/* one line, raw (escaped when written) */
	int session;			/* index into sessions, or -1 */
	int attacker;			/* index into hosts, or -1 */
};

struct host {
	char addr[48];
	int honeypot;			/* a protected address */
	int attacker;			/* external, acted on a honeypot */
	uint64_t first, last;
	uint64_t flows_in, flows_out, bytes_in, bytes_out;
	uint64_t alerts, scans, logins, sessions;
};

struct finding {
	uint64_t ts;
	int rank;			/* lower is more severe */
	char *severity, *category, *change, *what, *detail;
	char sha256[65];
	char host[72];
};

struct rsession {
	char id[160];
	char sender[72];
	char tty[48];
	uint32_t uid;
	uint64_t start, end;
	uint64_t bytes_in, bytes_out;
	size_t ncommands;
	char *commands;			/* "HH:MM:SS  command\n" lines */
	char *typed;			/* lines typed */
	struct buf transcript;		/* terminal output, cleaned, bounded */
	char peer[48];			/* the attacker's address (from accept) */
	int attacker;
};

struct counter {
	char *key;
	uint64_t n;
};

struct counters {
	struct counter *v;
	size_t n, cap;
};

struct source {
	char *path;
	char kind[16];
	uint64_t bytes, items;
};

struct report {
	struct report_opts o;
	struct tl_event *ev;
	size_t nev, capev;
	uint64_t ev_dropped;
	struct host *hosts;
	size_t nhosts, caphosts;
	uint64_t hosts_dropped;
	struct rsession *sess;
	size_t nsess;
	struct finding *find;
	size_t nfind, capfind;
	struct source src[REPORT_MAX_SOURCES];
	size_t nsrc;
	/* aggregates */
	uint64_t t_min, t_max;
	uint64_t n_flows, n_alerts, n_blocked_alerts, n_scans, n_drops,
	    n_drops_suppressed, n_limits, n_records, n_commands, n_downloads,
	    bad_lines, pcap_files, pcap_bytes, store_damaged;
	struct counters ports, signatures, control, download_urls;
	/* traffic: flows kept compactly for the chart, bucketed at the end */
	struct { uint64_t start, end, bytes; uint8_t out; size_t ev; } *traffic;
	size_t ntraffic, captraffic;
	uint64_t bucket_in[REPORT_BUCKETS], bucket_out[REPORT_BUCKETS];
	int have_eve_flows;
	char **connlogs;		/* read at the end, if no EVE flows came */
	size_t nconnlogs;
};

int model_event(struct report *r, uint64_t ts, enum ev_kind kind,
    const char *src, const char *dst, int blocked, int severity,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));
struct host *model_host(struct report *r, const char *addr);
void model_time(struct report *r, uint64_t ts);
int counters_add(struct counters *c, const char *key, uint64_t n);
void counters_sort(struct counters *c);
void counters_free(struct counters *c);
int model_traffic(struct report *r, uint64_t start, uint64_t end,
    uint64_t bytes, int outbound);
int model_source(struct report *r, const char *path, const char *kind,
    uint64_t bytes, uint64_t items);

/* readers */
int report_getline(FILE *f, struct buf *b, size_t max, int *too_long);
int report_read_eve(struct report *r, const char *path, struct error *err);
int report_read_connlog(struct report *r, const char *path,
    struct error *err);
int report_read_store(struct report *r, const char *path, struct error *err);
/* writers */
int report_html(struct report *r, FILE *out, struct error *err);
void report_svg_traffic(struct report *r, struct buf *b);
void report_svg_bars(struct buf *b, const char *title,
    const struct counters *c, const char *color);
/* HTML text escaping */
int html_escape(struct buf *b, const char *s, size_t len);
int html_puts(struct buf *b, const char *s);

#endif
