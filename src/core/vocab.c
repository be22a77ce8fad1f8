/*
 * vocab.c: lookups in a table of names indexed by an enum (vocab.h), and
 * the one table of a boolean's spellings.
 */
#include "config.h"

#include <string.h>

#include "vocab.h"

/* The spellings of a boolean, as systemd and GLib's key files take them. */
static const struct {
	const char	*name;
	int		 value;
} vocab_bools[] = {
	{ "yes", 1 }, { "no", 0 },
	{ "true", 1 }, { "false", 0 },
	{ "on", 1 }, { "off", 0 },
	{ "1", 1 }, { "0", 0 },
};

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

const char *
vocab_bool_spelling(size_t i, int *value_r)
{
	if (i >= G_N_ELEMENTS(vocab_bools))
		return NULL;
	if (value_r != NULL)
		*value_r = vocab_bools[i].value;
	return vocab_bools[i].name;
}

int
vocab_bool(const char *value, int *out_r, GError **error)
{
	const char *names[G_N_ELEMENTS(vocab_bools)];
	g_autofree char *word = g_strstrip(g_strdup(value));
	g_autofree char *list = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(vocab_bools); i++) {
		if (g_ascii_strcasecmp(word, vocab_bools[i].name) == 0) {
			*out_r = vocab_bools[i].value;
			return 1;
		}
		names[i] = vocab_bools[i].name;
	}
	list = vocab_join(names, G_N_ELEMENTS(names), "or");
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
	    "'%s' is not a boolean (%s)", word, list);
	return 0;
}
