/*
 * parse_text.c: what the human-readable part says about one recipient.
 *
 * Mail systems explain each failure in prose next to the address:
 * Postfix "<a@b>: host x said: 550 ... (in reply to RCPT TO command)",
 * Sendmail's transcript ">>> DATA" / "<<< 550 ... User unknown", Exim
 * "a@b\n    host x [ip]: 550 ...".  The lines naming the address, the
 * indented lines that continue them and the line before each are
 * gathered (bounded); the classifier reads the SMTP command from them,
 * and they stand in for a Diagnostic-Code the report lacks.
 */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "parse_int.h"
#include "phrases.h"

#define ABOUT_MAX	4096	/* bytes gathered per recipient */
#define ABOUT_LINES	12	/* lines of one block */

static const char *
text_line_end(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? nl : p + strlen(p);
}

/*
 * Is line[i..i+alen) a whole address, not the tail or head of a longer
 * one?  "ann@example.net" is inside "joann@example.net" and
 * "ann@example.net.example.org": read as naming ann, the other's
 * failure (a 5.1.1) would become hers.
 */
static int
text_whole(const char *line, size_t n, size_t i, size_t alen)
{
	const char *after = line + i + alen, *end = line + n;

	if (i > 0 && ADDR_LOCAL(line[i - 1]))
		return 0;
	/* A full stop after it ends a sentence, not a longer domain. */
	if (after < end && ADDR_DOMAIN(*after) && (*after != '.' ||
	    (after + 1 < end && g_ascii_isalnum(after[1]))))
		return 0;
	return 1;
}

/* Does line[0..n) contain address, ignoring ASCII case? */
static int
text_names(const char *line, size_t n, const char *address, size_t alen)
{
	/* Both cases of the first byte, compared inline: this runs per byte. */
	char lower = g_ascii_tolower(address[0]);
	char upper = g_ascii_toupper(address[0]);
	size_t i;

	for (i = 0; i + alen <= n; i++)
		if ((line[i] == lower || line[i] == upper) &&
		    g_ascii_strncasecmp(line + i, address, alen) == 0 &&
		    text_whole(line, n, i, alen))
			return 1;
	return 0;
}

/* Does the line at p name one of the other recipients? */
static int
text_names_other(const char *p, const char *end, const char *address,
    GPtrArray *recipients)
{
	struct recipient *r;
	guint i;

	for (i = 0; i < recipients->len; i++) {
		r = g_ptr_array_index(recipients, i);
		if (r->address != NULL &&
		    g_ascii_strcasecmp(r->address, address) != 0 &&
		    text_names(p, end - p, r->address, strlen(r->address)))
			return 1;
	}
	return 0;
}

static void
text_append(GString *out, const char *p, const char *end)
{
	size_t n = end - p;

	if (out->len >= ABOUT_MAX)
		return;
	if (n > ABOUT_MAX - out->len)
		n = ABOUT_MAX - out->len;
	if (out->len > 0)
		g_string_append_c(out, ' ');
	g_string_append_len(out, p, n);
}

struct text_reply {
	const char	*line;
	int		 positive;
};

static int
text_reply_lead(void *arg, const char *label, const char *phrase, size_t end)
{
	struct text_reply *t = arg;
	const char *p = t->line + end;

	if (strcmp(label, "transcript") != 0)
		return 1;
	p += strspn(p, " \t");
	t->positive = (p[0] == '2' || p[0] == '3') &&
	    g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2]);
	return 0;
}

/*
 * Is the line at [p, end) a transcript's positive reply (Sendmail's
 * "<<< 250 Ok", MDaemon's "<-- 250 2.1.0 Ok")?  It says nothing of the
 * failure, and its code would be read as the failure's status.
 */
static int
text_positive_reply(const char *p, const char *end)
{
	g_autofree char *line = NULL;
	struct text_reply t = { NULL, 0 };

	/* Every transcript lead has an arrow: most lines have none. */
	if (memchr(p, '<', end - p) == NULL && memchr(p, '>', end - p) == NULL)
		return 0;
	t.line = line = g_strndup(p, end - p);
	phrases_each("remote-lead", line, text_reply_lead, &t);
	return t.positive;
}

/*
 * Is the line at [p, end) qmail-remote's "Giving up on <host>."?  It
 * says every RCPT was refused, at once; read as words it would make the
 * refusal an expiry ("giving up").
 */
static int
text_qmail_giving_up(const char *p, const char *end)
{
	static const char lead[] = "Giving up on ";
	size_t n = sizeof lead - 1;

	p += strspn(p, " \t");
	while (end > p && g_ascii_isspace(end[-1]))
		end--;
	if ((size_t)(end - p) <= n + 1 || strncmp(p, lead, n) != 0 ||
	    end[-1] != '.')
		return 0;
	/* One word, the host or its address, then the full stop. */
	for (p += n; p < end - 1; p++)
		if (g_ascii_isspace(*p))
			return 0;
	return 1;
}

/*
 * Take out of a notice's prose, in place, the lines that are no
 * evidence about any recipient: qmail-remote's "Giving up on <host>.".
 */
void
parse_text_drop_noise(char *text)
{
	char *line = text, *out = text, *end;
	size_t n;

	while (*line != '\0') {
		end = (char *)text_line_end(line);
		n = (*end == '\n' ? end + 1 : end) - line;
		if (!text_qmail_giving_up(line, end)) {
			memmove(out, line, n);
			out += n;
		}
		line += n;
	}
	*out = '\0';
}

