/*
 * webhook_conn.c: the connections of the [http] listener, watched where
 * evhttp (libevent 2.1) does not: a total time to read each request,
 * the size of its head, a bound on the connections open at once, and a
 * count of the answers evhttp gives on its own.
 *
 * evhttp's timeout is an idle timeout: it starts again with each byte,
 * so a client that sends a byte a second (a slowloris) is never cut
 * off.  Here each connection has a deadline: read_timeout from its
 * accept, or from the answer before, to the request complete in hand.
 * A request begun and not complete by then is answered 408 and the
 * connection closed; an idle keep-alive connection is closed quietly.
 * A head (request line and headers) over max_header_size is answered
 * 431 (evhttp would say 400; its own limit is set beyond this one).
 * Over max_connections, a new connection is answered 503 and closed at
 * once.  A refused connection is drained a moment after its answer so
 * that the client reads the answer, not a reset.  evhttp's own answers
 * (413 for a body over max_body_size, 400 for a malformed request, 501
 * for a method it does not take) are read off the connection's output
 * and counted under webhook "none": the path is not known by then.
 * The count and the log are the listener's (webhook.c, above): it is
 * called back with each answer, and nothing of it is called here.
 *
 * evhttp makes a connection without telling its owner; it only asks
 * for the bufferevent to use (evhttp_set_bevcb()).  The connection is
 * found from that bufferevent once evhttp has set it up (its callbacks'
 * argument is the connection, as http.c sets it), in the same loop pass
 * as the accept, before any byte of it is read; the connection's close
 * callback ends its watch.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "webhook_int.h"

/* How long a refused connection is read and discarded before closing. */
#define WEBHOOK_DRAIN_SECONDS	2
/* evhttp's own limit on the head lies this far beyond max_header_size,
   so that the count here always sees a head too large first (a read
   takes at most 16 KiB before it is seen). */
#define WEBHOOK_HEAD_SLACK	(64 * 1024)

struct webhook_conns {
	webhook_conns_answered_fn *answered;	/* the listener's count and log */
	void		*arg;
	struct event_base *base;
	const struct conf_http *conf;
	GHashTable	*open;		/* evhttp_connection -> webhook_conn */
	GPtrArray	*fresh;		/* bufferevents made, not yet adopted */
	struct event	*adopt;		/* adopts fresh ones, once evhttp is done */
	GHashTable	*draining;	/* of struct webhook_drain *: refused */
};

/*
 * A refused connection after its answer: what the client still sends is
 * read and dropped until it closes, for a short while, so that it reads
 * the answer rather than a reset (a socket closed with unread input
 * sends RST, and a client still sending its request sees only that).
 */
struct webhook_drain {
	struct webhook_conns *conns;
	evutil_socket_t	 fd;
	struct event	*ev;
	gint64		 until;		/* monotonic, microseconds */
};

struct webhook_conn {
	struct webhook_conns *conns;
	struct evhttp_connection *evcon;
	struct bufferevent *bev;
	struct event	*deadline;
	int		 in_hand;	/* its request is complete, being answered */
	int		 begun;		/* a byte of the next request has come */
	gsize		 head;		/* bytes of its head so far */
	gsize		 line;		/* bytes of the head's line so far */
	int		 head_done;	/* its empty line has come */
	int		 too_big;	/* its head is over max_header_size */
};

static void
webhook_conn_arm(struct webhook_conn *c)
{
	struct timeval tv = { c->conns->conf->read_timeout, 0 };

	c->in_hand = 0;
	/* A pipelining client may have sent its next request already. */
	c->begun = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
	c->head = 0;
	c->line = 1;		/* an empty line first does not end a head */
	c->head_done = 0;
	c->too_big = 0;
	evtimer_add(c->deadline, &tv);
}

static void
webhook_drain_free(gpointer p)
{
	struct webhook_drain *d = p;

	event_free(d->ev);
	evutil_closesocket(d->fd);
	g_free(d);
}

