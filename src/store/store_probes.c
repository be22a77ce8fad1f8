/*
 * store_probes.c: the probes' rows (sql/011-probes.sql), part of the
 * store module, on the store's connection with statements of its own.
 *
 * A bounce to a probe's return path is checked here, inside the batch
 * that records it: its token must verify, under [probe] secret, for the
 * address the bounce names, and name a probe still waiting for its
 * answer.  Then the outcome counts as that probe's (outcomes.probe) and
 * a hard one decides it (store_record.c makes the address dead);
 * otherwise the bounce is a forgery: a row of probe_forged, a warning,
 * and nothing else.  A probe whose wait runs out is decided here too, and its
 * address replayed, in one transaction: alive again, with why.
 */
#include "config.h"

#include <string.h>

#include "store_int.h"

enum probes_stmt {
	PROBES_GET,
	PROBES_BOUNCED,
	PROBES_FORGED,
	PROBES_DROP_STALE,
	PROBES_MAKE,
	PROBES_DUE,
	PROBES_SENT,
	PROBES_RETRY,
	PROBES_SENT_SINCE,
	PROBES_RUN_OUT,
	PROBES_EXPIRE,
	PROBES_LAST,
	PROBES_COUNTS,
	PROBES_FORGED_OF,
	PROBES_NSTMT
};

/* The columns of struct store_probe, in its order. */
#define PROBES_COLUMNS \
	"id, address, created, state, attempts, sent, decided, why, " \
	"last_error, list FROM probes "

static const char *const probes_sql[PROBES_NSTMT] = {
	[PROBES_GET] =
	    "SELECT address, created, state FROM probes WHERE id = ?1",
	[PROBES_BOUNCED] =
	    "UPDATE probes SET state = 'bounced', decided = ?2, why = ?3 "
	    "WHERE id = ?1 AND state IN ('waiting', 'sent')",
	[PROBES_FORGED] =
	    "INSERT INTO probe_forged (time, address, token, why, digest) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	/* A probe not sent yet whose address no longer waits for it. */
	[PROBES_DROP_STALE] =
	    "DELETE FROM probes WHERE state = 'waiting' AND NOT EXISTS ("
	    "SELECT 1 FROM addresses a WHERE a.address = probes.address "
	    "AND a.state = 'probing')",
	/*
	 * One probe per address per wait, and one open at a time; none for
	 * an address that bounced within ?3 seconds (the guard's window):
	 * an incident found meanwhile holds its bounces, and it is no longer
	 * probing.
	 */
	[PROBES_MAKE] =
	    "INSERT INTO probes (address, list, created, next_try) "
	    "SELECT a.address, (SELECT " STORE_TEXT_OF("m.list_text") " "
	    "FROM outcomes o JOIN messages m "
	    "ON m.id = o.message WHERE o.address = a.address "
	    "ORDER BY o.at DESC, o.id DESC LIMIT 1), ?1, ?1 FROM addresses a "
	    "WHERE a.state = 'probing' AND a.last_seen <= ?1 - ?3 "
	    "AND NOT EXISTS (SELECT 1 FROM probes p "
	    "WHERE p.address = a.address AND (p.state IN ('waiting', 'sent') "
	    "OR p.created > ?1 - ?2)) ORDER BY a.last_seen",
	[PROBES_DUE] =
	    "SELECT " PROBES_COLUMNS "WHERE state = 'waiting' "
	    "AND next_try <= ?1 ORDER BY id LIMIT ?2",
	[PROBES_SENT] =
	    "UPDATE probes SET state = 'sent', sent = ?2, "
	    "attempts = attempts + 1, last_error = NULL "
	    "WHERE id = ?1 AND state = 'waiting'",
	[PROBES_RETRY] =
	    "UPDATE probes SET attempts = attempts + 1, next_try = ?2, "
	    "last_error = ?3 WHERE id = ?1 AND state = 'waiting'",
	[PROBES_SENT_SINCE] =
	    "SELECT count(*) FROM probes WHERE sent >= ?1",
	[PROBES_RUN_OUT] =
	    "SELECT " PROBES_COLUMNS "WHERE state = 'sent' AND sent <= ?1 "
	    "ORDER BY id",
	[PROBES_EXPIRE] =
	    "UPDATE probes SET state = 'expired', decided = ?2, why = ?3 "
	    "WHERE id = ?1 AND state = 'sent'",
	[PROBES_LAST] =
	    "SELECT " PROBES_COLUMNS "WHERE address = ?1 "
	    "ORDER BY id DESC LIMIT 1",
	[PROBES_COUNTS] =
	    "SELECT coalesce(sum(state = 'waiting'), 0), "
	    "coalesce(sum(sent IS NOT NULL), 0), "
	    "coalesce(sum(state = 'bounced'), 0), "
	    "coalesce(sum(state = 'expired'), 0), "
	    "(SELECT count(*) FROM probe_forged) FROM probes",
	[PROBES_FORGED_OF] =
	    "SELECT count(*) FROM probe_forged WHERE address = ?1",
};

