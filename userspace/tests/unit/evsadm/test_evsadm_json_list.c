// SPDX-License-Identifier: MIT
/* evsadm -j listings, streamed (evs_json_list, evs_jsonw_sa): the bytes
 * must be those the whole json-c array printed, plain and pretty, for 0,
 * 1 and several objects, with and without counters, with names that need
 * escaping; and an SA's text is the one evsadm has always printed. */
#include <arpa/inet.h>

#include "tests/unit/unit.h"
#include "evsadm/evsadm.h"

#define N_SA 5

/* Names json-c escapes (quote, backslash, controls), one it keeps ('/',
 * NOSLASHESCAPE) and bytes it passes (UTF-8, DEL). */
static const char *const odd_names[N_SA] = {
	"rfc4106(gcm(aes))", "a\"b\\c/d", "tab\there\nnl\x01\x1f", "caf\xc3\xa9\x7f", "",
};

static void set_lft(struct evs_lft *l, unsigned int first, unsigned int step)
{
	for (unsigned int t = first; t <= EVS_LFT_A_MAX; t += step) {
		l->has |= 1ULL << t;
		l->v[t] = 1000ULL * t + 7;
	}
}

/* SA @i of a listing: each differs in which members it has, so every
 * member is written both first-after-something and absent somewhere. */
static void make_sa(struct evs_sa_info *sa, unsigned int i)
{
	memset(sa, 0, sizeof(*sa));
	snprintf(sa->dev.ifname, sizeof(sa->dev.ifname), "%s", i == 1 ? "e\"v/s" : "evs0");
	sa->dev.ifindex = i == 2 ? 0 : 7 + i;
	sa->has = 1ULL << EVS_SA_A_DIR | 1ULL << EVS_SA_A_SPI | 1ULL << EVS_SA_A_SRC |
		  1ULL << EVS_SA_A_DST | 1ULL << EVS_SA_A_STATE | 1ULL << EVS_SA_A_FLAGS;
	sa->dir = i & 1 ? EVS_DIR_IN : EVS_DIR_OUT;
	sa->spi = 0x1000 + i;
	sa->src.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", sa->src.a);
	sa->dst.family = i == 3 ? AF_INET6 : AF_INET;
	inet_pton(sa->dst.family, i == 3 ? "2001:db8::7" : "203.0.113.7", sa->dst.a);
	sa->state = (uint8_t)(i % 3);
	sa->flags = i == 0 ? EVS_SA_F_ESN | EVS_SA_F_ALLOW_WEAK : i == 1 ? EVS_SA_F_ESN : 0;
	sa->key_bits = 160;
	if (i % 2 == 0) {
		sa->has |= 1ULL << EVS_SA_A_AEAD_NAME | 1ULL << EVS_SA_A_KEY_BITS |
			   1ULL << EVS_SA_A_AEAD_ICV_BITS;
		snprintf(sa->aead_name, sizeof(sa->aead_name), "%s", odd_names[i]);
		sa->aead_icv_bits = 128;
	} else {
		sa->has |= 1ULL << EVS_SA_A_ENC_NAME | 1ULL << EVS_SA_A_AUTH_NAME |
			   1ULL << EVS_SA_A_AUTH_KEY_BITS | 1ULL << EVS_SA_A_AUTH_TRUNC_BITS;
		snprintf(sa->enc_name, sizeof(sa->enc_name), "%s", odd_names[i]);
		snprintf(sa->auth_name, sizeof(sa->auth_name), "hmac(%s)", odd_names[i]);
		sa->auth_key_bits = 256;
		sa->auth_trunc_bits = 128;
	}
	if (i != 2) {
		sa->has |= 1ULL << EVS_SA_A_ENCAP_TYPE | 1ULL << EVS_SA_A_ENCAP_SPORT |
			   1ULL << EVS_SA_A_ENCAP_DPORT | 1ULL << EVS_SA_A_REPLAY_WINDOW |
			   1ULL << EVS_SA_A_CONN_ID | 1ULL << EVS_SA_A_OSEQ | 1ULL << EVS_SA_A_SEQ_HI;
		sa->encap_type = i == 4 ? 9 : EVS_ENCAP_ESPINUDP;	/* 9: "unknown" */
		sa->encap_sport = 4500;
		sa->encap_dport = 4501;
		sa->replay_window = 64;
		sa->conn_id = 3;
		sa->oseq = UINT64_MAX;
		sa->seq_hi = 1;
	}
	/* Limits present but empty (i == 3): "{}", "{\n}" indented pretty. */
	sa->has |= 1ULL << EVS_SA_A_LIMITS | 1ULL << EVS_SA_A_CURLFT | 1ULL << EVS_SA_A_STATS;
	if (i != 3)
		set_lft(&sa->limits, i % 2, 2);
	set_lft(&sa->curlft, 0, 1 + i % 3);
	for (unsigned int t = 0; t <= EVS_STATS_A_MAX; t += 1 + i % 2) {
		sa->stats.has |= 1ULL << t;
		sa->stats.v[t] = 10ULL * t;
	}
}

