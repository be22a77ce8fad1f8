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

#include <string.h>


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

/* Each *_text column holds an id of texts (store_texts.c). */
static const char *const record_sql[STORE_RECORD_NSTMT] = {
	[STORE_ADD_MESSAGE] =
	    "INSERT OR IGNORE INTO messages (digest, received, source_text, "
	    "envelope_to_text, subscriber, list_text, kind_text, "
	    "subject_text, sender_text, returned_id, returned_subject_text, "
	    "list_id_text, reporting_mta_text, arrival_date, "
	    "bounce_address_text, list_address_text) "
	    "VALUES (unhex(?),?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
	[STORE_ADD_OUTCOME] =
	    "INSERT INTO outcomes (message, idx, address, recipient, "
	    "original, at, class, reason, hard, action_text, status, "
	    "replycode, diagnostic_text, remote_mta_text, decided_text, "
	    "confidence, provider_text, probe, node) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
	[STORE_GET_ADDRESS] =
	    "SELECT state, state_reason, hard, soft, soft_days, complaints, "
	    "first_seen, last_seen, suspect_day FROM addresses "
	    "WHERE address = ?",
};

/* The ids of n texts, in ids (0: none). */
static int
store_text_ids(struct store *s, const char *const *texts, gint64 *ids,
    size_t n, GError **error)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!store_text_id(s, texts[i], &ids[i], error))
			return 0;
	return 1;
}

/*
 * The id a diagnostic or evidence is kept under: as a template, with
 * each who replaced by 0x01 (id * 2 + 1), when it names who and holds
 * no 0x01 of its own, else as it is (id * 2); 0 for none.  As SQL's
 * replace() does it in sql/014-texts.sql; store_query.c undoes it.
 */
static int
store_template_id(struct store *s, const char *text, const char *who,
    gint64 *id_r, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autofree char *template = NULL;
	int templated = 0;

	if (text != NULL && who != NULL && *who != '\0' &&
	    strstr(text, who) != NULL && strchr(text, '\001') == NULL) {
		parts = g_strsplit(text, who, -1);
		text = template = g_strjoinv("\001", parts);
		templated = 1;
	}
	if (!store_text_id(s, text, id_r, error))
		return 0;
	if (*id_r != 0)
		*id_r = *id_r * 2 + templated;
	return 1;
}

enum { MSG_SOURCE, MSG_ENVELOPE, MSG_LIST, MSG_KIND, MSG_SUBJECT, MSG_FROM,
	MSG_RSUBJECT, MSG_LIST_ID, MSG_REPORTING, MSG_BOUNCE, MSG_LIST_ADDRESS,
	MSG_NTEXTS };

/*
 * The message's row, its texts' ids in t, its id in *id_r: 0 when the
 * same bytes were recorded before.  The id comes back with the INSERT
 * (RETURNING), not asked for after it: on PostgreSQL that is one round
 * trip less.
 */
static int
store_put_message(struct store *s, const struct store_meta *m,
    const struct report *rp, const gint64 t[MSG_NTEXTS], gint64 *id_r,
    GError **error)
{
	const struct store_arg args[] = {
		STORE_OPT(m->digest), STORE_INT(m->received),
		STORE_NONZERO(t[MSG_SOURCE]), STORE_NONZERO(t[MSG_ENVELOPE]),
		STORE_OPT(m->subscriber), STORE_NONZERO(t[MSG_LIST]),
		STORE_NONZERO(t[MSG_KIND]), STORE_NONZERO(t[MSG_SUBJECT]),
		STORE_NONZERO(t[MSG_FROM]), STORE_OPT(rp->orig_message_id),
		STORE_NONZERO(t[MSG_RSUBJECT]), STORE_NONZERO(t[MSG_LIST_ID]),
		STORE_NONZERO(t[MSG_REPORTING]), STORE_OPT(rp->arrival_date),
		STORE_NONZERO(t[MSG_BOUNCE]), STORE_NONZERO(t[MSG_LIST_ADDRESS]),
	};

	return store_number(s, record_sql[STORE_ADD_MESSAGE], STORE_ARGS(args),
	    id_r, error, "recording a message");
}

static int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, gint64 *id_r, GError **error)
{
	const char *const texts[MSG_NTEXTS] = { m->source, m->envelope_to,
	    m->list, report_kind_name(rp->kind), rp->subject, rp->from,
	    rp->orig_subject, rp->orig_list_id, rp->reporting_mta, m->bounce,
	    m->list_address };
	gint64 t[MSG_NTEXTS];

	return store_text_ids(s, texts, t, MSG_NTEXTS, error) &&
	    store_put_message(s, m, rp, t, id_r, error);
}

/* An outcome's texts, as ids (0: none). */
struct record_texts {
	gint64		 action, diagnostic, remote_mta, decided, provider;
};

/* The outcome's row, its texts' ids in t, its id in *id_r. */
static int
store_put_outcome(struct store *s, gint64 message, guint idx,
    const char *address, gint64 probe,
    const struct store_meta *m, const struct recipient *r,
    const struct record_texts *t, gint64 *id_r, GError **error)
{
	const char *recipient = r->final != NULL ? r->final : r->address;
	const struct store_arg args[] = {
		STORE_INT(message), STORE_INT(idx), STORE_OPT(address),
		/* NULL: the address itself, as it nearly always is */
		STORE_OPT(g_strcmp0(recipient, address) == 0 ? NULL : recipient),
		STORE_OPT(r->original), STORE_INT(m->at),
		STORE_OPT(report_class_name(r->class)),
		STORE_OPT(report_reason_name(r->reason)), STORE_INT(r->hard),
		STORE_NONZERO(t->action), STORE_OPT(r->status),
		STORE_NONZERO(r->replycode), STORE_NONZERO(t->diagnostic),
		STORE_NONZERO(t->remote_mta), STORE_NONZERO(t->decided),
		STORE_OPT(report_confidence_name(r->confidence)),
		STORE_NONZERO(t->provider), STORE_NONZERO(probe),
		STORE_OPT(s->node),
	};

	return store_number(s, record_sql[STORE_ADD_OUTCOME], STORE_ARGS(args),
	    id_r, error, "recording an outcome");
}

static int
store_add_outcome(struct store *s, gint64 message, guint idx,
    const char *address, const char *provider, gint64 probe,
    const struct store_meta *m, const struct recipient *r, gint64 *id_r,
    GError **error)
{
	const char *recipient = r->final != NULL ? r->final : r->address;
	struct record_texts t;

	if (!store_text_id(s, r->action, &t.action, error) ||
	    !store_template_id(s, r->diagnostic, recipient, &t.diagnostic,
	    error) ||
	    !store_text_id(s, r->remote_mta, &t.remote_mta, error) ||
	    !store_template_id(s, r->decided, recipient, &t.decided, error) ||
	    !store_text_id(s, provider, &t.provider, error))
		return 0;
	return store_put_outcome(s, message, idx, address, probe, m, r, &t,
	    id_r, error);
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
