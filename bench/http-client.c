/*
 * http-client: post N distinct webhook events over K keep-alive HTTP/1.1
 * connections and time them (used by bench/webhook.sh), as
 * lmtp-client does for LMTP: one process, one thread, the connections
 * multiplexed with poll(), so that the client takes little of the CPU
 * the server under test needs.
 *
 * Event i is the template with every "@N@" replaced by i, "@TAG@" by
 * the run's tag (pid and time), so no two events of a run, nor of two
 * runs, have the same id, and "@A@" by i modulo --addresses A (default
 * 4: as many addresses as lmtp-client's four samples have).  With --mailgun KEY, "@TIMESTAMP@", "@TOKEN@"
 * and "@SIGNATURE@" are filled as Mailgun signs ("Securing Webhooks":
 * hex HMAC-SHA256 of timestamp and token, keyed with the signing key),
 * a fresh token each; with --basic USER:PASSWORD an Authorization header
 * is sent (Postmark, SparkPost).  Every request is built before the
 * clock starts.  A connection sends one request, reads its whole answer
 * (status line, headers, Content-Length bytes), then sends the next.
 * A request's latency runs from its first byte written to the last byte
 * of its answer read.
 *
 * Prints one line:
 *   messages N sessions K seconds T rate R p50_ms A p99_ms B max_ms C errors E
 * E counts answers other than 200 (the first few printed on stderr; the
 * exit status is then 1).  A connection that fails or closes early ends
 * the run with status 1.
 *
 * Usage: http-client --port P --path PATH [--basic USER:PASSWORD |
 *            --mailgun KEY] --connections K --requests N [--addresses A]
 *            TEMPLATE.json
 * Build: cc -O2 -o http-client http-client.c $(pkg-config --cflags --libs glib-2.0)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define CLIENT_SHOWN	3		/* unexpected answers printed */

struct conn {
	int		 fd;
	GString		*in;		/* the answer being read */
	long		 req;		/* the request in hand, or -1 */
	size_t		 outoff;	/* of it, written */
	gint64		 start;
};