struct store_probes {
	char		*secret;		/* [probe] secret, or NULL */
	guint64		 forged;		/* since open */
};

static void *
probes_new(void)
{
	return g_new0(struct store_probes, 1);
}

static void
probes_free(gpointer data)
{
	struct store_probes *p = data;

	g_free(p->secret);
	g_free(p);
}

/*
 * This file's part of the store, made on first use: without a secret
 * until store_set_probe(), no bounce is verified.
 */
static struct store_probes *
probes_of(struct store *s)
{
	return store_part(s, STORE_PART_PROBES, probes_new, probes_free);
}

/* Between transactions only (SIGHUP), like store_set_policy(). */
void
store_set_probe(struct store *s, const struct probe_conf *c)
{
	struct store_probes *p = probes_of(s);

	g_free(p->secret);
	p->secret = g_strdup(c->secret);
}

guint64
store_probe_forged_count(struct store *s)
{
	return probes_of(s)->forged;
}

/*
 * What a bounce to token that names address named proves (enum
 * probe_check), -1 on an error; verified, the probe and the address as
 * it was probed.
 */
int
store_probe_check(struct store *s, const char *token, const char *named,
    gint64 *probe_r, char **address_r, GError **error)
{
	const char *secret = probes_of(s)->secret;
	struct db_stmt *st = store_stmt(s, probes_sql[PROBES_GET], error);
	g_autofree char *address = NULL, *state = NULL;
	gint64 id, t, created = -1;
	int rc;

	if (st == NULL)
		return -1;
	if (!probe_token_parse(token, &id, &t))
		return PROBE_FORGED_BAD;
	db_bind_int64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		address = g_strdup(store_column_text(st, 0));
		created = db_column_int64(st, 1);
		state = g_strdup(store_column_text(st, 2));
	}
	if (!store_rows_end(s, st, rc == DB_ROW ? DB_DONE : rc, error,
	    "reading a probe"))
		return -1;
	if (!probe_token_verify(secret, token, named))
		return address != NULL && probe_token_verify(secret, token,
		    address) ? PROBE_FORGED_OTHER : PROBE_FORGED_BAD;
	/* Its own, but forgotten, decided alive, or not this probe's. */
	if (address == NULL || created != t || strcmp(state, "expired") == 0 ||
	    g_ascii_strcasecmp(address, named) != 0)
		return PROBE_FORGED_EXPIRED;
	*probe_r = id;
	*address_r = g_steal_pointer(&address);
	return PROBE_VERIFIED;
}

/* The probe's hard bounce came (outcome): it is decided. */
int
store_probe_bounced(struct store *s, gint64 probe, gint64 outcome, gint64 at,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, probes_sql[PROBES_BOUNCED], error);
	g_autofree char *why = g_strdup_printf("its bounce, outcome %"
	    G_GINT64_FORMAT, outcome);

	if (st == NULL)
		return 0;
	db_bind_int64(st, 1, probe);
	db_bind_int64(st, 2, at);
	db_bind_text(st, 3, why);
	if (!store_step(s, st, error, "deciding a probe"))
		return 0;
	if (db_changes(s->db) > 0)
		g_info("probe %" G_GINT64_FORMAT ": bounced: its address is "
		    "dead", probe);
	return 1;
}

