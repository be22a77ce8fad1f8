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

#define LMTP_LINE_MAX	2000		/* a command line, without its CRLF */
#define LMTP_CHUNK	65536		/* DATA: longer lines are taken in pieces */
#define LMTP_INPUT_MAX	(256 * 1024)	/* read no further ahead than this */
#define LMTP_OUTPUT_MAX	65536		/* answer no more until the client reads */
#define LMTP_RCPT_MAX	1000		/* recipients in one transaction */
#define LMTP_BACKLOG	128
#define LMTP_PAUSE	1		/* seconds without accept() after EMFILE */
#define LMTP_SOURCE	"lmtp"		/* what intake calls our messages */

enum lmtp_state {
	LMTP_CONNECTED,		/* greeted, waiting for LHLO */
	LMTP_READY,		/* LHLO done, waiting for MAIL */
	LMTP_MAIL,		/* sender given, waiting for RCPT */
	LMTP_RCPT,		/* one recipient or more accepted */
	LMTP_DATA,		/* reading the message text */
	LMTP_COMMIT,		/* submitted, waiting for intake's commit */
	LMTP_LATE,		/* COMMIT past reply_timeout: 451 sent, closing */
	LMTP_CLOSING,		/* writing the last reply, then close */
	LMTP_GONE		/* client gone in COMMIT or LATE: the callback frees */
};

static const char *lmtp_state_names[] = {
	"CONNECTED", "READY", "MAIL", "RCPT", "DATA", "COMMIT", "LATE", "CLOSING",
	"GONE"
};
G_STATIC_ASSERT(G_N_ELEMENTS(lmtp_state_names) == LMTP_GONE + 1);

enum lmtp_reply {
	LMTP_R_GREETING,
	LMTP_R_LHLO,
	LMTP_R_OK,
	LMTP_R_SENDER,
	LMTP_R_RCPT,
	LMTP_R_DATA,
	LMTP_R_RECORDED,
	LMTP_R_STORAGE,
	LMTP_R_BYE,
	LMTP_R_VRFY,
	LMTP_R_HELO,
	LMTP_R_UNKNOWN,
	LMTP_R_TOOLONG,
	LMTP_R_NEED_LHLO,
	LMTP_R_NEED_MAIL,
	LMTP_R_NESTED,
	LMTP_R_NO_RCPT,
	LMTP_R_ARGS,
	LMTP_R_BAD_SENDER,
	LMTP_R_BAD_RCPT,
	LMTP_R_PARAM,
	LMTP_R_TOOBIG,
	LMTP_R_RCPT_MAX,
	LMTP_R_SHUTDOWN,
	LMTP_R_BUSY,
	LMTP_R_IDLE,
	LMTP_R_LATE,
	LMTP_R_NOMEM,
	LMTP_R_DATA_SLOW
};

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

/* One transaction: from MAIL to the replies after the final dot. */
struct lmtp_tx {
	char		*from;
	GPtrArray	*rcpts;		/* of char *, the accepted addresses */
	GString		*text;		/* unstuffed, LF line ends; NULL if not kept */
	size_t		 size;		/* bytes of text, counted past the limit */
	guint64		 size_hint;	/* MAIL FROM SIZE=, or 0 */
	int		 midline;	/* DATA: inside a line taken in pieces */
	guint64		 nomem;		/* text dropped at this many bytes buffered */
};

struct lmtp_session {
	struct lmtp	*lmtp;		/* NULL once detached (GONE) */
	char		 name[24];	/* "lmtp#42", in every log line */
	struct bufferevent *bev;
	enum lmtp_state	 state;
	int		 discard;	/* skipping an over-long command line */
	struct event	*late;		/* COMMIT: the reply_timeout */
	int		 late_sent;	/* 451 sent on it, before the commit */
	struct event	*data_deadline;	/* DATA: the data_timeout */
	struct lmtp_tx	 tx;
};

struct lmtp {
	struct event_base *base;
	struct intake	*intake;
	const struct conf_lmtp *conf;
	char		*other;		/* maildir for mail that is not a bounce */
	GPtrArray	*listeners;	/* of struct evconnlistener * */
	GHashTable	*sessions;	/* set of struct lmtp_session * */
	struct event	*resume;	/* accept again after an accept error */
	size_t		 receiving;	/* bytes of text kept by sessions in DATA */
	guint		 next_id;
	int		 stopped;
};

