/*
 * db_sqlite.c: the SQLite engine of the store (db.h), the default: a
 * database is a file path.  A writer's file is in WAL mode, with foreign
 * keys on and synchronous=FULL unless configured otherwise, so that a
 * commit that returned is on disk.  A reader that cannot create the
 * -shm file reads a database no writer has open as immutable.  The
 * schema version is PRAGMA user_version.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "sql.h"

struct db_sqlite {
	struct db	 db;		/* first: what db.c sees */
	sqlite3		*handle;
	int		 claim_fd;	/* PATH-reboundd, locked; or -1 */
};

struct db_sqlite_stmt {
	struct db_stmt	 st;		/* first */
	sqlite3_stmt	*handle;
};

#define DB_SQLITE(d)	((struct db_sqlite *)(d))
#define DB_SQLITE_STMT(s) (((struct db_sqlite_stmt *)(s))->handle)

static int
db_sqlite_owns(const char *where)
{
	return !db_is_url(where);
}

static const char *
db_sqlite_errmsg(struct db *db)
{
	return sqlite3_errmsg(DB_SQLITE(db)->handle);
}

static int
db_sqlite_error(struct db *db, GError **error, const char *what)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s: %s",
	    db->name, what, db_sqlite_errmsg(db));
	return 0;
}

static int
db_sqlite_exec(struct db *db, const char *sql, GError **error)
{
	char *msg = NULL;

	if (sqlite3_exec(DB_SQLITE(db)->handle, sql, NULL, NULL, &msg) ==
	    SQLITE_OK) {
		db->changes = sqlite3_changes(DB_SQLITE(db)->handle);
		return 1;
	}
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "%s: %s",
	    db->name, msg ? msg : db_sqlite_errmsg(db));
	sqlite3_free(msg);
	return 0;
}

/* Pragmas of a writer: WAL, and how hard a commit waits for the disk. */
static int
db_sqlite_pragmas(struct db *db, const struct db_options *o, GError **error)
{
	if (!db_sqlite_exec(db, "PRAGMA foreign_keys = ON", error))
		return 0;
	if (o->readonly)
		return 1;
	/*
	 * A bigger page cache and memory-mapped reads: the digest index is
	 * looked up at random for every message, and the default 2 MB cache
	 * sends those lookups to the disk.
	 */
	return db_sqlite_exec(db, "PRAGMA journal_mode = WAL", error) &&
	    db_sqlite_exec(db, o->sync_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", error) &&
	    db_sqlite_exec(db, "PRAGMA cache_size = -32768", error) &&
	    db_sqlite_exec(db, "PRAGMA mmap_size = 268435456", error);
}

/*
 * Reading a WAL database needs its -shm file, which a reader without
 * write access to the directory cannot create.  When no writer has it
 * open (no -shm), the file alone is the whole database: read it as
 * immutable.
 */
static int
db_sqlite_reopen_immutable(struct db_sqlite *d, GError **error)
{
	g_autofree char *uri = NULL, *escaped = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->handle, "SELECT count(*) FROM sqlite_master",
	    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	rc = sqlite3_extended_errcode(d->handle) & 0xff;
	if (rc != SQLITE_CANTOPEN && rc != SQLITE_READONLY)
		return 1;	/* the real error shows in the next query */
	sqlite3_close(d->handle);
	escaped = g_uri_escape_string(d->db.name, "/", TRUE);
	uri = g_strdup_printf("file:%s?immutable=1", escaped);
	if (sqlite3_open_v2(uri, &d->handle, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return db_sqlite_error(&d->db, error, "cannot open");
	return 1;
}

static void
db_sqlite_close(struct db *db)
{
	if (DB_SQLITE(db)->claim_fd >= 0)
		close(DB_SQLITE(db)->claim_fd);
	sqlite3_close(DB_SQLITE(db)->handle);
	g_free(db->name);
	g_free(db);
}

/*
 * unhex(HEX): the bytes HEX spells, NULL if it spells none; built into
 * SQLite from 3.41 (and PostgreSQL's is sql/015-*.sql's), here for the
 * older ones.  A message's digest is stored so, 32 bytes.
 */
static void
db_sqlite_unhex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *hex = (const char *)sqlite3_value_text(argv[0]);
	int i, n = sqlite3_value_bytes(argv[0]);
	guchar *b;

	(void)argc;
	if (hex == NULL || n % 2 != 0)
		return;
	b = g_malloc(n / 2 + 1);
	for (i = 0; i < n; i += 2) {
		if (!g_ascii_isxdigit(hex[i]) || !g_ascii_isxdigit(hex[i + 1])) {
			g_free(b);
			return;
		}
		b[i / 2] = g_ascii_xdigit_value(hex[i]) << 4 |
		    g_ascii_xdigit_value(hex[i + 1]);
	}
	sqlite3_result_blob(ctx, b, n / 2, g_free);
}

/*
 * hex_lower(BYTES): a digest as rebound shows it, in lower-case hex, in
 * one pass (lower(hex(...)) made two strings an event: 1.12 times the
 * CPU of "rebound events"); NULL for NULL or no bytes.  PostgreSQL's
 * is sql/015-*.sql's.
 */
static void
db_sqlite_hex_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const char digits[] = "0123456789abcdef";
	const guchar *b = sqlite3_value_blob(argv[0]);
	int i, n = sqlite3_value_bytes(argv[0]);
	char *hex;

	(void)argc;
	if (b == NULL || n == 0)
		return;
	hex = g_malloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 0xf];
	}
	sqlite3_result_text(ctx, hex, 2 * n, g_free);
}

