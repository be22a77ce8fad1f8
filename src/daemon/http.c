/*
 * http.c: HTTP and HTTPS client requests on the libevent loop, through
 * libcurl's multi interface: curl says which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to wake it (CURLMOPT_TIMERFUNCTION);
 * libevent watches them and calls curl_multi_socket_action().  Nothing
 * blocks, and no thread is made (names are resolved by curl's own
 * threaded resolver where it has one).
 *
 * A request may be held to https, and to the CAs of a file of its own
 * (the SNS certificates of an SES webhook); the peer is always verified.
 *
 * Every request has a connection and a total timeout and ends in one
 * call of its callback: with the HTTP status, or with status 0 and why
 * there was none (refused, timed out, closed mid-response).  Only http
 * and https are spoken, redirects are not followed, and at most 64 KiB
 * of an answer is kept.  http_free() abandons what is in flight without
 * calling back.
 *
 * The same loop submits mail (http_send_mail(): reboundd's probes) over
 * smtp or smtps: the answer's status is the relay's last reply (250),
 * or 0 with curl's words when a command was refused ("RCPT failed:
 * 550") or the relay could not be reached.
 */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "http.h"

#define HTTP_BODY_MAX	(64 * 1024)

struct http {
	struct event_base *base;
	CURLM		*multi;
	struct event	*timer;
	GHashTable	*calls;		/* of struct http_call *: in flight */
};

/* One socket curl asked to watch (curl_multi_assign'ed to it). */
struct http_sock {
	struct http	*http;
	struct event	*ev;
};

struct http_call {
	CURL		*easy;
	struct curl_slist *headers;
	char		*body;		/* the request's, kept until done */
	gsize		 body_len, body_off;	/* a mail's, read so far */
	struct curl_slist *rcpts;
	GString		*answer;
	char		 error[CURL_ERROR_SIZE];
	http_done_fn	*done;
	void		*arg;
};

void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

static void
http_call_free(struct http_call *c)
{
	curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->rcpts);
	g_free(c->body);
	g_string_free(c->answer, TRUE);
	g_free(c);
}

/* Each finished transfer: its callback, then it goes. */
static void
http_check_done(struct http *h)
{
	struct http_response r;
	struct http_call *c;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &c);
		memset(&r, 0, sizeof r);
		if (msg->data.result == CURLE_OK)
			curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE,
			    &r.status);
		else
			r.error = c->error[0] != '\0' ? c->error :
			    curl_easy_strerror(msg->data.result);
		r.body = c->answer->str;
		r.len = c->answer->len;
		curl_multi_remove_handle(h->multi, c->easy);
		g_hash_table_remove(h->calls, c);
		c->done(&r, c->arg);
		http_call_free(c);
	}
}

static void
http_on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	int running, flags = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
	    ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(h->multi, fd, flags, &running);
	http_check_done(h);
}

static void
http_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	int running;

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl wants, or stop. */
static int
http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct http *h = userp;
	struct http_sock *hs = socketp;
	short events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_free(hs->ev);
			g_free(hs);
		}
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (hs == NULL) {
		hs = g_new0(struct http_sock, 1);
		hs->http = h;
		hs->ev = event_new(h->base, s, events, http_on_socket, h);
		curl_multi_assign(h->multi, s, hs);
	} else {
		event_del(hs->ev);
		event_assign(hs->ev, h->base, s, events, http_on_socket, h);
	}
	event_add(hs->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: wake curl in ms milliseconds (-1: never). */
static int
http_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct http *h = userp;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms < 0)
		evtimer_del(h->timer);
	else
		evtimer_add(h->timer, &tv);
	return 0;
}

static size_t
http_write_cb(char *ptr, size_t size, size_t n, void *userdata)
{
	struct http_call *c = userdata;
	size_t len = size * n;

	if (c->answer->len < HTTP_BODY_MAX)
		g_string_append_len(c->answer, ptr,
		    (gssize)MIN(len, HTTP_BODY_MAX - c->answer->len));
	return len;
}

