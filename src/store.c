/*
 * store.c: one SQLite file holds every outcome with its evidence, and
 * this file holds every statement on it: the daemon and the CLI ask
 * through store.h and never see SQL or a database handle.
 *
 * Opening creates or migrates the schema (sql/001-schema.sql, then each
 * numbered migration, tracked in PRAGMA user_version, all embedded at
 * build time: sql.h) and refuses a newer one.  The file is in WAL mode with
 * foreign keys on and synchronous=FULL unless configured otherwise, so
 * that a commit that returned is on disk: the daemon acknowledges mail
 * only after store_commit().  A file that is not a database is reported
 * and left as it is.
 *
 * Messages are added inside a batch (store_begin .. store_commit): one
 * transaction for many messages.  A message whose digest is already
 * stored is not stored again.  The addresses table is kept current by
 * replaying each touched address's outcomes through policy.c, the same
 * function "rebound prune --dry-run" replays, so they always agree.
 * Triggers (sql/004-*.sql) keep counts of outcomes per day in the same
 * transaction as the outcomes, so that stats read a month of days, not
 * a month of outcomes.
 *
 * The statements are data: one table, store_sql[], each prepared with
 * bound parameters on first use and kept until store_close().
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "guard.h"
#include "policy.h"
#include "provider.h"
#include "revent.h"
#include "sql.h"
#include "store.h"
#include "store_int.h"	/* events: store_events.c */
#include "vocab.h"

/* The schema version this build makes: that of the last sql/NNN-*.sql. */
#define STORE_VERSION	sql_version

/* Every statement, by what it does. */
enum store_stmt {
	STORE_ADD_MESSAGE,
	STORE_ADD_OUTCOME,
	STORE_REPLAY,
	STORE_GET_ADDRESS,
	STORE_PUT_ADDRESS,
	STORE_DELETE_ADDRESS,
	STORE_LIST,
	STORE_ADDRESS,
	STORE_ADDRESS_NOCASE,
	STORE_HISTORY,
	STORE_REMOVED,
	STORE_SUSPECTS,
	STORE_REPLAY_ALL,
	STORE_STATS_CLASS,
	STORE_STATS_REASON,
	STORE_STATS_DOMAIN,
	STORE_STATS_DAY,
	STORE_FORGET_COUNT,
	STORE_FORGET_MESSAGES,
	STORE_FORGET_OUTCOMES,
	STORE_EXPIRE_ADDRESSES,
	STORE_EXPIRE_COUNT,
	STORE_EXPIRE_DELETE,
	STORE_HOLD,
	STORE_INCIDENT_ADD,
	STORE_INCIDENT_GROW,
	STORE_INCIDENT_CLOSE,
	STORE_INCIDENTS_KEPT,
	STORE_GUARD_RESTORE,
	STORE_GUARD_ALL,
	STORE_INCIDENTS,
	STORE_INCIDENT,
	STORE_INCIDENT_DECIDE,
	STORE_INCIDENT_ADDRESSES,
	STORE_PROBING,
	STORE_FORGET_PROBES,
	STORE_NSTMT
};

/* The columns list and show print, in struct store_outcome's order. */
#define STORE_OUTCOME_COLUMNS \
	"o.at, o.address, o.class, o.reason, o.status, o.replycode, " \
	"o.diagnostic, o.decided, m.list, m.source, o.confidence, " \
	"o.incident, m.bounce_address " \
	"FROM outcomes o JOIN messages m ON m.id = o.message "

/* An outcome as the policy counts it: its incident's state says how. */
#define STORE_HELD_STATE \
	"(SELECT i.state FROM incidents i WHERE i.id = o.incident)"

/* The columns of an incident, in struct store_incident's order. */
#define STORE_INCIDENT_COLUMNS \
	"id, kind, grp, opened, first, last, closed, state, addresses, " \
	"outcomes, sample FROM incidents "

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
	"WHERE at >= ?2 AND at < ?3) " rest
#define STORE_DOMAIN(address) \
	"substr(" address ", instr(" address ", '@') + 1)"

/*
 * expire: a message is as old as the bounce it holds (its outcomes'
 * date, which the policy counts by), else as when it was recorded: an
 * archive imported today is still as old as its bounces.
 */
#define STORE_EXPIRED \
	"SELECT m.id FROM messages m WHERE coalesce((SELECT max(o.at) " \
	"FROM outcomes o WHERE o.message = m.id), m.received) < ?1"

static const char *const store_sql[STORE_NSTMT] = {
	[STORE_ADD_MESSAGE] =
	    "INSERT OR IGNORE INTO messages (digest, received, source, "
	    "envelope_to, subscriber, list, kind, subject, sender, "
	    "returned_id, returned_subject, list_id, reporting_mta, "
	    "arrival_date, bounce_address, list_address) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[STORE_ADD_OUTCOME] =
	    "INSERT INTO outcomes (message, idx, address, recipient, "
	    "original, at, class, reason, hard, action, status, replycode, "
	    "diagnostic, remote_mta, decided, confidence, provider, probe) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[STORE_REPLAY] =
	    "SELECT o.class, o.reason, o.at, o.confidence, " STORE_HELD_STATE
	    ", o.id, o.probe FROM outcomes o WHERE o.address = ? "
	    "ORDER BY o.at, o.id",
	[STORE_GET_ADDRESS] =
	    "SELECT state, state_reason, hard, soft, soft_days, complaints, "
	    "first_seen, last_seen, suspect_day FROM addresses "
	    "WHERE address = ?",
	[STORE_PUT_ADDRESS] =
	    "INSERT OR REPLACE INTO addresses (address, state, state_reason, "
	    "hard, soft, soft_days, complaints, first_seen, last_seen, "
	    "last_reason, suspect_day) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[STORE_DELETE_ADDRESS] =
	    "DELETE FROM addresses WHERE address = ?1",
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
	    "AND (?5 IS NULL OR m.list = ?5) "
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
	/* The partial index addresses_removed holds these rows, in order. */
	[STORE_REMOVED] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state IN ('dead', 'complained') ORDER BY address",
	/* The partial index addresses_suspect holds these. */
	[STORE_SUSPECTS] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state = 'suspect' ORDER BY address",
	[STORE_REPLAY_ALL] =
	    "SELECT o.address, o.class, o.reason, o.at, o.confidence, "
	    STORE_HELD_STATE ", o.id, o.probe FROM outcomes o "
	    "ORDER BY o.address, o.at, o.id",
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
	[STORE_FORGET_COUNT] =
	    "SELECT count(*) FROM outcomes WHERE address = ?1",
	[STORE_FORGET_MESSAGES] =
	    "DELETE FROM messages WHERE id IN (SELECT message FROM outcomes "
	    "WHERE address = ?1) AND NOT EXISTS (SELECT 1 FROM outcomes o "
	    "WHERE o.message = messages.id AND o.address <> ?1)",
	[STORE_FORGET_OUTCOMES] =
	    "DELETE FROM outcomes WHERE address = ?1",
	[STORE_EXPIRE_ADDRESSES] =
	    "SELECT DISTINCT address FROM outcomes WHERE message IN ("
	    STORE_EXPIRED ")",
	[STORE_EXPIRE_COUNT] =
	    "SELECT count(*) FROM outcomes WHERE message IN (" STORE_EXPIRED ")",
	[STORE_EXPIRE_DELETE] =
	    "DELETE FROM messages WHERE id IN (" STORE_EXPIRED ")",
	/* Not under an incident an operator has decided since. */
	[STORE_HOLD] =
	    "UPDATE outcomes SET incident = ?1 WHERE id = ?2 "
	    "AND incident IS NULL AND EXISTS (SELECT 1 FROM incidents "
	    "WHERE id = ?1 AND state IN ('open', 'closed')) RETURNING address",
	[STORE_INCIDENT_ADD] =
	    "INSERT INTO incidents (kind, grp, opened, first, last, state, "
	    "addresses, outcomes, sample) VALUES (?,?,?,?,?,'open',?,?,?)",
	/* A closed incident grows too: a bounce that came late. */
	[STORE_INCIDENT_GROW] =
	    "UPDATE incidents SET first = ?2, last = ?3, addresses = ?4, "
	    "outcomes = ?5, opened = ?6, "
	    "closed = CASE state WHEN 'closed' THEN ?7 END, "
	    "sample = coalesce(?8, sample) "
	    "WHERE id = ?1 AND state IN ('open', 'closed')",
	[STORE_INCIDENT_CLOSE] =
	    "UPDATE incidents SET closed = ?2, state = 'closed' "
	    "WHERE id = ?1 AND state = 'open'",
	/* Those a bounce that comes late may still join. */
	[STORE_INCIDENTS_KEPT] =
	    "SELECT id, kind, grp, opened, first, last, coalesce(closed, 0) "
	    "FROM incidents WHERE state = 'open' OR (state = 'closed' AND "
	    "closed > (SELECT max(at) FROM outcomes WHERE class = 'hard') - ?1) "
	    "ORDER BY id",
	/* From the newest hard outcome back: an archive's time, or now. */
	[STORE_GUARD_RESTORE] =
	    "SELECT id, address, provider, at, diagnostic, incident "
	    "FROM outcomes WHERE class = 'hard' AND at >= (SELECT max(at) "
	    "FROM outcomes WHERE class = 'hard') - ?1 ORDER BY at, id",
	/* In the order they were recorded, as the store fed its guard. */
	[STORE_GUARD_ALL] =
	    "SELECT o.id, o.address, o.provider, o.at, o.diagnostic, "
	    STORE_HELD_STATE " FROM outcomes o WHERE o.class = 'hard' "
	    "ORDER BY o.id",
	[STORE_INCIDENTS] =
	    "SELECT " STORE_INCIDENT_COLUMNS "ORDER BY id",
	[STORE_INCIDENT] =
	    "SELECT " STORE_INCIDENT_COLUMNS "WHERE id = ?1",
	[STORE_INCIDENT_DECIDE] =
	    "UPDATE incidents SET state = ?2, closed = coalesce(closed, ?3) "
	    "WHERE id = ?1",
	[STORE_INCIDENT_ADDRESSES] =
	    "SELECT DISTINCT address FROM outcomes WHERE incident = ?1",
	/* The partial index addresses_probing holds these. */
	[STORE_PROBING] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state = 'probing' ORDER BY address",
	[STORE_FORGET_PROBES] =
	    "DELETE FROM probes WHERE address = ?1",
};

