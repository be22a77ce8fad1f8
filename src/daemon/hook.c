/*
 * hook.c: reboundd's hooks (hook.h): which event goes to which hook
 * when, and what an answer means.
 *
 * A timer (HOOK_TICK, and at once after each result) hands each hook
 * the events published since its cursor (store_hook_queue) and starts
 * a job for each delivery that is due (store_hook_due: not while an
 * earlier event for the same address is pending for that hook), at
 * most HOOK_INFLIGHT at once per hook.  A job's kind (hook_webhook.c,
 * hook_mailman3.c, hook_listmonk.c) makes the requests and ends it with
 * hook_finish(), which records the result before the address's next
 * event may go (if the writer holds the database, the job stays in
 * flight and the next tick records it: the loop never waits long, and
 * nothing is sent twice for it):
 *   - 2xx: delivered, the row goes;
 *   - 4xx but 408 and 429: failed, parked for the operator;
 *   - anything else (5xx, 408, 429, no answer): retried after 1 s, 2 s,
 *     4 s ... at most an hour, and parked once [hooks] max_age has
 *     passed since the event was handed over.
 * Jobs in flight at a stop are abandoned: their rows are still pending
 * and go again after the restart; on PostgreSQL their leases are given
 * back, so that another daemon sends them at once.
 *
 * On PostgreSQL every daemon on the database delivers: each leases the
 * deliveries it starts for [hooks] lease (store_hook_due), so it asks
 * for no more than it may start now; one that dies or hangs has them
 * taken over by the others once its leases run out.
 *
 * The brake, [hook NAME] max_actions_per_hour: a parser bug or a burst
 * the incident guard missed must not unsubscribe thousands in an hour.
 * A delivery that acted on a list is counted in the database; no job
 * starts while the hour's actions and the jobs in flight (each may be
 * one) reach the limit, and once the actions alone do, the hook is
 * paused (a warning, a hook.paused event, rebound_hook_paused) and
 * delivers nothing until "rebound events resume".  A dry run counts
 * nothing.
 */
#include "config.h"

#include <string.h>

#include "revent.h"
#include "hook.h"
#include "hook_int.h"
#include "log.h"
#include "store.h"

#define HOOK_TICK	1		/* seconds between polls */
#define HOOK_INFLIGHT	8		/* jobs at once per hook */
#define HOOK_BACKOFF_MAX 3600		/* seconds between tries, at most */
#define HOOK_DB_BUSY	50		/* ms the loop waits for the writer */

/* One [hook NAME], kept by name across reloads. */
struct hook {
	struct conf_hook *conf;
	int		 removed;	/* gone from the configuration */
	GHashTable	*inflight;	/* gint64 * event -> struct hook_job * */
	gint64		 pending, oldest_queued;
	guint64		 delivered, retried, failed;
	int		 paused;	/* -1: not read yet */
	gint64		 actions;	/* in the last hour, as last read */
};

struct hooks {
	struct event_base *base;
	struct store	*store;		/* the hooks' own connection */
	struct http	*http;
	struct event	*tick;
	GPtrArray	*hooks;		/* of struct hook * */
	GPtrArray	*retired;	/* of struct conf_hook *: jobs may use */
	int		 max_age, connect_timeout, timeout, lease;
};

/* Every kind's delivery: one line a hook_*.c file. */
static const struct hook_backend *const hook_backends[] = {
	&hook_webhook_backend,
	&hook_mailman3_backend,
	&hook_listmonk_backend,
};
G_STATIC_ASSERT(G_N_ELEMENTS(hook_backends) == CONF_HOOK_KINDS);

/* Start job j as its hook's kind delivers. */
static void
hook_deliver(struct hook_job *j)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(hook_backends); i++)
		if (hook_backends[i]->kind == j->conf->kind) {
			hook_backends[i]->deliver(j);
			return;
		}
	g_error("hook %s: kind %d has no delivery", j->conf->name,
	    (int)j->conf->kind);
}

static void
hook_job_free(struct hook_job *j)
{
	g_free(j->type);
	g_free(j->address);
	g_free(j->list);
	g_free(j->why);
	g_string_free(j->json, TRUE);
	g_free(j);
}

static void
hook_free(struct hook *h)
{
	g_hash_table_destroy(h->inflight);
	conf_hook_free(h->conf);
	g_free(h);
}

/* Run the timer again at once (after a result, or a publication). */
void
hooks_kick(struct hooks *hs)
{
	struct timeval now = { 0, 0 };

	evtimer_add(hs->tick, &now);
}

