/* summary: `apiary version`: the program's version and its libraries'. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <sqlite3.h>

#include "cmd/commands.h"
#include "core/version.h"

int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: apiary version\n\nPrints the versions of apiary "
		    "and of the libraries it runs on.\n");
		return 0;
	}
	printf("apiary %s\n", APIARY_VERSION);
	printf("  %s\n", pcap_lib_version());
	printf("  %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("  SQLite %s\n", sqlite3_libversion());
	return 0;
}
