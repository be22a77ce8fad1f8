/*
 * lmtp.c: returned mail over LMTP (RFC 2033), on libevent bufferevents.
 *
 * Owns the listening sockets (unix and TCP) and the sessions on them.
 * A session reads command lines ending in CRLF or bare LF and, with
 * PIPELINING (RFC 2920), answers every complete line already received,
 * in order.  The text after DATA is dot-unstuffed (RFC 5321 4.5.2), its
 * line ends stored as LF (as a local delivery agent writes them), and
 * handed to intake once, at the final dot.  Then reading stops until
 * intake calls back after its group commit: one reply per accepted
 * recipient (RFC 2033 4.2), 250 if the message is on disk, 451 4.3.0 if
 * not, never a 5xx for our own failure (the MTA would drop the bounce).
 * Replies carry RFC 3463 enhanced status codes (RFC 2034).
 *
 * Bad input changes nothing: a command line over 2,000 bytes gets
 * 500 5.5.2, commands out of order 503 5.5.1, a message over
 * [lmtp] max_message_size 552 5.3.4 at its final dot (read to the end,
 * not kept), and a session that ends before its final dot records
 * nothing.  Log lines name the session ("lmtp#42") and never carry the
 * client's control bytes.
 *
 * Memory is bounded for all sessions together: the text of messages in
 * DATA plus what was handed to intake and is not yet parsed stays under
 * [lmtp] max_buffered.  A message that would pass it is read to its dot
 * all the same (reading never waits for memory, so nothing can
 * deadlock), kept nowhere, and answered 452 4.3.1 per recipient: the
 * MTA tries again later.  A DATA phase longer than [lmtp] data_timeout
 * (a client dripping bytes) gets 421 4.4.2 and the session is closed.
 *
 * This file owns the listeners and each session's connection and
 * input; lmtp_command.c runs the commands, lmtp_data.c the text and its
 * commit, both on lmtp_session.c (the session's state, transaction and
 * replies) below them (lmtp_int.h).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "listen.h"
#include "lmtp.h"
#include "lmtp_int.h"
#include "log.h"

/*
 * The connection is over.  A session waiting for its commit cannot be
 * freed (intake will call it back): it drops its connection and its
 * place in the server, and the callback frees it.
 */
static void
lmtp_session_close(struct lmtp_session *s)
{
	if (!lmtp_committing(s)) {
		lmtp_session_free(s);
		return;
	}
	if (s->lmtp != NULL)
		g_hash_table_remove(s->lmtp->sessions, s);
	s->lmtp = NULL;
	g_clear_pointer(&s->bev, bufferevent_free);
	evtimer_del(s->late);
	lmtp_enter_state(s, LMTP_GONE);
}

/* Not while a commit or the client's reading of replies is awaited. */
static int
lmtp_session_reading(struct lmtp_session *s)
{
	if (lmtp_committing(s) || s->state == LMTP_CLOSING ||
	    s->state == LMTP_GONE)
		return 0;
	return evbuffer_get_length(bufferevent_get_output(s->bev)) <
	    LMTP_OUTPUT_MAX;
}

/* lmtp.h's name for it: the session files below do not include lmtp.h. */
guint64
lmtp_buffered(struct lmtp *l)
{
	return lmtp_held(l);
}

/* Everything complete in the input, in order (PIPELINING). */
static void
lmtp_session_input(struct lmtp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	const char *buf;
	size_t len, used;

	while (lmtp_session_reading(s) && (len = evbuffer_get_length(in)) > 0) {
		buf = (const char *)evbuffer_pullup(in, -1);
		if (s->state == LMTP_DATA)
			used = lmtp_data_input(s, buf, len);
		else
			used = lmtp_line_input(s, buf, len);
		if (used == 0)
			break;
		evbuffer_drain(in, used);
	}
}

static void
lmtp_read_cb(struct bufferevent *bev, void *arg)
{
	lmtp_session_input(arg);
}

/* Output drained: close after a last reply, or answer what waited. */
static void
lmtp_write_cb(struct bufferevent *bev, void *arg)
{
	struct lmtp_session *s = arg;

	if (s->state == LMTP_CLOSING)
		lmtp_session_free(s);
	else if (s->state == LMTP_LATE)
		lmtp_session_close(s);
	else
		lmtp_session_input(s);
}

