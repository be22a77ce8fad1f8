/*
 * mbox.c: the messages of an mbox file (RFC 4155), as byte spans.
 *
 * A file is an mbox when it starts with a "From " separator line; each
 * further message starts at a "From " line that follows an empty line
 * and looks like a separator: a sender, then a date ending in the year
 * ("From MAILER-DAEMON  Thu Apr 29 23:34:45 2015").  Anything else is
 * one message.  Each span keeps its separator line: the parser skips it.
 * Lines end in LF, CRLF or a bare CR alike.
 */
#include "config.h"

#include <string.h>

#include "mbox.h"

/* Where the line at p ends: its CR or LF, or end. */
static const char *
mbox_line_end(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

/* Where the line after the one at p starts, or end. */
static const char *
mbox_next_line(const char *p, const char *end)
{
	p = mbox_line_end(p, end);
	if (p < end && *p == '\r' && p + 1 < end && p[1] == '\n')
		p++;
	return p < end ? p + 1 : end;
}

/* Does the line at p (up to end) look like an mbox separator? */
static int
mbox_is_separator(const char *p, const char *end)
{
	const char *q;
	int digits = 0;

	if (end - p < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	q = mbox_line_end(p, end);
	while (q > p && q[-1] == ' ')
		q--;
	while (q > p && g_ascii_isdigit(q[-1])) {
		q--;
		digits++;
	}
	return digits == 4 && q > p + 5 && q[-1] == ' ';
}

static void
mbox_add(GArray *spans, size_t from, size_t to)
{
	struct mbox_span span = { from, to - from };

	g_array_append_val(spans, span);
}

/*
 * Where the line after the blank line that follows the line at p
 * starts, or NULL when the next line is not blank.
 */
static const char *
mbox_after_blank(const char *p, const char *end)
{
	const char *next = mbox_next_line(p, end);

	if (next >= end || mbox_line_end(next, end) != next)
		return NULL;
	return mbox_next_line(next, end);
}

GArray *
mbox_split(const char *buf, size_t len)
{
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(struct mbox_span));
	const char *p, *q, *end = buf + len;
	size_t start = 0;

	if (!mbox_is_separator(buf, end)) {
		mbox_add(spans, 0, len);
		return spans;
	}
	for (p = buf; p < end; p = mbox_next_line(p, end)) {
		if ((q = mbox_after_blank(p, end)) == NULL ||
		    !mbox_is_separator(q, end))
			continue;
		mbox_add(spans, start, q - buf);
		start = q - buf;
	}
	mbox_add(spans, start, len);
	return spans;
}
