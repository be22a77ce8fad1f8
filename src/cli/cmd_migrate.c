/*
 * cmd_migrate.c: "rebound migrate --from FILE --to URL": a SQLite
 * database copied into an empty PostgreSQL one (store_copy()), for a
 * site that goes from one reboundd to several.  Stop reboundd first:
 * what it records during the copy would not be copied (a reboundd
 * running on FILE is refused).  A FILE of an older schema is migrated
 * first.  Each table is
 * printed with its rows copied and counted in the target; any
 * difference, or a target that is not empty, exits 3 and leaves the
 * target as it was (one transaction).
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"

static int	 cmd_migrate(int, char **);
const struct cmd_entry cmd_migrate_entry = {
	.name = "migrate", .run = cmd_migrate,
	.usage = "--from FILE --to URL - copy a SQLite database into "
	    "PostgreSQL",
	.help = "copy a SQLite database into PostgreSQL, counts checked",
};

struct migrate_total {
	gint64		 rows;
	guint		 tables;
};

static void
migrate_table(const char *table, gint64 copied, gint64 there, void *arg)
{
	struct migrate_total *t = arg;

	printf("%-16s %" G_GINT64_FORMAT " rows copied, %" G_GINT64_FORMAT
	    " there\n", table, copied, there);
	t->rows += copied;
	t->tables++;
}

/* Open FILE to read and URL to write, as --db would each. */
static struct store *
migrate_open(struct cli_db *d, const char *where, enum store_mode mode)
{
	d->db = g_strdup(where);
	return cli_store(d, mode);
}

/*
 * FILE, migrated first if an older rebound made it (as the new reboundd
 * would on starting) and this user may write it, and claimed as
 * reboundd claims it: with reboundd running on it, what it records
 * during the copy would be lost.  A FILE this user may only read (a
 * copy kept aside) cannot be claimed, nor written by a reboundd.
 */
static struct store *
migrate_source(struct cli_db *d, const char *file)
{
	g_autoptr(GError) error = NULL;
	struct store *s;

	if (access(file, W_OK) != 0)
		return migrate_open(d, file, STORE_READ);
	if ((s = migrate_open(d, file, STORE_WRITE)) == NULL)
		return NULL;
	if (!store_claim(s, &error) &&
	    g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_EXIST)) {
		g_printerr("rebound migrate: stop reboundd first: %s\n",
		    error->message);
		store_close(&s);
	}
	return s;
}

static int
cmd_migrate(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *from = NULL, *to = NULL;
	struct cli_db src = { 0 }, dst = { 0 };
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &src.config,
		  "Read settings from FILE (default " CLI_CONF_FILE ")",
		  "FILE" },
		{ "from", 0, 0, G_OPTION_ARG_FILENAME, &from,
		  "The SQLite database to copy", "FILE" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &to,
		  "The PostgreSQL database, empty (postgresql://...)", "URL" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct store *s = NULL, *t = NULL;
	struct migrate_total total = { 0 };
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, &cmd_migrate_entry,
	    "Copies every row of a SQLite database (FILE) into an empty\n"
	    "PostgreSQL database (URL, a libpq URI), made or migrated to this\n"
	    "rebound's schema first, in one transaction, and checks each\n"
	    "table's count.  Stop reboundd first.  A FILE of an older\n"
	    "rebound is migrated to this one's schema first.", entries))
		goto done;
	if (from == NULL || to == NULL || argc > 1) {
		g_printerr("rebound migrate: --from FILE and --to URL, and "
		    "nothing else\n");
		goto done;
	}
	dst.config = g_strdup(src.config);
	rc = CLI_EXIT_DB;
	if ((s = migrate_source(&src, from)) == NULL ||
	    (t = migrate_open(&dst, to, STORE_WRITE)) == NULL)
		goto done;
	if (!store_copy(s, t, migrate_table, &total, &error)) {
		g_printerr("rebound migrate: %s\n", error->message);
		goto done;
	}
	printf("copied %" G_GINT64_FORMAT " rows of %u tables from %s\n",
	    total.rows, total.tables, from);
	rc = CLI_EXIT_OK;
done:
	store_close(&s);
	store_close(&t);
	cli_db_clear(&src);
	cli_db_clear(&dst);
	return rc;
}
