/* summary: `apiary log`: verify a log store and print its records (text or JSON). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "pki/pki.h"
#include "store/store_format.h"
#include "store/store_reader.h"
#include "store/store_segments.h"
#include "store/store_verify.h"

/* exit codes of `apiary log verify` (docs/log-store.md) */
#define EXIT_INTACT 0
#define EXIT_ALTERED 1
#define EXIT_ERROR 2

static void
usage(FILE *f)
{
	fprintf(f, "usage: apiary log verify DIR [--key PUB]\n"
	    "       apiary log cat DIR [--sender S] [--since T] [--until T] [--json]\n\n"
	    "DIR is a store (apiary-logd's 'store' directory) or one sender's\n"
	    "directory in it.  verify exits 0 when intact, 1 when altered (and\n"
	    "names the first place), 2 on errors.  Without --key it uses the\n"
	    "store's own signing.pub.  Times: 2026-11-26T14:00:00Z, a date, or\n"
	    "seconds since the epoch.  See docs/log-store.md.\n");
}

static void *
find_key(const char *dir, const char *keypath, int *own)
{
	char p[4200], tmp[4096];
	struct error err;
	void *k;

	*own = 0;
	if (keypath != NULL) {
		k = pki_public_key_load(keypath, &err);
		if (k == NULL)
			fprintf(stderr, "apiary log: %s\n", err.msg);
		return k;
	}
	snprintf(p, sizeof(p), "%s/signing.pub", dir);
	if (access(p, R_OK) != 0) {
		snprintf(tmp, sizeof(tmp), "%s", dir);
		snprintf(p, sizeof(p), "%s/signing.pub", dirname(tmp));
	}
	if (access(p, R_OK) != 0)
		return NULL;
	k = pki_public_key_load(p, &err);
	if (k != NULL)
		*own = 1;
	return k;
}

static int
verify(const char *dir, const char *keypath)
{
	char **names;
	size_t n;
	int single, own, altered = 0;
	struct error err;
	void *key = find_key(dir, keypath, &own);

	if (keypath != NULL && key == NULL)
		return EXIT_ERROR;
	if (store_senders_list(dir, &names, &n, &single, &err) < 0) {
		fprintf(stderr, "apiary log: %s\n", err.msg);
		pki_key_free(key);
		return EXIT_ERROR;
	}
	if (key == NULL)
		printf("note: no public key: checkpoint signatures NOT checked "
		    "(give --key)\n");
	else if (own)
		printf("note: using the store's own signing.pub; for an "
		    "independent check give --key with a copy kept elsewhere\n");
	for (size_t i = 0; i < n; i++) {
		struct store_verify_result r;
		int rc = store_verify_sender(single ? NULL : dir,
		    single ? dir : names[i], key, &r, &err);

		if (rc < 0) {
			fprintf(stderr, "apiary log: %s: %s\n", names[i], err.msg);
			store_names_free(names, n);
			pki_key_free(key);
			return EXIT_ERROR;
		}
		if (rc == 1) {
			altered = 1;
			printf("%s: ALTERED: %s: %s, record %llu, offset %llu: %s\n",
			    names[i], store_tamper_name(r.kind), r.file,
			    (unsigned long long)r.record,
			    (unsigned long long)r.offset, r.detail);
		} else {
			printf("%s: OK: %llu segments, %llu records, %llu "
			    "checkpoints%s", names[i],
			    (unsigned long long)r.segments,
			    (unsigned long long)r.records,
			    (unsigned long long)r.checkpoints,
			    r.signatures_checked ? " (signatures good)" : "");
			if (r.unsealed > 0)
				printf(", %llu records after the last checkpoint "
				    "(not yet signed)", (unsigned long long)r.unsealed);
			if (r.torn > 0)
				printf(", %llu torn tail(s) from crashes",
				    (unsigned long long)r.torn);
			printf("\n");
		}
	}
	printf("%s\n", altered ? "ALTERED" : n == 0 ? "OK (empty store)" : "OK");
	store_names_free(names, n);
	pki_key_free(key);
	return altered ? EXIT_ALTERED : EXIT_INTACT;
}

static void
span_kv(struct json *j, const char *k, const struct syslog_span *s)
{
	json_key(j, k);
	if (s->ptr == NULL)
		json_null(j);
	else
		json_strn(j, s->ptr, s->len);
}

static void
write_sd(struct json *j, const struct syslog_msg *m, struct buf *tmp)
{
	struct syslog_span id, params, name, value;
	size_t pos = 0;

	json_key(j, "structured_data");
	if (m->sd.ptr == NULL) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	while (syslog_sd_next(&m->sd, &pos, &id, &params) == 1) {
		size_t ppos = 0;
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)id.len, id.ptr);
		json_key(j, key);
		json_object_begin(j);
		/*
		 * RFC 5424 lets a PARAM-NAME repeat (the agent's exec records
		 * carry one `arg` per argv element); JSON objects should not
		 * repeat keys, so a run of the same name becomes an array.
		 */
		int r = syslog_sd_param_next(&params, &ppos, &name, &value);
		while (r == 1) {
			struct syslog_span first = name, nname, nvalue;
			int rn, in_array = 0;

			snprintf(key, sizeof(key), "%.*s", (int)name.len, name.ptr);
			json_key(j, key);
			for (;;) {
				buf_reset(tmp);
				syslog_sd_unescape(tmp, &value);
				rn = syslog_sd_param_next(&params, &ppos, &nname, &nvalue);
				if (!in_array && rn == 1 && nname.len == first.len &&
				    memcmp(nname.ptr, first.ptr, first.len) == 0) {
					json_array_begin(j);
					in_array = 1;
				}
				json_strn(j, tmp->data, tmp->len);
				if (rn != 1 || nname.len != first.len ||
				    memcmp(nname.ptr, first.ptr, first.len) != 0)
					break;
				value = nvalue;
			}
			if (in_array)
				json_array_end(j);
			r = rn;
			name = nname;
			value = nvalue;
		}
		json_object_end(j);
	}
	json_object_end(j);
}

