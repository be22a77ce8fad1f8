/*
 * cli.h: shared by the subcommands of the rebound command-line tool.
 */
#ifndef REBOUND_CLI_H
#define REBOUND_CLI_H

#include <glib.h>

/* Exit status of every subcommand (documented in rebound(1)). */
#define CLI_EXIT_OK	0	/* done */
#define CLI_EXIT_INPUT	1	/* some input could not be read */
#define CLI_EXIT_USAGE	2	/* bad command line */

int	 cli_options(int *argc, char ***argv, const char *summary,
	    const char *description, const GOptionEntry *entries);
int	 cmd_parse(int argc, char **argv);

#endif
