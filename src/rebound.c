/*
 * rebound.c: the rebound command-line tool: dispatch to a subcommand.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "cli.h"
#include "log.h"
#include "parse.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
	int		 parses;	/* reads mail: needs GMime and the tables */
	const char	*help;
} rebound_commands[] = {
	{ "parse", cmd_parse, 1, "parse returned messages and print what they say" },
	{ "import", cmd_import, 1, "parse messages and record them in the database" },
	{ "list", cmd_list, 0, "print recorded outcomes, newest first, filtered" },
	{ "show", cmd_show, 0, "print one address's state and its whole history" },
	{ "stats", cmd_stats, 0, "count outcomes by class, reason, domain and day" },
	{ "prune", cmd_prune, 0, "print the addresses to remove from a list" },
	{ "forget", cmd_forget, 0, "erase what is recorded about addresses" },
	{ "expire", cmd_expire, 0, "drop bounces older than a given age" },
	{ "incidents", cmd_incidents, 0, "list the bursts the incident guard held" },
	{ "explain", cmd_explain, 1, "what a status or SMTP reply code means" },
	{ "events", cmd_events, 0, "print changes of state, oldest first; --follow" },
};

static void
rebound_usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: rebound [--help] [--version] COMMAND [ARG...]\n\n"
	    "Commands:\n");
	for (i = 0; i < G_N_ELEMENTS(rebound_commands); i++)
		fprintf(out, "  %-10s %s\n", rebound_commands[i].name,
		    rebound_commands[i].help);
	fprintf(out, "\n'rebound COMMAND --help' describes a command; "
	    "see also rebound(1).\n");
}

static int
rebound_run(int argc, char **argv)
{
	size_t i;
	int rc;

	for (i = 0; i < G_N_ELEMENTS(rebound_commands); i++) {
		if (strcmp(argv[0], rebound_commands[i].name) != 0)
			continue;
		g_set_prgname(argv[0]);
		if (!rebound_commands[i].parses)
			return rebound_commands[i].run(argc, argv);
		parse_init();
		classify_init();
		rc = rebound_commands[i].run(argc, argv);
		classify_shutdown();
		parse_shutdown();
		return rc;
	}
	g_printerr("rebound: unknown command '%s'\n", argv[0]);
	rebound_usage(stderr);
	return CLI_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	log_init(LOG_STDERR);
	if (argc < 2) {
		rebound_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		rebound_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("rebound %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	return rebound_run(argc - 1, argv + 1);
}