static void
write_json(struct buf *out, const struct store_record *r, struct buf *tmp)
{
	struct json j;
	char ts[TIMEFMT_LEN];
	const struct syslog_msg *m = &r->msg;

	json_init(&j, out);
	json_object_begin(&j);
	timefmt_rfc3339(r->recv_ns, ts);
	json_kv_str(&j, "receive_time", ts);
	json_kv_str(&j, "sender", r->sender);
	json_kv_str(&j, "peer", r->peer);
	json_kv_uint(&j, "seq", r->seq);
	json_key(&j, "sequence_id");
	if (r->seqid)
		json_uint(&j, r->seqid);
	else
		json_null(&j);
	if (r->gap)
		json_kv_uint(&j, "gap", r->gap);
	if (r->flags & STORE_F_TRUNCATED) {
		json_kv_bool(&j, "truncated", 1);
		json_kv_uint(&j, "original_length", r->orig_len);
	}
	if (r->flags & STORE_F_PLAIN)
		json_kv_bool(&j, "unauthenticated", 1);
	if (r->flags & STORE_F_SEQRESET)
		json_kv_bool(&j, "sequence_reset", 1);
	if (r->flags & STORE_F_LATE)
		json_kv_bool(&j, "late", 1);
	json_kv_str(&j, "format", m->format == SYSLOG_FMT_5424 ? "rfc5424" :
	    m->format == SYSLOG_FMT_3164 ? "rfc3164" : "unknown");
	json_key(&j, "pri");
	if (m->pri >= 0) {
		json_int(&j, m->pri);
		json_kv_int(&j, "facility", m->pri / 8);
		json_kv_int(&j, "severity", m->pri % 8);
	} else {
		json_null(&j);
	}
	span_kv(&j, "timestamp", &m->timestamp);
	span_kv(&j, "hostname", &m->hostname);
	span_kv(&j, "app_name", &m->app_name);
	span_kv(&j, "procid", &m->procid);
	span_kv(&j, "msgid", &m->msgid);
	write_sd(&j, m, tmp);
	span_kv(&j, "message", &m->msg);
	json_object_end(&j);
	buf_append_byte(out, '\n');
}

static void
write_text(struct buf *out, const struct store_record *r)
{
	char ts[TIMEFMT_LEN];

	timefmt_rfc3339(r->recv_ns, ts);
	buf_printf(out, "%s %s #%llu ", ts, r->sender, (unsigned long long)r->seq);
	for (size_t i = 0; i < r->raw_len; i++) {
		uint8_t c = r->raw[i];

		if (c == '\\')
			buf_append_str(out, "\\\\");
		else if (c < 32 || c == 127)
			buf_printf(out, "\\x%02x", c);
		else
			buf_append_byte(out, c);
	}
	if (r->flags & STORE_F_TRUNCATED)
		buf_printf(out, " [truncated from %u bytes]", r->orig_len);
	buf_append_byte(out, '\n');
}

static int
cat(const char *dir, const struct store_filter *f, int json)
{
	struct store_reader *r;
	struct store_record rec;
	struct error err;
	struct buf out, tmp;
	int rc;

	r = store_reader_open(dir, f, &err);
	if (r == NULL) {
		fprintf(stderr, "apiary log: %s\n", err.msg);
		return 1;
	}
	buf_init(&out, 0);
	buf_init(&tmp, 0);
	while ((rc = store_reader_next(r, &rec, &err)) == 1) {
		if (json)
			write_json(&out, &rec, &tmp);
		else
			write_text(&out, &rec);
		if (out.len >= 65536) {
			fwrite(out.data, 1, out.len, stdout);
			buf_reset(&out);
		}
	}
	if (out.len > 0)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	buf_free(&tmp);
	if (rc < 0)
		fprintf(stderr, "apiary log: %s\n", err.msg);
	if (store_reader_damaged(r) > 0)
		fprintf(stderr, "apiary log: %llu damaged entries skipped (run "
		    "apiary log verify)\n",
		    (unsigned long long)store_reader_damaged(r));
	store_reader_free(r);
	return rc < 0 ? 1 : 0;
}

int
cmd_log(int argc, char **argv)
{
	const char *sub = NULL, *dir = NULL, *key = NULL;
	struct store_filter f = { 0 };
	int json = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (i + 1 < argc && strcmp(a, "--key") == 0) {
			key = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--sender") == 0) {
			f.sender = argv[++i];
		} else if (i + 1 < argc && (strcmp(a, "--since") == 0 ||
		    strcmp(a, "--until") == 0)) {
			uint64_t *t = a[2] == 's' ? &f.since_ns : &f.until_ns;

			if (time_parse(argv[++i], t) < 0) {
				fprintf(stderr, "apiary log: %s: bad time '%s'\n",
				    a, argv[i]);
				return EXIT_ERROR;
			}
		} else if (a[0] == '-') {
			usage(stderr);
			return EXIT_ERROR;
		} else if (sub == NULL) {
			sub = a;
		} else if (dir == NULL) {
			dir = a;
		} else {
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (sub == NULL || dir == NULL) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(sub, "verify") == 0)
		return verify(dir, key);
	if (strcmp(sub, "cat") == 0)
		return cat(dir, &f, json);
	usage(stderr);
	return EXIT_ERROR;
}
