/*
 * store_guard.c: the incident guard's bridge to the database (guard.c
 * decides, this file writes it down) and the incidents an operator
 * lists and decides.
 */
#include "config.h"

#include <string.h>


#include "guard.h"
#include "policy.h"
#include "revent.h"
#include "store.h"
#include "store_int.h"
#include "vocab.h"

/*
 * Past so many outcomes recorded by another writer, the guard is read
 * back whole rather than fed them (store_guard_sync()): the baseline's
 * last period is then cheaper to read than the gap.
 */
#define STORE_GUARD_GAP	20000

static store_sync_fn store_guard_sync;

/* The columns of an incident, in struct store_incident's order. */
#define STORE_INCIDENT_COLUMNS \
	"id, kind, grp, opened, first, last, closed, state, addresses, " \
	"outcomes, sample FROM incidents "

enum store_guard_stmt {
	STORE_HOLD,
	STORE_INCIDENT_ADD,
	STORE_INCIDENT_GROW,
	STORE_INCIDENT_CLOSE,
	STORE_INCIDENTS_KEPT,
	STORE_GUARD_RESTORE,
	STORE_INCIDENTS,
	STORE_INCIDENT,
	STORE_INCIDENT_DECIDE,
	STORE_INCIDENT_ADDRESSES,
	STORE_GUARD_SINCE,
	STORE_GUARD_NSTMT
};

static const char *const guard_sql[STORE_GUARD_NSTMT] = {
	/* Not under an incident an operator has decided since. */
	[STORE_HOLD] =
	    "UPDATE outcomes SET incident = ?1 WHERE id = ?2 "
	    "AND incident IS NULL AND EXISTS (SELECT 1 FROM incidents "
	    "WHERE id = ?1 AND state IN ('open', 'closed')) RETURNING address",
	[STORE_INCIDENT_ADD] =
	    "INSERT INTO incidents (kind, grp, opened, first, last, state, "
	    "addresses, outcomes, sample) VALUES (?,?,?,?,?,'open',?,?,?)",
	/* A closed incident grows too: a bounce that came late. */
	[STORE_INCIDENT_GROW] =
	    "UPDATE incidents SET first = ?2, last = ?3, addresses = ?4, "
	    "outcomes = ?5, opened = ?6, "
	    "closed = CASE state WHEN 'closed' THEN ?7 END, "
	    "sample = coalesce(?8, sample) "
	    "WHERE id = ?1 AND state IN ('open', 'closed')",
	[STORE_INCIDENT_CLOSE] =
	    "UPDATE incidents SET closed = ?2, state = 'closed' "
	    "WHERE id = ?1 AND state = 'open'",
	/* Those a bounce that comes late may still join. */
	[STORE_INCIDENTS_KEPT] =
	    "SELECT id, kind, grp, opened, first, last, coalesce(closed, 0) "
	    "FROM incidents WHERE state = 'open' OR (state = 'closed' AND "
	    "closed > (SELECT max(at) FROM outcomes WHERE class = 'hard') - ?1) "
	    "ORDER BY id",
	/* From the newest hard outcome back: an archive's time, or now. */
	[STORE_GUARD_RESTORE] =
	    "SELECT id, address, " STORE_TEXT_OF("o.provider_text") ", at, "
	    STORE_TEMPLATE("o", "diagnostic_text") ", incident "
	    "FROM outcomes o WHERE class = 'hard' AND at >= (SELECT max(at) "
	    "FROM outcomes WHERE class = 'hard') - ?1 ORDER BY at, id",
	[STORE_INCIDENTS] =
	    "SELECT " STORE_INCIDENT_COLUMNS "ORDER BY id",
	[STORE_INCIDENT] =
	    "SELECT " STORE_INCIDENT_COLUMNS "WHERE id = ?1",
	[STORE_INCIDENT_DECIDE] =
	    "UPDATE incidents SET state = ?2, closed = coalesce(closed, ?3) "
	    "WHERE id = ?1",
	[STORE_INCIDENT_ADDRESSES] =
	    "SELECT DISTINCT address FROM outcomes WHERE incident = ?1",
	/* Another writer's, in the order it fed them to its guard. */
	[STORE_GUARD_SINCE] =
	    "SELECT id, address, " STORE_TEXT_OF("o.provider_text") ", at, "
	    STORE_TEMPLATE("o", "diagnostic_text") ", "
	    "coalesce(incident, 0) FROM outcomes o WHERE class = 'hard' "
	    "AND id > ?1 AND id <= ?2 ORDER BY id",
};

