/*
 * store_hooks.c: the hooks' delivery state (sql/008-hooks.sql), part of
 * the store: reboundd's hooks (hook.c) and "rebound events --failed /
 * retry" ask through store.h.
 *
 * A hook's cursor moves and its deliveries are made in one transaction,
 * so an event is handed over exactly once; each result of an attempt is
 * one statement, committed before the next attempt of that event, so a
 * SIGKILL leaves at worst a delivery that happened but is still
 * pending: it is sent again (at least once, never lost).
 *
 * On PostgreSQL several daemons share a hook's deliveries: each takes
 * a batch of due ones in one statement (HOOK_CLAIM: SELECT ... FOR
 * UPDATE SKIP LOCKED, so that two never take the same row) and leases
 * them by moving their next_try to the lease's end, so that the others
 * skip them until then: a daemon that died or hangs has its deliveries
 * taken over once the lease runs out.  A result is recorded only while
 * next_try is still the one the daemon was given (the lease is its
 * own): one that comes back after the lease was taken over changes
 * nothing.  A leased delivery is still pending, so a later event for
 * its address waits as on SQLite: order per address holds.  SQLite has
 * one daemon a file: nothing is leased, next_try is simply as read.
 *
 * A delivery that was an action on a list is recorded in hook_actions
 * in the same transaction as its end, and a hook paused by its
 * max_actions_per_hour is a row of hook_pauses written with its
 * hook.paused event (sql/009-hook-pause.sql): the pause and the count
 * survive a restart.
 */
#include "config.h"

#include <string.h>

#include "revent.h"
#include "store_int.h"
#include "vocab.h"

/* The columns of a delivery d and its event e, as hook_rows() reads them. */
#define HOOK_SELECT \
	"d.hook, d.event, d.state, d.attempts, d.queued, d.next_try, " \
	"d.last_error, d.leased_by, e.type, e.time, e.address, e.list, e.state, " \
	"e.previous, e.reason, e.class, e.status, e.confidence, e.evidence, " \
	STORE_HEX("e.digest") ", e.incident "
#define HOOK_COLUMNS HOOK_SELECT "FROM hook_deliveries d " \
	"LEFT JOIN events e ON e.id = d.event "

/* Due, and no earlier event for the same address still pending. */
#define HOOK_DUE_WHERE \
	"WHERE d.hook = ?1 AND d.state = 'pending' AND d.next_try <= ?2 " \
	"AND NOT EXISTS (SELECT 1 FROM hook_deliveries p " \
	"WHERE p.hook = ?1 AND p.state = 'pending' " \
	"AND p.address = d.address AND p.event < d.event) "

enum hook_stmt {
	HOOK_START,
	HOOK_NEWEST,
	HOOK_CURSOR,
	HOOK_QUEUE,
	HOOK_MOVE,
	HOOK_DUE,
	HOOK_CLAIM,
	HOOK_DELIVERED,
	HOOK_RETRY,
	HOOK_FAILED,
	HOOK_RELEASE,
	HOOK_BACKLOG,
	HOOK_LIST,
	HOOK_REQUEUE,
	HOOK_ACTED,
	HOOK_FORGET_ACTIONS,
	HOOK_LIMIT,
	HOOK_PAUSE,
	HOOK_PAUSED,
	HOOK_RESUME,
	HOOK_RESET_ACTIONS,
};

