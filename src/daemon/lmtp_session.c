/*
 * lmtp_session.c: the LMTP session itself, below the commands
 * (lmtp_command.c) and the message text (lmtp_data.c) that both act on
 * it: its states, its transaction, its teardown, the memory all
 * sessions hold, and the replies (one table, RFC 3463 enhanced status
 * codes).  It calls neither of them; lmtp.c, on top, owns the listeners
 * and feeds each session its input.
 */
#include "config.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#include "lmtp_int.h"
#include "log.h"

static const char *lmtp_state_names[] = {
	"CONNECTED", "READY", "MAIL", "RCPT", "DATA", "COMMIT", "LATE", "CLOSING",
	"GONE"
};
G_STATIC_ASSERT(G_N_ELEMENTS(lmtp_state_names) == LMTP_GONE + 1);

void
lmtp_enter_state(struct lmtp_session *s, enum lmtp_state state)
{
	log_debug("%s: %s -> %s", s->name, lmtp_state_names[s->state],
	    lmtp_state_names[state]);
	s->state = state;
}

const char *
lmtp_state_name(enum lmtp_state state)
{
	return lmtp_state_names[state];
}

/*
 * Bytes of messages held for LMTP: the text sessions in DATA keep, and
 * what they handed to intake that it has not parsed (and freed) yet.
 */
guint64
lmtp_held(struct lmtp *l)
{
	return l->receiving + (l->held != NULL ? *l->held : 0);
}

/* Waiting for intake's commit: intake will call the session back. */
int
lmtp_committing(const struct lmtp_session *s)
{
	return s->state == LMTP_COMMIT || s->state == LMTP_LATE;
}

/* The one teardown of a session. */
void
lmtp_session_free(struct lmtp_session *s)
{
	log_debug("%s: closed", s->name);
	if (s->lmtp != NULL)
		g_hash_table_remove(s->lmtp->sessions, s);
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	event_free(s->late);
	event_free(s->data_deadline);
	lmtp_tx_reset(s);
	g_ptr_array_unref(s->tx.rcpts);
	g_free(s);
}

/* Read nothing more; the write callback closes once the reply is out. */
void
lmtp_session_closing(struct lmtp_session *s)
{
	lmtp_enter_state(s, LMTP_CLOSING);
	bufferevent_disable(s->bev, EV_READ);
}

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

int
lmtp_reply_code(enum lmtp_reply r)
{
	return lmtp_replies[r].code;
}

/* One reply from the table; arg (a host, "<rcpt>") goes before the text. */
void
lmtp_reply(struct lmtp_session *s, enum lmtp_reply r, const char *arg)
{
	const struct lmtp_reply_text *t = &lmtp_replies[r];

	if (t->code >= 400)
		log_debug("%s: %d %s %s%s%s", s->name, t->code, t->status,
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
void
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