/*
 * Gather the block at line (naming the address) into out: the lines
 * up to a blank one or one that names another recipient, at most
 * ABOUT_LINES, leaving out a transcript's positive replies.  Returns
 * where the block ends.
 */
static const char *
text_block(GString *out, const char *prev, const char *line,
    const char *address, GPtrArray *recipients)
{
	const char *end = text_line_end(line);
	int n = 1;

	/* A transcript's command line belongs to the reply below it. */
	if (prev != NULL && strncmp(prev, ">>> ", 4) == 0)
		text_append(out, prev, text_line_end(prev));
	text_append(out, line, end);
	/* Left-out lines do not count: an EHLO reply alone has ten. */
	while (*end == '\n' && n < ABOUT_LINES) {
		line = end + 1;
		if (line[strspn(line, " \t")] == '\n' ||
		    line[strspn(line, " \t")] == '\0')
			break;
		end = text_line_end(line);
		if (text_names_other(line, end, address, recipients)) {
			end = line - 1;
			break;
		}
		if (!text_positive_reply(line, end)) {
			text_append(out, line, end);
			n++;
		}
	}
	return end;
}

/*
 * The prose of text about address, or NULL when text never names it.
 * Runs of white space are left as they are: the phrase matcher folds them.
 */
char *
parse_text_about(const char *text, const char *address, GPtrArray *recipients)
{
	const char *line, *prev = NULL, *end;
	size_t alen;
	GString *out;

	if (text == NULL || address == NULL || (alen = strlen(address)) < 3)
		return NULL;
	out = g_string_new(NULL);
	for (line = text; *line != '\0' && out->len < ABOUT_MAX; ) {
		end = text_line_end(line);
		if (text_names(line, end - line, address, alen))
			end = text_block(out, prev, line, address, recipients);
		prev = line;
		line = *end == '\n' ? end + 1 : end;
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

static int
reply_lead(void *arg, const char *label, const char *phrase, size_t end)
{
	size_t *at = arg;

	*at = end;
	return 1;
}

/*
 * The paragraph after the last phrase of section in text, on one line
 * (a diagnostic is one line wherever it comes from), or NULL.
 */
static char *
text_after_lead(const char *text, const char *section)
{
	size_t at = G_MAXSIZE, n;
	const char *p, *blank;
	char *out;

	phrases_each(section, text, reply_lead, &at);
	if (at == G_MAXSIZE)
		return NULL;
	p = text + at;
	p += strspn(p, " \t\n:");
	blank = strstr(p, "\n\n");
	n = blank != NULL ? (size_t)(blank - p) : strlen(p);
	out = g_strndup(p, MIN(n, ABOUT_MAX));
	return g_strdelimit(out, "\r\n", ' ');
}

/*
 * What the remote server answered, where the prose quotes it after a
 * lead ("The error that the other server returned was:", "Remote host
 * said:"): up to the next blank line, bounded.  The last lead is the one
 * nearest the reply ("Technical details of permanent failure:" comes
 * before "The error ... was:").  NULL if no lead.
 */
char *
parse_text_reply(const char *text)
{
	return text_after_lead(text, "reply-lead");
}

/*
 * The reason a notice gives once for all the addresses it lists above
 * it (Lotus Domino's "was not delivered to: a, b ... because: REASON"),
 * or NULL.
 */
char *
parse_text_shared_reason(const char *text)
{
	return text_after_lead(text, "shared-reason");
}

/* Is the line at [p, end) blank? */
static int
text_is_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!g_ascii_isspace(*p))
			return 0;
	return 1;
}

/*
 * The lines right above the first line naming address, in its
 * paragraph, that name no address themselves: a heading that gives the
 * reason for the list of addresses below it.  NULL if there is none.
 */
char *
parse_text_heading(const char *text, const char *address)
{
	const char *line, *end, *start = text, *first = NULL, *top;
	size_t alen = strlen(address);
	GString *out;

	/* The first line naming the address, and its paragraph's start. */
	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		end = text_line_end(line);
		if (text_is_blank(line, end))
			start = *end ? end + 1 : end;
		else if (text_names(line, end - line, address, alen)) {
			first = line;
			break;
		}
	}
	if (first == NULL || first == start)
		return NULL;
	/* Up from it over the other addresses, to the lines without one. */
	for (top = first; top > start; ) {
		line = top - 1;
		while (line > start && line[-1] != '\n')
			line--;
		if (memchr(line, '@', top - 1 - line) == NULL)
			break;
		top = line;
	}
	if (top == start)
		return NULL;
	out = g_string_new(NULL);
	for (line = start; line < top; line = end + 1) {
		end = text_line_end(line);
		if (memchr(line, '@', end - line) == NULL)
			text_append(out, line, end);
	}
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_strdelimit(g_string_free(out, FALSE), "\r", ' ');
}

/*
 * Text as UTF-8.  Japanese mail systems write ISO-2022-JP where ASCII is
 * declared: 7-bit, so it passes for ASCII, but only its escape sequences
 * make it readable.  Anything else invalid is repaired.
 */
/* Does 7-bit text hold ISO-2022-JP's escape sequences? */
int
parse_text_is_jis(const char *text)
{
	return strstr(text, "\033$") != NULL;
}

char *
parse_text_utf8(const char *text)
{
	char *utf8;

	if (parse_text_is_jis(text) &&
	    (utf8 = g_convert(text, -1, "UTF-8", "ISO-2022-JP", NULL, NULL,
	    NULL)) != NULL)
		return utf8;
	return g_utf8_make_valid(text, -1);
}