/* The groups of stats, in the order printed. */
static const struct {
	const char	*group;
	enum store_stmt	 stmt;
} store_stats_groups[] = {
	{ "class", STORE_STATS_CLASS },
	{ "reason", STORE_STATS_REASON },
	{ "domain", STORE_STATS_DOMAIN },
	{ "day", STORE_STATS_DAY },
};

struct store {
	sqlite3		*db;
	char		*path;
	struct policy	 policy;
	sqlite3_stmt	*stmt[STORE_NSTMT];	/* prepared on first use */
	GHashTable	*stale;		/* addresses to replay before commit */
	struct guard	*guard;		/* NULL until the first hard outcome */
	GError		*guard_error;	/* a write the guard's calls failed */
	store_incident_fn *incident_fn;	/* told of openings and closings */
	void		*incident_data;
	guint64		 held;		/* outcomes held since opened */
	guint64		 opened;	/* incidents opened since then */
	struct store_events *events;	/* store_events.c's own */
	struct store_probes *probes;	/* store_probes.c's own */
};


/* For store_events.c (store_int.h). */
sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

struct store_events *
store_events_data(struct store *s)
{
	return s->events;
}

struct store_probes *
store_probes_data(struct store *s)
{
	return s->probes;
}

/* Set *error from the database's last error, prefixed with what failed. */
int
store_error(struct store *s, GError **error, const char *what)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s: %s",
	    s->path, what, sqlite3_errmsg(s->db));
	return 0;
}

static int
store_exec(struct store *s, const char *sql, GError **error)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
	    s->path, msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return 0;
}

static int
store_version(struct store *s, int *version, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return store_error(s, error, "not a rebound database");
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_error(s, error, "not a rebound database");
	return 1;
}

/* Bring an older (or new, empty) database to STORE_VERSION. */
static int
store_migrate(struct store *s, int version, GError **error)
{
	g_autofree char *set = NULL;
	int v;

	if (!store_exec(s, "BEGIN IMMEDIATE", error))
		return 0;
	for (v = version; v < STORE_VERSION; v++)
		if (!store_exec(s, sql_migrations[v], error))
			goto fail;
	set = g_strdup_printf("PRAGMA user_version = %d", STORE_VERSION);
	if (!store_exec(s, set, error) || !store_exec(s, "COMMIT", error))
		goto fail;
	return 1;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return 0;
}

static int
store_check_version(struct store *s, enum store_mode mode, GError **error)
{
	int version;

	if (!store_version(s, &version, error))
		return 0;
	if (version > STORE_VERSION) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d is newer than this rebound "
		    "understands (%d): upgrade rebound", s->path, version,
		    STORE_VERSION);
		return 0;
	}
	if (version == STORE_VERSION)
		return 1;
	if (mode == STORE_READ) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: database version %d needs migrating to %d: open it "
		    "once for writing (rebound import, or reboundd)", s->path,
		    version, STORE_VERSION);
		return 0;
	}
	return store_migrate(s, version, error);
}

/*
 * The statement i, prepared on first use, ready for its parameters.  A
 * user steps it and then calls store_done(), which leaves it ready again.
 */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt i, GError **error)
{
	if (s->stmt[i] == NULL && sqlite3_prepare_v3(s->db, store_sql[i], -1,
	    SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK) {
		store_error(s, error, "preparing a statement");
		return NULL;
	}
	return s->stmt[i];
}

void
store_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Pragmas of a writer: WAL, and how hard a commit waits for the disk. */
static int
store_pragmas(struct store *s, const struct conf *c, enum store_mode mode,
    GError **error)
{
	if (!store_exec(s, "PRAGMA foreign_keys = ON", error))
		return 0;
	if (mode == STORE_READ)
		return 1;
	/*
	 * A bigger page cache and memory-mapped reads: the digest index is
	 * looked up at random for every message, and the default 2 MB cache
	 * sends those lookups to the disk.
	 */
	return store_exec(s, "PRAGMA journal_mode = WAL", error) &&
	    store_exec(s, c->sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", error) &&
	    store_exec(s, "PRAGMA cache_size = -32768", error) &&
	    store_exec(s, "PRAGMA mmap_size = 268435456", error);
}

static int
store_check_dir(const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);

	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return 1;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
	    "%s: directory %s does not exist", path, dir);
	return 0;
}