/*
 * The incident guard's side of the store: it feeds guard.c each hard
 * outcome as it is recorded and writes down what the guard decides, in
 * the same transaction: an incident opened, grown or closed, and the
 * outcomes it holds (outcomes.incident).  An address whose earlier
 * outcome is newly held is replayed before commit, so that one a burst
 * made dead returns to what it was.  A hard outcome that comes late
 * may grow an incident already written, even a closed one (its opening,
 * span and close move: guard.h).  The guard's memory is rebuilt from
 * the database on first use (the last baseline period's hard outcomes,
 * the open incidents and those closed within [guard] late), and again
 * after a rollback.
 */
/* Record the first error of the guard's calls, which cannot return one. */
static void
store_guard_failed(struct store *s, GError *error)
{
	if (s->guard_error == NULL)
		s->guard_error = error;
	else
		g_error_free(error);
}

static void
store_incident_notify(struct store *s, const struct guard_incident *inc,
    enum guard_state state)
{
	struct store_incident si = {
		.id = inc->id, .kind = inc->kind,
		.group = inc->group, .opened = inc->opened, .first = inc->first,
		.last = inc->last, .closed = inc->closed, .state = state,
		.addresses = g_hash_table_size(inc->addresses),
		.outcomes = inc->outcomes, .sample = inc->sample,
	};

	if (s->incident_fn != NULL)
		s->incident_fn(&si, s->incident_data);
}

/*
 * An incident opened or closed is an event too (incident.opened,
 * incident.closed), in the same transaction: its group and size in the
 * evidence, as no field of an event names a group.
 */
static int
store_incident_event(struct store *s, const struct guard_incident *inc,
    enum revent_type type, enum guard_state state, gint64 time,
    GError **error)
{
	g_autofree char *evidence = g_strdup_printf("%s %s: %u addresses "
	    "bounced hard within %" G_GINT64_FORMAT " min", guard_kind_name(
	    inc->kind), inc->group, g_hash_table_size(inc->addresses),
	    (inc->last - inc->first + 59) / 60);
	struct revent ev = {
		.type = revent_type_name(type), .time = time,
		.state = guard_state_names[state], .reason = inc->sample,
		.class = report_class_name(CLASS_HARD), .evidence = evidence,
		.incident = inc->id,
	};

	return store_event_add(s, &ev, time, error);
}

/* A held outcome's address: replayed before commit. */
static int
store_hold_row(struct db_stmt *st, void *arg)
{
	struct store *s = arg;

	store_stale(s, store_column_text(st, 0), store_replay);
	s->held++;
	return 1;
}

/* Hold one outcome; its address is replayed before commit. */
static int
store_hold(struct store *s, gint64 incident, gint64 outcome, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(incident), STORE_INT(outcome)
	};

	return store_rows(s, guard_sql[STORE_HOLD], STORE_ARGS(args),
	    store_hold_row, s, error, "holding an outcome");
}

/* The incident's row as it grew; 0 rows: an operator decided it. */
static int
store_incident_grow(struct store *s, const struct guard_incident *inc,
    int *open_r, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(inc->id), STORE_INT(inc->first), STORE_INT(inc->last),
		STORE_INT(g_hash_table_size(inc->addresses)),
		STORE_INT(inc->outcomes), STORE_INT(inc->opened),
		STORE_INT(inc->closed), STORE_OPT(inc->sample),
	};

	if (!store_run(s, guard_sql[STORE_INCIDENT_GROW], STORE_ARGS(args),
	    error, "updating an incident"))
		return 0;
	*open_r = db_changes(s->db) > 0;
	return 1;
}

/* Incident inc opened or closed: its event, then the caller told. */
static void
store_incident_publish(struct store *s, const struct guard_incident *inc,
    enum revent_type type, enum guard_state state, gint64 time)
{
	GError *error = NULL;

