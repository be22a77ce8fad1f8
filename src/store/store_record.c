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
 *
 * store_add() is in two halves.  The message's row (store_add_message())
 * goes in without the writers' turn (store_lock()): on PostgreSQL two
 * daemons record their messages side by side, their digests unique.
 * Its outcomes (store_add_outcomes()) take the turn: an address's row is
 * read and written back, the guard fed, events numbered and the
 * outcomes' ids taken by one writer at a time, in commit order.  The
 * daemon records a batch's messages first, then their outcomes, so that
 * its turn is as short as it can be.
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
	    "INSERT INTO outcomes (id, message, idx, address, recipient, "
	    "original, at, class, reason, hard, action_text, status, "
	    "replycode, diagnostic_text, remote_mta_text, decided_text, "
	    "confidence, provider_text, probe, node) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
 * The text a diagnostic or evidence is kept as: a template, with each
 * who replaced by 0x01 (*templated_r 1), when it names who and holds no
 * 0x01 of its own, else as it is; to free.  As SQL's replace() does it
 * in sql/014-texts.sql; store_query.c undoes it.
 */
static char *
store_template(const char *text, const char *who, int *templated_r)
{
	g_auto(GStrv) parts = NULL;

	*templated_r = 0;
	if (text == NULL || who == NULL || *who == '\0' ||
	    strstr(text, who) == NULL || strchr(text, '\001') != NULL)
		return g_strdup(text);
	parts = g_strsplit(text, who, -1);
	*templated_r = 1;
	return g_strjoinv("\001", parts);
}

