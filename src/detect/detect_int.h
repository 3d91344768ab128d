/* summary: internals shared by the detect module's files (rules, keywords, engine). */
#ifndef APIARY_DETECT_DETECT_INT_H
#define APIARY_DETECT_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/error.h"
#include "detect/detect.h"
#include "net/addr.h"

/*
 * A rule is a header (action, protocol, address and port sets, direction),
 * packet keywords (flow, flags, ttl, dsize, ...) checked once, and one list
 * of payload keywords ("sigmatches": content, pcre, byte_*, isdataat, bsize)
 * per buffer.  Every payload keyword belongs to a buffer: the packet
 * payload today; the app-layer buffers (http.uri, dns.query, ...) of the
 * next issue are new ids in the buffer table (buffer.c) with their own list
 * and their own Hyperscan database per rule group.
 */

/* ---- interval sets (addresses and ports) -------------------------------- */

typedef unsigned __int128 u128;

struct ival {
	u128 lo, hi;		/* inclusive */
};

struct iset {
	struct ival *v;		/* sorted, disjoint, not adjacent */
	size_t n;
};

void iset_free(struct iset *s);
int iset_add(struct iset *s, u128 lo, u128 hi);		/* then normalise */
int iset_normalise(struct iset *s);
int iset_union(struct iset *dst, const struct iset *src);
int iset_complement(struct iset *s, u128 max);
int iset_intersect(struct iset *dst, const struct iset *other);
int iset_copy(struct iset *dst, const struct iset *src);
int iset_contains(const struct iset *s, u128 x);
int iset_is_full(const struct iset *s, u128 max);
u128 iset_count(const struct iset *s);

struct addrset {
	struct iset v4, v6;
	uint8_t any;		/* both families full */
};

struct portset {
	struct iset p;
	uint8_t any;
};

void addrset_free(struct addrset *a);
void portset_free(struct portset *p);
int addrset_contains(const struct addrset *a, const struct addr *x);
int portset_contains(const struct portset *p, uint16_t port);

/* ---- variables ------------------------------------------------------ */

struct var {
	char *name;
	char *value;
};

struct vars {
	struct var *v;
	size_t n, cap;
};

int vars_set(struct vars *vs, const char *name, const char *value);
const char *vars_get(const struct vars *vs, const char *name);
void vars_free(struct vars *vs);

/* Text (with $VARS, lists, negation) into a set; error text in err. */
int addrset_parse(const char *text, const struct vars *vs, struct addrset *out,
    struct error *err);
int portset_parse(const char *text, const struct vars *vs, struct portset *out,
    struct error *err);

/* ---- classification ----------------------------------------------------- */

struct classtype {
	char *name;
	char *desc;
	int priority;
};

struct classes {
	struct classtype *v;
	size_t n, cap;
	int loaded;
};

int classes_load(struct classes *c, const char *path, struct error *err);
int classes_load_builtin(struct classes *c);
const struct classtype *classes_find(const struct classes *c, const char *name);
void classes_free(struct classes *c);

/* ---- buffers ------------------------------------------------------------ */

/* h10 (issue 6): the app-layer buffers are DBUF_APP + enum app_buf
 * (app/app.h); DETECT_APP_BUFS == APP_BUF_COUNT (checked in kw_app.c). */
#define DETECT_APP_BUFS 41

enum {
	DBUF_PAYLOAD = 0,	/* packet payload or reassembled stream */
	DBUF_APP = 1,		/* h10: first app-layer buffer */
	DBUF_MAX = DBUF_APP + DETECT_APP_BUFS,	/* buffers the engine inspects */
	DBUF_SINK = DBUF_MAX,	/* keywords of unsupported buffers (rule skipped) */
};

/* A sticky buffer or content modifier name: its buffer id, or -1 when it is
 * a known buffer the engine cannot fill yet (the rule is skipped). */
int buffer_lookup(const char *name, int *known);

/* ---- numbers ------------------------------------------------------------ */

enum urange_op { UR_EQ, UR_NE, UR_LT, UR_GT, UR_LE, UR_GE, UR_RANGE };

struct urange {
	uint8_t op;
	uint64_t a, b;		/* RANGE: a < x < b (exclusive, as Suricata) */
};

