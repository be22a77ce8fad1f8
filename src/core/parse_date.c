/*
 * parse_date.c: when a bounce was written, as Unix time (0: unknown).
 *
 * The Date header (RFC 5322 section 3.3, its obsolete forms and zones
 * too: GMime's decoder, the one GMime's own message date uses); without
 * one that decodes, the latest Last-Attempt-Date of the DSN's recipients
 * (RFC 3464 section 2.3.7: when the failure was met), then its
 * Arrival-Date (2.2.5: when the list's message reached the reporting
 * MTA, days earlier for a failure after retries), then the date of the
 * bounce's newest Received field (RFC 5321 section 4.4: when the last
 * MTA took it).  A date that does not decode is no date: the caller
 * falls back further (the file's mtime, the time of the import).
 *
 * parse_date_header() reads only the top-level header block, so that
 * "rebound import" can order an archive by date before it parses it.
 */
#include "config.h"

#include <string.h>

#include <gmime/gmime.h>

#include "parse_int.h"

#define PARSE_DATE_MAX	998	/* an RFC 5322 line; longer is not a date */

/* A date field's value to Unix time, or 0. */
static gint64
parse_date_value(const char *value)
{
	GDateTime *dt;
	gint64 t;

	if (value == NULL || *value == '\0')
		return 0;
	if ((dt = g_mime_utils_header_decode_date(value)) == NULL)
		return 0;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t > 0 ? t : 0;
}

/* The unfolded value of the header line at p (after "Date:"), or NULL. */
static char *
parse_date_unfold(const char *p, const char *end)
{
	GString *v = g_string_new(NULL);

	for (; p < end; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n') {
			if (p + 1 >= end || (p[1] != ' ' && p[1] != '\t'))
				break;
			continue;	/* a continuation line */
		}
		if (v->len >= PARSE_DATE_MAX) {
			g_string_free(v, TRUE);
			return NULL;
		}
		g_string_append_c(v, *p);
	}
	return g_string_free(v, FALSE);
}

/*
 * The first Date field of the message's own header block (an mbox
 * "From " line before it is skipped), as Unix time, or 0.
 */
gint64
parse_date_header(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	g_autofree char *value = NULL;

	if (len > 5 && memcmp(buf, "From ", 5) == 0 &&
	    (nl = memchr(buf, '\n', len)) != NULL)
		p = nl + 1;
	while (p < end && *p != '\n' && *p != '\r') {
		if (end - p > 5 && g_ascii_strncasecmp(p, "Date:", 5) == 0) {
			value = parse_date_unfold(p + 5, end);
			return parse_date_value(value);
		}
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

/*
 * A report without a Date: its recipients' latest Last-Attempt-Date,
 * else the DSN's Arrival-Date, else its newest Received field's date
 * (after the field's last ';').
 */
void
parse_date_fallback(struct report *rp)
{
	const char *semi;
	gint64 t;
	guint i;

	if (rp->date > 0)
		return;
	for (i = 0; i < rp->recipients->len; i++) {
		const struct recipient *r = g_ptr_array_index(rp->recipients, i);

		if ((t = parse_date_value(r->last_attempt)) > rp->date)
			rp->date = t;
	}
	if (rp->date == 0)
		rp->date = parse_date_value(rp->arrival_date);
	if (rp->date == 0 && rp->received != NULL &&
	    (semi = strrchr(rp->received, ';')) != NULL)
		rp->date = parse_date_value(semi + 1);
}
