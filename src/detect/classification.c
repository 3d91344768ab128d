/* summary: classification.config: classtype names, descriptions and priorities. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/* The built-in table: the same lines as etc/classification.config. */
static const char *const builtin[] = {
	"not-suspicious,Not Suspicious Traffic,3",
	"unknown,Unknown Traffic,3",
	"bad-unknown,Potentially Bad Traffic,2",
	"attempted-recon,Attempted Information Leak,2",
	"successful-recon-limited,Information Leak,2",
	"successful-recon-largescale,Large Scale Information Leak,2",
	"attempted-dos,Attempted Denial of Service,2",
	"successful-dos,Denial of Service,2",
	"attempted-user,Attempted User Privilege Gain,1",
	"unsuccessful-user,Unsuccessful User Privilege Gain,1",
	"successful-user,Successful User Privilege Gain,1",
	"attempted-admin,Attempted Administrator Privilege Gain,1",
	"successful-admin,Successful Administrator Privilege Gain,1",
	"rpc-portmap-decode,Decode of an RPC Query,2",
	"shellcode-detect,Executable code was detected,1",
	"string-detect,A suspicious string was detected,3",
	"suspicious-filename-detect,A suspicious filename was detected,2",
	"suspicious-login,An attempted login using a suspicious username was detected,2",
	"system-call-detect,A system call was detected,2",
	"tcp-connection,A TCP connection was detected,4",
	"trojan-activity,A Network Trojan was detected,1",
	"unusual-client-port-connection,A client was using an unusual port,2",
	"network-scan,Detection of a Network Scan,3",
	"denial-of-service,Detection of a Denial of Service Attack,2",
	"non-standard-protocol,Detection of a non-standard protocol or event,2",
	"protocol-command-decode,Generic Protocol Command Decode,3",
	"web-application-activity,access to a potentially vulnerable web application,2",
	"web-application-attack,Web Application Attack,1",
	"misc-activity,Misc activity,3",
	"misc-attack,Misc Attack,2",
	"icmp-event,Generic ICMP event,3",
	"inappropriate-content,Inappropriate Content was Detected,1",
	"policy-violation,Potential Corporate Privacy Violation,1",
	"default-login-attempt,Attempt to login by a default username and password,2",
	"targeted-activity,Targeted Malicious Activity was Detected,1",
	"exploit-kit,Exploit Kit Activity Detected,1",
	"external-ip-check,Device Retrieving External IP Address Detected,2",
	"domain-c2,Domain Observed Used for C2 Detected,1",
	"pup-activity,Possibly Unwanted Program Detected,2",
	"credential-theft,Successful Credential Theft Detected,1",
	"social-engineering,Possible Social Engineering Attempted,2",
	"coin-mining,Crypto Currency Mining Activity Detected,2",
	"command-and-control,Malware Command and Control Activity Detected,1",
};

#define CLASSES_MAX 4096

/* "short,Description,prio"; 0 ok, -1 bad line, -2 no memory. */
static int
classes_add_line(struct classes *c, char *s)
{
	char *c1 = strchr(s, ','), *c2 = strrchr(s, ','), *end;
	long prio;
	struct classtype ct;

	if (c1 == NULL || c2 == c1)
		return -1;
	*c1 = '\0';
	*c2 = '\0';
	prio = strtol(kw_trim(c2 + 1), &end, 10);
	if (*end != '\0' || prio < 0 || prio > 255)
		return -1;
	ct.name = strdup(kw_trim(s));
	ct.desc = strdup(kw_trim(c1 + 1));
	ct.priority = (int)prio;
	if (ct.name == NULL || ct.desc == NULL || ct.name[0] == '\0') {
		free(ct.name);
		free(ct.desc);
		return ct.name == NULL || ct.desc == NULL ? -2 : -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].name, ct.name) == 0) {	/* later wins */
			free(c->v[i].name);
			free(c->v[i].desc);
			c->v[i] = ct;
			return 0;
		}
	}
	if (c->n >= CLASSES_MAX) {
		free(ct.name);
		free(ct.desc);
		return -1;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct classtype *v = realloc(c->v, nc * sizeof(*v));

		if (v == NULL) {
			free(ct.name);
			free(ct.desc);
			return -2;
		}
		c->v = v;
		c->cap = nc;
	}
	c->v[c->n++] = ct;
	return 0;
}

int
classes_load_builtin(struct classes *c)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++) {
		char line[256];

		snprintf(line, sizeof(line), "%s", builtin[i]);
		if (classes_add_line(c, line) != 0)
			return -1;
	}
	c->loaded = 1;
	return 0;
}

int
classes_load(struct classes *c, const char *path, struct error *err)
{
	FILE *fp = fopen(path, "r");
	char line[4096];
	int lineno = 0;

	if (fp == NULL)
		return error_errno(err, "%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *s = kw_trim(line);
		int rc;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "config", 6) != 0 || !isspace((unsigned char)s[6]))
			goto bad;
		s = kw_trim(s + 6);
		if (strncmp(s, "classification", 14) != 0)
			goto bad;
		s = kw_trim(s + 14);
		if (*s != ':')
			goto bad;
		rc = classes_add_line(c, s + 1);
		if (rc == -2) {
			fclose(fp);
			return error_set(err, "%s:%d: out of memory", path, lineno);
		}
		if (rc == 0)
			continue;
bad:
		fclose(fp);
		return error_set(err, "%s:%d: expected 'config classification: "
		    "name,description,priority'", path, lineno);
	}
	fclose(fp);
	c->loaded = 1;
	return 0;
}

const struct classtype *
classes_find(const struct classes *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

void
classes_free(struct classes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].desc);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
