/*
 * parse_shallow.c: the returned original as a header block.
 *
 * GMime builds a whole message object for every message/rfc822 part (its
 * header objects, addresses, date, MIME tree) and frees it again: about
 * a tenth of the time of a parse.  Of the message a report returns,
 * rebound reads five header fields.  So where the top level is a
 * multipart/report and a report part (delivery status or feedback) came
 * first, a later message/rfc822 part is given to GMime as
 * text/rfc822-headers, and message/global as message/global-headers: a
 * leaf, whose header block parse_returned_headers() reads as it reads
 * any returned headers.  A message/rfc822 with no report before it may
 * be a bounce forwarded as an attachment, to be walked: it stays as it
 * is, and so does anything this pass does not understand.
 *
 * The bytes are LF-terminated (parse_normalise() ran before).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "parse_int.h"

enum shallow_kind { SHALLOW_OTHER, SHALLOW_REPORT, SHALLOW_MESSAGE };

/* What replaces a media type, and the media type it replaces. */
struct shallow_edit {
	size_t		 at;		/* offset of the media type */
	size_t		 len;		/* its length */
	const char	*with;
};

/* Where the header field starting at p ends: its last LF, or end. */
static const char *
shallow_field_end(const char *p, const char *end)
{
	const char *nl;

	while ((nl = memchr(p, '\n', end - p)) != NULL) {
		if (nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
			return nl;
		p = nl + 1;
	}
	return end;
}

/*
 * The header block at p: the value of its first Content-Type field in
 * *ct (NULL if none) up to *ct_end.  Returns where the body starts.
 */
static const char *
shallow_headers(const char *p, const char *end, const char **ct,
    const char **ct_end)
{
	const char *fe;

	*ct = NULL;
	while (p < end && *p != '\n') {
		fe = shallow_field_end(p, end);
		if (*ct == NULL && fe - p >= 13 &&
		    g_ascii_strncasecmp(p, "content-type:", 13) == 0) {
			*ct = p + 13;
			*ct_end = fe;
		}
		p = fe < end ? fe + 1 : end;
	}
	return p < end ? p + 1 : end;
}

/*
 * The media type of the Content-Type value at ct ("type/subtype",
 * white space and folding before it skipped), its length in *len.
 * GMime's parser would take a GObject per field: this is all it takes.
 */
static const char *
shallow_media(const char *ct, const char *ct_end, size_t *len)
{
	const char *p, *q;

	for (p = ct; p < ct_end && g_ascii_isspace(*p); p++)
		;
	for (q = p; q < ct_end && *q != ';' && *q != '(' &&
	    !g_ascii_isspace(*q); q++)
		;
	*len = q - p;
	return p;
}

static int
shallow_is(const char *media, size_t len, const char *type)
{
	return len == strlen(type) && g_ascii_strncasecmp(media, type, len) == 0;
}

/*
 * The boundary parameter of the Content-Type value at ct: a token or a
 * quoted string.  NULL if there is none, or it is written in a way this
 * does not read (RFC 2231 continuations): then nothing is changed.
 */
static char *
shallow_boundary(const char *ct, const char *ct_end)
{
	const char *p = ct, *q;
	GString *value;

	while ((p = memchr(p, ';', ct_end - p)) != NULL) {
		for (p++; p < ct_end && g_ascii_isspace(*p); p++)
			;
		if (ct_end - p <= 9 || g_ascii_strncasecmp(p, "boundary=", 9))
			continue;
		p += 9;
		if (*p != '"') {
			for (q = p; q < ct_end && *q != ';' &&
			    !g_ascii_isspace(*q); q++)
				;
			return q > p ? g_strndup(p, q - p) : NULL;
		}
		value = g_string_new(NULL);
		for (p++; p < ct_end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < ct_end)
				p++;
			g_string_append_c(value, *p);
		}
		if (p == ct_end || value->len == 0) {
			g_string_free(value, TRUE);
			return NULL;
		}
		return g_string_free(value, FALSE);
	}
	return NULL;
}

