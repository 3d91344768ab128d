/* summary: apiary-logd's privilege drop: own the store, chroot into it, become a plain user. */
#ifndef APIARY_LOGD_LOGD_PRIV_H
#define APIARY_LOGD_LOGD_PRIV_H

#include <sys/types.h>

#include "core/error.h"

struct logd_priv {
	int active;		/* running as root: a drop will happen */
	uid_t uid;
	gid_t gid;
};

/* Resolves the user (default "nobody") while /etc/passwd is reachable. */
int logd_priv_lookup(const char *user, struct logd_priv *p, struct error *err);
/* Creates the store directory and gives it to the user. */
int logd_priv_prepare_store(const struct logd_priv *p, const char *store,
    struct error *err);
/* chroot (if chroot_dir) and setgroups/setresgid/setresuid. */
int logd_priv_drop(const struct logd_priv *p, const char *chroot_dir,
    struct error *err);

#endif
