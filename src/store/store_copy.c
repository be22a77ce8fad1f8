/*
 * store_copy.c: every row of one database copied into another, for
 * "rebound migrate --from FILE --to URL": a SQLite file into an empty
 * PostgreSQL database of the same schema version, in one transaction
 * on the target, each table's rows counted on both sides.
 *
 * The tables are listed here, parents before the tables that refer to
 * them; a table of the source that the list lacks (a migration that
 * added one and forgot this file) is refused before anything is copied.
 * The counts per day are not copied: the target's triggers count the
 * outcomes as they arrive.  Identity columns continue after the
 * largest id copied (db.h: db_copied()).  The target is analyzed
 * last.
 */
#include "config.h"

#include <string.h>

#include "db.h"
#include "store.h"
#include "store_int.h"

/* What is copied, in order; has_id: an id the target numbers. */
static const struct store_copy_table {
	const char	*name;
	int		 has_id;
} copy_tables[] = {
	{ "texts", 1 },
	{ "messages", 1 },
	{ "incidents", 1 },
	{ "probes", 1 },
	{ "outcomes", 1 },
	{ "addresses", 0 },
	{ "events", 1 },
	{ "events_pending", 1 },
	{ "hook_cursors", 0 },
	{ "hook_deliveries", 0 },
	{ "hook_actions", 0 },
	{ "hook_pauses", 0 },
	{ "probe_forged", 1 },
};

/* Kept up to date by triggers, not copied. */
static const char *const copy_derived[] = {
	"outcomes_per_day", "domains_per_day",
};

enum store_copy_stmt {
	COPY_SOURCE_TABLES,
	COPY_TARGET_USED,
	COPY_NSTMT
};

static const char *const copy_sql[COPY_NSTMT] = {
	[COPY_SOURCE_TABLES] =
	    "SELECT name FROM sqlite_master WHERE type = 'table' "
	    "AND name NOT LIKE 'sqlite%' ORDER BY name",
	[COPY_TARGET_USED] =
	    "SELECT (SELECT count(*) FROM messages) + "
	    "(SELECT count(*) FROM events) + (SELECT count(*) FROM addresses)",
};

static int
copy_known(const char *table)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(copy_tables); i++)
		if (strcmp(copy_tables[i].name, table) == 0)
			return 1;
	for (i = 0; i < G_N_ELEMENTS(copy_derived); i++)
		if (strcmp(copy_derived[i], table) == 0)
			return 1;
	return 0;
}

/* The source is a SQLite file whose every table this file knows. */
static int
copy_check_source(struct store *from, GError **error)
{
	struct db_stmt *st;
	int rc;

	if (strcmp(db_engine_name(from->db), "sqlite") != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: the source must be a SQLite file", from->path);
		return 0;
	}
	if ((st = store_stmt(from, copy_sql[COPY_SOURCE_TABLES], error)) == NULL)
		return 0;
	while ((rc = db_step(st)) == DB_ROW)
		if (!copy_known(store_column_text(st, 0))) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: table %s: this rebound does not know how to "
			    "copy it", from->path, store_column_text(st, 0));
			store_done(st);
			return 0;
		}
	return store_rows_end(from, st, rc, error, "listing its tables");
}

/* The target holds nothing yet: a copy never merges two histories. */
static int
copy_check_target(struct store *to, GError **error)
{
	gint64 used;

	if (!store_count(to, copy_sql[COPY_TARGET_USED], NULL, 0, &used,
	    error))
		return 0;
	if (used == 0)
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
	    "%s: not empty (%" G_GINT64_FORMAT " messages, events and "
	    "addresses): the copy goes into a new database", to->path, used);
	return 0;
}

/*
 * SELECT each column of table, a blob (a digest: sql/015-*.sql) as the
 * text PostgreSQL reads as a bytea, \xHEX; NULL on error.
 */
static char *
copy_select_sql(struct store *from, const char *table, GError **error)
{
	g_autofree char *all = g_strdup_printf("SELECT * FROM %s", table);
	struct db_stmt *st = db_prepare(from->db, all, error);
	GString *sql;
	const char *c;
	int i;

	if (st == NULL)
		return NULL;
	sql = g_string_new("SELECT ");
	for (i = 0; i < db_column_count(st); i++) {
		c = db_column_name(st, i);
		g_string_append_printf(sql, "%sCASE typeof(\"%s\") WHEN "
		    "'blob' THEN '\\x' || lower(hex(\"%s\")) ELSE \"%s\" END "
		    "AS \"%s\"",
		    i ? ", " : "", c, c, c, c);
	}
	db_finalize(st);
	g_string_append_printf(sql, " FROM %s", table);
	return g_string_free(sql, FALSE);
}

