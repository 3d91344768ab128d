/* summary: the on-disk entry format of the log store (shared by writer, verify, reader). */
#include "store/store_format.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

int
store_sha_init(struct store_sha *s)
{
	s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	s->ctx = EVP_MD_CTX_new();
	if (s->md == NULL || s->ctx == NULL) {
		store_sha_free(s);
		return -1;
	}
	return 0;
}

void
store_sha_free(struct store_sha *s)
{
	EVP_MD_free(s->md);
	EVP_MD_CTX_free(s->ctx);
	s->md = s->ctx = NULL;
}

void
store_sha256(struct store_sha *s, const void *p, size_t n,
    uint8_t out[STORE_HASH_LEN])
{
	if (s == NULL || s->ctx == NULL ||
	    EVP_DigestInit_ex(s->ctx, s->md, NULL) != 1 ||
	    EVP_DigestUpdate(s->ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(s->ctx, out, NULL) != 1)
		SHA256(p, n, out);
}

void
store_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
store_put64(uint8_t *p, uint64_t v)
{
	store_put32(p, (uint32_t)(v >> 32));
	store_put32(p + 4, (uint32_t)v);
}

uint32_t
store_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
store_get64(const uint8_t *p)
{
	return (uint64_t)store_get32(p) << 32 | store_get32(p + 4);
}

int
store_entry_decode(const uint8_t *p, size_t avail, struct store_entry *e)
{
	uint32_t len;

	if (avail < 4)
		return avail == 0 || (p[0] == 'A' && (avail < 2 || p[1] == 'L')) ? 0 : -1;
	if (p[0] != 'A' || p[1] != 'L' || (p[2] != STORE_T_HEADER &&
	    p[2] != STORE_T_RECORD && p[2] != STORE_T_CHECKPOINT))
		return -1;
	if (avail < STORE_HDR_LEN)
		return 0;
	len = store_get32(p + 4);
	if (len > STORE_MAX_BODY)
		return -1;
	if (avail < (size_t)STORE_ENTRY_OVERHEAD + len)
		return 0;
	e->start = p;
	e->type = p[2];
	e->flags = p[3];
	e->len = len;
	e->seq = store_get64(p + 8);
	e->time = store_get64(p + 16);
	e->prev = p + 24;
	e->body = p + STORE_HDR_LEN;
	e->hash = p + STORE_HDR_LEN + len;
	e->total = (size_t)STORE_ENTRY_OVERHEAD + len;
	return 1;
}

int
store_entry_hash_ok(const struct store_entry *e, struct store_sha *sha)
{
	uint8_t h[STORE_HASH_LEN];

	store_sha256(sha, e->start, STORE_HDR_LEN + (size_t)e->len, h);
	return memcmp(h, e->hash, STORE_HASH_LEN) == 0;
}

/* u8-length-prefixed string at *pos */
static int
get_str8(const struct store_entry *e, size_t *pos, struct store_span *s)
{
	size_t n;

	if (*pos + 1 > e->len)
		return -1;
	n = e->body[*pos];
	if (*pos + 1 + n > e->len)
		return -1;
	s->ptr = e->body + *pos + 1;
	s->len = n;
	*pos += 1 + n;
	return 0;
}

int
store_record_body_decode(const struct store_entry *e, struct store_record_body *r)
{
	size_t pos = 0;

	if (e->type != STORE_T_RECORD || get_str8(e, &pos, &r->sender) < 0 ||
	    get_str8(e, &pos, &r->peer) < 0 || pos + 12 > e->len)
		return -1;
	r->seqid = store_get32(e->body + pos);
	r->gap = store_get32(e->body + pos + 4);
	r->orig_len = store_get32(e->body + pos + 8);
	pos += 12;
	r->raw.ptr = e->body + pos;
	r->raw.len = e->len - pos;
	return 0;
}

int
store_header_body_decode(const struct store_entry *e, struct store_header_body *h)
{
	size_t pos = 0;

	if (e->type != STORE_T_HEADER || get_str8(e, &pos, &h->sender) < 0 ||
	    pos + 12 != e->len)
		return -1;
	h->segno = store_get32(e->body + pos);
	h->prev_len = store_get64(e->body + pos + 4);
	return 0;
}

int
store_checkpoint_body_decode(const struct store_entry *e,
    struct store_checkpoint_body *c)
{
	size_t pos = 0;

	if (e->type != STORE_T_CHECKPOINT || get_str8(e, &pos, &c->sender) < 0 ||
	    pos + 13 + STORE_SIG_LEN != e->len)
		return -1;
	c->segno = store_get32(e->body + pos);
	c->offset = store_get64(e->body + pos + 4);
	c->reason = e->body[pos + 12];
	c->sig = e->body + pos + 13;
	c->signed_len = STORE_HDR_LEN + pos + 13;
	return 0;
}

int
store_entry_append(struct buf *out, uint8_t type, uint8_t flags, uint64_t seq,
    uint64_t time_ns, const uint8_t prev[STORE_HASH_LEN], const void *body,
    size_t body_len, uint8_t hash_out[STORE_HASH_LEN], struct store_sha *sha)
{
	uint8_t hdr[STORE_HDR_LEN];
	size_t start = out->len;

	if (body_len > STORE_MAX_BODY)
		return -1;
	hdr[0] = 'A';
	hdr[1] = 'L';
	hdr[2] = type;
	hdr[3] = flags;
	store_put32(hdr + 4, (uint32_t)body_len);
	store_put64(hdr + 8, seq);
	store_put64(hdr + 16, time_ns);
	memcpy(hdr + 24, prev, STORE_HASH_LEN);
	if (buf_reserve(out, STORE_ENTRY_OVERHEAD + body_len) < 0 ||
	    buf_append(out, hdr, sizeof(hdr)) < 0 ||
	    buf_append(out, body, body_len) < 0) {
		out->len = start;
		return -1;
	}
	store_sha256(sha, out->data + start, STORE_HDR_LEN + body_len, hash_out);
	if (buf_append(out, hash_out, STORE_HASH_LEN) < 0) {
		out->len = start;
		return -1;
	}
	return 0;
}

long
store_entry_begin(struct buf *out, uint8_t type, uint8_t flags, uint64_t seq,
    uint64_t time_ns, const uint8_t prev[STORE_HASH_LEN])
{
	uint8_t hdr[STORE_HDR_LEN];
	size_t start = out->len;

	hdr[0] = 'A';
	hdr[1] = 'L';
	hdr[2] = type;
	hdr[3] = flags;
	store_put32(hdr + 4, 0);	/* length: patched by store_entry_end */
	store_put64(hdr + 8, seq);
	store_put64(hdr + 16, time_ns);
	memcpy(hdr + 24, prev, STORE_HASH_LEN);
	if (buf_append(out, hdr, sizeof(hdr)) < 0)
		return -1;
	return (long)start;
}

int
store_entry_end(struct buf *out, long start, uint8_t hash_out[STORE_HASH_LEN],
    struct store_sha *sha)
{
	size_t body_len = out->len - (size_t)start - STORE_HDR_LEN;

	if (body_len > STORE_MAX_BODY) {
		out->len = (size_t)start;
		return -1;
	}
	store_put32(out->data + start + 4, (uint32_t)body_len);
	store_sha256(sha, out->data + start, STORE_HDR_LEN + body_len, hash_out);
	if (buf_append(out, hash_out, STORE_HASH_LEN) < 0) {
		out->len = (size_t)start;
		return -1;
	}
	return 0;
}

void
store_genesis(const char *sender, uint8_t out[STORE_HASH_LEN])
{
	uint8_t tmp[16 + STORE_SENDER_MAX];
	size_t n = strlen(sender);

	if (n > STORE_SENDER_MAX)
		n = STORE_SENDER_MAX;
	memcpy(tmp, "apiary-store-v1", 16);	/* with its NUL */
	memcpy(tmp + 16, sender, n);
	SHA256(tmp, 16 + n, out);
}

static int
sender_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

void
store_sender_sanitize(const char *in, char out[STORE_SENDER_MAX + 1])
{
	size_t n = 0;

	for (; in[n] != '\0' && n < STORE_SENDER_MAX; n++)
		out[n] = sender_char(in[n]) ? in[n] : '_';
	out[n] = '\0';
	if (n == 0)
		strcpy(out, "unknown");
	else if (out[0] == '.')
		out[0] = '_';
}

int
store_sender_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_SENDER_MAX || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!sender_char(s[i]))
			return 0;
	return 1;
}

uint32_t
store_segment_number(const char *name)
{
	uint32_t v = 0;

	if (strlen(name) != 12 || strcmp(name + 8, ".seg") != 0)
		return 0;
	for (int i = 0; i < 8; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint32_t)(name[i] - '0');
	}
	return v;
}