static int
store_connect(struct store *s, const struct conf *c, const char *path,
    int flags, GError **error)
{
	g_autofree char *uri = NULL, *escaped = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK)
		return store_error(s, error, "cannot open");
	sqlite3_busy_timeout(s->db, c->busy_timeout);
	sqlite3_extended_result_codes(s->db, 1);
	if ((flags & SQLITE_OPEN_READONLY) == 0)
		return 1;
	/*
	 * Reading a WAL database needs its -shm file, which a reader without
	 * write access to the directory cannot create.  When no writer has
	 * it open (no -shm), the file alone is the whole database: read it
	 * as immutable.
	 */
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1,
	    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if ((sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_CANTOPEN &&
	    (sqlite3_extended_errcode(s->db) & 0xff) != SQLITE_READONLY)
		return 1;	/* the real error shows in the next query */
	sqlite3_close(s->db);
	escaped = g_uri_escape_string(path, "/", TRUE);
	uri = g_strdup_printf("file:%s?immutable=1", escaped);
	if (sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return store_error(s, error, "cannot open");
	return 1;
}

struct store *
store_open(const char *path, const struct conf *c, enum store_mode mode,
    GError **error)
{
	struct store *s;
	int flags = mode == STORE_READ ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (mode == STORE_WRITE && !store_check_dir(path, error))
		return NULL;
	if (mode == STORE_READ && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		    "%s: no such database (rebound import creates it)", path);
		return NULL;
	}
	s = g_new0(struct store, 1);
	s->path = g_strdup(path);
	s->stale = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->policy = c->policy;
	s->events = store_events_new();
	s->probes = store_probes_new(&c->probe);
	if (!store_connect(s, c, path, flags, error) ||
	    !store_pragmas(s, c, mode, error) ||
	    !store_check_version(s, mode, error)) {
		store_close(&s);
		return NULL;
	}
	return s;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;
	guint i;

	if (s == NULL)
		return;
	for (i = 0; i < STORE_NSTMT; i++)
		sqlite3_finalize(s->stmt[i]);
	store_events_free(&s->events);
	store_probes_free(&s->probes);
	sqlite3_close(s->db);
	g_hash_table_destroy(s->stale);
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	g_free(s->path);
	g_free(s);
	*sp = NULL;
}

void
store_digest(const char *buf, size_t len, char out[STORE_DIGEST_SIZE])
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);

	g_checksum_update(sum, (const guchar *)buf, len);
	g_strlcpy(out, g_checksum_get_string(sum), STORE_DIGEST_SIZE);
	g_checksum_free(sum);
}

int
store_begin(struct store *s, GError **error)
{
	return store_exec(s, "BEGIN IMMEDIATE", error);
}

/* Replay, once each, the addresses that got outcomes out of order. */
static int
store_replay_stale(struct store *s, GError **error)
{
	GHashTableIter iter;
	gpointer address;

	g_hash_table_iter_init(&iter, s->stale);
	while (g_hash_table_iter_next(&iter, &address, NULL))
		if (!store_replay(s, address, "replay", error))
			return 0;
	g_hash_table_remove_all(s->stale);
	return 1;
}

int
store_commit(struct store *s, GError **error)
{
	if (store_replay_stale(s, error) && store_exec(s, "COMMIT", error))
		return 1;
	store_rollback(s);
	return 0;
}

/* Between transactions only: the writer's thread must be idle. */
void
store_set_policy(struct store *s, const struct policy *policy)
{
	/* Other guard keys: rebuilt from the database on next use. */
	if (memcmp(&s->policy.guard, &policy->guard, sizeof policy->guard))
		guard_free(&s->guard);
	s->policy = *policy;
}

void
store_rollback(struct store *s)
{
	g_hash_table_remove_all(s->stale);
	/* What the guard decided in the transaction is gone with it. */
	guard_free(&s->guard);
	g_clear_error(&s->guard_error);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *value)
{
	if (value == NULL || *value == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

/* A filter's value, or NULL so that "?N IS NULL" lets every row by. */
static void
bind_filter(sqlite3_stmt *st, int i, const char *value)
{
	if (value == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

static const char *
column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Step a statement that changes rows or returns at most one; reset it. */
int
store_step(struct store *s, sqlite3_stmt *st, GError **error,
    const char *what)
{
	int rc = sqlite3_step(st);

	store_done(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 1;
	return store_error(s, error, what);
}

/* The end of a loop over rows: reset st; 0 with *error unless done. */
int
store_rows_end(struct store *s, sqlite3_stmt *st, int rc, GError **error,
    const char *what)
{
	store_done(st);
	if (rc == SQLITE_DONE)
		return 1;
	return store_error(s, error, what);
}

/*
 * A statement that counts (one row) or changes rows, with ?1 bound to
 * text, else to number; *n_r gets the count or the rows it changed
 * itself (not those a cascade or a trigger changed).
 */
static int
store_count(struct store *s, enum store_stmt i, const char *text,
    gint64 number, gint64 *n_r, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, i, error)) == NULL)
		return 0;
	if (text != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, number);
	rc = sqlite3_step(st);
	*n_r = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
	    sqlite3_changes(s->db);
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(s, error, "updating the database");
	return 1;
}

static int store_update(struct store *, const char *, const char *,
    const char *, enum confidence, gint64, gint64, GError **);

static int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_ADD_MESSAGE, error);

	if (st == NULL)
		return 0;
	bind_text(st, 1, m->digest);
	sqlite3_bind_int64(st, 2, m->received);
	bind_text(st, 3, m->source);
	bind_text(st, 4, m->envelope_to);
	bind_text(st, 5, m->subscriber);
	bind_text(st, 6, m->list);
	bind_text(st, 7, report_kind_name(rp->kind));
	bind_text(st, 8, rp->subject);
	bind_text(st, 9, rp->from);
	bind_text(st, 10, rp->orig_message_id);
	bind_text(st, 11, rp->orig_subject);
	bind_text(st, 12, rp->orig_list_id);
	bind_text(st, 13, rp->reporting_mta);
	bind_text(st, 14, rp->arrival_date);
	bind_text(st, 15, m->bounce);
	bind_text(st, 16, m->list_address);
	return store_step(s, st, error, "recording a message");
}

static int
store_add_outcome(struct store *s, sqlite3_int64 message, guint idx,
    const char *address, const char *provider, gint64 probe,
    const struct store_meta *m, const struct recipient *r, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_ADD_OUTCOME, error);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int(st, 2, (int)idx);
	bind_text(st, 3, address);
	bind_text(st, 4, r->final != NULL ? r->final : r->address);
	bind_text(st, 5, r->original);
	sqlite3_bind_int64(st, 6, m->at);
	bind_text(st, 7, report_class_name(r->class));
	bind_text(st, 8, report_reason_name(r->reason));
	sqlite3_bind_int(st, 9, r->hard);
	bind_text(st, 10, r->action);
	bind_text(st, 11, r->status);
	if (r->replycode != 0)
		sqlite3_bind_int(st, 12, r->replycode);
	bind_text(st, 13, r->diagnostic);
	bind_text(st, 14, r->remote_mta);
	bind_text(st, 15, r->decided);
	bind_text(st, 16, report_confidence_name(r->confidence));
	bind_text(st, 17, provider);
	if (probe != 0)
		sqlite3_bind_int64(st, 18, probe);
	return store_step(s, st, error, "recording an outcome");
}

/*
 * The incident guard's side of the store: it feeds guard.c each hard
 * outcome as it is recorded and writes down what the guard decides, in
 * the same transaction: an incident opened, grown or closed, and the
 * outcomes it holds (outcomes.incident).  An address whose earlier
 * outcome is newly held is replayed before commit, so that one a burst
 * made dead returns to what it was.  A hard outcome that comes late
 * may grow an incident already written, even a closed one (its opening,
 * span and close move: guard.h).  The guard's memory is rebuilt from
 * the database on first use (the last baseline period's hard outcomes,
 * the open incidents and those closed within [guard] late), and again
 * after a rollback.
 */

