/*
 * parse.h: bytes of one returned message in, a struct report out.
 *
 * The parser is pure: no file or network I/O, no globals but GMime's own
 * initialisation (parse_init() once per process).  It never fails: a
 * message it cannot read is a report of kind REPORT_NONE.
 */
#ifndef REBOUND_PARSE_H
#define REBOUND_PARSE_H

#include <stddef.h>

#include "report.h"

/* Bounds on what one message may make the parser do. */
#define PARSE_TEXT_MAX		(256 * 1024)	/* human-readable part kept */
#define PARSE_RAW_MAX		(1024 * 1024)	/* raw body searched for a DSN */
#define PARSE_DEPTH_MAX		100		/* MIME nesting walked */
#define PARSE_PARTS_MAX		1000		/* MIME parts walked */
#define PARSE_RECIPIENTS_MAX	10000		/* per report */
#define PARSE_ABOUT_MAX		20		/* recipients looked up in text */

void		 parse_init(void);
void		 parse_shutdown(void);
struct report	*parse_message(const char *buf, size_t len);

/* The format readers parse.c dispatches to (parse_dsn.c, parse_arf.c). */
void		 parse_dsn(struct report *, const char *buf, size_t len);
void		 parse_arf(struct report *, const char *buf, size_t len);
void		 parse_returned_headers(struct report *, const char *buf,
		    size_t len);
char		*parse_text_about(const char *text, const char *address,
		    GPtrArray *recipients);
char		*parse_text_reply(const char *text);
char		*parse_text_utf8(const char *text);
void		 parse_dsn_complete(struct recipient *);
struct _GMimeMessage;
void		 parse_returned_message(struct report *, struct _GMimeMessage *);
enum { BOUNCED_NOT, BOUNCED_MAYBE, BOUNCED_SURELY };
int		 parse_looks_bounced(struct report *, struct _GMimeMessage *);
void		 parse_heuristic(struct report *, struct _GMimeMessage *);
int		 parse_ses(struct report *, const char *text);
int		 parse_is_autoreply(const char *auto_submitted,
		    const char *precedence, const char *subject, const char *from,
		    int vendor_flag);

#endif
