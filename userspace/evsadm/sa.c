// SPDX-License-Identifier: MIT
/* evsadm sa: add, update, del, get, show, flush ESP security associations. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/algo.h"
#include "lib/log.h"
#include "lib/secfile.h"
#include "evsadm/evsadm.h"

const char evsadm_sa_usage[] =
"Usage: evsadm sa add dev DEV dir {in|out} spi SPI src ADDR dst ADDR\n"
"                 { aead ALGO KEY ICVBITS | enc ALGO KEY auth ALGO KEY [trunc BITS] }\n"
"                 [encap espinudp SPORT DPORT] [replay-window N] [esn] [allow-weak]\n"
"                 [limit LIMIT N]... [conn ID] [oseq N (out)] [seq-hi N (in)]\n"
"       evsadm sa update dev DEV dir {in|out} spi SPI [src ADDR (in) | dst ADDR (out)]\n"
"                 [encap espinudp SPORT DPORT] [limit LIMIT N]...\n"
"       evsadm sa {del|get} dev DEV dir {in|out} spi SPI\n"
"       evsadm sa {show|flush} [dev DEV]\n"
"LIMIT := {bytes-soft|bytes-hard|packets-soft|packets-hard|time-soft|time-hard|\n"
"          use-soft|use-hard}   (time-*: seconds since add, use-*: since first use)\n"
"ALGO  := kernel crypto API name, as ip xfrm:\n"
"          aead: rfc4106(gcm(aes)) (KEY = key + 4-byte salt; ICVBITS 64, 96, 128),\n"
"                rfc7539esp(chacha20,poly1305) (ICVBITS 128)\n"
"          enc:  cbc(aes), cbc(des3_ede), cbc(des), ecb(cipher_null)\n"
"          auth: hmac(sha1), hmac(md5), hmac(sha256), hmac(sha384), hmac(sha512),\n"
"                digest_null\n"
"          cbc(des3_ede), cbc(des) and hmac(md5) need allow-weak.\n"
"KEY   := hex, 0x... (0x alone for the null algorithms), or @FILE: the key\n"
"          read from FILE, or @-: the next line of standard input (keys stay\n"
"          off the command line)\n"
"SPI   := decimal or 0x hex, 256 or more\n";


static const char *const op_names[] = {
	[EVSADM_OP_ADD] = "add", [EVSADM_OP_UPDATE] = "update", [EVSADM_OP_DEL] = "del",
	[EVSADM_OP_GET] = "get", [EVSADM_OP_SHOW] = "show", [EVSADM_OP_FLUSH] = "flush",
	[EVSADM_OP_ON] = "on", [EVSADM_OP_OFF] = "off",
};

static const char *const limit_words[] = {
	"bytes-soft", "bytes-hard", "packets-soft", "packets-hard",
	"time-soft", "time-hard", "use-soft", "use-hard", NULL
};

/* Keywords that only make sense for some verbs (bit per verb). */
#define V(op) (1u << (op))
#define V_ADD V(EVSADM_OP_ADD)
#define V_UPD V(EVSADM_OP_UPDATE)
#define V_KEY (V(EVSADM_OP_ADD) | V(EVSADM_OP_UPDATE) | V(EVSADM_OP_DEL) | V(EVSADM_OP_GET))
#define V_DEV (V_KEY | V(EVSADM_OP_SHOW) | V(EVSADM_OP_FLUSH))

static const struct {
	const char *word;
	unsigned int verbs;
} sa_keywords[] = {
	{ "dev", V_DEV }, { "dir", V_KEY }, { "spi", V_KEY }, { "src", V_ADD | V_UPD },
	{ "dst", V_ADD | V_UPD }, { "aead", V_ADD }, { "enc", V_ADD }, { "auth", V_ADD },
	{ "trunc", V_ADD }, { "encap", V_ADD | V_UPD }, { "replay-window", V_ADD },
	{ "esn", V_ADD }, { "allow-weak", V_ADD }, { "limit", V_ADD | V_UPD },
	{ "conn", V_ADD }, { "oseq", V_ADD }, { "seq-hi", V_ADD },
};

