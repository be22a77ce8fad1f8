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
 * its (providers.tab).
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

/* providers.tab, DOMAIN to PROVIDER; built once, never freed. */
static GHashTable *
provider_table(void)
{
	static GHashTable *table;

	if (g_once_init_enter(&table)) {
		GHashTable *t = g_hash_table_new(g_str_hash, g_str_equal);
		char **lines = g_strsplit(providers_tab, "\n", -1);
		char **l, *tab;

		for (l = lines; *l != NULL; l++)
			if ((tab = strchr(*l, '\t')) != NULL) {
				*tab = '\0';
				g_hash_table_insert(t, *l, tab + 1);
			} else
				g_free(*l);	/* the empty last */
		g_free(lines);	/* the other strings are the table's */
		g_once_init_leave(&table, t);
	}
	return table;
}

const char *
provider_of_domain(const char *domain)
{
	g_autofree char *lower = g_ascii_strdown(domain, -1);

	return g_hash_table_lookup(provider_table(), lower);
}
