/* What FreeRADIUS hands sekimori-radius: the request's attributes as environment variables
 * (rlm_exec, shell_escape = no), and what it reads back: attribute lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "radius.h"
#include "sk_err.h"
#include "sk_log.h"

/* NAME's value into buf; 0 when absent, -1 when it does not fit. */
static int
env_copy(const char *name, char *buf, size_t cap)
{
	const char *v = getenv(name);
	size_t n;

	buf[0] = '\0';
	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n >= cap)
		return -1;
	memcpy(buf, v, n + 1);
	return 1;
}

static int
hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* State as FreeRADIUS prints an octets attribute: "0x" and two hex digits a byte. */
static int
parse_state(const char *v, unsigned char out[SKC_RADIUS_STATE_LEN])
{
	if (strncmp(v, "0x", 2) != 0 || strlen(v) != 2 + 2 * SKC_RADIUS_STATE_LEN)
		return SK_ERR_PROTO;
	for (size_t i = 0; i < SKC_RADIUS_STATE_LEN; i++) {
		int hi = hex_value((unsigned char)v[2 + 2 * i]);
		int lo = hex_value((unsigned char)v[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return SK_ERR_PROTO;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return SK_OK;
}

int
radius_read_env(struct radius_request *rq)
{
	const char *state;

	memset(rq, 0, sizeof(*rq));
	if (getenv("User-Name") == NULL && getenv("USER_NAME") != NULL) {
		/* shell_escape = yes quotes and escapes every value: a password would arrive
		 * altered, so nothing is read. */
		sk_logerr("the exec module has shell_escape = yes; set shell_escape = no");
		return SK_ERR_PROTO;
	}
	if (env_copy("User-Name", rq->user, sizeof(rq->user)) != 1 || rq->user[0] == '\0') {
		sk_logerr("User-Name missing or too long");
		return SK_ERR_PROTO;
	}
	if (env_copy("User-Password", rq->password, sizeof(rq->password)) != 1) {
		sk_logerr("User-Password missing or too long (CHAP and the like are not supported)");
		return SK_ERR_PROTO;
	}
	if (env_copy("Calling-Station-Id", rq->calling_station, sizeof(rq->calling_station)) < 0 ||
	    env_copy("NAS-IP-Address", rq->nas, sizeof(rq->nas)) < 0 ||
	    (rq->nas[0] == '\0' && env_copy("NAS-IPv6-Address", rq->nas, sizeof(rq->nas)) < 0) ||
	    (rq->nas[0] == '\0' && env_copy("NAS-Identifier", rq->nas, sizeof(rq->nas)) < 0)) {
		sk_logerr("Calling-Station-Id or the NAS attribute too long");
		return SK_ERR_PROTO;
	}
	if ((state = getenv("State")) != NULL) {
		if (parse_state(state, rq->state) != SK_OK) {
			sk_logerr("State is not one of sekimorid's (32 bytes)");
			return SK_ERR_PROTO;
		}
		rq->has_state = 1;
	}
	return SK_OK;
}

/* Text inside FreeRADIUS' double quotes: backslash, quote and line ends escaped. */
static void
put_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\r' || *s == '\t')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void
put_quoted_open(FILE *f, const char *s)
{
	fputc('"', f);
	put_escaped(f, s);
}

static void
put_quoted_close(FILE *f, const char *s)
{
	put_escaped(f, s);
	fputc('"', f);
}

static void
put_quoted(FILE *f, const char *s)
{
	put_quoted_open(f, s);
	fputc('"', f);
}

/* Reply-Message is one RADIUS attribute: at most 253 bytes. */
#define REPLY_MESSAGE_MAX 253

int
radius_print_challenge(const unsigned char state[SKC_RADIUS_STATE_LEN], const char *banner,
                       const char *prompt)
{
	fputs("State = 0x", stdout);
	for (size_t i = 0; i < SKC_RADIUS_STATE_LEN; i++)
		printf("%02x", state[i]);
	fputs("\nReply-Message = ", stdout);
	/* The login message before the prompt when both fit in the one attribute. */
	if (banner[0] != '\0' && strlen(banner) + 1 + strlen(prompt) <= REPLY_MESSAGE_MAX) {
		put_quoted_open(stdout, banner);
		fputs("\\n", stdout);
		put_quoted_close(stdout, prompt);
	} else {
		put_quoted(stdout, prompt);
	}
	fputc('\n', stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? SK_OK : SK_ERR_IO;
}
