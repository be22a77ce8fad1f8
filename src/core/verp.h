/*
 * verp.h: who bounced, decoded from a VERP envelope recipient.
 */
#ifndef REBOUND_VERP_H
#define REBOUND_VERP_H

struct verp {
	char	delimiter;	/* between the list and the subscriber: '+' */
	char	equals;		/* stands for '@' in the subscriber: '=' */
};

void	 verp_defaults(struct verp *);
char	*verp_bounce(const struct verp *, const char *envelope);
int	 verp_decode(const struct verp *, const char *envelope,
	    char **subscriber_r, char **bounce_r);

#endif