/* What evsadm printed before streaming: the whole array built, then
 * printed (its one element alone when @single). */
static char *old_sa_listing(unsigned int n, bool pretty, bool single, bool stats)
{
	struct json_object *arr = json_object_new_array();
	struct evs_sa_info sa;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	for (unsigned int i = 0; i < n; i++) {
		make_sa(&sa, i);
		json_object_array_add(arr, evs_json_sa(&sa, stats));
	}
	evs_json_print(f, single && n == 1 ? json_object_array_get_idx(arr, 0) : arr, pretty);
	json_object_put(arr);
	fclose(f);
	return text;
}

static char *new_sa_listing(unsigned int n, bool pretty, bool single, bool stats)
{
	struct evs_json_list l;
	struct evs_sa_info sa;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	evs_json_list_start(&l, f, pretty, single);
	for (unsigned int i = 0; i < n; i++) {
		make_sa(&sa, i);
		evs_json_list_add_sa(&l, &sa, stats);
	}
	UNIT_ASSERT_EQ_INT(evs_json_list_end(&l), 0);
	fclose(f);
	return text;
}

static void expect_sa_listing(unsigned int n, bool pretty, bool single, bool stats)
{
	char *want = old_sa_listing(n, pretty, single, stats);
	char *got = new_sa_listing(n, pretty, single, stats);

	if (strcmp(got, want))
		UNIT_FAIL("%u SAs, pretty %d, single %d, stats %d:\n#  got  %s\n#  want %s",
			  n, pretty, single, stats, got, want);
	free(want);
	free(got);
}

UNIT_TEST(json_list_sa_bytes_as_whole_array)
{
	static const unsigned int counts[] = { 0, 1, 2, N_SA };

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
		for (int mode = 0; mode < 8; mode++)
			expect_sa_listing(counts[c], mode & 1, mode & 2, mode & 4);
}

/* Each SA's text as evsadm printed it when json-c built the object: the
 * format scripts read, pinned (SA i with counters when i is even). */
