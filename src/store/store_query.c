/*
 * store_query.c: what an operator reads, never writes: outcomes listed
 * and filtered (rebound list), one address and its history (rebound
 * show), counts by class, reason, domain and day (rebound stats).
 */
#include "config.h"

#include <string.h>


#include "store.h"
#include "store_int.h"

/*
 * The columns list and show print, in struct store_outcome's order, then
 * the recipient a template names; the texts by their ids (sql/013-*.sql),
 * which store_outcome_row() reads once each per command (query_text()).
 */
#define STORE_OUTCOME_COLUMNS \
	"o.at, o.address, o.class, o.reason, o.status, o.replycode, " \
	"o.diagnostic_text, o.decided_text, m.list_text, m.source_text, " \
	"o.confidence, o.incident, m.bounce_address_text, o.node, " \
	"coalesce(o.recipient, o.address) " \
	"FROM outcomes o JOIN messages m ON m.id = o.message "

/*
 * stats: a month of outcomes is whole days, counted per day in table
 * (sql/004-*.sql) from day ?1 on, and the part of a day the bound cuts,
 * ?2 <= at < ?3, read from outcomes_by_time and counted ?4 each: +1 for
 * the end of the day before ?1, or -1 for the start of day ?1 when that
 * is the shorter part.  A key whose count comes to 0 is not there.
 */
#define STORE_STATS(select, table, key, raw, rest) \
	"SELECT " select ", sum(n) FROM (" \
	"SELECT " key ", n FROM " table " WHERE day >= ?1 " \
	"UNION ALL SELECT " raw ", ?4 FROM outcomes " \
	"WHERE at >= ?2 AND at < ?3) AS cut " rest

#define STORE_DOMAIN(address) \
	"substr(" address ", instr(" address ", '@') + 1)"

enum store_query_stmt {
	STORE_LIST,
	STORE_ADDRESS,
	STORE_ADDRESS_NOCASE,
	STORE_HISTORY,
	STORE_STATS_CLASS,
	STORE_STATS_REASON,
	STORE_STATS_DOMAIN,
	STORE_STATS_DAY,
	STORE_QUERY_NSTMT
};

static const char *const query_sql[STORE_QUERY_NSTMT] = {
	/*
	 * The time bound is a plain "o.at >= ?1" (the smallest time when
	 * --since is not given) rather than an IS NULL test: that lets
	 * SQLite walk outcomes_by_time backwards, which is also the order
	 * wanted, so --limit stops after N rows instead of sorting them all.
	 */
	[STORE_LIST] =
	    "SELECT " STORE_OUTCOME_COLUMNS
	    "WHERE o.at >= ?1 "
	    "AND (?2 IS NULL OR o.class = ?2) "
	    "AND (?3 IS NULL OR o.reason = ?3) "
	    "AND (?4 IS NULL OR lower(" STORE_DOMAIN("o.address") ") = ?4) "
	    "AND (?5 IS NULL OR m.list_text = "
	    "(SELECT id FROM texts WHERE text = ?5)) "
	    "ORDER BY o.at DESC, o.id DESC LIMIT ?6",
	[STORE_ADDRESS] =
	    "SELECT state, state_reason, hard, soft, complaints, first_seen, "
	    "last_seen FROM addresses WHERE address = ?1",
	/* Only after a miss: NOCASE cannot use the primary key, so it scans. */
	[STORE_ADDRESS_NOCASE] =
	    "SELECT address FROM addresses WHERE address = ?1 COLLATE NOCASE "
	    "LIMIT 1",
	[STORE_HISTORY] =
	    "SELECT " STORE_OUTCOME_COLUMNS
	    "WHERE o.address = ?1 ORDER BY o.at DESC, o.id DESC",
	[STORE_STATS_CLASS] = STORE_STATS("class", "outcomes_per_day",
	    "class", "class", "GROUP BY 1 HAVING sum(n) > 0 ORDER BY 2 DESC, 1"),
	[STORE_STATS_REASON] = STORE_STATS("reason", "outcomes_per_day",
	    "reason", "reason",
	    "GROUP BY 1 HAVING sum(n) > 0 ORDER BY 2 DESC, 1"),
	[STORE_STATS_DOMAIN] = STORE_STATS("domain", "domains_per_day",
	    "domain", STORE_DOMAIN("address"),
	    "GROUP BY 1 HAVING sum(n) > 0 ORDER BY 2 DESC, 1 LIMIT 20"),
	[STORE_STATS_DAY] = STORE_STATS("date(day * 86400, 'unixepoch')",
	    "outcomes_per_day", "day", "at / 86400",
	    "GROUP BY day HAVING sum(n) > 0 ORDER BY day"),
};

