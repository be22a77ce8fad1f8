/*
 * store_texts.c: the texts table (sql/014-texts.sql), each text once: the
 * id a message or an outcome holds for one of its texts, the text added
 * when it is new.  The ids found are kept in s->texts until the
 * transaction ends (store.c empties it at a commit or a rollback), while
 * this writer alone can change texts: a
 * batch of bounces names the same few texts again and again, and asks
 * the database once for each.  A text is added only in the writers'
 * turn (store_lock()): texts_by_text is not unique on PostgreSQL (a
 * hash index), and two writers adding one text at once would keep it
 * twice.  Before it, a text not there yet is -1: its row waits.
 */
#include "config.h"

#include <string.h>

#include "store.h"
#include "store_int.h"

static const char texts_find_sql[] = "SELECT id FROM texts WHERE text = ?1";
static const char texts_add_sql[] = "INSERT INTO texts (text) VALUES (?1)";
static const char texts_read_sql[] = "SELECT text FROM texts WHERE id = ?1";
/* TEXTS_AT_ONCE of them: a message's and its first outcome's. */
#define TEXTS_AT_ONCE	16
static const char texts_many_sql[] = "SELECT id, text FROM texts "
    "WHERE text IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?14, ?15, ?16)";

/* The id of text in the table, 0 when it is not there; -1: an error. */
static gint64
texts_find(struct store *s, const char *text, GError **error)
{
	struct db_stmt *st = store_stmt(s, texts_find_sql, error);
	gint64 id = 0;
	int rc;

	if (st == NULL)
		return -1;
	db_bind_text(st, 1, text);
	if ((rc = db_step(st)) == DB_ROW)
		id = db_column_int64(st, 0);
	store_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		store_error(s, error, "reading a text");
		return -1;
	}
	return id;
}

/*
 * *id_r: the id of text, added if it is new; 0 for NULL or "" (what
 * STORE_OPT() makes NULL); -1 when it is new and the transaction has
 * not the writers' turn yet.
 */
int
store_text_id(struct store *s, const char *text, gint64 *id_r,
    GError **error)
{
	const struct store_arg args[] = { STORE_TEXT(text) };
	gpointer found;

	*id_r = 0;
	if (text == NULL || *text == '\0')
		return 1;
	if (g_hash_table_lookup_extended(s->texts, text, NULL, &found)) {
		*id_r = (gint64)GPOINTER_TO_SIZE(found);
		return 1;
	}
	if ((*id_r = texts_find(s, text, error)) < 0)
		return 0;
	if (*id_r == 0 && !s->locked) {
		*id_r = -1;
		return 1;
	}
	if (*id_r == 0) {
		if (!store_run(s, texts_add_sql, STORE_ARGS(args), error,
		    "recording a text"))
			return 0;
		*id_r = db_last_id(s->db);
	}
	if (db_in_transaction(s->db))
		g_hash_table_insert(s->texts, g_strdup(text),
		    GSIZE_TO_POINTER((gsize)*id_r));
	return 1;
}

/*
 * The ids of texts[*i_r ..] this transaction has not yet, up to
 * TEXTS_AT_ONCE of them, asked at once and kept; *i_r moves past them.
 */
static int
texts_find_some(struct store *s, const char *const *texts, size_t n,
    size_t *i_r, GError **error)
{
	struct db_stmt *st = store_stmt(s, texts_many_sql, error);
	int k = 0, rc;

	if (st == NULL)
		return 0;
	for (; *i_r < n && k < TEXTS_AT_ONCE; (*i_r)++)
		if (texts[*i_r] != NULL && *texts[*i_r] != '\0' &&
		    !g_hash_table_contains(s->texts, texts[*i_r]))
			db_bind_text(st, ++k, texts[*i_r]);
	if (k == 0) {
		store_done(st);
		return 1;
	}
	while (k < TEXTS_AT_ONCE)
		db_bind_text(st, ++k, NULL);	/* of one type each time */
	while ((rc = db_step(st)) == DB_ROW)
		g_hash_table_insert(s->texts, g_strdup(store_column_text(st, 1)),
		    GSIZE_TO_POINTER((gsize)db_column_int64(st, 0)));
	return store_rows_end(s, st, rc, error, "reading texts");
}

/*
 * Look texts up together, those this transaction has not yet: one round
 * trip for a message's (and its first outcome's) where store_text_id()
 * takes one each.  What is found is kept for store_text_id(); a new
 * text is not, and it asks again.
 */
int
store_texts_find(struct store *s, const char *const *texts, size_t n,
    GError **error)
{
	size_t i = 0;

	while (i < n)
		if (!texts_find_some(s, texts, n, &i, error))
			return 0;
	return 1;
}

/* The text of id, to free; NULL when there is none (or an error). */
char *
store_text_read(struct store *s, gint64 id)
{
	struct db_stmt *st = store_stmt(s, texts_read_sql, NULL);

	if (st == NULL)
		return NULL;
	db_bind_int64(st, 1, id);
	return store_first_text(st);
}