struct lmtp_command {
	const char	*verb;
	void		(*run)(struct lmtp_session *, const char *args);
};

static void	lmtp_session_input(struct lmtp_session *);

static void
lmtp_enter_state(struct lmtp_session *s, enum lmtp_state state)
{
	g_debug("%s: %s -> %s", s->name, lmtp_state_names[s->state],
	    lmtp_state_names[state]);
	s->state = state;
}

/*
 * Bytes of messages held for LMTP: the text sessions in DATA keep, and
 * what they handed to intake that it has not parsed (and freed) yet.
 */
guint64
lmtp_buffered(struct lmtp *l)
{
	return l->receiving +
	    (l->intake != NULL ? intake_held(l->intake, LMTP_SOURCE) : 0);
}

/*
 * The largest message taken: max_message_size, or max_buffered where
 * that is smaller, since such a message could never fit: 552 for good,
 * rather than 452 and a retry for ever.
 */
static guint64
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
static void
lmtp_reply(struct lmtp_session *s, enum lmtp_reply r, const char *arg)
{
	const struct lmtp_reply_text *t = &lmtp_replies[r];

	if (t->code >= 400)
		g_debug("%s: %d %s %s%s%s", s->name, t->code, t->status,
		    arg ? arg : "", arg ? " " : "", t->text);
	lmtp_reply_line(s, t->code, ' ', t->status, arg, t->text);
}

static void
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

static void
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

/* Waiting for intake's commit: intake will call the session back. */
static int
lmtp_committing(const struct lmtp_session *s)
{
	return s->state == LMTP_COMMIT || s->state == LMTP_LATE;
}

