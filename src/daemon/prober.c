/*
 * prober.c: the probes' sending (prober.h).
 *
 * A timer (PROBER_TICK) does, in order:
 *   - decide the probes sent [probe] wait ago with no bounce: their
 *     addresses are alive again (store_probe_expire);
 *   - record a probe, state waiting, for each probing address that needs
 *     one (store_probe_make): a probe is a row before it is mail, so a
 *     SIGKILL loses none.  An address waits [events] delay after its last
 *     bounce first, as an address.dead would: the incident guard runs
 *     first, and a burst it finds in that time holds the bounces, so
 *     the address is no longer probing and no probe goes;
 *   - start the waiting ones, at most [probe] max_per_hour counting
 *     those the relay took in the last hour and those in flight; the
 *     rest wait (counted once each as deferred, a warning when the
 *     limit is first reached), so a flood of forged bounces cannot make
 *     rebound a mail cannon, and nothing is dropped.
 * A probe is marked sent only after the relay's 250.  If the mark
 * cannot be written (the writer holds the database), the probe stays in
 * flight and the next tick writes it: it is never started twice by one
 * process.  A SIGKILL after the relay's 250 and before the mark sends
 * it again after the restart, the same message: the same token, the
 * same Message-ID (made from its id), so that the copy is recognisable
 * and its bounce decides the same probe (RELIABILITY.md).
 * A refused or failed attempt is tried again after 1, 2, 4 ... minutes,
 * at most an hour apart, for as long as the address is probing.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "prober.h"
#include "probe.h"

#define PROBER_TICK		1	/* seconds between polls */
#define PROBER_DB_BUSY		50	/* ms the loop waits for the writer */
#define PROBER_RETRY_MAX	3600	/* seconds between attempts, at most */
#define PROBER_CONNECT_TIMEOUT	30
#define PROBER_TIMEOUT		300	/* the whole SMTP transaction */

/* The body when [probe] template is not set. */
static const char prober_body[] =
    "Hello,\n"
    "\n"
    "A message to {address} came back as undeliverable.\n"
    "Before anyone is unsubscribed for that, this message checks that\n"
    "the address still receives mail: if you read it, nothing needs\n"
    "doing, and your subscription stays as it is.\n"
    "\n"
    "This message was sent automatically; please do not reply to it.\n";

/* One probe on its way to the relay. */
struct prober_job {
	struct prober	*prober;
	gint64		 id;
	char		*address;
	int		 attempts;
	int		 finished, ok;	/* answered, until recorded */
	char		*why;
};

struct prober {
	struct event_base *base;
	struct store	*store;
	struct http	*http;
	struct event	*tick;
	struct probe_conf conf;		/* a copy of [probe] */
	char		*body;		/* template, or prober_body */
	char		*domain;	/* of the return path: Message-IDs */
	GHashTable	*inflight;	/* gint64 * id -> struct prober_job * */
	GHashTable	*deferred;	/* ids counted as deferred */
	guint64		 deferred_total, failed;
	int		 limited;	/* the limit's warning was given */
	gint64		 delay;		/* [events] delay: the guard's window */
};

static void
prober_job_free(struct prober_job *j)
{
	g_free(j->address);
	g_free(j->why);
	g_free(j);
}

/* text with {address} and {from} replaced, its lines ended by CRLF. */
static void
prober_expand(GString *out, const char *text, const char *address,
    const char *from)
{
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (g_str_has_prefix(p, "{address}")) {
			g_string_append(out, address);
			p += strlen("{address}") - 1;
		} else if (g_str_has_prefix(p, "{from}")) {
			g_string_append(out, from);
			p += strlen("{from}") - 1;
		} else if (*p == '\n') {
			if (p == text || p[-1] != '\r')
				g_string_append_c(out, '\r');
			g_string_append_c(out, '\n');
		} else
			g_string_append_c(out, *p);
	}
	if (out->len < 2 || out->str[out->len - 1] != '\n')
		g_string_append(out, "\r\n");
}

