/* summary: TLS handshake parser: ClientHello (SNI, version, JA3), ServerHello, Certificate. */
#include "app/app_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/asn1.h>

#define REC_MAX (16384 + 2048)	/* RFC 8446 5.2: ciphertext limit */

static uint32_t
rd16(const uint8_t *p)
{
	return (uint32_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int
is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

void
tls_state_init(struct tls_state *s)
{
	memset(s, 0, sizeof(*s));
}

void
tls_state_free(struct tls_state *s)
{
	free(s->certs);
	s->certs = NULL;
	s->ncerts = 0;
	for (int i = 0; i < 2; i++) {
		free(s->d[i].hs);
		s->d[i].hs = NULL;
	}
}

const char *
tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0200: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	default: return "UNDETERMINED";
	}
}

int
tls_plausible(const uint8_t *d, size_t len)
{
	if (len < 6)
		return 0;
	if (d[0] != 22 || d[1] != 3 || d[2] > 4)
		return 0;
	if (rd16(d + 3) == 0 || rd16(d + 3) > REC_MAX)
		return 0;
	return d[5] == 1 || d[5] == 2;	/* ClientHello or ServerHello */
}

/* Appends "sep%u" to a JA3 field (bounded; cut silently at the end). */
static void
ja3_add(char *out, size_t cap, size_t *o, int *first, uint32_t v)
{
	int n;

	if (*o >= cap)
		return;
	n = snprintf(out + *o, cap - *o, "%s%u", *first ? "" : "-", v);
	if (n > 0)
		*o = *o + (size_t)n >= cap ? cap - 1 : *o + (size_t)n;
	*first = 0;
}

static void
ja3_sep(char *out, size_t cap, size_t *o)
{
	if (*o + 1 < cap) {
		out[(*o)++] = ',';
		out[*o] = '\0';
	}
}

static void
md5_hex(const char *s, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL) != 1 || n != 16) {
		out[0] = '\0';
		return;
	}
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
parse_client_hello(struct tls_state *s, const uint8_t *m, uint32_t len)
{
	uint32_t p = 0, n, ext_end;
	char *j = s->ja3;
	size_t cap = sizeof(s->ja3), o = 0;
	int first;
	/* the curve and point-format fields are written after the extension list */
	const uint8_t *curves = NULL, *pf = NULL;
	uint32_t ncurves = 0, npf = 0;

	if (len < 38)
		return;
	s->client_version = (uint16_t)rd16(m);
	p = 2 + 32;
	n = m[p];			/* session id */
	p += 1 + n;
	if (p + 2 > len)
		return;
	o = (size_t)snprintf(j, cap, "%u,", s->client_version);
	n = rd16(m + p);		/* cipher suites */
	p += 2;
	if (p + n > len)
		return;
	first = 1;
	for (uint32_t i = 0; i + 1 < n; i += 2) {
		uint32_t c = rd16(m + p + i);
		if (!is_grease(c))
			ja3_add(j, cap, &o, &first, c);
	}
	p += n;
	ja3_sep(j, cap, &o);
	if (p + 1 > len)
		return;
	p += 1 + m[p];			/* compression methods */
	first = 1;
	if (p + 2 <= len) {
		ext_end = p + 2 + rd16(m + p);
		if (ext_end > len)
			ext_end = len;
		p += 2;
		while (p + 4 <= ext_end) {
			uint32_t type = rd16(m + p), elen = rd16(m + p + 2);
			const uint8_t *e = m + p + 4;

			if (p + 4 + elen > ext_end)
				break;
			if (!is_grease(type))
				ja3_add(j, cap, &o, &first, type);
			if (type == 0 && elen >= 5) {	/* server_name */
				uint32_t q = 2;
				while (q + 3 <= elen) {
					uint32_t nt = e[q], nl = rd16(e + q + 1);
					if (q + 3 + nl > elen)
						break;
					if (nt == 0 && s->sni_len == 0) {
						if (nl >= sizeof(s->sni))
							nl = sizeof(s->sni) - 1;
						memcpy(s->sni, e + q + 3, nl);
						s->sni[nl] = '\0';
						s->sni_len = (uint16_t)nl;
					}
					q += 3 + nl;
				}
			} else if (type == 10 && elen >= 2 && rd16(e) + 2 <= elen) {
				/* pointer and count together: a repeated extension
				 * must not pair one's count with the other's bytes */
				ncurves = rd16(e);
				curves = e + 2;
			} else if (type == 11 && elen >= 1 && (uint32_t)e[0] + 1 <= elen) {
				npf = e[0];
				pf = e + 1;
			}
			p += 4 + elen;
		}
	}
	ja3_sep(j, cap, &o);
	first = 1;
	for (uint32_t i = 0; curves != NULL && i + 1 < ncurves; i += 2) {
		uint32_t c = rd16(curves + i);
		if (!is_grease(c))
			ja3_add(j, cap, &o, &first, c);
	}
	ja3_sep(j, cap, &o);
	first = 1;
	for (uint32_t i = 0; pf != NULL && i < npf; i++)
		ja3_add(j, cap, &o, &first, pf[i]);
	md5_hex(s->ja3, s->ja3_hash);
	s->have_client_hello = 1;
	if (s->version == 0)
		s->version = s->client_version;
}

