/*
 * store_record.c: a message and its outcomes recorded, and each
 * address's row (the addresses table) kept current with them.  A
 * message whose digest is already stored is not stored again.  Each
 * outcome is shown to the incident guard (store_guard.c) and then moves
 * its address's state one step through policy.c; an outcome older than
 * the address's last one marks it stale instead, and the whole history
 * is replayed before commit (store_replay(), the fold "rebound prune
 * --dry-run" uses too), so that both always agree.  Triggers
 * (sql/004-*.sql) keep counts of outcomes per day in the same
 * transaction as the outcomes, so that stats read a month of days, not
 * a month of outcomes.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "guard.h"
#include "policy.h"
#include "probe.h"
#include "provider.h"
#include "store.h"
#include "store_int.h"
#include "vocab.h"

enum store_record_stmt {
	STORE_ADD_MESSAGE,
	STORE_ADD_OUTCOME,
	STORE_REPLAY,
	STORE_GET_ADDRESS,
	STORE_PUT_ADDRESS,
	STORE_DELETE_ADDRESS,
	STORE_RECORD_NSTMT
};

static const char *const record_sql[STORE_RECORD_NSTMT] = {
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
};

static int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, record_sql[STORE_ADD_MESSAGE], error);

	if (st == NULL)
		return 0;
	store_bind_text(st, 1, m->digest);
	sqlite3_bind_int64(st, 2, m->received);
	store_bind_text(st, 3, m->source);
	store_bind_text(st, 4, m->envelope_to);
	store_bind_text(st, 5, m->subscriber);
	store_bind_text(st, 6, m->list);
	store_bind_text(st, 7, report_kind_name(rp->kind));
	store_bind_text(st, 8, rp->subject);
	store_bind_text(st, 9, rp->from);
	store_bind_text(st, 10, rp->orig_message_id);
	store_bind_text(st, 11, rp->orig_subject);
	store_bind_text(st, 12, rp->orig_list_id);
	store_bind_text(st, 13, rp->reporting_mta);
	store_bind_text(st, 14, rp->arrival_date);
	store_bind_text(st, 15, m->bounce);
	store_bind_text(st, 16, m->list_address);
	return store_step(s, st, error, "recording a message");
}

static int
store_add_outcome(struct store *s, sqlite3_int64 message, guint idx,
    const char *address, const char *provider, gint64 probe,
    const struct store_meta *m, const struct recipient *r, GError **error)
{
	sqlite3_stmt *st = store_stmt(s, record_sql[STORE_ADD_OUTCOME], error);

	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, message);
	sqlite3_bind_int(st, 2, (int)idx);
	store_bind_text(st, 3, address);
	store_bind_text(st, 4, r->final != NULL ? r->final : r->address);
	store_bind_text(st, 5, r->original);
	sqlite3_bind_int64(st, 6, m->at);
	store_bind_text(st, 7, report_class_name(r->class));
	store_bind_text(st, 8, report_reason_name(r->reason));
	sqlite3_bind_int(st, 9, r->hard);
	store_bind_text(st, 10, r->action);
	store_bind_text(st, 11, r->status);
	if (r->replycode != 0)
		sqlite3_bind_int(st, 12, r->replycode);
	store_bind_text(st, 13, r->diagnostic);
	store_bind_text(st, 14, r->remote_mta);
	store_bind_text(st, 15, r->decided);
	store_bind_text(st, 16, report_confidence_name(r->confidence));
	store_bind_text(st, 17, provider);
	if (probe != 0)
		sqlite3_bind_int64(st, 18, probe);
	return store_step(s, st, error, "recording an outcome");
}

static int
store_put_address(struct store *s, const char *address,
    struct policy_state *ps, gint64 first, gint64 last, const char *reason,
    GError **error)
{
	sqlite3_stmt *st = store_stmt(s, record_sql[STORE_PUT_ADDRESS], error);
	g_autofree char *days = NULL;

	if (st == NULL)
		return 0;
	days = policy_state_days(ps);
	store_bind_text(st, 1, address);
	store_bind_text(st, 2, policy_state_name(ps->state));
	store_bind_text(st, 3, ps->state_reason);
	sqlite3_bind_int(st, 4, ps->hard);
	sqlite3_bind_int(st, 5, ps->soft);
	sqlite3_bind_text(st, 6, days, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, ps->complaints);
	sqlite3_bind_int64(st, 8, first);
	sqlite3_bind_int64(st, 9, last);
	store_bind_text(st, 10, reason);
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
	if ((st = store_stmt(s, record_sql[STORE_GET_ADDRESS], error)) == NULL)
		return 0;
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 7) > at) {
		store_done(st);
		g_hash_table_add(s->stale, g_strdup(address));
		return 1;
	}
	policy_state_init(&ps, rc == SQLITE_ROW ? store_column_text(st, 4) :
	    NULL);
	if (rc == SQLITE_ROW) {
		policy_state_parse(store_column_text(st, 0), &ps.state);
		ps.state_reason = g_strdup(store_column_text(st, 1));
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
		const struct recipient *r = rp->recipients->pdata[i];

		if (m->probe_token != NULL) {
			if (!store_add_probed(s, message, i, m, r, error))
				return 0;
			continue;
		}
		address = m->address != NULL ? m->address : r->address;
		if (address != NULL &&
		    !store_add_one(s, message, i, address, 0, m, r, error))
			return 0;
	}
	return 1;
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
	sqlite3_stmt *st = store_stmt(s, record_sql[STORE_REPLAY], error);
	g_autoptr(GArray) expiries = store_expiries_new();
	struct store_fold f;
	gint64 gone;
	int rc, ok;

	if (st == NULL || !store_probe_expiries(s, address, expiries, error))
		return 0;
	store_fold_init(&f, expiries);
	sqlite3_bind_text(st, 1, address, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		store_fold(&f, &s->policy, store_column_text(st, 0),
		    store_column_text(st, 1), store_column_text(st, 3),
		    store_held(store_column_text(st, 4)),
		    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 5),
		    sqlite3_column_int64(st, 6));
	if (rc == SQLITE_DONE)
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
	return store_count(s, record_sql[STORE_DELETE_ADDRESS], address, 0,
	    row_r, error);
}