/* Record the first error of the guard's calls, which cannot return one. */
static void
store_guard_failed(struct store *s, GError *error)
{
	if (s->guard_error == NULL)
		s->guard_error = error;
	else
		g_error_free(error);
}

static void
store_incident_notify(struct store *s, const struct guard_incident *inc,
    enum guard_state state)
{
	struct store_incident si = {
		.id = inc->id, .kind = inc->kind,
		.group = inc->group, .opened = inc->opened, .first = inc->first,
		.last = inc->last, .closed = inc->closed, .state = state,
		.addresses = g_hash_table_size(inc->addresses),
		.outcomes = inc->outcomes, .sample = inc->sample,
	};

	if (s->incident_fn != NULL)
		s->incident_fn(&si, s->incident_data);
}

/*
 * An incident opened or closed is an event too (incident.opened,
 * incident.closed), in the same transaction: its group and size in the
 * evidence, as no field of an event names a group.
 */
static int
store_incident_event(struct store *s, const struct guard_incident *inc,
    enum revent_type type, enum guard_state state, gint64 time,
    GError **error)
{
	g_autofree char *evidence = g_strdup_printf("%s %s: %u addresses "
	    "bounced hard within %" G_GINT64_FORMAT " min", guard_kind_name(
	    inc->kind), inc->group, g_hash_table_size(inc->addresses),
	    (inc->last - inc->first + 59) / 60);
	struct revent ev = {
		.type = revent_type_name(type), .time = time,
		.state = guard_state_names[state], .reason = inc->sample,
		.class = report_class_name(CLASS_HARD), .evidence = evidence,
		.incident = inc->id,
	};

	return store_event_add(s, &ev, time, error);
}

/* Hold one outcome; its address is replayed before commit. */
static int
store_hold(struct store *s, gint64 incident, gint64 outcome, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_HOLD, error);
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, incident);
	sqlite3_bind_int64(st, 2, outcome);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		g_hash_table_add(s->stale, g_strdup(column_text(st, 0)));
		s->held++;
	}
	return store_rows_end(s, st, rc, error, "holding an outcome");
}

/* The incident's row as it grew; 0 rows: an operator decided it. */
static int
store_incident_grow(struct store *s, const struct guard_incident *inc,
    int *open_r, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_INCIDENT_GROW, error);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, inc->id);
	sqlite3_bind_int64(st, 2, inc->first);
	sqlite3_bind_int64(st, 3, inc->last);
	sqlite3_bind_int64(st, 4, g_hash_table_size(inc->addresses));
	sqlite3_bind_int64(st, 5, inc->outcomes);
	sqlite3_bind_int64(st, 6, inc->opened);
	sqlite3_bind_int64(st, 7, inc->closed);
	bind_text(st, 8, inc->sample);
	if (!store_step(s, st, error, "updating an incident"))
		return 0;
	*open_r = sqlite3_changes(s->db) > 0;
	return 1;
}

static void
store_guard_opened(struct guard_incident *inc, const GArray *earlier,
    void *data)
{
	struct store *s = data;
	sqlite3_stmt *st;
	GError *error = NULL;
	guint i;

	if ((st = store_stmt(s, STORE_INCIDENT_ADD, &error)) == NULL)
		goto fail;
	bind_text(st, 1, guard_kind_name(inc->kind));
	bind_text(st, 2, inc->group);
	sqlite3_bind_int64(st, 3, inc->opened);
	sqlite3_bind_int64(st, 4, inc->first);
	sqlite3_bind_int64(st, 5, inc->last);
	sqlite3_bind_int64(st, 6, g_hash_table_size(inc->addresses));
	sqlite3_bind_int64(st, 7, inc->outcomes);
	bind_text(st, 8, inc->sample);
	if (!store_step(s, st, &error, "opening an incident"))
		goto fail;
	inc->id = sqlite3_last_insert_rowid(s->db);
	s->opened++;
	for (i = 0; i < earlier->len; i++)
		if (!store_hold(s, inc->id, g_array_index(earlier, gint64, i),
		    &error))
			goto fail;
	if (!store_incident_event(s, inc, REVENT_INCIDENT_OPENED, GUARD_OPEN,
	    inc->opened, &error))
		goto fail;
	store_incident_notify(s, inc, GUARD_OPEN);
	return;
fail:
	store_guard_failed(s, error);
}

static void
store_guard_closed(const struct guard_incident *inc, void *data)
{
	struct store *s = data;
	sqlite3_stmt *st;
	GError *error = NULL;

	if ((st = store_stmt(s, STORE_INCIDENT_CLOSE, &error)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, inc->id);
	sqlite3_bind_int64(st, 2, inc->closed);
	if (!store_step(s, st, &error, "closing an incident"))
		goto fail;
	if (sqlite3_changes(s->db) == 0)
		return;
	if (!store_incident_event(s, inc, REVENT_INCIDENT_CLOSED, GUARD_CLOSED,
	    inc->closed, &error))
		goto fail;
	store_incident_notify(s, inc, GUARD_CLOSED);
	return;
fail:
	store_guard_failed(s, error);
}

/* A bounce that came late: what the incident holds anew. */
static void
store_guard_grown(const struct guard_incident *inc, const GArray *added,
    void *data)
{
	struct store *s = data;
	GError *error = NULL;
	guint i;

	for (i = 0; i < added->len; i++)
		if (!store_hold(s, inc->id, g_array_index(added, gint64, i),
		    &error)) {
			store_guard_failed(s, error);
			return;
		}
}

static const struct guard_calls store_guard_calls = {
	store_guard_opened, store_guard_closed, store_guard_grown
};

static enum guard_kind
store_guard_kind(const char *name)
{
	int i = vocab_find(guard_kind_names, GUARD_KIND_COUNT, name);

	return i < 0 ? GUARD_DOMAIN : (enum guard_kind)i;
}

/* The guard as the database left it: open incidents, recent outcomes. */
static int
store_guard_load(struct store *s, GError **error)
{
	sqlite3_stmt *st;
	struct guard_hit h = { 0 };
	int rc;

	if (s->guard != NULL)
		return 1;
	s->guard = guard_new(&s->policy.guard, &store_guard_calls, s);
	if ((st = store_stmt(s, STORE_INCIDENTS_KEPT, error)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, s->policy.guard.late);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		guard_adopt(s->guard, sqlite3_column_int64(st, 0),
		    store_guard_kind(column_text(st, 1)), column_text(st, 2),
		    sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4),
		    sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6));
	if (!store_rows_end(s, st, rc, error, "reading open incidents") ||
	    (st = store_stmt(s, STORE_GUARD_RESTORE, error)) == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, s->policy.guard.baseline);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h.outcome = sqlite3_column_int64(st, 0);
		h.address = column_text(st, 1);
		h.provider = column_text(st, 2);
		h.at = sqlite3_column_int64(st, 3);
		h.diagnostic = column_text(st, 4);
		h.incident = sqlite3_column_int64(st, 5);
		guard_restore(s->guard, &h);
	}
	return store_rows_end(s, st, rc, error, "reading recent outcomes");
}

/* The guard's errors, if its calls had any, as the caller's. */
static int
store_guard_ok(struct store *s, GError **error)
{
	if (s->guard_error == NULL)
		return 1;
	g_propagate_error(error, s->guard_error);
	s->guard_error = NULL;
	return 0;
}

