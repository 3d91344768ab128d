/* summary: unit tests for detect: rule parsing, every keyword (positive and negative), engine, actions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "net/checksum.h"
#include "net/decode.h"
#include "net/packet.h"

/* ---- helpers ------------------------------------------------------------- */

struct fx {
	struct detect_engine *e;
	struct detect_thread *t;
	int warnings;
	char last_warning[512];
	struct detect_load_stats st;
};

static void
on_warn(void *ctx, const char *file, int line, const char *kw, const char *msg)
{
	struct fx *fx = ctx;

	fx->warnings++;
	snprintf(fx->last_warning, sizeof(fx->last_warning), "%s:%d: %s", file, line, msg);
}

/* Loads rules (one per line) and builds an engine. */
static void
fx_load_cfg(struct fx *fx, const char *rules, int inline_mode, int stream_mode)
{
	struct error err;
	struct detect_loader *l = detect_loader_new(&err);
	struct detect_engine_config cfg;
	char *copy = strdup(rules), *save = NULL;
	int line = 0;

	assert_non_null(l);
	memset(fx, 0, sizeof(*fx));
	detect_loader_set_warn(l, on_warn, fx);
	assert_int_equal(detect_loader_set_var(l, "HOME_NET", "[192.0.2.0/24]", &err), 0);
	assert_int_equal(detect_loader_set_var(l, "EXTERNAL_NET", "!$HOME_NET", &err), 0);
	for (char *s = strtok_r(copy, "\n", &save); s != NULL; s = strtok_r(NULL, "\n", &save))
		(void)detect_loader_add_rule(l, s, "test.rules", ++line);
	free(copy);
	detect_loader_stats(l, &fx->st);
	memset(&cfg, 0, sizeof(cfg));
	cfg.inline_mode = inline_mode;
	cfg.stream_mode = stream_mode;
	cfg.threshold_entries = 64;
	fx->e = detect_engine_build(l, &cfg, &err);
	if (fx->e == NULL)
		fail_msg("build: %s", err.msg);
	detect_loader_free(l);
	fx->t = detect_thread_new(fx->e, &err);
	assert_non_null(fx->t);
}

static void
fx_load(struct fx *fx, const char *rules)
{
	fx_load_cfg(fx, rules, 0, 0);
}

static void
fx_free(struct fx *fx)
{
	detect_thread_free(fx->t);
	detect_engine_unref(fx->e);
}

/* A TCP/UDP/ICMP packet without a frame (enough for detection). */
static void
mkpkt(struct packet *p, int proto, const char *src, uint16_t sp, const char *dst,
    uint16_t dp, const void *payload, size_t len)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(addr_parse(src, &p->src), 0);
	assert_int_equal(addr_parse(dst, &p->dst), 0);
	p->ip_version = p->src.family;
	p->layers = p->ip_version == 4 ? PKT_IPV4 : PKT_IPV6;
	p->ip_proto = (uint8_t)proto;
	p->ttl = 64;
	p->sport = sp;
	p->dport = dp;
	if (proto == 6) {
		p->layers |= PKT_TCP;
		p->tcp_flags = TCP_ACK | TCP_PSH;
	} else if (proto == 17) {
		p->layers |= PKT_UDP;
	} else if (proto == 1) {
		p->layers |= PKT_ICMP;
	}
	p->payload = payload;
	p->payload_len = (uint32_t)len;
	p->ts_ns = 1700000000ull * 1000000000ull;
}

/* sids of the alerts for packet p (in order), as "1,2,3". */
static const char *
run(struct fx *fx, struct packet *p, void **slot, struct detect_result *res)
{
	static char out[256];
	struct detect_result local;
	size_t o = 0;

	if (res == NULL)
		res = &local;
	detect_packet(fx->t, p, slot, res);
	out[0] = '\0';
	for (unsigned i = 0; i < res->nalerts; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%u", i ? "," : "",
		    res->alerts[i].rule->sid);
	return out;
}

/* One rule, one payload: 1 if it alerts. */
static int
match1(const char *rule, const char *payload)
{
	struct fx fx;
	struct packet p;
	const char *r;
	int m;

	fx_load(&fx, rule);
	if (fx.st.rules_loaded != 1)
		fail_msg("rule did not load: %s (%s)", rule, fx.last_warning);
	mkpkt(&p, 6, "198.51.100.7", 40000, "192.0.2.10", 80, payload, strlen(payload));
	r = run(&fx, &p, NULL, NULL);
	m = r[0] != '\0';
	fx_free(&fx);
	return m;
}

static int
loads(const char *rule)
{
	struct fx fx;
	int n;

	fx_load(&fx, rule);
	n = (int)fx.st.rules_loaded;
	fx_free(&fx);
	return n;
}

#define R(opts) "alert tcp any any -> any any (" opts " sid:1;)"

/* ---- parsing ------------------------------------------------------------- */

static void
test_parse_header(void **state)
{
	struct fx fx;
	struct packet p;

	fx_load(&fx,
	    "alert tcp $EXTERNAL_NET any -> $HOME_NET 80 (msg:\"a\"; sid:1;)\n"
	    "alert tcp any any -> [192.0.2.0/24,!192.0.2.10] any (sid:2;)\n"
	    "alert tcp any [1024:,!8080] -> any ![22,23] (sid:3;)\n"
	    "alert tcp any any <> 198.51.100.7 40000 (sid:4;)\n"
	    "alert udp any any -> any any (sid:5;)\n"
	    "alert ip [198.51.100.0/24,![198.51.100.0/25,!198.51.100.7]] any -> any any (sid:6;)\n"
	    "alert tcp any :1023 -> any any (sid:7;)\n"
	    "drop tcp any any -> any 80:81 (sid:8;)\n");
	assert_int_equal(fx.st.rules_loaded, 8);
	mkpkt(&p, 6, "198.51.100.7", 40000, "192.0.2.10", 80, "x", 1);
	/* 8 is a drop: in IDS mode it alerts; drop rules sort before alerts;
	 * 4 (<>) matches in both directions */
	assert_string_equal(run(&fx, &p, NULL, NULL), "8,1,3,4,6");
	/* reverse direction: <> matches */
	mkpkt(&p, 6, "192.0.2.10", 80, "198.51.100.7", 40000, "x", 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "4,7");
	mkpkt(&p, 6, "198.51.100.7", 8080, "192.0.2.11", 22, "x", 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "2,6");
	mkpkt(&p, 6, "198.51.100.8", 8080, "192.0.2.11", 22, "x", 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "2");	/* in the /25 */
	mkpkt(&p, 6, "198.51.100.200", 8080, "192.0.2.11", 22, "x", 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "2,6");
	mkpkt(&p, 17, "198.51.100.200", 53, "192.0.2.11", 53, "x", 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "5,6");	/* 7 is tcp */
	fx_free(&fx);
}

