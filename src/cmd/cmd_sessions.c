/* summary: `apiary sessions STORE`: the terminal sessions the agents recorded. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "sessions/replay.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary sessions [--sender S] [--json] STORE\n\n"
	    "Lists the terminal sessions recorded by apiary-agent in an\n"
	    "apiary-logd store: sender, terminal, user, start, duration, bytes\n"
	    "typed and shown, and the commands run.  A session's id (or its\n"
	    "number) is what `apiary replay` takes.\n\n"
	    "  --sender S  only this sender (honeypot)\n"
	    "  --json      one JSON object per session, with commands and typed lines\n");
}

static void
print_json(const struct session *s, size_t n)
{
	struct buf b;
	struct json j;
	char ts[TIMEFMT_LEN];

	buf_init(&b, 0);
	json_init(&j, &b);
	json_object_begin(&j);
	json_kv_uint(&j, "number", n);
	json_kv_str(&j, "id", s->id);
	json_kv_str(&j, "sender", s->sender);
	json_kv_str(&j, "host", s->host);
	json_kv_str(&j, "tty", s->tty);
	json_kv_uint(&j, "sid", s->sid);
	json_kv_uint(&j, "uid", s->uid);
	timefmt_rfc3339(s->start_ns, ts);
	json_kv_str(&j, "start", ts);
	timefmt_rfc3339(s->end_ns, ts);
	json_kv_str(&j, "end", ts);
	json_kv_double(&j, "duration", (double)(s->end_ns - s->start_ns) / 1e9);
	json_kv_uint(&j, "bytes_typed", s->bytes_in);
	json_kv_uint(&j, "bytes_shown", s->bytes_out);
	json_key(&j, "commands");
	json_array_begin(&j);
	for (size_t i = 0; i < s->ncommands; i++) {
		json_object_begin(&j);
		timefmt_rfc3339(s->commands[i].ts_ns, ts);
		json_kv_str(&j, "time", ts);
		json_kv_str(&j, "command", s->commands[i].text);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "typed");
	json_array_begin(&j);
	for (size_t i = 0; i < s->nlines; i++) {
		json_object_begin(&j);
		timefmt_rfc3339(s->lines[i].ts_ns, ts);
		json_kv_str(&j, "time", ts);
		json_kv_str(&j, "line", s->lines[i].text);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	printf("%s\n", buf_cstr(&b));
	buf_free(&b);
}

int
cmd_sessions(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sender", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct session_index *x;
	struct error err;
	const char *sender = NULL;
	int json = 0, ch;
	size_t n;

	while ((ch = getopt_long(argc, argv, "s:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': sender = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if ((x = session_index_load(argv[optind], sender, &err)) == NULL) {
		fprintf(stderr, "apiary sessions: %s\n", err.msg);
		return 1;
	}
	n = session_index_count(x);
	if (!json)
		printf("%-3s %-28s %-6s %-6s %-20s %9s %7s %8s %s\n", "#", "id",
		    "tty", "uid", "start (UTC)", "duration", "typed", "shown",
		    "commands");
	for (size_t i = 0; i < n; i++) {
		const struct session *s = session_index_get(x, i);
		char ts[TIMEFMT_LEN];

		if (json) {
			print_json(s, i + 1);
			continue;
		}
		timefmt_rfc3339(s->start_ns, ts);
		ts[19] = '\0';
		printf("%-3zu %-28s %-6s %-6u %-20s %8.1fs %7" PRIu64 " %8" PRIu64
		    " %zu\n", i + 1, s->id, s->tty, s->uid, ts,
		    (double)(s->end_ns - s->start_ns) / 1e9, s->bytes_in,
		    s->bytes_out, s->ncommands);
		for (size_t k = 0; k < s->ncommands && k < 8; k++)
			printf("      %s\n", s->commands[k].text);
		if (s->ncommands > 8)
			printf("      ... %zu more\n", s->ncommands - 8);
	}
	if (session_index_dropped(x))
		fprintf(stderr, "apiary sessions: %" PRIu64 " sessions over the "
		    "limit of %d were not listed\n", session_index_dropped(x),
		    SESSION_MAX_SESSIONS);
	session_index_free(x);
	return 0;
}
