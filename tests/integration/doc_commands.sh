#!/usr/bin/env bash
# Every `sekimori ...` command line the documentation shows must be one the CLI's parser
# accepts: the operator guides (doc/operator-guide.md, doc/ja/operator-guide.md), both
# remote-access guides, privileged-access.md, privileged-sessions.md, bulk-enrol.md,
# doc/deployment.md, doc/hr-import.md and the examples (.EX/.EE blocks)
# of the man pages in doc/man/.
#
# A command is taken from a fenced shell code block (```sh, ```bash, ```console or no label;
# every line, with "\" continuations joined and "# comments" dropped; ```text, ```ini and
# other labels hold output or data and are passed over) or from an inline code span that begins with `sekimori ` or
# `sudo sekimori `; in both, each part of a pipeline or list (|, ||, &&, ;) whose command word
# is sekimori (after sudo, VAR=value, ! or a "(") counts. Its words (shell quoting undone,
# redirections dropped) are given to the real CLI as
#     sekimori -c NONEXISTENT-FILE WORDS...
# The CLI looks up the command and checks every option against that command before it reads
# the configuration (cli/cli_main.c), and stops at the unreadable configuration: so nothing is
# ever sent to a broker and no state changes. The command passes when the CLI got as far as
# the configuration (or printed its help); it fails on "unknown command", "needs a command
# after it", "unknown option" or anything else. A "-c FILE" in the documented line is replaced
# by the nonexistent file for the same reason.
#
# usage: doc_commands.sh             check the documents above, then check that the check
#                                    catches a bogus subcommand and a bogus option
#        doc_commands.sh FILE...     check these files only (exit 1 when any command fails)
set -euo pipefail
: "${SK_CLI:?}" "${SK_SOURCE_DIR:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sk-doccmd-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The configuration the CLI is pointed at never exists, so it never reaches a broker.
noconf="$tmp/absent/sekimori.conf"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"

