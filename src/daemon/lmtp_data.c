/*
 * lmtp_data.c: the message text after DATA and its commit:
 * dot-unstuffed, kept within [lmtp] max_message_size and max_buffered,
 * handed to intake at the final dot, and one reply per recipient when
 * intake calls back (or 451 at [lmtp] reply_timeout, 421 at
 * data_timeout).
 */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#include "lmtp_int.h"
#include "log.h"

/* After the final dot: one reply per accepted recipient (RFC 2033 4.2). */
static void
lmtp_reply_rcpts(struct lmtp_session *s, enum lmtp_reply r)
{
	/* An address came on a command line: it fits, with its brackets. */
	char rcpt[LMTP_LINE_MAX + 3];
	guint i;

	for (i = 0; i < s->tx.rcpts->len; i++) {
		g_snprintf(rcpt, sizeof rcpt, "<%s>",
		    (char *)g_ptr_array_index(s->tx.rcpts, i));
		lmtp_reply(s, r, rcpt);
	}
}

static void
lmtp_done(void *arg, const struct intake_result *res)
{
	struct lmtp_session *s = arg;
	enum lmtp_reply r = res->ok ? LMTP_R_RECORDED : LMTP_R_STORAGE;

	/* Told 451 already, the client will send it again: harmless. */
	if (s->late_sent)
		g_info("%s: %s after the reply timeout", s->name,
		    res->ok ? "recorded" : "not recorded");
	else if (s->state == LMTP_GONE)
		g_info("%s: %s, but the client is gone", s->name,
		    res->ok ? "recorded" : "not recorded");
	if (s->state == LMTP_GONE) {
		lmtp_session_free(s);
		return;
	}
	evtimer_del(s->late);
	if (!s->late_sent) {
		lmtp_reply_rcpts(s, r);
		log_debug("%s: %s, %d to %u recipient%s", s->name,
		    res->ok ? "recorded" : "not recorded", lmtp_reply_code(r),
		    s->tx.rcpts->len, s->tx.rcpts->len == 1 ? "" : "s");
	}
	s->late_sent = 0;
	lmtp_tx_reset(s);
	lmtp_enter_state(s, LMTP_READY);
	/*
	 * Commands pipelined after the dot were left waiting: now them,
	 * through the read callback of lmtp.c, which feeds each state.
	 */
	bufferevent_trigger(s->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
	if (s->state != LMTP_CLOSING && !lmtp_committing(s))
		bufferevent_enable(s->bev, EV_READ);
}

/*
 * The commit takes too long (a lock held elsewhere, a stalled disk):
 * the client hears 451 now rather than give up on us without a reply.
 * Once the replies are out the connection closes (the client's next
 * command could wait as long again), and the session lives on,
 * detached, until intake calls back.
 */
void
lmtp_late_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lmtp_session *s = arg;

	g_warning("%s: no commit within %d s: 451 to %u recipient%s", s->name,
	    s->lmtp->conf->reply_timeout, s->tx.rcpts->len,
	    s->tx.rcpts->len == 1 ? "" : "s");
	lmtp_reply_rcpts(s, LMTP_R_LATE);
	s->late_sent = 1;
	lmtp_enter_state(s, LMTP_LATE);
}

/*
 * DATA has lasted data_timeout: a client that drips its text (each byte
 * puts off the idle timeout) would otherwise hold the session, and what
 * it kept of the message, for as long as it likes.
 */
void
lmtp_data_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lmtp_session *s = arg;

	g_info("%s: DATA took over %d s, %zu bytes received: closing", s->name,
	    s->lmtp->conf->data_timeout, s->tx.size);
	lmtp_tx_reset(s);
	lmtp_reply(s, LMTP_R_DATA_SLOW, NULL);
	lmtp_session_closing(s);
}

/*
 * The final dot of a message not kept: over the size limit (552, for
 * good), or over max_buffered while it came (452: the MTA retries).
 */
