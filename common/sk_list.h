/* Comma-separated lists in configuration values ("knowledge, possession"), read the same
 * way by every key that takes one (sk_conf.c, sk_origin.c). */
#ifndef SK_LIST_H
#define SK_LIST_H

/* Calls fn on each item of v, blanks around it trimmed; -1 when v is too long, an item is
 * empty, or fn returns non-zero (which stops the walk). */
int sk_list_each(const char *v, int (*fn)(void *, const char *), void *arg);
/* fn for a list of factor classes: ORs the enum sk_class bit of name into *(unsigned *)arg;
 * -1 for a name that is not knowledge, possession or inherence. */
int sk_list_add_class(void *arg, const char *name);

#endif
