/* sekimori card enroll | list | revoke | dispose (issue 4). The card is in a reader of the
 * machine the CLI runs on; its certificate is read WITHOUT the PIN (JPKI EF 000A, PIV 9A/9E)
 * and the broker decides: chain to the configured anchors, one certificate one person ever
 * (R-CARD-1), a new card revokes the old one as replaced (R-CARD-4). Revocation stops every
 * login with the card at once (R-CARD-3); collection and destruction of a revoked card are
 * recorded (R-CARD-4, R-LIFE-5). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sc_jpki.h"
#include "sc_pcsc.h"
#include "sc_piv.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "skc_card.h"

#define CARD_HASH_HEX 64
#define CARD_NOTE_MAX 255       /* the broker keeps 255 bytes of a disposal note */

struct card_read {
	unsigned kind;          /* enum sk_card_kind */
	uint8_t cert[SC_JPKI_CERT_MAX > SC_PIV_CERT_MAX ? SC_JPKI_CERT_MAX : SC_PIV_CERT_MAX];
	size_t cert_len;
	char reader[SC_READER_NAME_MAX];
	/* The rest of the card, so that the broker binds the card and not one key (R-CARD-1):
	 * its identity (PIV CHUID) and its other certificate (PIV 9E next to 9A, or 9A). */
	char uid[SC_CARD_UID_MAX];
	uint8_t other[SC_PIV_CERT_MAX];
	size_t other_len;
};

static int
parse_kind(const char *s, unsigned *kind)
{
	if (s == NULL)
		*kind = 0;   /* what the card holds: JPKI first, else PIV 9A */
	else if (strcmp(s, "jpki") == 0)
		*kind = SK_CARD_JPKI;
	else if (strcmp(s, "piv") == 0)
		*kind = SK_CARD_PIV_AUTH;
	else if (strcmp(s, "piv-card") == 0)
		*kind = SK_CARD_PIV_CARD;
	else
		return -1;
	return 0;
}

/* The certificate from the card's application, inside one transaction; no PIN is sent. */
static int
read_cert(struct sc_card *card, struct card_read *out)
{
	int r = SK_ERR_NOTFOUND;

	if (out->kind == 0 || out->kind == SK_CARD_JPKI) {
		r = sc_jpki_select(card);
		if (r == SK_OK) {
			out->kind = SK_CARD_JPKI;
			return sc_jpki_read_auth_cert(card, out->cert, sizeof(out->cert),
			                              &out->cert_len);
		}
		if (r != SK_ERR_NOTFOUND || out->kind == SK_CARD_JPKI)
			return r;
	}
	r = sc_piv_select(card);
	if (r != SK_OK)
		return r;
	if (out->kind == 0)
		out->kind = SK_CARD_PIV_AUTH;
	r = sc_piv_read_cert(card, out->kind == SK_CARD_PIV_CARD ? SC_PIV_KEY_CARD_AUTH :
	                     SC_PIV_KEY_AUTH, out->cert, sizeof(out->cert), &out->cert_len);
	if (r != SK_OK)
		return r;
	r = sc_piv_read_card_uid(card, out->uid, sizeof(out->uid));
	if (r != SK_OK && r != SK_ERR_NOTFOUND)
		return r;
	r = sc_piv_read_cert(card, out->kind == SK_CARD_PIV_CARD ? SC_PIV_KEY_AUTH :
	                     SC_PIV_KEY_CARD_AUTH, out->other, sizeof(out->other), &out->other_len);
	if (r == SK_ERR_NOTFOUND) {
		out->other_len = 0;   /* an empty slot */
		r = SK_OK;
	}
	return r;
}

static void
say_card_error(int r)
{
	switch (r) {
	case SK_ERR_UNAVAILABLE:
		fprintf(stderr, "%s\n", _("sekimori: the smart card service (pcscd) is not running"));
		break;
	case SK_ERR_TIMEOUT:
		fprintf(stderr, "%s\n", _("sekimori: no card was inserted in time"));
		break;
	case SK_ERR_NOTFOUND:
		fprintf(stderr, "%s\n", _("sekimori: the reader does not exist, or the card holds no "
		                          "certificate of the requested kind"));
		break;
	default:
		fprintf(stderr, "%s\n", _("sekimori: the card could not be read"));
	}
}

static int
read_card(const struct cli *c, const char *reader, struct card_read *out)
{
	struct sc_card card;
	SCARDCONTEXT ctx;
	int r;

	memset(&card, 0, sizeof(card));
	r = sc_ctx_open(&ctx);
	if (r != SK_OK) {
		say_card_error(r);
		return r;
	}
	r = sc_card_wait(ctx, reader, 0, out->reader, sizeof(out->reader));
	if (r == SK_ERR_TIMEOUT) {
		fprintf(stderr, "%s\n", _("Insert the card into the reader."));
		r = sc_card_wait(ctx, reader, c->conf.card.timeout * 1000, out->reader,
		                 sizeof(out->reader));
	}
	if (r == SK_OK)
		r = sc_card_connect(ctx, out->reader, &card);
	if (r == SK_OK)
		r = sc_card_begin(&card);
	if (r == SK_OK)
		r = read_cert(&card, out);
	sc_card_disconnect(&card, 0);
	sc_ctx_close(ctx);
	if (r != SK_OK)
		say_card_error(r);
	return r;
}

