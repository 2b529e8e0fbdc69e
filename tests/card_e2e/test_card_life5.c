/* R-LIFE-5 with real devices (issue 10, item 4): what a retired person still has to hand
 * back. One person enrols a real card (sk-cardemu behind the real pcscd and vsmartcard-vpcd,
 * tests/smartcard/harness.sh) and a software FIDO2 key driven by the real libfido2 through the
 * test-only softfido variants of the CLI and the PAM module (tests/fido2_e2e/CMakeLists.txt:
 * sekimori_softfido, pam_sekimori_softfido), and logs in with each. `sekimori hr import` of a
 * retirement then disables the account and revokes both; `sekimori report outstanding
 * --json` lists the key and the card as outstanding; a login with either is refused; `card
 * dispose` and `fido2 dispose` close them, audited, and the report no longer lists them.
 * Generated data only (R-TEST-1): a sequence staff number, a made-up name, generated keys
 * and certificates. */
#include "card_e2e_fixture.h"

#include <openssl/crypto.h>

#include "softfido.h"

#define AAGUID "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"   /* a plain security key model */
#define HR_HEADER "職員番号,氏名,氏名カナ,所属コード,職名,雇用区分,発令日,異動区分\n"

static char kdir[256];        /* the attestation CA and the key's state file */
static char conf_extra[2048];
static char key_file[512];

/* The software key: packed attestation from the test CA, touch only. */
static void
make_key(X509 *ca_cert, EVP_PKEY *ca_key)
{
	struct softfido_opts o;
	struct softfido *sf;
	char hex[33];
	size_t n = 0, len = 0;

	memset(&o, 0, sizeof(o));
	for (const char *s = AAGUID; *s != '\0'; s++)
		if (*s != '-')
			hex[n++] = *s;
	hex[n] = '\0';
	assert_int_equal(OPENSSL_hexstr2buf_ex(o.aaguid, 16, &len, hex, '\0'), 1);
	assert_int_equal(len, 16);
	o.rk = true;
	o.att = SOFTFIDO_ATT_PACKED;
	o.ca_cert = ca_cert;
	o.ca_key = ca_key;
	o.cert_aaguid_ext = true;
	snprintf(key_file, sizeof(key_file), "%s/ret10.state", kdir);
	assert_non_null(sf = softfido_new("test:new", &o));
	assert_int_equal(softfido_save(sf, key_file), SK_OK);
	softfido_free(sf);
}

/* The outstanding report's entries of user in one list ("keys" or "cards"). */
static int
outstanding(const char *list, const char *user)
{
	json_object *doc, *arr, *v;
	int n = 0;

	assert_int_equal(cli("--json report outstanding"), 0);
	assert_non_null(doc = json_tokener_parse(cli_out));
	assert_true(json_object_object_get_ex(doc, list, &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "user", &v) &&
		    strcmp(json_object_get_string(v), user) == 0)
			n++;
	json_object_put(doc);
	return n;
}

static int
key_login(struct skpd *d, const char *user, const char *pw)
{
	int r = skpd_authenticate(d, fx.pamdir, "sk-key", user, NULL, pw, NULL);

	print_message("key login %s -> %d\n%s", user, r, d->transcript);
	return r;
}

