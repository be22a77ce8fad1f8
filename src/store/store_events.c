/*
 * store_events.c: the events outbox (sql/006-events.sql), part of the
 * store module: store_record.c and store_prune.c call
 * store_events_change() wherever they write an address's state, inside
 * the batch transaction that records the outcome, so an event is never
 * lost and never invented.
 *
 * A change of state is an event of type "address.STATE" (revent.h),
 * caused by one outcome (its reason, class, status, confidence,
 * evidence, message and list are the event's) or by a command that has
 * none ("forget", "expire").  Most are published at once: they go to
 * the events table and get their id.  address.dead and address.suspect,
 * the changes an incident can still undo, wait the incident guard's
 * window (store_set_event_delay(), default STORE_EVENT_DELAY) in
 * events_pending, so that an incident found in that time keeps them
 * from everyone; store_events_publish() moves what is due to events,
 * oldest due first, and only then gives it an id, so that ids grow in
 * the order events become visible.
 *
 * A pending event that a later change overtakes (a second hard bounce,
 * a delivery, forget, an incident, a replay under another policy) was
 * never seen by anyone: it is dropped, and the later change is told
 * from the state that was last published (nothing at all when that is
 * the state again).  So an address has at most one pending event, and
 * what is published within the delay does not depend on the order its
 * bounces came in: a suspect made dead by a second bounce in that time
 * is told once, dead, from alive.
 */
#include "config.h"

#include <string.h>

#include "revent.h"
#include "store_int.h"

/* What the commit that published events says on PostgreSQL. */
#define STORE_EVENTS_CHANNEL	"rebound_events"

#define STORE_EVENT_DELAY	3600	/* seconds a waiting event waits */

/* The event columns but id, in the order store_events_bind() binds. */
#define EVENTS_COLUMNS \
	"type, time, address, list, state, previous, reason, class, " \
	"status, confidence, evidence, digest, incident"
/* The same as read: the digest is 32 bytes, shown in hex (sql/015-*.sql). */
#define EVENTS_READ \
	"type, time, address, list, state, previous, reason, class, " \
	"status, confidence, evidence, " STORE_HEX("digest") ", incident"

enum events_stmt {
	EVENTS_ADD,
	EVENTS_ADD_PENDING,
	EVENTS_DUE,
	EVENTS_PUBLISH,
	EVENTS_PUBLISHED,
	EVENTS_LIST,
	EVENTS_LAST,
	EVENTS_STATE,
	EVENTS_CAUSE,
	EVENTS_PENDING_OF,
	EVENTS_DROP_PENDING,
	EVENTS_NSTMT
};

static const char *const events_sql[EVENTS_NSTMT] = {
	[EVENTS_ADD] =
	    "INSERT INTO events (" EVENTS_COLUMNS ") "
	    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,unhex(?12),?13)",
	[EVENTS_ADD_PENDING] =
	    "INSERT INTO events_pending (due, " EVENTS_COLUMNS ") "
	    "VALUES (?14,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,unhex(?12),?13)",
	[EVENTS_DUE] =
	    "SELECT 1 FROM events_pending WHERE due <= ?1 LIMIT 1",
	/* Rows are inserted, and so numbered, in the SELECT's order. */
	[EVENTS_PUBLISH] =
	    "INSERT INTO events (" EVENTS_COLUMNS ") SELECT " EVENTS_COLUMNS
	    " FROM events_pending WHERE due <= ?1 ORDER BY due, id",
	[EVENTS_PUBLISHED] =
	    "DELETE FROM events_pending WHERE due <= ?1",
	[EVENTS_LIST] =
	    "SELECT id, " EVENTS_READ " FROM events "
	    "WHERE id > ?1 AND time >= ?2 AND (?3 IS NULL OR type = ?3) "
	    "ORDER BY id LIMIT ?4",
	[EVENTS_LAST] =
	    "SELECT coalesce(max(id), 0) FROM events",
	[EVENTS_STATE] =
	    "SELECT state FROM addresses WHERE address = ?1",
	[EVENTS_CAUSE] =
	    "SELECT o.reason, o.class, o.status, o.confidence, "
	    STORE_TEMPLATE("o", "decided_text") ", "
	    "o.at, " STORE_HEX("m.digest") ", " STORE_TEXT_OF("m.list_text")
	    " FROM outcomes o "
	    "JOIN messages m ON m.id = o.message WHERE o.id = ?1",
	/* Only the waiting types are ever pending (events_waits()). */
	[EVENTS_PENDING_OF] =
	    "SELECT id, previous, time FROM events_pending "
	    "WHERE address = ?1 ORDER BY id",
	[EVENTS_DROP_PENDING] =
	    "DELETE FROM events_pending WHERE id = ?1",
};