static const char *const hook_sql[] = {
	/* A hook new to the database starts after the newest event. */
	[HOOK_START] =
	    "INSERT OR IGNORE INTO hook_cursors (hook, last_event) "
	    "SELECT ?1, coalesce(max(id), 0) FROM events",
	[HOOK_NEWEST] = "SELECT coalesce(max(id), 0) FROM events",
	[HOOK_CURSOR] = "SELECT last_event FROM hook_cursors WHERE hook = ?1",
	[HOOK_QUEUE] =
	    "INSERT OR IGNORE INTO hook_deliveries (hook, event, address, "
	    "queued, next_try) SELECT ?1, id, address, ?3, ?3 FROM events "
	    "WHERE id > (SELECT last_event FROM hook_cursors WHERE hook = ?1) "
	    "AND id <= ?4 AND (?2 IS NULL OR "
	    "instr(',' || ?2 || ',', ',' || type || ',') > 0)",
	/* Never back: another daemon may have moved it further meanwhile. */
	[HOOK_MOVE] =
	    "UPDATE hook_cursors SET last_event = ?2 "
	    "WHERE hook = ?1 AND last_event < ?2",
	[HOOK_DUE] =
	    "SELECT " HOOK_COLUMNS HOOK_DUE_WHERE "ORDER BY d.event LIMIT ?3",
	/* PostgreSQL's: lease what is due, until ?4. */
	[HOOK_CLAIM] =
	    "WITH c AS (SELECT d.hook, d.event FROM hook_deliveries d "
	    HOOK_DUE_WHERE "ORDER BY d.event LIMIT ?3 "
	    "FOR UPDATE SKIP LOCKED), "
	    "u AS (UPDATE hook_deliveries l SET next_try = ?4, leased_by = ?5 "
	    "FROM c "
	    "WHERE l.hook = c.hook AND l.event = c.event RETURNING l.*) "
	    "SELECT " HOOK_SELECT "FROM u d "
	    "LEFT JOIN events e ON e.id = d.event ORDER BY d.event",
	/* Each result: only while the delivery is as given (?last). */
	[HOOK_DELIVERED] =
	    "DELETE FROM hook_deliveries WHERE hook = ?1 AND event = ?2 "
	    "AND next_try = ?3",
	[HOOK_RETRY] =
	    "UPDATE hook_deliveries SET attempts = attempts + 1, "
	    "next_try = ?3, last_error = ?4, leased_by = ?6 "
	    "WHERE hook = ?1 AND event = ?2 AND next_try = ?5",
	[HOOK_FAILED] =
	    "UPDATE hook_deliveries SET attempts = attempts + 1, "
	    "state = 'failed', last_error = ?3, leased_by = ?5 "
	    "WHERE hook = ?1 AND event = ?2 AND next_try = ?4",
	/* A lease given back at a stop: due at once (?3, now). */
	[HOOK_RELEASE] =
	    "UPDATE hook_deliveries SET next_try = ?3 WHERE hook = ?1 "
	    "AND event = ?2 AND next_try = ?4 AND state = 'pending'",
	[HOOK_BACKLOG] =
	    "SELECT count(*), coalesce(min(queued), 0) FROM hook_deliveries "
	    "WHERE hook = ?1 AND state = 'pending'",
	[HOOK_LIST] =
	    "SELECT " HOOK_COLUMNS
	    "WHERE d.state = ?1 ORDER BY d.event, d.hook",
	[HOOK_REQUEUE] =
	    "UPDATE hook_deliveries SET state = 'pending', attempts = 0, "
	    "queued = ?3, next_try = ?3, last_error = NULL "
	    "WHERE event = ?1 AND state = 'failed' AND (?2 IS NULL OR hook = ?2)",
	[HOOK_ACTED] =
	    "INSERT INTO hook_actions (hook, event, time) VALUES (?1, ?2, ?3)",
	[HOOK_FORGET_ACTIONS] =
	    "DELETE FROM hook_actions WHERE hook = ?1 AND time <= ?2 - 3600",
	/* Paused or not, and the actions of the last hour. */
	[HOOK_LIMIT] =
	    "SELECT (SELECT count(*) FROM hook_pauses WHERE hook = ?1), "
	    "(SELECT count(*) FROM hook_actions WHERE hook = ?1 "
	    "AND time > ?2 - 3600)",
	[HOOK_PAUSE] =
	    "INSERT OR IGNORE INTO hook_pauses (hook, since, actions) "
	    "VALUES (?1, ?2, ?3)",
	[HOOK_PAUSED] =
	    "SELECT hook FROM hook_pauses WHERE ?1 IS NULL OR hook = ?1 "
	    "ORDER BY hook",
	[HOOK_RESUME] = "DELETE FROM hook_pauses WHERE hook = ?1",
	[HOOK_RESET_ACTIONS] = "DELETE FROM hook_actions WHERE hook = ?1",
};

/* A delivery's states as stored (the schema allows no other). */
static const char *const delivery_states[] = {
	[DELIVERY_PENDING] = "pending",
	[DELIVERY_FAILED] = "failed",
};

static enum store_delivery_state
store_delivery_state(const char *name)
{
	int i = vocab_find(delivery_states, G_N_ELEMENTS(delivery_states),
	    name);

	return i < 0 ? DELIVERY_PENDING : (enum store_delivery_state)i;
}