/* Why the broker refused the certificate, in the staff's language. */
static const char *
refusal_text(const char *detail)
{
	static const struct {
		const char *detail, *text;
	} known[] = {
		{ "certificate expired", N_("the certificate has expired") },
		{ "certificate not yet valid", N_("the certificate is not valid yet") },
		{ "certificate not trusted", N_("the certificate was not issued by a configured "
		                                "certificate authority") },
		{ "certificate revoked", N_("the certificate is listed in the revocation list") },
		{ "no valid CRL for the issuer", N_("no valid revocation list is available for the "
		                                    "certificate's issuer") },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(detail, known[i].detail) == 0)
			return _(known[i].text);
	return detail;
}

static int
enroll_error(const struct skc_result *res, const char *user)
{
	const char *detail = res->message;
	uint64_t reason = res->reason;

	if (reason == SK_REASON_NOT_CONFIGURED) {
		fprintf(stderr, "%s\n", _("sekimori: IC cards are not configured on the broker "
		                          "([card] trust_anchors)"));
		return CLI_FAILED;
	}
	if (res->status == SK_ST_DENIED && reason == SK_REASON_CERT_INVALID) {
		fprintf(stderr, _("sekimori: the card's certificate was refused: %s\n"),
		        refusal_text(detail));
		return CLI_FAILED;
	}
	if (res->status == SK_ST_EXISTS && reason == SK_REASON_CERT_BOUND) {
		if (strcmp(detail, "bound to this user already") == 0)
			fprintf(stderr, _("sekimori: this card is already enrolled for %s\n"), user);
		else
			fprintf(stderr, "%s\n", _("sekimori: this card was enrolled for another person; "
			                          "a card is never shared or passed on"));
		return CLI_FAILED;
	}
	return cli_status_error(res, user);
}

/* The user's cards as the broker lists them (a JSON array), or NULL. */
static json_object *
list_cards(struct cli *c, const char *user)
{
	struct skc_user_in in = { .actor = cli_actor(), .user = user };
	struct skc_json_out out;

	if (skc_card_list(cli_client(c), &in, &out) != SK_OK || out.res.status != SK_ST_OK)
		return NULL;
	if (!json_object_is_type(out.doc, json_type_array)) {
		json_object_put(out.doc);
		return NULL;
	}
	return out.doc;
}

static int64_t
field_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static const char *
field_text(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* The cards the new one replaced (R-CARD-4): say they are revoked and must come back. */
static json_object *
report_replaced(struct cli *c, const char *user, uint64_t id)
{
	json_object *cards = list_cards(c, user), *replaced = json_object_new_array();
	size_t n = cards ? json_object_array_length(cards) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *k = json_object_array_get_idx(cards, i);

		if (field_int(k, "replaced_by") != (int64_t)id)
			continue;
		json_object_array_add(replaced, json_object_new_string(field_text(k, "cert")));
		if (c->json)
			continue;
		printf(_("The previous card (id %lld, certificate %s) was revoked as replaced.\n"),
		       (long long)field_int(k, "id"), field_text(k, "cert"));
	}
	if (json_object_array_length(replaced) > 0 && !c->json)
		printf(_("Collect the old card from %s and have it destroyed, then record both steps:\n"
		         "  sekimori card dispose %s --reason collected\n"
		         "  sekimori card dispose %s --reason destroyed --note TEXT\n"),
		       user, user, user);
	json_object_put(cards);
	return replaced;
}

/* ENROLL: the card's certificates to the broker, as an exit code. */
static int
enroll(struct cli *c, const char *user, const struct card_read *card,
       struct skc_card_enroll_out *out)
{
	struct skc_card_enroll_in in = {
		.actor = cli_actor(), .user = user, .cert = card->cert, .cert_len = card->cert_len,
		.kind = card->kind, .uid = card->uid, .other_cert = card->other,
		.other_cert_len = card->other_len,
	};
	int r = skc_card_enroll(cli_client(c), &in, out);

	if (r == SK_OK && out->res.status != SK_ST_OK)
		return enroll_error(&out->res, user);
	return cli_verdict(c, r, &out->res, user);
}