int urange_parse(const char *s, uint64_t max, struct urange *r);
int urange_match(const struct urange *r, uint64_t x);

/* ---- payload keywords (sigmatches) -------------------------------------- */

enum sm_type {
	SM_CONTENT,
	SM_PCRE,
	SM_BYTE_TEST,
	SM_BYTE_JUMP,
	SM_BYTE_EXTRACT,
	SM_ISDATAAT,
	SM_BSIZE,
};

#define DETECT_MAX_BYTE_VARS 8

/* A number in a keyword that may name a byte_extract variable. */
struct numarg {
	int64_t v;
	int8_t var;		/* -1: literal v; else variable index */
};

/* content flags */
#define CF_NOCASE	0x0001u
#define CF_NEGATED	0x0002u
#define CF_OFFSET	0x0004u
#define CF_DEPTH	0x0008u
#define CF_DISTANCE	0x0010u
#define CF_WITHIN	0x0020u
#define CF_FAST		0x0040u	/* fast_pattern given */
#define CF_FAST_ONLY	0x0080u
#define CF_FAST_CHOP	0x0100u
#define CF_STARTSWITH	0x0200u
#define CF_ENDSWITH	0x0400u
#define CF_RAWBYTES	0x0800u
#define CF_REPLACE	0x1000u

struct content {
	uint8_t *pat;		/* lower-cased when NOCASE */
	uint32_t len;
	uint32_t flags;
	struct numarg offset, depth, distance, within;
	uint32_t fp_off, fp_len;	/* chop */
	uint8_t *replace;	/* same length as pat */
	uint16_t skip[256];	/* Horspool shift table */
};

/* pcre flags of our own */
#define PF_RELATIVE	0x01u
#define PF_NEGATED	0x02u

struct pcre_kw {
	pcre2_code *code;
	uint32_t flags;
	char *text;
};

#define BF_RELATIVE	0x0001u
#define BF_LITTLE	0x0002u
#define BF_STRING	0x0004u
#define BF_NEGOP	0x0008u
#define BF_ALIGN	0x0010u
#define BF_FROM_BEGIN	0x0020u
#define BF_FROM_END	0x0040u
#define BF_DCE		0x0080u
#define BF_BITMASK	0x0100u

enum byte_op { BOP_LT, BOP_GT, BOP_LE, BOP_GE, BOP_EQ, BOP_AND, BOP_OR };

struct byte_kw {
	uint8_t nbytes;
	uint8_t base;		/* 16, 10, 8 for strings */
	uint8_t op;		/* byte_test */
	uint8_t var;		/* byte_extract: the variable it sets */
	uint32_t flags;
	struct numarg offset;
	struct numarg value;	/* byte_test */
	int64_t multiplier;	/* byte_jump, byte_extract; 1 default */
	int64_t post_offset;	/* byte_jump */
	uint32_t align;		/* byte_extract: 2 or 4; byte_jump: 4 */
	uint64_t bitmask;
};

struct isdataat_kw {
	struct numarg n;
	uint8_t relative, negated;
};

struct sm {
	uint8_t type;
	uint8_t relative;	/* depends on the previous match position */
	union {
		struct content *content;
		struct pcre_kw *pcre;
		struct byte_kw *byte;
		struct isdataat_kw *isdataat;
		struct urange *bsize;
	} u;
};

struct sm_list {
	struct sm *v;
	uint16_t n, cap;
	uint8_t *rel_after;	/* rel_after[i]: a later keyword is relative */
};

/* ---- packet keywords ---------------------------------------------------- */

#define FLOWF_ESTABLISHED	0x0001u
#define FLOWF_NOT_ESTABLISHED	0x0002u
#define FLOWF_STATELESS		0x0004u
#define FLOWF_TOSERVER		0x0008u
#define FLOWF_TOCLIENT		0x0010u
#define FLOWF_ONLY_STREAM	0x0020u
#define FLOWF_NO_STREAM		0x0040u
#define FLOWF_ONLY_FRAG		0x0080u
#define FLOWF_NO_FRAG		0x0100u

enum flowbit_op { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET };

struct flowbit_kw {
	uint8_t op;
	uint8_t and_mode;	/* a&b; default a|b for several names */
	uint16_t n;
	uint32_t *ids;		/* flowbit ids (engine-wide names) */
};

enum thr_type { THR_LIMIT, THR_THRESHOLD, THR_BOTH, THR_DETECTION_FILTER };
enum thr_track { TRACK_SRC, TRACK_DST, TRACK_RULE, TRACK_BOTH, TRACK_FLOW };

struct threshold_kw {
	uint8_t type, track;
	uint32_t count;
	uint32_t seconds;
};

enum { FLAGS_EXACT, FLAGS_PLUS, FLAGS_ANY, FLAGS_NOT };

struct flags_kw {
	uint8_t set, ignore;
	uint8_t mod;
};

/* ---- the rule ---------------------------------------------------------- */

enum rule_proto { RP_TCP, RP_UDP, RP_ICMP, RP_IP, RP_MAX };

#define RULE_F_BIDIR		0x0001u
#define RULE_F_NOALERT		0x0002u
#define RULE_F_PKT_ONLY		0x0004u	/* must inspect packets (dsize, replace, tcp-pkt) */
#define RULE_F_STREAM_ONLY	0x0008u
#define RULE_F_SAMEIP		0x0010u
#define RULE_F_HAS_PAYLOAD	0x0020u	/* some sm list is non-empty */
#define RULE_F_REPLACE		0x0040u
#define RULE_F_ICMP6_OK		0x0080u	/* icmp matches ICMPv6 too */

struct rule {
	struct detect_rule_info info;	/* first: outputs see this */
	uint32_t order;			/* evaluation order, engine-wide */
	uint32_t flags;			/* RULE_F_* */
	uint8_t proto;			/* RP_* */
	struct addrset src, dst;
	struct portset sp, dp;

	/* packet keywords; absent ones are NULL / zero */
	uint32_t flow_flags;
	struct urange *dsize, *ttl, *itype, *icode, *icmp_id, *icmp_seq,
	    *ip_proto, *ack, *seq, *window, *ip_id, *tos;
	struct flags_kw *tcp_flags;
	struct flowbit_kw *flowbits;
	size_t nflowbits;
	struct threshold_kw *threshold, *detection_filter;

	struct sm_list lists[DBUF_MAX + 1];
	uint8_t nvars;			/* byte_extract variables */
	char *varnames[DETECT_MAX_BYTE_VARS];

	/* fast pattern: buffer and content, or fp_buf = -1 */
	int8_t fp_buf;
	struct content *fp;

	/* h10 (issue 6, kw_app.c): the app protocol the flow must have
	 * (APP_PROTO_*, 0 any); for rules with app buffers the inspection
	 * point (APP_POINT_*, 0 = packet/stream rule) and its direction */
	uint8_t app_proto, app_point, app_dir, urilen_raw;
	struct urange *urilen;

	/* owned strings behind info */
	char *msg, *classtype, *class_desc, *file;
	struct detect_meta_kv *meta;
	char **refs;
	size_t nrefs;
	char *text;			/* the rule as written (bounded) */
};

void rule_free(struct rule *r);

/* Flowbit names are interned per loader/engine. */
struct names {
	char **v;
	size_t n, cap;
};
int names_intern(struct names *ns, const char *name, uint32_t *id);
void names_free(struct names *ns);

/* ---- parsing context -------------------------------------------------- */

struct parse_ctx {
	struct rule *r;
	const struct vars *vars;
	const struct classes *classes;
	struct names *flowbits;
	int cur_buf;			/* sticky buffer for what follows */
	int last_content_buf;		/* content modifiers bind here: */
	int last_content_idx;		/* (buffer, index), -1 if none */
	int last_sm_buf, last_sm_idx;	/* the last payload keyword */
	char unsupported[16][48];	/* unsupported keywords seen */
	int nunsupported;
	struct error *err;
};

/* Records an unsupported keyword (parsing goes on to find them all). */
int kw_unsupported(struct parse_ctx *ctx, const char *name);

/* A keyword's setup: 0, or -1 with err set (kw_unsupported() for unsupported). */
typedef int (*kw_setup_fn)(struct parse_ctx *ctx, const char *kw, char *value);

