#!/usr/bin/env bash
# Build the offline sandbox image `coderl-sandbox:latest` without any image registry.
#
# Why debootstrap + `docker import` rather than a Dockerfile: no registry (Docker Hub included) is
# reachable from the build machines, so there is no base image to pull `FROM`. Debian's package mirror is
# reachable, so the root filesystem is bootstrapped from it and imported as a single-layer image.
#
# Usage: sandbox/image/build.sh [--force]
#   --force   rebuild even when an image with the same recipe hash already exists.
# Needs: root, debootstrap, docker. See sandbox/image/README.md.
set -euo pipefail

readonly IMAGE="coderl-sandbox:latest"
readonly LABEL="org.coderl.sandbox.recipe"
readonly SANDBOX_UID=10001
# Only what Python submissions may use: AtCoder offered numpy/scipy to Python programs. The BLAS is
# OpenBLAS (as in numpy's own wheels, so matrix code runs at judge speed; the reference libblas3 that apt
# would pick otherwise is many times slower), in its serial build: it starts no threads at import, which
# keeps a forking harness safe and every program single-threaded.
readonly PACKAGES=(python3 python3-numpy python3-scipy libopenblas0-serial)
# Debian 12's python3-scipy hard-depends on python3-pythran, a build-time compiler that drags in g++,
# Boost and Python headers (~500 MB, and a compiler in the sandbox). scipy never imports it at run time,
# so an empty placeholder package satisfies the dependency instead.
readonly PLACEHOLDERS=(python3-pythran)

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$arg' (allowed: --force)" >&2; exit 2 ;;
  esac
done

die() { echo "build.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap creates device nodes and chroots)"
command -v debootstrap >/dev/null || die "debootstrap not found: apt-get install -y debootstrap"
docker info >/dev/null 2>&1 || die "docker daemon not reachable: start it with 'dockerd > /tmp/dockerd.log 2>&1 &'"

# --- Same Debian release and mirrors as this machine -------------------------------------------------
# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[[ -n "$codename" ]] || die "VERSION_CODENAME missing from /etc/os-release"
arch=$(dpkg --print-architecture)

# Print "URI SUITE" for every `deb` entry apt would read (one-line .list and deb822 .sources formats).
apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk '
      function flush(   u, s, nu, ns, U, S) {
        if (types ~ /(^| )deb( |$)/ && enabled != "no") {
          nu = split(uris, U, " "); ns = split(suites, S, " ")
          for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) print U[u], S[s]
        }
        types = uris = suites = ""; enabled = "yes"
      }
      BEGIN { enabled = "yes" }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      { key = tolower($1); sub(/^[^:]*:[ \t]*/, "") }
      key == "types:" { types = $0 } key == "uris:" { uris = $0 }
      key == "suites:" { suites = $0 } key == "enabled:" { enabled = tolower($0) }
      END { flush() }' "$f"
  done
}
entries=$(apt_entries)
uri_for() { awk -v s="$1" '$2 == s { sub(/\/+$/, "", $1); print $1; exit }' <<<"$entries"; }
mirror=$(uri_for "$codename")
[[ -n "$mirror" ]] || die "no apt source for suite '$codename' in /etc/apt/sources.list{,.d/*}"
updates_mirror=$(uri_for "$codename-updates")
security_mirror=$(uri_for "$codename-security")

# --- Skip when the image already records this recipe -------------------------------------------------
# The recipe is this script plus everything it read from the machine; package versions on the mirror may
# still move (security updates), which --force picks up.
recipe=$(printf '%s\n' "$(sha256sum <"$0")" "$codename" "$arch" "$mirror" "$updates_mirror" \
  "$security_mirror" | sha256sum | cut -c1-16)
existing=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
if [[ $force -eq 0 && "$existing" == "$recipe" ]]; then
  echo "build.sh: $IMAGE already built from recipe $recipe (use --force to rebuild)"
  docker image ls "$IMAGE"
  exit 0
fi

