/* summary: parsers of /proc files, passwd/group/shadow, crontab and authorized_keys lines. */
#include "forensics/parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		out[0] = '\0';
		return;
	}
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- /proc/net ---------------------------------------------------------- */

static int
hex_addr(const char *s, int family, char *out, size_t outlen)
{
	uint32_t w[4];
	int words = family == 6 ? 4 : 1;

	for (int i = 0; i < words; i++) {
		char part[9];
		char *end;

		memcpy(part, s + 8 * i, 8);
		part[8] = '\0';
		for (int k = 0; k < 8; k++)
			if (!isxdigit((unsigned char)part[k]))
				return -1;
		/* The kernel prints each 32-bit word in host order. */
		w[i] = (uint32_t)strtoul(part, &end, 16);
	}
	if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, w, out,
	    (socklen_t)outlen) == NULL)
		return -1;
	return 0;
}

int
parse_proc_net_line(const char *line, int family, struct net_line *out)
{
	char local[40], remote[40];
	unsigned long lport, rport, state, uid;
	unsigned long long inode;
	int hexlen = family == 6 ? 32 : 8;

	while (*line == ' ')
		line++;
	if (strncmp(line, "sl", 2) == 0 || *line == '\0' || *line == '\n')
		return 1;
	if (sscanf(line, "%*u: %39[0-9A-Fa-f]:%lx %39[0-9A-Fa-f]:%lx %lx "
	    "%*x:%*x %*x:%*x %*x %lu %*d %llu", local, &lport, remote, &rport,
	    &state, &uid, &inode) != 7)
		return -1;
	if ((int)strlen(local) != hexlen || (int)strlen(remote) != hexlen ||
	    lport > 65535 || rport > 65535 || state > 255)
		return -1;
	if (hex_addr(local, family, out->local, sizeof out->local) < 0 ||
	    hex_addr(remote, family, out->remote, sizeof out->remote) < 0)
		return -1;
	out->local_port = (unsigned)lport;
	out->remote_port = (unsigned)rport;
	out->state = (unsigned)state;
	out->uid = (unsigned)uid;
	out->inode = inode;
	return 0;
}

