#include "skf_devices.h"

#include <string.h>

#include "sk_err.h"
#include "sk_log.h"

void
skf_devlist_init(struct skf_devlist *l)
{
	memset(l, 0, sizeof(*l));
	fido_init(0);
}

static bool
opt_is(const char *name, const char *want)
{
	return strcmp(name, want) == 0;
}

/* Reads the capabilities that decide how to verify the user. getInfo is untrusted input:
 * libfido2 parsed it; here only known names are looked at and counts are bounded. */
static int
dev_read_info(struct skf_dev *d)
{
	fido_cbor_info_t *ci;
	char **names;
	const bool *vals;
	size_t n;
	int r;

	if (!d->fido2)
		return SK_OK;
	if ((ci = fido_cbor_info_new()) == NULL) {
		sk_logerr("fido_cbor_info_new failed");
		return SK_ERR_NOMEM;
	}
	if ((r = fido_dev_get_cbor_info(d->dev, ci)) != FIDO_OK) {
		sk_logerr("getInfo failed on %s: %s", d->path, fido_strerr(r));
		fido_cbor_info_free(&ci);
		return SK_ERR_IO;
	}
	names = fido_cbor_info_options_name_ptr(ci);
	vals = fido_cbor_info_options_value_ptr(ci);
	n = fido_cbor_info_options_len(ci);
	for (size_t i = 0; names != NULL && vals != NULL && i < n; i++) {
		if (names[i] == NULL)
			continue;
		if (opt_is(names[i], "rk"))
			d->rk = vals[i];
		else if (opt_is(names[i], "clientPin")) {
			d->pin_supported = true;
			d->pin_set = vals[i];
		} else if (opt_is(names[i], "uv"))
			d->builtin_uv = vals[i];
		else if (opt_is(names[i], "bioEnroll") || opt_is(names[i], "uvBioEnroll") ||
		         opt_is(names[i], "userVerificationMgmtPreview"))
			d->bio = d->bio || vals[i];
		else if (opt_is(names[i], "makeCredUvNotRqd"))
			d->uv_not_required_mc = vals[i];
	}
	if (fido_cbor_info_aaguid_len(ci) == SKF_AAGUID_LEN &&
	    fido_cbor_info_aaguid_ptr(ci) != NULL) {
		memcpy(d->aaguid, fido_cbor_info_aaguid_ptr(ci), SKF_AAGUID_LEN);
		d->has_aaguid = true;
	}
	n = fido_cbor_info_algorithm_count(ci);
	for (size_t i = 0; i < n && d->n_algs < SKF_MAX_ALGS; i++)
		d->algs[d->n_algs++] = fido_cbor_info_algorithm_cose(ci, i);
	fido_cbor_info_free(&ci);
	return SK_OK;
}

static int
dev_set_path(struct skf_dev *d, const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(d->path)) {
		sk_logerr("device path too long");
		return SK_ERR_RANGE;
	}
	memcpy(d->path, path, len + 1);
	return SK_OK;
}

static void
dev_close(struct skf_dev *d)
{
	if (d->dev != NULL) {
		fido_dev_close(d->dev);
		fido_dev_free(&d->dev);
	}
	memset(d, 0, sizeof(*d));
}

/* Opens l->d[l->n] (dev already created and configured) and keeps it on success. */
static int
dev_open_slot(struct skf_devlist *l, const char *path)
{
	struct skf_dev *d = &l->d[l->n];
	int r;

	if ((r = dev_set_path(d, path)) != SK_OK)
		goto fail;
	if (fido_dev_set_timeout(d->dev, SKF_OPEN_TIMEOUT_MS) != FIDO_OK) {
		sk_logerr("fido_dev_set_timeout failed");
		r = SK_ERR_INTERNAL;
		goto fail;
	}
	if ((r = fido_dev_open(d->dev, path)) != FIDO_OK) {
		sk_logerr("cannot open %s: %s", path, fido_strerr(r));
		r = SK_ERR_IO;
		goto fail;
	}
	d->fido2 = fido_dev_is_fido2(d->dev);
	if ((r = dev_read_info(d)) != SK_OK)
		goto fail;
	l->n++;
	return SK_OK;
fail:
	dev_close(d);
	return r;
}

int
skf_devlist_add_custom(struct skf_devlist *l, const char *path, const fido_dev_io_t *io,
                       const fido_dev_transport_t *t)
{
	struct skf_dev *d;

	if (path == NULL || io == NULL) {
		sk_logerr("missing path or io functions");
		return SK_ERR_ARG;
	}
	if (l->n >= SKF_MAX_DEVICES) {
		sk_logerr("too many devices");
		return SK_ERR_RANGE;
	}
	d = &l->d[l->n];
	memset(d, 0, sizeof(*d));
	if ((d->dev = fido_dev_new()) == NULL) {
		sk_logerr("fido_dev_new failed");
		return SK_ERR_NOMEM;
	}
	if (fido_dev_set_io_functions(d->dev, io) != FIDO_OK ||
	    (t != NULL && fido_dev_set_transport_functions(d->dev, t) != FIDO_OK)) {
		sk_logerr("cannot set io or transport functions");
		dev_close(d);
		return SK_ERR_ARG;
	}
	return dev_open_slot(l, path);
}

int
skf_devlist_enumerate(struct skf_devlist *l)
{
	fido_dev_info_t *info;
	size_t found = 0;
	int r;

	if ((info = fido_dev_info_new(SKF_MAX_DEVICES)) == NULL) {
		sk_logerr("fido_dev_info_new failed");
		return SK_ERR_NOMEM;
	}
	if ((r = fido_dev_info_manifest(info, SKF_MAX_DEVICES, &found)) != FIDO_OK) {
		sk_logerr("fido_dev_info_manifest failed: %s", fido_strerr(r));
		fido_dev_info_free(&info, SKF_MAX_DEVICES);
		return SK_ERR_IO;
	}
	for (size_t i = 0; i < found && i < SKF_MAX_DEVICES && l->n < SKF_MAX_DEVICES; i++) {
		const fido_dev_info_t *di = fido_dev_info_ptr(info, i);
		const char *path = di != NULL ? fido_dev_info_path(di) : NULL;
		struct skf_dev *d = &l->d[l->n];

		if (path == NULL)
			continue;
		memset(d, 0, sizeof(*d));
		if ((d->dev = fido_dev_new()) == NULL) {
			sk_logerr("fido_dev_new failed");
			fido_dev_info_free(&info, SKF_MAX_DEVICES);
			return SK_ERR_NOMEM;
		}
		/* A key that does not open is skipped (logged in dev_open_slot): one broken
		 * key must not stop the staff member from using another. */
		(void)dev_open_slot(l, path);
	}
	fido_dev_info_free(&info, SKF_MAX_DEVICES);
	return SK_OK;
}

void
skf_devlist_close(struct skf_devlist *l)
{
	for (size_t i = 0; i < l->n && i < SKF_MAX_DEVICES; i++)
		dev_close(&l->d[i]);
	l->n = 0;
}
