/* Comma-separated configuration lists (sk_list.h). */
#include "sk_list.h"

#include <stdio.h>
#include <string.h>

#include "sk_proto.h"

int
sk_list_each(const char *v, int (*fn)(void *, const char *), void *arg)
{
	char buf[1024], *save = NULL, *tok;

	if (snprintf(buf, sizeof(buf), "%s", v) >= (int)sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t'); )
			*--e = '\0';
		if (*tok == '\0' || fn(arg, tok) != 0)
			return -1;
	}
	return 0;
}

int
sk_list_add_class(void *arg, const char *name)
{
	unsigned *mask = arg;

	if (strcmp(name, "knowledge") == 0)
		*mask |= SK_CLASS_KNOWLEDGE;
	else if (strcmp(name, "possession") == 0)
		*mask |= SK_CLASS_POSSESSION;
	else if (strcmp(name, "inherence") == 0)
		*mask |= SK_CLASS_INHERENCE;
	else
		return -1;
	return 0;
}