static int keyword_allowed(const char *word, enum evsadm_op op, struct evs_err *e)
{
	for (size_t i = 0; i < sizeof(sa_keywords) / sizeof(sa_keywords[0]); i++) {
		if (strcmp(word, sa_keywords[i].word))
			continue;
		if (sa_keywords[i].verbs & V(op))
			return 0;
		return evs_errf(e, "\"%s\" is not valid for \"sa %s\"", word, op_names[op]);
	}
	return evs_errf(e, "unknown keyword \"%s\"", word);
}

static int parse_algo(enum evs_algo_kind kind, const char *kw, struct evsadm_args *a,
		      const struct evs_algo **out, char *name, struct evs_err *e)
{
	const char *word = evsadm_arg_next(a);
	char list[256];

	if (!word)
		return evs_errf(e, "\"%s\" expects an algorithm (%s)", kw,
				evs_algo_list(kind, list, sizeof(list)));
	*out = evs_algo_find(kind, word);
	if (!*out)
		return evs_errf(e, "unknown %s algorithm \"%s\" (one of %s)", kw, word,
				evs_algo_list(kind, list, sizeof(list)));
	/* The kernel wants the canonical name, not our alias. */
	snprintf(name, EVS_ALGO_NAME_MAX, "%s", (*out)->name);
	return 0;
}

/* Room for "0x", the hex digits of the longest key and a line end. */
#define KEY_TEXT_MAX (2 + 2 * EVS_KEY_MAX + 2)

/* One line (without its end, surrounding blanks dropped) from fd, read a
 * byte at a time so that nothing past it is consumed or buffered. */
static int read_key_line(int fd, const char *from, char *out, size_t max,
			 struct evs_err *e)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return evs_errf(e, "%s: %s", from, strerror(errno));
		if (r == 0 || c == '\n')
			break;
		if (c == ' ' || c == '\t' || c == '\r')
			continue;
		if (n + 1 >= max)
			return evs_errf(e, "%s: key line longer than %zu characters", from,
					max - 2);
		out[n++] = c;
	}
	out[n] = '\0';
	if (!n)
		return evs_errf(e, "%s: no key", from);
	return 0;
}