static void
lmtp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct lmtp_session *s = arg;
	struct evbuffer *out = bufferevent_get_output(bev);

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)) {
		g_info("%s: idle timeout in %s", s->name,
		    lmtp_state_name(s->state));
		lmtp_reply(s, LMTP_R_IDLE, NULL);
		lmtp_session_closing(s);
		return;
	}
	if (s->state == LMTP_DATA)
		g_info("%s: connection lost in DATA, %zu bytes not recorded",
		    s->name, s->tx.size);
	else if ((what & BEV_EVENT_EOF) && !lmtp_committing(s) &&
	    evbuffer_get_length(out) > 0) {
		/* Half-closed: the replies to what it sent still go out. */
		lmtp_session_closing(s);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		log_debug("%s: %s", s->name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	lmtp_session_close(s);
}

static void
lmtp_session_new(struct lmtp *l, evutil_socket_t fd)
{
	struct lmtp_session *s;
	struct timeval tv = { l->conf->idle_timeout, 0 };
	struct bufferevent *bev;

	s = g_new0(struct lmtp_session, 1);
	s->late = evtimer_new(l->base, lmtp_late_cb, s);
	s->data_deadline = evtimer_new(l->base, lmtp_data_timeout_cb, s);
	bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || s->late == NULL || s->data_deadline == NULL) {
		g_warning("lmtp: cannot make a session: out of resources");
		if (bev != NULL)
			bufferevent_free(bev);
		else
			evutil_closesocket(fd);
		g_clear_pointer(&s->late, event_free);
		g_clear_pointer(&s->data_deadline, event_free);
		g_free(s);
		return;
	}
	s->lmtp = l;
	s->bev = bev;
	s->tx.rcpts = g_ptr_array_new_with_free_func(g_free);
	g_snprintf(s->name, sizeof s->name, "lmtp#%u", ++l->next_id);
	g_hash_table_add(l->sessions, s);
	bufferevent_setcb(bev, lmtp_read_cb, lmtp_write_cb, lmtp_event_cb, s);
	/* The read timeout is the idle timeout; the write one, a stuck client. */
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_setwatermark(bev, EV_READ, 0, LMTP_INPUT_MAX);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	log_debug("%s: connected", s->name);
	if (g_hash_table_size(l->sessions) > (guint)l->conf->max_sessions) {
		g_warning("%s: refused: too many sessions (max_sessions %d)",
		    s->name, l->conf->max_sessions);
		lmtp_reply(s, LMTP_R_BUSY, NULL);
		lmtp_session_closing(s);
		return;
	}
	lmtp_reply(s, LMTP_R_GREETING, g_get_host_name());
}

static void
lmtp_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	lmtp_session_new(arg, fd);
}

static void
lmtp_listeners_enable(struct lmtp *l, int on)
{
	guint i;

	for (i = 0; i < l->listeners->len; i++) {
		if (on)
			evconnlistener_enable(g_ptr_array_index(l->listeners, i));
		else
			evconnlistener_disable(g_ptr_array_index(l->listeners, i));
	}
}

/* Out of descriptors: accept() would fail at once, forever; pause. */
static void
lmtp_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct lmtp *l = arg;
	struct timeval tv = { LMTP_PAUSE, 0 };

	g_warning("lmtp: accept: %s; not accepting for %d s",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), LMTP_PAUSE);
	lmtp_listeners_enable(l, 0);
	evtimer_add(l->resume, &tv);
}

static void
lmtp_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lmtp *l = arg;

	if (!l->stopped)
		lmtp_listeners_enable(l, 1);
}

/* Accept on fd, bound; listen() too unless backlog < 0.  Takes fd. */
static int
lmtp_listen_fd(struct lmtp *l, int fd, int backlog, const char *spec,
    GError **error)
{
	struct evconnlistener *lev;

	if (evutil_make_socket_nonblocking(fd) != 0 ||
	    evutil_make_socket_closeonexec(fd) != 0) {
		close(fd);
		return listen_fail(error, spec, "fcntl", errno);
	}
	lev = evconnlistener_new(l->base, lmtp_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, backlog, fd);
	if (lev == NULL) {
		close(fd);
		return listen_fail(error, spec, "listen", errno);
	}
	evconnlistener_set_error_cb(lev, lmtp_accept_error_cb);
	g_ptr_array_add(l->listeners, lev);
	return 1;
}