/* The one teardown of a session. */
static void
lmtp_session_free(struct lmtp_session *s)
{
	g_debug("%s: closed", s->name);
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

/* Read nothing more; the write callback closes once the reply is out. */
static void
lmtp_session_closing(struct lmtp_session *s)
{
	lmtp_enter_state(s, LMTP_CLOSING);
	bufferevent_disable(s->bev, EV_READ);
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
static void
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
static void
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
static size_t
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

/*
 * "FROM:<path> params" (RFC 5321 4.1.2), keyword matched without case.
 * The address comes back without brackets or source route, params_r
 * points after it.  Returns 0 on bad syntax: control bytes, bad UTF-8.
 */
static int
lmtp_parse_path(const char *args, const char *keyword, char **addr_r,
    const char **params_r)
{
	size_t klen = strlen(keyword);
	const char *p, *end, *colon;
	int quoted = 0;

	if (g_ascii_strncasecmp(args, keyword, klen) != 0)
		return 0;
	for (p = args + klen; *p == ' '; p++)
		;	/* "MAIL FROM: <x>": wrong, common, harmless */
	if (*p++ != '<')
		return 0;
	for (end = p; *end != '\0'; end++) {
		if (g_ascii_iscntrl(*end))
			return 0;
		if (*end == '"')
			quoted = !quoted;
		else if (*end == '\\' && quoted && end[1] != '\0' &&
		    !g_ascii_iscntrl(end[1]))
			end++;
		else if (*end == '>' && !quoted)
			break;
	}
	if (*end != '>' || (end[1] != '\0' && end[1] != ' '))
		return 0;
	if (*p == '@' && (colon = memchr(p, ':', end - p)) != NULL)
		p = colon + 1;		/* a source route, ignored */
	if (!g_utf8_validate(p, end - p, NULL))
		return 0;
	*addr_r = g_strndup(p, end - p);
	for (p = end + 1; *p == ' '; p++)
		;
	*params_r = p;
	return 1;
}

/* MAIL parameters: SIZE= (RFC 1870), BODY= (RFC 6152), SMTPUTF8. */
static int
lmtp_mail_params(struct lmtp_session *s, const char *params)
{
	g_auto(GStrv) words = g_strsplit(params, " ", -1);
	guint64 size;
	size_t i;

	for (i = 0; words[i] != NULL; i++) {
		const char *w = words[i];

		if (*w == '\0' || g_ascii_strcasecmp(w, "SMTPUTF8") == 0 ||
		    g_ascii_strcasecmp(w, "BODY=7BIT") == 0 ||
		    g_ascii_strcasecmp(w, "BODY=8BITMIME") == 0)
			continue;
		if (g_ascii_strncasecmp(w, "SIZE=", 5) != 0) {
			lmtp_reply(s, g_ascii_strncasecmp(w, "BODY=", 5) == 0 ?
			    LMTP_R_ARGS : LMTP_R_PARAM, NULL);
			return 0;
		}
		if (!g_ascii_string_to_unsigned(w + 5, 10, 0, G_MAXUINT64,
		    &size, NULL)) {
			lmtp_reply(s, LMTP_R_ARGS, NULL);
			return 0;
		}
		if (size > lmtp_size_limit(s->lmtp)) {
			lmtp_reply(s, LMTP_R_TOOBIG, NULL);
			return 0;
		}
		s->tx.size_hint = size;
	}
	return 1;
}

static void
lmtp_cmd_lhlo(struct lmtp_session *s, const char *args)
{
	if (*args == '\0') {
		lmtp_reply(s, LMTP_R_ARGS, NULL);
		return;
	}
	lmtp_tx_reset(s);
	if (s->state != LMTP_READY)
		lmtp_enter_state(s, LMTP_READY);
	lmtp_reply_lhlo(s);
}

static void
lmtp_cmd_mail(struct lmtp_session *s, const char *args)
{
	const char *params;
	char *from;

	if (s->state != LMTP_READY) {
		lmtp_reply(s, s->state == LMTP_CONNECTED ? LMTP_R_NEED_LHLO :
		    LMTP_R_NESTED, NULL);
		return;
	}
	if (!lmtp_parse_path(args, "FROM:", &from, &params)) {
		lmtp_reply(s, LMTP_R_BAD_SENDER, NULL);
		return;
	}
	if (!lmtp_mail_params(s, params)) {
		g_free(from);
		s->tx.size_hint = 0;
		return;
	}
	s->tx.from = from;
	lmtp_enter_state(s, LMTP_MAIL);
	lmtp_reply(s, LMTP_R_SENDER, NULL);
}

static void
lmtp_cmd_rcpt(struct lmtp_session *s, const char *args)
{
	const char *params;
	char *to = NULL;

	if (s->state != LMTP_MAIL && s->state != LMTP_RCPT) {
		lmtp_reply(s, s->state == LMTP_CONNECTED ? LMTP_R_NEED_LHLO :
		    LMTP_R_NEED_MAIL, NULL);
		return;
	}
	if (s->tx.rcpts->len >= LMTP_RCPT_MAX) {
		lmtp_reply(s, LMTP_R_RCPT_MAX, NULL);
		return;
	}
	if (!lmtp_parse_path(args, "TO:", &to, &params) || *to == '\0') {
		g_free(to);
		lmtp_reply(s, LMTP_R_BAD_RCPT, NULL);
		return;
	}
	if (*params != '\0') {		/* no DSN offered: none expected */
		g_free(to);
		lmtp_reply(s, LMTP_R_PARAM, NULL);
		return;
	}
	g_ptr_array_add(s->tx.rcpts, to);
	if (s->state != LMTP_RCPT)
		lmtp_enter_state(s, LMTP_RCPT);
	lmtp_reply(s, LMTP_R_RCPT, NULL);
}

static void
lmtp_cmd_data(struct lmtp_session *s, const char *args)
{
	struct lmtp *l = s->lmtp;
	struct timeval tv = { l->conf->data_timeout, 0 };
	guint64 hint = MIN(s->tx.size_hint, lmtp_size_limit(l));

	if (s->state != LMTP_RCPT) {
		lmtp_reply(s, s->state == LMTP_CONNECTED ? LMTP_R_NEED_LHLO :
		    s->state == LMTP_READY ? LMTP_R_NEED_MAIL : LMTP_R_NO_RCPT,
		    NULL);
		return;
	}
	/* SIZE= is the client's word: reserve for it only what is free. */
	if (lmtp_buffered(l) + hint > l->conf->max_buffered)
		hint = 0;
	s->tx.text = g_string_sized_new(hint > 0 ? hint + 1 : 8192);
	evtimer_add(s->data_deadline, &tv);
	lmtp_enter_state(s, LMTP_DATA);
	lmtp_reply(s, LMTP_R_DATA, NULL);
}

static void
lmtp_cmd_rset(struct lmtp_session *s, const char *args)
{
	lmtp_tx_reset(s);
	if (s->state != LMTP_CONNECTED && s->state != LMTP_READY)
		lmtp_enter_state(s, LMTP_READY);
	lmtp_reply(s, LMTP_R_OK, NULL);
}

static void
lmtp_cmd_noop(struct lmtp_session *s, const char *args)
{
	lmtp_reply(s, LMTP_R_OK, NULL);
}

static void
lmtp_cmd_vrfy(struct lmtp_session *s, const char *args)
{
	lmtp_reply(s, LMTP_R_VRFY, NULL);
}

static void
lmtp_cmd_helo(struct lmtp_session *s, const char *args)
{
	lmtp_reply(s, LMTP_R_HELO, NULL);
}

static void
lmtp_cmd_quit(struct lmtp_session *s, const char *args)
{
	lmtp_reply(s, LMTP_R_BYE, NULL);
	lmtp_session_closing(s);
}

static const struct lmtp_command lmtp_commands[] = {
	{ "LHLO", lmtp_cmd_lhlo },
	{ "MAIL", lmtp_cmd_mail },
	{ "RCPT", lmtp_cmd_rcpt },
	{ "DATA", lmtp_cmd_data },
	{ "RSET", lmtp_cmd_rset },
	{ "NOOP", lmtp_cmd_noop },
	{ "QUIT", lmtp_cmd_quit },
	{ "VRFY", lmtp_cmd_vrfy },
	{ "HELO", lmtp_cmd_helo },
	{ "EHLO", lmtp_cmd_helo },
};

static const struct lmtp_command *
lmtp_command_find(const char *line, size_t len)
{
	size_t i, vlen;

	for (i = 0; i < G_N_ELEMENTS(lmtp_commands); i++) {
		vlen = strlen(lmtp_commands[i].verb);
		if (len >= vlen && (len == vlen || line[vlen] == ' ') &&
		    g_ascii_strncasecmp(line, lmtp_commands[i].verb, vlen) == 0)
			return &lmtp_commands[i];
	}
	return NULL;
}

/* One command line, without its line end. */
static void
lmtp_command(struct lmtp_session *s, const char *line, size_t len)
{
	const struct lmtp_command *cmd = NULL;
	char buf[LMTP_LINE_MAX + 1];
	const char *args;

	if (s->lmtp->stopped) {
		lmtp_reply(s, LMTP_R_SHUTDOWN, NULL);
		lmtp_session_closing(s);
		return;
	}
	if (memchr(line, '\0', len) == NULL)
		cmd = lmtp_command_find(line, len);
	if (cmd == NULL) {
		/* Its start only; the logger escapes what is in it. */
		g_autofree char *shown = g_strndup(line, MIN(len, 64));

		g_debug("%s: unknown command: %s", s->name, shown);
		lmtp_reply(s, LMTP_R_UNKNOWN, NULL);
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (args = buf + strlen(cmd->verb); *args == ' '; args++)
		;
	cmd->run(s, args);
}

/* Take one command line from buf; returns the bytes used. */
static size_t
lmtp_line_input(struct lmtp_session *s, const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n;

	if (nl == NULL) {
		if (len <= LMTP_LINE_MAX)
			return 0;
		s->discard = 1;		/* answered when its end arrives */
		return len;
	}
	n = nl - buf;
	if (n > 0 && nl[-1] == '\r')
		n--;
	if (s->discard || n > LMTP_LINE_MAX) {
		s->discard = 0;
		g_debug("%s: command line too long", s->name);
		lmtp_reply(s, LMTP_R_TOOLONG, NULL);
	} else
		lmtp_command(s, buf, n);
	return nl - buf + 1;
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
		    lmtp_state_names[s->state]);
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
		g_debug("%s: %s", s->name,
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
	g_debug("%s: connected", s->name);
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

static int
lmtp_fail(GError **error, const char *spec, const char *what, int err)
{
	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
	    "%s: %s: %s", spec, what, g_strerror(err));
	return 0;
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
		return lmtp_fail(error, spec, "fcntl", errno);
	}
	lev = evconnlistener_new(l->base, lmtp_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, backlog, fd);
	if (lev == NULL) {
		close(fd);
		return lmtp_fail(error, spec, "listen", errno);
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
	l->intake = intake;
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