/* The id it is kept under: a template's id * 2 + 1, else id * 2. */
static int
store_template_id(struct store *s, const char *text, const char *who,
    gint64 *id_r, GError **error)
{
	int templated;
	g_autofree char *kept = store_template(text, who, &templated);

	if (!store_text_id(s, kept, id_r, error))
		return 0;
	if (*id_r > 0)
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

/* An outcome's texts, as ids (0: none). */
struct record_texts {
	gint64		 action, diagnostic, remote_mta, decided, provider;
};

/*
 * The outcome's row, id its id, its texts' ids in t, sent (db_send()):
 * on PostgreSQL its answer is read with the next statement's.
 */
static int
store_put_outcome(struct store *s, gint64 id, gint64 message, guint idx,
    const char *address, gint64 probe,
    const struct store_meta *m, const struct recipient *r,
    const struct record_texts *t, GError **error)
{
	const char *recipient = r->final != NULL ? r->final : r->address;
	const struct store_arg args[] = {
		STORE_INT(id), STORE_INT(message), STORE_INT(idx),
		STORE_OPT(address),
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

	struct db_stmt *st = store_bound(s, record_sql[STORE_ADD_OUTCOME],
	    STORE_ARGS(args), error);
	int rc;

	if (st == NULL)
		return 0;
	rc = db_send(st);
	store_done(st);
	return rc != DB_ERROR || store_error(s, error, "recording an outcome");
}

/* The ids of an outcome's texts (-1: new, before the writers' turn). */
static int
store_outcome_texts(struct store *s, const struct recipient *r,
    struct record_texts *t, GError **error)
{
	const char *recipient = r->final != NULL ? r->final : r->address;

	return store_text_id(s, r->action, &t->action, error) &&
	    store_template_id(s, r->diagnostic, recipient, &t->diagnostic,
	    error) &&
	    store_text_id(s, r->remote_mta, &t->remote_mta, error) &&
	    store_template_id(s, r->decided, recipient, &t->decided, error);
}

/* An address's row as it was before an outcome: found or not. */
struct record_addr {
	int			 rc;		/* DB_ROW: found, DB_DONE */
	struct policy_state	 ps;
	gint64			 first, last;	/* seen */
};

/* a, from the row r. */
static void
store_address_of(struct record_addr *a, const struct store_addr_row *r)
{
	a->rc = r->found ? DB_ROW : DB_DONE;
	policy_state_init(&a->ps, r->found ? r->days : NULL);
	if (!r->found)
		return;
	policy_state_parse(r->state, &a->ps.state);
	a->ps.state_reason = g_strdup(r->reason);
	a->ps.hard = r->hard;
	a->ps.soft = r->soft;
	a->ps.complaints = r->complaints;
	a->first = r->first;
	a->last = r->last;
	a->ps.suspect_day = r->suspect_day;
}

/* Address's row, as the turn read it at its start (store_addrs.c), or
   asked for now. */
static int
store_read_address(struct store *s, const char *address,
    struct record_addr *a, GError **error)
{
	const struct store_addr_row *known = store_addrs_get(s, address);
	struct store_addr_row r = { 0 };
	struct db_stmt *st;
	int rc;

	if (known != NULL) {
		store_address_of(a, known);
		return 1;
	}
	if ((st = store_stmt(s, record_sql[STORE_GET_ADDRESS], error)) == NULL)
		return 0;
	db_bind_text(st, 1, address);
	if ((rc = db_step(st)) == DB_ROW)
		store_addr_row_read(st, 0, &r);
	if (rc == DB_ROW || rc == DB_DONE)
		store_address_of(a, &r);
	store_done(st);
	return rc != DB_ERROR || store_error(s, error, "reading an address");
}

/*
 * The outcome's row, its id in *id_r, and its address's row as it was,
 * in a (to clear).  The id is the one after the newest: in the writers'
 * turn no one else adds outcomes (SQLite's rowid would be the same), so
 * the store need not wait for the INSERT's answer to know it.  On
 * PostgreSQL, where the turn read a's row at its start, the outcome
 * costs no round trip then.
 */
static int
store_add_outcome(struct store *s, gint64 message, guint idx,
    const char *address, const char *provider, gint64 probe,
    const struct store_meta *m, const struct recipient *r,
    struct record_addr *a, gint64 *id_r, GError **error)
{
	struct record_texts t;

	*id_r = MAX(s->newest, s->mine) + 1;
	if (!store_outcome_texts(s, r, &t, error) ||
	    !store_text_id(s, provider, &t.provider, error) ||
	    !store_put_outcome(s, *id_r, message, idx, address, probe, m, r,
	    &t, error) || !store_read_address(s, address, a, error))
		return 0;
	s->mine = *id_r;
	return 1;
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
store_update(struct store *s, const char *address, struct record_addr *a,
    const char *class, const char *reason, enum confidence confidence,
    gint64 at, gint64 outcome, GError **error)
{
	enum policy_addr_state previous = a->ps.state;

	if (g_hash_table_contains(s->stale, address))
		return 1;
	if (a->rc == DB_ROW && a->last > at) {
		store_stale(s, address, store_replay);
		return 1;
	}
	policy_apply(&s->policy, &a->ps, class, reason, confidence, at);
	return store_events_change(s, address, policy_state_name(previous),
	    policy_state_name(a->ps.state), outcome, NULL, error) &&
	    store_put_address(s, address, &a->ps, a->rc == DB_ROW ? a->first :
	    at, at, reason, error);
}

/*
 * A recorded outcome, as the guard and the policy count it (the guard
 * may hold a hard one: it counts as soft); a, its address's row.
 */
static int
store_count_outcome(struct store *s, const char *address,
    const char *provider, gint64 probe, const struct store_meta *m,
    const struct recipient *r, struct record_addr *a, gint64 outcome,
    GError **error)
{
	enum report_class counted = r->class;
	const char *class;
	struct guard_hit h = { 0 };
	int held = 0;

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
	return store_update(s, address, a, class, report_reason_name(r->reason),
	    r->confidence, m->at, outcome, error);
}

/*
 * One recipient's outcome, recorded and counted; probe: the probe whose
 * verified bounce it is (0: none), and whose hard bounce the policy
 * counts as the probe's answer.
 */
static int
store_add_one(struct store *s, gint64 message, guint idx,
    const char *address, gint64 probe, const struct store_meta *m,
    const struct recipient *r, GError **error)
{
	g_autofree char *provider = provider_of(r->remote_mta, r->diagnostic);
	struct record_addr a;
	gint64 outcome;
	int ok;

	if (!store_add_outcome(s, message, idx, address, provider, probe, m,
	    r, &a, &outcome, error))
		return 0;
	ok = store_count_outcome(s, address, provider, probe, m, r, &a,
	    outcome, error);
	policy_state_clear(&a.ps);
	return ok;
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

/*
 * Before the writers' turn, the message's texts and its outcomes' asked
 * for together (store_texts_find()): fewer round trips on PostgreSQL.
 */
static int
store_texts_prefetch(struct store *s, const char *const *texts,
    const struct report *rp, GError **error)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
	const struct recipient *r;
	int templated;
	guint i;

	for (i = 0; i < MSG_NTEXTS; i++)
		g_ptr_array_add(all, g_strdup(texts[i]));
	for (i = 0; i < rp->recipients->len; i++) {
		r = rp->recipients->pdata[i];
		g_ptr_array_add(all, g_strdup(r->action));
		g_ptr_array_add(all, g_strdup(r->remote_mta));
		g_ptr_array_add(all, store_template(r->diagnostic, r->final != NULL ?
		    r->final : r->address, &templated));
		g_ptr_array_add(all, store_template(r->decided, r->final != NULL ?
		    r->final : r->address, &templated));
	}
	return store_texts_find(s, (const char *const *)all->pdata, all->len,
	    error);
}

/*
 * The first half of store_add(), which needs not the writers' turn
 * (store_lock()): the message's row, *message_r its id, 0 when the same
 * bytes were recorded before (the digest is unique), -1 when one of its
 * texts is new, as a text is added only in the turn.  Its outcomes'
 * texts are looked up too (store_texts.c keeps them until commit), so
 * that the turn, which the other writers wait for, does not.
 */
int
store_add_message(struct store *s, const struct store_meta *m,
    const struct report *rp, gint64 *message_r, GError **error)
{
	const char *const texts[MSG_NTEXTS] = { m->source, m->envelope_to,
	    m->list, report_kind_name(rp->kind), rp->subject, rp->from,
	    rp->orig_subject, rp->orig_list_id, rp->reporting_mta, m->bounce,
	    m->list_address };
	gint64 t[MSG_NTEXTS];
	struct record_texts rt;
	const struct recipient *r;
	guint i;

	*message_r = -1;
	if ((!s->locked && !store_texts_prefetch(s, texts, rp, error)) ||
	    !store_text_ids(s, texts, t, MSG_NTEXTS, error))
		return 0;
	for (i = 0; i < MSG_NTEXTS; i++)
		if (t[i] < 0)
			break;
	if (i == MSG_NTEXTS && !store_put_message(s, m, rp, t, message_r,
	    error))
		return 0;
	for (i = 0; *message_r != 0 && !s->locked && i < rp->recipients->len;
	    i++) {
		r = rp->recipients->pdata[i];
		if (!store_outcome_texts(s, r, &rt, error))
			return 0;
		if (m->probe_token == NULL)
			store_addrs_want(s, m->address != NULL ? m->address :
			    r->address);
	}
	return 1;
}

/*
 * The second half, in the writers' turn: the message's row if it waited
 * for it (message -1), then its outcomes, each moving its address.
 */
int
store_add_outcomes(struct store *s, const struct store_meta *m,
    const struct report *rp, gint64 message, int *added_r, GError **error)
{
	const char *address;
	guint i;

	*added_r = 0;
	if (message == 0)
		return 1;	/* the same bytes again: recorded once */
	if (!store_lock(s, error) ||
	    (message < 0 && !store_add_message(s, m, rp, &message, error)))
		return 0;
	if (message == 0)
		return 1;
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

int
store_add(struct store *s, const struct store_meta *m,
    const struct report *rp, int *added_r, GError **error)
{
	gint64 message;

	*added_r = 0;
	return store_add_message(s, m, rp, &message, error) &&
	    store_add_outcomes(s, m, rp, message, added_r, error);
}
