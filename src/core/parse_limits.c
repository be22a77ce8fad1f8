/*
 * parse_limits.c: bound what GMime is given, before it reads a byte.
 *
 * GMime 3.2 builds the whole MIME tree before anything can be walked
 * (200,000 parts took 400 MB) and reads each header field into a buffer
 * it grows 64 bytes at a time (a 10 MB field: minutes under ASan).  So
 * one pass over the message (its line ends already LF) keeps:
 *
 * - of a header field with its continuation lines, the first
 *   header_bytes bytes.  Headers cannot be told from body lines before
 *   parsing, so every line, with the lines starting with a space or a
 *   tab after it, is held to that; a longer body line loses its end
 *   (the text kept for the classifier is bounded far below anyway);
 * - the message up to its (parts + 1)-th line that may be a MIME
 *   boundary ("--" and a character other than white space), or its
 *   (parts + 1)-th Content-Type field (nested messages need one each):
 *   GMime parses what came before, a message whose last parts lack
 *   their closing boundary.
 *
 * What was cut is named in report->limit, and the rest is parsed as
 * usual: a bounce is never refused for its content.
 */
#include "config.h"

#include <string.h>

#include "parse_int.h"

enum limits_verdict {
	LIMITS_KEEP,		/* the whole line */
	LIMITS_CUT,		/* its first bytes (maybe none) */
	LIMITS_STOP		/* nothing from here on */
};

struct limits_state {
	const struct parse_limits *limits;
	gsize		 field;		/* bytes of the current field so far */
	guint		 boundaries;
	guint		 types;
};

/*
 * The [limits] of rebound.conf: their defaults, and the first one a
 * message hit, as the operator sets it.  No GMime here: rebound's
 * configuration reads these without linking the parser.
 */
void
parse_limits_defaults(struct parse_limits *l)
{
	l->recipients = 10000;
	l->depth = 100;
	l->parts = 1000;
	l->header_bytes = 100 * 1024;	/* Postfix's header_size_limit */
}

void
parse_over_limit(struct report *rp, const char *key, gsize value)
{
	if (rp->limit == NULL)
		rp->limit = g_strdup_printf("[limits] %s = %" G_GSIZE_FORMAT,
		    key, value);
}

/* What to keep of one line (len bytes, without its LF). */
static enum limits_verdict
limits_line(struct limits_state *g, const char *p, size_t len, size_t *keep_r)
{
	gsize max = g->limits->header_bytes;
	gsize room;

	if (len > 2 && p[0] == '-' && p[1] == '-' && !g_ascii_isspace(p[2]) &&
	    ++g->boundaries > g->limits->parts)
		return LIMITS_STOP;
	/* The first byte first: this runs for every line of every message. */
	if (len >= 13 && (p[0] == 'c' || p[0] == 'C') &&
	    g_ascii_strncasecmp(p, "content-type:", 13) == 0 &&
	    ++g->types > g->limits->parts)
		return LIMITS_STOP;
	if (len == 0 || (p[0] != ' ' && p[0] != '\t'))
		g->field = 0;		/* a new field, or not a header at all */
	room = max > g->field ? max - g->field : 0;
	g->field += len + 1;
	*keep_r = MIN(len, room);
	return *keep_r < len ? LIMITS_CUT : LIMITS_KEEP;
}

/*
 * One pass over buf.  With out NULL, only returns whether anything
 * would be cut; else writes what is kept to out (which may be buf: the
 * writing never runs ahead of the reading) and returns its length.
 */
static size_t
limits_pass(const char *buf, size_t len, char *out,
    const struct parse_limits *limits, struct report *rp)
{
	struct limits_state g = { limits, 0, 0, 0 };
	const char *p = buf, *end = buf + len, *nl;
	size_t n, keep, o = 0;
	enum limits_verdict v;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', end - p);
		n = (nl ? nl : end) - p;
		v = limits_line(&g, p, n, &keep);
		if (v != LIMITS_KEEP && out == NULL)
			return 1;
		if (v == LIMITS_STOP) {
			parse_over_limit(rp, "mime_parts", limits->parts);
			break;
		}
		if (out == NULL)
			continue;
		if (v == LIMITS_CUT)
			parse_over_limit(rp, "header_bytes", limits->header_bytes);
		/* A continuation line with no room left goes, line end too. */
		if (keep == 0 && v == LIMITS_CUT && n > 0 && g.field > n + 1)
			continue;
		memmove(out + o, p, keep);
		o += keep;
		if (nl != NULL)
			out[o++] = '\n';
	}
	return out == NULL ? 0 : o;
}

int
parse_limits_needed(const char *buf, size_t len,
    const struct parse_limits *limits)
{
	return limits_pass(buf, len, NULL, limits, NULL) != 0;
}

/* Cut buf in place; returns the length kept. */
size_t
parse_limits_cut(char *buf, size_t len, const struct parse_limits *limits,
    struct report *rp)
{
	return limits_pass(buf, len, buf, limits, rp);
}