static void
webhook_drain_read(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_drain *d = arg;
	gint64 left = d->until - g_get_monotonic_time();
	struct timeval tv;
	char buf[4096];
	ssize_t n = 0;
	int i;

	/* A bounded turn: a client that sends fast cannot hold the loop. */
	for (i = 0; i < 16 && (n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0;
	    i++)
		;
	if ((i == 16 || (n < 0 && (errno == EAGAIN || errno == EINTR))) &&
	    left > 0) {
		tv.tv_sec = left / G_USEC_PER_SEC;
		tv.tv_usec = left % G_USEC_PER_SEC;
		event_add(d->ev, &tv);
		return;
	}
	g_hash_table_remove(d->conns->draining, d);
}

/*
 * Keep the socket (a copy of fd: evhttp closes its own) to drain it; as
 * many at once as max_connections, so that a flood of refused
 * connections holds no more descriptors than the open ones may.
 */
static void
webhook_drain(struct webhook_conns *cs, evutil_socket_t fd)
{
	struct webhook_drain *d;

	if (fd < 0 || g_hash_table_size(cs->draining) >=
	    (guint)cs->conf->max_connections || (fd = dup(fd)) < 0)
		return;
	shutdown(fd, SHUT_WR);
	d = g_new0(struct webhook_drain, 1);
	d->conns = cs;
	d->fd = fd;
	d->until = g_get_monotonic_time() + WEBHOOK_DRAIN_SECONDS *
	    G_USEC_PER_SEC;
	d->ev = event_new(cs->base, fd, EV_READ, webhook_drain_read, d);
	g_hash_table_add(cs->draining, d);
	webhook_drain_read(fd, EV_READ, d);
}

/*
 * Answer a request that is not ours to read (408, 503), straight to the
 * socket, whose buffer is empty (no answer is in flight), then drain it;
 * the caller closes the connection.
 */
static void
webhook_conn_refuse(struct webhook_conn *c, int status, const char *reason,
    const char *why)
{
	g_autofree char *answer = g_strdup_printf("HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s\n", status, reason,
	    strlen(reason) + 1, reason);
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	char *host = NULL;
	ev_uint16_t port = 0;

	evhttp_connection_get_peer(c->evcon, &host, &port);
	c->conns->answered(status, host, why, c->conns->arg);
	if (fd >= 0 && send(fd, answer, strlen(answer), MSG_NOSIGNAL |
	    MSG_DONTWAIT) < 0)
		g_debug("http: %s: %d not sent: %s", host ? host : "?", status,
		    g_strerror(errno));
	webhook_drain(c->conns, fd);
}

/*
 * read_timeout is up: 408 if a request has begun, else just close.  Or
 * its head went over max_header_size (the input callback made this run
 * at once): 431.
 */
static void
webhook_conn_late(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_conn *c = arg;

	if (c->in_hand)
		return;
	if (c->too_big)
		webhook_conn_refuse(c, 431, "Request Header Fields Too Large",
		    "headers over max_header_size");
	else if (c->begun)
		webhook_conn_refuse(c, 408, "Request Timeout", "request not "
		    "read within read_timeout");
	evhttp_connection_free(c->evcon);	/* webhook_conn_closed() */
}

/*
 * Count the head's bytes up to its empty line (a line of nothing but
 * CR, ended by LF, as evhttp reads it); over max_header_size, the
 * request is refused as soon as the loop comes back here.
 */
static void
webhook_conn_head(struct webhook_conn *c, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && !c->head_done; i++) {
		c->head++;
		if (p[i] == '\n') {
			c->head_done = c->line == 0;
			c->line = 0;
		} else if (p[i] != '\r')
			c->line++;
	}
	if (!c->head_done && !c->too_big &&
	    c->head > c->conns->conf->max_header) {
		c->too_big = 1;
		event_active(c->deadline, EV_TIMEOUT, 1);
	}
}

/* Bytes came: a request has begun; its head is counted. */
static void
webhook_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct webhook_conn *c = arg;
	struct evbuffer_iovec vec[8];
	struct evbuffer_ptr at;
	int i, n;

	if (info->n_added == 0)
		return;
	c->begun = 1;
	if (c->head_done || c->too_big || evbuffer_ptr_set(buf, &at,
	    evbuffer_get_length(buf) - info->n_added, EVBUFFER_PTR_SET) != 0)
		return;
	n = evbuffer_peek(buf, (ev_ssize_t)info->n_added, &at, vec,
	    G_N_ELEMENTS(vec));
	for (i = 0; i < MIN(n, (int)G_N_ELEMENTS(vec)); i++)
		webhook_conn_head(c, vec[i].iov_base, vec[i].iov_len);
}

/*
 * The start of an answer that evhttp wrote on its own: count it, and let
 * it be sent (evhttp closes the connection after it).  Its "100
 * Continue" to a client that asked is no answer.
 */
static void
webhook_conn_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct webhook_conn *c = arg;
	char line[16];
	int status;

	if (c->in_hand || info->orig_size != 0 || info->n_added < 12 ||
	    evbuffer_copyout(buf, line, sizeof line - 1) < 12)
		return;
	line[sizeof line - 1] = '\0';
	if (sscanf(line, "HTTP/1.%*d %3d", &status) != 1 || status < 200)
		return;
	c->conns->answered(status, NULL, NULL, c->conns->arg);
	c->in_hand = 1;
	evtimer_del(c->deadline);
}

static void
webhook_conn_free(gpointer p)
{
	struct webhook_conn *c = p;

	evbuffer_remove_cb(bufferevent_get_input(c->bev), webhook_conn_input, c);
	evbuffer_remove_cb(bufferevent_get_output(c->bev), webhook_conn_output,
	    c);
	event_free(c->deadline);
	g_free(c);
}

/* evhttp frees the connection: its watch ends. */
static void
webhook_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct webhook_conn *c = arg;

	g_hash_table_remove(c->conns->open, c->evcon);
}