/* A bounce to a probe's return path whose token failed: kept aside. */
int
store_probe_forged(struct store *s, const struct store_meta *m,
    const char *named, int check, GError **error)
{
	struct db_stmt *st = store_stmt(s, probes_sql[PROBES_FORGED], error);
	const char *why = probe_check_name(check);

	if (st == NULL)
		return 0;
	db_bind_int64(st, 1, m->received);
	db_bind_text(st, 2, named);
	db_bind_text(st, 3, m->probe_token);
	db_bind_text(st, 4, why);
	db_bind_text(st, 5, m->digest);
	if (!store_step(s, st, error, "recording a forged bounce"))
		return 0;
	probes_of(s)->forged++;
	g_warning("probe: forged bounce for %s to token %s (msg %.12s): %s; "
	    "recorded, not counted", named, m->probe_token, m->digest, why);
	return 1;
}

/* One row (PROBES_COLUMNS), to the caller's fn. */
static int
probes_row(struct db_stmt *st, void *arg)
{
	struct store_to *to = arg;
	struct store_probe p;

	p.id = db_column_int64(st, 0);
	p.address = store_column_text(st, 1);
	p.created = db_column_int64(st, 2);
	p.state = store_column_text(st, 3);
	p.attempts = db_column_int(st, 4);
	p.sent = db_column_int64(st, 5);
	p.decided = db_column_int64(st, 6);
	p.why = store_column_text(st, 7);
	p.last_error = store_column_text(st, 8);
	p.list = store_column_text(st, 9);
	return to->fn.probe(&p, to->data);
}

/* Each row of sql with args (PROBES_COLUMNS) to fn, until it returns 0. */
static int
probes_rows(struct store *s, const char *sql, const struct store_arg *args,
    size_t n, store_probe_fn *fn, void *data, GError **error)
{
	struct store_to to = { .fn.probe = fn, .data = data };

	return store_rows(s, sql, args, n, probes_row, &to, error,
	    "reading probes");
}

/*
 * A probe (waiting) for each probing address that needs one and has not
 * bounced for delay seconds; a waiting one whose address no longer
 * waits for it goes.  *made_r: how many.
 */
int
store_probe_make(struct store *s, gint64 now, int wait, gint64 delay,
    guint *made_r, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(now), STORE_INT(wait), STORE_INT(delay)
	};

	*made_r = 0;
	if (!store_run(s, probes_sql[PROBES_DROP_STALE], NULL, 0, error,
	    "dropping stale probes") ||
	    !store_run(s, probes_sql[PROBES_MAKE], STORE_ARGS(args), error,
	    "recording probes"))
		return 0;
	*made_r = (guint)db_changes(s->db);
	return 1;
}

/* The waiting probes due at now, oldest first, at most limit. */
int
store_probe_due(struct store *s, gint64 now, int limit, store_probe_fn *fn,
    void *data, GError **error)
{
	const struct store_arg args[] = { STORE_INT(now), STORE_LIMIT(limit) };

	return probes_rows(s, probes_sql[PROBES_DUE], STORE_ARGS(args), fn,
	    data, error);
}

static int
probes_update(struct store *s, enum probes_stmt i, gint64 id, gint64 t,
    const char *text, GError **error)
{
	struct db_stmt *st = store_stmt(s, probes_sql[i], error);

	if (st == NULL)
		return 0;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, t);
	if (text != NULL)
		db_bind_text(st, 3, text);
	return store_step(s, st, error, "updating a probe");
}

int
store_probe_sent(struct store *s, gint64 id, gint64 now, GError **error)
{
	return probes_update(s, PROBES_SENT, id, now, NULL, error);
}

int
store_probe_retry(struct store *s, gint64 id, gint64 next_try,
    const char *why, GError **error)
{
	return probes_update(s, PROBES_RETRY, id, next_try, why, error);
}