# Prints one command per line: "FILE:LINE<US>word<US>word...", the words after `sekimori`.
extract() {
	mawk -v US="$(printf '\037')" -v SQ="'" '
	function emit_line(text, line,    i, c, n, depth, q, w, have, words, nw, seg_end, out) {
		# Split text into words and control operators, honouring quotes and $(...).
		n = length(text); q = ""; w = ""; have = 0; nw = 0; depth = 0
		for (i = 1; i <= n + 1; i++) {
			c = (i <= n) ? substr(text, i, 1) : ""
			if (q == SQ) {
				if (c == SQ) q = ""; else w = w c
				continue
			}
			if (q == "\"") {
				if (c == "\\" && i < n) { i++; w = w substr(text, i, 1); continue }
				if (c == "\"") q = ""
				else if (c == "$" && substr(text, i + 1, 1) == "(") { depth++; w = w c }
				else if (c == ")" && depth > 0) { depth--; w = w c }
				else w = w c
				continue
			}
			if (depth > 0) {
				if (c == "(") depth++
				if (c == ")") depth--
				w = w c
				continue
			}
			if (c == SQ || c == "\"") { q = c; have = 1; continue }
			if (c == "\\" && i < n) { i++; w = w substr(text, i, 1); have = 1; continue }
			if (c == "$" && substr(text, i + 1, 1) == "(") { depth++; w = w c; have = 1; continue }
			if (c == "" || c == " " || c == "\t" || c == "|" || c == ";" || c == "&") {
				if (have) { words[++nw] = w; w = ""; have = 0 }
				if (c == "|" || c == ";" || (c == "&" && substr(text, i + 1, 1) == "&")) {
					if (substr(text, i + 1, 1) == c) i++
					words[++nw] = "\001"   # end of one command of the list
				} else if (c == "&") {
					# "&>" or "2>&1" belong to a redirection: keep them in the word
					if (nw > 0 && words[nw] ~ /[<>]$/) words[nw] = words[nw] "&"
					else words[++nw] = "\001"
				}
				continue
			}
			w = w c; have = 1
		}
		words[++nw] = "\001"
		# Each command of the list: skip sudo and its options, VAR=value, "!", "(".
		seg_end = 0
		for (i = 1; i <= nw; i = seg_end + 1) {
			for (seg_end = i; words[seg_end] != "\001"; seg_end++) ;
			c = i
			while (c < seg_end) {
				if (words[c] == "!" || words[c] == "(" || words[c] == "exec") { c++; continue }
				if (words[c] ~ /^[A-Za-z_][A-Za-z0-9_]*=/) { c++; continue }
				if (words[c] == "sudo") {
					c++
					while (c < seg_end && words[c] ~ /^-/) {
						if (words[c] == "-u" || words[c] == "-g") c++
						c++
					}
					continue
				}
				break
			}
			if (c >= seg_end || (words[c] != "sekimori" && words[c] !~ /\/sekimori$/))
				continue
			out = FILENAME ":" line
			for (c++; c < seg_end; c++) {
				if (words[c] ~ /^[0-9]*[<>]/ || words[c] ~ /^&>/) {
					# a redirection: drop it and, when detached, its target
					if (words[c] ~ /^[0-9]*(>>|>|<)$/ || words[c] == "&>") c++
					continue
				}
				if (words[c] == ")") continue
				out = out US words[c]
			}
			print out
		}
	}
	# groff: the escapes the man pages use in examples.
	function unroff(s) {
		gsub(/\\-/, "-", s); gsub(/\\\(aq/, SQ, s); gsub(/\\\(dq/, "\"", s)
		gsub(/\\\(ti/, "~", s); gsub(/\\f[BIRP]/, "", s); gsub(/\\&/, "", s)
		gsub(/\\e/, "\\", s); gsub(/\\ /, " ", s)
		return s
	}
	FNR == 1 { fence = 0; ex = 0; cont = ""; pend = ""; man = (FILENAME ~ /\.[1-8]$/) }
	{
		raw = $0
		if (man) {
			if (raw ~ /^\.EX/) { ex = 1; next }
			if (raw ~ /^\.EE/) { ex = 0; cont = ""; next }
			if (!ex || raw ~ /^\./) next
			raw = unroff(raw)
		} else {
			if (raw ~ /^[ \t]*```/) {
				# a shell block (```sh, ```bash, ```console or no label) holds commands;
				# ```text, ```ini, ```csv ... hold output or data
				info = raw; sub(/^[ \t]*```[ \t]*/, "", info); sub(/[ \t].*$/, "", info)
				if (!fence) shell = (info ~ /^(sh|shell|bash|console)?$/)
				fence = !fence; cont = ""; pend = ""; next
			}
			if (fence && !shell) next
			if (!fence) {
				# inline code spans that begin with the command; a span may go on to the
				# next line of its paragraph
				if (raw ~ /^[ \t]*$/) { pend = ""; next }
				s = (pend != "") ? pend " " raw : raw
				pend = ""
				while (match(s, /`[^`]+`/)) {
					span = substr(s, RSTART + 1, RLENGTH - 2)
					s = substr(s, RSTART + RLENGTH)
					gsub(/[ \t]+/, " ", span)
					if (span ~ /^(sudo )?sekimori /) emit_line(span, FNR)
				}
				if (match(s, /`[^`]*$/)) pend = substr(s, RSTART)
				next
			}
		}
		# a code line: drop a comment (a "#" at the start or after a blank, outside quotes)
		line = raw; q = ""; cut = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (q != "") { if (c == q) q = ""; continue }
			if (c == SQ || c == "\"") { q = c; continue }
			if (c == "#" && (i == 1 || substr(line, i - 1, 1) ~ /[ \t]/)) { cut = i; break }
		}
		if (cut) line = substr(line, 1, cut - 1)
		if (cont == "") start = FNR
		if (line ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, " ", line); cont = cont line; next }
		line = cont line; cont = ""
		if (line ~ /sekimori/) emit_line(line, start)
	}' "$@"
}