static void
parse_server_hello(struct tls_state *s, const uint8_t *m, uint32_t len)
{
	uint32_t p, n, ext_end, cipher;
	char *j = s->ja3s;
	size_t cap = sizeof(s->ja3s), o;
	int first = 1;
	uint16_t legacy;

	if (len < 38)
		return;
	legacy = (uint16_t)rd16(m);
	s->version = legacy;
	p = 2 + 32;
	n = m[p];
	p += 1 + n;
	if (p + 3 > len)
		return;
	cipher = rd16(m + p);
	p += 3;				/* cipher, compression */
	o = (size_t)snprintf(j, cap, "%u,%u,", legacy, cipher);
	if (p + 2 <= len) {
		ext_end = p + 2 + rd16(m + p);
		if (ext_end > len)
			ext_end = len;
		p += 2;
		while (p + 4 <= ext_end) {
			uint32_t type = rd16(m + p), elen = rd16(m + p + 2);

			if (p + 4 + elen > ext_end)
				break;
			ja3_add(j, cap, &o, &first, type);
			if (type == 43 && elen == 2)	/* supported_versions */
				s->version = (uint16_t)rd16(m + p + 4);
			p += 4 + elen;
		}
	}
	md5_hex(s->ja3s, s->ja3s_hash);
	s->have_server_hello = 1;
}

static void
name_str(const X509_NAME *nm, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	/* "C=US, O=Example, CN=host" in certificate order, as Suricata */
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_SEP_CPLUS_SPC |
	    ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0) {
			if ((size_t)n >= cap)
				n = (long)cap - 1;
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
}

static void
time_str(const ASN1_TIME *t, char out[24])
{
	struct tm tm;

	out[0] = '\0';
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
}

static void
parse_certificate(struct tls_state *s, const uint8_t *m, uint32_t len)
{
	const unsigned char *der;
	uint32_t clen;
	X509 *x;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const ASN1_INTEGER *serial;

	/* TLS 1.2: certificate_list<3>; first entry: cert<3> */
	if (len < 6 || s->have_cert)
		return;
	clen = rd24(m + 3);
	if (6 + clen > len || rd24(m) + 3 > len)
		return;
	/* every certificate of the list, for tls.certs */
	if (s->certs == NULL && (s->certs = malloc(len)) != NULL) {
		uint32_t p = 3, end = rd24(m) + 3;

		memcpy(s->certs, m, len);
		while (p + 3 <= end && s->ncerts < TLS_CERTS_MAX) {
			uint32_t l = rd24(m + p);

			if (p + 3 + l > end)
				break;
			s->cert_off[s->ncerts] = p + 3;
			s->cert_len[s->ncerts] = l;
			s->ncerts++;
			p += 3 + l;
		}
	}
	der = m + 6;
	if ((x = d2i_X509(NULL, &der, (long)clen)) == NULL)
		return;
	name_str(X509_get_subject_name(x), s->subject, sizeof(s->subject));
	name_str(X509_get_issuer_name(x), s->issuer, sizeof(s->issuer));
	serial = X509_get0_serialNumber(x);
	if (serial != NULL) {
		size_t o = 0;
		for (int i = 0; i < serial->length && o + 4 < sizeof(s->serial); i++)
			o += (size_t)snprintf(s->serial + o, sizeof(s->serial) - o,
			    "%s%02X", i ? ":" : "", serial->data[i]);
	}
	if (X509_digest(x, EVP_sha1(), md, &mdlen) == 1) {
		size_t o = 0;
		for (unsigned i = 0; i < mdlen && o + 3 < sizeof(s->fingerprint); i++)
			o += (size_t)snprintf(s->fingerprint + o,
			    sizeof(s->fingerprint) - o, "%s%02x", i ? ":" : "", md[i]);
	}
	time_str(X509_get0_notBefore(x), s->notbefore);
	time_str(X509_get0_notAfter(x), s->notafter);
	X509_free(x);
	s->have_cert = 1;
}