# --- Bootstrap into a temp rootfs, removed even on failure -------------------------------------------
start=$(date +%s)
workdir=$(mktemp -d /var/tmp/coderl-sandbox-rootfs.XXXXXX)
rootfs="$workdir/rootfs"
step() { echo "build.sh: [$(( $(date +%s) - start )) s] $*"; }
cleanup() {
  # Unmount anything left mounted below the rootfs before deleting it, deepest first.
  local m
  awk -v r="$rootfs/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" || true
  done
  rm -rf --one-file-system "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP  # turn signals into an exit, so the EXIT trap cleans up

step "debootstrap $codename ($arch) minbase from $mirror into $rootfs"
# debootstrap prints a line per package; keep that in a log and show its tail only if it fails.
if ! debootstrap --variant=minbase --arch="$arch" \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$codename" "$rootfs" "$mirror" \
  >"$workdir/debootstrap.log" 2>&1; then
  tail -n 40 "$workdir/debootstrap.log" >&2
  die "debootstrap failed (log tail above)"
fi

{
  echo "deb $mirror $codename main"
  [[ -z "$updates_mirror" ]] || echo "deb $updates_mirror $codename-updates main"
  [[ -z "$security_mirror" ]] || echo "deb $security_mirror $codename-security main"
} >"$rootfs/etc/apt/sources.list"
# Never install recommends/docs/man pages/translations, now or if someone adds a package later.
cat >"$rootfs/etc/apt/apt.conf.d/90coderl-minimal" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
CONF
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/90coderl-nodoc" <<'CONF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CONF

step "apt: ${PACKAGES[*]} (+ updates from ${updates_mirror:-none}, ${security_mirror:-none})"
mount -t proc proc "$rootfs/proc"
mount -t devpts devpts "$rootfs/dev/pts"  # apt/dpkg log through a pty
in_root() { DEBIAN_FRONTEND=noninteractive LC_ALL=C chroot "$rootfs" "$@"; }
in_root apt-get update -q
in_root apt-get -y -q dist-upgrade
for pkg in "${PLACEHOLDERS[@]}"; do
  mkdir -p "$rootfs/tmp/$pkg/DEBIAN"
  cat >"$rootfs/tmp/$pkg/DEBIAN/control" <<CONTROL
Package: $pkg
Version: 0~coderl1
Architecture: all
Maintainer: coderl sandbox image <root@localhost>
Description: empty placeholder for $pkg (see sandbox/image/build.sh)
CONTROL
  in_root dpkg-deb --build "/tmp/$pkg" "/tmp/$pkg.deb"
  in_root dpkg -i "/tmp/$pkg.deb"
  in_root apt-mark hold "$pkg"  # never let apt replace it with the real package
done
in_root apt-get -y -q install "${PACKAGES[@]}"
in_root apt-get -y -q autoremove --purge
in_root apt-get clean
# No login shell; home is /work, the only writable place at run time (a tmpfs).
in_root useradd --uid "$SANDBOX_UID" --user-group --no-create-home --home-dir /work \
  --shell /usr/sbin/nologin sandbox
umount "$rootfs/dev/pts" "$rootfs/proc"

# /work: tmpfs mount point (the program's cwd). /sandbox: read-only mount point for harness.py.
install -d -m 0755 -o "$SANDBOX_UID" -g "$SANDBOX_UID" "$rootfs/work"
install -d -m 0755 -o root -g root "$rootfs/sandbox"

# numpy's and scipy's own test suites (~30 MB) are never imported by programs.
find "$rootfs"/usr/lib/python3/dist-packages/{numpy,scipy} -depth -type d -name tests -exec rm -rf {} +
# Size: caches, package lists, docs, logs. Docker provides its own /dev at run time.
rm -rf "${rootfs:?}"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/* "$rootfs"/var/log/* \
  "$rootfs"/var/lib/dpkg/*-old "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs"/root/.cache "${rootfs:?}"/dev/*

# What every container needs, checked as the sandbox user before and after import: a tagged image is a
# working one (a half-deleted rootfs once imported "successfully" as an 87 MB image without /bin/sh).
readonly SMOKE="import os, sys, numpy, scipy.optimize, scipy.sparse.csgraph; assert os.getuid() == $SANDBOX_UID, os.getuid(); print(sys.version.split()[0], numpy.__version__, scipy.__version__)"
step "smoke test in the rootfs"
chroot --userspec="$SANDBOX_UID:$SANDBOX_UID" "$rootfs" /bin/sh -c "cd / && exec python3 -c '$SMOKE'" \
  || die "smoke test failed in the rootfs"

# --- Import as a single-layer image ------------------------------------------------------------------
step "docker import $IMAGE ($(du -sm "$rootfs" | cut -f1) MB rootfs)"
old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
candidate="${IMAGE%%:*}:build-$recipe"  # tagged $IMAGE only once it has passed the smoke test
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change "LABEL $LABEL=$recipe" \
  --change "USER $SANDBOX_UID:$SANDBOX_UID" \
  --change "WORKDIR /work" \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1" \
  --change 'CMD ["python3", "--version"]' \
  --message "coderl sandbox: debootstrap $codename minbase + ${PACKAGES[*]} (recipe $recipe)" \
  - "$candidate" >/dev/null
step "smoke test of $candidate (docker run --network none --read-only --cap-drop ALL)"
if ! docker run --rm --network none --read-only --tmpfs /work --cap-drop ALL \
  --security-opt no-new-privileges "$candidate" python3 -c "$SMOKE"; then
  docker image rm "$candidate" >/dev/null || true
  die "smoke test of the imported image failed; $IMAGE left unchanged"
fi
docker tag "$candidate" "$IMAGE"
docker image rm "$candidate" >/dev/null  # drops the build tag only

new_id=$(docker image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
  # The previous build is now untagged; drop it unless a container still uses it.
  docker image rm "$old_id" >/dev/null 2>&1 || echo "build.sh: previous image $old_id still in use, left in place"
fi
size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
echo "build.sh: built $IMAGE (recipe $recipe) in $(( $(date +%s) - start )) s;" \
  "size $(( size / 1000000 )) MB ($size bytes)"
