/* summary: `apiary extract`: the packets of one flow (both directions) to a new capture. */
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/commands.h"
#include "core/units.h"
#include "engine/pipeline.h"
#include "flow/flow.h"
#include "io/pcap_source.h"

#define EXTRACT_SNAPLEN 262144

struct five_tuple {
	uint8_t proto;
	struct addr a, b;
	uint16_t pa, pb;
};

struct extract {
	int by;				/* 'i' flow id, 'c' community id, 't' 5-tuple */
	uint64_t flow_id;
	const char *cid;
	struct five_tuple ft;
	const char *out_path;
	pcap_t *dead;
	pcap_dumper_t *dump;
	int linktype;
	uint64_t written;
	int failed;
	char error[512];
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary extract -o OUT.pcap (--flow-id ID | --community-id CID |\n"
	    "                      --5tuple \"PROTO SRC SPORT DST DPORT\") FILE...\n"
	    "\n"
	    "Writes the packets of one flow, both directions, from pcap/pcapng\n"
	    "files to a new capture (pcap, nanosecond timestamps), as they were\n"
	    "captured.  The flow is named by its flow_id (as in the eve.json of\n"
	    "`apiary analyze` and the sessions.json of `apiary tcpflow`, which use\n"
	    "the same default flow configuration over the same files), by its\n"
	    "community_id (every flow with that id: a reused port pair), or by its\n"
	    "addresses: PROTO is tcp, udp, icmp, icmpv6 or a number; either\n"
	    "direction matches.\n"
	    "\n"
	    "Exit status: 0 packets written; 1 no packet matched, bad input or a\n"
	    "write error; 2 usage.\n");
}

static int
parse_tuple(const char *s, struct five_tuple *t)
{
	char proto[16], a[64], b[64];
	uint64_t pa, pb;
	char pas[16], pbs[16];

	if (sscanf(s, "%15s %63s %15s %63s %15s", proto, a, pas, b, pbs) != 5)
		return -1;
	if (strcasecmp(proto, "tcp") == 0)
		t->proto = 6;
	else if (strcasecmp(proto, "udp") == 0)
		t->proto = 17;
	else if (strcasecmp(proto, "icmp") == 0)
		t->proto = 1;
	else if (strcasecmp(proto, "icmpv6") == 0 || strcasecmp(proto, "ipv6-icmp") == 0)
		t->proto = 58;
	else {
		uint64_t n;
		if (parse_uint(proto, 0, 255, &n) < 0)
			return -1;
		t->proto = (uint8_t)n;
	}
	if (addr_parse(a, &t->a) < 0 || addr_parse(b, &t->b) < 0 ||
	    parse_uint(pas, 0, 65535, &pa) < 0 || parse_uint(pbs, 0, 65535, &pb) < 0)
		return -1;
	t->pa = (uint16_t)pa;
	t->pb = (uint16_t)pb;
	return 0;
}

static int
tuple_matches(const struct five_tuple *t, const struct packet *p)
{
	if (!(p->layers & (PKT_IPV4 | PKT_IPV6)) || p->ip_proto != t->proto)
		return 0;
	if (addr_cmp(&p->src, &t->a) == 0 && addr_cmp(&p->dst, &t->b) == 0 &&
	    p->sport == t->pa && p->dport == t->pb)
		return 1;
	return addr_cmp(&p->src, &t->b) == 0 && addr_cmp(&p->dst, &t->a) == 0 &&
	    p->sport == t->pb && p->dport == t->pa;
}

