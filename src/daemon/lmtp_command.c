/*
 * lmtp_command.c: the commands of an LMTP session (RFC 2033, RFC 5321
 * 4.1), each a function of the session's state, from one table: LHLO,
 * MAIL (its path and its SIZE, BODY and SMTPUTF8 parameters), RCPT,
 * DATA, RSET, NOOP, VRFY, QUIT, and HELO refused.  A command line that
 * is too long, unknown or out of order gets its reply and changes
 * nothing.
 */
#include "config.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#include "lmtp_int.h"
#include "log.h"

struct lmtp_command {
	const char	*verb;
	void		(*run)(struct lmtp_session *, const char *args);
};

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
	if (lmtp_held(l) + hint > l->conf->max_buffered)
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

		log_debug("%s: unknown command: %s", s->name, shown);
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
size_t
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
		log_debug("%s: command line too long", s->name);
		lmtp_reply(s, LMTP_R_TOOLONG, NULL);
	} else
		lmtp_command(s, buf, n);
	return nl - buf + 1;
}
