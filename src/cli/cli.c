/*
 * cli.c: what the subcommands of rebound share: option parsing, the
 * configuration and the database behind --config and --db, durations.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "provider.h"

/*
 * Parse a command's options; on --help GLib prints e's usage, the
 * options and description, and exits 0.
 */
int
cli_options(int *argc, char ***argv, const struct cmd_entry *e,
    const char *description, const GOptionEntry *entries)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new(e->usage);
	g_autoptr(GError) error = NULL;

	g_option_context_set_description(ctx, description);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		g_printerr("rebound %s: %s (see --help)\n", (*argv)[0],
		    error->message);
		return 0;
	}
	return 1;
}

/*
 * A password in an argument (--db postgresql://user:secret@...) is
 * copied for the command, then blanked where ps(1) reads it: the
 * process's own argv, as mysql(1) does.  rebound-mail, which runs in
 * rebound's place, does so again for its copy.
 */
void
cli_hide_passwords(int argc, char **argv)
{
	/* The copies live as long as argv: held here, where LeakSanitizer
	   sees them, not only in argv's own memory, which it does not. */
	static GPtrArray *copies;
	char *copy;
	int i;

	for (i = 1; i < argc; i++) {
		copy = g_strdup(argv[i]);
		conf_store_hide(argv[i]);
		if (strcmp(copy, argv[i]) == 0) {
			g_free(copy);
			continue;
		}
		if (copies == NULL)
			copies = g_ptr_array_new();
		g_ptr_array_add(copies, copy);
		argv[i] = copy;
	}
}

/* cli_options() for a command whose only options are --config and --db. */
int
cli_db_options(int *argc, char ***argv, const struct cmd_entry *e,
    const char *description, struct cli_db *d)
{
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};

	return cli_options(argc, argv, e, description, entries);
}

/*
 * Load the configuration into c: file (--config), else the system file
 * if there is one, else the defaults (c->file stays NULL).  Errors are
 * printed; 0 means exit CLI_EXIT_DB.
 */
int
cli_conf(struct conf *c, const char *file)
{
	g_autoptr(GError) error = NULL;

	conf_defaults(c);
	if (file == NULL && g_file_test(CLI_CONF_FILE, G_FILE_TEST_EXISTS))
		file = CLI_CONF_FILE;
	if (file != NULL && !conf_load(c, file, &error)) {
		g_printerr("rebound: %s\n", error->message);
		return 0;
	}
	conf_settle(c);
	provider_use(c->guard.providers);
	return 1;
}

/*
 * Load the configuration (cli_conf()) and open the database it or --db
 * names.  Errors are printed; NULL means exit CLI_EXIT_DB.
 */
struct store *
cli_store(struct cli_db *d, enum store_mode mode)
{
	g_autoptr(GError) error = NULL;
	struct store *s;

	if (!cli_conf(&d->conf, d->config))
		return NULL;
	if (d->db != NULL)
		conf_store_set(&d->conf.store, d->db);
	if ((s = store_open(&d->conf.store, mode, &error)) == NULL) {
		g_printerr("rebound: %s\n", error->message);
		return NULL;
	}
	store_set_policy(s, &d->conf.policy);
	store_set_probe(s, &d->conf.probe);
	store_set_event_delay(s, d->conf.events.delay);
	return s;
}

/* Apply each "KEY=VALUE" of --policy to p (policy_override()). */
int
cli_policy(struct policy *p, char **specs, GError **error)
{
	guint i;

	for (i = 0; specs != NULL && specs[i] != NULL; i++)
		if (!policy_override(p, specs[i], error))
			return 0;
	return 1;
}

void
cli_db_clear(struct cli_db *d)
{
	g_free(d->config);
	g_free(d->db);
	g_free(d->format);
	conf_clear(&d->conf);
}

/*
 * A point in the past: "7d", "12h", "30m", "2w" ago, or a date
 * "2026-11-01" (UTC).  Returns 0 for anything else.
 */
int
cli_since(const char *spec, gint64 now, gint64 *cutoff_r)
{
	g_autoptr(GDateTime) dt = NULL;
	g_autofree char *iso = NULL;
	char *end;
	long n;

	/* Digits only, and at most about a century: no sign, no overflow. */
	n = g_ascii_isdigit(spec[0]) ? strtol(spec, &end, 10) : -1;
	if (n >= 0 && n <= 100 * 366 * 24 * 60 && end[0] != '\0' &&
	    end[1] == '\0' &&
	    strchr("mhdw", end[0]) != NULL) {
		*cutoff_r = now - n * (end[0] == 'm' ? 60 : end[0] == 'h' ?
		    3600 : end[0] == 'd' ? 86400 : 7 * 86400);
		return 1;
	}
	iso = g_strdup_printf("%sT00:00:00Z", spec);
	if (strlen(spec) == 10 && (dt = g_date_time_new_from_iso8601(iso,
	    NULL)) != NULL) {
		*cutoff_r = g_date_time_to_unix(dt);
		return 1;
	}
	return 0;
}

/* A Unix time as "2026-11-23 17:35:03" (UTC). */
char *
cli_time(gint64 t)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

	return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("");
}

/* output_new() for command cmd ("list"): NULL once it said why. */
struct output *
cli_output(const char *cmd, const char *format, const char *const *columns)
{
	g_autoptr(GError) error = NULL;
	struct output *o = output_new(format, columns, &error);

	if (o == NULL)
		g_printerr("rebound %s: %s\n", cmd, error->message);
	return o;
}

/* Say command cmd's database error; the exit status it gives. */
int
cli_failed(const char *cmd, const GError *error)
{
	g_printerr("rebound %s: %s\n", cmd, error->message);
	return CLI_EXIT_DB;
}
