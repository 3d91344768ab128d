/* summary: the apiary-gw daemon: set up the bridge, run the forwarding loop. */
#ifndef APIARY_GW_GW_H
#define APIARY_GW_GW_H

#include "core/error.h"
#include "core/log.h"
#include "gw/gwconf.h"

/*
 * gw_new() does everything that needs root: checks and prepares the two
 * ports, opens their packet sockets, the capture directory and the log
 * files.  gw_drop_privileges() then becomes the configured user, and
 * gw_run() forwards until SIGTERM/SIGINT (SIGHUP reloads the policy).
 */
struct gw;

struct gw *gw_new(const struct gw_config *gc, const char *config_path,
    const struct logger *lg, struct error *err);
int gw_drop_privileges(struct gw *g, struct error *err);
/* Returns 0 on a clean stop. */
int gw_run(struct gw *g, struct error *err);
void gw_free(struct gw *g);

#endif
