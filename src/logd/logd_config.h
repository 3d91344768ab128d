/* summary: apiary-logd's configuration: the file, its defaults and its checks. */
#ifndef APIARY_LOGD_LOGD_CONFIG_H
#define APIARY_LOGD_LOGD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/error.h"
#include "net/addr.h"
#include "store/store.h"
#include "syslog/syslog_tls.h"

#define LOGD_MAX_LISTEN 8
#define LOGD_MAX_FPR 256
#define LOGD_MAX_ALLOW 256

struct logd_endpoint {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[ADDR_STRLEN + 8];
};

struct logd_config {
	struct logd_endpoint listen[LOGD_MAX_LISTEN];
	size_t nlisten;
	char *ca, *cert, *key, *store, *signing_key, *user;
	uint8_t fpr[LOGD_MAX_FPR][SYSLOG_TLS_FPR_LEN];
	size_t nfpr;
	uint64_t max_message;
	uint64_t max_connections;
	uint64_t handshake_ns, idle_ns;
	int chroot;
	struct logd_endpoint legacy_udp, legacy_tcp;
	int has_legacy_udp, has_legacy_tcp;
	struct prefix allow[LOGD_MAX_ALLOW];
	size_t nallow;
	struct store_opts store_opts;
};

/* Loads and checks; errors are "file:line: message". */
int logd_config_load(const char *path, struct logd_config *c, struct error *err);
void logd_config_free(struct logd_config *c);
/* "127.0.0.1:6514", "[2001:db8::1]:6514", "*:6514" */
int logd_endpoint_parse(const char *s, struct logd_endpoint *ep);

#endif