static const char *const sa_text_pinned[N_SA] = {
	/* SA 0, with counters */
	"{\"dev\":\"evs0\",\"ifindex\":7,\"dir\":\"out\",\"spi\":4096,"
	"\"src\":\"198.51.100.1/0\",\"dst\":\"203.0.113.7/0\","
	"\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key_bits\":160,\"icv_bits\":128},"
	"\"encap\":{\"type\":\"espinudp\",\"sport\":4500,\"dport\":4501},"
	"\"replay_window\":64,\"flags\":[\"esn\",\"allow-weak\"],\"conn\":3,"
	"\"state\":\"valid\",\"oseq\":18446744073709551615,\"seq_hi\":1,"
	"\"limits\":{\"bytes_soft\":2007,\"packets_soft\":4007,\"time_soft\":6007,"
	"\"use_soft\":8007,\"bytes\":10007,\"add_time\":12007},"
	"\"current\":{\"bytes_soft\":2007,\"bytes_hard\":3007,\"packets_soft\":4007,"
	"\"packets_hard\":5007,\"time_soft\":6007,\"time_hard\":7007,\"use_soft\":8007,"
	"\"use_hard\":9007,\"bytes\":10007,\"packets\":11007,\"add_time\":12007,"
	"\"use_time\":13007},\"stats\":{\"rx_packets\":20,\"rx_bytes\":30,"
	"\"tx_packets\":40,\"tx_bytes\":50,\"drop_no_sa\":60,\"drop_replay\":70,"
	"\"drop_auth\":80,\"drop_bad_len\":90,\"drop_policy\":100,\"drop_no_policy\":110,"
	"\"drop_expired\":120,\"drop_encap\":130,\"drop_cipher\":140,\"drop_other\":150,"
	"\"rx_dummy\":160}}",
	/* SA 1 */
	"{\"dev\":\"e\\\"v/s\",\"ifindex\":8,\"dir\":\"in\",\"spi\":4097,"
	"\"src\":\"198.51.100.1/0\",\"dst\":\"203.0.113.7/0\","
	"\"enc\":{\"name\":\"a\\\"b\\\\c/d\"},\"auth\":{\"name\":\"hmac(a\\\"b\\\\c/d)\","
	"\"key_bits\":256,\"trunc_bits\":128},\"encap\":{\"type\":\"espinudp\","
	"\"sport\":4500,\"dport\":4501},\"replay_window\":64,\"flags\":[\"esn\"],"
	"\"conn\":3,\"state\":\"soft-expired\",\"oseq\":18446744073709551615,"
	"\"seq_hi\":1,\"limits\":{\"bytes_hard\":3007,\"packets_hard\":5007,"
	"\"time_hard\":7007,\"use_hard\":9007,\"packets\":11007,\"use_time\":13007},"
	"\"current\":{\"bytes_soft\":2007,\"packets_soft\":4007,\"time_soft\":6007,"
	"\"use_soft\":8007,\"bytes\":10007,\"add_time\":12007}}",
	/* SA 2, with counters */
	"{\"dev\":\"evs0\",\"dir\":\"out\",\"spi\":4098,\"src\":\"198.51.100.1/0\","
	"\"dst\":\"203.0.113.7/0\",\"aead\":{\"name\":\"tab\\there\\nnl\\u0001\\u001f\","
	"\"key_bits\":160,\"icv_bits\":128},\"flags\":[],\"state\":\"dead\","
	"\"limits\":{\"bytes_soft\":2007,\"packets_soft\":4007,\"time_soft\":6007,"
	"\"use_soft\":8007,\"bytes\":10007,\"add_time\":12007},"
	"\"current\":{\"bytes_hard\":3007,\"time_soft\":6007,\"use_hard\":9007,"
	"\"add_time\":12007},\"stats\":{\"rx_packets\":20,\"rx_bytes\":30,"
	"\"tx_packets\":40,\"tx_bytes\":50,\"drop_no_sa\":60,\"drop_replay\":70,"
	"\"drop_auth\":80,\"drop_bad_len\":90,\"drop_policy\":100,\"drop_no_policy\":110,"
	"\"drop_expired\":120,\"drop_encap\":130,\"drop_cipher\":140,\"drop_other\":150,"
	"\"rx_dummy\":160}}",
	/* SA 3 */
	"{\"dev\":\"evs0\",\"ifindex\":10,\"dir\":\"in\",\"spi\":4099,"
	"\"src\":\"198.51.100.1/0\",\"dst\":\"2001:db8::7/0\","
	"\"enc\":{\"name\":\"caf\xc3""\xa9""\x7f""\"},"
	"\"auth\":{\"name\":\"hmac(caf\xc3""\xa9""\x7f"")\",\"key_bits\":256,"
	"\"trunc_bits\":128},\"encap\":{\"type\":\"espinudp\",\"sport\":4500,"
	"\"dport\":4501},\"replay_window\":64,\"flags\":[],\"conn\":3,"
	"\"state\":\"valid\",\"oseq\":18446744073709551615,\"seq_hi\":1,\"limits\":{},"
	"\"current\":{\"bytes_soft\":2007,\"bytes_hard\":3007,\"packets_soft\":4007,"
	"\"packets_hard\":5007,\"time_soft\":6007,\"time_hard\":7007,\"use_soft\":8007,"
	"\"use_hard\":9007,\"bytes\":10007,\"packets\":11007,\"add_time\":12007,"
	"\"use_time\":13007}}",
	/* SA 4, with counters */
	"{\"dev\":\"evs0\",\"ifindex\":11,\"dir\":\"out\",\"spi\":4100,"
	"\"src\":\"198.51.100.1/0\",\"dst\":\"203.0.113.7/0\",\"aead\":{\"name\":\"\","
	"\"key_bits\":160,\"icv_bits\":128},\"encap\":{\"type\":\"unknown\","
	"\"sport\":4500,\"dport\":4501},\"replay_window\":64,\"flags\":[],\"conn\":3,"
	"\"state\":\"soft-expired\",\"oseq\":18446744073709551615,\"seq_hi\":1,"
	"\"limits\":{\"bytes_soft\":2007,\"packets_soft\":4007,\"time_soft\":6007,"
	"\"use_soft\":8007,\"bytes\":10007,\"add_time\":12007},"
	"\"current\":{\"bytes_soft\":2007,\"packets_soft\":4007,\"time_soft\":6007,"
	"\"use_soft\":8007,\"bytes\":10007,\"add_time\":12007},"
	"\"stats\":{\"rx_packets\":20,\"rx_bytes\":30,\"tx_packets\":40,\"tx_bytes\":50,"
	"\"drop_no_sa\":60,\"drop_replay\":70,\"drop_auth\":80,\"drop_bad_len\":90,"
	"\"drop_policy\":100,\"drop_no_policy\":110,\"drop_expired\":120,"
	"\"drop_encap\":130,\"drop_cipher\":140,\"drop_other\":150,\"rx_dummy\":160}}",
};

