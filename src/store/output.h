/*
 * output.h: rows for people and for programs.
 */
#ifndef REBOUND_OUTPUT_H
#define REBOUND_OUTPUT_H

#include <glib.h>

struct output;

/* What --format names (output.c names each; NULL: table or plain). */
enum output_format {
	OUTPUT_TABLE,		/* aligned, for a terminal */
	OUTPUT_PLAIN,		/* tab-separated lines, for a pipe */
	OUTPUT_CSV,
	OUTPUT_JSON
};
#define OUTPUT_COUNT	(OUTPUT_JSON + 1)

/* Columns named "#name" hold numbers (unquoted in JSON). */
struct output	*output_new(const char *format, const char *const *columns,
		    GError **);
void		 output_row(struct output *, const char *const *values);
void		 output_finish(struct output **);
int		 output_format_parse(const char *format, enum output_format *,
		    GError **);
int		 output_is_plain(const char *format);
const char	*output_format_help(void);

#endif
