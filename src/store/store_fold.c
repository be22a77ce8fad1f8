/*
 * store_fold.c: an address's history (its outcomes and its probes that
 * ran out, oldest first) folded through policy.c into its row of the
 * addresses table.  store_record.c steps one outcome further, or marks
 * the address stale when one comes out of order; store_replay() folds
 * the whole history, for the stale addresses before commit, for the
 * guard's decisions, for the probes that run out and for prune's
 * expire; "rebound prune --dry-run" folds every address at once.  It
 * calls only store.c and store_events.c: the files that record, decide
 * and prune call it.
 */
#include "config.h"

#include <string.h>


#include "guard.h"
#include "policy.h"
#include "probe.h"
#include "store.h"
#include "store_int.h"
#include "vocab.h"

enum store_fold_stmt {
	FOLD_REPLAY,
	FOLD_PUT_ADDRESS,
	FOLD_DELETE_ADDRESS,
	FOLD_EXPIRED_OF,
	FOLD_EXPIRED_ALL,
	FOLD_NSTMT
};

static const char *const fold_sql[FOLD_NSTMT] = {
	[FOLD_REPLAY] =
	    "SELECT o.class, o.reason, o.at, o.confidence, " STORE_HELD_STATE
	    ", o.id, o.probe FROM outcomes o WHERE o.address = ? "
	    "ORDER BY o.at, o.id",
	[FOLD_PUT_ADDRESS] =
	    "INSERT OR REPLACE INTO addresses (address, state, state_reason, "
	    "hard, soft, soft_days, complaints, first_seen, last_seen, "
	    "last_reason, suspect_day) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[FOLD_DELETE_ADDRESS] =
	    "DELETE FROM addresses WHERE address = ?1",
	[FOLD_EXPIRED_OF] =
	    "SELECT decided, why FROM probes WHERE address = ?1 "
	    "AND state = 'expired' ORDER BY decided, id",
	[FOLD_EXPIRED_ALL] =
	    "SELECT address, decided, why FROM probes WHERE state = 'expired' "
	    "ORDER BY address, decided, id",
};

/*
 * The row of address as ps, first and last say, written over.  Nothing
 * waits for its answer (db_send(): on PostgreSQL it goes along with the
 * next statement); a failure fails the next one.
 */
int
store_put_address(struct store *s, const char *address,
    struct policy_state *ps, gint64 first, gint64 last, const char *reason,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, fold_sql[FOLD_PUT_ADDRESS], error);
	g_autofree char *days = NULL;
	int rc;

	if (st == NULL)
		return 0;
	days = policy_state_days(ps);
	store_bind_text(st, 1, address);
	store_bind_text(st, 2, policy_state_name(ps->state));
	store_bind_text(st, 3, ps->state_reason);
	db_bind_int(st, 4, ps->hard);
	db_bind_int(st, 5, ps->soft);
	db_bind_text(st, 6, days);
	db_bind_int(st, 7, ps->complaints);
	db_bind_int64(st, 8, first);
	db_bind_int64(st, 9, last);
	store_bind_text(st, 10, reason);
	db_bind_int(st, 11, ps->suspect_day);
	store_addrs_put(s, address, ps, days, first, last);
	rc = db_send(st);
	store_done(st);
	return rc != DB_ERROR || store_error(s, error, "updating an address");
}

static void
store_expiry_clear(gpointer p)
{
	g_free(((struct store_expiry *)p)->why);
}

GArray *
store_expiries_new(void)
{
	GArray *a = g_array_new(FALSE, FALSE, sizeof(struct store_expiry));

	g_array_set_clear_func(a, store_expiry_clear);
	return a;
}

/* A probe that ran out (at, why), into the GArray arg. */
static int
store_expiry_row(struct db_stmt *st, void *arg)
{
	struct store_expiry e = {
		db_column_int64(st, 0), g_strdup(store_column_text(st, 1))
	};

	g_array_append_val((GArray *)arg, e);
	return 1;
}

/* The probes of address that ran out, oldest first, into a. */
int
store_probe_expiries(struct store *s, const char *address, GArray *a,
    GError **error)
{
	const struct store_arg args[] = { STORE_TEXT(address) };

	return store_rows(s, fold_sql[FOLD_EXPIRED_OF], STORE_ARGS(args),
	    store_expiry_row, a, error, "reading probes");
}

/* Every address's probes that ran out: address -> GArray, into h. */
int
store_probe_expiries_all(struct store *s, GHashTable *h, GError **error)
{
	struct db_stmt *st = store_stmt(s, fold_sql[FOLD_EXPIRED_ALL], error);
	struct store_expiry e;
	GArray *a;
	int rc;

	if (st == NULL)
		return 0;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *address = store_column_text(st, 0);

		if ((a = g_hash_table_lookup(h, address)) == NULL) {
			a = store_expiries_new();
			g_hash_table_insert(h, g_strdup(address), a);
		}
		e.at = db_column_int64(st, 1);
		e.why = g_strdup(store_column_text(st, 2));
		g_array_append_val(a, e);
	}
	return store_rows_end(s, st, rc, error, "reading probes");
}

void
store_fold_init(struct store_fold *f, GArray *expiries)
{
	memset(f, 0, sizeof *f);
	policy_state_init(&f->ps, NULL);
	f->expiries = expiries;
}

void
store_fold_clear(struct store_fold *f)
{
	policy_state_clear(&f->ps);
	g_free(f->reason);
	f->reason = NULL;
}

/* The probes that ran out before at (G_MAXINT64: all left), in order. */
void
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
int
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
void
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
	struct db_stmt *st = store_stmt(s, fold_sql[FOLD_REPLAY], error);
	g_autoptr(GArray) expiries = store_expiries_new();
	struct store_fold f;
	gint64 gone;
	int rc, ok;

	if (st == NULL || !store_probe_expiries(s, address, expiries, error))
		return 0;
	store_fold_init(&f, expiries);
	db_bind_text(st, 1, address);
	while ((rc = db_step(st)) == DB_ROW)
		store_fold(&f, &s->policy, store_column_text(st, 0),
		    store_column_text(st, 1), store_column_text(st, 3),
		    store_held(store_column_text(st, 4)),
		    db_column_int64(st, 2), db_column_int64(st, 5),
		    db_column_int64(st, 6));
	if (rc == DB_DONE)
		store_fold_expiries(&f, &s->policy, G_MAXINT64);
	if (!store_rows_end(s, st, rc, error, "reading an address's history") ||
	    !store_events_change(s, address, NULL, f.n ?
	    policy_state_name(f.ps.state) : NULL, f.changed, why, error))
		ok = 0;
	else if (f.n == 0)
		ok = store_address_drop(s, address, &gone, error);
	else
		ok = store_put_address(s, address, &f.ps, f.first, f.last,
		    f.reason, error);
	store_fold_clear(&f);
	return ok;
}

/* Drop address's row; *row_r: 1 if there was one. */
int
store_address_drop(struct store *s, const char *address, gint64 *row_r,
    GError **error)
{
	store_addrs_forget(s, address);
	return store_count(s, fold_sql[FOLD_DELETE_ADDRESS], address, 0,
	    row_r, error);
}
