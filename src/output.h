/*
 * output.h: rows for people and for programs.
 */
#ifndef REBOUND_OUTPUT_H
#define REBOUND_OUTPUT_H

#include <glib.h>

struct output;

/* Columns named "#name" hold numbers (unquoted in JSON). */
struct output	*output_new(const char *format, const char *const *columns,
		    GError **);
void		 output_row(struct output *, const char *const *values);
void		 output_finish(struct output **);
int		 output_check_format(const char *format, GError **);
int		 output_is_plain(const char *format);

#endif