/* The status of an answer, as delivery sees it. */
static enum hook_result
hook_result_of(const struct http_response *r)
{
	if (r->status >= 200 && r->status < 300)
		return HOOK_DELIVERED;
	if (r->status >= 400 && r->status < 500 && r->status != 408 &&
	    r->status != 429)
		return HOOK_FAILED;
	return HOOK_RETRY;
}

/*
 * Whether r is a 2xx answer; if not, end the job as its status says,
 * naming what was asked ("POST", "members/find").
 */
int
hook_answer(struct hook_job *j, const struct http_response *r,
    const char *what)
{
	g_autofree char *why = NULL;
	enum hook_result res = hook_result_of(r);

	if (res == HOOK_DELIVERED)
		return 1;
	if (r->status == 0)
		why = g_strdup_printf("%s: %s", what, r->error);
	else
		why = g_strdup_printf("%s: HTTP %ld%s%.*s", what, r->status,
		    r->len > 0 ? ": " : "", (int)MIN(r->len, 200), r->body);
	hook_finish(j, res, why);
	return 0;
}

/* The hook's URL with path after it (one '/' between). */
char *
hook_url(const struct hook_job *j, const char *path)
{
	const char *url = j->conf->url;
	gsize n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return g_strdup_printf("%.*s/%s", (int)n, url, path);
}

/*
 * Whether job j's event is one a list manager acts on: only an
 * address's death or complaint; never a suspect address, and never one
 * an incident holds (its address.dead is dropped before it is seen).
 */
int
hook_acts(const struct hook_job *j)
{
	return j->address != NULL && j->known &&
	    (j->revent_type == REVENT_ADDRESS_DEAD ||
	    j->revent_type == REVENT_ADDRESS_COMPLAINED);
}

static void hook_done(const struct http_response *, void *);

/* One request of job j, with the hook's login and timeouts. */
void
hook_request(struct hook_job *j, const char *method, const char *url,
    const char *content_type, const char *body, const char *const *headers,
    http_done_fn *done)
{
	struct http_request rq = {
		.method = method, .url = url, .body = body,
		.content_type = content_type, .headers = headers,
		.user = j->conf->user, .password = j->conf->password,
		.connect_timeout = j->hooks->connect_timeout,
		.timeout = j->hooks->timeout,
	};

	http_send(j->hooks->http, &rq, done ? done : hook_done, j);
}

/* A request whose answer is the job's result (2xx: delivered). */
static void
hook_done(const struct http_response *r, void *arg)
{
	struct hook_job *j = arg;

	if (hook_answer(j, r, conf_hook_kind_name(j->conf->kind)))
		hook_finish(j, HOOK_DELIVERED, NULL);
}

/* When a retried delivery goes next: 1 s, 2 s, 4 s ..., at most an hour. */
static gint64
hook_next_try(gint64 now, int attempts)
{
	gint64 delay = (gint64)1 << MIN(attempts, 12);

	return now + MIN(delay, HOOK_BACKOFF_MAX);
}

static void
hook_log(struct hook_job *j, enum hook_result res, const char *why)
{
	const char *name = j->conf->name;

	if (res == HOOK_DELIVERED)
		g_info("hook %s: event %" G_GINT64_FORMAT " %s %s: delivered%s%s",
		    name, j->event, j->type, j->address ? j->address : "-",
		    why ? ": " : "", why ? why : "");
	else if (res == HOOK_RETRY)
		g_info("hook %s: event %" G_GINT64_FORMAT " %s %s: attempt %d "
		    "failed, will retry: %s", name, j->event, j->type,
		    j->address ? j->address : "-", j->attempts + 1, why);
	else
		g_warning("hook %s: event %" G_GINT64_FORMAT " %s %s: failed, "
		    "parked (rebound events --failed): %s", name, j->event,
		    j->type, j->address ? j->address : "-", why);
}

/*
 * Write job j's result to the database.  If the writer holds it past
 * HOOK_DB_BUSY, 0: the job stays in flight (so it is not sent again)
 * and the next tick tries again.
 */
static int
hook_save(struct hooks *hs, struct hook_job *j)
{
	g_autoptr(GError) error = NULL;
	const char *name = j->conf->name;
	int ok;

	if (j->result == HOOK_DELIVERED)
		ok = store_hook_delivered(hs->store, name, j->event, j->lease,
		    j->acted, &error);
	else if (j->result == HOOK_RETRY)
		ok = store_hook_retry(hs->store, name, j->event, j->lease,
		    j->next_try, j->why, &error);
	else
		ok = store_hook_failed(hs->store, name, j->event, j->lease,
		    j->why, &error);
	if (!ok)
		g_debug("hook %s: event %" G_GINT64_FORMAT ": %s (will record "
		    "it again)", name, j->event, error->message);
	return ok;
}

