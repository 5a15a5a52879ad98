#!/usr/bin/env bash
# Builds the Debian package from this checkout: switchboard_<version>_amd64.deb in OUT_DIR
# (default: build/package/).
#   scripts/package.sh [OUT_DIR]
#
# /usr/bin/switchboard and /usr/share/switchboard/web (CMake's install rule), the
# configuration /etc/switchboard/switchboard.toml (a conffile: an upgrade keeps local edits),
# the systemd unit /lib/systemd/system/switchboard.service (hardened: packaging/), and the man
# page switchboard(1) made from --help by help2man. Runtime dependencies come from
# dpkg-shlibdeps, from the libraries the binary links. Installing does not start the service:
# with --auth none it would be open to anyone who reaches the port (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/package}")

scripts/setup.sh
scripts/build.sh release switchboard
version=$(sed -n 's/^project(switchboard VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root
DESTDIR=$stage cmake --install build/release --prefix /usr >/dev/null
install -D -m 0644 packaging/switchboard.toml "$stage/etc/switchboard/switchboard.toml"
install -D -m 0644 packaging/switchboard.service "$stage/lib/systemd/system/switchboard.service"
mkdir -p "$stage/usr/share/man/man1" "$stage/usr/share/doc/switchboard"
help2man --no-info --name "WebRTC signaling and chat server" \
  --version-string "$version" "$stage/usr/bin/switchboard" | gzip -9n >"$stage/usr/share/man/man1/switchboard.1.gz"
cp README.md docs/operations.md docs/deploy.md docs/protocol.md docs/cluster.md \
  packaging/alerts.yml packaging/haproxy.cfg \
  "$stage/usr/share/doc/switchboard/"

# dpkg-shlibdeps reads a source package's control file; a minimal one will do.
mkdir -p "$work/src/debian"
printf 'Source: switchboard\n\nPackage: switchboard\nArchitecture: any\n' >"$work/src/debian/control"
# (It warns that the binary is not where its package will put it; that is the point here.)
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$stage/usr/bin/switchboard" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: switchboard
Version: $version
Architecture: $arch
Maintainer: Switchboard developers <switchboard@localhost>
Depends: $depends
Section: net
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Description: WebRTC signaling and chat server
 One binary serves a browser client for chat and video calls and the signaling
 that connects them: rooms, presence, directed messages, TLS on the same port,
 login tokens, TURN credentials and abuse limits. A superset of the protocol of
 MDN's "Signaling and video calling" sample.
CONTROL
echo /etc/switchboard/switchboard.toml >"$stage/DEBIAN/conffiles"
cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
# Known to systemd, not started: `systemctl enable --now switchboard` once it is configured.
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTINST
cat >"$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

mkdir -p "$out"
deb=$out/switchboard_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