/* Give each row of st (HOOK_COLUMNS) to fn until it returns 0. */
static int
hook_rows(struct store *s, struct db_stmt *st, store_delivery_fn *fn,
    void *arg, GError **error)
{
	struct store_delivery d;
	struct revent ev;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		memset(&ev, 0, sizeof ev);
		d.hook = store_column_text(st, 0);
		d.event = ev.id = db_column_int64(st, 1);
		d.state = store_delivery_state(store_column_text(st, 2));
		d.attempts = db_column_int(st, 3);
		d.queued = db_column_int64(st, 4);
		d.next_try = db_column_int64(st, 5);
		d.last_error = store_column_text(st, 6);
		d.leased_by = store_column_text(st, 7);
		store_event_columns(st, 8, &ev);
		d.ev = &ev;
		if (!fn(&d, arg)) {
			rc = DB_DONE;
			break;
		}
	}
	if (rc != DB_DONE) {
		store_error(s, error, "reading the hooks' deliveries");
		store_done(st);
		return 0;
	}
	store_done(st);
	return 1;
}

/* Make hook's cursor if it has none: it starts after the newest event. */
int
store_hook_start(struct store *s, const char *hook, GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[HOOK_START], error);

	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	return store_step(s, st, error, "starting a hook");
}

/* The events after hook's cursor up to newest, queued in one transaction. */
static int
hook_queue_new(struct store *s, const char *hook, const char *types,
    gint64 now, gint64 newest, guint *queued_r, GError **error)
{
	const struct store_arg queue[] = {
		STORE_TEXT(hook), STORE_TEXT(types), STORE_INT(now),
		STORE_INT(newest)
	};
	const struct store_arg move[] = { STORE_TEXT(hook), STORE_INT(newest) };

	if (!store_begin(s, error))
		return 0;
	if (!store_run(s, hook_sql[HOOK_QUEUE], STORE_ARGS(queue), error,
	    "queueing events for a hook"))
		goto fail;
	*queued_r = (guint)db_changes(s->db);
	if (!store_run(s, hook_sql[HOOK_MOVE], STORE_ARGS(move), error,
	    "moving a hook's cursor") || !db_commit(s->db, error))
		goto fail;
	return 1;
fail:
	*queued_r = 0;
	db_rollback(s->db);
	return 0;
}

/*
 * Hand hook the events after its cursor, up to the newest: a pending
 * delivery each (of the types it takes), and the cursor moved, in one
 * transaction.  Only a read when there is nothing new, so that a poll
 * takes no lock from the writer.
 */
int
store_hook_queue(struct store *s, const char *hook, const char *types,
    gint64 now, guint *queued_r, GError **error)
{
	const struct store_arg name[] = { STORE_TEXT(hook) };
	gint64 newest, cursor;

	*queued_r = 0;
	if (!store_number(s, hook_sql[HOOK_NEWEST], NULL, 0, &newest, error,
	    "reading the hooks' state") ||
	    !store_number(s, hook_sql[HOOK_CURSOR], STORE_ARGS(name), &cursor,
	    error, "reading the hooks' state"))
		return 0;
	if (newest <= cursor)
		return 1;
	return hook_queue_new(s, hook, types, now, newest, queued_r, error);
}

/* Whether the deliveries are shared by several daemons, and so leased. */
static int
hook_leases(struct store *s)
{
	return strcmp(db_engine_name(s->db), "postgresql") == 0;
}

/*
 * hook's deliveries that may be tried now, oldest first: room new ones
 * at most.  On SQLite the busy ones the caller has in flight are due
 * and given again (it skips them); on PostgreSQL they are leased, and
 * those given are leased to this daemon for lease seconds (a statement
 * of its own, committed before fn sees them).
 */
int
store_hook_due(struct store *s, const char *hook, gint64 now, int lease,
    guint busy, int room, store_delivery_fn *fn, void *arg,
    GError **error)
{
	int claim = hook_leases(s);
	int limit = claim ? room : (int)busy + room;
	struct db_stmt *st;

	st = store_stmt(s, hook_sql[claim ? HOOK_CLAIM : HOOK_DUE], error);
	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	db_bind_int64(st, 2, now);
	db_bind_limit(st, 3, limit);
	if (claim) {
		db_bind_int64(st, 4, now + lease);
		store_bind_filter(st, 5, s->node);
	}
	return hook_rows(s, st, fn, arg, error);
}