static struct db *
db_sqlite_open(const char *path, const struct db_options *o, GError **error)
{
	struct db_sqlite *d = g_new0(struct db_sqlite, 1);
	int flags = o->readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	d->db.engine = &db_sqlite;
	d->claim_fd = -1;
	d->db.name = g_strdup(path);
	if (sqlite3_open_v2(path, &d->handle, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		db_sqlite_error(&d->db, error, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(d->handle, o->busy_timeout);
	sqlite3_extended_result_codes(d->handle, 1);
	if (o->readonly && !db_sqlite_reopen_immutable(d, error))
		goto fail;
	sqlite3_create_function(d->handle, "unhex", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, db_sqlite_unhex, NULL, NULL);
	sqlite3_create_function(d->handle, "hex_lower", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, db_sqlite_hex_lower, NULL, NULL);
	if (!db_sqlite_pragmas(&d->db, o, error))
		goto fail;
	return &d->db;
fail:
	db_sqlite_close(&d->db);
	return NULL;
}

static struct db_stmt *
db_sqlite_prepare(struct db *db, const char *sql, GError **error)
{
	struct db_sqlite_stmt *s;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(DB_SQLITE(db)->handle, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		db_sqlite_error(db, error, "preparing a statement");
		return NULL;
	}
	s = g_new0(struct db_sqlite_stmt, 1);
	s->st.db = db;
	s->handle = st;
	return &s->st;
}

static void
db_sqlite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(DB_SQLITE_STMT(st));
	g_free(st);
}

static void
db_sqlite_bind_int64(struct db_stmt *st, int i, gint64 value)
{
	sqlite3_bind_int64(DB_SQLITE_STMT(st), i, value);
}

/* The text must outlive the step: the store's binds always do. */
static void
db_sqlite_bind_text(struct db_stmt *st, int i, const char *value)
{
	if (value == NULL)
		sqlite3_bind_null(DB_SQLITE_STMT(st), i);
	else
		sqlite3_bind_text(DB_SQLITE_STMT(st), i, value, -1,
		    SQLITE_STATIC);
}

static void
db_sqlite_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(DB_SQLITE_STMT(st), i);
}

/* The column's affinity makes the text a number where it is one. */
static void
db_sqlite_bind_value(struct db_stmt *st, int i, const char *value)
{
	db_sqlite_bind_text(st, i, value);
}

static int
db_sqlite_step(struct db_stmt *st)
{
	int rc = sqlite3_step(DB_SQLITE_STMT(st));

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc != SQLITE_DONE)
		return DB_ERROR;
	st->db->changes = sqlite3_changes(DB_SQLITE(st->db)->handle);
	return DB_DONE;
}

static void
db_sqlite_reset(struct db_stmt *st)
{
	sqlite3_reset(DB_SQLITE_STMT(st));
	sqlite3_clear_bindings(DB_SQLITE_STMT(st));
}

static int
db_sqlite_column_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(DB_SQLITE_STMT(st), col) == SQLITE_NULL;
}

static gint64
db_sqlite_column_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(DB_SQLITE_STMT(st), col);
}

