/*
 * parse_transcript.c: the SMTP command a session transcript's failure
 * answered.
 *
 * Sendmail and Courier quote the session: ">>> RCPT To:<a@b>" for what
 * they sent, "<<< 550 ..." for what came back.  With PIPELINING
 * (RFC 2920) several commands go out before their replies, which come
 * back in order: ">>> RCPT To:<a@b>", ">>> DATA", "<<< 550 5.1.1
 * <a@b>... User unknown" is RCPT's refusal, not DATA's.  Each final
 * reply line ("NNN " or a bare "NNN") answers the oldest command still
 * waiting; ">>> ." ends the message (the reply to it is "after end of
 * data").  A line of prose ends a session: Sendmail opens each with
 * "... while talking to HOST.:".  Pure: text in, a command name out.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "parse_int.h"

#define TRANSCRIPT_PENDING	64	/* commands awaiting replies */

/*
 * The verbs a line sends, as smtp-command in phrases.tab names them.
 * Sendmail logs ">>> DATA" and then reads the replies to the RCPT
 * commands it pipelined without logging them (usersmtp.c, smtpdata()):
 * a reply after DATA may be a recipient's, hence "DATA/RCPT".  The
 * reply to ">>> ." (the end of the message) is unambiguous.
 */
static const struct {
	const char	*verb;
	const char	*command;
	int		 after_rcpts;	/* hidden RCPT replies may come first */
} transcript_verbs[] = {
	{ "EHLO", "HELO", 0 }, { "HELO", "HELO", 0 }, { "LHLO", "HELO", 0 },
	{ "MAIL", "MAIL", 0 }, { "RCPT", "RCPT", 0 },
	{ "DATA", "DATA/RCPT", 1 },
	{ "BDAT", "DATA", 0 }, { ".", "DATA", 0 },
};
#define TRANSCRIPT_OTHER	((int)G_N_ELEMENTS(transcript_verbs))

static int
transcript_verb(const char *p, size_t n)
{
	size_t i, len, v;

	for (len = 0; len < n && !g_ascii_isspace(p[len]); len++)
		;
	for (i = 0; i < G_N_ELEMENTS(transcript_verbs); i++) {
		v = strlen(transcript_verbs[i].verb);
		if (len == v && g_ascii_strncasecmp(p,
		    transcript_verbs[i].verb, v) == 0)
			return (int)i;
	}
	return TRANSCRIPT_OTHER;	/* waits for a reply, names nothing */
}

/* A reply line's code if it ends its reply ("550 " or "550"), else 0. */
static int
transcript_final(const char *p, size_t n)
{
	if (n < 3 || !g_ascii_isdigit(p[0]) || !g_ascii_isdigit(p[1]) ||
	    !g_ascii_isdigit(p[2]) || (n > 3 && p[3] != ' ' && p[3] != '\t'))
		return 0;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

static int
transcript_names(const char *p, size_t n, const char *address)
{
	size_t alen = address != NULL ? strlen(address) : 0;
	size_t i;

	for (i = 0; alen > 0 && i + alen <= n; i++)
		if (g_ascii_strncasecmp(p + i, address, alen) == 0)
			return 1;
	return 0;
}

/*
 * Is the line at p (indentation skipped) prose, which ends a session's
 * transcript ("... while talking to b.example.:" opens the next one)?
 * Blank lines and the MTA's own coded lines between replies ("550
 * 5.1.1 <a@b>... User unknown") are not.
 */
static int
transcript_prose(const char *p)
{
	return *p != '\0' && *p != '\n' && *p != '\r' &&
	    !g_ascii_isdigit(*p) && strncmp(p, ">>> ", 4) != 0 &&
	    strncmp(p, "<<< ", 4) != 0;
}

/* Does another reply follow before the next command is sent? */
static int
transcript_more(const char *p)
{
	for (; *p != '\0'; p++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "<<< ", 4) == 0)
			return 1;
		if (strncmp(p, ">>> ", 4) == 0 || transcript_prose(p) ||
		    (p = strchr(p, '\n')) == NULL)
			return 0;
	}
	return 0;
}

/*
 * Which command a reply answers: the oldest still waiting, except that
 * a reply after Sendmail's DATA that names an address or is followed
 * by another is a pipelined RCPT's, and DATA still waits for its own.
 * -1: none.
 */
static int
transcript_answers(const int *pending, size_t *head, size_t tail,
    const char *line, size_t n, const char *end)
{
	int v;

	if (*head == tail)
		return -1;
	v = pending[*head % TRANSCRIPT_PENDING];
	if (v < TRANSCRIPT_OTHER && transcript_verbs[v].after_rcpts &&
	    (memchr(line, '@', n) != NULL || transcript_more(end)))
		return v;
	(*head)++;
	return v;
}

/*
 * The command whose reply failed (4xx or 5xx): the first failure that
 * names address, else the first failure; "CONN" for a refused greeting.
 * NULL where the text holds no transcript or nothing in it failed.
 */
const char *
parse_transcript_command(const char *text, const char *address)
{
	int pending[TRANSCRIPT_PENDING], code, v, sent = 0;
	const char *first = NULL, *cmd, *p, *end;
	size_t head = 0, tail = 0, n;

	for (p = text; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, '\n');
		end = end != NULL ? end : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		n = end - p;
		if (transcript_prose(p)) {	/* a new session, if any */
			head = tail;
			sent = 0;
			continue;
		}
		if (n > 4 && strncmp(p, ">>> ", 4) == 0) {
			sent = 1;
			if (tail - head < TRANSCRIPT_PENDING)
				pending[tail++ % TRANSCRIPT_PENDING] =
				    transcript_verb(p + 4, n - 4);
			continue;
		}
		if (n <= 4 || strncmp(p, "<<< ", 4) != 0 ||
		    (code = transcript_final(p + 4, n - 4)) == 0)
			continue;
		v = transcript_answers(pending, &head, tail, p, n, end);
		cmd = v >= 0 && v < TRANSCRIPT_OTHER ?
		    transcript_verbs[v].command : !sent ? "CONN" : NULL;
		if (code < 400 || cmd == NULL)
			continue;
		if (transcript_names(p, n, address))
			return cmd;
		if (first == NULL)
			first = cmd;
	}
	return first;
}
