/* summary: `apiary lab`: runs the lab's shell implementation (lib/lab/lab.sh) with this build's programs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/commands.h"

/*
 * The lab is orchestration: namespaces, veths, mounts, daemons, ssh.  That
 * is a shell's job, so the work is done by lib/lab/lab.sh (documented in
 * docs/apiary-lab.md); this command only finds the script and tells it
 * which programs to use: those next to this `apiary` (APIARY_BIN_DIR), so
 * that an ASan build drives ASan daemons and a release build release ones.
 *
 * The script is looked up, first hit wins: $APIARY_LAB_LIB/lab.sh; then,
 * relative to this program's directory D, D/../lib/lab, D/../../lib/lab,
 * D/../../../lib/lab, D/../../../../lib/lab (bin/, build/asan/bin/,
 * build/NAME/asan/bin/ of a source tree) and D/../share/apiary/lab (an
 * installed tree).
 */

#define LAB_SCRIPT "lab.sh"

static int
try_dir(const char *dir, char *out, size_t outlen)
{
	char path[PATH_MAX], real[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/" LAB_SCRIPT, dir) >=
	    (int)sizeof(path))
		return -1;
	if (access(path, R_OK) != 0 || realpath(path, real) == NULL)
		return -1;
	if (snprintf(out, outlen, "%s", real) >= (int)outlen)
		return -1;
	return 0;
}

static int
find_script(const char *bindir, char *out, size_t outlen)
{
	static const char *const rel[] = { "../lib/lab", "../../lib/lab",
	    "../../../lib/lab", "../../../../lib/lab", "../share/apiary/lab" };
	const char *env = getenv("APIARY_LAB_LIB");
	char dir[PATH_MAX];

	if (env != NULL && env[0] != '\0')
		return try_dir(env, out, outlen);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s", bindir, rel[i]) >=
		    (int)sizeof(dir))
			continue;
		if (try_dir(dir, out, outlen) == 0)
			return 0;
	}
	return -1;
}

int
cmd_lab(int argc, char **argv)
{
	char exe[PATH_MAX], script[PATH_MAX], *slash, **args;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "apiary lab: /proc/self/exe: %s\n",
		    strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL) {
		fprintf(stderr, "apiary lab: cannot tell where apiary is\n");
		return 1;
	}
	*slash = '\0';
	if (find_script(exe, script, sizeof(script)) == -1) {
		fprintf(stderr, "apiary lab: cannot find lib/lab/" LAB_SCRIPT
		    " (set APIARY_LAB_LIB to its directory)\n");
		return 1;
	}
	if (getenv("APIARY_BIN_DIR") == NULL &&
	    setenv("APIARY_BIN_DIR", exe, 1) != 0) {
		fprintf(stderr, "apiary lab: setenv: %s\n", strerror(errno));
		return 1;
	}
	/* bash lab.sh ARGS...: argv[0] is "lab", the rest pass through */
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (args == NULL) {
		fprintf(stderr, "apiary lab: out of memory\n");
		return 1;
	}
	args[0] = "bash";
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	args[argc + 1] = NULL;
	fflush(NULL);
	execvp("bash", args);
	fprintf(stderr, "apiary lab: bash: %s\n", strerror(errno));
	free(args);
	return 1;
}