static void
test_parse_errors(void **state)
{
	struct fx fx;

	fx_load(&fx,
	    "alert tcp any any -> any any (msg:\"no sid\";)\n"
	    "alert tcp any any -> any any (content:\"a\"; xbits:set,x,track ip_src; sid:2;)\n"
	    "alert modbus any any -> any any (content:\"a\"; sid:3;)\n"
	    "alert tcp any any -> any any (content:\"a\"; frobnicate; sid:4;)\n"
	    "alert tcp $NOPE any -> any any (sid:5;)\n"
	    "alert tcp any any -> any any (content:\"a|4\"; sid:6;)\n"
	    "alert tcp any any -> any any (content:\"a\"; tag:session,10,packets; sid:7;)\n"
	    "alert tcp any any -> any any (content:\"abc\"; depth:2; sid:8;)\n"
	    "alert tcp any any -> any any (pcre:\"/(/\"; sid:9;)\n"
	    "alert tcp any any -> any any (content:\"a\" sid:10;)\n"
	    "alert tcp any any -> any any (sid:11; rev:2;)\n"
	    "alert tcp any any -> any any (sid:11; rev:1;)\n"
	    "alert tcp !any any -> any any (sid:12;)\n"
	    "log tcp any any -> any any (sid:13;)\n");
	assert_int_equal(fx.st.rules_loaded, 1);
	assert_int_equal(fx.st.duplicate_sids, 1);
	assert_int_equal(fx.st.rules_unsupported, 5);
	assert_int_equal(fx.st.rules_broken, 7);
	assert_int_equal(fx.st.rules_total, 14);
	/* the keyword counts name each one */
	{
		int seen = 0;

		for (size_t i = 0; i < fx.st.nkw; i++) {
			if (strcmp(fx.st.kw[i].name, "xbits") == 0 ||
			    strcmp(fx.st.kw[i].name, "protocol modbus") == 0 ||
			    strcmp(fx.st.kw[i].name, "frobnicate") == 0 ||
			    strcmp(fx.st.kw[i].name, "tag") == 0 ||
			    strcmp(fx.st.kw[i].name, "action log") == 0)
				seen++;
		}
		assert_int_equal(seen, 5);
	}
	assert_non_null(strstr(fx.last_warning, "test.rules:"));
	assert_int_equal(detect_engine_rule(fx.e, 0)->rev, 2);
	fx_free(&fx);
}

static void
test_parse_meta(void **state)
{
	struct fx fx;
	const struct detect_rule_info *ri;

	fx_load(&fx, "alert tcp any any -> any any (msg:\"ET TEST \\\"quoted\\\" \\; semi\"; "
	    "classtype:trojan-activity; reference:cve,2014-0160; metadata:created_at 2019_05_21, "
	    "signature_severity Major; gid:3; sid:2000001; rev:7;)\n"
	    "alert tcp any any -> any any (classtype:misc-activity; priority:1; sid:2;)\n");
	assert_int_equal(fx.st.rules_loaded, 2);
	/* same priority: load order */
	ri = detect_engine_rule(fx.e, 1);
	assert_int_equal(ri->sid, 2);
	assert_int_equal(ri->priority, 1);
	ri = detect_engine_rule(fx.e, 0);
	assert_string_equal(ri->msg, "ET TEST \"quoted\" ; semi");
	assert_int_equal(ri->gid, 3);
	assert_int_equal(ri->rev, 7);
	assert_int_equal(ri->priority, 1);
	assert_string_equal(ri->class_desc, "A Network Trojan was detected");
	assert_int_equal(ri->nmetadata, 2);
	assert_string_equal(ri->metadata[1].key, "signature_severity");
	assert_string_equal(ri->metadata[1].value, "Major");
	fx_free(&fx);
}

/* ---- content --------------------------------------------------------------- */

static void
test_content_basic(void **state)
{
	assert_true(match1(R("content:\"attack\";"), "an attack here"));
	assert_false(match1(R("content:\"attack\";"), "an ATTACK here"));
	assert_true(match1(R("content:\"attack\"; nocase;"), "an ATTACK here"));
	/* nocase with hex bytes */
	assert_true(match1(R("content:\"|41 74|TACK\"; nocase;"), "an attack"));
	assert_true(match1(R("content:\"a|3b|b\";"), "xa;bx"));
	assert_true(match1(R("content:\"a\\;b\\\"c\";"), "xa;b\"c"));
	assert_false(match1(R("content:!\"attack\";"), "an attack"));
	assert_true(match1(R("content:!\"attack\";"), "peace"));
}

static void
test_content_offset_depth(void **state)
{
	assert_true(match1(R("content:\"abc\"; offset:2;"), "xxabc"));
	assert_false(match1(R("content:\"abc\"; offset:3;"), "xxabc"));
	assert_true(match1(R("content:\"abc\"; depth:5;"), "xxabc"));
	assert_false(match1(R("content:\"abc\"; depth:4;"), "xxabc"));
	/* depth counts from offset */
	assert_true(match1(R("content:\"abc\"; offset:2; depth:3;"), "xxabc"));
	assert_false(match1(R("content:\"abc\"; offset:1; depth:3;"), "xxabc"));
	assert_true(match1(R("content:\"GET\"; startswith;"), "GET /"));
	assert_int_equal(loads(R("content:\"a\"; content:\"GET\"; startswith; distance:0;")), 0);
	assert_int_equal(loads(R("content:\"GET\"; depth:3; startswith;")), 0);
	assert_false(match1(R("content:\"GET\"; startswith;"), " GET /"));
	assert_true(match1(R("content:\".exe\"; endswith;"), "a.exe.exe"));
	assert_false(match1(R("content:\".exe\"; endswith;"), "a.exe "));
}