struct client {
	int		 port;
	char		*path;
	char		*basic;		/* "Basic ..." or NULL */
	char		*mailgun;	/* signing key or NULL */
	int		 nconns;
	long		 requests;
	long		 addresses;	/* @A@ is i modulo this */
	GPtrArray	*wire;		/* of GString *: each request, built */
	struct conn	*conns;
	long		 next, done, errors;
	gint64		 t0, t1;
	gint64		*latency;
};

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
client_die(const char *fmt, ...)
{
	va_list ap;

	fputs("http-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* s with every "from" replaced by "to". */
static void
replace(GString *s, const char *from, const char *to)
{
	g_string_replace(s, from, to, 0);
}

/* Fill in what Mailgun signs: its timestamp, a fresh token, the HMAC. */
static void
sign_mailgun(GString *body, const char *key, long i, const char *tag)
{
	g_autofree char *ts = g_strdup_printf("%ld", (long)time(NULL));
	g_autofree char *token = g_strdup_printf("%s%040ld", tag, i);
	g_autofree char *both = g_strconcat(ts, token, NULL);
	g_autofree char *mac = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	    (const guchar *)key, strlen(key), both, -1);

	replace(body, "@TIMESTAMP@", ts);
	replace(body, "@TOKEN@", token);
	replace(body, "@SIGNATURE@", mac);
}

static GString *
request_build(const struct client *c, const char *template, long i,
    const char *tag)
{
	GString *body = g_string_new(template), *req;
	g_autofree char *n = g_strdup_printf("%ld", i);
	g_autofree char *addr = g_strdup_printf("%ld", i % c->addresses);

	replace(body, "@N@", n);
	replace(body, "@A@", addr);
	replace(body, "@TAG@", tag);
	if (c->mailgun != NULL)
		sign_mailgun(body, c->mailgun, i, tag);
	req = g_string_new(NULL);
	g_string_printf(req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n",
	    c->path, c->port, body->len);
	if (c->basic != NULL)
		g_string_append_printf(req, "Authorization: %s\r\n", c->basic);
	g_string_append(req, "\r\n");
	g_string_append_len(req, body->str, (gssize)body->len);
	g_string_free(body, TRUE);
	return req;
}

static gint64
now_us(void)
{
	return g_get_monotonic_time();
}

static void
conn_next(struct client *c, struct conn *k)
{
	if (c->next >= c->requests) {
		k->req = -1;
		return;
	}
	k->req = c->next++;
	k->outoff = 0;
	k->start = now_us();
	g_string_truncate(k->in, 0);
}

/* Write what is left of the request in hand. */
static void
conn_write(struct client *c, struct conn *k)
{
	GString *r = c->wire->pdata[k->req];
	ssize_t n;

	while (k->outoff < r->len) {
		n = write(k->fd, r->str + k->outoff, r->len - k->outoff);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			client_die("write: %s", g_strerror(errno));
		k->outoff += (size_t)n;
	}
}

/* The whole answer is in: its status, or 0 if not yet. */
static int
conn_answer(struct conn *k)
{
	const char *end = strstr(k->in->str, "\r\n\r\n"), *cl;
	long len = 0;
	int status;

	if (end == NULL)
		return 0;
	cl = g_strstr_len(k->in->str, end - k->in->str, "Content-Length:");
	if (cl != NULL)
		len = strtol(cl + strlen("Content-Length:"), NULL, 10);
	if ((long)(k->in->len - (size_t)(end + 4 - k->in->str)) < len)
		return 0;
	if (sscanf(k->in->str, "HTTP/1.%*d %d", &status) != 1)
		client_die("not HTTP: %.40s", k->in->str);
	return status;
}

static void
conn_read(struct client *c, struct conn *k)
{
	char buf[8192];
	ssize_t n;
	int status;

	while ((n = read(k->fd, buf, sizeof buf)) > 0)
		g_string_append_len(k->in, buf, n);
	if (n == 0)
		client_die("connection closed by the server");
	if (n < 0 && errno != EAGAIN)
		client_die("read: %s", g_strerror(errno));
	if (k->req < 0 || (status = conn_answer(k)) == 0)
		return;
	c->latency[k->req] = now_us() - k->start;
	if (status != 200 && c->errors++ < CLIENT_SHOWN)
		fprintf(stderr, "http-client: request %ld: %d\n", k->req,
		    status);
	c->done++;
	conn_next(c, k);
	if (k->req >= 0)
		conn_write(c, k);
}

static int
conn_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		client_die("connect to port %d: %s", port, g_strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void
client_run(struct client *c)
{
	struct pollfd *pfd = g_new0(struct pollfd, c->nconns);
	int i;

	for (i = 0; i < c->nconns; i++) {
		c->conns[i].fd = conn_open(c->port);
		c->conns[i].in = g_string_new(NULL);
	}
	c->t0 = now_us();
	for (i = 0; i < c->nconns; i++) {
		conn_next(c, &c->conns[i]);
		if (c->conns[i].req >= 0)
			conn_write(c, &c->conns[i]);
	}
	while (c->done < c->requests) {
		for (i = 0; i < c->nconns; i++) {
			struct conn *k = &c->conns[i];
			GString *r = k->req >= 0 ? c->wire->pdata[k->req] : NULL;

			pfd[i].fd = k->fd;
			pfd[i].events = POLLIN |
			    (r != NULL && k->outoff < r->len ? POLLOUT : 0);
		}
		if (poll(pfd, (nfds_t)c->nconns, 60000) <= 0)
			client_die("no answer for 60 s");
		for (i = 0; i < c->nconns; i++) {
			if (pfd[i].revents & POLLOUT)
				conn_write(c, &c->conns[i]);
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(c, &c->conns[i]);
		}
	}
	c->t1 = now_us();
	g_free(pfd);
}

static int
latency_cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return (x > y) - (x < y);
}

static double
latency_ms(const struct client *c, double p)
{
	long i = (long)(p * (double)(c->requests - 1) + 0.5);

	return (double)c->latency[i] / 1000.0;
}

int
main(int argc, char **argv)
{
	struct client c = { .nconns = 1, .requests = 1000, .addresses = 4 };
	g_autofree char *template = NULL, *basic = NULL;
	char tag[64];
	double secs;
	long i;
	int a;

	for (a = 1; a < argc - 1 && strncmp(argv[a], "--", 2) == 0; a += 2) {
		if (strcmp(argv[a], "--port") == 0)
			c.port = atoi(argv[a + 1]);
		else if (strcmp(argv[a], "--path") == 0)
			c.path = argv[a + 1];
		else if (strcmp(argv[a], "--basic") == 0)
			basic = g_base64_encode((const guchar *)argv[a + 1],
			    strlen(argv[a + 1]));
		else if (strcmp(argv[a], "--mailgun") == 0)
			c.mailgun = argv[a + 1];
		else if (strcmp(argv[a], "--connections") == 0)
			c.nconns = atoi(argv[a + 1]);
		else if (strcmp(argv[a], "--requests") == 0)
			c.requests = atol(argv[a + 1]);
		else if (strcmp(argv[a], "--addresses") == 0)
			c.addresses = atol(argv[a + 1]);
		else
			client_die("unknown option %s", argv[a]);
	}
	if (a != argc - 1 || c.port <= 0 || c.path == NULL || c.nconns < 1 ||
	    c.requests < 1 || c.addresses < 1)
		client_die("usage: http-client --port P --path PATH [--basic "
		    "USER:PASSWORD | --mailgun KEY] --connections K "
		    "--requests N [--addresses A] TEMPLATE.json");
	if (!g_file_get_contents(argv[a], &template, NULL, NULL))
		client_die("cannot read %s", argv[a]);
	if (basic != NULL)
		c.basic = g_strconcat("Basic ", basic, NULL);
	snprintf(tag, sizeof tag, "b%ldt%ld", (long)getpid(), (long)time(NULL));
	c.wire = g_ptr_array_new();
	for (i = 0; i < c.requests; i++)
		g_ptr_array_add(c.wire, request_build(&c, template, i, tag));
	c.conns = g_new0(struct conn, c.nconns);
	c.latency = g_new0(gint64, c.requests);
	client_run(&c);
	secs = (double)(c.t1 - c.t0) / 1e6;
	qsort(c.latency, (size_t)c.requests, sizeof *c.latency, latency_cmp);
	printf("messages %ld sessions %d seconds %.2f rate %.0f p50_ms %.1f "
	    "p99_ms %.1f max_ms %.1f errors %ld\n", c.requests, c.nconns, secs,
	    (double)c.requests / (secs > 0 ? secs : 1e-9), latency_ms(&c, 0.5),
	    latency_ms(&c, 0.99), latency_ms(&c, 1.0), c.errors);
	return c.errors > 0;
}