	if (store_incident_event(s, inc, type, state, time, &error))
		store_incident_notify(s, inc, state);
	else
		store_guard_failed(s, error);
}

static void
store_guard_opened(struct guard_incident *inc, const GArray *earlier,
    void *data)
{
	struct store *s = data;
	const struct store_arg args[] = {
		STORE_OPT(guard_kind_name(inc->kind)), STORE_OPT(inc->group),
		STORE_INT(inc->opened), STORE_INT(inc->first),
		STORE_INT(inc->last), STORE_INT(g_hash_table_size(inc->addresses)),
		STORE_INT(inc->outcomes), STORE_OPT(inc->sample),
	};
	GError *error = NULL;
	guint i;

	if (s->syncing) {	/* the other writer opened it: its id */
		inc->id = s->sync_incident;
		s->sync_differs |= inc->id == 0;
		return;
	}
	if (!store_run(s, guard_sql[STORE_INCIDENT_ADD], STORE_ARGS(args),
	    &error, "opening an incident"))
		goto fail;
	inc->id = db_last_id(s->db);
	s->opened++;
	for (i = 0; i < earlier->len; i++)
		if (!store_hold(s, inc->id, g_array_index(earlier, gint64, i),
		    &error))
			goto fail;
	store_incident_publish(s, inc, REVENT_INCIDENT_OPENED, GUARD_OPEN,
	    inc->opened);
	return;
fail:
	store_guard_failed(s, error);
}

static void
store_guard_closed(const struct guard_incident *inc, void *data)
{
	struct store *s = data;
	const struct store_arg args[] = {
		STORE_INT(inc->id), STORE_INT(inc->closed)
	};
	GError *error = NULL;

	if (s->syncing)		/* closed by the other writer */
		return;
	if (!store_run(s, guard_sql[STORE_INCIDENT_CLOSE], STORE_ARGS(args),
	    &error, "closing an incident"))
		store_guard_failed(s, error);
	else if (db_changes(s->db) > 0)
		store_incident_publish(s, inc, REVENT_INCIDENT_CLOSED,
		    GUARD_CLOSED, inc->closed);
}

/* A bounce that came late: what the incident holds anew. */
static void
store_guard_grown(const struct guard_incident *inc, const GArray *added,
    void *data)
{
	struct store *s = data;
	GError *error = NULL;
	guint i;

	if (s->syncing)		/* held by the other writer */
		return;
	for (i = 0; i < added->len; i++)
		if (!store_hold(s, inc->id, g_array_index(added, gint64, i),
		    &error)) {
			store_guard_failed(s, error);
			return;
		}
}

static const struct guard_calls store_guard_calls = {
	store_guard_opened, store_guard_closed, store_guard_grown
};

static enum guard_kind
store_guard_kind(const char *name)
{
	int i = vocab_find(guard_kind_names, GUARD_KIND_COUNT, name);

	return i < 0 ? GUARD_DOMAIN : (enum guard_kind)i;
}

/* The columns outcome, address, provider, at, diagnostic of a row. */
void
store_guard_hit_row(struct db_stmt *st, struct guard_hit *h)
{
	h->outcome = db_column_int64(st, 0);
	h->address = store_column_text(st, 1);
	h->provider = store_column_text(st, 2);
	h->at = db_column_int64(st, 3);
	h->diagnostic = store_column_text(st, 4);
}

/* An incident the guard still keeps open. */
static int
store_guard_adopt(struct db_stmt *st, void *arg)
{
	struct store *s = arg;

	guard_adopt(s->guard, db_column_int64(st, 0),
	    store_guard_kind(store_column_text(st, 1)),
	    store_column_text(st, 2), db_column_int64(st, 3),
	    db_column_int64(st, 4),
	    db_column_int64(st, 5), db_column_int64(st, 6));
	return 1;
}

/* A recent hard outcome, and the incident that holds it (or 0). */
static int
store_guard_restore(struct db_stmt *st, void *arg)
{
	struct store *s = arg;
	struct guard_hit h = { 0 };

	store_guard_hit_row(st, &h);
	h.incident = db_column_int64(st, 5);
	guard_restore(s->guard, &h);
	return 1;
}