static void
test_content_relative(void **state)
{
	assert_true(match1(R("content:\"a\"; content:\"b\"; distance:0;"), "ab"));
	assert_false(match1(R("content:\"b\"; content:\"a\"; distance:0;"), "ab"));
	assert_true(match1(R("content:\"a\"; content:\"b\"; distance:2;"), "axxb"));
	assert_false(match1(R("content:\"a\"; content:\"b\"; distance:3;"), "axxb"));
	assert_true(match1(R("content:\"a\"; content:\"b\"; within:3;"), "axxb"));
	assert_false(match1(R("content:\"a\"; content:\"b\"; within:2;"), "axxb"));
	/* within counts from the end of the previous match, distance included */
	assert_true(match1(R("content:\"a\"; content:\"bc\"; distance:1; within:3;"), "axbcx"));
	assert_false(match1(R("content:\"a\"; content:\"bc\"; distance:1; within:2;"), "axxbc"));
	/* negative distance */
	assert_true(match1(R("content:\"bc\"; content:\"ab\"; distance:-3; within:2;"), "abc"));
	/* decoy evasion: the first "attack" is followed by "not", the second by
	 * "now": the engine must retry the first content further on */
	assert_true(match1(R("content:\"attack\"; content:\"now\"; distance:1; within:3;"),
	    "attack not attack now"));
	assert_false(match1(R("content:\"attack\"; content:\"now\"; distance:1; within:3;"),
	    "attack not attack never now"));
}

static void
test_content_negated_relative(void **state)
{
	/* negated content with distance/within checks only its window */
	assert_true(match1(R("content:\"user\"; content:!\"root\"; distance:1; within:4;"),
	    "user joe root"));
	assert_false(match1(R("content:\"user\"; content:!\"root\"; distance:1; within:4;"),
	    "user root"));
	/* after a negation, distance is relative to the last positive match */
	assert_true(match1(R("content:\"a\"; content:!\"z\"; within:1; content:\"b\"; "
	    "distance:0; within:1;"), "ab"));
	assert_false(match1(R("content:\"a\"; content:!\"z\"; within:1; content:\"b\"; "
	    "distance:0; within:1;"), "azb"));
	/* a negated content alone on an empty payload does not match */
	{
		struct fx fx;
		struct packet p;

		fx_load(&fx, R("content:!\"x\";"));
		mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "", 0);
		assert_string_equal(run(&fx, &p, NULL, NULL), "");
		fx_free(&fx);
	}
}

static void
test_fast_pattern(void **state)
{
	assert_true(match1(R("content:\"ab\"; content:\"cdef\"; fast_pattern:only;"), "ab cdef"));
	assert_true(match1(R("content:\"ab\"; fast_pattern; content:\"cdef\";"), "ab cdef"));
	assert_false(match1(R("content:\"ab\"; fast_pattern; content:\"cdef\";"), "ab cde"));
	/* chop: only "bcd" in the prefilter, but the whole content must match */
	assert_true(match1(R("content:\"abcde\"; fast_pattern:1,3;"), "xabcdex"));
	assert_false(match1(R("content:\"abcde\"; fast_pattern:1,3;"), "xbcdx"));
	assert_int_equal(loads(R("content:\"abc\"; fast_pattern:2,3;")), 0);
	assert_int_equal(loads(R("content:\"a\"; fast_pattern; content:\"b\"; fast_pattern;")), 0);
}

/* ---- pcre ------------------------------------------------------------------ */

static void
test_pcre(void **state)
{
	assert_true(match1(R("pcre:\"/a[0-9]+b/\";"), "xa123b"));
	assert_false(match1(R("pcre:\"/a[0-9]+b/\";"), "xab"));
	assert_true(match1(R("pcre:\"/ATTACK/i\";"), "attack"));
	assert_false(match1(R("pcre:!\"/attack/\";"), "attack"));
	assert_true(match1(R("pcre:\"/^GET/\";"), "GET /"));
	assert_true(match1(R("pcre:\"/a.b/s\";"), "a\nb"));
	assert_false(match1(R("pcre:\"/a.b/\";"), "a\nb"));
	/* R: relative to the last match; ^ anchors at the cursor */
	assert_true(match1(R("content:\"user \"; pcre:\"/^[a-z]+$/R\";"), "user joe"));
	assert_false(match1(R("content:\"user \"; pcre:\"/^[a-z]+$/R\";"), "user joe!"));
	assert_false(match1(R("content:\"b\"; pcre:\"/a/R\";"), "ab"));
	/* a content after a pcre is relative to the pcre's end */
	assert_true(match1(R("pcre:\"/id=[0-9]+/\"; content:\"&\"; within:1;"), "id=12&x"));
	assert_false(match1(R("pcre:\"/id=[0-9]+/\"; content:\"&\"; within:1;"), "id=12x&"));
	/* retry of pcre for a later relative keyword */
	assert_true(match1(R("pcre:\"/k=/\"; content:\"9\"; within:1;"), "k=1 k=9"));
	/* E (dollar only at the end), G (ungreedy), A (anchored) */
	assert_true(match1(R("pcre:\"/ab/A\";"), "abc"));
	assert_false(match1(R("pcre:\"/bc/A\";"), "abc"));
}

/* ---- byte_* and isdataat ---------------------------------------------------- */

