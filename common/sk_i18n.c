#include "sk_i18n.h"

#include <libintl.h>
#include <locale.h>
#include <pthread.h>
#include <string.h>

#include "sk_build.h"
#include "sk_log.h"

static pthread_mutex_t i18n_lock = PTHREAD_MUTEX_INITIALIZER;
static locale_t i18n_locale = (locale_t)0;
static int i18n_mode;   /* 0 = English (C), 1 = forced locale, 2 = the process locale */

void
sk_i18n_init(const char *language, const char *locale_dir)
{
	pthread_mutex_lock(&i18n_lock);
	bindtextdomain(SK_TEXT_DOMAIN, locale_dir);
	bind_textdomain_codeset(SK_TEXT_DOMAIN, "UTF-8");
	if (strcmp(language, "auto") == 0) {
		i18n_mode = 2;
	} else if (strcmp(language, "ja") == 0) {
		if (i18n_locale == (locale_t)0)
			i18n_locale = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "ja_JP.UTF-8",
			                        (locale_t)0);
		if (i18n_locale == (locale_t)0) {
			sk_logwarn("locale ja_JP.UTF-8 is not installed; messages stay English");
			i18n_mode = 0;
		} else {
			i18n_mode = 1;
		}
	} else {
		i18n_mode = 0;
	}
	pthread_mutex_unlock(&i18n_lock);
}

const char *
sk_gettext(const char *msgid)
{
	const char *s;
	locale_t old;

	if (i18n_mode == 0)
		return msgid;
	if (i18n_mode == 2)
		return dgettext(SK_TEXT_DOMAIN, msgid);
	old = uselocale(i18n_locale);
	s = dgettext(SK_TEXT_DOMAIN, msgid);
	uselocale(old);
	return s;
}

/* The PAM module is loaded and unloaded with every PAM handle: give the locale back. */
__attribute__((destructor)) static void
sk_i18n_fini(void)
{
	if (i18n_locale != (locale_t)0)
		freelocale(i18n_locale);
	i18n_locale = (locale_t)0;
}