# Checks every command extract() found in the files; prints FAIL lines, returns the count.
check_files() {
	local bad=0 n=0 loc rc words where
	extract "$@" > "$tmp/commands"
	while IFS=$'\037' read -r -a words; do
		where=${words[0]}
		words=("${words[@]:1}")
		# A -c FILE of the documented line points at the absent file too.
		for ((k = 0; k < ${#words[@]}; k++)); do
			case ${words[k]} in
			-c) [ $((k + 1)) -lt ${#words[@]} ] && words[k + 1]=$noconf; k=$((k + 1)) ;;
			-*) ;;
			*) break ;;
			esac
		done
		n=$((n + 1))
		rc=0
		LC_ALL=C LANGUAGE= "$SK_CLI" -c "$noconf" "${words[@]}" > "$tmp/out" 2>&1 < /dev/null ||
			rc=$?
		loc="$where: sekimori ${words[*]}"
		if [ $rc -eq 0 ] && grep -q '^usage: sekimori' "$tmp/out"; then
			continue   # --help
		fi
		if [ $rc -eq 2 ] && grep -qF "$noconf" "$tmp/out" &&
		   ! grep -qE "unknown (command|option)|needs a command after it|no command given" \
		     "$tmp/out"; then
			continue   # the parser accepted it and stopped at the configuration
		fi
		echo "FAIL $loc"
		sed 's/^/    /' "$tmp/out"
		bad=$((bad + 1))
	done < "$tmp/commands"
	echo "checked $n commands in $*: $bad refused"
	[ "$n" -gt 0 ] || { echo "FAIL: no command found in $*"; bad=$((bad + 1)); }
	return $bad
}

if [ $# -gt 0 ]; then
	check_files "$@"
	exit $?
fi

cd "$SK_SOURCE_DIR"
docs=(doc/operator-guide.md doc/ja/operator-guide.md doc/remote-access.md doc/ja/remote-access.md
      doc/deployment.md doc/privileged-access.md doc/privileged-sessions.md doc/bulk-enrol.md
      doc/hr-import.md doc/man/*.[1-8])
for f in "${docs[@]}"; do [ -f "$f" ] || { echo "FAIL: $f is missing"; exit 1; }; done
status=0
check_files "${docs[@]}" || status=1
# Each guide must show commands (so an extraction that silently finds nothing fails).
for f in doc/operator-guide.md doc/ja/operator-guide.md doc/man/sekimori.1; do
	c=$(extract "$f" | wc -l)
	[ "$c" -ge 10 ] || { echo "FAIL: only $c commands found in $f"; status=1; }
done

# The check itself: a bogus subcommand, a bogus option and a bogus noun, in every place a
# command is taken from (a span, a span over two lines, a shell block, a continued line, a
# man page example), must each be caught; the good line beside them must pass.
cat > "$tmp/bogus.md" <<'MD'
Prose with `sekimori user frobnicate tanaka01` in it, and a span that goes on to the
next line: `sekimori card revoke tanaka01
--reason lost --shred-it` here.

```sh
sudo sekimori user add tanaka01 --profile mynumber --no-such-option
echo 123456 | sudo sekimori totp enroll tanaka01 \
    --digits 6 --bogus-flag
sekimori widget list   # a noun that does not exist
sudo sekimori user show tanaka01 > /dev/null   # good
```
MD
cat > "$tmp/bogus.8" <<'MAN'
.SH EXAMPLES
.EX
sudo sekimori card revoke tanaka01 \-\-reason lost \-\-wipe\-everything
.EE
MAN
set +e
check_files "$tmp/bogus.md" "$tmp/bogus.8" > "$tmp/bogus.out"
caught=$?
set -e
cat "$tmp/bogus.out"
[ "$caught" -eq 6 ] || { echo "FAIL: the check caught $caught of 6 bogus commands"; status=1; }
for want in "user frobnicate" "--shred-it" "--no-such-option" "--bogus-flag" "widget list" \
            "--wipe-everything"; do
	grep -q "^FAIL .*$want" "$tmp/bogus.out" || { echo "FAIL: not caught: $want"; status=1; }
done
grep -q "^FAIL .*user show" "$tmp/bogus.out" && { echo "FAIL: a good line was refused"; status=1; }
[ $status -eq 0 ] && echo "doc_commands: passed"
exit $status
