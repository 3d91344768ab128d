/* summary: apiary-agent at run time: sensor -> spool -> TLS sender. */
#ifndef APIARY_AGENT_AGENT_H
#define APIARY_AGENT_AGENT_H

#include "agent/agent_config.h"
#include "core/error.h"
#include "core/log.h"

/*
 * Two threads.  The recorder (the caller's thread) polls the eBPF ring
 * buffer, formats each record and appends it to the spool; it also owns
 * the signal descriptor, so SIGTERM/SIGINT end the agent cleanly.  The
 * sender reads the spool in order and writes to apiary-logd over mutual
 * TLS, reconnecting with backoff while the server is unreachable.
 *
 * Delivery: RFC 5425 has no acknowledgements, so after a broken link the
 * sender resends what it wrote in the last `resend-window` (default 10 s)
 * with the same sequenceId; apiary-logd drops exact duplicates.  Every
 * record therefore arrives, in order, once.  Records leave within
 * milliseconds while the link is up (the sender wakes on each append).
 */
struct agent_stats {
	uint64_t records, sent, resent, connects, lost_kernel, lost_spool;
};

/* Runs until SIGTERM or SIGINT.  Returns 0, or -1 with err set. */
int agent_run(const struct agent_config *cfg, const struct logger *lg,
    struct error *err);

#endif
