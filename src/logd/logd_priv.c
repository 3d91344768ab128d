/* summary: apiary-logd's privilege drop: own the store, chroot into it, become a plain user. */
#include "logd/logd_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Only the store directory must be writable by the unprivileged user; the
 * keys and certificates stay root's (they are read before the drop).  The
 * walk gives the store and what is directly inside its sender directories
 * to the user, so a store first written as root keeps working.
 */
int
logd_priv_lookup(const char *user, struct logd_priv *p, struct error *err)
{
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	if (geteuid() != 0)
		return 0;
	pw = getpwnam(user != NULL ? user : "nobody");
	if (pw == NULL)
		return error_set(err, "user '%s' does not exist",
		    user != NULL ? user : "nobody");
	if (pw->pw_uid == 0)
		return error_set(err, "user '%s' is root: refusing", pw->pw_name);
	p->active = 1;
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

static int
chown_tree(int dfd, uid_t uid, gid_t gid, int depth, struct error *err)
{
	int fd;
	DIR *d;
	struct dirent *de;

	if (fchown(dfd, uid, gid) < 0)
		return error_errno(err, "chown store");
	if (depth == 0)
		return 0;
	fd = dup(dfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return error_errno(err, "store");
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				chown_tree(sub, uid, gid, depth - 1, err);
				close(sub);
			}
		} else if (S_ISREG(sb.st_mode)) {
			fchownat(dirfd(d), de->d_name, uid, gid,
			    AT_SYMLINK_NOFOLLOW);
		}
	}
	closedir(d);
	return 0;
}

int
logd_priv_prepare_store(const struct logd_priv *p, const char *store,
    struct error *err)
{
	int fd;

	if (mkdir(store, 0700) < 0 && errno != EEXIST)
		return error_errno(err, "mkdir %s", store);
	if (!p->active)
		return 0;
	fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "%s", store);
	if (chown_tree(fd, p->uid, p->gid, 2, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
logd_priv_drop(const struct logd_priv *p, const char *chroot_dir,
    struct error *err)
{
	if (!p->active)
		return 0;
	if (chroot_dir != NULL) {
		if (chroot(chroot_dir) < 0)
			return error_errno(err, "chroot %s", chroot_dir);
		if (chdir("/") < 0)
			return error_errno(err, "chdir /");
	}
	if (setgroups(1, &p->gid) < 0)
		return error_errno(err, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return error_errno(err, "setresgid");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return error_errno(err, "setresuid");
	if (setuid(0) == 0)
		return error_set(err, "could regain root after dropping it");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_errno(err, "no_new_privs");
#ifdef APIARY_TESTING
	/* the sanitizers' leak check reads /proc/self/task, which a
	 * process that changed uid may not; test builds only */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}
