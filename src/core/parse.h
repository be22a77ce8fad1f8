/*
 * parse.h: bytes of one returned message in, a struct report out.
 *
 * The parser is pure: no file or network I/O, no globals but GMime's own
 * initialisation (parse_init() once per process).  It never fails: a
 * message it cannot read is a report of kind REPORT_NONE.  What the
 * parser's files share among themselves is in parse_int.h.
 */
#ifndef REBOUND_PARSE_H
#define REBOUND_PARSE_H

#include <stddef.h>

#include "report.h"

/*
 * The bounds an operator sets ([limits] in rebound.conf).  A message
 * over one is not refused: what was read before the limit is reported,
 * and report->limit names the limit (see parse_limits.c for how parts
 * and header bytes are counted before GMime sees the bytes).
 */
struct parse_limits {
	guint		 recipients;	/* per report; the rest are dropped */
	guint		 depth;		/* MIME nesting walked */
	guint		 parts;		/* MIME parts; the message is cut there */
	gsize		 header_bytes;	/* one header field, continuation lines too */
};

void		 parse_limits_defaults(struct parse_limits *);
void		 parse_init(void);
void		 parse_shutdown(void);
/* With the default limits. */
struct report	*parse_message(const char *buf, size_t len);
struct report	*parse_message_limited(const char *buf, size_t len,
		    const struct parse_limits *);
/* The Date of the message's own header block, without parsing it. */
gint64		 parse_date_header(const char *buf, size_t len);

#endif
