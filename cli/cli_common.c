/* What every command shares: requests, errors, options, output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sk_err.h"
#include "sk_i18n.h"
#include "sk_proto.h"
#include "sk_utf8.h"

struct sk_msg *
cli_request(unsigned type)
{
	struct sk_msg *m = sk_msg_new(type);
	const char *actor = getenv("SUDO_USER");

	if (m != NULL && actor != NULL && sk_valid_username(actor))
		(void)sk_msg_put_text(m, SK_K_ACTOR, actor);
	return m;
}

int
cli_call(struct cli *c, const struct sk_msg *req, struct sk_msg **reply)
{
	int r = req ? SK_OK : SK_ERR_NOMEM;

	if (r == SK_OK && c->client.fd < 0)
		r = sk_client_open(&c->client, c->conf.socket_path, (int)c->conf.request_timeout_ms);
	if (r == SK_OK)
		r = sk_client_call(&c->client, req, reply, 0);
	if (r != SK_OK) {
		fprintf(stderr, _("sekimori: the broker at %s is not reachable (is sekimorid running?)\n"),
		        c->conf.socket_path);
		return CLI_UNAVAILABLE;
	}
	return CLI_OK;
}

int
cli_status_error(const struct sk_msg *reply, const char *user)
{
	uint64_t reason = 0;

	(void)sk_msg_get_uint(reply, SK_K_REASON, &reason);
	switch (sk_reply_status(reply)) {
	case SK_ST_OK:
		return CLI_OK;
	case SK_ST_NOT_FOUND:
		fprintf(stderr, _("sekimori: no such user or factor: %s\n"), user ? user : "");
		return CLI_FAILED;
	case SK_ST_EXISTS:
		fprintf(stderr, _("sekimori: the user already exists: %s\n"), user ? user : "");
		return CLI_FAILED;
	case SK_ST_FORBIDDEN:
		fprintf(stderr, "%s\n", _("sekimori: permission denied: run as root or as a member "
		                          "of the admin group"));
		return CLI_FAILED;
	case SK_ST_DENIED:
		fprintf(stderr, "%s\n", _("sekimori: refused: the code did not match"));
		return CLI_FAILED;
	case SK_ST_BAD_REQUEST:
		fprintf(stderr, "%s\n", reason == SK_REASON_UNKNOWN_PROFILE ?
		        _("sekimori: unknown profile") : _("sekimori: the broker refused the request as "
		        "malformed"));
		return CLI_FAILED;
	default:
		fprintf(stderr, "%s\n", _("sekimori: the broker failed to carry out the request "
		                          "(see its log)"));
		return CLI_FAILED;
	}
}

static int
is_option_with_value(const char *a)
{
	static const char *with_value[] = { "--profile", "--algorithm", "--digits", "--period",
	                                    "--secret", "--code", "--uv", "--reason", "--cert",
	                                    "--note", "--reader", "--kind", NULL };

	for (int i = 0; with_value[i]; i++)
		if (strcmp(a, with_value[i]) == 0)
			return 1;
	return 0;
}

const char *
cli_option(const struct cli *c, const char *name)
{
	for (int i = 0; i + 1 < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return c->argv[i + 1];
	return NULL;
}

int
cli_flag(const struct cli *c, const char *name)
{
	for (int i = 0; i < c->argc; i++)
		if (strcmp(c->argv[i], name) == 0)
			return 1;
	return 0;
}

const char *
cli_positional(const struct cli *c)
{
	for (int i = 0; i < c->argc; i++) {
		if (is_option_with_value(c->argv[i]))
			i++;
		else if (c->argv[i][0] != '-')
			return c->argv[i];
	}
	return NULL;
}

static void
print_value(json_object *v, int depth)
{
	if (json_object_is_type(v, json_type_object)) {
		struct json_object_iterator it = json_object_iter_begin(v);
		struct json_object_iterator end = json_object_iter_end(v);

		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			json_object *val = json_object_iter_peek_value(&it);

			printf("%*s%s:", depth * 2, "", json_object_iter_peek_name(&it));
			if (json_object_is_type(val, json_type_object) ||
			    json_object_is_type(val, json_type_array)) {
				printf("\n");
				print_value(val, depth + 1);
			} else {
				printf(" ");
				print_value(val, 0);
			}
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (n == 0)
			printf("%*s-\n", depth * 2, "");
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			printf("%*s- %s", depth * 2, "", json_object_is_type(e, json_type_object) ? "\n" : "");
			print_value(e, json_object_is_type(e, json_type_object) ? depth + 2 : 0);
		}
	} else if (v == NULL) {
		printf("-\n");
	} else {
		printf("%s\n", json_object_get_string(v));
	}
}

void
cli_print_json(const struct cli *c, json_object *doc)
{
	if (c->json)
		printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
		                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_value(doc, 0);
}