/* Show one hard outcome to the guard; *held_r: an incident holds it. */
static int
store_guard_hard(struct store *s, const struct guard_hit *h, int *held_r,
    GError **error)
{
	struct guard_incident *inc;
	int open;

	*held_r = 0;
	if (!s->policy.guard.enabled)
		return 1;
	if (!store_guard_load(s, error))
		return 0;
	inc = guard_hard(s->guard, h);
	if (!store_guard_ok(s, error))
		return 0;
	if (inc == NULL)
		return 1;
	if (!store_incident_grow(s, inc, &open, error))
		return 0;
	if (!open) {
		guard_drop(s->guard, inc);	/* decided by an operator */
		return 1;
	}
	*held_r = 1;
	return store_hold(s, inc->id, h->outcome, error);
}

/*
 * One recipient's outcome, as the guard and the policy count it; probe:
 * the probe whose verified bounce it is (0: none), and whose hard
 * bounce the policy counts as the probe's answer.
 */
static int
store_add_one(struct store *s, sqlite3_int64 message, guint idx,
    const char *address, gint64 probe, const struct store_meta *m,
    const struct recipient *r, GError **error)
{
	g_autofree char *provider = provider_of(r->remote_mta, r->diagnostic);
	enum report_class counted = r->class;
	const char *reason = report_reason_name(r->reason);
	const char *class;
	struct guard_hit h = { 0 };
	gint64 outcome;
	int held = 0;

	if (!store_add_outcome(s, message, idx, address, provider, probe, m,
	    r, error))
		return 0;
	outcome = sqlite3_last_insert_rowid(s->db);
	if (r->class == CLASS_HARD) {
		h.outcome = outcome;
		h.address = address;
		h.provider = provider;
		h.at = m->at;
		h.diagnostic = r->diagnostic;
		if (!store_guard_hard(s, &h, &held, error))
			return 0;
		if (held)
			guard_counts_as(r->class, GUARD_OPEN, &counted);
	}
	class = report_class_name(counted);
	if (probe != 0 && counted == CLASS_HARD) {
		if (!store_probe_bounced(s, probe, outcome, m->at, error))
			return 0;
		class = PROBE_CLASS_BOUNCED;
	}
	return store_update(s, address, class, reason, r->confidence, m->at,
	    outcome, error);
}

/*
 * A recipient of a bounce sent to a probe's return path: counted, as
 * the probed address's, only when the token is that probe's; else
 * recorded as forged and never counted.
 */
static int
store_add_probed(struct store *s, sqlite3_int64 message, guint idx,
    const struct store_meta *m, const struct recipient *r, GError **error)
{
	g_autofree char *address = NULL;
	gint64 probe;
	int check;

	if (r->address == NULL)
		return 1;
	if ((check = store_probe_check(s, m->probe_token, r->address, &probe,
	    &address, error)) < 0)
		return 0;
	if (check != PROBE_VERIFIED)
		return store_probe_forged(s, m, r->address, check, error);
	return store_add_one(s, message, idx, address, probe, m, r, error);
}

int
store_add(struct store *s, const struct store_meta *m,
    const struct report *rp, int *added_r, GError **error)
{
	sqlite3_int64 message;
	const char *address;
	guint i;

	*added_r = 0;
	if (!store_add_message(s, m, rp, error))
		return 0;
	if (sqlite3_changes(s->db) == 0)
		return 1;	/* the same bytes again: recorded once */
	*added_r = 1;
	message = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < rp->recipients->len; i++) {
		const struct recipient *r = g_ptr_array_index(rp->recipients, i);

		if (m->probe_token != NULL) {
			if (!store_add_probed(s, message, i, m, r, error))
				return 0;
			continue;
		}
		/* VERP names the subscriber more surely than any report,
		   unless it names the list itself. */
		address = m->subscriber != NULL &&
		    !report_is_list_address(rp, m->subscriber) ?
		    m->subscriber : r->address;
		if (address != NULL &&
		    !store_add_one(s, message, i, address, 0, m, r, error))
			return 0;
	}
	return 1;
}

/*
 * The clock moved without outcomes: incidents quiet for long enough
 * close.  Inside a transaction, like store_add().
 */
int
store_tick(struct store *s, gint64 now, GError **error)
{
	if (!s->policy.guard.enabled)
		return 1;
	if (!store_guard_load(s, error))
		return 0;
	guard_tick(s->guard, now);
	return store_guard_ok(s, error);
}

void
store_guard_counts(struct store *s, guint *open_r, guint64 *opened_r,
    guint64 *held_r)
{
	*open_r = s->guard != NULL ? guard_open_count(s->guard) : 0;
	*opened_r = s->opened;
	*held_r = s->held;
}

void
store_set_incident_fn(struct store *s, store_incident_fn *fn, void *data)
{
	s->incident_fn = fn;
	s->incident_data = data;
}

static int
store_put_address(struct store *s, const char *address,
    struct policy_state *ps, gint64 first, gint64 last, const char *reason,
    GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_PUT_ADDRESS, error);
	g_autofree char *days = NULL;

	if (st == NULL)
		return 0;
	days = policy_state_days(ps);
	bind_text(st, 1, address);
	bind_text(st, 2, policy_state_name(ps->state));
	bind_text(st, 3, ps->state_reason);
	sqlite3_bind_int(st, 4, ps->hard);
	sqlite3_bind_int(st, 5, ps->soft);
	sqlite3_bind_text(st, 6, days, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, ps->complaints);
	sqlite3_bind_int64(st, 8, first);
	sqlite3_bind_int64(st, 9, last);
	bind_text(st, 10, reason);
	sqlite3_bind_int(st, 11, ps->suspect_day);
	return store_step(s, st, error, "updating an address");
}

/*
 * Bring the row of address up to date with one new outcome.  When it is
 * the newest of the address (the usual case) the stored state goes one
 * step further; an outcome older than the last one seen (an import of
 * old mail) marks the address stale instead, and store_commit() replays
 * its whole history once, in time order.  Both give what store_replay()
 * gives.  A change of state is an event, caused by outcome.
 */
static int
store_update(struct store *s, const char *address, const char *class,
    const char *reason, enum confidence confidence, gint64 at,
    gint64 outcome, GError **error)
{
	sqlite3_stmt *st;
	struct policy_state ps;
	enum policy_addr_state previous;
	gint64 first = at, last = at;
	int rc, ok;

	if (g_hash_table_contains(s->stale, address))
		return 1;
	if ((st = store_stmt(s, STORE_GET_ADDRESS, error)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 7) > at) {
		store_done(st);
		g_hash_table_add(s->stale, g_strdup(address));
		return 1;
	}
	policy_state_init(&ps, rc == SQLITE_ROW ? column_text(st, 4) : NULL);
	if (rc == SQLITE_ROW) {
		policy_state_parse(column_text(st, 0), &ps.state);
		ps.state_reason = g_strdup(column_text(st, 1));
		ps.hard = sqlite3_column_int(st, 2);
		ps.soft = sqlite3_column_int(st, 3);
		ps.complaints = sqlite3_column_int(st, 5);
		first = sqlite3_column_int64(st, 6);
		ps.suspect_day = sqlite3_column_int(st, 8);
	}
	store_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		policy_state_clear(&ps);
		return store_error(s, error, "reading an address");
	}
	previous = ps.state;
	policy_apply(&s->policy, &ps, class, reason, confidence, at);
	ok = store_events_change(s, address, policy_state_name(previous),
	    policy_state_name(ps.state), outcome, NULL, error) &&
	    store_put_address(s, address, &ps, first, last, reason, error);
	policy_state_clear(&ps);
	return ok;
}