/* The key text of @FILE or @- (stdin). */
static int key_text(const char *word, char *out, size_t max, struct evs_err *e)
{
	int fd, rc;

	if (!strcmp(word, "@-"))
		return read_key_line(0, "standard input", out, max, e);
	fd = open(word + 1, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return evs_errf(e, "%s: %s", word + 1, strerror(errno));
	if (evs_secret_file_vet(fd, word + 1, e)) {
		close(fd);
		return -1;
	}
	rc = read_key_line(fd, word + 1, out, max, e);
	close(fd);
	return rc;
}

static int parse_key(const struct evs_algo *algo, const char *kw, struct evsadm_args *a,
		     uint8_t *key, uint16_t *key_len, struct evs_err *e)
{
	char sizes[128], text[KEY_TEXT_MAX];
	const char *w = evsadm_arg_next(a);
	size_t len;
	int rc;

	if (w && w[0] == '@') {
		if (key_text(w, text, sizeof(text), e) < 0)
			return -1;
		w = text;
	}
	rc = evs_parse_hexkey(kw, w, key, EVS_KEY_MAX, &len, e);
	sodium_memzero(text, sizeof(text));
	if (rc)
		return -1;
	if (!evs_algo_key_ok(algo, len))
		return evs_errf(e, "\"%s\" key for %s must be %s, got %zu bits", kw, algo->name,
				evs_algo_key_sizes(algo, sizes, sizeof(sizes)), len * 8);
	*key_len = (uint16_t)len;
	return 0;
}

/* "aead", "enc" or "auth" ALGO KEY (and the attributes they set). */
static int parse_algo_key(enum evs_algo_kind kind, const char *kw, struct evsadm_args *a,
			  struct evs_sa_info *sa, unsigned int name_attr, unsigned int key_attr,
			  const struct evs_algo **algo, char *name, uint8_t *key,
			  uint16_t *key_len, struct evs_err *e)
{
	if (evsadm_once(&sa->has, name_attr, kw, e) ||
	    parse_algo(kind, kw, a, algo, name, e) ||
	    parse_key(*algo, kw, a, key, key_len, e))
		return -1;
	EVS_SET(sa, key_attr);
	return 0;
}

/* One keyword and its arguments. */
static int parse_one(const char *kw, struct evsadm_args *a, struct evsadm_sa_req *req,
		     const struct evs_algo **algo, struct evs_err *e)
{
	struct evs_sa_info *sa = &req->sa;

	if (keyword_allowed(kw, req->op, e))
		return -1;
	if (!strcmp(kw, "dev")) {
		if (evsadm_parse_dev(kw, a, req->dev, e))
			return -1;
	} else if (!strcmp(kw, "dir")) {
		if (evsadm_once(&sa->has, EVS_SA_A_DIR, kw, e) ||
		    evsadm_parse_dir(evsadm_arg_next(a), &sa->dir, e))
			return -1;
	} else if (!strcmp(kw, "spi")) {
		if (evsadm_once(&sa->has, EVS_SA_A_SPI, kw, e) ||
		    evsadm_parse_spi(kw, evsadm_arg_next(a), &sa->spi, e))
			return -1;
	} else if (!strcmp(kw, "src")) {
		if (evsadm_once(&sa->has, EVS_SA_A_SRC, kw, e) ||
		    evs_parse_addr(kw, evsadm_arg_next(a), 0, &sa->src, e))
			return -1;
	} else if (!strcmp(kw, "dst")) {
		if (evsadm_once(&sa->has, EVS_SA_A_DST, kw, e) ||
		    evs_parse_addr(kw, evsadm_arg_next(a), 0, &sa->dst, e))
			return -1;
	} else if (!strcmp(kw, "aead")) {
		const char *w;

		if (parse_algo_key(EVS_ALGO_AEAD, kw, a, sa, EVS_SA_A_AEAD_NAME,
				   EVS_SA_A_AEAD_KEY, &algo[0], sa->aead_name, sa->aead_key,
				   &sa->aead_key_len, e))
			return -1;
		w = evsadm_arg_next(a);
		if (evs_parse_u32("ICVBITS", w, 0, UINT32_MAX, &sa->aead_icv_bits, e))
			return -1;
		if (!evs_algo_icv_ok(algo[0], sa->aead_icv_bits)) {
			char list[64] = "";
			size_t off = 0;

			for (int i = 0; i < EVS_ALGO_MAX_SIZES && algo[0]->icv_bits[i]; i++)
				off += snprintf(list + off, sizeof(list) - off, "%s%u",
						i ? ", " : "", algo[0]->icv_bits[i]);
			return evs_errf(e, "ICVBITS for %s must be %s, got \"%s\"",
					algo[0]->name, list, w);
		}
		EVS_SET(sa, EVS_SA_A_AEAD_ICV_BITS);
	} else if (!strcmp(kw, "enc")) {
		return parse_algo_key(EVS_ALGO_ENC, kw, a, sa, EVS_SA_A_ENC_NAME, EVS_SA_A_ENC_KEY,
				      &algo[1], sa->enc_name, sa->enc_key, &sa->enc_key_len, e);
	} else if (!strcmp(kw, "auth")) {
		return parse_algo_key(EVS_ALGO_AUTH, kw, a, sa, EVS_SA_A_AUTH_NAME,
				      EVS_SA_A_AUTH_KEY, &algo[2], sa->auth_name, sa->auth_key,
				      &sa->auth_key_len, e);
	} else if (!strcmp(kw, "trunc")) {
		if (!algo[2])
			return evs_errf(e, "\"trunc\" must follow \"auth ALGO KEY\"");
		if (evsadm_once(&sa->has, EVS_SA_A_AUTH_TRUNC_BITS, kw, e) ||
		    evs_parse_u32(kw, evsadm_arg_next(a), 0, UINT32_MAX, &sa->auth_trunc_bits, e))
			return -1;
		if (!evs_algo_trunc_ok(algo[2], sa->auth_trunc_bits))
			return evs_errf(e, "\"trunc\" for %s must be a multiple of 32 from 32 to %u, got %u",
					algo[2]->name, algo[2]->icv_bits[1], sa->auth_trunc_bits);
	} else if (!strcmp(kw, "encap")) {
		const char *w = evsadm_arg_next(a);

		if (evsadm_once(&sa->has, EVS_SA_A_ENCAP_TYPE, kw, e))
			return -1;
		if (!w || strcmp(w, "espinudp"))
			return w ? evs_errf(e, "\"encap\" expects \"espinudp\", got \"%s\"", w) :
				   evs_errf(e, "\"encap\" expects \"espinudp\"");
		sa->encap_type = EVS_ENCAP_ESPINUDP;
		if (evs_parse_u16("SPORT", evsadm_arg_next(a), 1, UINT16_MAX, &sa->encap_sport, e) ||
		    evs_parse_u16("DPORT", evsadm_arg_next(a), 1, UINT16_MAX, &sa->encap_dport, e))
			return -1;
		EVS_SET(sa, EVS_SA_A_ENCAP_SPORT);
		EVS_SET(sa, EVS_SA_A_ENCAP_DPORT);
	} else if (!strcmp(kw, "replay-window")) {
		if (evsadm_once(&sa->has, EVS_SA_A_REPLAY_WINDOW, kw, e) ||
		    evs_parse_u32(kw, evsadm_arg_next(a), 0, 4096, &sa->replay_window, e))
			return -1;
	} else if (!strcmp(kw, "esn") || !strcmp(kw, "allow-weak")) {
		uint32_t flag = kw[0] == 'e' ? EVS_SA_F_ESN : EVS_SA_F_ALLOW_WEAK;

		if (sa->flags & flag)
			return evs_errf(e, "\"%s\" given twice", kw);
		sa->flags |= flag;
		EVS_SET(sa, EVS_SA_A_FLAGS);
	} else if (!strcmp(kw, "limit")) {
		const char *w = evsadm_arg_next(a);
		int i = w ? evs_match_word(w, limit_words) : -1;
		unsigned int type;

		if (i < 0 || strcmp(w, limit_words[i]))	/* exact words only */
			return w ? evs_errf(e, "\"limit\" expects bytes-soft, bytes-hard, packets-soft, packets-hard, time-soft, time-hard, use-soft or use-hard, got \"%s\"", w) :
				   evs_errf(e, "\"limit\" expects bytes-soft, bytes-hard, packets-soft, packets-hard, time-soft, time-hard, use-soft or use-hard");
		type = EVS_LFT_A_BYTES_SOFT + (unsigned int)i;
		if (evsadm_once(&sa->limits.has, type, w, e) ||
		    evs_parse_u64(w, evsadm_arg_next(a), 0, UINT64_MAX, &sa->limits.v[type], e))
			return -1;
		EVS_SET(sa, EVS_SA_A_LIMITS);
	} else if (!strcmp(kw, "conn")) {
		if (evsadm_once(&sa->has, EVS_SA_A_CONN_ID, kw, e) ||
		    evsadm_parse_conn_id(kw, evsadm_arg_next(a), &sa->conn_id, e))
			return -1;
	} else if (!strcmp(kw, "oseq")) {
		if (evsadm_once(&sa->has, EVS_SA_A_OSEQ, kw, e) ||
		    evs_parse_u64(kw, evsadm_arg_next(a), 0, UINT64_MAX, &sa->oseq, e))
			return -1;
	} else if (!strcmp(kw, "seq-hi")) {
		if (evsadm_once(&sa->has, EVS_SA_A_SEQ_HI, kw, e) ||
		    evs_parse_u64(kw, evsadm_arg_next(a), 0, UINT64_MAX, &sa->seq_hi, e))
			return -1;
	}
	return 0;
}

static int need(const struct evs_sa_info *sa, unsigned int attr, const char *what,
		struct evs_err *e)
{
	if (EVS_HAS(sa, attr))
		return 0;
	return evs_errf(e, "missing \"%s\"", what);
}

/* Cross-keyword rules, once everything is read. */
static int check(struct evsadm_sa_req *req, const struct evs_algo **algo, struct evs_err *e)
{
	struct evs_sa_info *sa = &req->sa;
	bool aead = EVS_HAS(sa, EVS_SA_A_AEAD_NAME);
	bool enc = EVS_HAS(sa, EVS_SA_A_ENC_NAME), auth = EVS_HAS(sa, EVS_SA_A_AUTH_NAME);

	if (req->op == EVSADM_OP_SHOW || req->op == EVSADM_OP_FLUSH)
		return 0;
	if (!req->dev[0])
		return evs_errf(e, "missing \"dev DEV\"");
	if (need(sa, EVS_SA_A_DIR, "dir in|out", e) || need(sa, EVS_SA_A_SPI, "spi SPI", e))
		return -1;
	if (req->op == EVSADM_OP_UPDATE) {
		if (!EVS_HAS(sa, EVS_SA_A_SRC) && !EVS_HAS(sa, EVS_SA_A_DST) &&
		    !EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE) && !EVS_HAS(sa, EVS_SA_A_LIMITS))
			return evs_errf(e, "nothing to update (give src, dst, encap or limit)");
		/* The peer is the destination of an outbound SA, the source of
		 * an inbound one; the other end is this host and stays. */
		if (EVS_HAS(sa, EVS_SA_A_SRC) && sa->dir == EVS_DIR_OUT)
			return evs_errf(e, "\"src\" of an outbound SA is this host; update the peer with \"dst\"");
		if (EVS_HAS(sa, EVS_SA_A_DST) && sa->dir == EVS_DIR_IN)
			return evs_errf(e, "\"dst\" of an inbound SA is this host; update the peer with \"src\"");
		return 0;
	}
	if (req->op != EVSADM_OP_ADD)
		return 0;
	if (need(sa, EVS_SA_A_SRC, "src ADDR", e) || need(sa, EVS_SA_A_DST, "dst ADDR", e))
		return -1;
	if (sa->src.family != sa->dst.family)
		return evs_errf(e, "\"src\" and \"dst\" must both be IPv4 or both IPv6");
	if (aead && (enc || auth))
		return evs_errf(e, "\"aead\" cannot be combined with \"%s\"", enc ? "enc" : "auth");
	if (!aead && !enc && !auth)
		return evs_errf(e, "missing algorithms: \"aead ALGO KEY ICVBITS\" or \"enc ALGO KEY auth ALGO KEY\"");
	if (enc && !auth)
		return evs_errf(e, "\"enc\" needs \"auth ALGO KEY\" too (ESP without integrity is refused)");
	if (auth && !enc)
		return evs_errf(e, "\"auth\" needs \"enc ALGO KEY\" too (\"enc ecb(cipher_null) 0x\" for none)");
	if (EVS_HAS(sa, EVS_SA_A_OSEQ) && sa->dir != EVS_DIR_OUT)
		return evs_errf(e, "\"oseq\" applies to \"dir out\" SAs only");
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI) && sa->dir != EVS_DIR_IN)
		return evs_errf(e, "\"seq-hi\" applies to \"dir in\" SAs only");
	(void)algo;
	return 0;
}