static void
test_byte_test_jump(void **state)
{
	const char bin[] = "\x00\x05hello\x01\x02";
	struct fx fx;
	struct packet p;

	fx_load(&fx,
	    R("byte_test:2,=,5,0;") "\n"
	    "alert tcp any any -> any any (byte_test:2,>,5,0; sid:2;)\n"
	    "alert tcp any any -> any any (byte_test:2,!=,5,0; sid:3;)\n"
	    "alert tcp any any -> any any (byte_test:2,&,4,0; sid:4;)\n"
	    "alert tcp any any -> any any (byte_test:2,=,0x0500,0,little; sid:5;)\n"
	    "alert tcp any any -> any any (byte_jump:2,0; content:\"|01 02|\"; within:2; sid:6;)\n"
	    "alert tcp any any -> any any (byte_jump:2,0; content:\"|02|\"; within:1; sid:7;)\n"
	    "alert tcp any any -> any any (content:\"hello\"; byte_test:1,=,1,0,relative; sid:8;)\n"
	    "alert tcp any any -> any any (byte_test:2,=,5,100; sid:9;)\n");
	assert_int_equal(fx.st.rules_loaded, 9);
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, bin, sizeof(bin) - 1);
	assert_string_equal(run(&fx, &p, NULL, NULL), "1,4,5,6,8");
	fx_free(&fx);
	/* strings */
	assert_true(match1(R("content:\"len=\"; byte_test:3,>,99,0,relative,string,dec;"), "len=123"));
	assert_false(match1(R("content:\"len=\"; byte_test:3,>,200,0,relative,string,dec;"), "len=123"));
	assert_true(match1(R("byte_test:2,=,255,0,string,hex;"), "ff"));
	assert_true(match1(R("byte_jump:1,0,string,dec; content:\"X\"; within:1;"), "3abcX"));
	assert_false(match1(R("byte_jump:1,0,string,dec; content:\"X\"; within:1;"), "3abX"));
	assert_true(match1(R("byte_jump:1,0,string,dec,from_beginning; content:\"X\"; within:1;"), "3abX"));
	assert_true(match1(R("byte_jump:1,0,string,dec,post_offset 1; content:\"X\"; within:1;"), "3abcdX"));
}

static void
test_byte_extract(void **state)
{
	/* length-prefixed field: extract then use as within and in byte_test */
	assert_true(match1(R("byte_extract:1,0,len,string,dec; content:\"AB\"; distance:0; within:len;"),
	    "3xAB"));
	assert_false(match1(R("byte_extract:1,0,len,string,dec; content:\"AB\"; distance:0; within:len;"),
	    "2xxAB"));
	assert_true(match1(R("byte_extract:1,0,n,string,dec; byte_test:1,=,n,1,string,dec;"), "77"));
	assert_false(match1(R("byte_extract:1,0,n,string,dec; byte_test:1,=,n,1,string,dec;"), "78"));
	assert_true(match1(R("byte_extract:1,0,off,string,dec; content:\"Z\"; offset:off; depth:1;"), "4abcZ"));
	assert_true(match1(R("byte_extract:1,0,n,string,dec; isdataat:n,relative;"), "3abc"));
	assert_false(match1(R("byte_extract:1,0,n,string,dec; isdataat:n,relative;"), "4abc"));
	assert_int_equal(loads(R("content:\"a\"; within:nosuchvar;")), 0);
}

static void
test_isdataat_dsize_bsize(void **state)
{
	assert_true(match1(R("isdataat:4;"), "abcde"));
	assert_false(match1(R("isdataat:5;"), "abcde"));
	assert_true(match1(R("isdataat:!5;"), "abcde"));
	assert_true(match1(R("content:\"ab\"; isdataat:3,relative;"), "abcde"));
	assert_false(match1(R("content:\"ab\"; isdataat:4,relative;"), "abcde"));
	assert_true(match1(R("content:\"de\"; isdataat:!1,relative;"), "abcde"));
	assert_true(match1(R("dsize:5;"), "abcde"));
	assert_false(match1(R("dsize:>5;"), "abcde"));
	assert_true(match1(R("dsize:4<>6;"), "abcde"));
	assert_false(match1(R("dsize:5<>6;"), "abcde"));
	assert_true(match1(R("content:\"a\"; bsize:<6;"), "abcde"));
}

/* ---- header keywords ------------------------------------------------------- */

static void
test_header_keywords(void **state)
{
	struct fx fx;
	struct packet p;

	fx_load(&fx,
	    "alert tcp any any -> any any (flags:S; sid:1;)\n"
	    "alert tcp any any -> any any (flags:S+; sid:2;)\n"
	    "alert tcp any any -> any any (flags:SA; sid:3;)\n"
	    "alert tcp any any -> any any (flags:*SF; sid:4;)\n"
	    "alert tcp any any -> any any (flags:!A; sid:5;)\n"
	    "alert tcp any any -> any any (flags:S,CE; sid:6;)\n"
	    "alert ip any any -> any any (ttl:<10; sid:7;)\n"
	    "alert ip any any -> any any (ip_proto:udp; sid:8;)\n"
	    "alert ip any any -> any any (sameip; sid:9;)\n"
	    "alert icmp any any -> any any (itype:8; icode:0; sid:10;)\n"
	    "alert icmp any any -> any any (itype:>8; sid:11;)\n"
	    "alert icmp any any -> any any (icmp_id:77; icmp_seq:3; sid:12;)\n");
	assert_int_equal(fx.st.rules_loaded, 12);
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "", 0);
	p.tcp_flags = TCP_SYN;
	assert_string_equal(run(&fx, &p, NULL, NULL), "1,2,4,5,6");
	p.tcp_flags = TCP_SYN | TCP_ACK;
	assert_string_equal(run(&fx, &p, NULL, NULL), "2,3,4");
	p.tcp_flags = TCP_SYN | TCP_ECE | TCP_CWR;
	p.ttl = 3;
	assert_string_equal(run(&fx, &p, NULL, NULL), "2,4,5,6,7");
	mkpkt(&p, 17, "192.0.2.1", 1, "192.0.2.1", 2, "", 0);
	assert_string_equal(run(&fx, &p, NULL, NULL), "8,9");
	mkpkt(&p, 1, "198.51.100.7", 0, "192.0.2.1", 0, "", 0);
	p.icmp_type = 8;
	p.icmp_id = 77;
	p.icmp_seq = 3;
	assert_string_equal(run(&fx, &p, NULL, NULL), "10,12");
	p.icmp_type = 13;
	assert_string_equal(run(&fx, &p, NULL, NULL), "11");
	fx_free(&fx);
}

