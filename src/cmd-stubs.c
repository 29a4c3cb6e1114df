/*
 * Commands that later issues build.  Each says plainly that it is not built
 * yet and exits 2; when a command is built, its entry moves to cmd-NAME.c.
 */
#include <stddef.h>

#include "cmd.h"

#define CONN_HELP \
	"  -d, --dbname=CONNINFO  database to connect to (libpq conninfo, URI or name)\n"

