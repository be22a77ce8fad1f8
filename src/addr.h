/*
 * addr.h: recipient addresses as a DSN or a header gives them, made
 * comparable: type prefix and angle brackets stripped, xtext (RFC 3461)
 * and unitext (RFC 6533) decoded, domain lower-cased, valid UTF-8.
 */
#ifndef REBOUND_ADDR_H
#define REBOUND_ADDR_H

#include <stddef.h>

char	*addr_normalise(const char *value);
char	*addr_xtext_decode(const char *text);
char	*addr_unitext_decode(const char *text);
char	*addr_strip_type(const char *value);

#endif