/* End job j with its result: logged, counted, recorded, then freed. */
void
hook_finish(struct hook_job *j, enum hook_result res, const char *why)
{
	struct hooks *hs = j->hooks;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (res == HOOK_RETRY && now - j->queued >= hs->max_age) {
		res = HOOK_FAILED;
		j->why = g_strdup_printf("gave up after [hooks] max_age (%d s): "
		    "%s", hs->max_age, why);
	} else
		j->why = g_strdup(why);
	j->result = res;
	j->finished = 1;
	j->acted = res == HOOK_DELIVERED && j->action ? now : 0;
	j->next_try = MIN(hook_next_try(now, j->attempts),
	    j->queued + hs->max_age);
	hook_log(j, res, j->why);
	if (res == HOOK_DELIVERED)
		j->hook->delivered++;
	else if (res == HOOK_RETRY)
		j->hook->retried++;
	else
		j->hook->failed++;
	if (hook_save(hs, j))
		g_hash_table_remove(j->hook->inflight, &j->event);
	hooks_kick(hs);
}

/* A result the writer's lock kept out of the database: gone once saved. */
static gboolean
hook_save_finished(gpointer key, gpointer value, gpointer arg)
{
	struct hook_job *j = value;

	return j->finished && hook_save(arg, j);
}

static struct hook_job *
hook_job_new(struct hooks *hs, struct hook *h, const struct store_delivery *d)
{
	struct hook_job *j = g_new0(struct hook_job, 1);

	j->hooks = hs;
	j->hook = h;
	j->conf = h->conf;
	j->event = d->event;
	j->attempts = d->attempts;
	j->queued = d->queued;
	j->lease = d->next_try;
	j->type = g_strdup(d->ev->type ? d->ev->type : "");
	j->known = revent_type_parse(j->type, &j->revent_type);
	j->address = g_strdup(d->ev->address);
	j->list = g_strdup(d->ev->list);
	j->json = g_string_new(NULL);
	revent_json(d->ev, j->json);
	return j;
}

struct hook_due {
	struct hooks	*hooks;
	struct hook	*hook;
};

/* store_hook_due's callback: start a job unless one is in flight. */
static int
hook_start(const struct store_delivery *d, void *arg)
{
	struct hook_due *due = arg;
	struct hook *h = due->hook;
	struct hook_job *j;

	if (g_hash_table_size(h->inflight) >= HOOK_INFLIGHT)
		return 0;
	if (g_hash_table_contains(h->inflight, &d->event))
		return 1;
	/* The brake: each job in flight may be an action. */
	if (!h->conf->dry_run && h->conf->max_actions > 0 && h->actions +
	    (gint64)g_hash_table_size(h->inflight) >= h->conf->max_actions)
		return 0;
	j = hook_job_new(due->hooks, h, d);
	g_hash_table_insert(h->inflight, &j->event, j);
	if (h->conf->dry_run) {
		g_info("hook %s: dry run: would send event %" G_GINT64_FORMAT
		    " %s %s list %s to %s (%s)", h->conf->name, j->event,
		    j->type, j->address ? j->address : "-",
		    j->list ? j->list : "-", h->conf->url,
		    conf_hook_kind_name(h->conf->kind));
		hook_finish(j, HOOK_DELIVERED, "dry run");
		return 1;
	}
	hook_deliver(j);
	return 1;
}

/* The pause, as the database has it: say when it changed. */
static void
hook_set_paused(struct hook *h, int paused)
{
	const char *name = h->conf->name;

	if (paused && h->paused != 1)
		g_warning("hook %s: paused by max_actions_per_hour: nothing is "
		    "delivered until \"rebound events resume --hook %s\"",
		    name, name);
	else if (!paused && h->paused == 1)
		g_info("hook %s: resumed", name);
	h->paused = paused;
}

/*
 * Whether hook h may start jobs now: not while it is paused; paused
 * now if its actions of the last hour reached max_actions_per_hour.
 */