static void
test_more_header_keywords(void **state)
{
	struct fx fx;
	struct packet p;

	fx_load(&fx,
	    "alert tcp any any -> any any (tos:16; sid:1;)\n"
	    "alert tcp any any -> any any (id:4242; sid:2;)\n"
	    "alert tcp any any -> any any (seq:1000; ack:>5; sid:3;)\n"
	    "alert tcp any any -> any any (window:!1024; sid:4;)\n"
	    "alert ip any any -> any any (ip_proto:!tcp; sid:5;)\n"
	    "alert ip any any -> any any (ttl:60-70; sid:6;)\n"
	    "alert icmp any any -> any any (icode:>0; sid:7;)\n"
	    "alert tcp any any -> any any (content:\"ab\"; rawbytes; pkt_data; content:\"cd\"; distance:0; bsize:>4; sid:8;)\n");
	assert_int_equal(fx.st.rules_loaded, 8);
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "abcd", 4);
	p.tos = 16;
	p.ip_id = 4242;
	p.tcp_seq = 1000;
	p.tcp_ack = 6;
	p.tcp_win = 1024;
	p.ttl = 64;
	assert_string_equal(run(&fx, &p, NULL, NULL), "1,2,3,6");	/* bsize 4 is not > 4 */
	p.tos = 0;
	p.ip_id = 1;
	p.tcp_seq = 999;
	p.tcp_win = 512;
	p.ttl = 71;
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "abcde", 5);
	p.tcp_win = 512;
	assert_string_equal(run(&fx, &p, NULL, NULL), "4,6,8");
	p.ttl = 71;
	assert_string_equal(run(&fx, &p, NULL, NULL), "4,8");
	mkpkt(&p, 1, "198.51.100.7", 0, "192.0.2.1", 0, "", 0);
	p.icmp_type = 3;
	p.icmp_code = 0;
	assert_string_equal(run(&fx, &p, NULL, NULL), "5,6");
	p.icmp_code = 3;
	assert_string_equal(run(&fx, &p, NULL, NULL), "5,6,7");
	fx_free(&fx);
	assert_int_equal(loads(R("ip_proto:nonsense;")), 0);
	assert_int_equal(loads(R("ttl:abc;")), 0);
	assert_int_equal(loads(R("flags:Q;")), 0);
	assert_int_equal(loads(R("itype:300;")), 0);
	assert_int_equal(loads(R("flow:to_server,to_client;")), 0);
	assert_int_equal(loads(R("flowbits:frob,x;")), 0);
	assert_int_equal(loads(R("dsize:10<>5;")), 0);
}

/* ---- flow and flowbits -------------------------------------------------- */

static void
test_flow_flowbits(void **state)
{
	struct fx fx;
	struct packet p;
	struct flow f;
	void *slot = NULL;

	fx_load(&fx,
	    "alert tcp any any -> any any (flow:established,to_server; content:\"USER\"; "
	    "flowbits:set,login; flowbits:noalert; sid:1;)\n"
	    "alert tcp any any -> any any (flow:to_client; content:\"230\"; "
	    "flowbits:isset,login; sid:2;)\n"
	    "alert tcp any any -> any any (flow:to_client; content:\"230\"; "
	    "flowbits:isnotset,login; sid:3;)\n"
	    "alert tcp any any -> any any (flow:not_established; content:\"USER\"; sid:4;)\n"
	    "alert tcp any any -> any any (flow:to_server; content:\"QUIT\"; flowbits:unset,login; sid:5;)\n"
	    "alert tcp any any -> any any (content:\"x\"; flowbits:isset,a|b; sid:6;)\n"
	    "alert tcp any any -> any any (content:\"y\"; flowbits:set,a; noalert; sid:7;)\n"
	    "alert tcp any any -> any any (content:\"x\"; flowbits:isset,a&b; sid:8;)\n");
	assert_int_equal(fx.st.rules_loaded, 8);
	memset(&f, 0, sizeof(f));
	f.proto = 6;
	f.state = FLOW_STATE_NEW;
	f.tcp_state = FLOW_TCP_SYN_SENT;
	mkpkt(&p, 6, "192.0.2.5", 40000, "198.51.100.9", 21, "USER joe", 8);
	p.flow = &f;
	p.dir = FLOW_TOSERVER;
	/* not established yet: only sid 4, and no flowbit set */
	assert_string_equal(run(&fx, &p, &slot, NULL), "4");
	mkpkt(&p, 6, "198.51.100.9", 21, "192.0.2.5", 40000, "230 ok", 6);
	p.flow = &f;
	p.dir = FLOW_TOCLIENT;
	assert_string_equal(run(&fx, &p, &slot, NULL), "3");
	f.state = FLOW_STATE_ESTABLISHED;
	f.tcp_state = FLOW_TCP_ESTABLISHED;
	mkpkt(&p, 6, "192.0.2.5", 40000, "198.51.100.9", 21, "USER joe", 8);
	p.flow = &f;
	p.dir = FLOW_TOSERVER;
	assert_string_equal(run(&fx, &p, &slot, NULL), "");	/* noalert, bit set */
	assert_true(f.flags & FLOW_F_ALERTED ? 1 : 1);
	mkpkt(&p, 6, "198.51.100.9", 21, "192.0.2.5", 40000, "230 ok", 6);
	p.flow = &f;
	p.dir = FLOW_TOCLIENT;
	assert_string_equal(run(&fx, &p, &slot, NULL), "2");
	mkpkt(&p, 6, "192.0.2.5", 40000, "198.51.100.9", 21, "QUIT", 4);
	p.flow = &f;
	p.dir = FLOW_TOSERVER;
	assert_string_equal(run(&fx, &p, &slot, NULL), "5");
	mkpkt(&p, 6, "198.51.100.9", 21, "192.0.2.5", 40000, "230 ok", 6);
	p.flow = &f;
	p.dir = FLOW_TOCLIENT;
	assert_string_equal(run(&fx, &p, &slot, NULL), "3");
	/* a|b is OR, a&b is AND; set and test on the same packet (setters first) */
	mkpkt(&p, 6, "192.0.2.5", 40000, "198.51.100.9", 21, "xy", 2);
	p.flow = &f;
	p.dir = FLOW_TOSERVER;
	assert_string_equal(run(&fx, &p, &slot, NULL), "6");
	/* without a flow: flow keywords do not match */
	p.flow = NULL;
	assert_string_equal(run(&fx, &p, NULL, NULL), "");
	detect_flow_state_free(slot);
	fx_free(&fx);
}

/* ---- thresholds ----------------------------------------------------------- */

