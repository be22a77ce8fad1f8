/*
 * lmtp-client: send distinct real bounces over LMTP on S concurrent
 * sessions and time them (used by bench/lmtp.sh).  One process, one
 * thread: the sessions are multiplexed with poll(), so the client takes
 * little of the CPU the server under test needs.
 *
 * Message i is sample i mod (number of samples) with "X-Bench: TAG-i" as
 * its first line, so no two messages of a run have the same bytes (TAG is
 * the pid and time: other runs differ too).  The samples are read, given
 * CRLF line ends and dot-stuffed before the clock starts.  Each session
 * connects, reads the greeting and says LHLO; once every session has,
 * the clock starts and each session takes the next message not yet sent,
 * until N have been: MAIL FROM:<>, one RCPT TO per --rcpt, DATA (the
 * three in one write when the server offers PIPELINING, RFC 2920, as
 * Postfix's LMTP client sends them; else one at a time), then, after the
 * 354, the text and its final dot, and one reply per accepted recipient
 * (RFC 2033).  The connection stays open from one message to the next and
 * ends with QUIT.  A message's latency runs from writing its MAIL command
 * to reading the last reply after its final dot.
 *
 * Prints one line:
 *   messages N sessions S seconds T rate R p50_ms A p99_ms B max_ms C errors E [rss_max_kb K]
 * The rate is N over the time from the start to the last message's last
 * reply.  --watch PID samples VmRSS of that process every 50 ms meanwhile.
 * E counts the replies that were not the expected one (250, 354 to DATA,
 * 221 to QUIT), the first few printed on stderr; the exit status is then 1.
 * A connection that fails or closes early ends the run with status 1.
 *
 * Usage: lmtp-client {--socket PATH | --tcp HOST:PORT} --rcpt ADDR...
 *            --sessions S --messages N [--watch PID] [--no-pipelining]
 *            SAMPLE.eml...
 * Build: cc -O2 -o lmtp-client lmtp-client.c $(pkg-config --cflags --libs glib-2.0)
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define CLIENT_INPUT	8192		/* a reply line must fit */
#define CLIENT_SHOWN	3		/* unexpected replies printed */
#define CLIENT_WATCH_US	50000		/* between VmRSS samples */

enum session_state {
	S_GREETING,	/* connected, waiting for 220 */
	S_LHLO,		/* waiting for LHLO's 250 */
	S_READY,	/* waiting for the clock to start */
	S_ENVELOPE,	/* MAIL, RCPT..., DATA sent (or being sent) */
	S_TEXT,		/* text sent, one reply per accepted recipient due */
	S_RSET,		/* the envelope failed: RSET sent */
	S_QUIT,		/* QUIT sent */
	S_DONE		/* closed */
};

struct session {
	int		 id;
	int		 fd;
	enum session_state state;
	int		 pipelining;	/* offered in the LHLO reply */
	char		 in[CLIENT_INPUT];
	size_t		 inlen;
	GString		*reply;		/* the reply being read, all its lines */
	GString		*out;		/* not yet written */
	size_t		 outoff;
	long		 msg;		/* the message in hand */
	gint64		 start;		/* when its MAIL was written */
	guint		 sent;		/* envelope commands written */
	guint		 answered;	/* and answered */
	guint		 accepted;	/* recipients that got 250 */
	int		 data_ok;	/* DATA got 354 */
};