struct store_events {
	gint64		 delay;			/* seconds a waiting event waits */
};

static void *
events_new(void)
{
	struct store_events *e = g_new0(struct store_events, 1);

	e->delay = STORE_EVENT_DELAY;
	return e;
}

/* This file's part of the store, made on first use. */
static struct store_events *
events_of(struct store *s)
{
	return store_part(s, STORE_PART_EVENTS, events_new, g_free);
}

/* Between transactions only, like store_set_policy(). */
void
store_set_event_delay(struct store *s, gint64 seconds)
{
	events_of(s)->delay = seconds;
}

/* ?1 .. ?13: the columns of EVENTS_COLUMNS. */
static void
events_bind(struct db_stmt *st, const struct revent *ev)
{
	const char *text[] = { ev->address, ev->list, ev->state,
	    ev->previous, ev->reason, ev->class, ev->status, ev->confidence,
	    ev->evidence, ev->digest };
	guint i;

	db_bind_text(st, 1, ev->type);
	db_bind_int64(st, 2, ev->time);
	for (i = 0; i < G_N_ELEMENTS(text); i++)
		store_bind_filter(st, 3 + i, text[i]);
	if (ev->incident != 0)
		db_bind_int64(st, 13, ev->incident);
}

/*
 * An event but its id, from EVENTS_COLUMNS at column c on: events_row()
 * and store_hooks.c's deliveries read the same columns.
 */
void
store_event_columns(struct db_stmt *st, int c, struct revent *ev)
{
	/* The texts between time and incident, in EVENTS_COLUMNS' order. */
	const char **texts[] = {
		&ev->address, &ev->list, &ev->state, &ev->previous,
		&ev->reason, &ev->class, &ev->status, &ev->confidence,
		&ev->evidence, &ev->digest,
	};
	guint i;

	ev->type = store_column_text(st, c);
	ev->time = db_column_int64(st, c + 1);
	for (i = 0; i < G_N_ELEMENTS(texts); i++)
		*texts[i] = store_column_text(st, c + 2 + i);
	ev->incident = db_column_int64(st, c + 2 + i);
}

/* A row (id, EVENTS_COLUMNS), to the caller's fn. */
static int
events_row(struct db_stmt *st, void *arg)
{
	struct store_to *to = arg;
	struct revent ev;

	ev.id = db_column_int64(st, 0);
	store_event_columns(st, 1, &ev);
	return to->fn.event(&ev, to->data);
}

/*
 * Record ev: published now when due <= ev->time, else pending until
 * due.  Inside the caller's transaction.
 */
int
store_event_add(struct store *s, const struct revent *ev, gint64 due,
    GError **error)
{
	int pending = due > ev->time;
	struct db_stmt *st = store_stmt(s, events_sql[pending ?
	    EVENTS_ADD_PENDING : EVENTS_ADD], error);

	if (st == NULL)
		return 0;
	events_bind(st, ev);
	if (pending)
		db_bind_int64(st, 14, due);
	return store_step(s, st, error, "recording an event") &&
	    (pending || db_notify(s->db, STORE_EVENTS_CHANNEL, error));
}

/* Is any pending event due at now?  A read, so that idle is cheap. */
static int
events_due(struct store *s, gint64 now, int *due_r, GError **error)
{
	const struct store_arg args[] = { STORE_INT(now) };
	gint64 one;

	if (!store_number(s, events_sql[EVENTS_DUE], STORE_ARGS(args), &one,
	    error, "reading pending events"))
		return 0;
	*due_r = one != 0;
	return 1;
}

/* Move the events due at now, in (due, id) order; *n_r: how many. */
static int
events_move(struct store *s, gint64 now, guint *n_r, GError **error)
{
	struct db_stmt *publish = store_stmt(s, events_sql[EVENTS_PUBLISH],
	    error);
	struct db_stmt *drop = store_stmt(s, events_sql[EVENTS_PUBLISHED], error);

	if (publish == NULL || drop == NULL)
		return 0;
	db_bind_int64(publish, 1, now);
	if (!store_step(s, publish, error, "publishing events"))
		return 0;
	*n_r = (guint)db_changes(s->db);
	db_bind_int64(drop, 1, now);
	return store_step(s, drop, error, "publishing events") &&
	    (*n_r == 0 || db_notify(s->db, STORE_EVENTS_CHANNEL, error));
}

