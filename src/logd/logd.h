/* summary: apiary-logd's server: listeners, TLS connections, event loop, privilege drop. */
#ifndef APIARY_LOGD_LOGD_H
#define APIARY_LOGD_LOGD_H

#include <signal.h>

#include "core/error.h"
#include "core/log.h"
#include "logd/logd_config.h"

struct logd;

/* As root: loads keys and certificates, opens the store, binds. */
struct logd *logd_new(const struct logd_config *c, const struct logger *lg,
    struct error *err);
/* chroot into the store (if configured) and become the configured user. */
int logd_drop_privileges(struct logd *d, struct error *err);
/* Runs until *stop is set; then drains the connections and seals the store. */
int logd_run(struct logd *d, volatile sig_atomic_t *stop, struct error *err);
void logd_free(struct logd *d);

#endif
