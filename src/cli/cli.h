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
	  "The database: a SQLite file, or PostgreSQL's URI or key=value " \
	  "(default: the config's [store])", "DB" }

#define CLI_FORMAT_ENTRY(d)						\
	{ "format", 'f', 0, G_OPTION_ARG_STRING, &(d)->format,		\
	  output_format_help(), "FORMAT" }

/*
 * One command, as tmux's cmd_entry: rebound.c lists them.  rebound
 * --help prints each name and help; the command's --help its usage,
 * options and description (cli_options()); run is given argv from the
 * command's name on.  Several entries may share a name: the first whose
 * match takes the arguments runs (match NULL: any).
 */
struct cmd_entry {
	const char	*name;
	const char	*usage;		/* ARGS - what it does */
	const char	*help;		/* one line for rebound --help, or NULL */
	int		(*run)(int argc, char **argv);
	int		(*match)(int argc, char **argv);
	int		 mail;		/* runs in rebound-mail (reads mail) */
};

void		 cli_hide_passwords(int argc, char **argv);
int		 cli_options(int *argc, char ***argv, const struct cmd_entry *,
		    const char *description, const GOptionEntry *entries);
int		 cli_db_options(int *argc, char ***argv,
		    const struct cmd_entry *, const char *description,
		    struct cli_db *);
int		 cli_conf(struct conf *, const char *file);
struct store	*cli_store(struct cli_db *, enum store_mode);
void		 cli_db_clear(struct cli_db *);
int		 cli_policy(struct policy *, char **specs, GError **);
int		 cli_since(const char *spec, gint64 now, gint64 *cutoff_r);
char		*cli_time(gint64 t);
struct output	*cli_output(const char *cmd, const char *format,
		    const char *const *columns);
int		 cli_failed(const char *cmd, const GError *);

/* cmd_mail.c: rebound-mail's commands (cmd_parse.c, cmd_import.c). */
extern const struct cmd_entry cmd_parse_entry;
extern const struct cmd_entry cmd_import_entry;
int	 cmd_parse(int argc, char **argv);
int	 cmd_import(int argc, char **argv);

/* cmd_query.c */
extern const struct cmd_entry cmd_list_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_stats_entry;

/* cmd_prune.c */
extern const struct cmd_entry cmd_prune_entry;
extern const struct cmd_entry cmd_forget_entry;
extern const struct cmd_entry cmd_expire_entry;

/* cmd_incidents.c */
extern const struct cmd_entry cmd_incidents_entry;

/* cmd_explain.c */
extern const struct cmd_entry cmd_explain_entry;

/* cmd_events.c */
extern const struct cmd_entry cmd_events_entry;

/* cmd_migrate.c */
extern const struct cmd_entry cmd_migrate_entry;

/* cmd_hooks.c: rebound events --failed, retry ID, resume. */
extern const struct cmd_entry cmd_hooks_entry;

#endif
