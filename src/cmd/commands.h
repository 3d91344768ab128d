/* summary: the subcommands of `apiary`, one file each in src/cmd/. */
#ifndef APIARY_CMD_COMMANDS_H
#define APIARY_CMD_COMMANDS_H

/*
 * Each command parses its own options, prints its own --help, and returns
 * the process exit status.  src/bin/apiary.c holds the table that names
 * them; add a line there and a prototype here for a new command.
 */
struct command {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the command name */
	const char *summary;
};

int cmd_version(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_tcpflow(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_lab(int argc, char **argv);

#endif
