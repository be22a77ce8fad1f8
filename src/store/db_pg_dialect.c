/*
 * db_pg_dialect.c: the store's statements, written for SQLite, in
 * PostgreSQL's words (db_pg_dialect()).  Parameters "?" and "?N" are
 * "$N".  SQLite's two conflict clauses are said PostgreSQL's way: INSERT
 * OR IGNORE is ON CONFLICT DO NOTHING, and INSERT OR REPLACE INTO t
 * (...) updates every column named on a conflict with t's primary key
 * (t_pkey, PostgreSQL's name for it), which is what REPLACE does where,
 * as in the store, no other unique key can conflict.
 */
#include "config.h"

#ifdef HAVE_LIBPQ
#include <stdlib.h>
#include <string.h>

#include "db_pg.h"

/*
 * SQLite's parameters in PostgreSQL's form: "?N" is "$N", a bare "?"
 * the one after the highest so far.  Quoted text and comments are left
 * as they are.
 */
static char *
db_pg_params(const char *sql, int *nparams_r)
{
	GString *out = g_string_sized_new(strlen(sql) + 16);
	const char *p = sql;
	int n = 0, i;
	char quote;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			quote = *p;
			do
				g_string_append_c(out, *p++);
			while (*p != '\0' && *p != quote);
			if (*p != '\0')
				g_string_append_c(out, *p++);
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				g_string_append_c(out, *p++);
		} else if (*p == '?') {
			p++;
			if (g_ascii_isdigit(*p)) {
				i = (int)strtol(p, (char **)&p, 10);
			} else
				i = n + 1;
			n = MAX(n, i);
			g_string_append_printf(out, "$%d", i);
		} else
			g_string_append_c(out, *p++);
	}
	*nparams_r = n;
	return g_string_free(out, FALSE);
}

/* ON CONFLICT ... DO UPDATE SET each column of "T (c, ...)" */
static void
db_pg_replace(GString *out, const char *target)
{
	g_autofree char *table = NULL;
	g_auto(GStrv) columns = NULL;
	g_autofree char *list = NULL;
	const char *open = strchr(target, '('), *close;
	int i;

	if (open == NULL || (close = strchr(open, ')')) == NULL)
		return;
	table = g_strstrip(g_strndup(target, open - target));
	list = g_strndup(open + 1, close - open - 1);
	columns = g_strsplit(list, ",", -1);
	g_string_append_printf(out, " ON CONFLICT ON CONSTRAINT %s_pkey "
	    "DO UPDATE SET ", table);
	for (i = 0; columns[i] != NULL; i++) {
		g_strstrip(columns[i]);
		g_string_append_printf(out, "%s%s = EXCLUDED.%s",
		    i > 0 ? ", " : "", columns[i], columns[i]);
	}
}

/*
 * The statement in PostgreSQL's words.  The conflict clause goes before
 * a RETURNING clause, which both engines read alike.
 */
char *
db_pg_dialect(const char *sql, int *nparams_r)
{
	static const char ignore[] = "INSERT OR IGNORE INTO ";
	static const char replace[] = "INSERT OR REPLACE INTO ";
	g_autofree char *body = NULL, *params = NULL;
	const char *returning;
	GString *out;
	gsize at;

	if (g_str_has_prefix(sql, ignore) || g_str_has_prefix(sql, replace)) {
		body = g_strconcat("INSERT INTO ", sql + (sql[10] == 'I' ?
		    sizeof ignore - 1 : sizeof replace - 1), NULL);
		params = db_pg_params(body, nparams_r);
		out = g_string_new(params);
		returning = strstr(params, " RETURNING ");
		at = returning != NULL ? (gsize)(returning - params) : out->len;
		g_string_truncate(out, at);
		if (sql[10] == 'I')
			g_string_append(out, " ON CONFLICT DO NOTHING");
		else
			db_pg_replace(out, sql + sizeof replace - 1);
		g_string_append(out, params + at);
		return g_string_free(out, FALSE);
	}
	return db_pg_params(sql, nparams_r);
}
#endif /* HAVE_LIBPQ */