/* An address's history folded through the policy, oldest first. */
struct store_fold {
	struct policy_state	 ps;
	GArray			*expiries;	/* of struct store_expiry: its
						   probes that ran out, by time */
	guint			 next;		/* the first not folded yet */
	char			*reason;	/* of the last outcome */
	gint64			 first, last;
	int			 n;
	gint64			 changed;	/* outcome that last changed
						   the state (0: none) */
};

static void
store_fold_init(struct store_fold *f, GArray *expiries)
{
	memset(f, 0, sizeof *f);
	policy_state_init(&f->ps, NULL);
	f->expiries = expiries;
}

static void
store_fold_clear(struct store_fold *f)
{
	policy_state_clear(&f->ps);
	g_free(f->reason);
	f->reason = NULL;
}

/* The probes that ran out before at (G_MAXINT64: all left), in order. */
static void
store_fold_expiries(struct store_fold *f, const struct policy *p,
    gint64 at)
{
	const struct store_expiry *e;
	enum policy_addr_state before;

	for (; f->expiries != NULL && f->next < f->expiries->len; f->next++) {
		e = &g_array_index(f->expiries, struct store_expiry, f->next);
		if (e->at > at)
			break;
		before = f->ps.state;
		policy_apply(p, &f->ps, PROBE_CLASS_EXPIRED, e->why,
		    CONFIDENCE_CERTAIN, e->at);
		if (before != f->ps.state)
			f->changed = 0;
	}
}

/*
 * An outcome's confidence as stored; one recorded before rebound knew
 * it (NULL) counts as it counted then, as certain.
 */
static enum confidence
store_confidence(const char *name)
{
	enum confidence c = CONFIDENCE_WEAK;

	if (name == NULL)
		return CONFIDENCE_CERTAIN;
	report_confidence_parse(name, &c);
	return c;
}

/*
 * The state of the incident holding an outcome, as stored: -1 when none
 * holds it.
 */
static int
store_held(const char *name)
{
	int i = vocab_find(guard_state_names, GUARD_STATE_COUNT, name);

	if (name == NULL)
		return -1;
	return i < 0 ? GUARD_CLOSED : i;
}

/*
 * How the policy counts a stored class that an incident in state held
 * holds (-1: none): the guard's enum, as the policy's name; NULL: not
 * at all.
 */
static const char *
store_fold_class(const char *stored, int held)
{
	enum report_class class;

	if (held < 0 || !report_class_parse(stored, &class))
		return stored;
	if (!guard_counts_as(class, (enum guard_state)held, &class))
		return NULL;
	return report_class_name(class);
}

/*
 * One more outcome of the address, its class and confidence as stored;
 * held is the state of the incident holding it (-1: none), which says
 * how the policy counts it.
 */
static void
store_fold(struct store_fold *f, const struct policy *p, const char *stored,
    const char *reason, const char *confidence, int held, gint64 at,
    gint64 outcome, gint64 probe)
{
	enum policy_addr_state before;
	const char *class = store_fold_class(stored, held);

	store_fold_expiries(f, p, at);
	before = f->ps.state;
	if (f->n++ == 0)
		f->first = at;
	f->last = at;
	g_free(f->reason);
	f->reason = g_strdup(reason);
	if (class != NULL) {
		if (probe != 0 &&
		    strcmp(class, report_class_name(CLASS_HARD)) == 0)
			class = PROBE_CLASS_BOUNCED;
		policy_apply(p, &f->ps, class, reason,
		    store_confidence(confidence), at);
	}
	if (before != f->ps.state)
		f->changed = outcome;
}

/*
 * Recompute the row of address in the addresses table from all its
 * outcomes and its probes that ran out, oldest first; an address
 * without outcomes loses its row.  A change of state is an event,
 * caused by the outcome that made the state, or by why (a command, a
 * probe's wait) when none did.
 */
int
store_replay(struct store *s, const char *address, const char *why,
    GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_REPLAY, error);
	g_autoptr(GArray) expiries = store_expiries_new();
	struct store_fold f;
	gint64 gone;
	int rc, ok;

	if (st == NULL || !store_probe_expiries(s, address, expiries, error))
		return 0;
	store_fold_init(&f, expiries);
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_fold(&f, &s->policy, column_text(st, 0),
		    column_text(st, 1), column_text(st, 3),
		    store_held(column_text(st, 4)), sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6));
	if (rc == SQLITE_DONE)
		store_fold_expiries(&f, &s->policy, G_MAXINT64);
	if (!store_rows_end(s, st, rc, error, "reading an address's history") ||
	    !store_events_change(s, address, NULL, f.n ?
	    policy_state_name(f.ps.state) : NULL, f.changed, why, error))
		ok = 0;
	else if (f.n == 0)
		ok = store_count(s, STORE_DELETE_ADDRESS, address, 0, &gone,
		    error);
	else
		ok = store_put_address(s, address, &f.ps, f.first, f.last,
		    f.reason, error);
	store_fold_clear(&f);
	return ok;
}

/* The columns of STORE_OUTCOME_COLUMNS, for a callback. */
static void
store_outcome_row(sqlite3_stmt *st, struct store_outcome *o)
{
	o->at = sqlite3_column_int64(st, 0);
	o->address = column_text(st, 1);
	o->class = column_text(st, 2);
	o->reason = column_text(st, 3);
	o->status = column_text(st, 4);
	o->replycode = column_text(st, 5);
	o->diagnostic = column_text(st, 6);
	o->decided = column_text(st, 7);
	o->list = column_text(st, 8);
	o->source = column_text(st, 9);
	o->confidence = column_text(st, 10);
	o->incident = sqlite3_column_int64(st, 11);
	o->bounce = column_text(st, 12);
}

/* Each row of st, which has STORE_OUTCOME_COLUMNS, to fn. */
static int
store_outcomes(struct store *s, sqlite3_stmt *st, store_outcome_fn *fn,
    void *data, GError **error)
{
	struct store_outcome o;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_outcome_row(st, &o);
		fn(&o, data);
	}
	return store_rows_end(s, st, rc, error, "reading outcomes");
}

/* Outcomes newest first, as f lets them by. */
int
store_list(struct store *s, const struct store_filter *f,
    store_outcome_fn *fn, void *data, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_LIST, error);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, f->since);
	bind_filter(st, 2, f->class);
	bind_filter(st, 3, f->reason);
	bind_filter(st, 4, f->domain);
	bind_filter(st, 5, f->list);
	sqlite3_bind_int(st, 6, f->limit);	/* -1: no limit */
	return store_outcomes(s, st, fn, data, error);
}

/* The row of address: 1 found, 0 not there, -1 error. */
int
store_address(struct store *s, const char *address, struct store_address *r,
    GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_ADDRESS, error);
	int rc;

	memset(r, 0, sizeof *r);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->address = g_strdup(address);
		r->state = g_strdup(column_text(st, 0));
		r->state_reason = g_strdup(column_text(st, 1));
		r->hard = sqlite3_column_int64(st, 2);
		r->soft = sqlite3_column_int64(st, 3);
		r->complaints = sqlite3_column_int64(st, 4);
		r->first_seen = sqlite3_column_int64(st, 5);
		r->last_seen = sqlite3_column_int64(st, 6);
		store_done(st);
		return 1;
	}
	store_done(st);
	if (rc == SQLITE_DONE)
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
	sqlite3_stmt *st = store_stmt(s, STORE_ADDRESS_NOCASE, NULL);
	char *near = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		near = g_strdup(column_text(st, 0));
	store_done(st);
	return near;
}

/* Every outcome of address, newest first. */
int
store_history(struct store *s, const char *address, store_outcome_fn *fn,
    void *data, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_HISTORY, error);

	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	return store_outcomes(s, st, fn, data, error);
}