int evsadm_sa_parse(int argc, char **argv, struct evsadm_sa_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	const struct evs_algo *algo[3] = { NULL, NULL, NULL };	/* aead, enc, auth */
	const char *kw;

	if (evsadm_obj_start(&evsadm_sa_obj, &a, req, sizeof(*req), &req->op, e))
		return -1;
	while ((kw = evsadm_arg_next(&a)))
		if (parse_one(kw, &a, req, algo, e))
			goto fail;
	if (check(req, algo, e))
		goto fail;
	return 0;
fail:
	evs_sa_info_wipe(&req->sa);
	return -1;
}

struct nlmsghdr *evsadm_sa_build(const struct evsadm_sa_req *req, uint16_t family, void *buf)
{
	struct nlmsghdr *nlh = evsadm_obj_msg(&evsadm_sa_obj, req->op, family, buf,
					      req->op == EVSADM_OP_SHOW);

	/* No NLM_F_CREATE/EXCL: generic netlink's strict checking refuses
	 * them, and an add never replaces an SA anyway. */
	switch (req->op) {
	case EVSADM_OP_ADD:
	case EVSADM_OP_UPDATE:
	case EVSADM_OP_DEL:
	case EVSADM_OP_GET:
		evs_msg_put_sa(nlh, &req->sa);
		break;
	default:	/* show, flush: only the device, if any */
		evs_msg_put_dev(nlh, &req->sa.dev);
		break;
	}
	return nlh;
}