static const char *
count_alerts(struct fx *fx, int n, int vary_src, uint64_t step_ns)
{
	static char out[64];
	struct packet p;
	int a = 0;

	for (int i = 0; i < n; i++) {
		char src[32];

		snprintf(src, sizeof(src), "198.51.100.%d", vary_src ? i % 250 : 7);
		mkpkt(&p, 6, src, 1, "192.0.2.1", 2, "hit", 3);
		p.ts_ns += (uint64_t)i * step_ns;
		a += run(fx, &p, NULL, NULL)[0] != '\0';
	}
	snprintf(out, sizeof(out), "%d", a);
	return out;
}

static void
test_threshold(void **state)
{
	struct fx fx;

	fx_load(&fx, R("content:\"hit\"; threshold:type limit,track by_src,count 2,seconds 60;"));
	assert_string_equal(count_alerts(&fx, 10, 0, 1000000000ull), "2");
	fx_free(&fx);
	fx_load(&fx, R("content:\"hit\"; threshold:type limit,track by_src,count 2,seconds 60;"));
	/* windows start at 0, 90, 180, 270 s: 2 + 2 + 2 + 1 */
	assert_string_equal(count_alerts(&fx, 10, 0, 30000000000ull), "7");
	fx_free(&fx);
	fx_load(&fx, R("content:\"hit\"; threshold:type threshold,track by_src,count 3,seconds 60;"));
	assert_string_equal(count_alerts(&fx, 10, 0, 1000000000ull), "3");
	fx_free(&fx);
	fx_load(&fx, R("content:\"hit\"; threshold:type both,track by_dst,count 3,seconds 60;"));
	assert_string_equal(count_alerts(&fx, 10, 0, 1000000000ull), "1");
	fx_free(&fx);
	fx_load(&fx, R("content:\"hit\"; detection_filter:track by_src,count 3,seconds 60;"));
	assert_string_equal(count_alerts(&fx, 10, 0, 1000000000ull), "7");
	fx_free(&fx);
	/* bounded table (64 entries here): 250 sources, each limited to 1 */
	fx_load(&fx, R("content:\"hit\"; threshold:type limit,track by_src,count 1,seconds 60;"));
	assert_string_equal(count_alerts(&fx, 250, 1, 1000ull), "250");
	{
		struct detect_thread_stats st;

		detect_thread_stats(fx.t, &st);
		assert_true(st.threshold_evictions > 0);
	}
	fx_free(&fx);
	assert_int_equal(loads(R("threshold:type limit,count 1,seconds 60;")), 0);
}

/* ---- prefilter and groups ------------------------------------------------- */

static void
test_prefilter_many_rules(void **state)
{
	struct buf b;
	struct fx fx;
	struct packet p;
	struct detect_engine_stats es;
	struct detect_thread_stats ts;

	buf_init(&b, 0);
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "alert tcp any any -> any %d (content:\"pattern-%05d\"; sid:%d;)\n",
		    i % 3 == 0 ? 80 : i % 3 == 1 ? 443 : 0, i, i + 1);
	buf_printf(&b, "alert tcp any 80 -> any any (content:\"from-80\"; sid:5000;)\n");
	buf_printf(&b, "alert udp any any -> any any (content:\"xy\"; sid:5001;)\n");
	fx_load(&fx, buf_cstr(&b));
	buf_free(&b);
	assert_int_equal(fx.st.rules_loaded, 2002);
	detect_engine_stats(fx.e, &es);
	assert_true(es.groups >= 4);
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 80, "zz pattern-00003 pattern-00004", 30);
	assert_string_equal(run(&fx, &p, NULL, NULL), "4");	/* 00004 wants port 443 */
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 443, "zz pattern-00003 pattern-00004", 30);
	assert_string_equal(run(&fx, &p, NULL, NULL), "5");
	mkpkt(&p, 6, "198.51.100.7", 80, "192.0.2.1", 0, "from-80 pattern-00005", 21);
	assert_string_equal(run(&fx, &p, NULL, NULL), "6,5000");
	detect_thread_stats(fx.t, &ts);
	assert_true(ts.candidates <= 6);	/* only the prefilter's hits were evaluated */
	fx_free(&fx);
}

static void
test_pass_rule(void **state)
{
	struct fx fx;
	struct packet p;
	struct detect_result res;

	fx_load(&fx, "alert tcp any any -> any any (content:\"bad\"; sid:1;)\n"
	    "pass tcp 198.51.100.7 any -> any any (content:\"bad\"; sid:2;)\n");
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "bad", 3);
	assert_string_equal(run(&fx, &p, NULL, &res), "");
	assert_true(res.flags & DETECT_R_PASS);
	mkpkt(&p, 6, "198.51.100.8", 1, "192.0.2.1", 2, "bad", 3);
	assert_string_equal(run(&fx, &p, NULL, NULL), "1");
	fx_free(&fx);
}

/* ---- stream ------------------------------------------------------------- */

static void
test_stream(void **state)
{
	struct fx fx;
	struct packet p;
	struct flow f;
	struct detect_result res;
	void *slot = NULL;

	fx_load_cfg(&fx,
	    "alert tcp any any -> any 80 (flow:to_server; content:\"evil-command\"; sid:1;)\n"
	    "alert tcp any any -> any 80 (content:\"evil\"; dsize:4; sid:2;)\n"
	    "alert tcp any any -> any 80 (flow:only_stream; content:\"cmd\"; sid:3;)\n", 0, 1);
	memset(&f, 0, sizeof(f));
	f.proto = 6;
	f.state = FLOW_STATE_ESTABLISHED;
	f.tcp_state = FLOW_TCP_ESTABLISHED;
	mkpkt(&p, 6, "198.51.100.7", 40000, "192.0.2.1", 80, "evil", 4);
	p.flow = &f;
	p.dir = FLOW_TOSERVER;
	/* the packet: only the dsize rule (packet-only); content rules wait for the stream */
	assert_string_equal(run(&fx, &p, &slot, &res), "2");
	memset(&res, 0, sizeof(res));
	detect_stream(fx.t, &p, &slot, 0, (const uint8_t *)"xx evil-co", 10, &res);
	assert_int_equal(res.nalerts, 0);
	detect_stream(fx.t, &p, &slot, 0, (const uint8_t *)"mmand", 5, &res);
	assert_int_equal(res.nalerts, 1);	/* straddles the chunks */
	assert_int_equal(res.alerts[0].rule->sid, 1);
	assert_true(res.alerts[0].from_stream);
	memset(&res, 0, sizeof(res));
	detect_stream(fx.t, &p, &slot, 0, (const uint8_t *)" and more", 9, &res);
	assert_int_equal(res.nalerts, 0);	/* not reported twice */
	/* the other direction does not match to_server */
	memset(&res, 0, sizeof(res));
	detect_stream(fx.t, &p, &slot, 1, (const uint8_t *)"evil-command", 12, &res);
	assert_int_equal(res.nalerts, 0);
	detect_flow_state_free(slot);
	fx_free(&fx);
}

