/*
 * json.h: just enough JSON output for the CLI (no parsing).
 */
#ifndef REBOUND_JSON_H
#define REBOUND_JSON_H

#include <glib.h>

void	 json_string(GString *out, const char *s);
void	 json_member(GString *out, const char *name, const char *value);
void	 json_member_int(GString *out, const char *name, long long value);
void	 json_members(GString *out, const char *const *names,
	    const char *const *values);

#endif
