/*
 * cmd_query.c: "rebound list", "rebound show ADDRESS" and "rebound
 * stats": questions to the database, which is opened read-only.
 *
 * list prints outcomes newest first, narrowed by optional filters that
 * all go into one prepared statement; show prints what the policy made
 * of one address and every outcome behind it, with its evidence; stats
 * counts outcomes by class, reason, receiving domain and day.  Rows go
 * through output.c, so every command speaks table, plain, csv and json.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cli.h"
#include "explain.h"
#include "json.h"
#include "output.h"

/* The classes classify.c gives an outcome. */
static const char *const query_classes[] = {
	"hard", "soft", "complaint", "delay", "sender", "delivered",
	"vacation", NULL
};

static const char *const query_formats[] = {
	"table", "plain", "csv", "json", NULL
};

#define QUERY_SINCE_FORMS \
	"use a duration such as 30m, 12h, 7d or 2w, or a date YYYY-MM-DD (UTC)"

/*
 * Refuse an unknown --format before the database is opened: output_new()
 * would say the same, but only once a csv header could be on stdout.
 */
static int
query_format(const char *cmd, const char *format)
{
	if (format == NULL || g_strv_contains(query_formats, format))
		return 1;
	g_printerr("rebound %s: unknown format '%s' (use table, plain, csv or "
	    "json)\n", cmd, format);
	return 0;
}

/* --since SPEC as a Unix time; without SPEC, the beginning of time. */
static int
query_since(const char *cmd, const char *spec, gint64 *cutoff_r)
{
	*cutoff_r = G_MININT64;
	if (spec == NULL || cli_since(spec, g_get_real_time() / G_USEC_PER_SEC,
	    cutoff_r))
		return 1;
	g_printerr("rebound %s: --since '%s' is not a time: " QUERY_SINCE_FORMS
	    "\n", cmd, spec);
	return 0;
}

/* Any positional argument beyond the wanted ones is a usage error. */
static int
query_args(const char *cmd, int argc, char **argv, int wanted)
{
	if (argc == wanted + 1)
		return 1;
	if (argc <= wanted)
		g_printerr("rebound %s: missing argument (see --help)\n", cmd);
	else
		g_printerr("rebound %s: unexpected argument '%s' "
		    "(see --help)\n", cmd, argv[wanted + 1]);
	return 0;
}

static int
query_prepare(const char *cmd, struct store *s, const char *sql,
    sqlite3_stmt **st)
{
	g_autoptr(GError) error = NULL;

	if (sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) == SQLITE_OK)
		return 1;
	store_error(s, &error, "preparing a query");
	g_printerr("rebound %s: %s\n", cmd, error->message);
	return 0;
}

/* Report a failed sqlite3_step(); the exit status of a database error. */
static int
query_failed(const char *cmd, struct store *s)
{
	g_autoptr(GError) error = NULL;

	store_error(s, &error, "reading");
	g_printerr("rebound %s: %s\n", cmd, error->message);
	return CLI_EXIT_DB;
}

static const char *
query_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Bind a filter's value, or NULL so that "?N IS NULL" lets every row by. */
static void
query_bind(sqlite3_stmt *st, int i, const char *value)
{
	if (value == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, value, -1, SQLITE_TRANSIENT);
}

/*
 * list.  The time bound is a plain "o.at >= ?1" (the smallest time when
 * --since is not given) rather than an IS NULL test: that lets SQLite
 * walk outcomes_by_time backwards, which is also the order wanted, so
 * --limit stops after N rows instead of sorting them all.
 */
#define SQL_LIST \
	"SELECT o.at, o.address, o.class, o.reason, o.status, o.replycode, " \
	"m.list, o.diagnostic " \
	"FROM outcomes o JOIN messages m ON m.id = o.message " \
	"WHERE o.at >= ?1 " \
	"AND (?2 IS NULL OR o.class = ?2) " \
	"AND (?3 IS NULL OR o.reason = ?3) " \
	"AND (?4 IS NULL OR " \
	"lower(substr(o.address, instr(o.address, '@') + 1)) = ?4) " \
	"AND (?5 IS NULL OR m.list = ?5) " \
	"ORDER BY o.at DESC, o.id DESC LIMIT ?6"

