/*
 * store_prune.c: what an operator removes or would: the addresses the
 * policy removes (rebound prune) and what another policy would change
 * (--dry-run, a replay of every history in one read transaction), the
 * suspects, and the erasing commands (forget, expire).
 */
#include "config.h"

#include <string.h>


#include "guard.h"
#include "policy.h"
#include "store.h"
#include "store_int.h"

/*
 * expire: a message is as old as the bounce it holds (its outcomes'
 * date, which the policy counts by), else as when it was recorded: an
 * archive imported today is still as old as its bounces.
 */
#define STORE_EXPIRED \
	"SELECT m.id FROM messages m WHERE coalesce((SELECT max(o.at) " \
	"FROM outcomes o WHERE o.message = m.id), m.received) < ?1"

enum store_prune_stmt {
	STORE_REMOVED,
	STORE_REMOVED_ADDRESSES,
	STORE_SUSPECTS,
	STORE_REPLAY_ALL,
	STORE_GUARD_ALL,
	STORE_FORGET_COUNT,
	STORE_FORGET_TEXTS,
	STORE_FORGET_MESSAGES,
	STORE_FORGET_OUTCOMES,
	STORE_EXPIRE_ADDRESSES,
	STORE_EXPIRE_COUNT,
	STORE_EXPIRE_DELETE,
	STORE_EXPIRE_TEXTS,
	STORE_PROBING,
	STORE_FORGET_PROBES,
	STORE_PRUNE_NSTMT
};

static const char *const prune_sql[STORE_PRUNE_NSTMT] = {
	/* The partial index addresses_removed holds these rows, in order. */
	[STORE_REMOVED] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state IN ('dead', 'complained') ORDER BY address",
	/*
	 * The same, the address alone (a NULL is no work to send or read):
	 * on PostgreSQL, turning the other columns into text and reading
	 * them back took half the time of a plain prune.
	 */
	[STORE_REMOVED_ADDRESSES] =
	    "SELECT address, NULL, NULL, NULL FROM addresses "
	    "WHERE state IN ('dead', 'complained') ORDER BY address",
	/* The partial index addresses_suspect finds these, in order. */
	[STORE_SUSPECTS] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state = 'suspect' ORDER BY address",
	[STORE_REPLAY_ALL] =
	    "SELECT o.address, o.class, o.reason, o.at, o.confidence, "
	    STORE_HELD_STATE ", o.id, o.probe FROM outcomes o "
	    "ORDER BY o.address, o.at, o.id",
	/* In the order they were recorded, as the store fed its guard. */
	[STORE_GUARD_ALL] =
	    "SELECT o.id, o.address, " STORE_TEXT_OF("o.provider_text") ", "
	    "o.at, "
	    STORE_TEMPLATE("o", "diagnostic_text") ", "
	    STORE_HELD_STATE " FROM outcomes o WHERE o.class = 'hard' "
	    "ORDER BY o.id",
	[STORE_FORGET_COUNT] =
	    "SELECT count(*) FROM outcomes WHERE address = ?1",
	/*
	 * Its texts that still name it (not made templates: another case,
	 * another form) and that no other address's outcome uses.  Rare,
	 * so the scan of outcomes for other users is rare too.
	 */
	[STORE_FORGET_TEXTS] =
	    "DELETE FROM texts WHERE id IN (SELECT diagnostic_text / 2 "
	    "FROM outcomes WHERE address = ?1 UNION SELECT decided_text / 2 "
	    "FROM outcomes WHERE address = ?1) "
	    "AND instr(lower(text), lower(?1)) > 0 AND NOT EXISTS (SELECT 1 "
	    "FROM outcomes o WHERE o.address <> ?1 AND (o.diagnostic_text / 2 "
	    "= texts.id OR o.decided_text / 2 = texts.id))",
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
	/*
	 * The texts no row names any more, after the delete.  No index
	 * holds the *_text columns: each EXCEPT reads its column once (a
	 * NOT EXISTS would read outcomes once per text), and a NULL is no
	 * id.  The columns are sql/014-texts.sql's.
	 */
	[STORE_EXPIRE_TEXTS] =
	    "DELETE FROM texts WHERE id IN (SELECT id FROM texts "
	    "EXCEPT SELECT action_text FROM outcomes "
	    "EXCEPT SELECT diagnostic_text / 2 FROM outcomes "
	    "EXCEPT SELECT decided_text / 2 FROM outcomes "
	    "EXCEPT SELECT remote_mta_text FROM outcomes "
	    "EXCEPT SELECT provider_text FROM outcomes "
	    "EXCEPT SELECT source_text FROM messages "
	    "EXCEPT SELECT kind_text FROM messages "
	    "EXCEPT SELECT envelope_to_text FROM messages "
	    "EXCEPT SELECT bounce_address_text FROM messages "
	    "EXCEPT SELECT list_address_text FROM messages "
	    "EXCEPT SELECT list_text FROM messages "
	    "EXCEPT SELECT subject_text FROM messages "
	    "EXCEPT SELECT sender_text FROM messages "
	    "EXCEPT SELECT returned_subject_text FROM messages "
	    "EXCEPT SELECT list_id_text FROM messages "
	    "EXCEPT SELECT reporting_mta_text FROM messages)",
	/* The partial index addresses_probing holds these. */
	[STORE_PROBING] =
	    "SELECT address, state, state_reason, last_seen FROM addresses "
	    "WHERE state = 'probing' ORDER BY address",
	[STORE_FORGET_PROBES] =
	    "DELETE FROM probes WHERE address = ?1",
};