/* The top level's boundary if it is a multipart/report, else NULL. */
static char *
shallow_report_boundary(const char *ct, const char *ct_end)
{
	const char *media;
	size_t len;

	if (ct == NULL)
		return NULL;
	media = shallow_media(ct, ct_end, &len);
	if (!shallow_is(media, len, "multipart/report"))
		return NULL;
	return shallow_boundary(media + len, ct_end);
}

/* What a part with this Content-Type is to this pass. */
static enum shallow_kind
shallow_part(const char *ct, const char *ct_end, struct shallow_edit *edit,
    const char *buf)
{
	static const char *const reports[] = {
		"message/delivery-status", "message/global-delivery-status",
		"message/feedback-report"
	};
	static const struct {
		const char *type, *with;
	} messages[] = {
		{ "message/rfc822", "text/rfc822-headers" },
		{ "message/global", "message/global-headers" },
	};
	const char *media;
	size_t i, len;

	if (ct == NULL)
		return SHALLOW_OTHER;
	media = shallow_media(ct, ct_end, &len);
	for (i = 0; i < G_N_ELEMENTS(reports); i++)
		if (shallow_is(media, len, reports[i]))
			return SHALLOW_REPORT;
	for (i = 0; i < G_N_ELEMENTS(messages); i++)
		if (shallow_is(media, len, messages[i].type)) {
			edit->at = media - buf;
			edit->len = len;
			edit->with = messages[i].with;
			return SHALLOW_MESSAGE;
		}
	return SHALLOW_OTHER;
}

/* Is the line at p a delimiter of boundary?  2: the closing one. */
static int
shallow_delimiter(const char *p, const char *eol, const char *boundary,
    size_t blen)
{
	if (eol - p < (ptrdiff_t)blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, boundary, blen) != 0)
		return 0;
	p += blen + 2;
	if (eol - p >= 2 && p[0] == '-' && p[1] == '-')
		return 2;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p == eol;
}

/* A copy of buf with the edits made. */
static char *
shallow_apply(const char *buf, size_t len, GArray *edits, size_t *len_r)
{
	GString *out = g_string_sized_new(len + 16 * edits->len);
	size_t from = 0;
	guint i;

	for (i = 0; i < edits->len; i++) {
		struct shallow_edit *e = &g_array_index(edits,
		    struct shallow_edit, i);

		g_string_append_len(out, buf + from, e->at - from);
		g_string_append(out, e->with);
		from = e->at + e->len;
	}
	g_string_append_len(out, buf + from, len - from);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

/*
 * buf with its returned messages made header blocks, in a new buffer
 * (its length in *len_r), or NULL where nothing changes.
 */
char *
parse_shallow(const char *buf, size_t len, size_t *len_r)
{
	const char *end = buf + len, *p, *eol, *ct, *ct_end;
	g_autofree char *boundary = NULL;
	struct shallow_edit edit;
	GArray *edits;
	char *out = NULL;
	size_t blen;
	int report = 0, d;

	p = shallow_headers(buf, end, &ct, &ct_end);
	if ((boundary = shallow_report_boundary(ct, ct_end)) == NULL)
		return NULL;
	blen = strlen(boundary);
	edits = g_array_new(FALSE, FALSE, sizeof(struct shallow_edit));
	while (p < end) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if ((d = shallow_delimiter(p, eol, boundary, blen)) == 2)
			break;
		p = eol < end ? eol + 1 : end;
		if (d == 0)
			continue;
		/* A part: its header block, then its body is skipped. */
		p = shallow_headers(p, end, &ct, &ct_end);
		switch (shallow_part(ct, ct_end, &edit, buf)) {
		case SHALLOW_REPORT:
			report = 1;
			break;
		case SHALLOW_MESSAGE:
			if (report)
				g_array_append_val(edits, edit);
			break;
		default:
			break;
		}
	}
	if (edits->len > 0)
		out = shallow_apply(buf, len, edits, len_r);
	g_array_unref(edits);
	return out;
}