const char *
tcp_state_name(unsigned state, int udp)
{
	static const char *const names[] = {
		"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	if (udp)
		return state == 1 ? "ESTABLISHED" : state == 7 ? "UNCONN" :
		    "UNKNOWN";
	return state < sizeof names / sizeof names[0] ? names[state] :
	    "UNKNOWN";
}

/* ---- /proc/PID ---------------------------------------------------------- */

int
parse_proc_stat(const char *text, struct proc_stat *out)
{
	const char *open = strchr(text, '(');
	const char *close = strrchr(text, ')');
	unsigned long long start;
	size_t n;
	char state;
	int ppid;
	unsigned tty;

	if (open == NULL || close == NULL || close < open)
		return -1;
	n = (size_t)(close - open - 1);
	if (n >= sizeof out->comm)
		n = sizeof out->comm - 1;
	/* fields after comm: 3 state, 4 ppid, 5 pgrp, 6 session, 7 tty_nr,
	 * ... 22 starttime */
	if (sscanf(close + 1, " %c %d %*d %*d %u %*d %*u %*u %*u %*u %*u "
	    "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &state, &ppid, &tty,
	    &start) != 4)
		return -1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	out->state = state;
	out->ppid = ppid;
	out->tty_nr = tty;
	out->start_ticks = start;
	return 0;
}

int
parse_status_ids(const char *status, const char *field, unsigned *real,
    unsigned *effective)
{
	size_t flen = strlen(field);

	for (const char *p = status; p != NULL && *p != '\0';) {
		if (strncmp(p, field, flen) == 0)
			return sscanf(p + flen, " %u %u", real, effective) == 2
			    ? 0 : -1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

void
tty_name(unsigned tty_nr, char *out, size_t len)
{
	unsigned major = (tty_nr >> 8) & 0xfff;
	unsigned minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);

	if (tty_nr == 0)
		snprintf(out, len, "%s", "");
	else if (major >= 136 && major <= 143)
		snprintf(out, len, "pts/%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64)
		snprintf(out, len, "tty%u", minor);
	else if (major == 4)
		snprintf(out, len, "ttyS%u", minor - 64);
	else
		snprintf(out, len, "%u:%u", major, minor);
}

/* ---- /proc/modules ------------------------------------------------------ */

static char *
next_field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '\n')
		return NULL;
	start = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return start;
}

int
parse_module_line(char *line, struct module_line *out)
{
	char *p = line, *name, *size, *ref, *used, *state, *end;

	if ((name = next_field(&p)) == NULL)
		return 1;
	if ((size = next_field(&p)) == NULL || (ref = next_field(&p)) == NULL ||
	    (used = next_field(&p)) == NULL || (state = next_field(&p)) == NULL)
		return -1;
	errno = 0;
	out->size = strtoull(size, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	out->refcount = strtol(ref, &end, 10);
	if (*end != '\0' && strcmp(ref, "-") != 0)
		return -1;
	out->name = name;
	out->used_by = used;
	out->state = state;
	return 0;
}

/* ---- passwd, group, shadow ---------------------------------------------- */

/* Splits line at ':' into at most max fields; returns the count. */
static int
split_colon(char *line, char **f, int max)
{
	int n = 0;
	char *nl = strchr(line, '\n');

	if (nl != NULL)
		*nl = '\0';
	f[n++] = line;
	for (char *p = line; *p != '\0'; p++)
		if (*p == ':') {
			*p = '\0';
			if (n == max)
				return max + 1;
			f[n++] = p + 1;
		}
	return n;
}

static int
blank_or_comment(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '\0' || *line == '\n' || *line == '#';
}

static int
parse_long(const char *s, long *out)
{
	char *end;

	if (*s == '\0') {
		*out = -1;
		return 0;
	}
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || *out < 0 ? -1 : 0;
}

int
parse_passwd_line(char *line, struct passwd_line *out)
{
	char *f[7];

	if (blank_or_comment(line))
		return 1;
	/* NIS compat entries ("+", "+@netgroup", "-user") carry no account. */
	if (line[0] == '+' || line[0] == '-')
		return 1;
	if (split_colon(line, f, 7) != 7 || f[0][0] == '\0')
		return -1;
	if (parse_long(f[2], &out->uid) < 0 || parse_long(f[3], &out->gid) < 0
	    || out->uid < 0 || out->gid < 0)
		return -1;
	out->name = f[0];
	out->gecos = f[4];
	out->home = f[5];
	out->shell = f[6];
	return 0;
}

int
parse_group_line(char *line, struct group_line *out)
{
	char *f[4];

	if (blank_or_comment(line))
		return 1;
	if (line[0] == '+' || line[0] == '-')
		return 1;
	if (split_colon(line, f, 4) != 4 || f[0][0] == '\0')
		return -1;
	if (parse_long(f[2], &out->gid) < 0 || out->gid < 0)
		return -1;
	out->name = f[0];
	out->members = f[3];
	return 0;
}

/*
 * The password field is a secret (a crypt hash an attacker could crack),
 * so the snapshot keeps only its state and a fingerprint: the first 16 hex
 * digits of SHA-256("apiary-shadow-v1:" field).  Equal fields give equal
 * fingerprints, so a diff sees a changed password, and the fingerprint
 * reveals nothing usable: to test a guess one would need the crypt salt,
 * which is inside the unrecorded hash.
 */
int
parse_shadow_line(char *line, struct shadow_line *out)
{
	char *f[9], hex[65], buf[600];
	const char *pw;
	int n;

	if (blank_or_comment(line))
		return 1;
	if (line[0] == '+' || line[0] == '-')
		return 1;
	n = split_colon(line, f, 9);
	if (n < 2 || n > 9 || f[0][0] == '\0')
		return -1;
	for (int i = n; i < 9; i++)
		f[i] = (char *)"";
	pw = f[1];
	if (pw[0] == '\0')
		out->state = "empty";
	else if (pw[0] == '!' || pw[0] == '*')
		out->state = (pw[1] == '\0' || pw[0] == '*') ? "none" : "locked";
	else
		out->state = "hash";
	snprintf(buf, sizeof buf, "apiary-shadow-v1:%s", pw);
	sha256_hex(buf, strlen(buf), hex);
	memcpy(out->fingerprint, hex, 16);
	out->fingerprint[16] = '\0';
	explicit_bzero(buf, sizeof buf);
	if (parse_long(f[2], &out->last_change) < 0 ||
	    parse_long(f[3], &out->min) < 0 || parse_long(f[4], &out->max) < 0 ||
	    parse_long(f[5], &out->warn) < 0 ||
	    parse_long(f[6], &out->inactive) < 0 ||
	    parse_long(f[7], &out->expire) < 0)
		return -1;
	out->name = f[0];
	return 0;
}

/* ---- crontab ------------------------------------------------------------ */

static const char *
skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies the next blank-separated word into w; returns the rest or NULL. */
static const char *
word(const char *p, char *w, size_t wlen)
{
	size_t n = 0;

	p = skip_blank(p);
	if (*p == '\0' || *p == '\n' || *p == '\r')
		return NULL;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
	    *p != '\r') {
		if (n + 1 < wlen)
			w[n++] = *p;
		p++;
	}
	w[n] = '\0';
	return p;
}

static int
cron_field_ok(const char *w)
{
	if (*w == '\0')
		return 0;
	for (; *w != '\0'; w++)
		if (!isalnum((unsigned char)*w) && strchr("*/,-", *w) == NULL)
			return 0;
	return 1;
}

int
parse_cron_line(const char *line, int system_format, struct cron_line *out)
{
	const char *p = skip_blank(line), *eq;
	char w[128];
	size_t n = 0;
	int fields;

	if (*p == '#' || *p == '\0' || *p == '\n' || *p == '\r')
		return 1;
	/* NAME=value lines set the environment of the jobs. */
	eq = strchr(p, '=');
	if (eq != NULL) {
		const char *q = p;
		while (q < eq && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		q = skip_blank(q);
		if (q == eq)
			return 1;
	}
	out->schedule[0] = '\0';
	if (*p == '@') {
		p = word(p, w, sizeof w);
		snprintf(out->schedule, sizeof out->schedule, "%s", w);
		fields = 0;
	} else {
		fields = 5;
	}
	for (int i = 0; i < fields; i++) {
		p = word(p, w, sizeof w);
		if (p == NULL || !cron_field_ok(w))
			return -1;
		n = strlen(out->schedule);
		snprintf(out->schedule + n, sizeof out->schedule - n, "%s%s",
		    i ? " " : "", w);
	}
	out->user[0] = '\0';
	if (system_format) {
		p = word(p, w, sizeof w);
		if (p == NULL)
			return -1;
		snprintf(out->user, sizeof out->user, "%s", w);
	}
	p = skip_blank(p);
	if (*p == '\0' || *p == '\n' || *p == '\r')
		return -1;
	out->command = p;
	/* entry: the whole line with blanks squeezed and no newline */
	n = 0;
	for (const char *q = skip_blank(line); *q != '\0' && *q != '\n' &&
	    *q != '\r' && n + 1 < sizeof out->entry; q++) {
		if ((*q == ' ' || *q == '\t') && (n == 0 ||
		    out->entry[n - 1] == ' '))
			continue;
		out->entry[n++] = (*q == '\t') ? ' ' : *q;
	}
	while (n > 0 && out->entry[n - 1] == ' ')
		n--;
	out->entry[n] = '\0';
	return 0;
}

/* ---- authorized_keys ---------------------------------------------------- */

static int
is_key_type(const char *w)
{
	return strncmp(w, "ssh-", 4) == 0 || strncmp(w, "ecdsa-", 6) == 0 ||
	    strncmp(w, "sk-", 3) == 0;
}

int
parse_authkey_line(const char *line, struct authkey_line *out)
{
	const char *p = skip_blank(line), *opt_start = p, *opt_end = p;
	char w[64];
	unsigned char *blob;
	char b64buf[16385];		/* bound of one key: 16 KiB base64 */
	size_t n = 0;
	int quoted = 0;

	if (*p == '#' || *p == '\0' || *p == '\n' || *p == '\r')
		return 1;
	/* Options come first unless the line starts with a key type; they
	 * may contain blanks inside "double quotes". */
	{
		const char *q = word(p, w, sizeof w);
		if (q == NULL)
			return 1;
		if (!is_key_type(w)) {
			for (q = p; *q != '\0' && *q != '\n'; q++) {
				if (*q == '"')
					quoted = !quoted;
				else if (*q == '\\' && quoted && q[1] != '\0')
					q++;
				else if ((*q == ' ' || *q == '\t') && !quoted)
					break;
			}
			if (quoted)
				return -1;
			opt_end = q;
			p = q;
		}
	}
	n = (size_t)(opt_end - opt_start);
	if (n >= sizeof out->options)
		n = sizeof out->options - 1;
	memcpy(out->options, opt_start, n);
	out->options[n] = '\0';
	p = word(p, out->type, sizeof out->type);
	if (p == NULL || !is_key_type(out->type))
		return -1;
	/* base64 blob */
	p = skip_blank(p);
	n = 0;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' &&
	    *p != '\r') {
		if (n + 1 >= sizeof b64buf)
			return -1;
		b64buf[n++] = *p++;
	}
	b64buf[n] = '\0';
	if (n == 0 || n % 4 != 0)
		return -1;
	blob = malloc(n);
	if (blob == NULL)
		return -1;
	int len = EVP_DecodeBlock(blob, (const unsigned char *)b64buf, (int)n);
	if (len < 0) {
		free(blob);
		return -1;
	}
	for (size_t i = n; i > 0 && b64buf[i - 1] == '='; i--)
		len--;
	{
		unsigned char md[32];
		unsigned char enc[48];
		unsigned int mdlen = 0;

		if (EVP_Digest(blob, (size_t)len, md, &mdlen, EVP_sha256(),
		    NULL) != 1) {
			free(blob);
			return -1;
		}
		int el = EVP_EncodeBlock(enc, md, 32);
		while (el > 0 && enc[el - 1] == '=')
			el--;
		enc[el] = '\0';
		snprintf(out->fingerprint, sizeof out->fingerprint,
		    "SHA256:%s", enc);
	}
	free(blob);
	p = skip_blank(p);
	n = 0;
	while (*p != '\0' && *p != '\n' && *p != '\r' &&
	    n + 1 < sizeof out->comment)
		out->comment[n++] = *p++;
	while (n > 0 && (out->comment[n - 1] == ' ' ||
	    out->comment[n - 1] == '\t'))
		n--;
	out->comment[n] = '\0';
	return 0;
}
