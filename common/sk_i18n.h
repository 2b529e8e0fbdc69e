/* Messages for the staff at the terminal, through gettext with the Japanese catalogue.
 * The language comes from sekimori.conf (language = ja | C | auto), not from the process
 * that loaded the module: sshd and login usually run in the C locale, while the staff read
 * Japanese. The switch is per thread (uselocale), so the host process is not disturbed. */
#ifndef SK_I18N_H
#define SK_I18N_H

#define _(s) sk_gettext(s)
#define N_(s) (s)

void sk_i18n_init(const char *language, const char *locale_dir);
const char *sk_gettext(const char *msgid) __attribute__((format_arg(1)));

#endif
