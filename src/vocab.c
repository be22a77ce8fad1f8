/*
 * vocab.c: lookups in a table of names indexed by an enum (vocab.h).
 */
#include "config.h"

#include <string.h>

#include "vocab.h"

int
vocab_find(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

char *
vocab_join(const char *const *names, size_t n, const char *last)
{
	GString *out = g_string_new(NULL);
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0 && (i + 1 < n || last == NULL))
			g_string_append(out, ", ");
		else if (i > 0)
			g_string_append_printf(out, " %s ", last);
		g_string_append(out, names[i]);
	}
	return g_string_free(out, FALSE);
}
