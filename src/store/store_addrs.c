/*
 * store_addrs.c: the rows of a batch's addresses, read at once when the
 * writers' turn is taken, on an engine where each statement waited for
 * is a round trip (PostgreSQL, db_batched()).  store_add_message(),
 * before the turn, names the addresses its outcomes will move
 * (store_addrs_want(), which registers addrs_ahead with the store);
 * store_lock() sends their SELECT in the pipeline behind the lock
 * (addrs_send()) and reads it with the newest outcome (addrs_read()).
 * From then on, to the end of the turn,
 * an address's row is known here as the database holds it: every write
 * of an address goes through store_put_address(), which keeps it here
 * too, or store_address_drop(), which forgets it.  So recording an
 * outcome waits for no answer in the turn, which the other daemons
 * wait for.  An address not read here is read from the database, as on
 * SQLite, where a read is a library call.
 */
#include "config.h"

#include <string.h>

#include "policy.h"
#include "store_int.h"

/* The turn's rows, and the addresses to read with the next one. */
struct store_addrs {
	GHashTable	*rows;		/* address -> struct store_addr_row */
	GHashTable	*wanted;	/* address -> address */
};

static const char addrs_sql[] =
    "SELECT address, state, state_reason, hard, soft, soft_days, "
    "complaints, first_seen, last_seen, suspect_day FROM addresses "
    "WHERE address = ANY(?1::text[])";

static int	addrs_send(struct store *, GError **);
static int	addrs_read(struct store *, GError **);
static void	addrs_end(struct store *);

static void
store_addr_row_free(gpointer p)
{
	struct store_addr_row *r = p;

	g_free((char *)r->state);
	g_free((char *)r->reason);
	g_free((char *)r->days);
	g_free(r);
}

static void *
addrs_new(void)
{
	struct store_addrs *a = g_new0(struct store_addrs, 1);

	a->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    store_addr_row_free);
	a->wanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	return a;
}

static void
addrs_free(gpointer p)
{
	struct store_addrs *a = p;

	g_hash_table_destroy(a->rows);
	g_hash_table_destroy(a->wanted);
	g_free(a);
}

static struct store_addrs *
addrs_of(struct store *s)
{
	return store_part(s, STORE_PART_ADDRS, addrs_new, addrs_free);
}

/*
 * The row of a statement's columns from col on: state, state_reason,
 * hard, soft, soft_days, complaints, first_seen, last_seen, suspect_day.
 */
void
store_addr_row_read(struct db_stmt *st, int col, struct store_addr_row *r)
{
	r->found = 1;
	r->state = store_column_text(st, col);
	r->reason = store_column_text(st, col + 1);
	r->hard = db_column_int(st, col + 2);
	r->soft = db_column_int(st, col + 3);
	r->days = store_column_text(st, col + 4);
	r->complaints = db_column_int(st, col + 5);
	r->first = db_column_int64(st, col + 6);
	r->last = db_column_int64(st, col + 7);
	r->suspect_day = db_column_int(st, col + 8);
}

/* Address's row, copied in (r->found 0: it has none). */
static void
addrs_keep(struct store *s, const char *address,
    const struct store_addr_row *r)
{
	struct store_addr_row *k = g_new(struct store_addr_row, 1);

	*k = *r;
	k->state = g_strdup(r->state);
	k->reason = g_strdup(r->reason);
	k->days = g_strdup(r->days);
	g_hash_table_replace(addrs_of(s)->rows, g_strdup(address), k);
}

static const struct store_ahead addrs_ahead = {
	addrs_send, addrs_read, addrs_end
};

/* Before the turn: address will be moved in it. */
void
store_addrs_want(struct store *s, const char *address)
{
	GHashTable *wanted;

	if (address == NULL || s->locked || !db_batched(s->db))
		return;
	s->ahead = &addrs_ahead;
	wanted = addrs_of(s)->wanted;
	if (!g_hash_table_contains(wanted, address))
		g_hash_table_add(wanted, g_strdup(address));
}