static int
hook_may_start(struct hooks *hs, struct hook *h, gint64 now,
    GError **error)
{
	int paused, max = h->conf->max_actions;

	if (!store_hook_limit(hs->store, h->conf->name, now, &paused,
	    &h->actions, error))
		return -1;
	hook_set_paused(h, paused);
	if (paused)
		return 0;
	if (h->conf->dry_run || max == 0 || h->actions < max)
		return 1;
	if (!store_hook_pause(hs->store, h->conf->name, now, h->actions,
	    error))
		return -1;
	g_warning("hook %s: paused: %" G_GINT64_FORMAT " actions in the last "
	    "hour reached max_actions_per_hour (%d); nothing is delivered "
	    "until \"rebound events resume --hook %s\"", h->conf->name,
	    h->actions, max, h->conf->name);
	h->paused = 1;
	return 0;
}

/*
 * How many more jobs h may start now: no more deliveries are asked for
 * (on PostgreSQL one leased but not started would wait for its lease
 * to run out).
 */
static int
hook_room(struct hook *h)
{
	int inflight = (int)g_hash_table_size(h->inflight);
	gint64 room = HOOK_INFLIGHT - inflight;

	if (!h->conf->dry_run && h->conf->max_actions > 0)
		room = MIN(room, h->conf->max_actions - h->actions - inflight);
	return room > 0 ? (int)room : 0;
}

/* Hand hook h its new events, start what is due, count its backlog. */
static void
hook_poll(struct hooks *hs, struct hook *h, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *types = conf_hook_types(h->conf);
	struct hook_due due = { hs, h };
	guint queued;
	int may;

	if (!store_hook_queue(hs->store, h->conf->name, types, now,
	    &queued, &error) ||
	    (may = hook_may_start(hs, h, now, &error)) < 0 ||
	    (may && hook_room(h) > 0 && !store_hook_due(hs->store,
	    h->conf->name, now, hs->lease, g_hash_table_size(h->inflight),
	    hook_room(h), hook_start, &due, &error)) ||
	    !store_hook_backlog(hs->store, h->conf->name, &h->pending,
	    &h->oldest_queued, &error)) {
		/* The writer holds the database: next time. */
		g_debug("hook %s: %s", h->conf->name, error->message);
		return;
	}
	if (queued > 0)
		g_debug("hook %s: %u new events", h->conf->name, queued);
}

static void
hooks_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hooks *hs = arg;
	struct timeval tv = { HOOK_TICK, 0 };
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint i;

	for (i = 0; i < hs->hooks->len; i++) {
		struct hook *h = hs->hooks->pdata[i];

		g_hash_table_foreach_remove(h->inflight, hook_save_finished,
		    hs);
		if (!h->removed)
			hook_poll(hs, h, now);
	}
	evtimer_add(hs->tick, &tv);
}

static struct hook *
hooks_find(struct hooks *hs, const char *name)
{
	guint i;

	for (i = 0; i < hs->hooks->len; i++) {
		struct hook *h = hs->hooks->pdata[i];

		if (strcmp(h->conf->name, name) == 0)
			return h;
	}
	return NULL;
}

/*
 * Take conf's hooks: a hook of the same name keeps its jobs and
 * figures and gets its new settings for the next job; a new one starts
 * after the newest event; one no longer configured stops.
 */
static void
hooks_configure(struct hooks *hs, struct conf_hooks *c)
{
	g_autoptr(GError) error = NULL;
	struct conf_hook *ch;
	struct hook *h;
	guint i;

	hs->max_age = c->max_age;
	hs->connect_timeout = c->connect_timeout;
	hs->timeout = c->timeout;
	hs->lease = c->lease;
	for (i = 0; i < hs->hooks->len; i++)
		((struct hook *)hs->hooks->pdata[i])->removed = 1;
	for (i = 0; i < c->list->len; i++) {
		ch = c->list->pdata[i];
		if ((h = hooks_find(hs, ch->name)) == NULL) {
			h = g_new0(struct hook, 1);
			h->inflight = g_hash_table_new_full(g_int64_hash,
			    g_int64_equal, NULL, (GDestroyNotify)hook_job_free);
			h->paused = -1;
			g_ptr_array_add(hs->hooks, h);
		} else
			g_ptr_array_add(hs->retired, h->conf);
		/* A copy: the caller's conf is cleared after a reload. */
		h->conf = g_ptr_array_steal_index(c->list, i--);
		h->removed = 0;
		if (!store_hook_start(hs->store, ch->name, &error)) {
			g_warning("hook %s: %s", ch->name, error->message);
			g_clear_error(&error);
		}
		if (ch->dry_run || ch->max_actions == 0)
			g_info("hook %s: %s %s%s", ch->name,
			    conf_hook_kind_name(ch->kind), ch->url,
			    ch->dry_run ? " (dry run)" : " (no action limit)");
		else
			g_info("hook %s: %s %s (at most %d actions an hour)",
			    ch->name, conf_hook_kind_name(ch->kind), ch->url,
			    ch->max_actions);
	}
}