/*
 * The listing is built by hand, not with printf: a dump of 100,000 SAs
 * spent most of its time in vfprintf.  The text is the same.
 */
struct line {
	char b[2048];
	size_t n;
};

static void put_mem(struct line *l, const char *s, size_t len)
{
	if (len > sizeof(l->b) - l->n)
		len = sizeof(l->b) - l->n;
	memcpy(l->b + l->n, s, len);
	l->n += len;
}

static void put_s(struct line *l, const char *s)
{
	put_mem(l, s, strlen(s));
}

/* A string literal: its length is known at compile time. */
#define put_lit(l, s) put_mem(l, "" s, sizeof(s) - 1)

static void put_u(struct line *l, unsigned long long v)
{
	char d[24];
	size_t i = sizeof(d);

	d[--i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(l, d + i, sizeof(d) - 1 - i);
}

/* At least @width hex digits, as "%0*llx". */
static void put_x(struct line *l, unsigned long long v, unsigned int width)
{
	char d[24];
	size_t i = sizeof(d);

	d[--i] = '\0';
	do {
		d[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v || sizeof(d) - 1 - i < width);
	put_mem(l, d + i, sizeof(d) - 1 - i);
}

/* The literal @pre, the number, then the literal @post. */
#define put_num(l, pre, v, post) \
	do { put_lit(l, pre); put_u(l, v); put_lit(l, post); } while (0)

static void put_addr(struct line *l, const struct evs_inaddr *a)
{
	char buf[EVS_INADDR_STRLEN];

	if (a->family != AF_INET || a->plen != 32) {
		put_s(l, evs_inaddr_ntop(a, buf, sizeof(buf)));
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (i)
			put_lit(l, ".");
		put_u(l, a->a[i]);
	}
}

static void print_lft(struct line *l, const char *title, const struct evs_lft *lft)
{
	bool any = false;

	for (unsigned int t = 0; t <= EVS_LFT_A_MAX; t++) {
		const char *name = evs_lft_name(t);

		if (!name || !((lft->has >> t) & 1))
			continue;
		put_s(l, any ? " " : title);
		if (!any)
			put_lit(l, " ");
		put_s(l, name);
		put_lit(l, " ");
		put_u(l, lft->v[t]);
		any = true;
	}
	if (any)
		put_lit(l, "\n");
}

/* Close to `ip xfrm state`, but keys are never there to print. */
void evsadm_sa_print(FILE *f, const struct evs_sa_info *sa, int stats)
{
	char dev[IF_NAMESIZE + 8];
	struct line l = { .n = 0 };

	put_lit(&l, "src ");
	put_addr(&l, &sa->src);
	put_lit(&l, " dst ");
	put_addr(&l, &sa->dst);
	put_lit(&l, "\n\tdev ");
	put_s(&l, sa->dev.ifname[0] ? sa->dev.ifname : evsadm_ifname(sa->dev.ifindex, dev));
	put_lit(&l, " dir ");
	put_s(&l, evs_dir_name(sa->dir));
	put_lit(&l, " proto esp spi 0x");
	put_x(&l, sa->spi, 8);
	put_num(&l, " (", sa->spi, ")");
	if (EVS_HAS(sa, EVS_SA_A_REPLAY_WINDOW))
		put_num(&l, " replay-window ", sa->replay_window, "");
	if (sa->flags & EVS_SA_F_ESN)
		put_lit(&l, " flag esn");
	if (sa->flags & EVS_SA_F_ALLOW_WEAK)
		put_lit(&l, " flag allow-weak");
	put_lit(&l, "\n");
	if (EVS_HAS(sa, EVS_SA_A_AEAD_NAME)) {
		put_lit(&l, "\taead ");
		put_s(&l, sa->aead_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			put_num(&l, " key ", sa->key_bits, " bits");
		put_num(&l, " icv ", sa->aead_icv_bits, " bits\n");
	}
	if (EVS_HAS(sa, EVS_SA_A_ENC_NAME)) {
		put_lit(&l, "\tenc ");
		put_s(&l, sa->enc_name);
		if (EVS_HAS(sa, EVS_SA_A_KEY_BITS))
			put_num(&l, " key ", sa->key_bits, " bits");
		put_lit(&l, "\n");
	}
	if (EVS_HAS(sa, EVS_SA_A_AUTH_NAME)) {
		put_lit(&l, "\tauth ");
		put_s(&l, sa->auth_name);
		if (EVS_HAS(sa, EVS_SA_A_AUTH_KEY_BITS))
			put_num(&l, " key ", sa->auth_key_bits, " bits");
		if (EVS_HAS(sa, EVS_SA_A_AUTH_TRUNC_BITS))
			put_num(&l, " trunc ", sa->auth_trunc_bits, " bits");
		put_lit(&l, "\n");
	}
	if (EVS_HAS(sa, EVS_SA_A_ENCAP_TYPE) && sa->encap_type == EVS_ENCAP_ESPINUDP) {
		put_num(&l, "\tencap type espinudp sport ", sa->encap_sport, "");
		put_num(&l, " dport ", sa->encap_dport, "\n");
	}
	put_lit(&l, "\tstate ");
	put_s(&l, evs_sa_state_name(sa->state));
	if (sa->conn_id)
		put_num(&l, " conn ", sa->conn_id, "");
	if (EVS_HAS(sa, EVS_SA_A_OSEQ)) {
		put_lit(&l, " oseq 0x");
		put_x(&l, sa->oseq, 1);
	}
	if (EVS_HAS(sa, EVS_SA_A_SEQ_HI)) {
		put_lit(&l, " seq-hi 0x");
		put_x(&l, sa->seq_hi, 1);
	}
	put_lit(&l, "\n");
	if (EVS_HAS(sa, EVS_SA_A_LIMITS))
		print_lft(&l, "\tlimit", &sa->limits);
	if (stats && EVS_HAS(sa, EVS_SA_A_CURLFT))
		print_lft(&l, "\tcurrent", &sa->curlft);
	fwrite(l.b, 1, l.n, f);
	if (stats && EVS_HAS(sa, EVS_SA_A_STATS))
		evsadm_print_counters(f, &sa->stats, "\t");
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_sa_info sa;

	memset(&sa, 0, sizeof(sa));
	if (evs_msg_parse_sa(nlh, &sa))
		return MNL_CB_ERROR;
	if (evsadm_show_skip(sc, sa.dev.ifindex, 0))
		goto out;
	evsadm_dev_name(sc->ctx, &sa.dev);
	if (sc->json)
		evs_json_list_add_sa(sc->json, &sa, sc->ctx->opt.stats);
	else
		evsadm_sa_print(sc->ctx->out, &sa, sc->ctx->opt.stats);
out:
	evs_sa_info_wipe(&sa);
	return MNL_CB_OK;
}

/*
 * Keys on the command line are visible in /proc/PID/cmdline: blank them
 * as soon as they are parsed, so ps shows "0xxxxx..." for the rest of the
 * run.  (evsd never puts keys on a command line.)
 */
static void hide_keys(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *kw = argv[i - 2];

		if (strcmp(kw, "aead") && strcmp(kw, "enc") && strcmp(kw, "auth"))
			continue;
		if (argv[i][0] == '0' && (argv[i][1] == 'x' || argv[i][1] == 'X'))
			memset(argv[i] + 2, 'x', strlen(argv[i] + 2));
	}
}

static struct nlmsghdr *sa_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_sa_req *req = r;
	struct nlmsghdr *nlh = NULL;

	if (!evsadm_obj_dev(sc, req->dev, &req->sa.dev.ifindex, NULL, 0)) {
		/* `sa get` is one object, `sa show` a list. */
		sc->single = req->op == EVSADM_OP_GET;
		nlh = evsadm_sa_build(req, 0, buf);
		/* Counters and current lifetimes are shown with -s or -j only. */
		if (req->op == EVSADM_OP_SHOW && !sc->ctx->opt.stats && !sc->ctx->opt.json)
			mnl_attr_put(nlh, EVS_A_DUMP_BRIEF, 0, NULL);
	}
	/* The keys are in buf now (evsadm_obj_run wipes it); the request
	 * copy can go. */
	evs_sa_info_wipe(&req->sa);
	return nlh;
}

int evsadm_sa(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_sa_req req;
	struct evs_err e;
	bool bad = evsadm_sa_parse(argc - 1, argv + 1, &req, &e);

	hide_keys(argc, argv);
	return evsadm_obj_run(ctx, &evsadm_sa_obj, argc, argv, bad ? &e : NULL, req.op,
			      sa_msg, &req, sa_cb);
}