/* The guard as the database left it: open incidents, recent outcomes. */
static int
store_guard_load(struct store *s, GError **error)
{
	const struct store_arg late[] = { STORE_INT(s->policy.guard.late) };
	const struct store_arg baseline[] = {
		STORE_INT(s->policy.guard.baseline)
	};

	if (s->guard != NULL)
		return 1;
	s->guard = guard_new(&s->policy.guard, &store_guard_calls, s);
	s->sync = store_guard_sync;
	return store_rows(s, guard_sql[STORE_INCIDENTS_KEPT], STORE_ARGS(late),
	    store_guard_adopt, s, error, "reading open incidents") &&
	    store_rows(s, guard_sql[STORE_GUARD_RESTORE], STORE_ARGS(baseline),
	    store_guard_restore, s, error, "reading recent outcomes");
}

/* One of another writer's hard outcomes, and what holds it now. */
static int
store_guard_feed(struct db_stmt *st, void *arg)
{
	struct store *s = arg;
	struct guard_hit h = { 0 };
	gint64 fed[2];

	store_guard_hit_row(st, &h);
	s->sync_incident = db_column_int64(st, 5);
	guard_hard(s->guard, &h);
	fed[0] = h.outcome;
	fed[1] = s->sync_incident;
	g_array_append_vals(s->sync_fed, fed, 2);
	return 1;
}

/*
 * Whether the guard holds each outcome fed (pairs of outcome and
 * incident) where the other writer's guard left it.
 */
static int
store_guard_agrees(struct store *s, const GArray *fed)
{
	guint i;

	for (i = 0; i + 1 < fed->len && !s->sync_differs; i += 2)
		if (guard_holder(s->guard, g_array_index(fed, gint64, i)) !=
		    g_array_index(fed, gint64, i + 1))
			s->sync_differs = 1;
	return !s->sync_differs;
}

/*
 * Another writer recorded outcomes since our last commit, up to newest
 * (writers take turns to add outcomes: this is our turn, store_lock()).  Its guard saw
 * the hard ones in id order from where ours stands, and decided as
 * ours will when fed the same (guard.c is pure), so ours is fed them
 * in that order, its calls writing nothing: what they would write is
 * there.  Should ours not hold each where the other's left it (an
 * operator decided an incident meanwhile, a guard read back at another
 * moment), or the gap be too large to be worth it, the guard is read
 * back whole from the database on next use, as after a restart.
 */
static int
store_guard_sync(struct store *s, gint64 newest, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(s->newest), STORE_INT(newest)
	};
	g_autoptr(GArray) fed = NULL;
	int ok;

	if (s->guard == NULL)
		return 1;	/* read whole on first use anyway */
	if (newest < s->newest || newest - s->newest > STORE_GUARD_GAP) {
		guard_free(&s->guard);
		s->rebuilds++;
		return 1;
	}
	fed = s->sync_fed = g_array_new(FALSE, FALSE, sizeof(gint64));
	s->syncing = 1;
	s->sync_differs = 0;
	ok = store_rows(s, guard_sql[STORE_GUARD_SINCE], STORE_ARGS(args),
	    store_guard_feed, s, error, "reading another writer's outcomes");
	s->syncing = 0;
	s->sync_fed = NULL;
	if (ok && store_guard_agrees(s, fed)) {
		s->catchups++;
		return 1;
	}
	guard_free(&s->guard);
	s->rebuilds++;
	return ok;
}

void
store_guard_syncs(struct store *s, guint64 *catchups_r, guint64 *rebuilds_r)
{
	*catchups_r = s->catchups;
	*rebuilds_r = s->rebuilds;
}

/* The guard's errors, if its calls had any, as the caller's. */
static int
store_guard_ok(struct store *s, GError **error)
{
	if (s->guard_error == NULL)
		return 1;
	g_propagate_error(error, s->guard_error);
	s->guard_error = NULL;
	return 0;
}

