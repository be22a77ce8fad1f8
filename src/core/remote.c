/*
 * remote.c: which words of a diagnostic the remote server said itself.
 *
 * A report mixes two voices: the remote server's reply, which knows its
 * mailboxes, and the reporting MTA's paraphrase of it (Sendmail writes
 * "550 5.1.1 <a@b>... User unknown" under a remote "553 ... listed at a
 * blocklist").  The remote's words follow a lead (phrases.tab,
 * [remote-lead]): a transcript's "<<<", Postfix's "host x said:",
 * qmail's "Remote host said:", Exim's "SMTP error from remote mail
 * server", Gmail's "The response was:".  Each runs to the next lead, to
 * our own command (">>>"), and a transcript line ends where a reply code
 * opens the reporter's summary line below it.  A Diagnostic-Code of type
 * smtp is the remote's reply as a whole (RFC 3464, 2.3.6).
 * Pure: text in, text out.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "phrases.h"
#include "remote.h"

struct remote_lead {
	const char	*label;		/* "reply", "transcript", "command" */
	size_t		 start, end;	/* of the lead phrase in the text */
};

static int
remote_collect(void *arg, const char *label, const char *phrase, size_t end)
{
	GArray *leads = arg;
	struct remote_lead lead;
	size_t len = strlen(phrase);

	lead.label = label;
	lead.end = end;
	lead.start = end > len ? end - len : 0;
	g_array_append_val(leads, lead);
	return 1;
}

/* Is p a reply code opening a line of a reply ("550 ", "550-")? */
static int
remote_is_code(const char *p)
{
	return (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
	    g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]) &&
	    (p[3] == ' ' || p[3] == '-');
}

/*
 * The length of a transcript line at p: up to the next reply code that
 * starts a word after its own (the reporter's summary line, joined onto
 * it), or n.
 */
static size_t
remote_transcript_len(const char *p, size_t n)
{
	size_t i = strspn(p, " \t\r\n");

	if (i < n && remote_is_code(p + i))
		i += 4;
	for (i = MAX(i, 1); i + 4 <= n; i++)
		if ((p[i - 1] == ' ' || p[i - 1] == '\n' || p[i - 1] == '\t') &&
		    remote_is_code(p + i))
			return i;
	return n;
}

char *
remote_words(const char *diagnostic, int smtp_type)
{
	GArray *leads;
	GString *out;
	struct remote_lead *lead;
	size_t from, to, len;
	guint i;

	if (diagnostic == NULL)
		return NULL;
	leads = g_array_new(FALSE, FALSE, sizeof(struct remote_lead));
	phrases_each("remote-lead", diagnostic, remote_collect, leads);
	if (leads->len == 0) {
		g_array_free(leads, TRUE);
		return smtp_type ? g_strdup(diagnostic) : NULL;
	}
	out = g_string_new(NULL);
	len = strlen(diagnostic);
	for (i = 0; i < leads->len; i++) {
		lead = &g_array_index(leads, struct remote_lead, i);
		if (strcmp(lead->label, "command") == 0)
			continue;
		from = lead->end;
		to = i + 1 < leads->len ?
		    g_array_index(leads, struct remote_lead, i + 1).start : len;
		if (to <= from)
			continue;
		if (strcmp(lead->label, "transcript") == 0)
			to = from + remote_transcript_len(diagnostic + from,
			    to - from);
		while (from < to && g_ascii_isspace(diagnostic[from]))
			from++;
		while (to > from && g_ascii_isspace(diagnostic[to - 1]))
			to--;
		if (to == from)
			continue;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append_len(out, diagnostic + from, to - from);
	}
	g_array_free(leads, TRUE);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}
