/*
 * metrics.c: what reboundd has done, for Prometheus, over HTTP (libevent's
 * evhttp) on [metrics] listen: "port" alone is 127.0.0.1:port, so that
 * nothing is exposed beyond the machine unless asked for.
 *
 *   GET /metrics   the text exposition format, version 0.0.4: messages
 *                  by source and kind, recipients by class and reason,
 *                  commits, their failures and time, LMTP sessions and
 *                  the bytes of messages they hold, and the backlog
 *                  (messages taken but not yet acknowledged), and per
 *                  hook its events pending, how long the oldest has
 *                  waited, its deliveries by result, and whether
 *                  max_actions_per_hour paused it
 *   GET /healthz   "ok", or 503 and why while the database's transactions
 *                  fail (mail is refused with 451 meanwhile)
 * Anything else is 404.  Only counters are read; nothing here changes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "metrics.h"

struct metrics {
	struct evhttp	*http;
	struct intake	*intake;
	struct lmtp	*lmtp;
	struct maildir	*maildir;
	struct hooks	*hooks;		/* or NULL */
	struct prober	*prober;	/* or NULL */
	struct webhooks	*webhooks;	/* or NULL */
};

/* One labelled counter family from a "a b" -> count table. */
static void
metrics_family(struct evbuffer *out, const char *name, const char *help,
    const char *label_a, const char *label_b, GHashTable *counts)
{
	GHashTableIter iter;
	gpointer key, value;

	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help,
	    name);
	g_hash_table_iter_init(&iter, counts);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_auto(GStrv) ab = g_strsplit(key, " ", 2);

		evbuffer_add_printf(out, "%s{%s=\"%s\",%s=\"%s\"} %" G_GUINT64_FORMAT
		    "\n", name, label_a, ab[0], label_b, ab[1] ? ab[1] : "",
		    *(guint64 *)value);
	}
}

static void
metrics_one(struct evbuffer *out, const char *name, const char *type,
    const char *help, double value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.6g\n", name,
	    help, name, type, name, value);
}

/* The hooks' families: names a Grafana dashboard reads, keep them. */
static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} metrics_hook_families[] = {
	{ "rebound_hook_events_pending", "gauge",
	  "Events waiting for a hook (or in flight)." },
	{ "rebound_hook_oldest_pending_seconds", "gauge",
	  "How long the oldest event waiting for a hook has waited." },
	{ "rebound_hook_deliveries_total", "counter",
	  "Attempts to deliver an event to a hook, by result." },
	{ "rebound_hook_paused", "gauge",
	  "1 while max_actions_per_hour pauses a hook (rebound events "
	  "resume)." },
};

static void
metrics_hook(const struct hook_stats *st, void *arg)
{
	GString **s = arg;

	g_string_append_printf(s[0], "rebound_hook_events_pending{hook=\"%s\"} "
	    "%" G_GINT64_FORMAT "\n", st->name, st->pending);
	g_string_append_printf(s[1], "rebound_hook_oldest_pending_seconds"
	    "{hook=\"%s\"} %" G_GINT64_FORMAT "\n", st->name, st->oldest);
	g_string_append_printf(s[2], "rebound_hook_deliveries_total{hook=\"%s\","
	    "result=\"delivered\"} %" G_GUINT64_FORMAT "\n"
	    "rebound_hook_deliveries_total{hook=\"%s\",result=\"retried\"} %"
	    G_GUINT64_FORMAT "\n"
	    "rebound_hook_deliveries_total{hook=\"%s\",result=\"failed\"} %"
	    G_GUINT64_FORMAT "\n", st->name, st->delivered, st->name,
	    st->retried, st->name, st->failed);
	g_string_append_printf(s[3], "rebound_hook_paused{hook=\"%s\"} %d\n",
	    st->name, st->paused);
}

static void
metrics_hooks(struct metrics *m, struct evbuffer *out)
{
	GString *s[G_N_ELEMENTS(metrics_hook_families)];
	guint i;

	for (i = 0; i < G_N_ELEMENTS(s); i++)
		s[i] = g_string_new(NULL);
	hooks_stats(m->hooks, metrics_hook, s);
	for (i = 0; i < G_N_ELEMENTS(s); i++) {
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s",
		    metrics_hook_families[i].name, metrics_hook_families[i].help,
		    metrics_hook_families[i].name, metrics_hook_families[i].type,
		    s[i]->str);
		g_string_free(s[i], TRUE);
	}
}