/* Show one hard outcome to the guard; *held_r: an incident holds it. */
int
store_guard_hard(struct store *s, const struct guard_hit *h, int *held_r,
    GError **error)
{
	struct guard_incident *inc;
	int open;

	*held_r = 0;
	if (!s->policy.guard.enabled)
		return 1;
	if (!store_guard_load(s, error))
		return 0;
	inc = guard_hard(s->guard, h);
	if (!store_guard_ok(s, error))
		return 0;
	if (inc == NULL)
		return 1;
	if (!store_incident_grow(s, inc, &open, error))
		return 0;
	if (!open) {
		guard_drop(s->guard, inc);	/* decided by an operator */
		return 1;
	}
	*held_r = 1;
	return store_hold(s, inc->id, h->outcome, error);
}

/*
 * The clock moved without outcomes: incidents quiet for long enough
 * close.  Inside a transaction, like store_add().
 */
int
store_tick(struct store *s, gint64 now, GError **error)
{
	if (!s->policy.guard.enabled)
		return 1;
	if (!store_lock(s, error) || !store_guard_load(s, error))
		return 0;
	guard_tick(s->guard, now);
	return store_guard_ok(s, error);
}

void
store_guard_counts(struct store *s, guint *open_r, guint64 *opened_r,
    guint64 *held_r)
{
	*open_r = s->guard != NULL ? guard_open_count(s->guard) : 0;
	*opened_r = s->opened;
	*held_r = s->held;
}

void
store_set_incident_fn(struct store *s, store_incident_fn *fn, void *data)
{
	s->incident_fn = fn;
	s->incident_data = data;
}

/* One row (STORE_INCIDENT_COLUMNS), to the caller's fn. */
static int
store_incident_row(struct db_stmt *st, void *arg)
{
	struct store_to *to = arg;
	struct store_incident i;

	i.id = db_column_int64(st, 0);
	i.kind = store_guard_kind(store_column_text(st, 1));
	i.group = store_column_text(st, 2);
	i.opened = db_column_int64(st, 3);
	i.first = db_column_int64(st, 4);
	i.last = db_column_int64(st, 5);
	i.closed = db_column_int64(st, 6);
	i.state = MAX(store_held(store_column_text(st, 7)), GUARD_OPEN);
	i.addresses = db_column_int64(st, 8);
	i.outcomes = db_column_int64(st, 9);
	i.sample = store_column_text(st, 10);
	to->fn.incident(&i, to->data);
	return 1;
}

/* Every incident, oldest first. */
int
store_incidents(struct store *s, store_incident_fn *fn, void *data,
    GError **error)
{
	struct store_to to = { .fn.incident = fn, .data = data };

	return store_rows(s, guard_sql[STORE_INCIDENTS], NULL, 0,
	    store_incident_row, &to, error, "reading incidents");
}

/* Incident id, if there is one, to fn. */
int
store_incident(struct store *s, gint64 id, store_incident_fn *fn,
    void *data, GError **error)
{
	struct store_to to = { .fn.incident = fn, .data = data };
	const struct store_arg args[] = { STORE_INT(id) };

	return store_rows(s, guard_sql[STORE_INCIDENT], STORE_ARGS(args),
	    store_incident_row, &to, error, "reading incidents");
}

/*
 * An operator's word on incident id: its held outcomes count as hard
 * (confirmed) or not at all (discarded) from now on; the addresses they
 * belong to are replayed.  A running daemon's guard learns it when the
 * incident next grows, and lets it go.
 */
int
store_incident_decide(struct store *s, gint64 id, enum guard_state decided,
    gint64 now, int *found_r, GError **error)
{
	const char *state = guard_state_names[decided];
	g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func(g_free);
	const struct store_arg args[] = {
		STORE_INT(id), STORE_OPT(state), STORE_INT(now)
	};
	guint i;

	if (!store_run(s, guard_sql[STORE_INCIDENT_DECIDE], STORE_ARGS(args),
	    error, "deciding an incident"))
		return 0;
	*found_r = db_changes(s->db) > 0;
	if (!*found_r || !store_addresses_of(s,
	    guard_sql[STORE_INCIDENT_ADDRESSES], id, addresses, error))
		return !*found_r;
	for (i = 0; i < addresses->len; i++)
		if (!store_replay(s, g_ptr_array_index(addresses, i), state,
		    error))
			return 0;
	return 1;
}