/* Watch the connection evhttp made with bev, or refuse it (503). */
static void
webhook_conn_adopt_one(struct webhook_conns *cs, struct bufferevent *bev)
{
	bufferevent_data_cb rd;
	bufferevent_event_cb ev;
	struct webhook_conn *c;
	void *evcon;

	bufferevent_getcb(bev, &rd, NULL, &ev, &evcon);
	if ((rd == NULL && ev == NULL) || evcon == NULL ||
	    evhttp_connection_get_bufferevent(evcon) != bev)
		return;		/* freed already */
	c = g_new0(struct webhook_conn, 1);
	c->conns = cs;
	c->evcon = evcon;
	c->bev = bev;
	c->deadline = evtimer_new(cs->base, webhook_conn_late, c);
	g_hash_table_insert(cs->open, evcon, c);
	evhttp_connection_set_closecb(evcon, webhook_conn_closed, c);
	evbuffer_add_cb(bufferevent_get_input(bev), webhook_conn_input, c);
	evbuffer_add_cb(bufferevent_get_output(bev), webhook_conn_output, c);
	if (g_hash_table_size(cs->open) > (guint)cs->conf->max_connections) {
		webhook_conn_refuse(c, 503, "Service Unavailable",
		    "over max_connections");
		evhttp_connection_free(evcon);
		return;
	}
	webhook_conn_arm(c);
}

static void
webhook_conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_conns *cs = arg;
	g_autoptr(GPtrArray) fresh = cs->fresh;
	guint i;

	cs->fresh = g_ptr_array_new();
	for (i = 0; i < fresh->len; i++) {
		webhook_conn_adopt_one(cs, fresh->pdata[i]);
		bufferevent_decref(fresh->pdata[i]);
	}
}

/*
 * evhttp_set_bevcb(): the bufferevent of a connection just accepted.
 * A reference keeps it until adopted, later in this loop pass.
 */
static struct bufferevent *
webhook_conn_bev(struct event_base *base, void *arg)
{
	struct webhook_conns *cs = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE);

	if (bev == NULL)
		return NULL;
	bufferevent_incref(bev);
	g_ptr_array_add(cs->fresh, bev);
	event_active(cs->adopt, EV_TIMEOUT, 1);
	return bev;
}

struct webhook_conns *
webhook_conns_new(struct event_base *base, struct evhttp *http,
    const struct conf_http *conf, webhook_conns_answered_fn *answered,
    void *arg)
{
	struct webhook_conns *cs = g_new0(struct webhook_conns, 1);

	cs->answered = answered;
	cs->arg = arg;
	cs->base = base;
	cs->conf = conf;
	cs->open = g_hash_table_new_full(NULL, NULL, NULL, webhook_conn_free);
	cs->fresh = g_ptr_array_new();
	cs->adopt = event_new(base, -1, 0, webhook_conn_adopt, cs);
	evhttp_set_max_headers_size(http, (ev_ssize_t)(conf->max_header +
	    WEBHOOK_HEAD_SLACK));
	cs->draining = g_hash_table_new_full(NULL, NULL, webhook_drain_free,
	    NULL);
	evhttp_set_bevcb(http, webhook_conn_bev, cs);
	/* An idle backstop only: the deadline above comes first. */
	evhttp_set_timeout(http, 2 * conf->read_timeout);
	return cs;
}

/* The answer to req is sent: the connection's next request may begin. */
static void
webhook_conn_sent(struct evhttp_request *req, void *arg)
{
	struct webhook_conns *cs = arg;
	struct webhook_conn *c = g_hash_table_lookup(cs->open,
	    evhttp_request_get_connection(req));

	if (c != NULL)
		webhook_conn_arm(c);
}

/*
 * req is complete and in hand: no deadline while it is answered.  0 if
 * its head was over max_header_size (it came whole before the refusal
 * could run): the caller answers 431.
 */
int
webhook_conns_in_hand(struct webhook_conns *cs, struct evhttp_request *req)
{
	struct webhook_conn *c = g_hash_table_lookup(cs->open,
	    evhttp_request_get_connection(req));

	if (c == NULL)
		return 1;
	c->in_hand = 1;
	evtimer_del(c->deadline);
	evhttp_request_set_on_complete_cb(req, webhook_conn_sent, cs);
	return !c->too_big;
}

guint
webhook_conns_open(struct webhook_conns *cs)
{
	return g_hash_table_size(cs->open);
}

/* After evhttp_free(), which closed every connection. */
void
webhook_conns_free(struct webhook_conns **csp)
{
	struct webhook_conns *cs = *csp;
	guint i;

	if (cs == NULL)
		return;
	for (i = 0; i < cs->fresh->len; i++)
		bufferevent_decref(cs->fresh->pdata[i]);
	g_ptr_array_unref(cs->fresh);
	g_hash_table_destroy(cs->open);
	g_hash_table_destroy(cs->draining);
	event_free(cs->adopt);
	g_free(cs);
	*csp = NULL;
}
