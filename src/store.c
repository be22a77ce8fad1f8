/*
 * store.c: one SQLite file holds every outcome with its evidence.
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
 * Every statement is prepared with bound parameters.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "policy.h"
#include "sql.h"
#include "store.h"

/* The schema version this build makes: that of the last sql/NNN-*.sql. */
#define STORE_VERSION	sql_version

struct store {
	sqlite3		*db;
	char		*path;
	struct policy	 policy;
	sqlite3_stmt	*add_message;
	sqlite3_stmt	*add_outcome;
	sqlite3_stmt	*history;
	sqlite3_stmt	*get_address;
	sqlite3_stmt	*put_address;
	GHashTable	*stale;		/* addresses to replay before commit */
};

#define SQL_ADD_MESSAGE \
	"INSERT OR IGNORE INTO messages (digest, received, source, " \
	"envelope_to, subscriber, list, kind, subject, sender, returned_id, " \
	"returned_subject, list_id, reporting_mta, arrival_date) " \
	"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_ADD_OUTCOME \
	"INSERT INTO outcomes (message, idx, address, recipient, original, " \
	"at, class, reason, hard, action, status, replycode, diagnostic, " \
	"remote_mta, decided) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_HISTORY \
	"SELECT class, reason, at FROM outcomes WHERE address = ? " \
	"ORDER BY at, id"
#define SQL_GET_ADDRESS \
	"SELECT state, state_reason, hard, soft, soft_days, complaints, " \
	"first_seen, last_seen FROM addresses WHERE address = ?"
#define SQL_PUT_ADDRESS \
	"INSERT OR REPLACE INTO addresses (address, state, state_reason, " \
	"hard, soft, soft_days, complaints, first_seen, last_seen, " \
	"last_reason) VALUES (?,?,?,?,?,?,?,?,?,?)"

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

static int
store_prepare(struct store *s, GError **error)
{
	if (sqlite3_prepare_v3(s->db, SQL_ADD_MESSAGE, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->add_message, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, SQL_ADD_OUTCOME, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->add_outcome, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, SQL_HISTORY, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->history, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, SQL_GET_ADDRESS, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->get_address, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, SQL_PUT_ADDRESS, -1,
	    SQLITE_PREPARE_PERSISTENT, &s->put_address, NULL) != SQLITE_OK)
		return store_error(s, error, "preparing statements");
	return 1;
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
	if (!store_connect(s, c, path, flags, error) ||
	    !store_pragmas(s, c, mode, error) ||
	    !store_check_version(s, mode, error) ||
	    (mode == STORE_WRITE && !store_prepare(s, error))) {
		store_close(&s);
		return NULL;
	}
	return s;
}

void
store_close(struct store **sp)
{
	struct store *s = *sp;

	if (s == NULL)
		return;
	sqlite3_finalize(s->add_message);
	sqlite3_finalize(s->add_outcome);
	sqlite3_finalize(s->history);
	sqlite3_finalize(s->get_address);
	sqlite3_finalize(s->put_address);
	sqlite3_close(s->db);
	g_hash_table_destroy(s->stale);
	g_free(s->path);
	g_free(s);
	*sp = NULL;
}

sqlite3 *
store_db(struct store *s)
{
	return s->db;
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
		if (!store_replay(s, address, error))
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
	s->policy = *policy;
}

void
store_rollback(struct store *s)
{
	g_hash_table_remove_all(s->stale);
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

static int
store_step(struct store *s, sqlite3_stmt *st, GError **error,
    const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 1;
	return store_error(s, error, what);
}

static int store_update(struct store *, const char *, const char *,
    const char *, gint64, GError **);

static int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, GError **error)
{
	sqlite3_stmt *st = s->add_message;

	bind_text(st, 1, m->digest);
	sqlite3_bind_int64(st, 2, m->received);
	bind_text(st, 3, m->source);
	bind_text(st, 4, m->envelope_to);
	bind_text(st, 5, m->subscriber);
	bind_text(st, 6, m->list ? m->list : rp->orig_list_id);
	bind_text(st, 7, report_kind_name(rp->kind));
	bind_text(st, 8, rp->subject);
	bind_text(st, 9, rp->from);
	bind_text(st, 10, rp->orig_message_id);
	bind_text(st, 11, rp->orig_subject);
	bind_text(st, 12, rp->orig_list_id);
	bind_text(st, 13, rp->reporting_mta);
	bind_text(st, 14, rp->arrival_date);
	return store_step(s, st, error, "recording a message");
}

