/*
 * status.h: RFC 3463 enhanced status codes and RFC 5321 reply codes.
 * Pure functions over text: no allocation, no I/O.
 */
#ifndef REBOUND_STATUS_H
#define REBOUND_STATUS_H

#include <stddef.h>

#include "report.h"

int	 status_valid(const char *code, size_t len);
int	 status_parse(const char *text, char out[STATUS_MAX]);
int	 status_find(const char *text, char out[STATUS_MAX]);
int	 status_is_generic(const char *code);
int	 status_class(const char *code);
int	 status_subject(const char *code);
int	 replycode_find(const char *text, int lowest);

#endif