/* The groups of stats, in the order printed. */
static const struct {
	const char		*group;
	enum store_query_stmt		 stmt;
} store_stats_groups[] = {
	{ "class", STORE_STATS_CLASS },
	{ "reason", STORE_STATS_REASON },
	{ "domain", STORE_STATS_DOMAIN },
	{ "day", STORE_STATS_DAY },
};

/* The caller's fn, and the texts read so far: id -> text (NULL: none). */
struct query_rows {
	struct store_to	 to;
	struct store	*store;
	GHashTable	*texts;
};

/* The text of id, read from texts the first time. */
static const char *
query_text(struct query_rows *q, gint64 id)
{
	char *text;
	gpointer found;

	if (g_hash_table_lookup_extended(q->texts, &id, NULL, &found))
		return found;
	text = store_text_read(q->store, id);
	g_hash_table_insert(q->texts, g_memdup2(&id, sizeof id), text);
	return text;
}

/* The text column col names; NULL when it names none. */
static const char *
query_column_text(struct query_rows *q, struct db_stmt *st, int col)
{
	return db_column_null(st, col) ? NULL :
	    query_text(q, db_column_int64(st, col));
}

/*
 * A diagnostic or evidence (column col): a template's 0x01 made
 * recipient again, in *made_r to free; the text as it is else.
 */
static const char *
query_template(struct query_rows *q, struct db_stmt *st, int col,
    const char *recipient, char **made_r)
{
	gint64 v;
	const char *text;
	g_auto(GStrv) parts = NULL;

	*made_r = NULL;
	if (db_column_null(st, col))
		return NULL;
	v = db_column_int64(st, col);
	if ((text = query_text(q, v / 2)) == NULL || v % 2 == 0)
		return text;
	parts = g_strsplit(text, "\001", -1);
	return *made_r = g_strjoinv(recipient, parts);
}

/* A row (STORE_OUTCOME_COLUMNS), to the caller's fn. */
static int
store_outcome_row(struct db_stmt *st, void *arg)
{
	struct query_rows *q = arg;
	struct store_to *to = &q->to;
	struct store_outcome o;
	const char *recipient = store_column_text(st, 14);
	g_autofree char *diagnostic = NULL, *decided = NULL;

	o.at = db_column_int64(st, 0);
	o.address = store_column_text(st, 1);
	o.class = store_column_text(st, 2);
	o.reason = store_column_text(st, 3);
	o.status = store_column_text(st, 4);
	o.replycode = store_column_text(st, 5);
	o.diagnostic = query_template(q, st, 6, recipient, &diagnostic);
	o.decided = query_template(q, st, 7, recipient, &decided);
	o.list = query_column_text(q, st, 8);
	o.source = query_column_text(q, st, 9);
	o.confidence = store_column_text(st, 10);
	o.incident = db_column_int64(st, 11);
	o.bounce = query_column_text(q, st, 12);
	o.node = store_column_text(st, 13);
	to->fn.outcome(&o, to->data);
	return 1;
}

/* The outcomes sql gives (STORE_OUTCOME_COLUMNS), each to fn. */
static int
query_outcomes(struct store *s, const char *sql, const struct store_arg *args,
    size_t nargs, store_outcome_fn *fn, void *data, GError **error)
{
	struct query_rows q = {
		.to = { .fn.outcome = fn, .data = data }, .store = s,
		.texts = g_hash_table_new_full(g_int64_hash, g_int64_equal,
		    g_free, g_free),
	};
	int ok;

	ok = store_rows(s, sql, args, nargs, store_outcome_row, &q, error,
	    "reading outcomes");
	g_hash_table_destroy(q.texts);
	return ok;
}