/*
 * The probe as mail: short, plain, in the list's name, automatic, and
 * the same bytes every time it is made (its date is its creation's).
 */
static char *
prober_message(struct prober *pr, const struct store_probe *p)
{
	GString *m = g_string_new(NULL);
	GDateTime *dt = g_date_time_new_from_unix_utc(p->created);
	g_autofree char *date = g_date_time_format(dt,
	    "%a, %d %b %Y %H:%M:%S +0000");
	/* A stored List-Id is a bounce's words: no line breaks in ours. */
	g_autofree char *list = g_strdup(p->list);

	g_date_time_unref(dt);
	if (list != NULL)
		g_strdelimit(list, "\r\n", ' ');
	g_string_append_printf(m, "From: %s\r\nTo: <%s>\r\nSubject: %s\r\n"
	    "Date: %s\r\nMessage-ID: <rebound-probe-%" G_GINT64_FORMAT "-%"
	    G_GINT64_FORMAT "@%s>\r\nAuto-Submitted: auto-generated\r\n"
	    "X-Rebound-Probe: %" G_GINT64_FORMAT "\r\n", pr->conf.from,
	    p->address, pr->conf.subject, date, p->id, p->created, pr->domain,
	    p->id);
	/* Its bounce names the list, and so does the address.dead. */
	if (list != NULL && strchr(list, '<') != NULL)
		g_string_append_printf(m, "List-Id: %s\r\n", list);
	else if (list != NULL)
		g_string_append_printf(m, "List-Id: <%s>\r\n", list);
	g_string_append(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
	prober_expand(m, pr->body, p->address, pr->conf.from);
	return g_string_free(m, FALSE);
}

/* When a failed probe goes next: 1, 2, 4 ... minutes, at most an hour. */
static gint64
prober_next_try(gint64 now, int attempts)
{
	gint64 delay = (gint64)60 << MIN(attempts, 6);

	return now + MIN(delay, PROBER_RETRY_MAX);
}

/* Record job j's answer; 0 if the writer held the database (later). */
static int
prober_save(struct prober *pr, struct prober_job *j)
{
	g_autoptr(GError) error = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	int ok;

	if (j->ok)
		ok = store_probe_sent(pr->store, j->id, now, &error);
	else
		ok = store_probe_retry(pr->store, j->id, prober_next_try(now,
		    j->attempts), j->why, &error);
	if (!ok)
		g_debug("probe %" G_GINT64_FORMAT ": %s (will record it again)",
		    j->id, error->message);
	return ok;
}

static void
prober_done(const struct http_response *r, void *arg)
{
	struct prober_job *j = arg;
	struct prober *pr = j->prober;

	j->finished = 1;
	j->ok = r->status >= 200 && r->status < 300;
	if (j->ok)
		g_info("probe %" G_GINT64_FORMAT " to %s: sent (relay %ld)",
		    j->id, j->address, r->status);
	else {
		j->why = r->status == 0 ? g_strdup(r->error) :
		    g_strdup_printf("relay answered %ld", r->status);
		pr->failed++;
		g_warning("probe %" G_GINT64_FORMAT " to %s: attempt %d "
		    "failed, will retry: %s", j->id, j->address,
		    j->attempts + 1, j->why);
	}
	if (prober_save(pr, j))
		g_hash_table_remove(pr->inflight, &j->id);
}

/* store_probe_due's callback: hand one waiting probe to the relay. */
static int
prober_start(const struct store_probe *p, void *arg)
{
	struct prober *pr = arg;
	struct prober_job *j;
	g_autofree char *token = NULL, *from = NULL, *data = NULL;
	struct http_mail m = { 0 };

	if (g_hash_table_contains(pr->inflight, &p->id))
		return 1;
	j = g_new0(struct prober_job, 1);
	j->prober = pr;
	j->id = p->id;
	j->address = g_strdup(p->address);
	j->attempts = p->attempts;
	g_hash_table_insert(pr->inflight, &j->id, j);
	token = probe_token(pr->conf.secret, p->address, p->id, p->created);
	from = probe_return_path(pr->conf.address, token);
	data = prober_message(pr, p);
	m.url = pr->conf.relay;
	m.user = pr->conf.user;
	m.password = pr->conf.password;
	m.from = from;
	m.to = p->address;
	m.data = data;
	m.connect_timeout = PROBER_CONNECT_TIMEOUT;
	m.timeout = PROBER_TIMEOUT;
	g_info("probe %" G_GINT64_FORMAT " to %s: sending (return path %s)",
	    p->id, p->address, from);
	http_send_mail(pr->http, &m, prober_done, j);
	return 1;
}

/* What a pass over the probes the limit holds back finds. */
struct prober_held {
	struct prober	*prober;
	GHashTable	*now;		/* ids held back in this pass */
	guint		 fresh;		/* of them, not held back before */
};

/* store_probe_due's callback past the limit: it waits, counted once. */
static int
prober_defer(const struct store_probe *p, void *arg)
{
	struct prober_held *h = arg;
	struct prober *pr = h->prober;
	gint64 *id;

	if (g_hash_table_contains(pr->inflight, &p->id))
		return 1;
	if (!g_hash_table_contains(pr->deferred, &p->id)) {
		pr->deferred_total++;
		h->fresh++;
	}
	id = g_new(gint64, 1);
	*id = p->id;
	g_hash_table_add(h->now, id);
	return 1;
}

static int
prober_expired(const struct store_probe *p, void *arg)
{
	g_info("probe %" G_GINT64_FORMAT " to %s: no bounce within %d s: "
	    "the address is alive", p->id, p->address,
	    ((struct prober *)arg)->conf.wait);
	return 1;
}

/* An answer the writer's lock kept out of the database: gone once saved. */
static gboolean
prober_save_finished(gpointer key, gpointer value, gpointer arg)
{
	struct prober_job *j = value;

	return j->finished && prober_save(arg, j);
}

/*
 * Start what the hour's limit lets go; count the rest as deferred, each
 * once (pr->deferred: those held back, as the last pass found them).
 */
static int
prober_send_due(struct prober *pr, gint64 now, GError **error)
{
	struct prober_held h = { pr, NULL, 0 };
	gint64 sent, room;

	if (!store_probe_sent_since(pr->store, now - 3600, &sent, error))
		return 0;
	room = pr->conf.max_per_hour - sent -
	    (gint64)g_hash_table_size(pr->inflight);
	if (room > 0) {
		pr->limited = 0;
		if (!store_probe_due(pr->store, now, (int)room, prober_start,
		    pr, error))
			return 0;
	}
	h.now = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    NULL);
	if (!store_probe_due(pr->store, now, 1000, prober_defer, &h, error)) {
		g_hash_table_destroy(h.now);
		return 0;
	}
	g_hash_table_destroy(pr->deferred);
	pr->deferred = h.now;
	if (h.fresh > 0 && !pr->limited) {
		pr->limited = 1;
		g_warning("probe: max_per_hour (%d) reached: %u probes wait "
		    "for the next hour (rebound_probes_total{result="
		    "\"deferred\"})", pr->conf.max_per_hour,
		    g_hash_table_size(pr->deferred));
	}
	return 1;
}

