/*
 * provider.c: which provider answered for a recipient, as the incident
 * guard groups them: the registered domain (by the Public Suffix List,
 * through libpsl) of the receiving host the report names, so that
 * mx1.bigmail.example and mx4.bigmail.example, and every customer domain
 * whose MX they are, count as one.
 *
 * The host is the Remote-MTA's ("dns; mx1.bigmail.example"), else the
 * one the reporting MTA names in its diagnostic: Postfix's "host
 * mx1.bigmail.example[192.0.2.1] said:", Exim's "host
 * mx1.bigmail.example [192.0.2.1]:".  An address literal names no one.
 * With no host at all, a large mailbox provider's domain is known to be
 * its (providers.tab), and any domain the operator lists in the file
 * [guard] providers names (the same format; its lines come first).
 */
#include "config.h"

#include <string.h>

#include <libpsl.h>

#include "provider.h"

extern const char providers_tab[];

static const psl_ctx_t *
provider_psl(void)
{
	static const psl_ctx_t *psl;

	if (g_once_init_enter(&psl)) {
		const psl_ctx_t *p = psl_builtin();

		if (p == NULL || psl_suffix_count(p) == 0)
			p = psl_latest(NULL);
		g_once_init_leave(&psl, p);
	}
	return psl;
}

static GHashTable *
provider_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/* g_hash_table_foreach_steal(): a key and value into the table data. */
static gboolean
provider_move(gpointer key, gpointer value, gpointer data)
{
	g_hash_table_insert(data, key, value);
	return TRUE;
}

/* A host name: letters, digits, '-', '.', at least one dot, not all digits. */
static int
provider_is_name(const char *s, size_t len)
{
	int dot = 0, alpha = 0;
	size_t i;

	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dot = 1;
		else if (g_ascii_isalpha(s[i]))
			alpha = 1;
		else if (!g_ascii_isdigit(s[i]) && s[i] != '-')
			return 0;
	}
	return dot && alpha;
}

static size_t
provider_name_len(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

	while (n > 0 && s[n - 1] == '.')
		n--;
	return n;
}

/* The host of "dns; NAME" (the type is optional). */
static char *
provider_remote_mta(const char *remote_mta)
{
	const char *s = strchr(remote_mta, ';');
	size_t len;

	s = s != NULL ? s + 1 : remote_mta;
	while (g_ascii_isspace(*s))
		s++;
	len = provider_name_len(s);
	if (!provider_is_name(s, len))
		return NULL;
	return g_strndup(s, len);
}

/* "host NAME[" or "host NAME [" in the reporter's words. */
static char *
provider_said(const char *diagnostic)
{
	const char *p = diagnostic;
	size_t len;

	while ((p = strstr(p, "host ")) != NULL) {
		p += 5;
		len = provider_name_len(p);
		if (provider_is_name(p, len) && (p[len] == '[' ||
		    (p[len] == ' ' && p[len + 1] == '[')))
			return g_strndup(p, len);
	}
	return NULL;
}

char *
provider_of(const char *remote_mta, const char *diagnostic)
{
	g_autofree char *host = NULL, *lower = NULL;
	const char *domain;

	if (remote_mta != NULL)
		host = provider_remote_mta(remote_mta);
	if (host == NULL && diagnostic != NULL)
		host = provider_said(diagnostic);
	if (host == NULL)
		return NULL;
	lower = g_ascii_strdown(host, -1);
	domain = psl_registrable_domain(provider_psl(), lower);
	return domain != NULL ? g_strdup(domain) : NULL;
}

/*
 * Lines of providers.tab's format (DOMAIN PROVIDER, separated by tabs or
 * spaces; '#' starts a comment) into t, lower case.  A line of another
 * shape is an error naming file and line, and nothing is added.
 */
static int
provider_read(GHashTable *t, const char *text, const char *file,
    GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) read = g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, g_free);
	char *f[3], *line, *save;
	int i, n;

	for (i = 0; lines[i] != NULL; i++) {
		if ((line = strchr(lines[i], '#')) != NULL)
			*line = '\0';
		n = 0;
		for (line = strtok_r(lines[i], " \t\r", &save); line != NULL;
		    line = strtok_r(NULL, " \t\r", &save))
			if (n < 3)
				f[n++] = line;
		if (n == 0)
			continue;
		if (n != 2 || !provider_is_name(f[0], strlen(f[0])) ||
		    !provider_is_name(f[1], strlen(f[1]))) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s:%d: not \"DOMAIN PROVIDER\", two host names",
			    file, i + 1);
			return 0;
		}
		g_hash_table_insert(read, g_ascii_strdown(f[0], -1),
		    g_ascii_strdown(f[1], -1));
	}
	g_hash_table_foreach_steal(read, provider_move, t);
	return 1;
}

/* providers.tab, DOMAIN to PROVIDER; built once, never freed. */
static GHashTable *
provider_table(void)
{
	static GHashTable *table;

	if (g_once_init_enter(&table)) {
		GHashTable *t = provider_new();

		if (!provider_read(t, providers_tab, "providers.tab", NULL))
			g_error("providers.tab does not read");
		g_once_init_leave(&table, t);
	}
	return table;
}

/* The operator's lines ([guard] providers), before providers.tab's. */
static GHashTable *provider_site;

GHashTable *
provider_load(const char *file, GError **error)
{
	g_autoptr(GHashTable) t = provider_new();
	g_autofree char *text = NULL;

	if (!g_file_get_contents(file, &text, NULL, error) ||
	    !provider_read(t, text, file, error))
		return NULL;
	return g_steal_pointer(&t);
}

void
provider_use(GHashTable *site)
{
	if (site != NULL)
		g_hash_table_ref(site);
	if (provider_site != NULL)
		g_hash_table_unref(provider_site);
	provider_site = site;
}

const char *
provider_of_domain(const char *domain)
{
	g_autofree char *lower = g_ascii_strdown(domain, -1);
	const char *p = NULL;

	if (provider_site != NULL)
		p = g_hash_table_lookup(provider_site, lower);
	return p != NULL ? p : g_hash_table_lookup(provider_table(), lower);
}
