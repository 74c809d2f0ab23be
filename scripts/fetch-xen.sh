#!/usr/bin/env bash
# Fetch the Xen hypervisor source for whole-tree reliability runs
# (docs/reliability.md), from Debian's source archive:
#   1. add a deb-src entry for Debian's main archive under
#      /etc/apt/sources.list.d/, with the mirror URI and suite taken from the
#      existing sources (deb822 .sources files or one-line .list form);
#   2. apt-get update; cd /tmp && apt-get source --download-only xen;
#   3. unpack the orig tarball under /tmp/xen-src and print the tree's path.
# Idempotent: an existing entry, download or unpacked tree is reused.
set -euo pipefail

dest=/tmp/xen-src
entry=/etc/apt/sources.list.d/lockscope-deb-src.sources

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

existing_tree() {
  local d
  for d in "$dest"/xen-*/; do
    if [ -d "$d/xen" ]; then echo "${d%/}"; return 0; fi
  done
  return 1
}

if t="$(existing_tree)"; then
  echo "$t"
  exit 0
fi

# --- 1. Mirror URI and suite of Debian's main archive (not -security, not -updates).
uri=""
suite=""
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  [ "$f" = "$entry" ] && continue
  # deb822: stanzas separated by blank lines; take the first "Types: deb" stanza
  # whose URI is a Debian archive other than debian-security.
  read -r u s < <(awk '
    BEGIN { RS = ""; FS = "\n" }
    {
      types = ""; uris = ""; suites = "";
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Types:/)  { types = $i;  sub(/^Types:[ \t]*/, "", types) }
        if ($i ~ /^URIs:/)   { uris = $i;   sub(/^URIs:[ \t]*/, "", uris) }
        if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
      }
      split(types, t, /[ \t]+/); isdeb = 0
      for (k in t) if (t[k] == "deb") isdeb = 1
      split(uris, u, /[ \t]+/); split(suites, s, /[ \t]+/)
      if (isdeb && u[1] ~ /\/debian\/?$/ && s[1] !~ /-(security|updates|backports)$/) { print u[1], s[1]; exit }
    }' "$f") || true
  if [ -n "${u:-}" ] && [ -n "${s:-}" ]; then uri="$u"; suite="$s"; break; fi
done
if [ -z "$uri" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # One-line form: deb [options] URI suite component...
    read -r u s < <(awk '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($i ~ /\/debian\/?$/ && $(i + 1) !~ /-(security|updates|backports)$/) { print $i, $(i + 1); exit }
      }' "$f") || true
    if [ -n "${u:-}" ] && [ -n "${s:-}" ]; then uri="$u"; suite="$s"; break; fi
  done
fi
if [ -z "$uri" ] || [ -z "$suite" ]; then
  echo "fetch-xen: no Debian main archive found in /etc/apt/sources.list*" >&2
  exit 1
fi

want="Types: deb-src
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
if [ ! -f "$entry" ] || [ "$(cat "$entry")" != "$want" ]; then
  printf '%s\n' "$want" | $sudo tee "$entry" >/dev/null
  echo "fetch-xen: wrote $entry (deb-src $uri $suite main)" >&2
fi

# --- 2. Download the source package.
$sudo apt-get update -qq >&2
cd /tmp
origs=(/tmp/xen_*.orig.tar.gz /tmp/xen_*.orig.tar.xz /tmp/xen_*.orig.tar.bz2)
if [ "${#origs[@]}" -eq 0 ]; then
  apt-get source --download-only xen >&2
  origs=(/tmp/xen_*.orig.tar.gz /tmp/xen_*.orig.tar.xz /tmp/xen_*.orig.tar.bz2)
fi
if [ "${#origs[@]}" -eq 0 ]; then
  echo "fetch-xen: no xen_*.orig.tar.* in /tmp after apt-get source" >&2
  exit 1
fi

# --- 3. Unpack the orig tarball (the upstream tree, without Debian's patches).
orig="${origs[0]}"
mkdir -p "$dest"
tmp="$(mktemp -d "$dest/.unpack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xf "$orig" -C "$tmp"
top="$(ls "$tmp" | head -n 1)"
mv "$tmp/$top" "$dest/$top"
existing_tree
