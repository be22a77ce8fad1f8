/*
 * webhook.c: the HTTP listener of [http] listen, on the daemon's own
 * libevent loop (evhttp), apart from /metrics: a service's posts come
 * from the Internet (through a TLS proxy), the metrics from inside.
 *
 * Limits, each answered and counted (rebound_webhook_requests_total):
 * a body over max_body_size gets 413 from evhttp itself; headers over
 * max_header_size get 431, a request not read within read_timeout 408,
 * and a connection over max_connections 503 (webhook_conn.c); more
 * than max_requests posts waiting for their commit get 503 (the service
 * retries).  A request that fails authentication gets 401 (403 for a
 * replayed token, an SNS topic not ours, a certificate URL off
 * cert_hosts, a raw delivery) and records nothing; it is logged once a
 * minute per source address and status.  An SES post waits for SNS's
 * certificate (webhook_sns.c) before it is read, and counts among
 * max_requests meanwhile.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "listen.h"
#include "webhook.h"
#include "webhook_int.h"

#define WEBHOOK_LOG_INTERVAL	60	/* seconds between logs per source
					   and status */

struct webhooks {
	const struct conf_http *conf;
	struct intake	*intake;
	struct evhttp	*http;
	struct webhook_conns *conns;	/* its connections' deadlines */
	struct webhook_replay *replay;
	struct webhook_sns_certs *sns;	/* SNS's certificates */
	guint		 pending;	/* posts waiting for their commit,
					   or for SNS's certificate */
	guint64		 serial;	/* names posts in the log */
	GHashTable	*counts;	/* "name status" -> guint64 * */
	GHashTable	*logged;	/* "address status" -> gint64 *: when */
};

/* One post waiting for intake's callback. */
struct webhook_post {
	struct webhooks	*wh;
	struct evhttp_request *req;
	const struct conf_webhook *w;
	char		*token;		/* Mailgun's, to forget if not recorded */
	guint		 waiting;	/* its events not yet committed */
	int		 failed;	/* one of them could not be */
};

static void
webhook_count(struct webhooks *wh, const char *name, int status)
{
	char *key = g_strdup_printf("%s %d", name, status);
	guint64 *n = g_hash_table_lookup(wh->counts, key);

	if (n == NULL) {
		n = g_new0(guint64, 1);
		g_hash_table_insert(wh->counts, key, n);
	} else
		g_free(key);
	(*n)++;
}

static void
webhook_answer(struct webhooks *wh, struct evhttp_request *req,
    const char *name, int status, const char *reason)
{
	struct evbuffer *out = evbuffer_new();

	webhook_count(wh, name, status);
	evbuffer_add_printf(out, "%s\n", reason);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain");
	evhttp_send_reply(req, status, reason, out);
	evbuffer_free(out);
}

/* The peer's address, for the log. */
static char *
webhook_peer(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	const char *host = NULL;
	ev_uint16_t port = 0;

	if (c != NULL)
		evhttp_connection_get_peer(c, (char **)&host, &port);
	return g_strdup(host != NULL && *host != '\0' ? host : "local");
}

/*
 * Log a refusal, once per source, status and interval: a flood is
 * counted only, and a forged post does not hide a misconfigured one.
 * name is the webhook's, or "none" before its path is known.
 */
static void
webhook_log_source(struct webhooks *wh, const char *source, const char *name,
    int status, const char *why)
{
	const char *peer = source != NULL && *source != '\0' ? source :
	    "local";
	g_autofree char *key = g_strdup_printf("%s %d", peer, status);
	gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	gint64 *last = g_hash_table_lookup(wh->logged, key);

	if (last != NULL && now - *last < WEBHOOK_LOG_INTERVAL)
		return;
	g_warning("webhook %s: %d to %s: %s (more %ds from it within %d s "
	    "are counted, not logged)", name, status, peer, why, status,
	    WEBHOOK_LOG_INTERVAL);
	g_hash_table_replace(wh->logged, g_steal_pointer(&key),
	    g_memdup2(&now, sizeof now));
}

static void
webhook_log_refusal(struct webhooks *wh, struct evhttp_request *req,
    const struct conf_webhook *w, int status, const char *why)
{
	g_autofree char *peer = webhook_peer(req);

	webhook_log_source(wh, peer, w->name, status, why);
}

/* webhook_conn.c answered a connection before its path was known. */
static void
webhook_conn_answered(int status, const char *source, const char *why,
    void *arg)
{
	struct webhooks *wh = arg;

	if (why != NULL)
		webhook_log_source(wh, source, "none", status, why);
	webhook_count(wh, "none", status);
}

