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

#endif