static const char *
db_sqlite_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(DB_SQLITE_STMT(st), col);
}

static int
db_sqlite_column_count(struct db_stmt *st)
{
	return sqlite3_column_count(DB_SQLITE_STMT(st));
}

static const char *
db_sqlite_column_name(struct db_stmt *st, int col)
{
	return sqlite3_column_name(DB_SQLITE_STMT(st), col);
}

/* A rowid goes on from the largest: nothing to do. */
static int
db_sqlite_copied(struct db *db, const char *table, GError **error)
{
	return 1;
}

static gint64
db_sqlite_last_id(struct db *db)
{
	return sqlite3_last_insert_rowid(DB_SQLITE(db)->handle);
}

static int
db_sqlite_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(DB_SQLITE(db)->handle);
}

static int
db_sqlite_version(struct db *db, int *version, GError **error)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(DB_SQLITE(db)->handle, "PRAGMA user_version",
	    -1, &st, NULL) != SQLITE_OK)
		return db_sqlite_error(db, error, "not a rebound database");
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_sqlite_error(db, error, "not a rebound database");
	return 1;
}

static int
db_sqlite_set_version(struct db *db, int version, GError **error)
{
	g_autofree char *sql = g_strdup_printf("PRAGMA user_version = %d",
	    version);

	return db_sqlite_exec(db, sql, error);
}

/*
 * One daemon a file: each keeps the incident guard's recent outcomes in
 * memory, and two would each count half a burst.  The claim is an
 * flock() on PATH-reboundd, beside the -wal file, held while open (not
 * on the database file itself: closing any other descriptor of it
 * would drop SQLite's own locks), with the holder's pid in it.
 */
static int
db_sqlite_claim(struct db *db, GError **error)
{
	g_autofree char *path = g_strconcat(db->name, "-reboundd", NULL);
	g_autofree char *pid = NULL, *holder = NULL;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "%s: %s", path, g_strerror(errno));
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		g_file_get_contents(path, &holder, NULL, NULL);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s: "
		    "another reboundd (pid %s) has this database: one reboundd "
		    "a SQLite file; several daemons need PostgreSQL ([store] "
		    "url)", db->name, holder != NULL && *holder != '\0' ?
		    g_strstrip(holder) : "unknown");
		close(fd);
		return 0;
	}
	pid = g_strdup_printf("%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, pid, strlen(pid)) < 0)
		g_debug("%s: %s", path, g_strerror(errno));
	DB_SQLITE(db)->claim_fd = fd;
	return 1;
}

/* One daemon a file (claim): it does every duty. */
static int
db_sqlite_lead(struct db *db, const char *duty)
{
	return 1;
}

static int
db_sqlite_notify(struct db *db, const char *channel, GError **error)
{
	return 1;
}

static void
db_sqlite_wait(struct db *db, const char *channel, int ms)
{
	g_usleep((gulong)ms * 1000);
}

const struct db_engine db_sqlite = {
	.name = "sqlite",
	.owns = db_sqlite_owns,
	.open = db_sqlite_open,
	.close = db_sqlite_close,
	.errmsg = db_sqlite_errmsg,
	.exec = db_sqlite_exec,
	.prepare = db_sqlite_prepare,
	.finalize = db_sqlite_finalize,
	.bind_int64 = db_sqlite_bind_int64,
	.bind_text = db_sqlite_bind_text,
	.bind_null = db_sqlite_bind_null,
	.bind_value = db_sqlite_bind_value,
	.step = db_sqlite_step,
	.reset = db_sqlite_reset,
	.column_null = db_sqlite_column_null,
	.column_int64 = db_sqlite_column_int64,
	.column_text = db_sqlite_column_text,
	.column_count = db_sqlite_column_count,
	.column_name = db_sqlite_column_name,
	.copied = db_sqlite_copied,
	.last_id = db_sqlite_last_id,
	.in_transaction = db_sqlite_in_transaction,
	.version = db_sqlite_version,
	.set_version = db_sqlite_set_version,
	.claim = db_sqlite_claim,
	.lead = db_sqlite_lead,
	.notify = db_sqlite_notify,
	.wait = db_sqlite_wait,
	.begin_sql = "BEGIN IMMEDIATE",	/* the lock, too */
	.limit_null = 0,
	.migrations = sql_migrations,
};
