/* The PAM conversation: prompts, information and errors for the person at the terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamsk.h"
#include "sk_err.h"
#include "sk_log.h"

char *
pamsk_prompt(struct pamsk *m, int echo, const char *text)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg = { .msg_style = echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF,
	                           .msg = text };
	const struct pam_message *msgs[1] = { &msg };
	struct pam_response *resp = NULL;
	char *answer;

	if (pam_get_item(m->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || conv == NULL ||
	    conv->conv == NULL) {
		sk_logerr("no conversation function");
		return NULL;
	}
	if (conv->conv(1, msgs, &resp, conv->appdata_ptr) != PAM_SUCCESS || resp == NULL)
		return NULL;
	answer = resp[0].resp;
	free(resp);
	return answer;
}

int
pamsk_prompt_secret(struct pamsk *m, const char *text, char *buf, size_t cap)
{
	char *answer = pamsk_prompt(m, 0, text);
	size_t n;

	if (answer == NULL)
		return SK_ERR_IO;
	n = strlen(answer);
	if (n == 0 || n >= cap) {
		pamsk_free_secret(answer);
		return SK_ERR_RANGE;
	}
	memcpy(buf, answer, n + 1);
	pamsk_free_secret(answer);
	return SK_OK;
}

void
pamsk_free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
say(struct pamsk *m, int style, const char *fmt, va_list ap)
{
	const struct pam_conv *conv = NULL;
	char text[PAM_MAX_MSG_SIZE];
	struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgs[1] = { &msg };
	struct pam_response *resp = NULL;

	if (m->flags & PAM_SILENT && style == PAM_TEXT_INFO)
		return;
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		return;
	if (pam_get_item(m->pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS || conv == NULL ||
	    conv->conv == NULL)
		return;
	if (conv->conv(1, msgs, &resp, conv->appdata_ptr) == PAM_SUCCESS && resp != NULL) {
		free(resp[0].resp);
		free(resp);
	}
}

void
pamsk_info(struct pamsk *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(m, PAM_TEXT_INFO, fmt, ap);
	va_end(ap);
}

void
pamsk_error(struct pamsk *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(m, PAM_ERROR_MSG, fmt, ap);
	va_end(ap);
}

void
pamsk_info_lines(struct pamsk *m, const char *text)
{
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		/* A line longer than one message is cut at a UTF-8 character boundary. */
		size_t keep = n < PAM_MAX_MSG_SIZE - 1 ? n : PAM_MAX_MSG_SIZE - 1;

		while (keep < n && keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
			keep--;
		pamsk_info(m, "%.*s", (int)keep, text);
		text += n;
		if (*text == '\n')
			text++;
	}
}