/*
 * Publish the pending events due at now, in one transaction of their
 * own, or in the caller's if one is open.
 */
/*
 * Until events may have been published, or ms pass: on PostgreSQL the
 * COMMIT that published some tells (LISTEN/NOTIFY); on SQLite ms pass.
 */
void
store_events_wait(struct store *s, int ms)
{
	db_wait(s->db, STORE_EVENTS_CHANNEL, ms);
}

int
store_events_publish(struct store *s, gint64 now, guint *published_r,
    GError **error)
{
	int due, own = !db_in_transaction(s->db);

	*published_r = 0;
	if (!events_due(s, now, &due, error))
		return 0;
	if (!due)
		return 1;
	if (own && !store_begin(s, error))
		return 0;
	if (events_move(s, now, published_r, error) &&
	    (!own || store_commit(s, error)))
		return 1;
	*published_r = 0;
	if (own)
		store_rollback(s);
	return 0;
}

/*
 * Published events after id after_id, at or after since_time, of type
 * (NULL: any), at most limit (-1: all), oldest first, to fn until it
 * returns 0.  Each is valid during its call only.
 */
int
store_events(struct store *s, gint64 after_id, gint64 since_time,
    const char *type, int limit, store_event_fn *fn, void *data,
    GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(after_id), STORE_INT(since_time), STORE_TEXT(type),
		STORE_LIMIT(limit)
	};
	struct store_to to = { .fn.event = fn, .data = data };

	return store_rows(s, events_sql[EVENTS_LIST], STORE_ARGS(args),
	    events_row, &to, error, "reading events");
}

/* The highest published id (0: none yet), or -1 on an error. */
gint64
store_events_last(struct store *s)
{
	struct db_stmt *st = store_stmt(s, events_sql[EVENTS_LAST], NULL);
	gint64 last = -1;

	if (st == NULL)
		return -1;
	if (db_step(st) == DB_ROW)
		last = db_column_int64(st, 0);
	store_done(st);
	return last;
}

/* The stored state of address ("alive" when it has no row), g_free'd. */
static char *
events_state(struct store *s, const char *address, GError **error)
{
	struct db_stmt *st = store_stmt(s, events_sql[EVENTS_STATE], error);
	char *state;
	int rc;

	if (st == NULL)
		return NULL;
	db_bind_text(st, 1, address);
	rc = db_step(st);
	state = g_strdup(rc == DB_ROW ? store_column_text(st, 0) :
	    policy_state_name(STATE_ALIVE));
	store_done(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return state;
	g_free(state);
	store_error(s, error, "reading an address's state");
	return NULL;
}

/*
 * Drop the events of address still pending: nobody saw them.
 * *previous_r becomes the state before the first of them (what
 * was last published), or stays as it was when there is none.  With
 * keep_at, those caused at that time are kept, and *previous_r stays.
 */
static int
events_unpend(struct store *s, const char *address, char **previous_r,
    gint64 keep_at, GError **error)
{
	struct db_stmt *st = store_stmt(s, events_sql[EVENTS_PENDING_OF],
	    error);
	struct db_stmt *drop = store_stmt(s, events_sql[EVENTS_DROP_PENDING],
	    error);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	gint64 id;
	guint i;
	int rc;

	if (st == NULL || drop == NULL)
		return 0;
	db_bind_text(st, 1, address);
	while ((rc = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		if (keep_at != 0 && db_column_int64(st, 2) == keep_at)
			continue;
		if (ids->len == 0 && store_column_text(st, 1) != NULL) {
			g_free(*previous_r);
			*previous_r = g_strdup(store_column_text(st, 1));
		}
		g_array_append_val(ids, id);
	}
	if (!store_rows_end(s, st, rc, error, "reading pending events"))
		return 0;
	for (i = 0; i < ids->len; i++) {
		db_bind_int64(drop, 1, g_array_index(ids, gint64, i));
		if (!store_step(s, drop, error, "dropping a pending event"))
			return 0;
	}
	return 1;
}

/*
 * The outcome that caused ev: its reason, class, status, confidence,
 * evidence, time, message and list.  They stay in st's row: the caller
 * calls store_done(st) when it has used them.
 */
static struct db_stmt *
events_cause(struct store *s, gint64 outcome, struct revent *ev,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, events_sql[EVENTS_CAUSE], error);
	int rc;

	if (st == NULL)
		return NULL;
	db_bind_int64(st, 1, outcome);
	if ((rc = db_step(st)) != DB_ROW) {
		store_done(st);
		if (rc == DB_DONE)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "event: no outcome %" G_GINT64_FORMAT, outcome);
		else
			store_error(s, error, "reading an outcome");
		return NULL;
	}
	ev->reason = store_column_text(st, 0);
	ev->class = store_column_text(st, 1);
	ev->status = store_column_text(st, 2);
	ev->confidence = store_column_text(st, 3);
	ev->evidence = store_column_text(st, 4);
	ev->time = db_column_int64(st, 5);
	ev->digest = store_column_text(st, 6);
	ev->list = store_column_text(st, 7);
	return st;
}