/*
 * The probes ([probe]): sent, bounced, expired and forged from the
 * database (they count across restarts); deferred by max_per_hour and
 * refused by the relay since start.  None without a relay.
 */
static void
metrics_probes(struct metrics *m, struct evbuffer *out)
{
	struct prober_stats st;

	if (m->prober == NULL || !prober_stats(m->prober, &st))
		return;
	evbuffer_add_printf(out, "# HELP rebound_probes_total Probes, by what "
	    "became of them: sent (the relay took it), bounced (its bounce "
	    "made the address dead), expired (no bounce within wait: alive), "
	    "forged (bounces to a token that failed), deferred (held back by "
	    "max_per_hour, since start), failed (attempts the relay refused, "
	    "since start).\n# TYPE rebound_probes_total counter\n");
	evbuffer_add_printf(out, "rebound_probes_total{result=\"sent\"} %"
	    G_GINT64_FORMAT "\nrebound_probes_total{result=\"bounced\"} %"
	    G_GINT64_FORMAT "\nrebound_probes_total{result=\"expired\"} %"
	    G_GINT64_FORMAT "\nrebound_probes_total{result=\"forged\"} %"
	    G_GINT64_FORMAT "\nrebound_probes_total{result=\"deferred\"} %"
	    G_GUINT64_FORMAT "\nrebound_probes_total{result=\"failed\"} %"
	    G_GUINT64_FORMAT "\n", st.db.sent, st.db.bounced, st.db.expired,
	    st.db.forged, st.deferred, st.failed);
	metrics_one(out, "rebound_probes_waiting", "gauge",
	    "Probes recorded and not yet taken by the relay.",
	    (double)st.db.waiting);
}

/*
 * The writers' turn: with several reboundd on one PostgreSQL the time it
 * is held, per message, bounds what they take together.
 */
static void
metrics_turn(const struct intake_stats *st, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP rebound_store_turn_seconds_total "
	    "Time the writer waited for the writers' turn (the advisory lock "
	    "on PostgreSQL, BEGIN IMMEDIATE on SQLite) and held it, to the end "
	    "of COMMIT.\n# TYPE rebound_store_turn_seconds_total counter\n"
	    "rebound_store_turn_seconds_total{state=\"waiting\"} %.6g\n"
	    "rebound_store_turn_seconds_total{state=\"held\"} %.6g\n",
	    st->turn_waited, st->turn_held);
}

static void
metrics_page(struct metrics *m, struct evbuffer *out)
{
	const struct intake_stats *st = intake_stats(m->intake);

	metrics_family(out, "rebound_messages_total", "Messages taken, by "
	    "source and kind.", "source", "kind", st->messages);
	metrics_family(out, "rebound_recipients_total", "Recipients of the "
	    "messages taken, by class and reason.", "class", "reason",
	    st->recipients);
	metrics_one(out, "rebound_commits_total", "counter",
	    "Transactions committed or failed.", (double)st->commits);
	metrics_one(out, "rebound_commit_failures_total", "counter",
	    "Transactions that failed (their messages were not acknowledged).",
	    (double)st->commit_failures);
	metrics_one(out, "rebound_store_up", "gauge", "1 while transactions "
	    "commit, 0 from a failed one (database unreachable, locked, full) "
	    "to the next that commits.", st->store_failing ? 0 : 1);
	metrics_one(out, "rebound_commit_seconds_total", "counter",
	    "Time spent committing.", st->commit_seconds);
	metrics_one(out, "rebound_incidents_open", "gauge",
	    "Incidents of the guard open now (bursts held)",
	    (double)st->incidents_open);
	metrics_one(out, "rebound_incidents_opened_total", "counter",
	    "Incidents the guard opened since start", (double)st->incidents_opened);
	metrics_one(out, "rebound_outcomes_held_total", "counter",
	    "Hard outcomes held by an incident since start (counted as soft)",
	    (double)st->outcomes_held);
	metrics_one(out, "rebound_guard_catchups_total", "counter",
	    "Transactions that fed the guard another writer's outcomes "
	    "(several reboundd on one PostgreSQL)",
	    (double)st->guard_catchups);
	metrics_one(out, "rebound_guard_rebuilds_total", "counter",
	    "Transactions that read the guard back whole from the database "
	    "after another writer's outcomes", (double)st->guard_rebuilds);
	metrics_turn(st, out);
	metrics_one(out, "rebound_lmtp_sessions", "gauge",
	    "LMTP sessions open.", m->lmtp ? (double)lmtp_sessions(m->lmtp) : 0);
	metrics_one(out, "rebound_lmtp_buffered_bytes", "gauge",
	    "Bytes of LMTP messages in memory: in DATA, or taken and not yet "
	    "parsed (bounded by [lmtp] max_buffered).",
	    m->lmtp ? (double)lmtp_buffered(m->lmtp) : 0);
	metrics_one(out, "rebound_backlog", "gauge", "Messages taken but not "
	    "yet acknowledged.", (double)intake_pending(m->intake) +
	    (m->maildir ? (double)maildir_pending(m->maildir) : 0));
	metrics_hooks(m, out);
	metrics_probes(m, out);
	if (m->webhooks != NULL)
		webhooks_metrics(m->webhooks, out);
}

