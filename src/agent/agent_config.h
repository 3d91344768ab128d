/* summary: apiary-agent's configuration file. */
#ifndef APIARY_AGENT_CONFIG_H
#define APIARY_AGENT_CONFIG_H

#include <stdint.h>

#include "core/error.h"
#include "sensor/sensor_event.h"

struct agent_config {
	char *server_host;
	char *server_port;
	char *server_name;		/* checked in the server's certificate */
	char *ca, *cert, *key;
	char *server_fpr;		/* optional SHA256 pin */
	char *spool;
	uint64_t spool_size;
	enum sensor_scope scope;
	char *scope_path;
	char *hostname;
	int capture_tty_out;		/* 0: record typed input only */
	uint64_t resend_ns;		/* resend window after a broken link */
};

/* Parses FILE; errors name file:line and what was expected. */
int agent_config_load(const char *path, struct agent_config *cfg,
    struct error *err);
void agent_config_free(struct agent_config *cfg);

#endif