static void
test_r_life_5_retirement_leaves_real_key_and_card_outstanding(void **state)
{
	struct skpd d;
	char pw[64], text[512], path[1024], args[1024], hash[65];

	(void)state;
	snprintf(args, sizeof(args), "profile=keyp conf=%s", fx.conf);
	skpd_write_service(fx.pamdir, "sk-key", args, NULL);
	/* The card, then the key, for one person. */
	emu_jpki("ret10", NULL);
	add_user_with_card("ret10u", "both", pw, sizeof(pw), "");
	assert_int_equal(setenv("SK_SOFTFIDO_STATE", key_file, 1), 0);
	assert_int_equal(cli("fido2 enroll ret10u"), 0);
	assert_non_null(strstr(cli_out, "Security key enrolled (id "));
	assert_int_equal(cli("user set-staff ret10u --staff 97010"), 0);
	/* Both let the person in. */
	assert_int_equal(pam_login(&d, "sk-card", "ret10u", pw, "1234"), PAM_SUCCESS);
	assert_int_equal(key_login(&d, "ret10u", pw), PAM_SUCCESS);
	assert_true(skpd_contains(&d, "Touch your security key."));
	assert_int_equal(outstanding("keys", "ret10u"), 0);
	assert_int_equal(outstanding("cards", "ret10u"), 0);

	/* Retirement from the HR file. */
	snprintf(text, sizeof(text), "%s97010,生成97010,セイセイ,,係員,,2025-03-31,退職\n",
	         HR_HEADER);
	sk_test_write_file(fx.dir, "hr-retire-ret10.csv", text, path, sizeof(path));
	assert_int_equal(cli("hr import %s", path), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"hr.retirement\"", "\"user\":\"ret10u\"",
	                                  "\"fido2_removed\":1", "\"outstanding_keys\":[{\"id\":",
	                                  NULL), 1);
	/* Both are outstanding: the key by its model, the card by its certificate. */
	assert_int_equal(outstanding("keys", "ret10u"), 1);
	assert_int_equal(outstanding("cards", "ret10u"), 1);
	assert_non_null(strstr(cli_out, "\"aaguid\":\"" "0a1b2c3d4e5f4061827394a5b6c7d8e9" "\""));
	spki_hash("ret10.pem", hash);
	assert_non_null(strstr(cli_out, hash));
	/* Neither lets the person in any more. */
	assert_int_not_equal(pam_login(&d, "sk-card", "ret10u", pw, "1234"), PAM_SUCCESS);
	assert_int_not_equal(key_login(&d, "ret10u", pw), PAM_SUCCESS);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"auth\"", "\"user\":\"ret10u\"",
	                                  "\"result\":\"deny\"", NULL), 2);

	/* Handed back: each closed once, on the record; the report is empty for the person. */
	assert_int_equal(cli("card dispose ret10u --reason collected --note desk"), 0);
	assert_int_equal(cli("fido2 dispose ret10u --reason collected --note desk"), 0);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.card_dispose\"",
	                                  "\"user\":\"ret10u\"", NULL), 1);
	assert_int_equal(skfx_audit_count(&fx, "\"event\":\"admin.fido2_dispose\"",
	                                  "\"user\":\"ret10u\"", "\"action\":\"collected\"", NULL),
	                 1);
	assert_int_equal(outstanding("keys", "ret10u"), 0);
	assert_int_equal(outstanding("cards", "ret10u"), 0);
	/* A key is closed once; a collected card may still be destroyed, once. */
	assert_int_not_equal(cli("fido2 dispose ret10u --reason lost"), 0);
	assert_int_equal(cli("card dispose ret10u --reason destroyed"), 0);
	assert_int_not_equal(cli("card dispose ret10u --reason destroyed"), 0);
}

static int
life5_setup(void **state)
{
	X509 *ca_cert = NULL;
	EVP_PKEY *ca_key = NULL;
	char pem[300];
	int n, r;

	sk_test_mkdtemp(kdir, sizeof(kdir));
	if (softfido_make_ca("Sekimori Test Attestation Root", &ca_cert, &ca_key) != SK_OK)
		return -1;
	snprintf(pem, sizeof(pem), "%s/ca.pem", kdir);
	r = softfido_write_pem(pem, ca_cert);
	if (r == SK_OK)
		make_key(ca_cert, ca_key);
	X509_free(ca_cert);
	EVP_PKEY_free(ca_key);
	if (r != SK_OK)
		return -1;
	/* The person's own profile allows both devices; each PAM line asks for one. */
	n = snprintf(conf_extra, sizeof(conf_extra),
	             "[profile both]\nclasses = knowledge, possession\n"
	             "methods = password, card, fido2\nfido2_uv = discouraged\n"
	             "deny = 20\nunlock_time = 0\n"
	             "[profile keyp]\nclasses = knowledge, possession\nmethods = fido2, password\n"
	             "fido2_uv = discouraged\ndeny = 20\nunlock_time = 0\n"
	             "[fido2]\nrp_id = sekimori.test\nattestation_roots = %s\n"
	             "allowed_aaguids = " AAGUID "\ntimeout = 30\n", pem);
	if (n <= 0 || (size_t)n >= sizeof(conf_extra))
		return -1;
	setup_extra_conf = conf_extra;
	return setup(state);
}

static int
life5_teardown(void **state)
{
	int r = teardown(state);

	sk_test_rmtree(kdir);
	return r;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r_life_5_retirement_leaves_real_key_and_card_outstanding),
	};

	return cmocka_run_group_tests_name("card_life5", tests, life5_setup, life5_teardown);
}
