/*
 * store_record.c: a message and its outcomes recorded, and each
 * address's row (the addresses table) kept current with them.  A
 * message whose digest is already stored is not stored again.  Each
 * outcome is shown to the incident guard (store_guard.c) and then moves
 * its address's state one step through policy.c; an outcome older than
 * the address's last one marks it stale instead, and the whole history
 * is replayed before commit (store_fold.c's store_replay(), registered
 * with store_stale()), so that both always agree.  Triggers
 * (sql/004-*.sql) keep counts of outcomes per day in the same
 * transaction as the outcomes, so that stats read a month of days, not
 * a month of outcomes.
 */
#include "config.h"


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
	STORE_GET_ADDRESS,
	STORE_RECORD_NSTMT
};

static const char *const record_sql[STORE_RECORD_NSTMT] = {
	[STORE_ADD_MESSAGE] =
	    "INSERT OR IGNORE INTO messages (digest, received, source, "
	    "envelope_to, subscriber, list, kind, subject, sender, "
	    "returned_id, returned_subject, list_id, reporting_mta, "
	    "arrival_date, bounce_address, list_address) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
	[STORE_ADD_OUTCOME] =
	    "INSERT INTO outcomes (message, idx, address, recipient, "
	    "original, at, class, reason, hard, action, status, replycode, "
	    "diagnostic, remote_mta, decided, confidence, provider, probe, "
	    "node) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
	    "RETURNING id",
	[STORE_GET_ADDRESS] =
	    "SELECT state, state_reason, hard, soft, soft_days, complaints, "
	    "first_seen, last_seen, suspect_day FROM addresses "
	    "WHERE address = ?",
};

/*
 * The message's row, its id in *id_r: 0 when the same bytes were
 * recorded before.  The id comes back with the INSERT (RETURNING), not
 * asked for after it: on PostgreSQL that is one round trip less.
 */
static int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, gint64 *id_r, GError **error)
{
	const struct store_arg args[] = {
		STORE_OPT(m->digest), STORE_INT(m->received),
		STORE_OPT(m->source), STORE_OPT(m->envelope_to),
		STORE_OPT(m->subscriber), STORE_OPT(m->list),
		STORE_OPT(report_kind_name(rp->kind)), STORE_OPT(rp->subject),
		STORE_OPT(rp->from), STORE_OPT(rp->orig_message_id),
		STORE_OPT(rp->orig_subject), STORE_OPT(rp->orig_list_id),
		STORE_OPT(rp->reporting_mta), STORE_OPT(rp->arrival_date),
		STORE_OPT(m->bounce), STORE_OPT(m->list_address),
	};

	return store_number(s, record_sql[STORE_ADD_MESSAGE], STORE_ARGS(args),
	    id_r, error, "recording a message");
}

/* The outcome's row, its id in *id_r. */
static int
store_add_outcome(struct store *s, gint64 message, guint idx,
    const char *address, const char *provider, gint64 probe,
    const struct store_meta *m, const struct recipient *r, gint64 *id_r,
    GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(message), STORE_INT(idx), STORE_OPT(address),
		STORE_OPT(r->final != NULL ? r->final : r->address),
		STORE_OPT(r->original), STORE_INT(m->at),
		STORE_OPT(report_class_name(r->class)),
		STORE_OPT(report_reason_name(r->reason)), STORE_INT(r->hard),
		STORE_OPT(r->action), STORE_OPT(r->status),
		STORE_NONZERO(r->replycode), STORE_OPT(r->diagnostic),
		STORE_OPT(r->remote_mta), STORE_OPT(r->decided),
		STORE_OPT(report_confidence_name(r->confidence)),
		STORE_OPT(provider), STORE_NONZERO(probe), STORE_OPT(s->node),
	};

	return store_number(s, record_sql[STORE_ADD_OUTCOME], STORE_ARGS(args),
	    id_r, error, "recording an outcome");
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
	struct db_stmt *st;
	struct policy_state ps;
	enum policy_addr_state previous;
	gint64 first = at, last = at;
	int rc, ok;

	if (g_hash_table_contains(s->stale, address))
		return 1;
	if ((st = store_stmt(s, record_sql[STORE_GET_ADDRESS], error)) == NULL)
		return 0;
	db_bind_text(st, 1, address);
	if ((rc = db_step(st)) == DB_ROW &&
	    db_column_int64(st, 7) > at) {
		store_done(st);
		store_stale(s, address, store_replay);
		return 1;
	}
	policy_state_init(&ps, rc == DB_ROW ? store_column_text(st, 4) :
	    NULL);
	if (rc == DB_ROW) {
		policy_state_parse(store_column_text(st, 0), &ps.state);
		ps.state_reason = g_strdup(store_column_text(st, 1));
		ps.hard = db_column_int(st, 2);
		ps.soft = db_column_int(st, 3);
		ps.complaints = db_column_int(st, 5);
		first = db_column_int64(st, 6);
		ps.suspect_day = db_column_int(st, 8);
	}
	store_done(st);
	if (rc != DB_ROW && rc != DB_DONE) {
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
store_add_one(struct store *s, gint64 message, guint idx,
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
	    r, &outcome, error))
		return 0;
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
store_add_probed(struct store *s, gint64 message, guint idx,
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
	gint64 message;
	const char *address;
	guint i;

	*added_r = 0;
	if (!store_add_message(s, m, rp, &message, error))
		return 0;
	if (message == 0)
		return 1;	/* the same bytes again: recorded once */
	*added_r = 1;
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