/* The run: what to send, where, and what came back. */
struct client {
	char		*socket_path;
	char		*tcp;
	char	       **rcpts;
	guint		 nrcpts;
	int		 nsessions;
	long		 messages;
	int		 watch;
	int		 no_pipelining;
	GPtrArray	*samples;	/* of GString *, on the wire already */
	char		 tag[64];
	struct session	*sessions;
	long		 next;		/* the next message to send */
	long		 done;		/* messages answered */
	int		 ready;		/* sessions past LHLO */
	int		 open;		/* sessions not yet closed */
	gint64		 t0, t1;
	gint64		*latency;	/* microseconds, per message */
	long		 errors;
	long		 rss_max;
	gint64		 watched;	/* last VmRSS sample */
};

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
client_die(const char *fmt, ...)
{
	va_list ap;

	fputs("lmtp-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * A sample as it goes on the wire: without a byte-order mark or an mbox
 * "From " line, every line end CRLF, lines starting with a dot doubled
 * (RFC 5321 4.5.2), ending in a line end.
 */
static GString *
sample_load(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *p, *end;
	GString *wire;
	gsize len;
	int bol = 1;

	if (!g_file_get_contents(path, &text, &len, &error))
		client_die("%s", error->message);
	p = text;
	end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (end - p >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', end - p);

		p = nl != NULL ? nl + 1 : end;
	}
	wire = g_string_sized_new(len + len / 32 + 2);
	for (; p < end; p++) {
		if (bol && *p == '.')
			g_string_append_c(wire, '.');
		bol = *p == '\n' || *p == '\r';
		if (*p == '\r' && p + 1 < end && p[1] == '\n')
			continue;	/* the \n that follows ends the line */
		if (bol)
			g_string_append(wire, "\r\n");
		else
			g_string_append_c(wire, *p);
	}
	if (!bol)
		g_string_append(wire, "\r\n");
	return wire;
}

static void
sample_free(gpointer sample)
{
	g_string_free(sample, TRUE);
}

/* Write what can be written now; poll() says when to go on. */
static void
session_flush(struct session *s)
{
	ssize_t n;

	while (s->outoff < s->out->len) {
		n = write(s->fd, s->out->str + s->outoff,
		    s->out->len - s->outoff);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			client_die("session %d: write: %s", s->id,
			    g_strerror(errno));
		s->outoff += n;
	}
	g_string_truncate(s->out, 0);
	s->outoff = 0;
}

static void G_GNUC_PRINTF(2, 3)
session_send(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
	session_flush(s);
}

/* Envelope command k: MAIL, then a RCPT per recipient, then DATA. */
static void
envelope_command(struct client *c, struct session *s, guint k)
{
	if (k == 0)
		g_string_append(s->out, "MAIL FROM:<>\r\n");
	else if (k <= c->nrcpts)
		g_string_append_printf(s->out, "RCPT TO:<%s>\r\n",
		    c->rcpts[k - 1]);
	else
		g_string_append(s->out, "DATA\r\n");
	s->sent++;
}

static guint
envelope_length(const struct client *c)
{
	return c->nrcpts + 2;
}

/* The next message, or QUIT when all are taken. */
static void
session_next(struct client *c, struct session *s)
{
	if (c->next >= c->messages) {
		s->state = S_QUIT;
		session_send(s, "QUIT\r\n");
		return;
	}
	s->msg = c->next++;
	s->state = S_ENVELOPE;
	s->sent = s->answered = s->accepted = 0;
	s->data_ok = 0;
	s->start = g_get_monotonic_time();
	do
		envelope_command(c, s, s->sent);
	while (s->pipelining && s->sent < envelope_length(c));
	session_flush(s);
}

/* A message is over, answered or not. */
static void
session_finish(struct client *c, struct session *s)
{
	gint64 now = g_get_monotonic_time();

	c->latency[s->msg] = now - s->start;
	c->done++;
	if (now > c->t1)
		c->t1 = now;
	session_next(c, s);
}

static void
client_unexpected(struct client *c, struct session *s, const char *what)
{
	if (++c->errors <= CLIENT_SHOWN)
		fprintf(stderr, "session %d: %s: %s", s->id, what, s->reply->str);
}

/* Every session has said LHLO: start the clock, and every session. */
static void
client_start(struct client *c)
{
	int i;

	c->t0 = c->t1 = g_get_monotonic_time();
	for (i = 0; i < c->nsessions; i++)
		session_next(c, &c->sessions[i]);
}

/* The LHLO reply: a line "250-PIPELINING" or "250 PIPELINING". */
static int
reply_offers(const GString *reply, const char *keyword)
{
	g_auto(GStrv) lines = g_strsplit(reply->str, "\n", -1);
	size_t i, klen = strlen(keyword);

	for (i = 0; lines[i] != NULL; i++) {
		const char *w = lines[i];

		if (strlen(w) >= 4 + klen &&
		    g_ascii_strncasecmp(w + 4, keyword, klen) == 0 &&
		    (w[4 + klen] == '\r' || w[4 + klen] == ' ' ||
		    w[4 + klen] == '\0'))
			return 1;
	}
	return 0;
}

static void
session_greeting(struct session *s, int code)
{
	if (code != 220)
		client_die("session %d: greeting: %s", s->id, s->reply->str);
	s->state = S_LHLO;
	session_send(s, "LHLO bench.test\r\n");
}

static void
session_lhlo(struct client *c, struct session *s, int code)
{
	if (code != 250)
		client_die("session %d: LHLO: %s", s->id, s->reply->str);
	s->pipelining = !c->no_pipelining && reply_offers(s->reply, "PIPELINING");
	s->state = S_READY;
	if (++c->ready == c->nsessions)
		client_start(c);
}

/* After the 354: the text, its X-Bench line first, and the final dot. */
static void
session_text_send(struct client *c, struct session *s)
{
	const GString *sample = g_ptr_array_index(c->samples,
	    s->msg % c->samples->len);

	s->state = S_TEXT;
	/* A 354 with no recipient accepted is the server's error: one reply. */
	s->accepted = MAX(s->accepted, 1);
	g_string_append_printf(s->out, "X-Bench: %s-%ld\r\n", c->tag, s->msg);
	g_string_append_len(s->out, sample->str, sample->len);
	session_send(s, ".\r\n");
}

/*
 * A reply to MAIL, a RCPT or DATA.  Without PIPELINING the next command
 * goes once this one is answered, unless the transaction cannot go on.
 */
static void
session_envelope(struct client *c, struct session *s, int code)
{
	guint k = s->answered++;
	int is_data = k == envelope_length(c) - 1;

	if (is_data ? code != 354 : code != 250)
		client_unexpected(c, s, k == 0 ? "MAIL" : is_data ? "DATA" : "RCPT");
	else if (is_data)
		s->data_ok = 1;
	else if (k > 0)
		s->accepted++;
	if (s->answered < s->sent)
		return;
	if (s->sent < envelope_length(c) && (k > 0 || code == 250) &&
	    (s->sent < envelope_length(c) - 1 || s->accepted > 0)) {
		envelope_command(c, s, s->sent);
		session_flush(s);
		return;
	}
	if (s->data_ok)
		session_text_send(c, s);
	else {
		s->state = S_RSET;
		session_send(s, "RSET\r\n");
	}
}

/* One reply per accepted recipient after the final dot. */
static void
session_text(struct client *c, struct session *s, int code)
{
	if (code != 250)
		client_unexpected(c, s, "final dot");
	if (--s->accepted == 0)
		session_finish(c, s);
}

static void
session_close(struct client *c, struct session *s)
{
	close(s->fd);
	s->fd = -1;
	s->state = S_DONE;
	c->open--;
}

/* A whole reply has been read: its code decides what comes next. */
static void
session_reply(struct client *c, struct session *s, int code)
{
	switch (s->state) {
	case S_GREETING:
		session_greeting(s, code);
		break;
	case S_LHLO:
		session_lhlo(c, s, code);
		break;
	case S_ENVELOPE:
		session_envelope(c, s, code);
		break;
	case S_TEXT:
		session_text(c, s, code);
		break;
	case S_RSET:
		if (code != 250)
			client_unexpected(c, s, "RSET");
		session_finish(c, s);
		break;
	case S_QUIT:
		if (code != 221)
			client_unexpected(c, s, "QUIT");
		session_close(c, s);
		break;
	default:
		client_die("session %d: a reply out of turn: %s", s->id,
		    s->reply->str);
	}
}

/* Take the complete replies in the input; a reply's last line is "NNN ". */
static void
session_parse(struct client *c, struct session *s)
{
	char *p = s->in, *end = s->in + s->inlen, *nl;
	size_t len;

	while (s->fd >= 0 && (nl = memchr(p, '\n', end - p)) != NULL) {
		len = nl + 1 - p;
		g_string_append_len(s->reply, p, len);
		if (len < 5 || p[3] != '-') {
			if (!g_ascii_isdigit(p[0]) || !g_ascii_isdigit(p[1]) ||
			    !g_ascii_isdigit(p[2]))
				client_die("session %d: not a reply: %s", s->id,
				    s->reply->str);
			session_reply(c, s, (p[0] - '0') * 100 +
			    (p[1] - '0') * 10 + (p[2] - '0'));
			g_string_truncate(s->reply, 0);
		}
		p = nl + 1;
	}
	s->inlen = end - p;
	memmove(s->in, p, s->inlen);
	if (s->inlen == sizeof s->in)
		client_die("session %d: a reply line over %zu bytes", s->id,
		    sizeof s->in);
}

static void
session_input(struct client *c, struct session *s)
{
	ssize_t n = read(s->fd, s->in + s->inlen, sizeof s->in - s->inlen);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		client_die("session %d: read: %s", s->id, g_strerror(errno));
	if (n == 0)
		client_die("session %d: connection closed by the server",
		    s->id);
	s->inlen += n;
	session_parse(c, s);
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof sun.sun_path)
		client_die("%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		client_die("socket: %s", g_strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0)
		client_die("%s: %s", path, g_strerror(errno));
	return fd;
}

/* HOST:PORT, or [HOST]:PORT for an IPv6 address. */
static int
connect_tcp(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	g_autofree char *host = g_strdup(spec);
	char *port = strrchr(host, ':');
	int fd = -1, one = 1, err;

	if (port == NULL)
		client_die("%s: not HOST:PORT", spec);
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((err = getaddrinfo(host, port, &hints, &res)) != 0)
		client_die("%s: %s", spec, gai_strerror(err));
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		client_die("%s: %s", spec, g_strerror(errno));
	/* Commands are small writes: Nagle would hold them back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static void
session_open(struct client *c, struct session *s, int id)
{
	s->id = id;
	s->fd = c->socket_path ? connect_unix(c->socket_path) :
	    connect_tcp(c->tcp);
	if (fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK) < 0)
		client_die("fcntl: %s", g_strerror(errno));
	s->state = S_GREETING;
	s->reply = g_string_new(NULL);
	s->out = g_string_sized_new(16384);
	c->open++;
}

/* VmRSS of the watched process, the highest seen. */
static void
client_watch(struct client *c)
{
	char path[64], line[256];
	long kb;
	FILE *f;

	c->watched = g_get_monotonic_time();
	snprintf(path, sizeof path, "/proc/%d/status", c->watch);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1 && kb > c->rss_max)
			c->rss_max = kb;
	fclose(f);
}

/* poll() until every session has said QUIT and been answered. */
static void
client_run(struct client *c)
{
	struct pollfd *pfd = g_new(struct pollfd, c->nsessions);
	int i, timeout;

	while (c->open > 0) {
		for (i = 0; i < c->nsessions; i++) {
			struct session *s = &c->sessions[i];

			pfd[i].fd = s->fd;
			pfd[i].events = POLLIN | (s->out->len > 0 ? POLLOUT : 0);
			pfd[i].revents = 0;
		}
		timeout = -1;
		if (c->watch > 0) {
			gint64 due = c->watched + CLIENT_WATCH_US -
			    g_get_monotonic_time();

			timeout = due > 0 ? (int)(due / 1000) + 1 : 0;
		}
		if (poll(pfd, c->nsessions, timeout) < 0 && errno != EINTR)
			client_die("poll: %s", g_strerror(errno));
		for (i = 0; i < c->nsessions; i++) {
			struct session *s = &c->sessions[i];

			if (s->fd >= 0 && (pfd[i].revents & POLLOUT))
				session_flush(s);
			if (s->fd >= 0 &&
			    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				session_input(c, s);
		}
		if (c->watch > 0 &&
		    g_get_monotonic_time() - c->watched >= CLIENT_WATCH_US)
			client_watch(c);
	}
	g_free(pfd);
}

static int
latency_cmp(const void *a, const void *b)
{
	gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

	return x < y ? -1 : x > y;
}

/* The latency at fraction p of the sorted list, in milliseconds. */
static double
latency_ms(const struct client *c, double p)
{
	return c->latency[(long)(p * (c->messages - 1) + 0.5)] / 1000.0;
}

static void
client_report(struct client *c)
{
	double secs = (c->t1 - c->t0) / 1e6;
	char rss[48] = "";

	if (secs <= 0)
		secs = 1e-6;
	qsort(c->latency, c->messages, sizeof *c->latency, latency_cmp);
	if (c->watch > 0)
		snprintf(rss, sizeof rss, " rss_max_kb %ld", c->rss_max);
	printf("messages %ld sessions %d seconds %.3f rate %.0f p50_ms %.2f "
	    "p99_ms %.2f max_ms %.2f errors %ld%s\n", c->messages,
	    c->nsessions, secs, c->messages / secs, latency_ms(c, 0.5),
	    latency_ms(c, 0.99), latency_ms(c, 1), c->errors, rss);
}

static void
client_options(struct client *c, int *argc, char ***argv)
{
	gint64 messages = 100;
	GOptionEntry entries[] = {
		{ "socket", 0, 0, G_OPTION_ARG_FILENAME, &c->socket_path,
		    "the server's unix socket", "PATH" },
		{ "tcp", 0, 0, G_OPTION_ARG_STRING, &c->tcp,
		    "or its TCP address", "HOST:PORT" },
		{ "rcpt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &c->rcpts,
		    "a recipient of every message (one or more)", "ADDR" },
		{ "sessions", 0, 0, G_OPTION_ARG_INT, &c->nsessions,
		    "concurrent sessions (1)", "S" },
		{ "messages", 0, 0, G_OPTION_ARG_INT64, &messages,
		    "messages in all (100)", "N" },
		{ "watch", 0, 0, G_OPTION_ARG_INT, &c->watch,
		    "sample this process's VmRSS every 50 ms", "PID" },
		{ "no-pipelining", 0, 0, G_OPTION_ARG_NONE, &c->no_pipelining,
		    "one command at a time even if PIPELINING is offered", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("SAMPLE.eml...");
	g_autoptr(GError) error = NULL;

	c->nsessions = 1;
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &error))
		client_die("%s", error->message);
	if ((c->socket_path == NULL) == (c->tcp == NULL) || c->rcpts == NULL ||
	    *argc < 2 || c->nsessions < 1 || messages < 1)
		client_die("usage: lmtp-client {--socket PATH | --tcp HOST:PORT} "
		    "--rcpt ADDR... --sessions S --messages N [--watch PID] "
		    "[--no-pipelining] SAMPLE.eml...");
	c->messages = messages;
	c->nrcpts = g_strv_length(c->rcpts);
	if (c->nsessions > c->messages)
		c->nsessions = c->messages;
}

int
main(int argc, char **argv)
{
	struct client c = { 0 };
	int i;

	client_options(&c, &argc, &argv);
	signal(SIGPIPE, SIG_IGN);	/* a closed connection: EPIPE */
	c.samples = g_ptr_array_new_with_free_func(sample_free);
	for (i = 1; i < argc; i++)
		g_ptr_array_add(c.samples, sample_load(argv[i]));
	snprintf(c.tag, sizeof c.tag, "%ld-%ld", (long)getpid(),
	    (long)time(NULL));
	c.latency = g_new0(gint64, c.messages);
	c.sessions = g_new0(struct session, c.nsessions);
	for (i = 0; i < c.nsessions; i++)
		session_open(&c, &c.sessions[i], i);
	if (c.watch > 0)
		client_watch(&c);
	client_run(&c);
	if (c.done != c.messages)
		client_die("%ld of %ld messages answered", c.done, c.messages);
	client_report(&c);
	for (i = 0; i < c.nsessions; i++) {
		g_string_free(c.sessions[i].reply, TRUE);
		g_string_free(c.sessions[i].out, TRUE);
	}
	g_free(c.sessions);
	g_free(c.latency);
	g_ptr_array_unref(c.samples);
	g_strfreev(c.rcpts);
	g_free(c.socket_path);
	g_free(c.tcp);
	return c.errors > 0;
}
