/*
 * cli.h: shared by the subcommands of the rebound command-line tool.
 */
#ifndef REBOUND_CLI_H
#define REBOUND_CLI_H

#include <glib.h>

#include "conf.h"
#include "output.h"
#include "store.h"

/* Exit status of every subcommand (documented in rebound(1)). */
#define CLI_EXIT_OK	0	/* done */
#define CLI_EXIT_INPUT	1	/* some input could not be read */
#define CLI_EXIT_USAGE	2	/* bad command line */
#define CLI_EXIT_DB	3	/* the database could not be opened or written */

/* The configuration read when there is no --config, if it exists. */
#define CLI_CONF_FILE	SYSCONFDIR "/rebound.conf"

/* The options every database command takes. */
struct cli_db {
	char		*config;	/* --config FILE */
	char		*db;		/* --db PATH */
	char		*format;	/* --format table|plain|csv|json */
	struct conf	 conf;
};

#define CLI_DB_ENTRIES(d)						\
	{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &(d)->config,	\
	  "Read settings from FILE (default " CLI_CONF_FILE ")", \
	  "FILE" },							\
	{ "db", 'd', 0, G_OPTION_ARG_FILENAME, &(d)->db,		\
	  "The database (default: [store] path of the config)", "PATH" }

#define CLI_FORMAT_ENTRY(d)						\
	{ "format", 'f', 0, G_OPTION_ARG_STRING, &(d)->format,		\
	  output_format_help(), "FORMAT" }

int		 cli_options(int *argc, char ***argv, const char *summary,
		    const char *description, const GOptionEntry *entries);
int		 cli_conf(struct conf *, const char *file);
struct store	*cli_store(struct cli_db *, enum store_mode);
void		 cli_db_clear(struct cli_db *);
int		 cli_policy(struct policy *, char **specs, GError **);
int		 cli_since(const char *spec, gint64 now, gint64 *cutoff_r);
char		*cli_time(gint64 t);

int	 cmd_parse(int argc, char **argv);
int	 cmd_import(int argc, char **argv);
int	 cmd_list(int argc, char **argv);
int	 cmd_show(int argc, char **argv);
int	 cmd_stats(int argc, char **argv);
int	 cmd_prune(int argc, char **argv);
int	 cmd_forget(int argc, char **argv);
int	 cmd_expire(int argc, char **argv);
int	 cmd_incidents(int argc, char **argv);
int	 cmd_explain(int argc, char **argv);
int	 cmd_events(int argc, char **argv);
int	 cmd_hooks(int argc, char **argv);
int	 cmd_hooks_wanted(int argc, char **argv);

#endif