/* Healthy unless the database fails: then mail is not being taken. */
static void
metrics_health(struct metrics *m, struct evhttp_request *req,
    struct evbuffer *out)
{
	const struct intake_stats *st = intake_stats(m->intake);

	if (!st->store_failing) {
		evbuffer_add_printf(out, "ok\n");
		evhttp_send_reply(req, 200, "OK", out);
		return;
	}
	evbuffer_add_printf(out, "store failing: %s\n", st->store_error);
	evhttp_send_reply(req, 503, "Service Unavailable", out);
}

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *out = evbuffer_new();

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || path == NULL) {
		evhttp_send_error(req, 405, "GET only");
	} else if (strcmp(path, "/metrics") == 0) {
		metrics_page(m, out);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "text/plain; version=0.0.4");
		evhttp_send_reply(req, 200, "OK", out);
	} else if (strcmp(path, "/healthz") == 0) {
		metrics_health(m, req, out);
	} else
		evhttp_send_error(req, 404, "Not found");
	evbuffer_free(out);
}

struct metrics *
metrics_new(struct event_base *base, const char *listen, struct intake *intake,
    struct lmtp *lmtp, struct maildir *maildir, GError **error)
{
	const char *colon = strrchr(listen, ':');
	g_autofree char *host = colon ? g_strndup(listen, colon - listen) :
	    g_strdup("127.0.0.1");
	const char *port = colon ? colon + 1 : listen;
	struct metrics *m;
	char *end;
	long n = strtol(port, &end, 10);

	if (*host == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host) - 2);
		host[strlen(host) - 2] = '\0';
	}
	if (end == port || *end != '\0' || n < 1 || n > 65535) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: not a port or host:port", listen);
		return NULL;
	}
	m = g_new0(struct metrics, 1);
	m->intake = intake;
	m->lmtp = lmtp;
	m->maildir = maildir;
	m->http = evhttp_new(base);
	evhttp_set_gencb(m->http, metrics_request, m);
	if (evhttp_bind_socket_with_handle(m->http, host, (guint16)n) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: cannot listen", listen);
		metrics_free(&m);
		return NULL;
	}
	g_info("metrics: listening on %s:%ld", host, n);
	return m;
}

void
metrics_set_prober(struct metrics *m, struct prober *pr)
{
	m->prober = pr;
}

void
metrics_set_webhooks(struct metrics *m, struct webhooks *webhooks)
{
	m->webhooks = webhooks;
}

void
metrics_set_hooks(struct metrics *m, struct hooks *hooks)
{
	m->hooks = hooks;
}

void
metrics_free(struct metrics **mp)
{
	struct metrics *m = *mp;

	if (m == NULL)
		return;
	evhttp_free(m->http);
	g_free(m);
	*mp = NULL;
}