struct list_filter {
	char	*since;
	char	*class;
	char	*reason;
	char	*domain;
	char	*list;
	int	 limit;
};

static void
list_filter_clear(struct list_filter *f)
{
	g_free(f->since);
	g_free(f->class);
	g_free(f->reason);
	g_free(f->domain);
	g_free(f->list);
}

static int
list_check(struct list_filter *f, gint64 *cutoff_r)
{
	if (!query_since("list", f->since, cutoff_r))
		return 0;
	if (f->class != NULL && !g_strv_contains(query_classes, f->class)) {
		g_printerr("rebound list: unknown class '%s' (use hard, soft, "
		    "complaint, delay, sender, delivered or vacation)\n",
		    f->class);
		return 0;
	}
	/* G_MININT stands for "not given": a negative count is an error. */
	if (f->limit == G_MININT)
		f->limit = -1;
	else if (f->limit < 0) {
		g_printerr("rebound list: --limit %d is negative\n", f->limit);
		return 0;
	}
	return 1;
}

static void
list_bind(sqlite3_stmt *st, const struct list_filter *f, gint64 cutoff)
{
	/* Domains are stored lower-cased (addr.c), in UTF-8 as well. */
	g_autofree char *domain = f->domain ? g_utf8_strdown(f->domain, -1) :
	    NULL;

	sqlite3_bind_int64(st, 1, cutoff);
	query_bind(st, 2, f->class);
	query_bind(st, 3, f->reason);
	query_bind(st, 4, domain);
	query_bind(st, 5, f->list);
	sqlite3_bind_int(st, 6, f->limit);	/* -1: no limit */
}

static int
list_run(struct store *s, const char *format, const struct list_filter *f,
    gint64 cutoff)
{
	static const char *const columns[] = { "time", "address", "class",
	    "reason", "status", "#replycode", "list", "diagnostic", NULL };
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *st;
	struct output *out;
	int rc;

	if (!query_prepare("list", s, SQL_LIST, &st))
		return CLI_EXIT_DB;
	list_bind(st, f, cutoff);
	if ((out = output_new(format, columns, &error)) == NULL) {
		g_printerr("rebound list: %s\n", error->message);
		sqlite3_finalize(st);
		return CLI_EXIT_USAGE;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_autofree char *time = cli_time(sqlite3_column_int64(st, 0));
		const char *row[] = { time, query_text(st, 1),
		    query_text(st, 2), query_text(st, 3), query_text(st, 4),
		    query_text(st, 5), query_text(st, 6), query_text(st, 7),
		    NULL };

		output_row(out, row);
	}
	output_finish(&out);
	if (rc != SQLITE_DONE)
		rc = query_failed("list", s);
	else
		rc = CLI_EXIT_OK;
	sqlite3_finalize(st);
	return rc;
}

int
cmd_list(int argc, char **argv)
{
	struct cli_db d = { 0 };
	struct list_filter f = { .limit = G_MININT };
	GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &f.since,
		  "Only outcomes since WHEN: 7d, 12h, 30m, 2w ago or a date "
		  "YYYY-MM-DD (default: all)", "WHEN" },
		{ "class", 'C', 0, G_OPTION_ARG_STRING, &f.class,
		  "Only this class: hard, soft, complaint, delay, sender, "
		  "delivered or vacation", "CLASS" },
		{ "reason", 'r', 0, G_OPTION_ARG_STRING, &f.reason,
		  "Only this reason (userunknown, mailboxfull, ...)",
		  "REASON" },
		{ "domain", 'D', 0, G_OPTION_ARG_STRING, &f.domain,
		  "Only addresses at this domain (any case)", "DOMAIN" },
		{ "list", 'l', 0, G_OPTION_ARG_STRING, &f.list,
		  "Only bounces of mail from this list", "LIST" },
		{ "limit", 'n', 0, G_OPTION_ARG_INT, &f.limit,
		  "At most N outcomes (default: all)", "N" },
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct store *s = NULL;
	gint64 cutoff;
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, "- recorded outcomes, newest first",
	    "Prints one row per recorded outcome: time (UTC), address, class,\n"
	    "reason, status, reply code, list and diagnostic.  The filters\n"
	    "combine: every one given must match.", entries) ||
	    !query_args("list", argc, argv, 0) ||
	    !query_format("list", d.format) || !list_check(&f, &cutoff))
		goto done;
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	rc = list_run(s, d.format, &f, cutoff);
done:
	store_close(&s);
	list_filter_clear(&f);
	cli_db_clear(&d);
	return rc;
}