UNIT_TEST(jsonw_sa_bytes_pinned)
{
	struct evs_sa_info sa;

	for (unsigned int i = 0; i < N_SA; i++) {
		struct jsonw w = { .keep_slash = true };
		size_t len;
		char *got;

		make_sa(&sa, i);
		evs_jsonw_sa(&w, &sa, i % 2 == 0);
		got = jsonw_finish(&w, &len);
		UNIT_ASSERT(got);
		UNIT_ASSERT_EQ_STR(got, sa_text_pinned[i]);
		free(got);
	}
}

/* The object is the text parsed (evs_json_sa): json-c must print back the
 * same bytes, or pretty listings, `sa get` and events would differ from
 * the plain listing.  SA by SA, so a difference is named here before it
 * is buried in a listing. */
UNIT_TEST(jsonw_sa_bytes_as_json_c)
{
	struct evs_sa_info sa;

	for (unsigned int i = 0; i < N_SA; i++) {
		for (int stats = 0; stats < 2; stats++) {
			struct jsonw w = { .keep_slash = true };
			struct json_object *o;
			size_t len;
			char *got;

			make_sa(&sa, i);
			o = evs_json_sa(&sa, stats);
			evs_jsonw_sa(&w, &sa, stats);
			got = jsonw_finish(&w, &len);
			UNIT_ASSERT(got);
			UNIT_ASSERT_EQ_STR(got, json_object_to_json_string_ext(o,
				JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
			UNIT_ASSERT_EQ_INT(len, strlen(got));
			free(got);
			json_object_put(o);
		}
	}
}

/* Objects other listings print (policy, link, ...) go through json-c one
 * by one: nested empty objects and arrays are where pretty indentation
 * differs by depth. */
static struct json_object *make_obj(unsigned int i)
{
	struct json_object *o = json_object_new_object();
	struct json_object *inner = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	evs_json_add_u64(o, "id", i);
	evs_json_add_str(o, "label", odd_names[i % N_SA]);
	if (i % 2)
		evs_json_add_bool(o, "enabled", true);
	if (i % 3 == 0)
		json_object_array_add(arr, json_object_new_object());
	json_object_object_add(o, "empty", json_object_new_object());
	json_object_object_add(o, "list", arr);
	json_object_object_add(inner, "deep", json_object_new_array());
	json_object_object_add(o, "inner", inner);
	return o;
}

static char *list_of_objects(unsigned int n, bool pretty, bool single, bool whole)
{
	struct json_object *arr = json_object_new_array();
	struct evs_json_list l;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	evs_json_list_start(&l, f, pretty, single);
	for (unsigned int i = 0; i < n; i++) {
		if (whole)
			json_object_array_add(arr, make_obj(i));
		else
			evs_json_list_add(&l, make_obj(i));
	}
	if (whole)
		evs_json_print(f, single && n == 1 ? json_object_array_get_idx(arr, 0) : arr,
			       pretty);
	else
		UNIT_ASSERT_EQ_INT(evs_json_list_end(&l), 0);
	if (whole)
		evs_json_list_abort(&l);
	json_object_put(arr);
	fclose(f);
	return text;
}

UNIT_TEST(json_list_objects_bytes_as_whole_array)
{
	for (unsigned int n = 0; n <= 4; n++) {
		for (int mode = 0; mode < 4; mode++) {
			char *want = list_of_objects(n, mode & 1, mode & 2, true);
			char *got = list_of_objects(n, mode & 1, mode & 2, false);

			if (strcmp(got, want))
				UNIT_FAIL("%u objects, mode %d:\n#  got  %s\n#  want %s", n, mode,
					  got, want);
			free(want);
			free(got);
		}
	}
}

/* A request that fails prints nothing before the first object, and after
 * it leaves the array unclosed: never a listing that looks complete. */
UNIT_TEST(json_list_abort_prints_nothing_more)
{
	struct evs_json_list l;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	evs_json_list_start(&l, f, false, false);
	evs_json_list_abort(&l);
	fflush(f);
	UNIT_ASSERT_EQ_INT(len, 0);
	evs_json_list_start(&l, f, false, false);
	evs_json_list_add(&l, make_obj(1));
	evs_json_list_abort(&l);
	fclose(f);
	UNIT_ASSERT(text[0] == '[' && text[strlen(text) - 1] == '}');
	free(text);

	/* A lone element held for `get` is not printed at all. */
	text = NULL;
	f = open_memstream(&text, &len);
	evs_json_list_start(&l, f, true, true);
	evs_json_list_add(&l, make_obj(1));
	evs_json_list_abort(&l);
	fclose(f);
	UNIT_ASSERT_EQ_INT(len, 0);
	free(text);
}

/* Out of memory for an object (NULL) fails the listing, and the end
 * says so rather than close an array that lacks it. */
UNIT_TEST(json_list_failure_sticks)
{
	struct evs_json_list l;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	evs_json_list_start(&l, f, false, false);
	evs_json_list_add(&l, make_obj(0));
	UNIT_ASSERT_EQ_INT(evs_json_list_add(&l, NULL), -1);
	UNIT_ASSERT_EQ_INT(evs_json_list_add(&l, make_obj(2)), -1);
	UNIT_ASSERT_EQ_INT(evs_json_list_end(&l), -1);
	fclose(f);
	UNIT_ASSERT(text[0] == '[' && text[strlen(text) - 1] == '}');
	free(text);
}

UNIT_MAIN()