static const struct conf_webhook *
webhook_find(struct webhooks *wh, const char *path)
{
	guint i;

	for (i = 0; path != NULL && i < wh->conf->webhooks->len; i++) {
		const struct conf_webhook *w = wh->conf->webhooks->pdata[i];

		if (strcmp(w->path, path) == 0)
			return w;
	}
	return NULL;
}

/*
 * A test's stop point, in debug builds only (configure --enable-debug):
 * with REBOUND_TEST_STOP_AFTER_COMMIT set, the daemon stops itself
 * (SIGSTOP) once a post's events are committed and before it answers,
 * so that tests/webhook-once.sh can SIGKILL it at that very point.  A
 * release build has no such stop, whatever its environment.
 */
static void
webhook_test_stop(const char *name)
{
#ifdef REBOUND_TEST_HOOKS
	if (g_getenv("REBOUND_TEST_STOP_AFTER_COMMIT") == NULL)
		return;
	g_warning("webhook %s: committed, stopping before the answer "
	    "(REBOUND_TEST_STOP_AFTER_COMMIT)", name);
	raise(SIGSTOP);
#endif
}

static void
webhook_done(void *arg, const struct intake_result *res)
{
	struct webhook_post *p = arg;
	struct webhooks *wh = p->wh;

	p->failed |= !res->ok;
	if (--p->waiting > 0)
		return;
	wh->pending--;
	if (!p->failed) {
		webhook_test_stop(p->w->name);
		webhook_answer(wh, p->req, p->w->name, 200, "recorded");
	} else {
		/* The service sends it again, with the same token maybe. */
		if (p->token != NULL)
			webhook_replay_forget(wh->replay, p->token);
		webhook_answer(wh, p->req, p->w->name, 503,
		    "not recorded, try again later");
	}
	g_free(p->token);
	g_free(p);
}

static const struct {
	int		 status;
	const char	*reason;
} webhook_refusals[] = {
	[WEBHOOK_OK] = { 200, "OK" },
	[WEBHOOK_MALFORMED] = { 400, "malformed body" },
	[WEBHOOK_SIGNATURE] = { 401, "signature does not verify" },
	[WEBHOOK_EXPIRED] = { 401, "timestamp too old" },
	[WEBHOOK_REPLAYED] = { 403, "token already used" },
	[WEBHOOK_CREDENTIALS] = { 401, "wrong credentials" },
	[WEBHOOK_TOPIC] = { 403, "topic not allowed" },
	[WEBHOOK_CERT_URL] = { 403, "certificate URL not allowed" },
	[WEBHOOK_RAW] = { 403, "raw message delivery is not signed" },
	[WEBHOOK_UNAVAILABLE] = { 503, "signing certificate unavailable, "
	    "try again later" },
};

/* An SES post waiting for SNS's certificate. */
struct webhook_ses_post {
	struct webhooks	*wh;
	struct evhttp_request *req;
	const struct conf_webhook *w;
	char		*body;
	size_t		 len;
};

/*
 * The events of a post worth recording, as bodies (of char *) with their
 * ids in *ids; NULL and *why_r if one is not the kind's JSON.  The check
 * is cheap next to the commit; it lets a malformed body get 400 now
 * rather than a retry for ever.
 */
static GPtrArray *
webhook_events(const struct conf_webhook *w, const char *body, size_t len,
    GPtrArray **ids, char **why_r)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) parts = webhook_split(w->kind, body, len, &error);
	GPtrArray *keep;
	guint i;

	if (parts == NULL) {
		*why_r = g_strdup(error->message);
		return NULL;
	}
	keep = g_ptr_array_new_with_free_func(g_free);
	*ids = g_ptr_array_new_with_free_func(g_free);
	for (i = 0; i < parts->len; i++) {
		const char *part = parts->pdata[i];
		char *id = NULL;
		struct report *rp = webhook_parse(w->kind, part, strlen(part),
		    &id, &error);

		if (rp == NULL) {
			*why_r = g_strdup(error->message);
			g_clear_pointer(&keep, g_ptr_array_unref);
			g_clear_pointer(ids, g_ptr_array_unref);
			return NULL;
		}
		if (rp->kind != REPORT_NONE) {
			g_ptr_array_add(keep, g_strdup(part));
			g_ptr_array_add(*ids, id);
		} else
			g_free(id);
		report_free(&rp);
	}
	return keep;
}