/*
 * show.  The addresses table holds what the policy decided (kept
 * current by store.c); the history is every outcome, newest first.
 */
#define SQL_SHOW_ADDRESS \
	"SELECT state, state_reason, hard, soft, complaints, first_seen, " \
	"last_seen FROM addresses WHERE address = ?1"
#define SQL_SHOW_HISTORY \
	"SELECT o.at, o.class, o.reason, o.status, o.replycode, " \
	"o.diagnostic, o.decided, m.list, m.source " \
	"FROM outcomes o JOIN messages m ON m.id = o.message " \
	"WHERE o.address = ?1 ORDER BY o.at DESC, o.id DESC"
/* Only after a miss: NOCASE cannot use the primary key, so it scans. */
#define SQL_SHOW_NOCASE \
	"SELECT address FROM addresses WHERE address = ?1 COLLATE NOCASE " \
	"LIMIT 1"

struct show {
	struct store	*store;
	const char	*format;
	char		*address;
	char		*state;
	char		*state_reason;
	gint64		 hard, soft, complaints;
	gint64		 first_seen, last_seen;
};

static void
show_clear(struct show *sh)
{
	g_free(sh->address);
	g_free(sh->state);
	g_free(sh->state_reason);
}

/* Read the address's row: 1 found, 0 not there, -1 database error. */
static int
show_address(struct show *sh)
{
	sqlite3_stmt *st;
	int rc;

	if (!query_prepare("show", sh->store, SQL_SHOW_ADDRESS, &st))
		return -1;
	sqlite3_bind_text(st, 1, sh->address, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sh->state = g_strdup(query_text(st, 0));
		sh->state_reason = g_strdup(query_text(st, 1));
		sh->hard = sqlite3_column_int64(st, 2);
		sh->soft = sqlite3_column_int64(st, 3);
		sh->complaints = sqlite3_column_int64(st, 4);
		sh->first_seen = sqlite3_column_int64(st, 5);
		sh->last_seen = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	query_failed("show", sh->store);
	return -1;
}

/* A stored value for a terminal: control characters become spaces. */
static char *
show_clean(const char *v)
{
	char *s = g_strdup(v ? v : ""), *p;

	for (p = s; *p != '\0'; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

static void
show_summary(const struct show *sh)
{
	g_autofree char *address = show_clean(sh->address);
	g_autofree char *reason = show_clean(sh->state_reason);
	g_autofree char *first = cli_time(sh->first_seen);
	g_autofree char *last = cli_time(sh->last_seen);

	printf("address: %s\n", address);
	if (*reason != '\0')
		printf("state: %s (%s)\n", sh->state, reason);
	else
		printf("state: %s\n", sh->state);
	printf("hard: %" G_GINT64_FORMAT "  soft: %" G_GINT64_FORMAT
	    "  complaints: %" G_GINT64_FORMAT "  first seen: %s  last seen: %s"
	    "\n\n", sh->hard, sh->soft, sh->complaints, first, last);
}

/*
 * The history through output.c.  csv is for programs: no summary, and
 * an address column first so that rows of several runs can be joined.
 */
static int
show_rows(struct show *sh, sqlite3_stmt *st)
{
	static const char *const columns[] = { "address", "time", "class",
	    "reason", "status", "#replycode", "meaning", "diagnostic",
	    "decided", "list", "source", NULL };
	int csv = sh->format != NULL && strcmp(sh->format, "csv") == 0;
	g_autoptr(GError) error = NULL;
	struct output *out;
	int rc;

	if ((out = output_new(sh->format, columns + !csv, &error)) == NULL) {
		g_printerr("rebound show: %s\n", error->message);
		return CLI_EXIT_USAGE;
	}
	if (!csv)
		show_summary(sh);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_autofree char *time = cli_time(sqlite3_column_int64(st, 0));
		g_autofree char *meaning = explain_brief(query_text(st, 3),
		    sqlite3_column_int(st, 4));
		const char *row[] = { sh->address, time, query_text(st, 1),
		    query_text(st, 2), query_text(st, 3), query_text(st, 4),
		    meaning, query_text(st, 5), query_text(st, 6),
		    query_text(st, 7), query_text(st, 8), NULL };

		output_row(out, row + !csv);
	}
	output_finish(&out);
	if (rc != SQLITE_DONE)
		return query_failed("show", sh->store);
	return CLI_EXIT_OK;
}

static void
show_json_outcome(GString *j, sqlite3_stmt *st)
{
	g_autofree char *time = cli_time(sqlite3_column_int64(st, 0));
	g_autofree char *meaning = explain_brief(query_text(st, 3),
	    sqlite3_column_int(st, 4));

	json_member(j, "time", time);
	json_member(j, "class", query_text(st, 1));
	json_member(j, "reason", query_text(st, 2));
	json_member(j, "status", query_text(st, 3));
	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		json_member(j, "replycode", NULL);
	else
		json_member_int(j, "replycode", sqlite3_column_int64(st, 4));
	json_member(j, "meaning", meaning);
	json_member(j, "diagnostic", query_text(st, 5));
	json_member(j, "decided", query_text(st, 6));
	json_member(j, "list", query_text(st, 7));
	json_member(j, "source", query_text(st, 8));
}

/* One object, the history an array in it: built whole, then printed. */
static int
show_json(struct show *sh, sqlite3_stmt *st)
{
	g_autofree char *first = cli_time(sh->first_seen);
	g_autofree char *last = cli_time(sh->last_seen);
	GString *j = g_string_new("{");
	int rc, n = 0;

	json_member(j, "address", sh->address);
	json_member(j, "state", sh->state);
	json_member(j, "state_reason", sh->state_reason);
	json_member_int(j, "hard", sh->hard);
	json_member_int(j, "soft", sh->soft);
	json_member_int(j, "complaints", sh->complaints);
	json_member(j, "first_seen", first);
	json_member(j, "last_seen", last);
	g_string_append(j, ",\"history\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_string_append(j, n++ == 0 ? "\n{" : ",\n{");
		show_json_outcome(j, st);
		g_string_append_c(j, '}');
	}
	g_string_append(j, n > 0 ? "\n]}\n" : "]}\n");
	if (rc == SQLITE_DONE)
		fwrite(j->str, 1, j->len, stdout);
	g_string_free(j, TRUE);
	if (rc != SQLITE_DONE)
		return query_failed("show", sh->store);
	return CLI_EXIT_OK;
}

/*
 * The local part is kept as reported (RFC 5321 lets it be
 * case-sensitive), so "alice@" misses "Alice@": name the near miss.
 */
static void
show_missing(struct show *sh)
{
	g_autofree char *address = show_clean(sh->address);
	g_autofree char *near = NULL;
	sqlite3_stmt *st;

	if (query_prepare("show", sh->store, SQL_SHOW_NOCASE, &st)) {
		sqlite3_bind_text(st, 1, sh->address, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			near = show_clean(query_text(st, 0));
		sqlite3_finalize(st);
	}
	if (near != NULL)
		g_printerr("rebound show: no outcomes for %s (did you mean "
		    "%s? the part before the @ must match exactly)\n", address,
		    near);
	else
		g_printerr("rebound show: no outcomes for %s\n", address);
}

static int
show_run(struct show *sh)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = show_address(sh)) < 0)
		return CLI_EXIT_DB;
	if (rc == 0) {
		show_missing(sh);
		return CLI_EXIT_INPUT;
	}
	if (!query_prepare("show", sh->store, SQL_SHOW_HISTORY, &st))
		return CLI_EXIT_DB;
	sqlite3_bind_text(st, 1, sh->address, -1, SQLITE_STATIC);
	if (sh->format != NULL && strcmp(sh->format, "json") == 0)
		rc = show_json(sh, st);
	else
		rc = show_rows(sh, st);
	sqlite3_finalize(st);
	return rc;
}

int
cmd_show(int argc, char **argv)
{
	struct cli_db d = { 0 };
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct show sh = { 0 };
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, "ADDRESS - one address and its history",
	    "Prints the address's state (alive, dead or complained, and why),\n"
	    "its counts, then every outcome recorded for it, newest first,\n"
	    "with the evidence that decided each.  The domain of ADDRESS may\n"
	    "be in any case; the local part must match.", entries) ||
	    !query_args("show", argc, argv, 1) ||
	    !query_format("show", d.format))
		goto done;
	if ((sh.address = addr_normalise(argv[1])) == NULL) {
		g_printerr("rebound show: empty ADDRESS\n");
		goto done;
	}
	if ((sh.store = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	sh.format = d.format;
	rc = show_run(&sh);
done:
	store_close(&sh.store);
	show_clear(&sh);
	cli_db_clear(&d);
	return rc;
}

/*
 * stats: one GROUP BY per group.  With --since, "at >= ?1" lets SQLite
 * read only that part of outcomes_by_time.  Without it there is no WHERE
 * at all: a bound from the beginning of time would still make SQLite
 * walk the index and fetch every row through it: slower than reading
 * the table, up to three times when rows were not recorded in time
 * order (as an import of old mail does).
 */
#define SQL_STATS_WHERE	" WHERE at >= ?1"

static const struct {
	const char	*group;
	const char	*select;	/* key, count */
	const char	*rest;		/* after the WHERE */
} stats_groups[] = {
	{ "class", "SELECT class, count(*) FROM outcomes",
	  " GROUP BY 1 ORDER BY 2 DESC, 1" },
	{ "reason", "SELECT reason, count(*) FROM outcomes",
	  " GROUP BY 1 ORDER BY 2 DESC, 1" },
	{ "domain", "SELECT substr(address, instr(address, '@') + 1), "
	  "count(*) FROM outcomes", " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20" },
	/* By day number: at alone is in outcomes_by_time, a covering index. */
	{ "day", "SELECT date(at / 86400 * 86400, 'unixepoch'), count(*) "
	  "FROM outcomes", " GROUP BY at / 86400 ORDER BY at / 86400" },
};

static int
stats_group(struct store *s, struct output *out, guint i,
    const char *since, gint64 cutoff)
{
	g_autofree char *sql = g_strconcat(stats_groups[i].select,
	    since ? SQL_STATS_WHERE : "", stats_groups[i].rest, NULL);
	sqlite3_stmt *st;
	int rc;

	if (!query_prepare("stats", s, sql, &st))
		return 0;
	if (since != NULL)
		sqlite3_bind_int64(st, 1, cutoff);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row[] = { stats_groups[i].group, query_text(st, 0),
		    query_text(st, 1), NULL };

		output_row(out, row);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 1;
	query_failed("stats", s);
	return 0;
}

static int
stats_run(struct store *s, const char *format, const char *since,
    gint64 cutoff)
{
	static const char *const columns[] = { "group", "key", "#count", NULL };
	g_autoptr(GError) error = NULL;
	struct output *out;
	guint i;
	int ok = 1;

	if ((out = output_new(format, columns, &error)) == NULL) {
		g_printerr("rebound stats: %s\n", error->message);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < G_N_ELEMENTS(stats_groups) && ok; i++)
		ok = stats_group(s, out, i, since,
		    cutoff);
	output_finish(&out);
	return ok ? CLI_EXIT_OK : CLI_EXIT_DB;
}

int
cmd_stats(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autofree char *since = NULL;
	GOptionEntry entries[] = {
		{ "since", 's', 0, G_OPTION_ARG_STRING, &since,
		  "Only outcomes since WHEN: 7d, 12h, 30m, 2w ago or a date "
		  "YYYY-MM-DD (default: all)", "WHEN" },
		CLI_DB_ENTRIES(&d),
		CLI_FORMAT_ENTRY(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	struct store *s = NULL;
	gint64 cutoff;
	int rc = CLI_EXIT_USAGE;

	if (!cli_options(&argc, &argv, "- outcomes counted",
	    "Counts outcomes by class, by reason, by receiving domain (the 20\n"
	    "with most outcomes) and by day (UTC), one row each: group, key,\n"
	    "count.", entries) ||
	    !query_args("stats", argc, argv, 0) ||
	    !query_format("stats", d.format) ||
	    !query_since("stats", since, &cutoff))
		goto done;
	if ((s = cli_store(&d, STORE_READ)) == NULL) {
		rc = CLI_EXIT_DB;
		goto done;
	}
	rc = stats_run(s, d.format, since, cutoff);
done:
	store_close(&s);
	cli_db_clear(&d);
	return rc;
}