/* Outcomes newest first, as f lets them by. */
int
store_list(struct store *s, const struct store_filter *f,
    store_outcome_fn *fn, void *data, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(f->since), STORE_TEXT(f->class), STORE_TEXT(f->reason),
		STORE_TEXT(f->domain), STORE_TEXT(f->list),
		STORE_LIMIT(f->limit),	/* -1: no limit */
	};

	return query_outcomes(s, query_sql[STORE_LIST], args,
	    G_N_ELEMENTS(args), fn, data, error);
}

/* The row of address: 1 found, 0 not there, -1 error. */
int
store_address(struct store *s, const char *address, struct store_address *r,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, query_sql[STORE_ADDRESS], error);
	int rc;

	memset(r, 0, sizeof *r);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, address);
	if ((rc = db_step(st)) == DB_ROW) {
		r->address = g_strdup(address);
		r->state = g_strdup(store_column_text(st, 0));
		r->state_reason = g_strdup(store_column_text(st, 1));
		r->hard = db_column_int64(st, 2);
		r->soft = db_column_int64(st, 3);
		r->complaints = db_column_int64(st, 4);
		r->first_seen = db_column_int64(st, 5);
		r->last_seen = db_column_int64(st, 6);
		store_done(st);
		return 1;
	}
	store_done(st);
	if (rc == DB_DONE)
		return 0;
	store_error(s, error, "reading");
	return -1;
}

void
store_address_clear(struct store_address *r)
{
	g_free(r->address);
	g_free(r->state);
	g_free(r->state_reason);
	memset(r, 0, sizeof *r);
}

/*
 * The local part is kept as reported (RFC 5321 lets it be
 * case-sensitive), so "alice@" misses "Alice@": the address that
 * differs only in case, or NULL.
 */
char *
store_address_near(struct store *s, const char *address)
{
	struct db_stmt *st = store_stmt(s, query_sql[STORE_ADDRESS_NOCASE], NULL);

	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, address);
	return store_first_text(st);
}

/* Every outcome of address, newest first. */
int
store_history(struct store *s, const char *address, store_outcome_fn *fn,
    void *data, GError **error)
{
	const struct store_arg args[] = { STORE_TEXT(address) };

	return query_outcomes(s, query_sql[STORE_HISTORY], STORE_ARGS(args),
	    fn, data, error);
}

/*
 * The bounds of STORE_STATS for outcomes since a time: from day 1 on
 * with the time before it (at / 86400 rounds towards zero, so day 0
 * holds the first day on either side of 1970) read outcome by outcome;
 * else from the day the time cuts, less its start, or from the next
 * day, plus the end of the day cut: whichever part is shorter.
 */
static void
store_stats_bind(struct db_stmt *st, gint64 since)
{
	gint64 day = since / 86400, into = since % 86400;

	if (since < 86400 || into >= 86400 / 2) {
		day = since < 86400 ? 1 : day + (into != 0);
		db_bind_int64(st, 1, day);
		db_bind_int64(st, 2, since);
		db_bind_int64(st, 3, day * 86400);
		db_bind_int(st, 4, 1);
	} else {
		db_bind_int64(st, 1, day);
		db_bind_int64(st, 2, day * 86400);
		db_bind_int64(st, 3, since);
		db_bind_int(st, 4, -1);
	}
}

/*
 * Outcomes since a time (G_MININT64: all) counted by class, by reason,
 * by domain (the 20 with most) and by day, in that order, each most
 * first (days in order).
 */
int
store_stats(struct store *s, gint64 since, store_count_fn *fn, void *data,
    GError **error)
{
	struct db_stmt *st;
	guint i;
	int rc;

	for (i = 0; i < G_N_ELEMENTS(store_stats_groups); i++) {
		if ((st = store_stmt(s, query_sql[store_stats_groups[i].stmt],
		    error)) == NULL)
			return 0;
		store_stats_bind(st, since);
		while ((rc = db_step(st)) == DB_ROW)
			fn(store_stats_groups[i].group,
			    store_column_text(st, 0),
			    db_column_int64(st, 1), data);
		if (!store_rows_end(s, st, rc, error, "reading"))
			return 0;
	}
	return 1;
}
