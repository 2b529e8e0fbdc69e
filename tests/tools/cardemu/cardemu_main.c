/* sk-cardemu main: options, test keys, the vpcd link and the state file.
 *
 * vpcd wire format: every message is a 2-byte big-endian length and a payload. A 1-byte payload
 * is a control command (00 power off, 01 power on, 02 reset, 04 get ATR: answer the ATR);
 * anything longer is a command APDU, answered with the response APDU. Each answer goes out in
 * one write with TCP_NODELAY (vpcd's own pace is ~40 ms per APDU otherwise).
 *
 * The card is "removed" when the process exits: on SIGTERM/SIGINT/SIGUSR1, on --exit-on-ins,
 * or when vpcd closes the link. */
#include "cardemu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const uint8_t atr_jpki[] = { 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14 };
/* T=1, historical bytes 80 (compact TLV) FB = tag F (AID), 11 bytes: the PIV AID, so that
 * OpenSC's PIV driver recognises the card by its ATR. TCK appended at start-up. */
static const uint8_t atr_piv_body[] = {
	0x3B, 0x8D, 0x80, 0x01, 0x80, 0xFB, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00,
	0x01, 0x00
};

struct options {
	const char *type, *host, *state_file;
	const char *cert, *key, *ca_cert, *cert_9a, *key_9a, *cert_9e, *key_9e;
	const char *pin, *sign_pin, *fault, *chuid_guid;
	int port, tries, max_tries, exit_on_ins, connect_secs, no_6c;
	uint16_t blocked_sw;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: sk-cardemu --type jpki|piv [options]\n"
		"  --port N            vpcd port on 127.0.0.1 (35963)\n"
		"  JPKI: --cert PEM --key PEM [--ca-cert PEM] [--pin 4DIGITS] [--sign-pin PIN]\n"
		"  PIV:  [--cert-9a PEM --key-9a PEM] [--cert-9e PEM --key-9e PEM] [--pin PIN]\n"
		"        [--chuid-guid 32HEX]  a CHUID (5FC102) with this GUID (none by default)\n"
		"  --max-tries N       PIN tries when unblocked (JPKI 3, PIV 3)\n"
		"  --tries N           tries left at start (default max); --blocked = 0,\n"
		"                      --one-try-left = 1\n"
		"  --blocked-sw 6983|63C0   status word of a blocked PIN (6983)\n"
		"  --no-6c             short READ BINARY answers with 90 00 instead of 6Cxx\n"
		"  --state FILE        counters and PIN state, rewritten after every APDU\n"
		"  --exit-on-ins HEX   exit (card pulled) when a command with this INS arrives\n"
		"  --fault NAME        misbehave on purpose (see cardemu.h)\n"
		"  SIGTERM, SIGINT or SIGUSR1 remove the card (the process exits).\n");
	exit(2);
}

static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "sk-cardemu: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static EVP_PKEY *
load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		die("cannot open key", path);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		die("not a PEM private key", path);
	return k;
}

static void
load_cert(const char *path, struct emu_blob *b)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	unsigned char *der = NULL;
	int len;

	if (f == NULL)
		die("cannot open certificate", path);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		die("not a PEM certificate", path);
	len = i2d_X509(x, &der);
	X509_free(x);
	if (len <= 0 || len > EMU_OBJ_MAX - 64)
		die("certificate too large", path);
	b->der = der;
	b->len = (size_t)len;
}

static void
set_pin(struct emu_pin *p, const char *value, int max_tries, int tries)
{
	if (strlen(value) > EMU_PIN_MAX)
		die("PIN too long", NULL);
	snprintf(p->value, sizeof(p->value), "%s", value);
	p->max_tries = max_tries;
	p->tries = tries < 0 ? max_tries : tries;
}

static void
write_state(const struct emu_card *c, const char *path)
{
	char tmp[4096];
	FILE *f;
	int n;

	if (path == NULL)
		return;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("state path too long", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		die("cannot write state", tmp);
	fprintf(f, "apdus=%lu\nresets=%lu\npin_tries=%d\npin_verified=%d\npin_status=%lu\n"
		"pin_verify_data=%lu\npin_wrong=%lu\nsign_ops=%lu\nwrong_length=%lu\n"
		"get_response=%lu\nchained=%lu\nunknown=%lu\n",
		c->count.apdus, c->count.resets, c->pin.tries, c->pin.verified,
		c->count.pin_status, c->count.pin_verify_data, c->count.pin_wrong,
		c->count.sign_ops, c->count.wrong_length, c->count.get_response,
		c->count.chained, c->count.unknown);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("cannot write state", path);
}

static int
connect_vpcd(const char *host, int port, int secs)
{
	struct sockaddr_in sa;
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int i, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("bad host address", host);
	for (i = 0; i < secs * 20; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket failed", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
				die("TCP_NODELAY failed", strerror(errno));
			return fd;
		}
		close(fd);
		nanosleep(&pause, NULL);
	}
	die("vpcd not reachable", host);
	return -1;
}