/*
 * The hooks of c, or NULL with nothing to do (no [hook NAME]).  They
 * open their own connection to the database of store, and take c's
 * hooks (c->list is left empty).
 */
struct hooks *
hooks_new(struct event_base *base, struct conf_hooks *c,
    const struct conf_store *store, GError **error)
{
	struct conf_store own = *store;
	struct hooks *hs;

	if (c->list->len == 0)
		return NULL;
	hs = g_new0(struct hooks, 1);
	hs->base = base;
	hs->hooks = g_ptr_array_new_with_free_func((GDestroyNotify)hook_free);
	hs->retired = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)conf_hook_free);
	/* Never hold the loop long behind the writer's commit. */
	own.busy_timeout = MIN(store->busy_timeout, HOOK_DB_BUSY);
	if ((hs->store = store_open(&own, STORE_WRITE, error)) == NULL ||
	    (hs->http = http_new(base, error)) == NULL ||
	    (hs->tick = evtimer_new(base, hooks_tick, hs)) == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "hooks: out of resources");
		hooks_free(&hs);
		return NULL;
	}
	hooks_configure(hs, c);
	hooks_kick(hs);
	return hs;
}

/* SIGHUP: the hooks as c has them now (taken, as by hooks_new). */
void
hooks_reload(struct hooks *hs, struct conf_hooks *c)
{
	hooks_configure(hs, c);
	hooks_kick(hs);
}

void
hooks_stats(struct hooks *hs, hook_stats_fn *fn, void *arg)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	struct hook_stats st;
	guint i;

	for (i = 0; hs != NULL && i < hs->hooks->len; i++) {
		struct hook *h = hs->hooks->pdata[i];

		if (h->removed)
			continue;
		st.name = h->conf->name;
		st.pending = h->pending;
		st.oldest = h->pending > 0 ? MAX(0, now - h->oldest_queued) : 0;
		st.delivered = h->delivered;
		st.retried = h->retried;
		st.failed = h->failed;
		st.paused = h->paused == 1;
		fn(&st, arg);
	}
}

/*
 * Stop: the requests in flight are abandoned (their rows still
 * pending), the results not yet recorded are tried once more, and the
 * leases of the rest given back in one transaction (PostgreSQL), so
 * that another daemon sends them now, not once the leases run out.
 */
static void
hooks_give_back(struct hooks *hs)
{
	g_autoptr(GError) error = NULL;
	GArray *leases = g_array_new(FALSE, FALSE, sizeof(struct store_lease));
	GHashTableIter iter;
	gpointer job;
	guint i, released;

	http_free(&hs->http);
	for (i = 0; hs->hooks != NULL && i < hs->hooks->len; i++) {
		struct hook *h = hs->hooks->pdata[i];

		g_hash_table_foreach_remove(h->inflight, hook_save_finished,
		    hs);
		g_hash_table_iter_init(&iter, h->inflight);
		while (g_hash_table_iter_next(&iter, NULL, &job)) {
			struct hook_job *j = job;
			struct store_lease l = { j->conf->name, j->event,
			    j->lease };

			g_array_append_val(leases, l);
		}
	}
	if (leases->len > 0 && hs->store != NULL &&
	    !store_hook_release(hs->store, (struct store_lease *)leases->data,
	    leases->len, g_get_real_time() / G_USEC_PER_SEC, &released,
	    &error))
		g_warning("hooks: stop: %u deliveries in flight abandoned, "
		    "their leases kept until they run out: %s", leases->len,
		    error->message);
	else if (leases->len > 0)
		g_info("hooks: stop: %u deliveries in flight abandoned, still "
		    "pending; %u leases given back", leases->len, released);
	g_array_free(leases, TRUE);
}

void
hooks_free(struct hooks **hsp)
{
	struct hooks *hs = *hsp;

	if (hs == NULL)
		return;
	hooks_give_back(hs);
	if (hs->tick != NULL)
		event_free(hs->tick);
	g_ptr_array_free(hs->hooks, TRUE);
	g_ptr_array_free(hs->retired, TRUE);
	store_close(&hs->store);
	g_free(hs);
	*hsp = NULL;
}