static int
store_add_outcome(struct store *s, sqlite3_int64 message, guint idx,
    const char *address, const struct store_meta *m,
    const struct recipient *r, GError **error)
{
	sqlite3_stmt *st = s->add_outcome;

	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int(st, 2, (int)idx);
	bind_text(st, 3, address);
	bind_text(st, 4, r->final != NULL ? r->final : r->address);
	bind_text(st, 5, r->original);
	sqlite3_bind_int64(st, 6, m->at);
	bind_text(st, 7, r->class);
	bind_text(st, 8, r->reason ? r->reason : "undefined");
	sqlite3_bind_int(st, 9, r->hard);
	bind_text(st, 10, r->action);
	bind_text(st, 11, r->status);
	if (r->replycode != 0)
		sqlite3_bind_int(st, 12, r->replycode);
	bind_text(st, 13, r->diagnostic);
	bind_text(st, 14, r->remote_mta);
	bind_text(st, 15, r->decided);
	return store_step(s, st, error, "recording an outcome");
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

		/* VERP names the subscriber more surely than any report,
		   unless it names the list itself. */
		address = m->subscriber != NULL &&
		    !report_is_list_address(rp, m->subscriber) ?
		    m->subscriber : r->address;
		if (address == NULL)
			continue;
		if (!store_add_outcome(s, message, i, address, m, r, error) ||
		    !store_update(s, address, r->class,
		    r->reason ? r->reason : "undefined", m->at, error))
			return 0;
	}
	return 1;
}

static int
store_put_address(struct store *s, const char *address,
    struct policy_state *ps, gint64 first, gint64 last, const char *reason,
    GError **error)
{
	sqlite3_stmt *st = s->put_address;
	g_autofree char *days = policy_state_days(ps);

	bind_text(st, 1, address);
	bind_text(st, 2, ps->state);
	bind_text(st, 3, ps->state_reason);
	sqlite3_bind_int(st, 4, ps->hard);
	sqlite3_bind_int(st, 5, ps->soft);
	sqlite3_bind_text(st, 6, days, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, ps->complaints);
	sqlite3_bind_int64(st, 8, first);
	sqlite3_bind_int64(st, 9, last);
	bind_text(st, 10, reason);
	return store_step(s, st, error, "updating an address");
}

static int
store_forget_address(struct store *s, const char *address, GError **error)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(s->db, "DELETE FROM addresses WHERE address = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return store_error(s, error, "forgetting an address");
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 1 : store_error(s, error, "forgetting an address");
}

/*
 * Bring the row of address up to date with one new outcome.  When it is
 * the newest of the address (the usual case) the stored state goes one
 * step further; an outcome older than the last one seen (an import of
 * old mail) marks the address stale instead, and store_commit() replays
 * its whole history once, in time order.  Both give what store_replay()
 * gives.
 */
static int
store_update(struct store *s, const char *address, const char *class,
    const char *reason, gint64 at, GError **error)
{
	sqlite3_stmt *st = s->get_address;
	struct policy_state ps;
	gint64 first = at, last = at;
	int rc, ok;

	if (g_hash_table_contains(s->stale, address))
		return 1;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 7) > at) {
		sqlite3_reset(st);
		g_hash_table_add(s->stale, g_strdup(address));
		return 1;
	}
	policy_state_init(&ps, rc == SQLITE_ROW ?
	    (const char *)sqlite3_column_text(st, 4) : NULL);
	if (rc == SQLITE_ROW) {
		g_strlcpy(ps.state, (const char *)sqlite3_column_text(st, 0),
		    sizeof ps.state);
		ps.state_reason = g_strdup((const char *)sqlite3_column_text(st,
		    1));
		ps.hard = sqlite3_column_int(st, 2);
		ps.soft = sqlite3_column_int(st, 3);
		ps.complaints = sqlite3_column_int(st, 5);
		first = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		policy_state_clear(&ps);
		return store_error(s, error, "reading an address");
	}
	policy_apply(&s->policy, &ps, class, reason, at);
	ok = store_put_address(s, address, &ps, first, last, reason, error);
	policy_state_clear(&ps);
	return ok;
}

/*
 * Recompute the row of address in the addresses table from all its
 * outcomes, oldest first; an address without outcomes loses its row.
 */
int
store_replay(struct store *s, const char *address, GError **error)
{
	sqlite3_stmt *st = s->history;
	struct policy_state ps;
	g_autofree char *reason = NULL;
	gint64 first = 0, last = 0, at;
	int rc, n = 0, ok;

	policy_state_init(&ps, NULL);
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		at = sqlite3_column_int64(st, 2);
		if (n++ == 0)
			first = at;
		last = at;
		g_free(reason);
		reason = g_strdup((const char *)sqlite3_column_text(st, 1));
		policy_apply(&s->policy, &ps,
		    (const char *)sqlite3_column_text(st, 0), reason, at);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		ok = store_error(s, error, "reading an address's history");
	else if (n == 0)
		ok = store_forget_address(s, address, error);
	else
		ok = store_put_address(s, address, &ps, first, last, reason,
		    error);
	policy_state_clear(&ps);
	return ok;
}