static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	int one = 1;

	while (got < len) {
		ssize_t n;

		/* vpcd writes the length and the payload separately with Nagle on: its payload
		 * waits for our ACK of the length. Quick ACKs (re-armed before every read, the
		 * kernel clears the flag) save ~40 ms of delayed ACK per APDU. */
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		n = recv(fd, buf + got, len - got, 0);

		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 1;
}

/* One message, one write: length and payload together. */
static void
send_msg(int fd, const uint8_t *payload, size_t len)
{
	uint8_t buf[2 + EMU_OBJ_MAX + 16];
	size_t sent = 0;

	if (len > sizeof(buf) - 2)
		die("answer too long", NULL);
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, payload, len);
	while (sent < len + 2) {
		ssize_t n = send(fd, buf + sent, len + 2 - sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(0);   /* vpcd went away: the card is gone either way */
		sent += (size_t)n;
	}
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca-cert", required_argument, NULL, 'C' },
		{ "cert-9a", required_argument, NULL, 1 },
		{ "key-9a", required_argument, NULL, 2 },
		{ "cert-9e", required_argument, NULL, 3 },
		{ "key-9e", required_argument, NULL, 4 },
		{ "pin", required_argument, NULL, 'P' },
		{ "sign-pin", required_argument, NULL, 5 },
		{ "tries", required_argument, NULL, 6 },
		{ "max-tries", required_argument, NULL, 7 },
		{ "blocked", no_argument, NULL, 8 },
		{ "one-try-left", no_argument, NULL, 9 },
		{ "blocked-sw", required_argument, NULL, 10 },
		{ "no-6c", no_argument, NULL, 11 },
		{ "state", required_argument, NULL, 's' },
		{ "exit-on-ins", required_argument, NULL, 12 },
		{ "connect-timeout", required_argument, NULL, 13 },
		{ "fault", required_argument, NULL, 14 },
		{ "chuid-guid", required_argument, NULL, 15 },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "t:p:H:c:k:C:P:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 't': o->type = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'H': o->host = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'C': o->ca_cert = optarg; break;
		case 1: o->cert_9a = optarg; break;
		case 2: o->key_9a = optarg; break;
		case 3: o->cert_9e = optarg; break;
		case 4: o->key_9e = optarg; break;
		case 'P': o->pin = optarg; break;
		case 5: o->sign_pin = optarg; break;
		case 6: o->tries = atoi(optarg); break;
		case 7: o->max_tries = atoi(optarg); break;
		case 8: o->tries = 0; break;
		case 9: o->tries = 1; break;
		case 10: o->blocked_sw = (uint16_t)strtol(optarg, NULL, 16); break;
		case 11: o->no_6c = 1; break;
		case 's': o->state_file = optarg; break;
		case 12: o->exit_on_ins = (int)strtol(optarg, NULL, 16); break;
		case 13: o->connect_secs = atoi(optarg); break;
		case 14: o->fault = optarg; break;
		case 15: o->chuid_guid = optarg; break;
		default: usage();
		}
	}
}