/*
 * The bounds of STORE_STATS for outcomes since a time: from day 1 on
 * with the time before it (at / 86400 rounds towards zero, so day 0
 * holds the first day on either side of 1970) read outcome by outcome;
 * else from the day the time cuts, less its start, or from the next
 * day, plus the end of the day cut: whichever part is shorter.
 */
static void
store_stats_bind(sqlite3_stmt *st, gint64 since)
{
	gint64 day = since / 86400, into = since % 86400;

	if (since < 86400 || into >= 86400 / 2) {
		day = since < 86400 ? 1 : day + (into != 0);
		sqlite3_bind_int64(st, 1, day);
		sqlite3_bind_int64(st, 2, since);
		sqlite3_bind_int64(st, 3, day * 86400);
		sqlite3_bind_int(st, 4, 1);
	} else {
		sqlite3_bind_int64(st, 1, day);
		sqlite3_bind_int64(st, 2, day * 86400);
		sqlite3_bind_int64(st, 3, since);
		sqlite3_bind_int(st, 4, -1);
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
	sqlite3_stmt *st;
	guint i;
	int rc;

	for (i = 0; i < G_N_ELEMENTS(store_stats_groups); i++) {
		if ((st = store_stmt(s, store_stats_groups[i].stmt,
		    error)) == NULL)
			return 0;
		store_stats_bind(st, since);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			fn(store_stats_groups[i].group, column_text(st, 0),
			    sqlite3_column_int64(st, 1), data);
		if (!store_rows_end(s, st, rc, error, "reading"))
			return 0;
	}
	return 1;
}

/* A difference between the addresses table and a replay. */
struct store_change {
	char	 change;
	char	*address;
	char	*state;
	char	*reason;
	gint64	 last_seen;
};

static struct store_change *
store_change_new(char change, const char *address, const char *state,
    const char *reason, gint64 last_seen)
{
	struct store_change *c = g_new0(struct store_change, 1);

	c->change = change;
	c->address = g_strdup(address);
	c->state = g_strdup(state);
	c->reason = g_strdup(reason);
	c->last_seen = last_seen;
	return c;
}

static void
store_change_free(gpointer p)
{
	struct store_change *c = p;

	g_free(c->address);
	g_free(c->state);
	g_free(c->reason);
	g_free(c);
}

static int
store_change_cmp(gconstpointer a, gconstpointer b)
{
	const struct store_change *ca = *(struct store_change *const *)a;
	const struct store_change *cb = *(struct store_change *const *)b;

	return strcmp(ca->address, cb->address);
}

/* Each address row of which (STORE_REMOVED, STORE_SUSPECTS), to fn. */
static int
store_address_rows(struct store *s, enum store_stmt which,
    store_removed_fn *fn, void *data, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, which, error);
	struct store_removed r = { 0 };
	int rc;

	if (st == NULL)
		return 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.address = column_text(st, 0);
		r.state = column_text(st, 1);
		r.reason = column_text(st, 2);
		r.last_seen = sqlite3_column_int64(st, 3);
		fn(&r, data);
	}
	return store_rows_end(s, st, rc, error, "listing addresses");
}

/* The addresses the policy removes now, in order, as stored. */
static int
store_removed(struct store *s, store_removed_fn *fn, void *data,
    GError **error)
{
	return store_address_rows(s, STORE_REMOVED, fn, data, error);
}

/* The suspects: a hard bounce each, waiting for a second to confirm it. */
int
store_suspects(struct store *s, store_removed_fn *fn, void *data,
    GError **error)
{
	return store_address_rows(s, STORE_SUSPECTS, fn, data, error);
}

/* The addresses waiting for their probe ([probe]). */
int
store_probing(struct store *s, store_removed_fn *fn, void *data,
    GError **error)
{
	return store_address_rows(s, STORE_PROBING, fn, data, error);
}

/*
 * Each removed address as a '-' change: the replay takes out those it
 * still removes, and what is left is no longer removed.
 */
static void
store_removed_load(const struct store_removed *r, void *data)
{
	GHashTable *current = data;
	struct store_change *c = store_change_new('-', r->address, r->state,
	    r->reason, r->last_seen);

	g_hash_table_replace(current, c->address, c);
}

/* One address replayed: compare its new state with the current one. */
static void
store_settle(GHashTable *current, GPtrArray *changes, const char *address,
    const struct store_fold *f)
{
	int removed = f->ps.state == STATE_DEAD ||
	    f->ps.state == STATE_COMPLAINED;

	if (g_hash_table_contains(current, address)) {
		if (removed)
			g_hash_table_remove(current, address);
	} else if (removed)
		g_ptr_array_add(changes, store_change_new('+', address,
		    policy_state_name(f->ps.state), f->ps.state_reason,
		    f->last));
}

/*
 * How the dry-run counts an outcome: as an operator decided its
 * incident, else as held when p's guard held it (held: the outcome ids
 * the replay held), else as it is.
 */
static int
store_replay_held(const char *stored_state, GHashTable *held, gint64 id)
{
	int state = store_held(stored_state);

	if (state == GUARD_CONFIRMED || state == GUARD_DISCARDED)
		return state;
	return g_hash_table_contains(held, GSIZE_TO_POINTER(id)) ?
	    GUARD_CLOSED : -1;
}

/* Replay every address's outcomes under p, in one pass over them. */
static int
store_replay_all(struct store *s, const struct policy *p, GHashTable *held,
    GHashTable *current, GPtrArray *changes, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_REPLAY_ALL, error);
	g_autoptr(GHashTable) expiries = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	g_autofree char *address = NULL;
	struct store_fold f;
	int rc;

	if (st == NULL || !store_probe_expiries_all(s, expiries, error))
		return 0;
	store_fold_init(&f, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (address == NULL || strcmp(address, column_text(st, 0)) != 0) {
			if (address != NULL) {
				store_fold_expiries(&f, p, G_MAXINT64);
				store_settle(current, changes, address, &f);
			}
			store_fold_clear(&f);
			g_free(address);
			address = g_strdup(column_text(st, 0));
			store_fold_init(&f, g_hash_table_lookup(expiries,
			    address));
		}
		store_fold(&f, p, column_text(st, 1), column_text(st, 2),
		    column_text(st, 4), store_replay_held(column_text(st, 5),
		    held, sqlite3_column_int64(st, 6)),
		    sqlite3_column_int64(st, 3), 0,
		    sqlite3_column_int64(st, 7));
	}
	if (rc == SQLITE_DONE && address != NULL) {
		store_fold_expiries(&f, p, G_MAXINT64);
		store_settle(current, changes, address, &f);
	}
	store_fold_clear(&f);
	return store_rows_end(s, st, rc, error, "reading the history");
}

static void
store_replay_grown(const struct guard_incident *inc, const GArray *added,
    void *data)
{
	GHashTable *held = data;
	guint i;

	for (i = 0; i < added->len; i++)
		g_hash_table_add(held,
		    GSIZE_TO_POINTER(g_array_index(added, gint64, i)));
}

static void
store_replay_opened(struct guard_incident *inc, const GArray *earlier,
    void *data)
{
	store_replay_grown(inc, earlier, data);
}

/*
 * The guard under p over the whole history, in the order the outcomes
 * were recorded, as the store fed it outcome by outcome (each counts by
 * its own time: guard.h): the ids of the outcomes it holds, in held.
 */