/*
 * One change to one delivery: stmt with ?1 hook, ?2 event, then a, b,
 * then lease (the next_try the delivery must still have), when given,
 * and then the node that tried it (HOOK_RETRY and HOOK_FAILED).
 */
static int
hook_change(struct store *s, enum hook_stmt i, const char *hook,
    gint64 event, gint64 *a, const char *b, gint64 *lease, GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[i], error);
	int n = 3;

	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	db_bind_int64(st, 2, event);
	if (a != NULL)
		db_bind_int64(st, n++, *a);
	if (b != NULL)
		store_bind_filter(st, n++, b);
	if (lease != NULL)
		db_bind_int64(st, n++, *lease);
	if (i == HOOK_RETRY || i == HOOK_FAILED)
		store_bind_filter(st, n, s->node);
	return store_step(s, st, error, "recording a hook's delivery");
}

/* One statement with ?1 hook, ?2 an integer (when not NULL). */
static int
hook_do(struct store *s, enum hook_stmt i, const char *hook, gint64 *a,
    GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[i], error);

	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	if (a != NULL)
		db_bind_int64(st, 2, *a);
	return store_step(s, st, error, "recording a hook's state");
}

/*
 * The delivery is done: its row goes.  acted: when it was an action on
 * a list (max_actions_per_hour counts it), 0 when it was not.
 */
int
store_hook_delivered(struct store *s, const char *hook, gint64 event,
    gint64 lease, gint64 acted, GError **error)
{
	if (acted == 0)
		return hook_change(s, HOOK_DELIVERED, hook, event, &lease,
		    NULL, NULL, error);
	if (!store_begin(s, error))
		return 0;
	if (hook_change(s, HOOK_ACTED, hook, event, &acted, NULL, NULL,
	    error) && hook_do(s, HOOK_FORGET_ACTIONS, hook, &acted, error) &&
	    hook_change(s, HOOK_DELIVERED, hook, event, &lease, NULL, NULL,
	    error) && db_commit(s->db, error))
		return 1;
	db_rollback(s->db);
	return 0;
}

int
store_hook_retry(struct store *s, const char *hook, gint64 event,
    gint64 lease, gint64 next_try, const char *why, GError **error)
{
	return hook_change(s, HOOK_RETRY, hook, event, &next_try, why, &lease,
	    error);
}

int
store_hook_failed(struct store *s, const char *hook, gint64 event,
    gint64 lease, const char *why, GError **error)
{
	return hook_change(s, HOOK_FAILED, hook, event, NULL, why, &lease,
	    error);
}

/* How many of hook's deliveries are pending, and since when the oldest. */
int
store_hook_backlog(struct store *s, const char *hook, gint64 *pending_r,
    gint64 *oldest_r, GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[HOOK_BACKLOG], error);
	int rc;

	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	rc = db_step(st);
	*pending_r = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	*oldest_r = rc == DB_ROW ? db_column_int64(st, 1) : 0;
	store_done(st);
	if (rc != DB_ROW)
		return store_error(s, error, "counting a hook's backlog");
	return 1;
}

/*
 * A stop gives back the leases of the deliveries left in flight, in one
 * transaction: each is due at once, so that another daemon takes it
 * now rather than when the lease runs out.  Only one still as given
 * (n leases) goes back; on SQLite nothing is leased.  *released_r: how
 * many went back.
 */
int
store_hook_release(struct store *s, const struct store_lease *leases,
    guint n, gint64 now, guint *released_r, GError **error)
{
	int ok = 1;
	guint i;

	*released_r = 0;
	if (!hook_leases(s) || n == 0)
		return 1;
	if (!store_begin(s, error))
		return 0;
	for (i = 0; ok && i < n; i++) {
		const struct store_arg args[] = {
			STORE_TEXT(leases[i].hook), STORE_INT(leases[i].event),
			STORE_INT(now), STORE_INT(leases[i].lease)
		};

		ok = store_run(s, hook_sql[HOOK_RELEASE], STORE_ARGS(args),
		    error, "giving a hook's lease back");
		*released_r += ok ? (guint)db_changes(s->db) : 0;
	}
	if (ok && db_commit(s->db, error))
		return 1;
	*released_r = 0;
	db_rollback(s->db);
	return 0;
}

/* The deliveries in state, of every hook, oldest event first. */
int
store_hook_list(struct store *s, enum store_delivery_state state,
    store_delivery_fn *fn, void *arg, GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[HOOK_LIST], error);

	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, delivery_states[state]);
	return hook_rows(s, st, fn, arg, error);
}