struct http *
http_new(struct event_base *base, GError **error)
{
	struct http *h = g_new0(struct http, 1);

	h->base = base;
	h->calls = g_hash_table_new(NULL, NULL);
	if ((h->multi = curl_multi_init()) == NULL ||
	    (h->timer = evtimer_new(base, http_on_timer, h)) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
		    "http: cannot make a client: out of resources");
		http_free(&h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static void
http_options(struct http_call *c, const struct http_request *rq)
{
	CURL *e = c->easy;
	const char *const *hdr;

	curl_easy_setopt(e, CURLOPT_URL, rq->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    rq->https_only ? "https" : "http,https");
	if (rq->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, rq->ca_file);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "rebound/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)rq->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)rq->timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	if (strcmp(rq->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	if (rq->body != NULL) {
		c->body = g_strdup(rq->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(c->body));
		c->headers = curl_slist_append(c->headers, rq->content_type);
	}
	for (hdr = rq->headers; hdr != NULL && *hdr != NULL; hdr++)
		c->headers = curl_slist_append(c->headers, *hdr);
	/* No "Expect: 100-continue" wait on a small body. */
	c->headers = curl_slist_append(c->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	if (rq->user != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, rq->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    rq->password ? rq->password : "");
	}
}

static struct http_call *
http_call_new(http_done_fn *done, void *arg)
{
	struct http_call *c = g_new0(struct http_call, 1);

	c->answer = g_string_new(NULL);
	c->done = done;
	c->arg = arg;
	c->easy = curl_easy_init();
	return c;
}

/* Start c: curl's timer callback asks for a wake-up at once. */
static void
http_start(struct http *h, struct http_call *c)
{
	g_hash_table_add(h->calls, c);
	curl_multi_add_handle(h->multi, c->easy);
}

/*
 * Start rq; done(arg) is called from the loop when it ends, never from
 * within http_send().  content_type is a whole header line.
 */
void
http_send(struct http *h, const struct http_request *rq, http_done_fn *done,
    void *arg)
{
	struct http_call *c = http_call_new(done, arg);

	http_options(c, rq);
	http_start(h, c);
}

/* CURLOPT_READFUNCTION: the next bytes of a mail. */
static size_t
http_read_cb(char *buf, size_t size, size_t n, void *userdata)
{
	struct http_call *c = userdata;
	size_t len = MIN(size * n, c->body_len - c->body_off);

	memcpy(buf, c->body + c->body_off, len);
	c->body_off += len;
	return len;
}

/* Submit m; done(arg) is called from the loop, as for http_send(). */
void
http_send_mail(struct http *h, const struct http_mail *m, http_done_fn *done,
    void *arg)
{
	struct http_call *c = http_call_new(done, arg);
	CURL *e = c->easy;

	c->body = g_strdup(m->data);
	c->body_len = strlen(c->body);
	c->rcpts = curl_slist_append(NULL, m->to);
	curl_easy_setopt(e, CURLOPT_URL, m->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)m->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)m->timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, m->from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, c->rcpts);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, http_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, c);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	if (m->user != NULL) {
		curl_easy_setopt(e, CURLOPT_USERNAME, m->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    m->password ? m->password : "");
	}
	http_start(h, c);
}

void
http_free(struct http **hp)
{
	struct http *h = *hp;
	GHashTableIter iter;
	gpointer c;

	if (h == NULL)
		return;
	g_hash_table_iter_init(&iter, h->calls);
	while (g_hash_table_iter_next(&iter, &c, NULL)) {
		curl_multi_remove_handle(h->multi, ((struct http_call *)c)->easy);
		http_call_free(c);
	}
	g_hash_table_destroy(h->calls);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	if (h->timer != NULL)
		event_free(h->timer);
	g_free(h);
	*hp = NULL;
}
