/* summary: parsers of /proc files, passwd/group/shadow, crontab and authorized_keys lines. */
#ifndef APIARY_FORENSICS_PARSE_H
#define APIARY_FORENSICS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Pure functions over one line or one small file, so they can be unit
 * tested and fuzzed without a live system.  Line parsers that split take a
 * writable line and point into it (no allocation).  All return 0 for an
 * entry, 1 for a line that carries none (header, comment, blank, variable
 * assignment) and -1 for a malformed line.
 */

/* One line of /proc/net/{tcp,tcp6,udp,udp6}. */
struct net_line {
	char local[48], remote[48];	/* inet_ntop text */
	unsigned local_port, remote_port;
	unsigned state;			/* kernel TCP state number */
	unsigned uid;
	uint64_t inode;
};
int parse_proc_net_line(const char *line, int family, struct net_line *out);
/* "LISTEN", "ESTABLISHED", ...; "UNCONN" for udp state 7. */
const char *tcp_state_name(unsigned state, int udp);

/* /proc/PID/stat */
struct proc_stat {
	char comm[64];
	char state;
	int ppid;
	unsigned tty_nr;
	uint64_t start_ticks;
};
int parse_proc_stat(const char *text, struct proc_stat *out);
/* "Uid:\t0\t0\t0\t0" in /proc/PID/status: real and effective ids. */
int parse_status_ids(const char *status, const char *field,
    unsigned *real, unsigned *effective);
/* tty_nr -> "pts/3", "tty1", "ttyS0", "" for none, "M:N" otherwise. */
void tty_name(unsigned tty_nr, char *out, size_t len);

/* /proc/modules: "name size refcount used_by, state address" */
struct module_line {
	char *name, *used_by, *state;
	uint64_t size;
	long refcount;
};
int parse_module_line(char *line, struct module_line *out);

/* /etc/passwd, /etc/group, /etc/shadow */
struct passwd_line {
	char *name, *gecos, *home, *shell;
	long uid, gid;
};
int parse_passwd_line(char *line, struct passwd_line *out);
struct group_line {
	char *name, *members;
	long gid;
};
int parse_group_line(char *line, struct group_line *out);
struct shadow_line {
	char *name;
	const char *state;		/* "hash", "locked", "empty", "none" */
	char fingerprint[24];		/* of the password field, see .c */
	long last_change, min, max, warn, inactive, expire; /* -1 = empty */
};
int parse_shadow_line(char *line, struct shadow_line *out);

/*
 * Crontab line.  system_format: /etc/crontab and /etc/cron.d carry a user
 * field after the schedule; user crontabs do not.  `entry` is the line
 * with runs of blanks squeezed (the diff key).
 */
struct cron_line {
	char schedule[128];
	char user[64];
	const char *command;
	char entry[1024];
};
int parse_cron_line(const char *line, int system_format,
    struct cron_line *out);

/* authorized_keys line: [options] type base64 [comment] */
struct authkey_line {
	char type[64];
	char fingerprint[64];		/* "SHA256:..." as ssh-keygen -l */
	char options[512];
	char comment[256];
};
int parse_authkey_line(const char *line, struct authkey_line *out);

/* Hex SHA-256 of a buffer into out[65]. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
