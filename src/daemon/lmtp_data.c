/*
 * lmtp_data.c: the replies of the LMTP server (one table, RFC 3463
 * enhanced status codes), the message text after DATA and its commit:
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

#include "lmtp.h"
#include "lmtp_int.h"

/* Every reply the server sends; status NULL where RFC 2034 has none. */
static const struct lmtp_reply_text {
	int		 code;
	const char	*status;
	const char	*text;
} lmtp_replies[] = {
	[LMTP_R_GREETING] =	{ 220, NULL, "LMTP rebound ready" },
	[LMTP_R_LHLO] =		{ 250, NULL, NULL },
	[LMTP_R_OK] =		{ 250, "2.0.0", "OK" },
	[LMTP_R_SENDER] =	{ 250, "2.1.0", "sender OK" },
	[LMTP_R_RCPT] =		{ 250, "2.1.5", "recipient OK" },
	[LMTP_R_DATA] =		{ 354, NULL, "end data with <CR><LF>.<CR><LF>" },
	[LMTP_R_RECORDED] =	{ 250, "2.0.0", "recorded" },
	[LMTP_R_STORAGE] =	{ 451, "4.3.0", "storage failure, try again later" },
	[LMTP_R_BYE] =		{ 221, "2.0.0", "bye" },
	[LMTP_R_VRFY] =		{ 252, "2.1.5", "cannot verify, send some mail" },
	[LMTP_R_HELO] =		{ 500, "5.5.1", "this is LMTP: use LHLO" },
	[LMTP_R_UNKNOWN] =	{ 500, "5.5.2", "command not recognised" },
	[LMTP_R_TOOLONG] =	{ 500, "5.5.2", "line too long" },
	[LMTP_R_NEED_LHLO] =	{ 503, "5.5.1", "send LHLO first" },
	[LMTP_R_NEED_MAIL] =	{ 503, "5.5.1", "send MAIL first" },
	[LMTP_R_NESTED] =	{ 503, "5.5.1", "sender already given" },
	[LMTP_R_NO_RCPT] =	{ 503, "5.5.1", "no valid recipients" },
	[LMTP_R_ARGS] =		{ 501, "5.5.4", "syntax error in arguments" },
	[LMTP_R_BAD_SENDER] =	{ 501, "5.1.7", "bad sender address syntax" },
	[LMTP_R_BAD_RCPT] =	{ 501, "5.1.3", "bad recipient address syntax" },
	[LMTP_R_PARAM] =	{ 555, "5.5.4", "parameter not supported" },
	[LMTP_R_TOOBIG] =	{ 552, "5.3.4", "message too big" },
	[LMTP_R_RCPT_MAX] =	{ 452, "4.5.3", "too many recipients" },
	[LMTP_R_SHUTDOWN] =	{ 421, "4.3.2", "Service shutting down" },
	[LMTP_R_BUSY] =		{ 421, "4.3.2", "too many sessions" },
	[LMTP_R_IDLE] =		{ 421, "4.4.2", "idle timeout" },
	[LMTP_R_LATE] =		{ 451, "4.3.0", "not recorded in time, try again later" },
	[LMTP_R_NOMEM] =	{ 452, "4.3.1", "insufficient system storage" },
	[LMTP_R_DATA_SLOW] =	{ 421, "4.4.2", "DATA took too long" },
};
G_STATIC_ASSERT(G_N_ELEMENTS(lmtp_replies) == LMTP_R_DATA_SLOW + 1);

/*
 * The largest message taken: max_message_size, or max_buffered where
 * that is smaller, since such a message could never fit: 552 for good,
 * rather than 452 and a retry for ever.
 */
guint64
lmtp_size_limit(const struct lmtp *l)
{
	return MIN((guint64)l->conf->max_size, l->conf->max_buffered);
}

static void
lmtp_reply_line(struct lmtp_session *s, int code, char sep,
    const char *status, const char *arg, const char *text)
{
	evbuffer_add_printf(bufferevent_get_output(s->bev), "%03d%c%s%s%s%s%s\r\n",
	    code, sep, status ? status : "", status && (arg || text) ? " " : "",
	    arg ? arg : "", arg && text ? " " : "", text ? text : "");
}

/* One reply from the table; arg (a host, "<rcpt>") goes before the text. */
void
lmtp_reply(struct lmtp_session *s, enum lmtp_reply r, const char *arg)
{
	const struct lmtp_reply_text *t = &lmtp_replies[r];

	if (t->code >= 400)
		g_debug("%s: %d %s %s%s%s", s->name, t->code, t->status,
		    arg ? arg : "", arg ? " " : "", t->text);
	lmtp_reply_line(s, t->code, ' ', t->status, arg, t->text);
}

void
lmtp_reply_lhlo(struct lmtp_session *s)
{
	const struct lmtp_reply_text *t = &lmtp_replies[LMTP_R_LHLO];
	char size[32];
	const char *lines[] = { g_get_host_name(), "PIPELINING",
	    "ENHANCEDSTATUSCODES", "8BITMIME", size, "SMTPUTF8" };
	size_t i, last = G_N_ELEMENTS(lines) - 1;

	g_snprintf(size, sizeof size, "SIZE %" G_GUINT64_FORMAT,
	    lmtp_size_limit(s->lmtp));
	for (i = 0; i <= last; i++)
		lmtp_reply_line(s, t->code, i == last ? ' ' : '-', t->status,
		    NULL, lines[i]);
}

/*
 * Let go of the text kept so far, and of its share of max_buffered.
 * Only a session in DATA keeps text, and it is never detached.
 */
static void
lmtp_tx_drop(struct lmtp_session *s)
{
	struct lmtp_tx *tx = &s->tx;

	if (tx->text == NULL)
		return;
	s->lmtp->receiving -= tx->text->len;
	g_string_free(tx->text, TRUE);
	tx->text = NULL;
}

void
lmtp_tx_reset(struct lmtp_session *s)
{
	struct lmtp_tx *tx = &s->tx;

	lmtp_tx_drop(s);
	g_clear_pointer(&tx->from, g_free);
	g_ptr_array_set_size(tx->rcpts, 0);
	tx->size = 0;
	tx->size_hint = 0;
	tx->midline = 0;
	tx->nomem = 0;
}

/* After the final dot: one reply per accepted recipient (RFC 2033 4.2). */
static void
lmtp_reply_rcpts(struct lmtp_session *s, enum lmtp_reply r)
{
	guint i;

	for (i = 0; i < s->tx.rcpts->len; i++) {
		g_autofree char *rcpt = g_strdup_printf("<%s>",
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
		g_debug("%s: %s, %d to %u recipient%s", s->name,
		    res->ok ? "recorded" : "not recorded", lmtp_replies[r].code,
		    s->tx.rcpts->len, s->tx.rcpts->len == 1 ? "" : "s");
	}
	s->late_sent = 0;
	lmtp_tx_reset(s);
	lmtp_enter_state(s, LMTP_READY);
	/* Commands pipelined after the dot were left waiting: now them. */
	lmtp_session_input(s);
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
	g_debug("%s: received %zu bytes for %u recipient%s", s->name, tx->size,
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
	buffered = lmtp_buffered(l);
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