static void
setup_card(const struct options *o, struct emu_card *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->short_read_6c = !o->no_6c;
	c->fault = o->fault;
	c->blocked_sw = o->blocked_sw;
	if (c->blocked_sw != 0x6983 && c->blocked_sw != 0x63C0)
		die("--blocked-sw must be 6983 or 63C0", NULL);
	if (o->type != NULL && strcmp(o->type, "jpki") == 0) {
		c->kind = EMU_JPKI;
		if (o->cert == NULL || o->key == NULL)
			die("JPKI needs --cert and --key", NULL);
		load_cert(o->cert, &c->auth_cert);
		c->auth_key = load_key(o->key);
		if (o->ca_cert != NULL)
			load_cert(o->ca_cert, &c->ca_cert);
		set_pin(&c->pin, o->pin ? o->pin : "1234", o->max_tries > 0 ? o->max_tries : 3,
			o->tries);
		set_pin(&c->sign_pin, o->sign_pin ? o->sign_pin : "ABC123", 5, -1);
		memset(c->token, ' ', sizeof(c->token));
		memcpy(c->token, "JPKIAPICCTOKEN2", 15);
		memcpy(c->atr, atr_jpki, sizeof(atr_jpki));
		c->atr_len = sizeof(atr_jpki);
	} else if (o->type != NULL && strcmp(o->type, "piv") == 0) {
		uint8_t tck = 0;

		c->kind = EMU_PIV;
		if ((o->cert_9a == NULL) != (o->key_9a == NULL) ||
		    (o->cert_9e == NULL) != (o->key_9e == NULL) ||
		    (o->cert_9a == NULL && o->cert_9e == NULL))
			die("PIV needs --cert-9a/--key-9a and/or --cert-9e/--key-9e", NULL);
		if (o->cert_9a != NULL) {
			load_cert(o->cert_9a, &c->cert_9a);
			c->key_9a = load_key(o->key_9a);
		}
		if (o->cert_9e != NULL) {
			load_cert(o->cert_9e, &c->cert_9e);
			c->key_9e = load_key(o->key_9e);
		}
		set_pin(&c->pin, o->pin ? o->pin : "123456", o->max_tries > 0 ? o->max_tries : 3,
			o->tries);
		if (o->chuid_guid != NULL) {
			if (strlen(o->chuid_guid) != 32)
				die("--chuid-guid needs 32 hex digits", o->chuid_guid);
			for (i = 0; i < 16; i++) {
				unsigned int byte;

				if (sscanf(o->chuid_guid + 2 * i, "%2x", &byte) != 1)
					die("--chuid-guid needs 32 hex digits", o->chuid_guid);
				c->chuid_guid[i] = (uint8_t)byte;
			}
			c->has_chuid = 1;
		}
		memcpy(c->atr, atr_piv_body, sizeof(atr_piv_body));
		for (i = 1; i < sizeof(atr_piv_body); i++)
			tck ^= atr_piv_body[i];
		c->atr[sizeof(atr_piv_body)] = tck;
		c->atr_len = sizeof(atr_piv_body) + 1;
	} else {
		usage();
	}
	if (c->pin.tries > c->pin.max_tries || c->pin.tries > 15)
		die("--tries larger than --max-tries or 15", NULL);
	emu_reset(c);
}

int
main(int argc, char **argv)
{
	static struct emu_card card;
	static struct emu_resp resp;
	struct options o;
	uint8_t msg[2 + 65535];
	int fd;

	memset(&o, 0, sizeof(o));
	o.host = "127.0.0.1";
	o.port = 35963;
	o.tries = -1;
	o.exit_on_ins = -1;
	o.connect_secs = 10;
	o.blocked_sw = 0x6983;
	parse_options(argc, argv, &o);
	setup_card(&o, &card);
	/* SIGTERM, SIGINT and SIGUSR1 keep their default action: the process ends and the
	 * kernel closes the link, which vpcd reports as a removed card. */
	fd = connect_vpcd(o.host, o.port, o.connect_secs);
	write_state(&card, o.state_file);
	for (;;) {
		size_t len;
		int r = read_full(fd, msg, 2);

		if (r <= 0)
			return r == 0 ? 0 : 1;
		len = (size_t)msg[0] << 8 | msg[1];
		if (len == 0)
			continue;
		if (read_full(fd, msg, len) <= 0)
			return 0;
		if (len == 1) {
			switch (msg[0]) {
			case 0x00: case 0x01: case 0x02:
				card.count.resets++;
				emu_reset(&card);
				write_state(&card, o.state_file);
				break;
			case 0x04:
				send_msg(fd, card.atr, card.atr_len);
				break;
			default:
				break;
			}
			continue;
		}
		if (o.exit_on_ins >= 0 && len >= 2 && msg[1] == (uint8_t)o.exit_on_ins) {
			card.count.apdus++;
			write_state(&card, o.state_file);
			return 0;   /* pulled out in the middle of the command */
		}
		emu_process(&card, msg, len, &resp);
		write_state(&card, o.state_file);
		{
			uint8_t out[EMU_OBJ_MAX + 18];

			memcpy(out, resp.data, resp.len);
			out[resp.len] = (uint8_t)(resp.sw >> 8);
			out[resp.len + 1] = (uint8_t)resp.sw;
			send_msg(fd, out, resp.len + 2);
		}
	}
}