/* How many probes the relay took since a time. */
int
store_probe_sent_since(struct store *s, gint64 since, gint64 *n_r,
    GError **error)
{
	const struct store_arg args[] = { STORE_INT(since) };

	return store_number(s, probes_sql[PROBES_SENT_SINCE], STORE_ARGS(args),
	    n_r, error, "counting probes");
}

static int
probes_collect(const struct store_probe *p, void *data)
{
	struct store_probe *copy = g_new0(struct store_probe, 1);

	copy->id = p->id;
	copy->address = g_strdup(p->address);
	copy->sent = p->sent;
	g_ptr_array_add(data, copy);
	return 1;
}

static void
probes_collected_free(gpointer data)
{
	struct store_probe *p = data;

	g_free((char *)p->address);
	g_free((char *)p->why);
	g_free(p);
}

/* Decide probe p: no bounce within wait, so its address is alive. */
static int
probes_expire_one(struct store *s, struct store_probe *p, gint64 now,
    int wait, GError **error)
{
	char sent[32];
	GDateTime *dt = g_date_time_new_from_unix_utc(p->sent);
	g_autofree char *when = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	g_autofree char *why = NULL;

	g_date_time_unref(dt);
	g_snprintf(sent, sizeof sent, "%s UTC", when);
	why = g_strdup_printf("probe %" G_GINT64_FORMAT " sent %s had no "
	    "bounce within %d s: alive", p->id, sent, wait);
	p->why = g_strdup(why);
	return probes_update(s, PROBES_EXPIRE, p->id, now, why, error) &&
	    store_replay(s, p->address, why, error);
}

/*
 * The probes sent wait seconds or more before now: decided in one
 * transaction, each address replayed (alive again); then each to fn.
 */
int
store_probe_expire(struct store *s, gint64 now, int wait, store_probe_fn *fn,
    void *data, GError **error)
{
	const struct store_arg args[] = { STORE_INT(now - wait) };
	g_autoptr(GPtrArray) run_out = g_ptr_array_new_with_free_func(
	    probes_collected_free);
	guint i;

	if (!probes_rows(s, probes_sql[PROBES_RUN_OUT], STORE_ARGS(args),
	    probes_collect, run_out, error))
		return 0;
	if (run_out->len == 0)
		return 1;
	if (!store_begin(s, error))
		return 0;
	for (i = 0; i < run_out->len; i++)
		if (!probes_expire_one(s, run_out->pdata[i], now, wait, error)) {
			store_rollback(s);
			return 0;
		}
	if (!store_commit(s, error))
		return 0;
	for (i = 0; i < run_out->len; i++)
		fn(run_out->pdata[i], data);
	return 1;
}

/* The newest probe of address, if it has one, to fn. */
int
store_probe_last(struct store *s, const char *address, store_probe_fn *fn,
    void *data, GError **error)
{
	const struct store_arg args[] = { STORE_TEXT(address) };

	return probes_rows(s, probes_sql[PROBES_LAST], STORE_ARGS(args), fn,
	    data, error);
}

int
store_probe_counts(struct store *s, struct store_probe_counts *c,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, probes_sql[PROBES_COUNTS], error);
	int rc;

	memset(c, 0, sizeof *c);
	if (st == NULL)
		return 0;
	if ((rc = db_step(st)) == DB_ROW) {
		c->waiting = db_column_int64(st, 0);
		c->sent = db_column_int64(st, 1);
		c->bounced = db_column_int64(st, 2);
		c->expired = db_column_int64(st, 3);
		c->forged = db_column_int64(st, 4);
	}
	return store_rows_end(s, st, rc == DB_ROW ? DB_DONE : rc,
	    error, "counting probes");
}

/* How many forged bounces named address (rebound show). */
int
store_probe_forged_of(struct store *s, const char *address, gint64 *n_r,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, probes_sql[PROBES_FORGED_OF], error);
	int rc;

	*n_r = 0;
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, address);
	if ((rc = db_step(st)) == DB_ROW)
		*n_r = db_column_int64(st, 0);
	return store_rows_end(s, st, rc == DB_ROW ? DB_DONE : rc,
	    error, "counting forged bounces");
}
