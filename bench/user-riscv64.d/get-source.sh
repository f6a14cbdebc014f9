#!/bin/sh
# Fetch and unpack a Debian source package (with Debian's patches applied)
# into a cache outside the checkout, and print the unpacked source directory.
# The first run needs a deb-src entry in APT's sources and the network;
# later runs use the cache.
#   get-source.sh PACKAGE [CACHEDIR]
# CACHEDIR defaults to $XDG_CACHE_HOME/tern/debian-src (~/.cache/tern/...).
set -eu

pkg=${1:?usage: get-source.sh PACKAGE [CACHEDIR]}
cache=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/tern/debian-src}
dir=$cache/$pkg

mkdir -p "$cache"
exec 9>"$cache/.$pkg.lock"
flock 9     # a benchmark and a test may ask at the same time
# .unpacked names the source directory once apt-get source has finished
if [ ! -s "$dir/.unpacked" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && apt-get -q source "$pkg" >&2) || {
    echo "get-source.sh: 'apt-get source $pkg' failed; it needs a deb-src line in" \
         "/etc/apt/sources.list(.d), 'apt-get update', dpkg-dev and the network" >&2
    exit 1
  }
  src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*")
  [ -n "$src" ] && [ -d "$src" ] || {
    echo "get-source.sh: 'apt-get source $pkg' left no $pkg-* directory in $dir" >&2
    exit 1
  }
  basename "$src" > "$dir/.unpacked"
fi
echo "$dir/$(cat "$dir/.unpacked")"