/* One complete handshake message of direction dir. */
static int
handshake_message(struct tls_state *s, int dir, uint8_t type, const uint8_t *m,
    uint32_t len)
{
	if (type == 1 && dir == 0 && !s->have_client_hello) {
		parse_client_hello(s, m, len);
		return s->have_client_hello ? TLS_EV_CLIENT_HELLO : 0;
	}
	if (type == 2 && dir == 1 && !s->have_server_hello) {
		parse_server_hello(s, m, len);
		return s->have_server_hello ? TLS_EV_SERVER_HELLO : 0;
	}
	if (type == 11 && dir == 1 && s->version != 0x0304) {
		parse_certificate(s, m, len);
		return s->have_cert ? TLS_EV_CERT : 0;
	}
	return 0;
}

/* Handshake record payload bytes. */
static int
handshake_bytes(struct tls_state *s, int dir, const uint8_t *data, size_t len)
{
	struct tls_dir *d = &s->d[dir];
	int ev = 0;

	while (len > 0) {
		uint32_t mlen, take;

		if (d->hs_skip > 0) {
			take = len < d->hs_skip ? (uint32_t)len : d->hs_skip;
			d->hs_skip -= take;
			data += take;
			len -= take;
			continue;
		}
		if (d->hs == NULL && (d->hs = malloc(TLS_HS_MAX)) == NULL)
			return -1;
		/* complete the 4-byte message header first */
		if (d->hs_len < 4) {
			take = 4 - d->hs_len;
			if (take > len)
				take = (uint32_t)len;
			memcpy(d->hs + d->hs_len, data, take);
			d->hs_len += take;
			data += take;
			len -= take;
			if (d->hs_len < 4)
				break;
		}
		mlen = rd24(d->hs + 1);
		if (mlen + 4 > TLS_HS_MAX) {
			s->oversized++;
			d->hs_skip = mlen;
			d->hs_len = 0;
			continue;
		}
		take = mlen + 4 - d->hs_len;
		if (take > len)
			take = (uint32_t)len;
		memcpy(d->hs + d->hs_len, data, take);
		d->hs_len += take;
		data += take;
		len -= take;
		if (d->hs_len == mlen + 4) {
			ev |= handshake_message(s, dir, d->hs[0], d->hs + 4, mlen);
			d->hs_len = 0;
		}
	}
	return ev;
}

int
tls_feed(struct tls_state *s, int dir, const uint8_t *data, size_t len)
{
	struct tls_dir *d = &s->d[dir & 1];
	int ev = 0, r;

	dir &= 1;
	while (len > 0 && !d->stopped) {
		if (d->rec_left == 0) {
			size_t take = 5 - d->hdr_len;

			if (take > len)
				take = len;
			memcpy(d->hdr + d->hdr_len, data, take);
			d->hdr_len = (uint8_t)(d->hdr_len + take);
			data += take;
			len -= take;
			if (d->hdr_len < 5)
				break;
			d->hdr_len = 0;
			d->rec_type = d->hdr[0];
			d->rec_left = rd16(d->hdr + 3);
			if (d->hdr[1] != 3 || d->rec_type < 20 || d->rec_type > 24 ||
			    d->rec_left > REC_MAX) {
				d->stopped = 1;
				s->not_tls = 1;
				break;
			}
			if (s->record_version == 0)
				s->record_version = (uint16_t)rd16(d->hdr + 1);
			if (d->rec_type == 20 || d->rec_type == 23) {
				/* ChangeCipherSpec / application data: the rest is encrypted */
				d->stopped = 1;
				break;
			}
			continue;
		}
		size_t take = len < d->rec_left ? len : d->rec_left;
		if (d->rec_type == 22) {
			if ((r = handshake_bytes(s, dir, data, take)) < 0)
				return -1;
			ev |= r;
		}
		d->rec_left -= (uint32_t)take;
		data += take;
		len -= take;
	}
	if (d->stopped) {
		free(d->hs);
		d->hs = NULL;
		d->hs_len = 0;
	}
	if (s->d[0].stopped && s->d[1].stopped)
		ev |= TLS_EV_DONE;
	return ev;
}