static int
store_replay_guard(struct store *s, const struct policy *p,
    GHashTable *held, GError **error)
{
	static const struct guard_calls calls = {
		store_replay_opened, NULL, store_replay_grown
	};
	struct guard *g;
	struct guard_hit h = { 0 };
	sqlite3_stmt *st;
	int rc;

	if (!p->guard.enabled)
		return 1;
	if ((st = store_stmt(s, STORE_GUARD_ALL, error)) == NULL)
		return 0;
	g = guard_new(&p->guard, &calls, held);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h.outcome = sqlite3_column_int64(st, 0);
		h.address = column_text(st, 1);
		h.provider = column_text(st, 2);
		h.at = sqlite3_column_int64(st, 3);
		h.diagnostic = column_text(st, 4);
		if (guard_hard(g, &h) != NULL)
			g_hash_table_add(held, GSIZE_TO_POINTER(h.outcome));
	}
	guard_free(&g);
	return store_rows_end(s, st, rc, error, "reading the hard outcomes");
}

/*
 * What p would change, sorted by address.  One read transaction: every
 * pass sees the same snapshot.
 */
static int
store_prune_changes(struct store *s, const struct policy *p,
    GPtrArray *changes, GError **error)
{
	g_autoptr(GHashTable) current = g_hash_table_new_full(g_str_hash,
	    g_str_equal, NULL, store_change_free);
	g_autoptr(GHashTable) held = g_hash_table_new(g_direct_hash,
	    g_direct_equal);
	GHashTableIter iter;
	gpointer value;
	int ok;

	if (!store_exec(s, "BEGIN", error))
		return 0;
	ok = store_removed(s, store_removed_load, current, error) &&
	    store_replay_guard(s, p, held, error) &&
	    store_replay_all(s, p, held, current, changes, error);
	sqlite3_exec(s->db, ok ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (!ok)
		return 0;
	g_hash_table_iter_init(&iter, current);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		g_hash_table_iter_steal(&iter);
		g_ptr_array_add(changes, value);
	}
	g_ptr_array_sort(changes, store_change_cmp);
	return 1;
}

/*
 * The addresses the policy removes (dead or complained), in order; or
 * with p, what replaying every history under p would change: '+' newly
 * removed, '-' no longer removed.  Nothing is written.
 */
int
store_prune(struct store *s, const struct policy *p, store_removed_fn *fn,
    void *data, GError **error)
{
	g_autoptr(GPtrArray) changes = NULL;
	struct store_removed r;
	guint i;

	if (p == NULL)
		return store_removed(s, fn, data, error);
	changes = g_ptr_array_new_with_free_func(store_change_free);
	if (!store_prune_changes(s, p, changes, error))
		return 0;
	for (i = 0; i < changes->len; i++) {
		const struct store_change *c = g_ptr_array_index(changes, i);

		r.change = c->change;
		r.address = c->address;
		r.state = c->state;
		r.reason = c->reason;
		r.last_seen = c->last_seen;
		fn(&r, data);
	}
	return 1;
}

/*
 * Everything about one address: the messages that name no one else
 * (their outcomes go with them), its other outcomes, its row.  *found_r
 * is 0 when there was nothing.
 */
int
store_forget(struct store *s, const char *address, gint64 *outcomes_r,
    int *found_r, GError **error)
{
	gint64 n, row;

	if (!store_events_change(s, address, NULL,
	    policy_state_name(STATE_ALIVE), 0, "forget", error) ||
	    !store_count(s, STORE_FORGET_COUNT, address, 0, outcomes_r,
	    error) ||
	    !store_count(s, STORE_FORGET_MESSAGES, address, 0, &n, error) ||
	    !store_count(s, STORE_FORGET_OUTCOMES, address, 0, &n, error) ||
	    !store_count(s, STORE_FORGET_PROBES, address, 0, &n, error) ||
	    !store_count(s, STORE_DELETE_ADDRESS, address, 0, &row, error))
		return 0;
	*found_r = *outcomes_r != 0 || row != 0;
	return 1;
}

/*
 * The addresses a statement names, ?1 bound to number (the expiring
 * messages' cutoff, an incident's id): to replay afterwards.
 */
static int
store_addresses_of(struct store *s, enum store_stmt which, gint64 number,
    GPtrArray *addresses, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, which, error);
	int rc;

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(addresses, g_strdup(column_text(st, 0)));
	return store_rows_end(s, st, rc, error, "finding addresses to replay");
}

/*
 * Drop the messages (and their outcomes) dated before cutoff and
 * recompute the addresses they named.
 */
int
store_expire(struct store *s, gint64 cutoff, gint64 *messages_r,
    gint64 *outcomes_r, guint *addresses_r, GError **error)
{
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	guint i;

	if (!store_addresses_of(s, STORE_EXPIRE_ADDRESSES, cutoff,
	    addresses, error) ||
	    !store_count(s, STORE_EXPIRE_COUNT, NULL, cutoff, outcomes_r,
	    error) ||
	    !store_count(s, STORE_EXPIRE_DELETE, NULL, cutoff, messages_r,
	    error))
		return 0;
	for (i = 0; i < addresses->len; i++)
		if (!store_replay(s, g_ptr_array_index(addresses, i), "expire",
		    error))
			return 0;
	*addresses_r = addresses->len;
	return 1;
}

/* The incidents of st (STORE_INCIDENT_COLUMNS), to fn. */
static int
store_incident_rows(struct store *s, sqlite3_stmt *st, store_incident_fn *fn,
    void *data, GError **error)
{
	struct store_incident i;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		i.id = sqlite3_column_int64(st, 0);
		i.kind = store_guard_kind(column_text(st, 1));
		i.group = column_text(st, 2);
		i.opened = sqlite3_column_int64(st, 3);
		i.first = sqlite3_column_int64(st, 4);
		i.last = sqlite3_column_int64(st, 5);
		i.closed = sqlite3_column_int64(st, 6);
		i.state = MAX(store_held(column_text(st, 7)), GUARD_OPEN);
		i.addresses = sqlite3_column_int64(st, 8);
		i.outcomes = sqlite3_column_int64(st, 9);
		i.sample = column_text(st, 10);
		fn(&i, data);
	}
	return store_rows_end(s, st, rc, error, "reading incidents");
}

/* Every incident, oldest first. */
int
store_incidents(struct store *s, store_incident_fn *fn, void *data,
    GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_INCIDENTS, error);

	return st != NULL && store_incident_rows(s, st, fn, data, error);
}

/* Incident id, if there is one, to fn. */
int
store_incident(struct store *s, gint64 id, store_incident_fn *fn,
    void *data, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, STORE_INCIDENT, error);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	return store_incident_rows(s, st, fn, data, error);
}

/*
 * An operator's word on incident id: its held outcomes count as hard
 * (confirmed) or not at all (discarded) from now on; the addresses they
 * belong to are replayed.  A running daemon's guard learns it when the
 * incident next grows, and lets it go.
 */
int
store_incident_decide(struct store *s, gint64 id, enum guard_state decided,
    gint64 now, int *found_r, GError **error)
{
	const char *state = guard_state_names[decided];
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *st = store_stmt(s, STORE_INCIDENT_DECIDE, error);
	guint i;

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, state);
	sqlite3_bind_int64(st, 3, now);
	if (!store_step(s, st, error, "deciding an incident"))
		return 0;
	*found_r = sqlite3_changes(s->db) > 0;
	if (!*found_r || !store_addresses_of(s, STORE_INCIDENT_ADDRESSES, id,
	    addresses, error))
		return !*found_r;
	for (i = 0; i < addresses->len; i++)
		if (!store_replay(s, g_ptr_array_index(addresses, i), state,
		    error))
			return 0;
	return 1;
}