int
cli_card_enroll(struct cli *c)
{
	const char *user = cli_positional(c), *reader = cli_option(c, "--reader");
	struct card_read *card = calloc(1, sizeof(*card));
	struct skc_card_enroll_out out;
	int r = CLI_OK;

	if (card == NULL)
		return CLI_FAILED;
	if (user == NULL || parse_kind(cli_option(c, "--kind"), &card->kind) != 0) {
		fprintf(stderr, "%s\n", _("sekimori: usage: card enroll USER [--kind jpki|piv|piv-card]"
		                          " [--reader NAME]"));
		free(card);
		return CLI_USAGE;
	}
	if (read_card(c, reader, card) != SK_OK)
		r = CLI_FAILED;
	if (r == CLI_OK)
		r = enroll(c, user, card, &out);
	if (r == CLI_OK) {
		json_object *replaced;

		if (!c->json)
			printf(_("Card enrolled for %s (id %llu) from reader \"%s\".\n"
			         "Certificate binding (SHA-256 of the public key): %s\n"),
			       user, (unsigned long long)out.factor_id, card->reader, out.cert_hash);
		replaced = report_replaced(c, user, out.factor_id);
		if (c->json) {
			json_object *doc = json_object_new_object();

			json_object_object_add(doc, "user", json_object_new_string(user));
			json_object_object_add(doc, "id", json_object_new_int64((int64_t)out.factor_id));
			json_object_object_add(doc, "cert", json_object_new_string(out.cert_hash));
			json_object_object_add(doc, "replaced", replaced);
			cli_print_json(c, doc);
			json_object_put(doc);
		} else {
			json_object_put(replaced);
		}
	}
	free(card);
	return r;
}

int
cli_card_list(struct cli *c)
{
	return cli_show_user_json(c, skc_card_list);
}

/* --cert HASH: 64 hex digits, as `card list` shows them (upper case accepted). */
static int
parse_hash(const char *s, char out[CARD_HASH_HEX + 1])
{
	if (strlen(s) != CARD_HASH_HEX)
		return -1;
	for (size_t i = 0; i < CARD_HASH_HEX; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[CARD_HASH_HEX] = '\0';
	return 0;
}

typedef int (*card_call)(struct sk_client *, const struct skc_card_change_in *,
                         struct skc_reply_out *);

/* revoke and dispose: USER or --cert HASH, --reason from the allowed list. */
static int
card_change(struct cli *c, card_call call, const char *const reasons[], const char *usage)
{
	const char *cert = cli_option(c, "--cert");
	char hash[CARD_HASH_HEX + 1];
	struct skc_card_change_in in = { .actor = cli_actor(), .user = cli_positional(c),
	                                 .reason = cli_option(c, "--reason"),
	                                 .note = cli_option(c, "--note") };
	struct skc_reply_out out;
	int ok = 0, r;

	for (size_t i = 0; in.reason != NULL && reasons[i] != NULL; i++)
		ok |= strcmp(in.reason, reasons[i]) == 0;
	if (!ok || (in.user == NULL) == (cert == NULL) ||
	    (cert != NULL && parse_hash(cert, hash) != 0) ||
	    (in.note != NULL && call != skc_card_dispose)) {
		fprintf(stderr, "%s\n", usage);
		return CLI_USAGE;
	}
	if (in.note != NULL && strlen(in.note) > CARD_NOTE_MAX) {
		fprintf(stderr, _("sekimori: the note is longer than %d bytes\n"), CARD_NOTE_MAX);
		return CLI_USAGE;
	}
	in.cert_hash = cert != NULL ? hash : NULL;
	r = call(cli_client(c), &in, &out);
	if (r == SK_OK && out.res.status == SK_ST_NOT_FOUND) {
		if (call == skc_card_revoke)
			fprintf(stderr, _("sekimori: no active card found for %s\n"),
			        in.user ? in.user : hash);
		else
			fprintf(stderr, _("sekimori: no revoked card of %s is left to record as %s (a "
			                  "card is revoked before it is handed back: sekimori card "
			                  "revoke)\n"), in.user ? in.user : hash, in.reason);
		return CLI_FAILED;
	}
	return cli_verdict(c, r, &out.res, in.user);
}

int
cli_card_revoke(struct cli *c)
{
	static const char *const reasons[] = { "lost", "damaged", "returned", NULL };
	int r = card_change(c, skc_card_revoke, reasons,
	                    _("sekimori: usage: card revoke USER|--cert HASH "
	                      "--reason lost|damaged|returned"));

	if (r == CLI_OK && !c->json) {
		printf("%s\n", _("The card was revoked: every login with it is refused from now on."));
		if (strcmp(cli_option(c, "--reason"), "lost") != 0)
			printf("%s\n", _("Collect the card and have it destroyed, then record both "
			                 "steps with: sekimori card dispose"));
	} else if (r == CLI_OK) {
		printf("{\"revoked\":true}\n");
	}
	return r;
}

int
cli_card_dispose(struct cli *c)
{
	static const char *const reasons[] = { "collected", "destroyed", NULL };
	int r = card_change(c, skc_card_dispose, reasons,
	                    _("sekimori: usage: card dispose USER|--cert HASH "
	                      "--reason collected|destroyed [--note TEXT]"));

	if (r == CLI_OK && !c->json)
		printf("%s\n", strcmp(cli_option(c, "--reason"), "collected") == 0 ?
		       _("Recorded: the card was collected.") :
		       _("Recorded: the card was destroyed."));
	else if (r == CLI_OK)
		printf("{\"recorded\":\"%s\"}\n", cli_option(c, "--reason"));
	return r;
}