/* INSERT INTO table (the source's columns) VALUES (?, ...). */
static char *
copy_insert_sql(const char *table, struct db_stmt *src)
{
	GString *sql = g_string_new(NULL);
	int i, n = db_column_count(src);

	g_string_printf(sql, "INSERT INTO %s (", table);
	for (i = 0; i < n; i++)
		g_string_append_printf(sql, "%s%s", i ? ", " : "",
		    db_column_name(src, i));
	g_string_append(sql, ") VALUES (");
	for (i = 0; i < n; i++)
		g_string_append(sql, i ? ", ?" : "?");
	g_string_append(sql, ")");
	return g_string_free(sql, FALSE);
}

/* Each row of src into the statement ins makes of it; *n_r: rows. */
static int
copy_rows(struct store *to, const char *table, struct db_stmt *src,
    gint64 *n_r, GError **error)
{
	g_autofree char *sql = NULL;
	struct db_stmt *ins = NULL;
	int rc, i, ok = 1;

	*n_r = 0;
	while (ok && (rc = db_step(src)) == DB_ROW) {
		if (ins == NULL) {
			sql = copy_insert_sql(table, src);
			if ((ins = db_prepare(to->db, sql, error)) == NULL)
				return 0;
		}
		for (i = 0; i < db_column_count(src); i++)
			if (db_column_null(src, i))
				db_bind_null(ins, i + 1);
			else
				db_bind_value(ins, i + 1,
				    db_column_text(src, i));
		ok = db_step(ins) == DB_DONE ||
		    store_error(to, error, table);
		db_reset(ins);
		(*n_r)++;
	}
	db_finalize(ins);
	if (ok && rc != DB_DONE)
		return 0;
	return ok;
}

/* The count of rows sql gives, with its own statement (not cached). */
static int
copy_count(struct store *s, const char *sql, gint64 *n_r, GError **error)
{
	struct db_stmt *st = db_prepare(s->db, sql, error);
	int ok;

	if (st == NULL)
		return 0;
	ok = db_step(st) == DB_ROW;
	*n_r = ok ? db_column_int64(st, 0) : 0;
	db_finalize(st);
	return ok || store_error(s, error, sql);
}

/* One table: copied, its ids continued, its rows counted on both. */
static int
copy_table(struct store *from, struct store *to,
    const struct store_copy_table *t, store_copy_fn *fn, void *arg,
    GError **error)
{
	g_autofree char *select = copy_select_sql(from, t->name, error);
	g_autofree char *count = g_strdup_printf("SELECT count(*) FROM %s",
	    t->name);
	struct db_stmt *src;
	gint64 copied, there;
	int ok;

	if (select == NULL ||
	    (src = db_prepare(from->db, select, error)) == NULL)
		return 0;
	ok = copy_rows(to, t->name, src, &copied, error);
	if (!ok && error != NULL && *error == NULL)
		store_error(from, error, t->name);
	db_finalize(src);
	if (!ok || (t->has_id && !db_copied(to->db, t->name, error)) ||
	    !copy_count(to, count, &there, error))
		return 0;
	fn(t->name, copied, there, arg);
	if (copied == there)
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
	    "%s: %s: %" G_GINT64_FORMAT " rows copied, %" G_GINT64_FORMAT
	    " there: nothing kept (rolled back); something on the target "
	    "adds or drops rows (a trigger or rule not rebound's?): remove "
	    "it and run migrate again", to->path, t->name, copied, there);
	return 0;
}

int
store_copy(struct store *from, struct store *to, store_copy_fn *fn,
    void *arg, GError **error)
{
	size_t i;

	if (!copy_check_source(from, error) || !copy_check_target(to, error))
		return 0;
	if (!store_begin(to, error))
		return 0;
	for (i = 0; i < G_N_ELEMENTS(copy_tables); i++)
		if (!copy_table(from, to, &copy_tables[i], fn, arg, error)) {
			store_rollback(to);
			return 0;
		}
	/*
	 * The planner's statistics, at once: until autovacuum gathered
	 * them, PostgreSQL planned a prune of 100,000 copied addresses for
	 * 6,000 (a bitmap scan and a sort spilled to disk: 20 times slower).
	 */
	return store_commit(to, error) && store_exec(to, "ANALYZE", error);
}