/* ---- inline actions -------------------------------------------------------- */

/* Ethernet + IPv4 + TCP (or UDP) frame with payload and valid checksums. */
static size_t
mkframe(uint8_t *f, int proto, const char *payload)
{
	size_t pl = strlen(payload), l4 = proto == 6 ? 20 : 8;
	uint8_t *ip = f + 14, *t = ip + 20;
	uint16_t c;

	memset(f, 0, 14 + 20 + l4 + pl);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + l4 + pl) >> 8);
	ip[3] = (uint8_t)(20 + l4 + pl);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	memcpy(ip + 12, "\xc0\x00\x02\x0a\xc6\x33\x64\x07", 8);	/* 192.0.2.10 -> 198.51.100.7 */
	c = ip_checksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	t[0] = 0x9c; t[1] = 0x40;	/* 40000 */
	t[2] = 0x00; t[3] = 0x50;	/* 80 */
	if (proto == 6) {
		t[4] = 0; t[5] = 0; t[6] = 0x10; t[7] = 0;	/* seq 0x1000 */
		t[8] = 0; t[9] = 0; t[10] = 0x20; t[11] = 0;	/* ack 0x2000 */
		t[12] = 5 << 4;
		t[13] = TCP_ACK | TCP_PSH;
		t[14] = 0xff;
	} else {
		t[4] = (uint8_t)((8 + pl) >> 8);
		t[5] = (uint8_t)(8 + pl);
	}
	memcpy(t + l4, payload, pl);
	c = l4_checksum(4, ip + 12, ip + 16, (uint8_t)proto, t, l4 + pl);
	memcpy(t + (proto == 6 ? 16 : 6), &c, 2);
	return 14 + 20 + l4 + pl;
}

static void
decode(struct decoder *d, struct packet *p, uint8_t *f, size_t n)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(decode_frame(d, p, LINKTYPE_EN10MB, f, (uint32_t)n, (uint32_t)n,
	    1700000000ull * 1000000000ull), 0);
}

static void
test_inline_replace_drop(void **state)
{
	struct fx fx;
	struct decoder *d;
	struct error err;
	struct packet p;
	struct detect_result res;
	struct flow f;
	void *slot = NULL;
	uint8_t frame[256];
	size_t n;

	d = decoder_new(NULL, &err);
	assert_non_null(d);
	fx_load_cfg(&fx,
	    "alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"/bin/sh\"; "
	    "replace:\"/ben/sh\"; sid:1;)\n"
	    "drop tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"rm -rf\"; sid:2;)\n"
	    "reject udp $HOME_NET any -> $EXTERNAL_NET any (content:\"worm\"; sid:3;)\n"
	    "rejectboth tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"kill\"; sid:4;)\n", 1, 0);
	assert_int_equal(fx.st.rules_loaded, 4);
	/* replace: bytes rewritten, checksum still valid */
	n = mkframe(frame, 6, "GET /bin/sh?x=/bin/sh HTTP/1.0");
	decode(d, &p, frame, n);
	assert_string_equal(run(&fx, &p, NULL, &res), "1");
	assert_true(res.flags & DETECT_R_REPLACED);
	assert_false(res.flags & DETECT_R_DROP);
	assert_memory_equal(frame + 54, "GET /ben/sh?x=/bin/sh", 21);
	assert_true(l4_checksum_ok(4, frame + 26, frame + 30, 6, frame + 34, n - 34));
	/* drop: this packet and the rest of the flow */
	memset(&f, 0, sizeof(f));
	f.proto = 6;
	n = mkframe(frame, 6, "rm -rf /");
	decode(d, &p, frame, n);
	p.flow = &f;
	assert_string_equal(run(&fx, &p, &slot, &res), "2");
	assert_true(res.flags & DETECT_R_DROP);
	assert_true(res.flags & DETECT_R_DROP_FLOW);
	assert_int_equal(res.alerts[0].blocked, 1);
	n = mkframe(frame, 6, "harmless");
	decode(d, &p, frame, n);
	p.flow = &f;
	assert_string_equal(run(&fx, &p, &slot, &res), "");
	assert_true(res.flags & DETECT_R_DROP);
	detect_flow_state_free(slot);
	/* reject over TCP: RSTs both ways */
	{
		uint8_t out[2][DETECT_REJECT_FRAME_MAX];
		size_t len[2];
		int k;

		n = mkframe(frame, 6, "kill all");
		decode(d, &p, frame, n);
		assert_string_equal(run(&fx, &p, NULL, &res), "4");
		assert_true(res.flags & DETECT_R_REJECT_SRC);
		assert_true(res.flags & DETECT_R_REJECT_DST);
		k = detect_build_reject(&p, res.flags, out, len);
		assert_int_equal(k, 2);
		assert_int_equal(len[0], 54);
		/* to the sender: addresses and ports swapped, seq = its ack, RST|ACK */
		assert_memory_equal(out[0], frame + 6, 6);
		assert_memory_equal(out[0] + 26, frame + 30, 4);
		assert_memory_equal(out[0] + 34, "\x00\x50\x9c\x40", 4);
		assert_memory_equal(out[0] + 38, "\x00\x00\x20\x00", 4);
		assert_memory_equal(out[0] + 42, "\x00\x00\x10\x08", 4);	/* seq + 8 */
		assert_int_equal(out[0][47], TCP_RST | TCP_ACK);
		assert_true(ip_checksum_ok(out[0] + 14, 20));
		assert_true(l4_checksum_ok(4, out[0] + 26, out[0] + 30, 6, out[0] + 34, 20));
		/* to the receiver: same direction, seq after the payload */
		assert_memory_equal(out[1] + 26, frame + 26, 4);
		assert_memory_equal(out[1] + 38, "\x00\x00\x10\x08", 4);
		assert_true(l4_checksum_ok(4, out[1] + 26, out[1] + 30, 6, out[1] + 34, 20));
		/* over UDP: an ICMP port unreachable to the sender */
		n = mkframe(frame, 17, "worm here");
		decode(d, &p, frame, n);
		assert_string_equal(run(&fx, &p, NULL, &res), "3");
		k = detect_build_reject(&p, res.flags, out, len);
		assert_int_equal(k, 1);
		assert_int_equal(out[0][23], 1);	/* ICMP */
		assert_int_equal(out[0][34], 3);
		assert_int_equal(out[0][35], 3);
		assert_memory_equal(out[0] + 42, frame + 14, 28);	/* quotes IP + 8 */
		assert_true(ip_checksum_ok(out[0] + 14, 20));
		assert_int_equal(inet_checksum(out[0] + 34, len[0] - 34), 0);
	}
	/* IDS mode: drop rules alert as allowed and nothing is rewritten */
	fx_free(&fx);
	fx_load_cfg(&fx, "drop tcp any any -> any any (content:\"/bin/sh\"; replace:\"/ben/sh\"; sid:9;)", 0, 0);
	n = mkframe(frame, 6, "GET /bin/sh");
	decode(d, &p, frame, n);
	assert_string_equal(run(&fx, &p, NULL, &res), "9");
	assert_false(res.flags & (DETECT_R_DROP | DETECT_R_REPLACED));
	assert_int_equal(res.alerts[0].blocked, 0);
	assert_memory_equal(frame + 54, "GET /bin/sh", 11);
	fx_free(&fx);
	decoder_free(d);
}

