/*
 * classify_prose.c: the text of a report as the phrase tables read it.
 *
 * A diagnostic loses the reply codes that multi-line SMTP replies
 * repeat and the e-mail and web addresses it names; a report's prose
 * loses the returned message's subject and what it only guesses
 * ("Possible causes:").  What is left is the server's own words.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "classify_int.h"
#include "phrases.h"
#include "status.h"

/* Is s a multi-line reply prefix "550-" or "550-5.2.1" / "550 5.2.1"? */
static size_t
classify_reply_prefix(const char *s, int first_code)
{
	char code[STATUS_MAX];
	size_t n;

	if (!g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]) ||
	    !g_ascii_isdigit(s[2]) || (s[3] != '-' && s[3] != ' '))
		return 0;
	if (s[3] == ' ' && atoi(s) != first_code)
		return 0;
	n = 4;
	if (status_parse(s + n, code))
		n += strlen(code) + (s[n + strlen(code)] == ' ');
	else if (s[3] == ' ')
		return 0;
	return n;
}

#define CLEAN_ADDR(c)	(g_ascii_isalnum(c) || strchr(".-_+=%!#$&'*/?^`{|}~", (c)))

/* Drop the address whose '@' is at p: its local part already copied. */
static const char *
classify_skip_addr(GString *out, const char *p)
{
	while (out->len > 0 && out->str[out->len - 1] != '\0' &&
	    CLEAN_ADDR(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	for (p++; *p != '\0' && CLEAN_ADDR(*p); p++)
		;
	return p;
}

/* Is p the start of a web address ("https://...")? Returns its length. */
static size_t
classify_url(const char *p)
{
	/* Most words are no address: one byte tells, not a call. */
	if (*p != 'h' && *p != 'H')
		return 0;
	if (g_ascii_strncasecmp(p, "http://", 7) != 0 &&
	    g_ascii_strncasecmp(p, "https://", 8) != 0)
		return 0;
	return strcspn(p, " \t\n\r>)]\"'");
}

/*
 * The diagnostic as the phrase tables should see it: without the reply
 * codes that multi-line SMTP replies repeat on every line ("550-5.2.1
 * The user ... 550-5.2.1 prevents"), so that phrases broken across
 * lines still match, and without e-mail and web addresses, whose words
 * ("spam@", "filtered@", ".../reason/#filtered") are no evidence.
 */
char *
classify_clean(const char *diag, int first_code)
{
	GString *out = g_string_sized_new(strlen(diag));
	const char *p = diag;
	size_t skip;

	while (*p != '\0') {
		/* Only a digit, an '@' or an h can start what is left out. */
		if ((skip = strcspn(p, "@hH0123456789")) > 0) {
			g_string_append_len(out, p, skip);
			p += skip;
			continue;
		}
		if (p != diag && p[-1] == ' ' &&
		    (skip = classify_reply_prefix(p, first_code)) > 0) {
			p += skip;
			continue;
		}
		if (*p == '@') {
			p = classify_skip_addr(out, p);
			continue;
		}
		if ((p == diag || !g_ascii_isalnum(p[-1])) &&
		    (skip = classify_url(p)) > 0) {
			p += skip;
			continue;
		}
		g_string_append_c(out, *p++);
	}
	return g_string_free(out, FALSE);
}

/*
 * Blank out, in place, each occurrence of the returned message's
 * subject in text: Exchange's "Undeliverable: <subject>" and the
 * "Subject: <subject>" line of its prose repeat what the list wrote
 * ("Our office has moved", "Unknown user? Update your profile"), words
 * of the sender, never of the server.
 */
static void
classify_drop_subject(char *text, const char *subject)
{
	g_autofree char *low = NULL, *needle = NULL;
	size_t n = subject != NULL ? strlen(subject) : 0, len;
	char *p, *at;

	if (text == NULL || n < 4)
		return;
	/* memmem() on folded copies: linear, however long both are. */
	len = strlen(text);
	low = g_ascii_strdown(text, len);
	needle = g_ascii_strdown(subject, n);
	for (p = low; (at = memmem(p, len - (p - low), needle, n)) != NULL;
	    p = at + n)
		memset(text + (at - low), ' ', n);
}

/* The end of an echo prefix that opens the subject: see below. */
static int
classify_echo_end(void *arg, const char *label, const char *phrase,
    size_t end)
{
	size_t *at = arg;

	if (end == at[1] + strlen(phrase))
		at[0] = end;
	return 0;
}

/*
 * Exchange's "Undeliverable: <subject>" repeats the returned message's
 * subject after a prefix (subject-echo): the list's words, never the
 * server's.  Cut the bounce's subject there; what follows is the
 * returned subject, where no returned headers say what it was.
 */
static void
classify_cut_echo(char *subject, char **echoed)
{
	size_t at[2] = { 0, 0 };

	*echoed = NULL;
	if (subject == NULL)
		return;
	at[1] = strspn(subject, " \t");
	phrases_each("subject-echo", subject, classify_echo_end, at);
	if (at[0] == 0)
		return;
	*echoed = g_strstrip(g_strdup(subject + at[0]));
	subject[at[0]] = '\0';
}

static int
classify_speculation_at(void *arg, const char *label, const char *phrase,
    size_t end)
{
	GArray *ends = arg;

	g_array_append_val(ends, end);
	return 1;
}

/*
 * Blank out, in place, what a report only guesses: the paragraph after
 * "Possible causes:" (GroupWise, Exchange's help text) lists every
 * reason a delivery can fail ("the recipient is no longer at this
 * address"), none of them said of this one.
 */
static void
classify_drop_speculation(char *text)
{
	GArray *ends = g_array_new(FALSE, FALSE, sizeof(size_t));
	size_t len = strlen(text), from, to;
	const char *blank;
	guint i;

	phrases_each("speculation", text, classify_speculation_at, ends);
	for (i = 0; i < ends->len; i++) {
		from = g_array_index(ends, size_t, i);
		if (from >= len)
			continue;
		blank = strstr(text + from, "\n\n");
		to = blank != NULL ? (size_t)(blank - text) : len;
		memset(text + from, ' ', to - from);
	}
	g_array_free(ends, TRUE);
}

/*
 * The report's prose as the diagnostic table reads it, without the
 * returned message's subject and without its speculation; *subject_r,
 * when asked for, gets the report's own subject, without the returned
 * one.
 */
char *
classify_report_prose(const struct report *rp, char **subject_r)
{
	g_autofree char *subject = g_strdup(rp->subject), *echoed = NULL;
	const char *returned;
	char *clean;

	classify_cut_echo(subject, &echoed);
	returned = rp->orig_subject != NULL ? rp->orig_subject : echoed;
	clean = classify_clean(rp->text ? rp->text : "", 0);
	classify_drop_subject(clean, returned);
	classify_drop_speculation(clean);
	if (subject_r != NULL) {
		classify_drop_subject(subject, returned);
		*subject_r = g_steal_pointer(&subject);
	}
	return clean;
}
