/*
 * pathwalk.h: the message files a command-line PATH names.
 */
#ifndef REBOUND_PATHWALK_H
#define REBOUND_PATHWALK_H

#include <glib.h>

int	 pathwalk_collect(const char *path, GPtrArray *files, GError **error);

#endif
