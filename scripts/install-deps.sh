#!/usr/bin/env bash
# Installs everything Sekimori needs to build, run and test on Debian 12.
# Idempotent: safe to run on every invocation of the README commands.
set -euo pipefail
need_apt=0
pkgs=(build-essential cmake pkg-config gettext
      libpam0g-dev libssl-dev libfido2-dev liboath-dev libpcsclite-dev libcmocka-dev
      libsqlite3-dev libcrypt-dev libqrencode-dev libcbor-dev libsystemd-dev libinih-dev
      libjson-c-dev sqlite3 locales
      pamtester libpam-wrapper libpamtest0-dev oathtool
      pcscd vsmartcard-vpcd opensc pcsc-tools cppcheck clang libclang-rt-14-dev
      openssl iproute2 util-linux systemd)
# The PostgreSQL store (broker/store/postgresql/): libpq to build; the server for its tests,
# which run a cluster of their own under the test folder (tests/pg).
pkgs+=(libpq-dev postgresql)
pkgs+=(libcsv-dev tzdata)   # hr/: the CSV parser of the HR import; the HR time zone (hr_timezone)
# The package test (tests/package): build the .deb, a fresh Debian root, the unit's analysis.
pkgs+=(dpkg-dev debhelper lintian mmdebstrap debootstrap systemd-container)
# sekimori migrate's test: the old modules side by side (tests/integration/migrate.sh);
# the audit log's rotation test runs the real logrotate. The peer benchmarks (bench/peer)
# run pam_oath and pam_google_authenticator beside Sekimori, with pam_faillock (in
# libpam-modules) and nss_wrapper (below) for their users.
pkgs+=(libpam-oath libpam-google-authenticator logrotate)
# The remote front ends (tests/remote): sshd and ssh, OpenVPN with its auth-pam plugin,
# FreeRADIUS with rlm_pam and radclient; nss_wrapper gives sshd the test's accounts; expect
# types the static-challenge answer on the OpenVPN client's console.
pkgs+=(openssh-server openssh-client openvpn freeradius freeradius-utils libnss-wrapper expect)
# Privileged sessions (issue 9): a real sudo with a pam.d file and a sudoers drop-in.
pkgs+=(sudo)
# sekimori audit report's test renders the HTML page in headless Chromium
# (tests/integration/test_audit_report.c).
pkgs+=(chromium)
for p in "${pkgs[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || { need_apt=1; break; }
done
if [ "$need_apt" = 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
# The staff read Japanese: the ja_JP.UTF-8 locale must exist for the catalogue to load.
if ! locale -a 2>/dev/null | grep -i '^ja_JP\.utf-\?8$' >/dev/null; then
  grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null || echo 'ja_JP.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen >/dev/null
fi
