/*
 * listid.h: which list a returned message belongs to, named as list
 * managers name their lists: the RFC 2919 list id
 * ("news.lists.example.org", Mailman 3's list_id) and, when known, the
 * posting address ("news@lists.example.org", its fqdn_listname).
 */
#ifndef REBOUND_LISTID_H
#define REBOUND_LISTID_H

#include <glib.h>

struct listid {
	char	*id;		/* lower case, or NULL: no list */
	char	*address;	/* NAME@DOMAIN, lower case, or NULL */
};

char	*listid_parse(const char *list_id);
char	*listid_of_bounce(const char *bounce, char **address_r);
void	 listid_decide(const char *list_id, const char *list_post,
	    const char *bounce, struct listid *);
char	*listid_typed(const char *typed);
void	 listid_clear(struct listid *);

#endif