/* Make event's failed deliveries (to hook, or to any) pending again. */
int
store_hook_requeue(struct store *s, gint64 event, const char *hook,
    gint64 now, guint *requeued_r, GError **error)
{
	const struct store_arg args[] = {
		STORE_INT(event), STORE_TEXT(hook), STORE_INT(now)
	};

	*requeued_r = 0;
	if (!store_run(s, hook_sql[HOOK_REQUEUE], STORE_ARGS(args), error,
	    "re-queueing a delivery"))
		return 0;
	*requeued_r = (guint)db_changes(s->db);
	return 1;
}

/* Whether hook is paused, and how many actions it took in the hour to now. */
int
store_hook_limit(struct store *s, const char *hook, gint64 now,
    int *paused_r, gint64 *actions_r, GError **error)
{
	struct db_stmt *st = store_stmt(s, hook_sql[HOOK_LIMIT], error);
	int rc;

	*paused_r = 0;
	*actions_r = 0;
	if (st == NULL)
		return 0;
	store_bind_filter(st, 1, hook);
	db_bind_int64(st, 2, now);
	if ((rc = db_step(st)) == DB_ROW) {
		*paused_r = db_column_int(st, 0) > 0;
		*actions_r = db_column_int64(st, 1);
	}
	store_done(st);
	if (rc != DB_ROW)
		return store_error(s, error, "reading a hook's actions");
	return 1;
}

/* hook.paused or hook.resumed: the hook's name is the evidence. */
static int
hook_pause_event(struct store *s, enum revent_type type, const char *hook,
    gint64 now, GError **error)
{
	int paused = type == REVENT_HOOK_PAUSED;
	struct revent ev = {
		.type = revent_type_name(type), .time = now,
		.state = paused ? "paused" : "active",
		.previous = paused ? "active" : "paused", .evidence = hook,
	};

	return store_event_add(s, &ev, now, error);
}

/*
 * Pause hook, which took actions in the last hour: the pause and its
 * hook.paused event in one transaction (nothing if it is paused).
 */
int
store_hook_pause(struct store *s, const char *hook, gint64 now,
    gint64 actions, GError **error)
{
	const struct store_arg args[] = {
		STORE_TEXT(hook), STORE_INT(now), STORE_INT(actions)
	};

	if (!store_begin(s, error))
		return 0;
	if (!store_run(s, hook_sql[HOOK_PAUSE], STORE_ARGS(args), error,
	    "pausing a hook"))
		goto fail;
	if (db_changes(s->db) > 0 &&
	    !hook_pause_event(s, REVENT_HOOK_PAUSED, hook, now, error))
		goto fail;
	if (db_commit(s->db, error))
		return 1;
fail:
	db_rollback(s->db);
	return 0;
}

/* The paused hooks (hook, or all when NULL), into names. */
static int
hook_paused(struct store *s, const char *hook, GPtrArray *names,
    GError **error)
{
	const struct store_arg args[] = { STORE_TEXT(hook) };

	return store_strings(s, hook_sql[HOOK_PAUSED], STORE_ARGS(args), names,
	    error, "reading the paused hooks");
}

/*
 * Resume hook (NULL: every paused one): its pause and its actions go
 * (the hour counts afresh), with a hook.resumed event each, in one
 * transaction.  *names_r: the hooks resumed, NULL-ended, g_strfreev'd.
 */
int
store_hook_resume(struct store *s, const char *hook, gint64 now,
    char ***names_r, GError **error)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	guint i;

	*names_r = NULL;
	if (!store_begin(s, error))
		goto done;
	if (!hook_paused(s, hook, names, error))
		goto fail;
	for (i = 0; i < names->len; i++)
		if (!hook_do(s, HOOK_RESUME, names->pdata[i], NULL, error) ||
		    !hook_do(s, HOOK_RESET_ACTIONS, names->pdata[i], NULL,
		    error) || !hook_pause_event(s, REVENT_HOOK_RESUMED,
		    names->pdata[i], now, error))
			goto fail;
	if (db_commit(s->db, error)) {
		g_ptr_array_add(names, NULL);
		g_ptr_array_set_free_func(names, NULL);
		*names_r = (char **)g_ptr_array_free(names, FALSE);
		return 1;
	}
fail:
	db_rollback(s->db);
done:
	g_ptr_array_free(names, TRUE);
	return 0;
}