/* The wanted addresses as one array of PostgreSQL's, to free. */
static char *
addrs_array(GHashTable *wanted)
{
	GString *out = g_string_new("{");
	GHashTableIter iter;
	gpointer address;
	const char *p;

	g_hash_table_iter_init(&iter, wanted);
	while (g_hash_table_iter_next(&iter, &address, NULL)) {
		if (out->len > 1)
			g_string_append_c(out, ',');
		g_string_append_c(out, '"');
		for (p = address; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				g_string_append_c(out, '\\');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/*
 * With the turn, behind its lock: the wanted addresses' rows asked
 * for, their answer read with the next statement's (db_pipe()).
 */
static int
addrs_send(struct store *s, GError **error)
{
	struct store_addrs *a;
	struct db_stmt *st;
	g_autofree char *array = NULL;

	if (!db_batched(s->db) ||
	    g_hash_table_size((a = addrs_of(s))->wanted) == 0)
		return 1;
	if ((st = store_stmt(s, addrs_sql, error)) == NULL)
		return 0;
	array = addrs_array(a->wanted);
	db_bind_text(st, 1, array);
	if (db_pipe(st) == DB_ERROR) {
		store_done(st);
		return store_error(s, error, "reading addresses");
	}
	return 1;
}

/* The rows asked for by addrs_send(), kept; the others, none. */
static int
addrs_read(struct store *s, GError **error)
{
	struct store_addrs *a;
	struct store_addr_row r = { 0 };
	GHashTableIter iter;
	struct db_stmt *st;
	gpointer address;
	int rc;

	if (!db_batched(s->db) ||
	    g_hash_table_size((a = addrs_of(s))->wanted) == 0)
		return 1;
	if ((st = store_stmt(s, addrs_sql, error)) == NULL)
		return 0;
	while ((rc = db_step(st)) == DB_ROW) {
		store_addr_row_read(st, 1, &r);
		addrs_keep(s, store_column_text(st, 0), &r);
	}
	if (!store_rows_end(s, st, rc, error, "reading addresses"))
		return 0;
	memset(&r, 0, sizeof r);
	g_hash_table_iter_init(&iter, a->wanted);
	while (g_hash_table_iter_next(&iter, &address, NULL))
		if (!g_hash_table_contains(a->rows, address))
			addrs_keep(s, address, &r);
	g_hash_table_remove_all(a->wanted);
	return 1;
}

/* Address's row as the database holds it in the turn; NULL: not known. */
const struct store_addr_row *
store_addrs_get(struct store *s, const char *address)
{
	if (s->parts[STORE_PART_ADDRS] == NULL)
		return NULL;
	return g_hash_table_lookup(addrs_of(s)->rows, address);
}

/*
 * Address's row written (store_put_address()), as read back it would
 * be: an empty reason is NULL.  Kept only when known already.
 */
void
store_addrs_put(struct store *s, const char *address,
    const struct policy_state *ps, const char *days, gint64 first,
    gint64 last)
{
	struct store_addr_row r = {
		1, policy_state_name(ps->state), ps->state_reason, days,
		ps->hard, ps->soft, ps->complaints, ps->suspect_day, first, last
	};

	if (store_addrs_get(s, address) == NULL)
		return;
	if (r.reason != NULL && *r.reason == '\0')
		r.reason = NULL;
	addrs_keep(s, address, &r);
}

/* Address's row dropped, or changed by a statement of its own. */
void
store_addrs_forget(struct store *s, const char *address)
{
	if (s->parts[STORE_PART_ADDRS] != NULL)
		g_hash_table_remove(addrs_of(s)->rows, address);
}

/* The turn is over: what it read is not to be trusted after it. */
static void
addrs_end(struct store *s)
{
	struct store_addrs *a = s->parts[STORE_PART_ADDRS];

	if (a == NULL)
		return;
	g_hash_table_remove_all(a->rows);
	g_hash_table_remove_all(a->wanted);
}