static int
lmtp_listen_each(void *arg, int fd, const char *spec, GError **error)
{
	return lmtp_listen_fd(arg, fd, LMTP_BACKLOG, spec, error);
}

static int
lmtp_listen(struct lmtp *l, const char *spec, GError **error)
{
	return listen_open(spec, l->conf, lmtp_listen_each, l, error);
}

struct lmtp *
lmtp_new(struct event_base *base, struct intake *intake,
    const struct conf_lmtp *conf, GError **error)
{
	struct lmtp *l = g_new0(struct lmtp, 1);
	size_t i;

	if ((l->resume = evtimer_new(base, lmtp_resume_cb, l)) == NULL) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
		    "cannot make a timer: out of resources");
		g_free(l);
		return NULL;
	}
	l->base = base;
	lmtp_set_intake(l, intake);
	l->conf = conf;
	l->listeners = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)evconnlistener_free);
	l->sessions = g_hash_table_new(NULL, NULL);
	l->other = g_strdup(conf->other);
	for (i = 0; conf->listen != NULL && conf->listen[i] != NULL; i++) {
		if (!lmtp_listen(l, conf->listen[i], error)) {
			lmtp_free(&l);
			return NULL;
		}
		g_info("lmtp: listening on %s", conf->listen[i]);
	}
	return l;
}

/* Where messages go, when the listeners were bound before intake existed. */
void
lmtp_set_intake(struct lmtp *l, struct intake *intake)
{
	l->intake = intake;
	/* Read at every line of DATA: no lookup by name each time. */
	l->held = intake != NULL ? intake_held_at(intake, LMTP_SOURCE) : NULL;
}

/* A session not made by accept(): a fuzzer's or a test's socketpair. */
void
lmtp_serve(struct lmtp *l, evutil_socket_t fd)
{
	lmtp_session_new(l, fd);
}

int
lmtp_adopt(struct lmtp *l, int fd, GError **error)
{
	g_autofree char *spec = g_strdup_printf("fd %d", fd);

	return lmtp_listen_fd(l, fd, -1, spec, error);
}

void
lmtp_stop(struct lmtp *l)
{
	GHashTableIter iter;
	gpointer key;

	if (l->stopped)
		return;
	l->stopped = 1;
	evtimer_del(l->resume);
	g_ptr_array_set_size(l->listeners, 0);
	g_info("lmtp: stopped accepting, %u session%s open",
	    g_hash_table_size(l->sessions),
	    g_hash_table_size(l->sessions) == 1 ? "" : "s");
	/*
	 * Sessions between transactions are told now rather than at their
	 * next command, which an idle client may never send: a stop must
	 * not wait for the idle timeout.
	 */
	g_hash_table_iter_init(&iter, l->sessions);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		struct lmtp_session *s = key;

		if (s->state == LMTP_CONNECTED || s->state == LMTP_READY) {
			lmtp_reply(s, LMTP_R_SHUTDOWN, NULL);
			lmtp_session_closing(s);
		}
	}
}

guint
lmtp_sessions(struct lmtp *l)
{
	return g_hash_table_size(l->sessions);
}

void
lmtp_free(struct lmtp **lp)
{
	struct lmtp *l = *lp;
	GList *sessions, *e;

	if (l == NULL)
		return;
	lmtp_stop(l);
	sessions = g_hash_table_get_keys(l->sessions);
	for (e = sessions; e != NULL; e = e->next)
		lmtp_session_close(e->data);
	g_list_free(sessions);
	/* Every session's text is freed; what intake holds, it frees. */
	g_warn_if_fail(l->receiving == 0);
	g_hash_table_unref(l->sessions);
	event_free(l->resume);
	g_free(l->other);
	g_ptr_array_unref(l->listeners);
	g_free(l);
	*lp = NULL;
}