/* Authenticated: each event to record goes to intake; 200 once all are. */
static void
webhook_take(struct webhooks *wh, struct evhttp_request *req,
    const struct conf_webhook *w, char *body, size_t len, char *token)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autofree char *why = NULL;
	GPtrArray *events = webhook_events(w, body, len, &ids, &why);
	struct webhook_post *p;
	guint i;

	g_free(body);
	if (events == NULL || events->len == 0) {
		if (events == NULL)
			webhook_log_refusal(wh, req, w, 400, why);
		webhook_answer(wh, req, w->name, events == NULL ? 400 : 200,
		    events == NULL ? "malformed body" : "ignored");
		if (events != NULL)
			g_ptr_array_unref(events);
		g_free(token);
		return;
	}
	p = g_new0(struct webhook_post, 1);
	p->wh = wh;
	p->req = req;
	p->w = w;
	p->token = token;
	p->waiting = events->len;
	wh->pending++;
	wh->serial++;
	for (i = 0; i < events->len; i++) {
		g_autofree char *name = g_strdup_printf("webhook %s#%"
		    G_GUINT64_FORMAT " event %s", w->name, wh->serial,
		    (char *)ids->pdata[i]);
		char *ev = g_steal_pointer(&events->pdata[i]);

		intake_submit_webhook(wh->intake, w->kind, ev, strlen(ev),
		    webhook_kind_name(w->kind), name, webhook_done, p);
	}
	g_ptr_array_unref(events);
}

static void
webhook_refuse(struct webhooks *wh, struct evhttp_request *req,
    const struct conf_webhook *w, enum webhook_refusal r, const char *why)
{
	webhook_log_refusal(wh, req, w, webhook_refusals[r].status, why);
	if (r == WEBHOOK_CREDENTIALS)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Basic realm=\"rebound\"");
	webhook_answer(wh, req, w->name, webhook_refusals[r].status,
	    webhook_refusals[r].reason);
}

/* SNS's message verified, or not: what its Type asks. */
static void
webhook_ses_checked(enum webhook_refusal r, const char *why,
    const struct webhook_sns *m, void *arg)
{
	struct webhook_ses_post *sp = arg;
	struct webhooks *wh = sp->wh;

	wh->pending--;
	if (r != WEBHOOK_OK) {
		webhook_refuse(wh, sp->req, sp->w, r, why);
		g_free(sp->body);
	} else if (strcmp(m->type, "Notification") == 0)
		webhook_take(wh, sp->req, sp->w, sp->body, sp->len, NULL);
	else {
		if (strcmp(m->type, "SubscriptionConfirmation") == 0)
			webhook_sns_confirm(wh->sns, sp->w, m);
		else
			g_warning("webhook %s: SNS says the subscription to %s "
			    "was removed: no more SES notifications come",
			    sp->w->name, m->topic_arn);
		webhook_answer(wh, sp->req, sp->w->name, 200, "OK");
		g_free(sp->body);
	}
	g_free(sp);
}

static void
webhook_ses_start(struct webhooks *wh, struct evhttp_request *req,
    const struct conf_webhook *w, char *body, size_t len)
{
	struct webhook_ses_post *sp = g_new0(struct webhook_ses_post, 1);
	const char *raw = evhttp_find_header(evhttp_request_get_input_headers(
	    req), "x-amz-sns-rawdelivery");

	sp->wh = wh;
	sp->req = req;
	sp->w = w;
	sp->body = body;
	sp->len = len;
	wh->pending++;
	webhook_sns_verify(wh->sns, w, body, len,
	    raw != NULL && g_ascii_strcasecmp(raw, "true") == 0,
	    webhook_ses_checked, sp);
}

static const struct webhook_headers *
webhook_headers_of(struct evhttp_request *req, struct webhook_headers *h)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);

	h->authorization = evhttp_find_header(in, "Authorization");
	h->signature = evhttp_find_header(in,
	    "X-Twilio-Email-Event-Webhook-Signature");
	h->timestamp = evhttp_find_header(in,
	    "X-Twilio-Email-Event-Webhook-Timestamp");
	return h;
}

/* A head over max_header_size that came whole in one read. */
static void
webhook_head_too_big(struct webhooks *wh, struct evhttp_request *req)
{
	g_autofree char *peer = webhook_peer(req);

	webhook_log_source(wh, peer, "none", 431, "headers over "
	    "max_header_size");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	webhook_answer(wh, req, "none", 431, "Request Header Fields Too Large");
}

