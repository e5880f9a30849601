#!/usr/bin/env bash
# Build the stand-in vantage6 node image used by the integration tests.
#
#   build-image.sh [IMAGE] [--no-vnode]
#
# IMAGE defaults to 127.0.0.1:5999/v6node-test/node:standin, or with
# --no-vnode to 127.0.0.1:5999/v6node-test/node:no-vnode (an image without
# vnode-local: starting a node on it fails with "executable file not found").
# Nothing listens on 127.0.0.1:5999, so a pull of these names fails at once and
# never leaves this machine.
#
# The image is made with `docker import` from a rootfs built in a temp dir:
# /bin/busybox (Debian's busybox-static) + applet symlinks, /usr/local/bin/vnode-local,
# /usr/local/bin/dockerping (dockerping.c, cc -static), /tmp (1777), /etc/passwd,
# /etc/group. It sets no Env, Cmd or Entrypoint, so `docker inspect` of a node
# container shows exactly what the create request sent; its only label is
# v6node.standin=<sha256 of the inputs>. When an image of that name already
# carries the same label, nothing is built. A rebuilt image's previous version
# is removed when no container uses it.
#
# Uses $DOCKER (default: docker) and the engine DOCKER_HOST points at (default
# socket). Prints the image name on stdout on success.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
docker="${DOCKER:-docker}"
busybox="${BUSYBOX:-/bin/busybox}"
cc="${CC:-cc}"

die() { echo "build-image: $*" >&2; exit 1; }

image=""
vnode=1
for a in "$@"; do
  case "$a" in
    --no-vnode) vnode=0 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $a (usage: build-image.sh [IMAGE] [--no-vnode])" ;;
    *) [ -z "$image" ] || die "more than one image name given"; image="$a" ;;
  esac
done
if [ -z "$image" ]; then
  if [ "$vnode" = 1 ]; then image=127.0.0.1:5999/v6node-test/node:standin
  else image=127.0.0.1:5999/v6node-test/node:no-vnode; fi
fi

[ -x "$busybox" ] || die "$busybox not found: install busybox-static (scripts/install-deps.sh busybox-static)"
case "$(ldd "$busybox" 2>&1 || true)" in
  *"not a dynamic"* | *statically*) ;;
  *) die "$busybox is not statically linked: install busybox-static" ;;
esac
command -v "$cc" >/dev/null || die "no C compiler ($cc): install build-essential"
command -v "$docker" >/dev/null || die "docker CLI not found: install docker.io (scripts/engine-up.sh)"

applets="sh ash ls cat echo sleep grep sed tr mkdir rm touch test [ [[ printf head tail cut env
date tee id kill ps wc true false stat readlink basename dirname uname hostname"

# Everything that decides the image's content goes into the label.
sum="$( {
  echo "v6node-standin/2 vnode=$vnode"
  echo "$applets"
  sha256sum "$busybox" "$here/dockerping.c" "$here/build-image.sh" | cut -d' ' -f1
  [ "$vnode" = 0 ] || sha256sum "$here/vnode-local" | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)"

old_id="$("$docker" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
if [ -n "$old_id" ]; then
  have="$("$docker" image inspect -f '{{index .Config.Labels "v6node.standin"}}' "$image" 2>/dev/null || true)"
  if [ "$have" = "$sum" ]; then
    echo "build-image: $image is up to date" >&2
    echo "$image"
    exit 0
  fi
fi

tmp="$(mktemp -d /tmp/v6node-standin.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
root="$tmp/rootfs"
mkdir -p "$root/bin" "$root/usr/local/bin" "$root/etc" "$root/tmp" "$root/mnt" "$root/root" \
  "$root/var/run" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
have_applets=" $("$busybox" --list | tr '\n' ' ') "
for a in $applets; do
  case "$have_applets" in *" $a "*) ;; *) die "busybox has no applet '$a'" ;; esac
  ln -s busybox "$root/bin/$a"
done
"$cc" -static -O2 -o "$root/usr/local/bin/dockerping" "$here/dockerping.c" ||
  die "compiling dockerping.c failed (need libc6-dev for static linking)"
strip "$root/usr/local/bin/dockerping" 2>/dev/null || true
if [ "$vnode" = 1 ]; then
  cp "$here/vnode-local" "$root/usr/local/bin/vnode-local"
  chmod 0755 "$root/usr/local/bin/vnode-local"
fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

echo "build-image: importing $image" >&2
new_id="$(tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . |
  "$docker" import --change "LABEL v6node.standin=$sum" \
    -m "libv6node stand-in node image (tests/integration/standin)" - "$image")" ||
  die "docker import of $image failed"
new_id="$(echo "$new_id" | tail -n 1)"

# The previous version is now untagged: remove it unless something still uses it.
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  if [ -z "$("$docker" image inspect -f '{{join .RepoTags ","}}' "$old_id" 2>/dev/null)" ]; then
    "$docker" rmi "$old_id" >/dev/null 2>&1 || true
  fi
fi
echo "$image"
