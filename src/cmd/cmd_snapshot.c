/* summary: `apiary snapshot`: record a host's (or an offline tree's) state into SQLite. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/error.h"
#include "forensics/snapshot.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: apiary snapshot [-o FILE] [--root DIR] "
	    "[-c CONFIG] [-q]\n\n"
	    "Records processes, sockets, kernel modules, users, "
	    "authorized_keys, crontabs,\nstartup entries, mounts, every file "
	    "under the configured roots (with SHA-256)\nand hidden objects "
	    "into an SQLite database (default snapshot.db).\n"
	    "  -o FILE      output database\n"
	    "  --root DIR   snapshot the offline tree DIR (paths relative to "
	    "it; no live collectors)\n"
	    "  -c CONFIG    roots, excludes, collectors "
	    "(see etc/apiary-snapshot.conf)\n"
	    "  -q           no progress bar\n"
	    "See docs/apiary-snapshot.md.\n");
}

struct bar {
	int on;
};

static void
show_progress(void *arg, uint64_t entries, uint64_t hashed, uint64_t found)
{
	struct bar *b = arg;
	int width = 30, fill;

	if (!b->on)
		return;
	fill = found ? (int)((double)hashed / (double)found * width) : 0;
	if (fill > width)
		fill = width;
	fprintf(stderr, "\r[%.*s%*s] %llu entries, %llu/%llu MiB hashed ", fill,
	    "##############################", width - fill, "",
	    (unsigned long long)entries, (unsigned long long)(hashed >> 20),
	    (unsigned long long)(found >> 20));
}

int
cmd_snapshot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "config", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snap_options o;
	struct snap_stats st;
	struct error err;
	struct bar bar = { isatty(STDERR_FILENO) };
	const char *out = "snapshot.db", *conf = NULL;
	char root[PATH_MAX], outreal[PATH_MAX + 8];
	int ch, rc;

	snap_options_init(&o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:r:c:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'c': conf = optarg; break;
		case 'q': bar.on = 0; break;
		case 'r':
			if (realpath(optarg, root) == NULL) {
				fprintf(stderr, "apiary snapshot: --root %s: %s\n",
				    optarg, strerror(errno));
				snap_options_free(&o);
				return 2;
			}
			o.root_dir = strcmp(root, "/") == 0 ? "" : root;
			break;
		case 'h': usage(stdout); snap_options_free(&o); return 0;
		default: usage(stderr); snap_options_free(&o); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		snap_options_free(&o);
		return 2;
	}
	if (conf != NULL && snap_options_load(&o, conf, &err) < 0) {
		fprintf(stderr, "apiary snapshot: %s\n", err.msg);
		snap_options_free(&o);
		return 2;
	}
	/* never record the database being written */
	{
		char dir[PATH_MAX], odir[PATH_MAX], *slash;
		snprintf(dir, sizeof dir, "%s", out);
		slash = strrchr(dir, '/');
		const char *base = slash ? slash + 1 : out;
		if (slash)
			*slash = '\0';
		if (realpath(slash ? (dir[0] ? dir : "/") : ".", odir) != NULL) {
			snprintf(outreal, sizeof outreal, "%s/%s",
			    strcmp(odir, "/") == 0 ? "" : odir, base);
			if ((o.skip_real[o.nskip] = strdup(outreal)) != NULL)
				o.nskip++;
			strcat(outreal, ".tmp");
			if ((o.skip_real[o.nskip] = strdup(outreal)) != NULL)
				o.nskip++;
		}
	}
	/* command lines and paths may carry secrets: owner-only database */
	umask(077);
	if (bar.on) {
		o.progress = show_progress;
		o.progress_arg = &bar;
	}
	rc = snapshot_run(&o, out, &st, &err);
	if (bar.on)
		fprintf(stderr, "\n");
	snap_options_free(&o);
	if (rc < 0) {
		fprintf(stderr, "apiary snapshot: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "apiary snapshot: %s: %llu file entries, %llu hashed "
	    "(%.1f MiB), %llu unreadable, %llu hidden objects\n", out,
	    (unsigned long long)st.entries, (unsigned long long)st.files_hashed,
	    (double)st.bytes_hashed / 1048576.0, (unsigned long long)st.errors,
	    (unsigned long long)st.hidden);
	return 0;
}