/* Does an event of type wait the delay: can an incident still undo it? */
static int
events_waits(const char *type)
{
	return strcmp(type, revent_type_name(REVENT_ADDRESS_DEAD)) == 0 ||
	    strcmp(type, revent_type_name(REVENT_ADDRESS_SUSPECT)) == 0;
}

/*
 * Record ev, caused by an outcome (0: by a command, why, now).  A
 * waiting type waits the delay, from now or from when it happened if
 * that is later (a bounce dated in the future waits as long).
 */
static int
events_add_caused(struct store *s, struct revent *ev, gint64 outcome,
    const char *why, GError **error)
{
	struct store_events *e = events_of(s);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC, due;
	g_autofree char *list = NULL;
	struct db_stmt *st = NULL;
	int ok;

	ev->time = now;
	ev->reason = why;
	if (outcome != 0 && (st = events_cause(s, outcome, ev, error)) == NULL)
		return 0;
	ev->list = list = revent_list_id(ev->list);
	due = ev->time;
	if (events_waits(ev->type) && e->delay > 0)
		due = MAX(now, ev->time) + e->delay;
	ok = store_event_add(s, ev, due, error);
	if (st != NULL)
		store_done(st);
	return ok;
}

/*
 * A replay found address dead as stored, but made so by outcome: a
 * pending address.dead caused by another one (an outcome an incident
 * held since, in the same batch as the one that now makes it dead) is
 * told again with its true cause, so that the event does not depend on
 * how outcomes were batched.
 */
static int
events_recause(struct store *s, const char *address, gint64 outcome,
    GError **error)
{
	struct revent ev = { 0 };
	g_autofree char *before = NULL;
	struct db_stmt *st = events_cause(s, outcome, &ev, error);
	gint64 at;

	if (st == NULL)
		return 0;
	at = ev.time;
	store_done(st);
	if (!events_unpend(s, address, &before, at, error))
		return 0;
	if (before == NULL)
		return 1;	/* none pending, or the same cause */
	memset(&ev, 0, sizeof ev);
	ev.type = revent_type_name(REVENT_ADDRESS_DEAD);
	ev.address = address;
	ev.state = policy_state_name(STATE_DEAD);
	ev.previous = before;
	return events_add_caused(s, &ev, outcome, NULL, error);
}

/*
 * The state of address goes from previous (NULL: as stored now) to
 * state (NULL: no row, alive), because of an outcome (0: a command,
 * why).  Called before the row is written, in the same transaction.
 */
int
store_events_change(struct store *s, const char *address,
    const char *previous, const char *state, gint64 outcome,
    const char *why, GError **error)
{
	g_autofree char *before = NULL;
	struct revent ev = { 0 };

	if (state == NULL)
		state = policy_state_name(STATE_ALIVE);
	if (previous != NULL && strcmp(previous, state) == 0)
		return 1;	/* most outcomes: no change, no query */
	before = previous ? g_strdup(previous) : events_state(s, address,
	    error);
	if (before == NULL)
		return 0;
	if (strcmp(before, state) == 0)
		return previous == NULL && outcome != 0 &&
		    strcmp(state, policy_state_name(STATE_DEAD)) == 0 ?
		    events_recause(s, address, outcome, error) : 1;
	if (!events_unpend(s, address, &before, 0, error))
		return 0;
	/* Unchanged as published; or a state with no event of its own. */
	if (strcmp(before, state) == 0 ||
	    (ev.type = revent_type_of_state(state)) == NULL)
		return 1;
	ev.address = address;
	ev.state = state;
	ev.previous = before;
	return events_add_caused(s, &ev, outcome, why, error);
}