static void
lmtp_data_refuse(struct lmtp_session *s)
{
	struct lmtp *l = s->lmtp;
	struct lmtp_tx *tx = &s->tx;
	enum lmtp_reply r = LMTP_R_TOOBIG;
	guint i;

	if (tx->size > lmtp_size_limit(l))
		g_info("%s: refused %zu bytes, over the limit of %" G_GUINT64_FORMAT,
		    s->name, tx->size, lmtp_size_limit(l));
	else {
		r = LMTP_R_NOMEM;
		g_warning("%s: %zu bytes not kept: %" G_GUINT64_FORMAT " bytes "
		    "buffered of [lmtp] max_buffered %" G_GUINT64_FORMAT ": "
		    "452 4.3.1 to %u recipient%s", s->name, tx->size, tx->nomem,
		    l->conf->max_buffered, tx->rcpts->len,
		    tx->rcpts->len == 1 ? "" : "s");
	}
	for (i = 0; i < tx->rcpts->len; i++)
		lmtp_reply(s, r, NULL);
	lmtp_tx_reset(s);
	lmtp_enter_state(s, LMTP_READY);
}

/* The final dot: answer a message not kept, or hand it to intake. */
static void
lmtp_data_end(struct lmtp_session *s)
{
	struct lmtp *l = s->lmtp;
	struct lmtp_tx *tx = &s->tx;
	struct timeval tv = { l->conf->reply_timeout, 0 };
	size_t len;

	evtimer_del(s->data_deadline);
	if (tx->text == NULL) {
		lmtp_data_refuse(s);
		return;
	}
	log_debug("%s: received %zu bytes for %u recipient%s", s->name, tx->size,
	    tx->rcpts->len, tx->rcpts->len == 1 ? "" : "s");
	/* Nothing more is read until the replies are out (see lmtp_done). */
	lmtp_enter_state(s, LMTP_COMMIT);
	bufferevent_disable(s->bev, EV_READ);
	evtimer_add(s->late, &tv);
	len = tx->text->len;
	l->receiving -= len;	/* intake_held() counts it from here */
	intake_submit(l->intake, g_string_free(g_steal_pointer(&tx->text), FALSE),
	    len, LMTP_SOURCE, tx->rcpts, l->other, s->name, lmtp_done, s);
}

/*
 * Keep a line of text, unless the message is too big or there is no
 * room left under max_buffered: then read on to the dot keeping nothing
 * (the reply comes at the dot).  Never wait for room: a session that
 * stopped reading could wait on others that wait on it.
 */
static void
lmtp_data_append(struct lmtp_session *s, const char *line, size_t len,
    int eol)
{
	struct lmtp *l = s->lmtp;
	struct lmtp_tx *tx = &s->tx;
	size_t n = len + (eol ? 1 : 0);
	guint64 buffered;

	tx->size += n;
	if (tx->text == NULL)
		return;
	if (tx->size > lmtp_size_limit(l)) {
		lmtp_tx_drop(s);
		return;
	}
	buffered = lmtp_held(l);
	if (buffered + n > l->conf->max_buffered) {
		tx->nomem = buffered;
		lmtp_tx_drop(s);
		return;
	}
	g_string_append_len(tx->text, line, len);
	if (eol)
		g_string_append_c(tx->text, '\n');
	l->receiving += n;
}

/* One line of text (eol), or a piece of a long one (!eol). */
static void
lmtp_data_line(struct lmtp_session *s, const char *line, size_t len, int eol)
{
	if (!s->tx.midline) {
		if (eol && len == 1 && line[0] == '.') {
			lmtp_data_end(s);
			return;
		}
		if (len > 0 && line[0] == '.') {	/* RFC 5321 4.5.2 */
			line++;
			len--;
		}
	}
	s->tx.midline = !eol;
	lmtp_data_append(s, line, len, eol);
}

/* Take every complete line of text in buf; returns the bytes used. */
size_t
lmtp_data_input(struct lmtp_session *s, const char *buf, size_t len)
{
	const char *nl;
	size_t off = 0, n;

	while (s->state == LMTP_DATA && off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if (nl == NULL) {
			if (len - off < LMTP_CHUNK)
				break;
			/* A CR at the end may start the CRLF: leave it. */
			n = len - off - (buf[len - 1] == '\r' ? 1 : 0);
			lmtp_data_line(s, buf + off, n, 0);
			off += n;
			continue;
		}
		n = nl - (buf + off);
		lmtp_data_line(s, buf + off, n > 0 && nl[-1] == '\r' ? n - 1 : n,
		    1);
		off += n + 1;
	}
	return off;
}