struct keyword {
	const char *name;
	kw_setup_fn setup;
};

/* The keyword table (keywords.c); NULL for names not known at all. */
const struct keyword *keyword_find(const char *name);

/* Adds a payload keyword to buffer buf's list (the pointer is valid until
 * the next append). */
struct sm *sm_append(struct parse_ctx *ctx, int buf, uint8_t type);
/* The content that modifiers apply to, or NULL. */
struct content *last_content(struct parse_ctx *ctx);
/* Variable index of a byte_extract name, or -1. */
int rule_var_find(const struct rule *r, const char *name);
/* A number or a byte_extract variable name. */
int numarg_parse(struct parse_ctx *ctx, const char *s, int64_t min, int64_t max,
    struct numarg *out);

/* Keyword setups (one file per family). */
int kw_meta_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_content_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_content_modifier(struct parse_ctx *ctx, const char *kw, char *value);
int kw_fast_pattern_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_replace_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_pcre_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_byte_test_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_byte_jump_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_byte_extract_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_isdataat_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_bsize_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_dsize_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_flow_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_flowbits_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_flags_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_ipfield_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_icmp_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_threshold_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_sticky_buffer_setup(struct parse_ctx *ctx, const char *kw, char *value);
/* h10 (issue 6): app-layer keywords (kw_app.c) */
int kw_app_modifier_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_uricontent_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_urilen_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_app_layer_protocol_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_dotprefix_setup(struct parse_ctx *ctx, const char *kw, char *value);
int kw_app_header_proto(struct parse_ctx *ctx, const char *proto);
int kw_app_finish(struct parse_ctx *ctx);

/* Helpers for keyword values. */
char *kw_trim(char *s);
/* Splits value at top-level commas (outside quotes); returns count. */
int kw_split(char *value, char **parts, int max);
/* Strips surrounding quotes and unescapes \" \\ \; ; returns NULL if bad. */
char *kw_unquote(char *s);

/*
 * Whole-rule parse: 0 ok (*out), -1 broken (err), -2 unsupported: the
 * names of the unsupported keywords are copied to kw[0..*nkw) (at most 16).
 */
int rule_parse(const char *text, const struct vars *vars,
    const struct classes *classes, struct names *flowbits,
    struct rule **out, char kw[16][48], int *nkw, struct error *err);

/* ---- matching helpers ----------------------------------------------------- */

void content_prepare(struct content *c);
/* First occurrence of c in [buf, buf+len), or NULL. */
const uint8_t *content_search(const struct content *c, const uint8_t *buf,
    size_t len);

int flags_match(const struct flags_kw *f, uint8_t flags);

/* Inspection of one buffer against one rule's list. */
struct inspect_ctx {
	const uint8_t *buf;
	uint32_t len;
	uint32_t new_from;	/* a match must end past this (stream overlap) */
	int64_t vars[DETECT_MAX_BYTE_VARS];
	uint32_t *match_pos;	/* per sm: start of the content match (replace) */
	uint32_t budget;	/* recursion steps left */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

int inspect_list(struct inspect_ctx *ic, const struct sm_list *l);

/* byte helpers (kw_byte_*.c) */
int byte_read(const struct byte_kw *b, const uint8_t *buf, uint32_t len,
    int64_t pos, uint64_t *val);
int byte_test_match(const struct byte_kw *b, struct inspect_ctx *ic, uint32_t cursor);
int byte_jump_match(const struct byte_kw *b, struct inspect_ctx *ic, uint32_t cursor,
    uint32_t *newpos);
int byte_extract_match(const struct byte_kw *b, struct inspect_ctx *ic,
    uint32_t cursor, uint32_t *newpos);
int64_t numarg_value(const struct numarg *n, const struct inspect_ctx *ic);

/* replace (action.c) */
struct packet;
/* Overwrites n payload bytes at `at` (inside p's L4 data) with `with` and
 * updates the TCP/UDP/ICMP checksum incrementally (RFC 1624). */
void detect_replace_bytes(struct packet *p, uint8_t *at, const uint8_t *with,
    uint32_t n);

#endif
