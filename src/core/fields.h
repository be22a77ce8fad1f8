/*
 * fields.h: "Name: value" blocks as RFC 5322 headers and RFC 3464
 * delivery-status bodies write them.
 */
#ifndef REBOUND_FIELDS_H
#define REBOUND_FIELDS_H

#include <stddef.h>

#include <glib.h>

struct field {
	char	*name;
	char	*value;		/* unfolded: continuation lines joined by one space */
	int	 group;		/* index of the blank-line separated block */
};

/* Largest value kept of one field; the rest is dropped. */
#define FIELDS_VALUE_MAX (64 * 1024)

GPtrArray	*fields_parse(const char *buf, size_t len, int headers_only);
GPtrArray	*fields_parse_headers(const char *buf, size_t len,
		    const char *const *only);
const char	*fields_get(GPtrArray *fields, const char *name);

#endif
