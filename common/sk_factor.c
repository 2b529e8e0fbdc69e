/* Every factor's name, classes and configuration keys (see sk_factor.h). */
#include "sk_factor.h"

#include <stddef.h>

#include "sk_conf.h"
#include "sk_proto.h"

#define PROFILE(field) offsetof(struct sk_profile, field)
#define CONF(field) offsetof(struct sk_conf, field)
#define TEXT(key, field) { .name = key, .kind = SK_CONF_TEXT, .offset = CONF(field), \
                           .size = sizeof(((struct sk_conf *)0)->field) }
#define PATH(key, field) { .name = key, .kind = SK_CONF_PATH, .offset = CONF(field), \
                           .size = sizeof(((struct sk_conf *)0)->field) }

/* In the order of enum skf_uv (fido2/skf_common.h): the index is the value. */
static const char *const uv_names[] = { "discouraged", "preferred", "required", NULL };
/* In the order of enum sk_card_removal. */
static const char *const removal_names[] = { "none", "lock", "end", NULL };

static const struct sk_conf_key totp_profile_keys[] = {
	{ .name = "totp_window", .kind = SK_CONF_UINT, .offset = PROFILE(totp_window), .lo = 0,
	  .hi = 10, .def = 1, .merge = SK_MERGE_MIN },
	{ .name = NULL },
};

static const struct sk_conf_key fido2_keys[] = {
	TEXT("rp_id", fido2.rp_id),
	PATH("attestation_roots", fido2.attestation_roots),
	TEXT("allowed_aaguids", fido2.allowed_aaguids),
	{ .name = "inherence_aaguids", .kind = SK_CONF_TEXT, .offset = CONF(fido2.inherence_aaguids),
	  .size = sizeof(((struct sk_conf *)0)->fido2.inherence_aaguids),
	  .line_offset = CONF(fido2.inherence_line) },
	{ .name = "timeout", .kind = SK_CONF_UINT, .offset = CONF(fido2.timeout), .lo = 1,
	  .hi = 300, .def = 30 },
	{ .name = NULL },
};

static const struct sk_conf_key fido2_profile_keys[] = {
	{ .name = "fido2_uv", .kind = SK_CONF_CHOICE, .offset = PROFILE(fido2_uv),
	  .choices = uv_names, .def = 1, .merge = SK_MERGE_MAX },
	{ .name = "fido2_up", .kind = SK_CONF_BOOL, .offset = PROFILE(fido2_up), .def = 1,
	  .merge = SK_MERGE_OR },
	{ .name = NULL },
};

static const struct sk_conf_key card_keys[] = {
	PATH("trust_anchors", card.trust_anchors),
	PATH("crl", card.crl),
	PATH("lock_command", card.lock_command),
	{ .name = "timeout", .kind = SK_CONF_UINT, .offset = CONF(card.timeout), .lo = 1,
	  .hi = 300, .def = 30 },
	{ .name = NULL },
};

static const struct sk_conf_key card_profile_keys[] = {
	{ .name = "card_removal", .kind = SK_CONF_CHOICE, .offset = PROFILE(card_removal),
	  .choices = removal_names, .def = SK_CARD_REMOVAL_LOCK, .merge = SK_MERGE_MAX },
	{ .name = NULL },
};

const struct sk_factor sk_factors[] = {
	{ SK_METHOD_PASSWORD, "password", SK_CLASS_KNOWLEDGE, 1, NULL, NULL, NULL },
	{ SK_METHOD_TOTP, "totp", SK_CLASS_POSSESSION, 1, NULL, NULL, totp_profile_keys },
	{ SK_METHOD_STACK, "stack", SK_CLASS_KNOWLEDGE, 0, NULL, NULL, NULL },
	{ SK_METHOD_FIDO2, "fido2", SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE | SK_CLASS_INHERENCE, 1,
	  "fido2", fido2_keys, fido2_profile_keys },
	{ SK_METHOD_CARD, "card", SK_CLASS_POSSESSION | SK_CLASS_KNOWLEDGE, 1, "card", card_keys,
	  card_profile_keys },
};
const size_t sk_factor_count = sizeof(sk_factors) / sizeof(sk_factors[0]);

const struct sk_factor *
sk_factor_find(unsigned method)
{
	for (size_t i = 0; i < sk_factor_count; i++)
		if (sk_factors[i].method == method)
			return &sk_factors[i];
	return NULL;
}