static void
prober_tick(evutil_socket_t fd, short what, void *arg)
{
	struct prober *pr = arg;
	struct timeval tv = { PROBER_TICK, 0 };
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autoptr(GError) error = NULL;
	guint made = 0;
	int ok;

	g_hash_table_foreach_remove(pr->inflight, prober_save_finished, pr);
	/* Another daemon on the database sends the probes: not this one. */
	if (!store_lead(pr->store, "probes")) {
		evtimer_add(pr->tick, &tv);
		return;
	}
	ok = store_probe_expire(pr->store, now, pr->conf.wait, prober_expired,
	    pr, &error) &&
	    store_probe_make(pr->store, now, pr->conf.wait, pr->delay, &made,
	    &error);
	if (made > 0)
		g_info("probe: %u new probes recorded", made);
	if (!ok || !prober_send_due(pr, now, &error))
		/* The writer holds the database: next time. */
		g_debug("probe: %s", error->message);
	evtimer_add(pr->tick, &tv);
}

static void
prober_copy_conf(struct probe_conf *to, const struct probe_conf *from)
{
	*to = *from;
	to->relay = g_strdup(from->relay);
	to->user = g_strdup(from->user);
	to->password = g_strdup(from->password);
	to->address = g_strdup(from->address);
	to->secret = g_strdup(from->secret);
	to->from = g_strdup(from->from);
	to->subject = g_strdup(from->subject);
	to->template = g_strdup(from->template);
}