static void
webhook_request(struct evhttp_request *req, void *arg)
{
	struct webhooks *wh = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const struct conf_webhook *w = webhook_find(wh, path);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	g_autofree char *why = NULL;
	struct webhook_headers h;
	enum webhook_refusal r;
	size_t len;
	char *body, *token;

	if (!webhook_conns_in_hand(wh->conns, req)) {
		webhook_head_too_big(wh, req);
		return;
	}
	if (w == NULL) {
		webhook_answer(wh, req, "none", 404, "no such webhook");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		webhook_answer(wh, req, w->name, 405, "POST only");
		return;
	}
	if (wh->pending >= (guint)wh->conf->max_requests) {
		webhook_log_refusal(wh, req, w, 503, "max_requests posts wait "
		    "for their commit");
		webhook_answer(wh, req, w->name, 503, "busy, try again later");
		return;
	}
	len = evbuffer_get_length(in);
	body = g_malloc(len + 1);
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	if (w->kind == WEBHOOK_SES) {
		webhook_ses_start(wh, req, w, body, len);
		return;
	}
	r = webhook_auth(w, wh->replay, webhook_headers_of(req, &h), body, len,
	    g_get_real_time() / G_USEC_PER_SEC, &token, &why);
	if (r != WEBHOOK_OK) {
		webhook_refuse(wh, req, w, r, why);
		g_free(body);
		return;
	}
	webhook_take(wh, req, w, body, len, token);
}

static int
webhook_accept(void *arg, int fd, const char *spec, GError **error)
{
	struct webhooks *wh = arg;

	/* Non-blocking: the listener accepts until EAGAIN. */
	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    evutil_make_socket_closeonexec(fd) != 0 || listen(fd, 128) != 0 ||
	    evhttp_accept_socket_with_handle(wh->http, fd) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "%s: cannot listen", spec);
		evutil_closesocket(fd);
		return 0;
	}
	return 1;
}

struct webhooks *
webhooks_new(struct event_base *base, const struct conf_http *conf,
    const struct conf_lmtp *sockets, struct intake *intake, GError **error)
{
	struct webhooks *wh = g_new0(struct webhooks, 1);

	wh->conf = conf;
	wh->intake = intake;
	wh->replay = webhook_replay_new();
	wh->counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	wh->logged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	if ((wh->sns = webhook_sns_certs_new(base, error)) == NULL) {
		webhooks_free(&wh);
		return NULL;
	}
	wh->http = evhttp_new(base);
	evhttp_set_gencb(wh->http, webhook_request, wh);
	evhttp_set_max_body_size(wh->http, (ev_ssize_t)conf->max_body);
	wh->conns = webhook_conns_new(base, wh->http, conf,
	    webhook_conn_answered, wh);
	evhttp_set_allowed_methods(wh->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	if (!listen_open(conf->listen, sockets, webhook_accept, wh, error)) {
		webhooks_free(&wh);
		return NULL;
	}
	g_info("http: listening on %s for %u webhook%s", conf->listen,
	    conf->webhooks->len, conf->webhooks->len == 1 ? "" : "s");
	return wh;
}

void
webhooks_metrics(struct webhooks *wh, struct evbuffer *out)
{
	GHashTableIter iter;
	gpointer key, value;

	evbuffer_add_printf(out, "# HELP rebound_webhook_requests_total "
	    "Posts to the webhooks, by webhook and status answered.\n"
	    "# TYPE rebound_webhook_requests_total counter\n");
	g_hash_table_iter_init(&iter, wh->counts);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		g_auto(GStrv) ab = g_strsplit(key, " ", 2);

		evbuffer_add_printf(out, "rebound_webhook_requests_total"
		    "{webhook=\"%s\",status=\"%s\"} %" G_GUINT64_FORMAT "\n",
		    ab[0], ab[1], *(guint64 *)value);
	}
	evbuffer_add_printf(out, "# HELP rebound_webhook_pending Posts waiting "
	    "for their commit (bounded by [http] max_requests).\n"
	    "# TYPE rebound_webhook_pending gauge\nrebound_webhook_pending %u\n",
	    wh->pending);
	evbuffer_add_printf(out, "# HELP rebound_webhook_connections "
	    "Connections open to the listener (bounded by [http] "
	    "max_connections).\n# TYPE rebound_webhook_connections gauge\n"
	    "rebound_webhook_connections %u\n", webhook_conns_open(wh->conns));
}

guint
webhooks_pending(struct webhooks *wh)
{
	return wh->pending;
}

void
webhooks_free(struct webhooks **whp)
{
	struct webhooks *wh = *whp;

	if (wh == NULL)
		return;
	/* The fetches first: their callbacks answer evhttp's requests. */
	webhook_sns_certs_free(&wh->sns);
	if (wh->http != NULL)
		evhttp_free(wh->http);	/* closes the connections first */
	webhook_conns_free(&wh->conns);
	webhook_replay_free(&wh->replay);
	g_hash_table_destroy(wh->counts);
	g_hash_table_destroy(wh->logged);
	g_free(wh);
	*whp = NULL;
}
