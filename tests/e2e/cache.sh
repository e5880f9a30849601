# shellcheck shell=bash
# The suite's cache (sourced by run.sh after lib.sh): what takes minutes to make is made
# once, under a key from its inputs (package versions, this file, the algorithm's sources),
# and a run whose keys all match builds nothing.
#
#   $E2E_CACHE/wheels/node-VERSION-KEY/      pip wheel of vantage6-node==VERSION and the extras
#   $E2E_CACHE/rootfs/bookworm-KEY.tar       mmdebstrap --variant=minbase + python3
#   $E2E_CACHE/venv/server-KEY/              vantage6-server 4.15.2 on Python 3.10
#   $E2E_CACHE/venv/official-KEY/            vantage6 4.15.2 (the official CLI) on Python 3.11
#   images in the suite engine ($E2E_ENGINE_ROOT), labelled v6ne2e.key=KEY:
#     node 4.15 and 4.14 (rootfs + venv installed offline from the wheelhouse), the algorithm
#
# Each entry is built under a temporary name and renamed when complete; an entry of the same
# kind with another key is removed (by its exact path) once the new one is there.

E2E_CACHE_SCRIPT="${BASH_SOURCE[0]}"

# Interpreters: the node image's Debian Python is 3.11, so its wheels are built with a 3.11;
# vantage6-server 4.15.2 needs 3.10 (its permission checks fail on 3.11).
find_python() {
  local want="$1" candidate
  shift
  for candidate in "$@"; do
    [ -n "$candidate" ] || continue
    candidate="$(command -v "$candidate" 2>/dev/null || true)"
    [ -n "$candidate" ] || continue
    if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

e2e_pythons() {
  E2E_PY311="$(find_python 3.11 "${V6NE2E_PYTHON311:-}" python3 python3.11 /root/.pyenv/versions/3.11.7/bin/python3.11 /usr/bin/python3.11)" ||
    die "no Python 3.11 with pip found (set V6NE2E_PYTHON311): the node image's wheels are built with it"
  E2E_PY310="$(find_python 3.10 "${V6NE2E_PYTHON310:-}" /root/.pyenv/versions/3.10.13/bin/python3.10 python3.10)" ||
    die "no Python 3.10 found (set V6NE2E_PYTHON310): vantage6-server 4.15.2 fails on 3.11"
}

# Remove the entries PREFIX* in DIR except KEEP (exact paths under the cache only).
drop_other_entries() {
  local dir="$1" prefix="$2" keep="$3" entry
  for entry in "$dir/$prefix"*; do
    [ -e "$entry" ] || continue
    [ "$entry" = "$keep" ] && continue
    case "$entry" in "$E2E_CACHE"/*) rm -rf --one-file-system -- "$entry" ;; esac
  done
}

# Temporary build folders left by a run that was killed.
drop_partial_entries() {
  local entry
  for entry in "$E2E_CACHE"/wheels/*.partial "$E2E_CACHE"/rootfs/*.partial "$E2E_CACHE"/venv/*.partial \
    "$E2E_CACHE"/tmp/*; do
    [ -e "$entry" ] || continue
    rm -rf --one-file-system -- "$entry"
  done
}

# ---- host side: needs PyPI and the Debian mirror, so it runs before the namespace ----------

wheelhouse_key() { cache_key "node $1" "${E2E_NODE_EXTRAS[@]}" "python $("$E2E_PY311" -V 2>&1)" "$E2E_CACHE_SCRIPT"; }

# ensure_wheelhouse VERSION: prints the folder of vantage6-node==VERSION's wheels.
ensure_wheelhouse() {
  local version="$1" key dir
  key="$(wheelhouse_key "$version")"
  dir="$E2E_CACHE/wheels/node-$version-$key"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    # Only psutil (5.9.0) is compiled; every other package comes as a wheel.
    run_long "wheelhouse for vantage6-node==$version (pip wheel, about 20 s)" "$E2E_CACHE/log/wheels-$version.log" \
      "$E2E_PY311" -m pip wheel --disable-pip-version-check --progress-bar off -w "$dir.partial" \
      "vantage6-node==$version" "${E2E_NODE_EXTRAS[@]}" >&2
    touch "$dir.partial/.complete"
    mv "$dir.partial" "$dir"
    drop_other_entries "$E2E_CACHE/wheels" "node-$version-" "$dir"
  fi
  echo "$dir"
}

rootfs_key() { cache_key "$E2E_DEBIAN_SUITE" "$E2E_DEBIAN_PACKAGES" minbase "$E2E_CACHE_SCRIPT"; }

# ensure_rootfs: prints the path of the Debian rootfs tarball.
ensure_rootfs() {
  local key tar
  key="$(rootfs_key)"
  tar="$E2E_CACHE/rootfs/$E2E_DEBIAN_SUITE-$key.tar"
  if [ ! -f "$tar" ]; then
    command -v mmdebstrap >/dev/null || "$E2E_REPO/scripts/install-deps.sh" mmdebstrap >&2
    mkdir -p "$E2E_CACHE/rootfs"
    rm -f "$tar.partial"
    # the host's apt sources; no mirror argument is needed
    run_long "Debian $E2E_DEBIAN_SUITE rootfs (mmdebstrap, about 25 s)" "$E2E_CACHE/log/rootfs.log" \
      mmdebstrap --variant=minbase --include="$E2E_DEBIAN_PACKAGES" --format=tar \
      "$E2E_DEBIAN_SUITE" "$tar.partial" >&2
    mv "$tar.partial" "$tar"
    drop_other_entries "$E2E_CACHE/rootfs" "$E2E_DEBIAN_SUITE-" "$tar"
  fi
  echo "$tar"
}

# ensure_venv KIND PYTHON PACKAGE...: prints the folder of a venv with exactly these pins.
ensure_venv() {
  local kind="$1" python="$2" key dir
  shift 2
  key="$(cache_key "$kind" "$("$python" -V 2>&1)" "$@" "$E2E_CACHE_SCRIPT")"
  dir="$E2E_CACHE/venv/$kind-$key"
  if [ ! -f "$dir/.complete" ]; then
    mkdir -p "$E2E_CACHE/venv"
    rm -rf "$dir.partial"
    # A venv records its own path: build it where it will stay, mark it complete last.
    rm -rf "$dir"
    run_long "$kind venv: $* (pip install, about 35 s)" "$E2E_CACHE/log/venv-$kind.log" \
      sh -c 'py="$1" dir="$2"; shift 2; "$py" -m venv "$dir" && "$dir/bin/pip" install --disable-pip-version-check --progress-bar off "$@"' \
      sh "$python" "$dir" "$@"
    touch "$dir/.complete"
    drop_other_entries "$E2E_CACHE/venv" "$kind-" "$dir"
  fi
  echo "$dir"
}

ensure_host_cache() {
  mkdir -p "$E2E_CACHE/log" "$E2E_CACHE/tmp"
  drop_partial_entries
  e2e_pythons
  E2E_WHEELS_NEW="$(ensure_wheelhouse "$E2E_V6_VERSION")"
  E2E_WHEELS_OLD="$(ensure_wheelhouse "$E2E_V6_OLD_VERSION")"
  E2E_ROOTFS="$(ensure_rootfs)"
  E2E_SERVER_VENV="$(ensure_venv server "$E2E_PY310" "vantage6-server==$E2E_V6_VERSION" \
    "vantage6-backend-common==$E2E_V6_VERSION" "vantage6-client==$E2E_V6_VERSION")"
  E2E_OFFICIAL_VENV="$(ensure_venv official "$E2E_PY311" "vantage6==$E2E_V6_VERSION")"
}

# ---- images, in the suite engine (docker talks to $DOCKER_HOST, the suite's socket) ------

image_key_in_engine() {
  docker image inspect -f '{{ index .Config.Labels "v6ne2e.key" }}' "$1" 2>/dev/null || true
}

# build_node_image VERSION WHEELHOUSE IMAGE: the rootfs plus a venv with vantage6-node,
# installed offline from the wheelhouse, imported into the suite engine.
build_node_image() {
  local version="$1" wheels="$2" image="$3" key tmp
  key="$(cache_key "$(basename "$E2E_ROOTFS")" "$(basename "$wheels")" "$image" "$E2E_CACHE_SCRIPT")"
  if [ "$(image_key_in_engine "$image")" = "$key" ]; then
    say "cached: $image (key $key)"
    return 0
  fi
  tmp="$(mktemp -d "$E2E_CACHE/tmp/node-$version.XXXXXX")"
  tar -C "$tmp" -xf "$E2E_ROOTFS"
  mkdir -p "$tmp/tmp/wheels"
  cp -l "$wheels"/*.whl "$tmp/tmp/wheels/" 2>/dev/null || cp "$wheels"/*.whl "$tmp/tmp/wheels/"
  # chroot with a clean environment: nothing of this machine's pip settings goes in.
  run_long "node $version: venv in the rootfs, offline from the wheelhouse" "$E2E_CACHE/log/node-$version.log" \
    chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/sh -ec "
      python3 -m venv /opt/vantage6
      /opt/vantage6/bin/pip install --disable-pip-version-check --no-cache-dir --no-index --progress-bar off \
        --find-links /tmp/wheels vantage6-node==$version ${E2E_NODE_EXTRAS[*]}
      ln -s /opt/vantage6/bin/vnode-local /usr/local/bin/vnode-local
      /opt/vantage6/bin/pip --disable-pip-version-check list --format=freeze > /opt/vantage6/packages.txt
      rm -rf /tmp/wheels /root/.cache"
  run_long "node $version: docker import as $image (about 550 MB)" "$E2E_CACHE/log/import-$version.log" \
    sh -c 'tar -C "$1" -c . | docker import --change "ENV PROXY_SERVER_PORT=80" \
             --change "LABEL v6ne2e.key=$2" --change "LABEL v6ne2e.vantage6-node=$3" - "$4"' \
    sh "$tmp" "$key" "$version" "$image"
  rm -rf --one-file-system -- "$tmp"
}

# build_algorithm_image: the node image plus the algorithm package, committed with the
# standard wrapper command (vantage6-algorithm-tools is already in the node's venv).
build_algorithm_image() {
  local key container=v6ne2e-build-algorithm
  key="$(cache_key "$(image_key_in_engine "$E2E_NODE_IMAGE")" "$E2E_HERE"/algorithm/v6ne2e_algo/*.py \
    "$E2E_ALGO_IMAGE" "$E2E_CACHE_SCRIPT")"
  if [ "$(image_key_in_engine "$E2E_ALGO_IMAGE")" = "$key" ]; then
    say "cached: $E2E_ALGO_IMAGE (key $key)"
    return 0
  fi
  say "algorithm image $E2E_ALGO_IMAGE (docker create/cp/commit)"
  docker rm -f "$container" >/dev/null 2>&1 || true
  docker create --name "$container" "$E2E_NODE_IMAGE" /bin/true >/dev/null
  docker cp "$E2E_HERE/algorithm/." "$container:/opt/v6ne2e-algorithm"
  docker commit \
    --change 'ENV PKG_NAME=v6ne2e_algo' \
    --change 'ENV PYTHONPATH=/opt/v6ne2e-algorithm' \
    --change 'CMD ["/opt/vantage6/bin/python", "-c", "from vantage6.algorithm.tools.wrap import wrap_algorithm; wrap_algorithm()"]' \
    --change "LABEL v6ne2e.key=$key" \
    "$container" "$E2E_ALGO_IMAGE" >/dev/null
  docker rm "$container" >/dev/null
}

image_id() { docker image inspect -f '{{ .Id }}' "$1" 2>/dev/null || true; }

ensure_images() {
  local before=() image id
  for image in "$E2E_ALGO_IMAGE" "$E2E_NODE_IMAGE" "$E2E_NODE_IMAGE_OLD"; do
    before+=("$(image_id "$image")")
  done
  build_node_image "$E2E_V6_VERSION" "$E2E_WHEELS_NEW" "$E2E_NODE_IMAGE"
  build_node_image "$E2E_V6_OLD_VERSION" "$E2E_WHEELS_OLD" "$E2E_NODE_IMAGE_OLD"
  build_algorithm_image
  # an image a rebuild replaced is removed by its id (the algorithm first: it is a child)
  for id in "${before[@]}"; do
    [ -n "$id" ] || continue
    for image in "$E2E_ALGO_IMAGE" "$E2E_NODE_IMAGE" "$E2E_NODE_IMAGE_OLD"; do
      [ "$(image_id "$image")" = "$id" ] && continue 2
    done
    docker rmi "$id" >/dev/null 2>&1 || say "could not remove the replaced image $id"
  done
}