static enum pipeline_verdict
extract_stage(void *ctx, struct packet *p)
{
	struct extract *x = ctx;
	struct pcap_pkthdr h;
	int match;

	if (x->failed)
		return PIPELINE_PASS;
	switch (x->by) {
	case 'i':
		match = p->flow != NULL && p->flow->flow_id == x->flow_id;
		break;
	case 'c':
		match = p->flow != NULL && strcmp(flow_community_id(p->flow), x->cid) == 0;
		break;
	default:
		match = tuple_matches(&x->ft, p);
		break;
	}
	if (!match)
		return PIPELINE_PASS;
	if (x->dump == NULL) {
		x->linktype = p->linktype;
		x->dead = pcap_open_dead_with_tstamp_precision(p->linktype,
		    EXTRACT_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
		if (x->dead == NULL) {
			snprintf(x->error, sizeof(x->error), "pcap_open_dead failed");
			x->failed = 1;
			return PIPELINE_PASS;
		}
		x->dump = pcap_dump_open(x->dead, x->out_path);
		if (x->dump == NULL) {
			snprintf(x->error, sizeof(x->error), "%s", pcap_geterr(x->dead));
			x->failed = 1;
			return PIPELINE_PASS;
		}
	} else if (p->linktype != x->linktype) {
		snprintf(x->error, sizeof(x->error),
		    "%s: the flow spans files of different link types (%d, %d)",
		    x->out_path, x->linktype, p->linktype);
		x->failed = 1;
		return PIPELINE_PASS;
	}
	h.ts.tv_sec = (time_t)(p->ts_ns / 1000000000ull);
	/* with nanosecond precision libpcap stores tv_usec as nanoseconds */
	h.ts.tv_usec = (suseconds_t)(p->ts_ns % 1000000000ull);
	h.caplen = p->caplen;
	h.len = p->wirelen;
	pcap_dump((u_char *)x->dump, &h, p->frame);
	x->written++;
	return PIPELINE_PASS;
}

int
cmd_extract(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flow-id", required_argument, NULL, 'i' },
		{ "community-id", required_argument, NULL, 'c' },
		{ "5tuple", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct extract x;
	struct pipeline_config pcfg;
	struct pipeline *pl = NULL;
	struct pcap_source *src = NULL;
	struct pcap_frame fr;
	struct error err;
	int c, rc = 0, r = 0, nsel = 0;

	memset(&x, 0, sizeof(x));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			x.out_path = optarg;
			break;
		case 'i':
			nsel++;
			x.by = 'i';
			if (parse_uint(optarg, 1, UINT64_MAX, &x.flow_id) < 0) {
				fprintf(stderr, "apiary extract: --flow-id %s: not a flow id\n", optarg);
				return 2;
			}
			break;
		case 'c':
			nsel++;
			x.by = 'c';
			x.cid = optarg;
			break;
		case 't':
			nsel++;
			x.by = 't';
			if (parse_tuple(optarg, &x.ft) < 0) {
				fprintf(stderr, "apiary extract: --5tuple '%s': expected "
				    "\"PROTO SRC SPORT DST DPORT\"\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (x.out_path == NULL || nsel != 1 || optind >= argc) {
		if (nsel > 1)
			fprintf(stderr, "apiary extract: give one of --flow-id, "
			    "--community-id, --5tuple\n");
		usage(stderr);
		return 2;
	}
	pipeline_config_default(&pcfg);
	pcfg.scan_enabled = 0;
	pl = pipeline_new(&pcfg, &err);
	if (pl == NULL || pipeline_add_stage(pl, "extract", extract_stage, &x, &err) < 0) {
		fprintf(stderr, "apiary extract: %s\n", err.msg);
		pipeline_free(pl);
		return 2;
	}
	src = pcap_source_new((const char *const *)argv + optind,
	    (size_t)(argc - optind), &err);
	if (src == NULL) {
		fprintf(stderr, "apiary extract: %s\n", err.msg);
		rc = 1;
	} else {
		while (!x.failed && (r = pcap_source_next(src, &fr, &err)) == 1) {
			if (!pipeline_linktype_supported(fr.linktype))
				continue;
			pipeline_frame(pl, fr.linktype, fr.data, fr.caplen,
			    fr.wirelen, fr.ts_ns);
		}
		if (r < 0) {
			fprintf(stderr, "apiary extract: %s\n", err.msg);
			rc = 1;
		}
	}
	if (pipeline_finish(pl, &err) < 0 && rc == 0) {
		fprintf(stderr, "apiary extract: %s\n", err.msg);
		rc = 1;
	}
	if (x.dump != NULL) {
		if (pcap_dump_flush(x.dump) < 0 && !x.failed) {
			snprintf(x.error, sizeof(x.error), "%s: write failed", x.out_path);
			x.failed = 1;
		}
		pcap_dump_close(x.dump);
	}
	if (x.dead != NULL)
		pcap_close(x.dead);
	if (x.failed) {
		fprintf(stderr, "apiary extract: %s\n", x.error);
		rc = 1;
	} else if (rc == 0 && x.written == 0) {
		fprintf(stderr, "apiary extract: no packet of that flow\n");
		rc = 1;
	}
	pcap_source_free(src);
	pipeline_free(pl);
	return rc;
}