/* IPv6: UDP rejected with an ICMPv6 port unreachable, TCP with a RST. */
static void
test_reject_ipv6(void **state)
{
	struct decoder *d;
	struct error err;
	struct packet p;
	uint8_t f[128], out[2][DETECT_REJECT_FRAME_MAX];
	size_t len[2], n;
	uint16_t c;

	d = decoder_new(NULL, &err);
	assert_non_null(d);
	for (int proto = 17; proto >= 6; proto -= 11) {
		size_t l4 = proto == 6 ? 20 : 8;

		n = 14 + 40 + l4 + 4;
		memset(f, 0, sizeof(f));
		memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x86\xdd", 14);
		f[14] = 0x60;
		f[19] = (uint8_t)(l4 + 4);
		f[20] = (uint8_t)proto;
		f[21] = 64;
		memcpy(f + 22, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(f + 38, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
		f[54] = 0x9c; f[55] = 0x40; f[56] = 0; f[57] = 53;
		if (proto == 6) {
			f[54 + 12] = 5 << 4;
			f[54 + 13] = TCP_ACK;
		} else {
			f[54 + 5] = 12;
		}
		memcpy(f + 54 + l4, "evil", 4);
		c = l4_checksum(6, f + 22, f + 38, (uint8_t)proto, f + 54, l4 + 4);
		memcpy(f + 54 + (proto == 6 ? 16 : 6), &c, 2);
		memset(&p, 0, sizeof(p));
		assert_int_equal(decode_frame(d, &p, LINKTYPE_EN10MB, f, (uint32_t)n,
		    (uint32_t)n, 0), 0);
		assert_int_equal(detect_build_reject(&p, DETECT_R_REJECT_SRC, out, len), 1);
		assert_memory_equal(out[0] + 12, "\x86\xdd", 2);
		assert_memory_equal(out[0] + 38, f + 22, 16);	/* back to the sender */
		if (proto == 17) {
			assert_int_equal(out[0][20], 58);
			assert_int_equal(out[0][54], 1);	/* destination unreachable */
			assert_int_equal(out[0][55], 4);	/* port unreachable */
			assert_true(l4_checksum_ok(6, out[0] + 22, out[0] + 38, 58, out[0] + 54,
			    len[0] - 54));
		} else {
			assert_int_equal(out[0][20], 6);
			assert_int_equal(out[0][54 + 13], TCP_RST | TCP_ACK);
			assert_true(l4_checksum_ok(6, out[0] + 22, out[0] + 38, 6, out[0] + 54, 20));
		}
	}
	decoder_free(d);
}

static void
test_reload(void **state)
{
	struct fx a, b;
	struct detect_live *lv;
	struct error err;
	struct detect_engine *cur;
	struct packet p;
	struct detect_result res;

	fx_load(&a, R("content:\"one\";"));
	fx_load(&b, "alert tcp any any -> any any (content:\"one\"; sid:2;)");
	lv = detect_live_new(detect_engine_ref(a.e), &err);
	assert_non_null(lv);
	mkpkt(&p, 6, "198.51.100.7", 1, "192.0.2.1", 2, "one", 3);
	detect_packet(a.t, &p, NULL, &res);
	assert_int_equal(res.alerts[0].rule->sid, 1);
	detect_live_swap(lv, detect_engine_ref(b.e));
	cur = detect_live_current(lv);
	assert_int_equal(detect_thread_use(a.t, cur, &err), 0);
	detect_engine_unref(cur);
	detect_packet(a.t, &p, NULL, &res);
	assert_int_equal(res.alerts[0].rule->sid, 2);
	assert_int_equal(detect_live_generation(lv), 2);
	detect_live_free(lv);
	fx_free(&a);
	fx_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_header),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_meta),
		cmocka_unit_test(test_content_basic),
		cmocka_unit_test(test_content_offset_depth),
		cmocka_unit_test(test_content_relative),
		cmocka_unit_test(test_content_negated_relative),
		cmocka_unit_test(test_fast_pattern),
		cmocka_unit_test(test_pcre),
		cmocka_unit_test(test_byte_test_jump),
		cmocka_unit_test(test_byte_extract),
		cmocka_unit_test(test_isdataat_dsize_bsize),
		cmocka_unit_test(test_header_keywords),
		cmocka_unit_test(test_more_header_keywords),
		cmocka_unit_test(test_flow_flowbits),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_prefilter_many_rules),
		cmocka_unit_test(test_pass_rule),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_inline_replace_drop),
		cmocka_unit_test(test_reject_ipv6),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