/*
 * The prober of [probe] c, or NULL with nothing to do (no relay, or
 * when = never) and *error unset; NULL with *error when it cannot run
 * (its template unreadable, the database of store).  A probe is made
 * delay seconds after an address's last bounce ([events] delay); one
 * that runs out replays its address under policy.
 */
struct prober *
prober_new(struct event_base *base, const struct probe_conf *c,
    const struct policy *policy, const struct conf_store *store,
    gint64 delay, GError **error)
{
	struct conf_store own = *store;
	struct prober *pr;
	const char *at;
	struct timeval now = { 0, 0 };

	if (c->relay == NULL || c->when == PROBE_NEVER)
		return NULL;
	pr = g_new0(struct prober, 1);
	pr->base = base;
	prober_copy_conf(&pr->conf, c);
	pr->delay = delay;
	at = strrchr(pr->conf.address, '@');
	pr->domain = g_strdup(at + 1);
	pr->inflight = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    NULL, (GDestroyNotify)prober_job_free);
	pr->deferred = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, NULL);
	own.busy_timeout = MIN(store->busy_timeout, PROBER_DB_BUSY);
	if ((pr->conf.template != NULL && !g_file_get_contents(
	    pr->conf.template, &pr->body, NULL, error)) ||
	    (pr->store = store_open(&own, STORE_WRITE, error)) == NULL ||
	    (pr->http = http_new(base, error)) == NULL ||
	    (pr->tick = evtimer_new(base, prober_tick, pr)) == NULL) {
		if (error != NULL && *error == NULL)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "probe: out of resources");
		prober_free(&pr);
		return NULL;
	}
	store_set_policy(pr->store, policy);
	store_set_probe(pr->store, c);
	if (pr->body == NULL)
		pr->body = g_strdup(prober_body);
	g_info("probe: %s addresses are probed before they are dead, through "
	    "%s, %" G_GINT64_FORMAT " s after their last bounce; wait %d s, "
	    "at most %d an hour", probe_when_name(c->when),
	    pr->conf.relay, pr->delay, pr->conf.wait, pr->conf.max_per_hour);
	evtimer_add(pr->tick, &now);
	return pr;
}

int
prober_stats(struct prober *pr, struct prober_stats *st)
{
	memset(st, 0, sizeof *st);
	if (pr == NULL)
		return 0;
	st->deferred = pr->deferred_total;
	st->failed = pr->failed;
	return store_probe_counts(pr->store, &st->db, NULL);
}

/* Stop: probes in flight are abandoned, still waiting in the database. */
void
prober_free(struct prober **prp)
{
	struct prober *pr = *prp;

	if (pr == NULL)
		return;
	if (pr->inflight != NULL && g_hash_table_size(pr->inflight) > 0)
		g_info("probe: stop: %u probes in flight abandoned (they go "
		    "again after a restart)", g_hash_table_size(pr->inflight));
	http_free(&pr->http);
	if (pr->tick != NULL)
		event_free(pr->tick);
	if (pr->inflight != NULL)
		g_hash_table_destroy(pr->inflight);
	if (pr->deferred != NULL)
		g_hash_table_destroy(pr->deferred);
	store_close(&pr->store);
	probe_conf_clear(&pr->conf);
	g_free(pr->body);
	g_free(pr->domain);
	g_free(pr);
	*prp = NULL;
}
