#!/usr/bin/env bash
# Proves the runtime stage of Deploy/Dockerfile on a machine without a container engine: a
# minimal Debian bookworm root (debootstrap) gets only the packages the Dockerfile's runtime stage
# installs, a release build of herald with the static Swift runtime (as the build stage makes it)
# and the schemas, at the Dockerfile's paths. `prove-runtime.sh bin` then prints the path of a
# wrapper that runs herald inside that root as the Dockerfile's non-root user, so the interop
# suite can drive it: HERALD_BIN=$(Deploy/container/prove-runtime.sh bin) pytest Tests/Interop.
#
#   prove-runtime.sh root    build (or reuse) the root under .data/container/rootfs
#   prove-runtime.sh bin     build herald, install it in the root, print the wrapper's path
# Needs root (debootstrap, chroot) and the Debian mirror of /etc/apt/sources.list.d.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROOTFS=$REPO_ROOT/.data/container/rootfs
MIRROR=${HERALD_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The runtime stage's packages, read from the Dockerfile so the two cannot drift apart.
PACKAGES=$(sed -n '/^FROM .* AS runtime/,$p' "$REPO_ROOT/Deploy/Dockerfile" \
    | grep -o 'install -y --no-install-recommends [^&\\]*' | head -n1 \
    | sed -e 's/install -y --no-install-recommends //' -e 's/[[:space:]]*$//')

log() { printf 'prove-runtime: %s\n' "$*" >&2; }

make_root() {
    if [ -x "$ROOTFS/usr/bin/apt-get" ] && [ -f "$ROOTFS/.herald-runtime-packages" ] \
        && [ "$(cat "$ROOTFS/.herald-runtime-packages")" = "$PACKAGES" ]; then
        return
    fi
    if mountpoint -q "$ROOTFS/proc"; then umount "$ROOTFS/proc"; fi
    rm -rf --one-file-system "$ROOTFS"
    mkdir -p "$ROOTFS"
    log "debootstrap bookworm (minbase) into $ROOTFS"
    debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/dev/null
    log "installing the runtime stage's packages: $PACKAGES"
    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    # shellcheck disable=SC2086
    chroot "$ROOTFS" sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null \
        && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin herald"
    printf '%s' "$PACKAGES" >"$ROOTFS/.herald-runtime-packages"
}

install_herald() {
    log "building herald (release, static Swift runtime), as the build stage does"
    local build_log=$REPO_ROOT/.data/container/build.log
    if ! (cd "$REPO_ROOT" && swift build -c release --product herald --static-swift-stdlib) >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        log "the release build failed (log: $build_log)"
        exit 1
    fi
    mkdir -p "$ROOTFS/usr/local/bin"
    strip -o "$ROOTFS/usr/local/bin/herald" "$REPO_ROOT/.build/release/herald"
    chmod 0755 "$ROOTFS/usr/local/bin/herald"
    rm -rf "$ROOTFS/usr/share/herald/Schemas"
    mkdir -p "$ROOTFS/usr/share/herald"
    cp -r "$REPO_ROOT/Schemas" "$ROOTFS/usr/share/herald/Schemas"
    # A container has /proc, and Swift's statically linked runtime reads the arguments from it.
    mountpoint -q "$ROOTFS/proc" || mount -t proc proc "$ROOTFS/proc"
    local wrapper=$REPO_ROOT/.data/container/herald-in-runtime
    cat >"$wrapper" <<WRAP
#!/usr/bin/env bash
# herald inside the runtime root, as the image runs it: user herald, the image's environment
# (HERALD_SCHEMAS_DIRECTORY; the caller's other HERALD_* variables pass through unchanged).
args=()
while IFS= read -r -d '' pair; do
    case "\$pair" in HERALD_SCHEMAS_DIRECTORY=*) ;; HERALD_*) args+=("\$pair") ;; esac
done < <(env -0)
exec chroot --userspec=herald "$ROOTFS" /usr/bin/env -i HERALD_SCHEMAS_DIRECTORY=/usr/share/herald/Schemas \\
    "\${args[@]}" /usr/local/bin/herald "\$@"
WRAP
    chmod +x "$wrapper"
    # Only what the runtime image has: no library may come from the build machine.
    if chroot "$ROOTFS" ldd /usr/local/bin/herald | grep -q 'not found'; then
        chroot "$ROOTFS" ldd /usr/local/bin/herald >&2
        log "a library is missing from the runtime root"
        exit 1
    fi
    echo "$wrapper"
}

case "${1:-}" in
    root) make_root ;;
    bin) make_root; install_herald ;;
    *) echo "usage: $0 root|bin" >&2; exit 2 ;;
esac
