/* Loading a plug-in of the module (the device plug-in, pamsk_devices.h; the TLS plug-in,
 * pamsk_tls.h): from the folder and file name the module itself was loaded from (dladdr()),
 * ".so" replaced by suffix. It must be a regular file (not a symbolic link) with the same
 * owner as the module and writable by nobody else, the trust the module file itself has;
 * otherwise it is not loaded. */
#ifndef PAMSK_PLUGIN_H
#define PAMSK_PLUGIN_H

/* The dlopen() handle, or NULL (logged, naming what). */
void *pamsk_plugin_open(const char *suffix, const char *what);

#endif