/* Copy s to *end, where the next text then goes; NULL stays NULL. */
static const char *
store_change_put(char **end, const char *s)
{
	char *at = *end;

	if (s == NULL)
		return NULL;
	*end = g_stpcpy(at, s) + 1;
	return at;
}

/*
 * A difference between the addresses table and a replay, as fn gets it:
 * one allocation holds the row and its texts, and g_free() frees it.
 */
static struct store_removed *
store_change_new(char change, const char *address, const char *state,
    const char *reason, gint64 last_seen)
{
	size_t len = strlen(address) + (state ? strlen(state) : 0) +
	    (reason ? strlen(reason) : 0) + 3;
	struct store_removed *c = g_malloc(sizeof(*c) + len);
	char *end = (char *)(c + 1);

	c->change = change;
	c->address = store_change_put(&end, address);
	c->state = store_change_put(&end, state);
	c->reason = store_change_put(&end, reason);
	c->last_seen = last_seen;
	return c;
}

static int
store_change_cmp(gconstpointer a, gconstpointer b)
{
	const struct store_removed *ca = *(struct store_removed *const *)a;
	const struct store_removed *cb = *(struct store_removed *const *)b;

	return strcmp(ca->address, cb->address);
}

/* Each address row of which (STORE_REMOVED, STORE_SUSPECTS...), to fn. */
static int
store_address_rows(struct store *s, enum store_prune_stmt which,
    store_removed_fn *fn, void *data, GError **error)
{
	struct db_stmt *st = store_stmt(s, prune_sql[which], error);
	struct store_removed r = { 0 };
	int rc;

	if (st == NULL)
		return 0;
	db_many(st);	/* a million addresses, read in parts */
	while ((rc = db_step(st)) == DB_ROW) {
		r.address = store_column_text(st, 0);
		r.state = store_column_text(st, 1);
		r.reason = store_column_text(st, 2);
		r.last_seen = db_column_int64(st, 3);
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

/* What store_prune() lists without a policy, the address alone. */
int
store_removed_addresses(struct store *s, store_removed_fn *fn, void *data,
    GError **error)
{
	return store_address_rows(s, STORE_REMOVED_ADDRESSES, fn, data, error);
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
	struct store_removed *c = store_change_new('-', r->address, r->state,
	    r->reason, r->last_seen);

	g_hash_table_replace(current, (char *)c->address, c);
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
	struct db_stmt *st = store_stmt(s, prune_sql[STORE_REPLAY_ALL], error);
	g_autoptr(GHashTable) expiries = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	g_autofree char *address = NULL;
	struct store_fold f;
	int rc;

	if (st == NULL || !store_probe_expiries_all(s, expiries, error))
		return 0;
	db_many(st);	/* every outcome */
	store_fold_init(&f, NULL);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *row = store_column_text(st, 0);

		if (address == NULL || strcmp(address, row) != 0) {
			if (address != NULL) {
				store_fold_expiries(&f, p, G_MAXINT64);
				store_settle(current, changes, address, &f);
			}
			store_fold_clear(&f);
			g_free(address);
			address = g_strdup(row);
			store_fold_init(&f, g_hash_table_lookup(expiries,
			    address));
		}
		store_fold(&f, p, store_column_text(st, 1),
		    store_column_text(st, 2), store_column_text(st, 4),
		    store_replay_held(store_column_text(st, 5), held,
		    db_column_int64(st, 6)), db_column_int64(st, 3),
		    0, db_column_int64(st, 7));
	}
	if (rc == DB_DONE && address != NULL) {
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
	struct db_stmt *st;
	int rc;

	if (!p->guard.enabled)
		return 1;
	if ((st = store_stmt(s, prune_sql[STORE_GUARD_ALL], error)) == NULL)
		return 0;
	db_many(st);	/* every hard outcome */
	g = guard_new(&p->guard, &calls, held);
	while ((rc = db_step(st)) == DB_ROW) {
		store_guard_hit_row(st, &h);
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
	    g_str_equal, NULL, g_free);
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
	if (ok)
		ok = db_commit(s->db, error);
	db_rollback(s->db);
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
	guint i;

	if (p == NULL)
		return store_removed(s, fn, data, error);
	changes = g_ptr_array_new_with_free_func(g_free);
	if (!store_prune_changes(s, p, changes, error))
		return 0;
	for (i = 0; i < changes->len; i++)
		fn(g_ptr_array_index(changes, i), data);
	return 1;
}

/* store_count() of one of this file's statements. */
static int
prune_count(struct store *s, enum store_prune_stmt i, const char *text,
    gint64 number, gint64 *n_r, GError **error)
{
	return store_count(s, prune_sql[i], text, number, n_r, error);
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
	    !prune_count(s, STORE_FORGET_COUNT, address, 0, outcomes_r,
	    error) ||
	    !prune_count(s, STORE_FORGET_TEXTS, address, 0, &n, error) ||
	    !prune_count(s, STORE_FORGET_MESSAGES, address, 0, &n, error) ||
	    !prune_count(s, STORE_FORGET_OUTCOMES, address, 0, &n, error) ||
	    !prune_count(s, STORE_FORGET_PROBES, address, 0, &n, error) ||
	    !store_address_drop(s, address, &row, error))
		return 0;
	*found_r = *outcomes_r != 0 || row != 0;
	return 1;
}

/*
 * Drop the messages (and their outcomes) dated before cutoff, then the
 * texts no row names any more (else a daily expire leaves the database
 * growing), and recompute the addresses they named.
 */
int
store_expire(struct store *s, gint64 cutoff, gint64 *messages_r,
    gint64 *outcomes_r, guint *addresses_r, GError **error)
{
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	gint64 texts;
	guint i;

	if (!store_addresses_of(s, prune_sql[STORE_EXPIRE_ADDRESSES], cutoff,
	    addresses, error) ||
	    !prune_count(s, STORE_EXPIRE_COUNT, NULL, cutoff, outcomes_r,
	    error) ||
	    !prune_count(s, STORE_EXPIRE_DELETE, NULL, cutoff, messages_r,
	    error) ||
	    !prune_count(s, STORE_EXPIRE_TEXTS, NULL, 0, &texts, error))
		return 0;
	for (i = 0; i < addresses->len; i++)
		if (!store_replay(s, g_ptr_array_index(addresses, i), "expire",
		    error))
			return 0;
	*addresses_r = addresses->len;
	return 1;
}
