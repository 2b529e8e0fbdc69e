# Shared by tests/package/deb.sh and nspawn.sh (sourced): building the packages from a copy
# of the tree, and a fresh Debian 12 root cached as a tarball under the build folder.
# Uses from the caller: $work, $strap, SK_SOURCE_DIR, SK_BINARY_DIR, fail, skip, stamp.

# dpkg-buildpackage writes into the source's parent folder, hence the copy. Sets
# $deb_main and $deb_pam.
pkg_build() {
	local src=$work/src/sekimori
	mkdir -p "$src"
	if git -C "$SK_SOURCE_DIR" rev-parse --show-toplevel > /dev/null 2>&1; then
		# Tracked and new (not ignored) files, without any build folder inside the tree.
		(cd "$SK_SOURCE_DIR" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
			tar -cf - --null -T - ) | tar -C "$src" -xf -
	else
		tar -C "$SK_SOURCE_DIR" --exclude='./build*' -cf - . | tar -C "$src" -xf -
	fi
	[ -f "$src/debian/control" ] || fail "no debian/control in the copied tree"
	(cd "$src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") > "$work/build.log" 2>&1 ||
		{ tail -n 40 "$work/build.log"; fail "dpkg-buildpackage"; }
	stamp "built"
	deb_main=$(ls "$work"/src/sekimori_*_amd64.deb 2>/dev/null ||
		ls "$work"/src/sekimori_*.deb | grep -v dbgsym)
	deb_pam=$(ls "$work"/src/libpam-sekimori_*.deb | grep -v dbgsym)
	[ -f "$deb_main" ] && [ -f "$deb_pam" ] || fail "packages not built"
}

# pkg_base_root NAME EXTRA: sets $base, a tarball of a minbase Debian 12 root with the
# packages' dependencies, pamtester, oathtool, passwd and EXTRA (comma-separated), from
# the mirror apt uses here. Cached as package-cache/bookworm-NAME-KEY.tar (KEY: the list
# and the mirror); an older tarball of the same NAME is removed.
pkg_base_root() {
	local name=$1 extra=$2 mirror= f deps include cache key
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ && u {print u; exit}' "$f")
		[ -n "$mirror" ] && break
	done
	if [ -z "$mirror" ]; then
		mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list \
			/etc/apt/sources.list.d/*.list 2>/dev/null || true)
	fi
	[ -n "$mirror" ] || skip "no Debian bookworm mirror in /etc/apt/sources.list*"
	deps=$(for f in "$deb_main" "$deb_pam"; do dpkg-deb -f "$f" Depends; done | tr ',' '\n' |
		sed 's/[(|].*//; s/ //g' | grep -v '^sekimori$' | grep -v '^$' | sort -u | paste -sd, -)
	include="$deps,pamtester,oathtool,passwd${extra:+,$extra}"
	cache=$SK_BINARY_DIR/package-cache
	mkdir -p "$cache"
	key=$(printf '%s %s %s' "$strap" "$mirror" "$include" | sha256sum | cut -c1-16)
	base=$cache/bookworm-$name-$key.tar
	if [ -s "$base" ]; then
		stamp "base root from the cache ($base)"
		return 0
	fi
	rm -f "$cache/bookworm-$name-"*.tar   # an older key: its package list changed
	if [ "$strap" = mmdebstrap ]; then
		mmdebstrap --format=tar --variant=minbase --include="$include" bookworm "$base.part" \
			"$mirror" > "$work/strap.log" 2>&1 || { tail -n 20 "$work/strap.log"; fail "mmdebstrap"; }
	else
		debootstrap --variant=minbase --include="$include" bookworm "$work/strap" "$mirror" \
			> "$work/strap.log" 2>&1 || { tail -n 20 "$work/strap.log"; fail "debootstrap"; }
		tar -C "$work/strap" -cf "$base.part" . && rm -rf "$work/strap"
	fi
	mv "$base.part" "$base"
	stamp "base root made ($strap, $mirror)"
}
