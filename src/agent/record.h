/* summary: sensor records as RFC 5424 syslog messages, and back (SD-IDs of apiary). */
#ifndef APIARY_AGENT_RECORD_H
#define APIARY_AGENT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "sensor/sensor.h"
#include "syslog/syslog_msg.h"

/*
 * Wire form of one record (docs/agent-records.md):
 *
 *   <86>1 2026-11-26T14:34:27.123456Z hp1 apiary-agent 11822 TTYIN -
 *     [meta sequenceId="42"]
 *     [tty@32473 pid="11822" ppid="11821" sid="11822" uid="0" euid="0"
 *      gid="0" comm="bash" tty="pts0" ts="1764167667123456789" fd="0"
 *      io_tty="pts0" off="0" data="c2VjcmV0MTIzCg=="]
 *
 * MSGID says the kind: TTYIN, TTYOUT, EXEC, CONNECT, ACCEPT, and AGENT
 * for the agent's own notices (start, loss).  PROCID is the recorded
 * process.  Terminal bytes are base64 in `data` (any byte survives any
 * syslog relay); an exec has one `arg` parameter per argv element, in
 * order, and its command line as MSG for people reading raw logs.  32473
 * is the private enterprise number RFC 5612 reserves for documentation;
 * a site with its own PEN can keep it -- the parser reads the part
 * before '@'.  Facility authpriv, severity info (PRI 86).
 */
#define AGENT_SD_PEN "32473"

enum agent_record_type {
	AGENT_REC_UNKNOWN = 0,
	AGENT_REC_TTY_IN, AGENT_REC_TTY_OUT, AGENT_REC_EXEC,
	AGENT_REC_CONNECT, AGENT_REC_ACCEPT, AGENT_REC_AGENT,
};

#define AGENT_MAX_ARGS 256

/* A record read back from the log store (strings NUL-terminated). */
struct agent_record {
	enum agent_record_type type;
	uint64_t ts_ns;
	uint32_t seq;
	char host[256];
	uint32_t pid, ppid, sid, uid, euid, gid;
	char comm[32];
	char tty[48];
	char io_tty[48];
	uint32_t fd, offset, flags;
	const uint8_t *data;		/* decoded terminal bytes */
	size_t len;
	char filename[512];
	char cwd[1200];
	int argc;
	const char *argv[AGENT_MAX_ARGS];	/* point into the scratch buffer */
	char proto[8];			/* "tcp", "udp", number */
	char laddr[48], raddr[48];
	uint32_t lport, rport;
	int32_t ret;
	char notice[256];		/* AGENT records: what happened */
	uint64_t lost;
};

/* Formats r as one RFC 5424 message with sequenceId seq. */
int agent_record_format(struct buf *out, const struct sensor_record *r,
    const char *hostname, uint32_t seq);
/* Formats an AGENT notice (start, loss counts). */
int agent_notice_format(struct buf *out, uint64_t ts_ns, const char *hostname,
    uint32_t seq, const char *notice, uint64_t lost);
/*
 * Reads an apiary record out of a parsed syslog message.  Byte fields and
 * argv are decoded into scratch (reset first), which must outlive the use
 * of rec.  Returns 0, or -1 when the message is not an apiary record or is
 * malformed (rec->type then AGENT_REC_UNKNOWN).
 */
int agent_record_parse(const struct syslog_msg *m, struct agent_record *rec,
    struct buf *scratch);
/* The sequenceId that goes with a spool serial (1..2^31-1, wrapping). */
uint32_t agent_sequence_id(uint64_t serial);

#endif
