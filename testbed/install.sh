#!/usr/bin/env bash
# Installs every real part the test bed builds against, idempotently:
#   - Docker Engine + docker-cli + docker-buildx + containerd (Debian testing packages,
#     extracted into a private prefix; nothing is installed system-wide from testing),
#   - runc + iptables (the host's own release), docker-registry, busybox-static, bash-static,
#   - buildkitd + buildctl built from the Go module,
#   - envd (PyPI) and moto (PyPI) in their own virtualenvs,
#   - a check that Azurite from the project's devDependencies runs,
#   - Node 24 (the runtime GitHub's runners give `runs.using: node24`) from the npm registry,
#     to run the bundle under it as well as under the Node that runs the tests.
# Everything that is not a system package goes under $TESTBED_HOME, keyed by version, so a
# second run is fast and a version bump reinstalls.
#
# Usage: bash testbed/install.sh [part...]   parts: apt docker buildkit envd moto azurite node24
#        (no argument = all parts)
# Env:   TESTBED_HOME (install root), TESTBED_GO (a go binary to build BuildKit with, or
#        "bootstrap" to fetch the toolchain even when a go is installed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
TESTBED_HOME="${TESTBED_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/branch-cache-build}"

# ---- versions (bump here; each keys its install directory) -------------------------------
DOCKER_SERIES="28"          # docker.io / docker-cli major version from Debian testing
BUILDX_SERIES="0.29"        # docker-buildx minor series from Debian testing
DEBIAN_TESTING_SUITE="${DEBIAN_TESTING_SUITE:-forky}"
BUILDKIT_VERSION="v0.34.2"
ENVD_VERSION="1.3.6"
MOTO_VERSION="5.2.5"
FLASK_VERSION="3.1.3"
FLASK_CORS_VERSION="6.0.5"
NODE24_VERSION="24.21.0"

DOCKER_PREFIX="$TESTBED_HOME/docker-$DOCKER_SERIES-buildx-$BUILDX_SERIES"
BUILDKIT_DIR="$TESTBED_HOME/buildkit-$BUILDKIT_VERSION"
ENVD_VENV="$TESTBED_HOME/envd-$ENVD_VERSION"
MOTO_VENV="$TESTBED_HOME/moto-$MOTO_VERSION"
NODE24_DIR="$TESTBED_HOME/node-$NODE24_VERSION"

# Sourced by up.sh: only the versions and install paths above are wanted.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then return 0; fi

log() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f s", b-a}'; }

if [ "$(id -u)" != 0 ]; then
  die "run as root (dockerd and buildkitd run rootful; system packages are installed with apt-get)"
fi
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$TESTBED_HOME"

# ---- system packages from the host's own release ----------------------------------------
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
}
missing_pkgs() {
  local p out=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      out+=("$p")
    fi
  done
  echo "${out[@]:-}"
}
apt_install() {
  local miss
  miss="$(missing_pkgs "$@")"
  if [ -n "$miss" ]; then
    apt_update_once
    log "apt-get install $miss"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $miss >/dev/null
  fi
}

part_apt() {
  local t; t="$(now)"
  # runc: the testing package needs a newer glibc, so the host's runc is the one used.
  # iptables: dockerd's bridge network needs it. docker-registry: the distribution registry.
  # busybox-static / bash-static: the only binaries the FROM-scratch fixtures contain.
  # ca-certificates + python3-venv: for the PyPI installs below. xz-utils/zstd: dpkg -x.
  # procps, curl: ps and HTTP checks in up.sh / down.sh.
  # tini: its tini-static is the docker-init that a docker-container builder's BuildKit
  # container runs under (the Docker prefix's docker-init is a link to it).
  apt_install runc iptables docker-registry busybox-static bash-static tini ca-certificates \
    xz-utils zstd procps curl
  [ -x /usr/sbin/runc ] || die "runc not found at /usr/sbin/runc"
  [ -x /bin/busybox ] || die "busybox-static did not install /bin/busybox"
  [ -x /bin/bash-static ] || die "bash-static did not install /bin/bash-static"
  [ -x /usr/bin/docker-registry ] || die "docker-registry did not install /usr/bin/docker-registry"
  log "apt packages ok ($(elapsed "$t"))"
}

# ---- Docker Engine + buildx from Debian testing, extracted into a prefix ------------------
# A private apt configuration derived from the host's first sources stanza with the suite
# swapped: the host's own apt sources and state are never touched.
docker_ok() {
  [ -f "$DOCKER_PREFIX/.installed" ] &&
    [ -x "$DOCKER_PREFIX/usr/sbin/dockerd" ] &&
    [ -x "$DOCKER_PREFIX/usr/bin/docker" ] &&
    [ -x "$DOCKER_PREFIX/usr/bin/containerd" ] &&
    [ -x "$DOCKER_PREFIX/usr/libexec/docker/cli-plugins/docker-buildx" ]
}

private_sources() {
  # Prints a deb822 sources file for $DEBIAN_TESTING_SUITE derived from the host's sources.
  local src
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    src=/etc/apt/sources.list.d/debian.sources
  else
    src="$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)"
  fi
  if [ -n "$src" ] && [ -f "$src" ]; then
    awk 'BEGIN{RS="";ORS="\n\n"} NR==1' "$src" |
      sed "s/^Suites:.*/Suites: $DEBIAN_TESTING_SUITE/"
  elif [ -f /etc/apt/sources.list ]; then
    # one-line format: take the first "deb" line of the main archive and swap the suite.
    local line
    line="$(grep -E '^deb[[:space:]]' /etc/apt/sources.list | grep -v -- '-security' | head -1)"
    [ -n "$line" ] || die "no usable apt source found in /etc/apt"
    echo "$line" | awk -v s="$DEBIAN_TESTING_SUITE" '{
      i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
      $(i + 1) = s; print }'
  else
    die "no apt sources found in /etc/apt"
  fi
}

part_docker() {
  local t; t="$(now)"
  if docker_ok; then
    log "docker prefix ok: $(cat "$DOCKER_PREFIX/.installed")"
    return
  fi
  apt_install xz-utils zstd ca-certificates
  local work="$TESTBED_HOME/apt-$DEBIAN_TESTING_SUITE"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  local sl="$work/sources.list"
  if [ -f /etc/apt/sources.list.d/debian.sources ] || ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    sl="$work/testing.sources"
  fi
  private_sources >"$sl"
  local -a opts=(
    -o "Dir::Etc::SourceList=$sl" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
    -o "Dir::State::status=/var/lib/dpkg/status" -o "APT::Get::List-Cleanup=0"
    -o "APT::Sandbox::User=root"
  )
  log "apt-get update ($DEBIAN_TESTING_SUITE, private lists)"
  apt-get "${opts[@]}" update -qq
  local pkg ver want=()
  for pkg in docker.io docker-cli docker-buildx containerd; do
    ver="$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null | awk '/^Version:/ && !v {v=$2} END{print v}' || true)"
    [ -n "$ver" ] || die "$pkg not found in $DEBIAN_TESTING_SUITE"
    case "$pkg" in
      docker.io|docker-cli)
        case "$ver" in "$DOCKER_SERIES".*) ;; *) die "$pkg $ver in $DEBIAN_TESTING_SUITE is not $DOCKER_SERIES.x";; esac ;;
      docker-buildx)
        case "$ver" in "$BUILDX_SERIES".*) ;; *) die "$pkg $ver in $DEBIAN_TESTING_SUITE is not $BUILDX_SERIES.x";; esac ;;
    esac
    want+=("$pkg=$ver")
  done
  log "apt-get download ${want[*]}"
  rm -f "$work/debs"/*.deb
  (cd "$work/debs" && apt-get "${opts[@]}" download "${want[@]}" >/dev/null)
  local tmp="$DOCKER_PREFIX.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  local deb
  for deb in "$work/debs"/*.deb; do
    dpkg -x "$deb" "$tmp"
  done
  printf '%s\n' "${want[*]}" >"$tmp/.installed"
  rm -rf "$DOCKER_PREFIX"
  mv "$tmp" "$DOCKER_PREFIX"
  rm -rf "$work"
  docker_ok || die "docker prefix incomplete after extraction"
  "$DOCKER_PREFIX/usr/sbin/dockerd" --version >&2
  "$DOCKER_PREFIX/usr/libexec/docker/cli-plugins/docker-buildx" version >&2
  log "docker prefix installed: ${want[*]} ($(elapsed "$t"))"
}

# ---- buildkitd + buildctl from the Go module ----------------------------------------------
# `go install` refuses BuildKit (its go.mod has exclude directives): download the module,
# build inside a writable copy. Private module/build caches, removed after success.
#
# The Go toolchain: a go >= 1.21 found on the machine is used with GOTOOLCHAIN=auto (it
# fetches the toolchain BuildKit's go.mod asks for through the module proxy by itself).
# Without one (or with TESTBED_GO=bootstrap), the host release's golang-go is extracted
# into a private prefix (never installed system-wide) and used only to download the
# golang.org/toolchain module of GO_TOOLCHAIN_VERSION, which then builds BuildKit.
GO_TOOLCHAIN_VERSION="1.26.8"   # BuildKit v0.34.2's go.mod says "go 1.26.8"

go_minor() { # prints the minor version of a go binary (1.19.8 -> 19), 0 if unknown
  "$1" env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p' | grep . || echo 0
}

find_go() {
  [ "${TESTBED_GO:-}" = bootstrap ] && return 1
  if [ -n "${TESTBED_GO:-}" ]; then echo "$TESTBED_GO"; return; fi
  local g
  for g in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go /usr/lib/go/bin/go \
    "$HOME/go/bin/go" "$HOME/sdk/go/bin/go"; do
    if [ -n "$g" ] && [ -x "$g" ] && [ "$(go_minor "$g")" -ge 21 ]; then echo "$g"; return; fi
  done
  return 1
}

# Prints the path of a go binary of GO_TOOLCHAIN_VERSION, fetched via a private golang-go.
bootstrap_go() {
  local arch; arch="$(dpkg --print-architecture)"
  local dir="$TESTBED_HOME/go-$GO_TOOLCHAIN_VERSION"
  if [ -x "$dir/bin/go" ] && [ "$("$dir/bin/go" env GOVERSION 2>/dev/null)" = "go$GO_TOOLCHAIN_VERSION" ]; then
    echo "$dir/bin/go"; return
  fi
  local b="$TESTBED_HOME/.bootstrap-go"
  rm -rf "$b"
  mkdir -p "$b/debs" "$b/root" "$b/cache/archives/partial"
  log "no usable go: extracting the host release's golang-go into a private prefix"
  apt_update_once
  # golang-go -> golang-X.Y-go (+ golang-X.Y-src): find the versioned package name.
  local gopkg
  gopkg="$(apt-cache depends golang-go 2>/dev/null | awk '/Depends: golang-[0-9.]+-go/{print $2; exit}')"
  [ -n "$gopkg" ] || die "cannot resolve golang-go to a versioned golang package"
  local srcpkg="${gopkg%-go}-src"
  (cd "$b/debs" && apt-get -o "Dir::Cache=$b/cache" -o APT::Sandbox::User=root download "$gopkg" "$srcpkg" >/dev/null) ||
    die "apt-get download $gopkg $srcpkg failed"
  local deb
  for deb in "$b/debs"/*.deb; do dpkg -x "$deb" "$b/root"; done
  local oldroot
  oldroot="$(ls -d "$b/root/usr/lib/go-"* | head -1)"
  [ -x "$oldroot/bin/go" ] || die "no go binary in $gopkg"
  log "downloading golang.org/toolchain go$GO_TOOLCHAIN_VERSION ($arch) with $("$oldroot/bin/go" version 2>/dev/null || GOROOT="$oldroot" "$oldroot/bin/go" version)"
  local tdir
  tdir="$(cd "$b" && GOROOT="$oldroot" GOMODCACHE="$b/mod" GOPATH="$b/gopath" GOCACHE="$b/gocache" \
    GOFLAGS=-modcacherw GO111MODULE=on GOTOOLCHAIN=local \
    "$oldroot/bin/go" mod download -json "golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-$arch" |
    awk -F'"' '/"Dir":/{print $4; exit}')"
  [ -n "$tdir" ] && [ -f "$tdir/bin/go" ] || die "download of the go$GO_TOOLCHAIN_VERSION toolchain failed"
  rm -rf "$dir"
  cp -a "$tdir" "$dir"
  # Module zips carry no file modes: make the toolchain's programs executable again (as
  # the go command does when it switches toolchains itself).
  chmod -R u+w "$dir"
  find "$dir/bin" "$dir/pkg/tool" -type f -exec chmod 0755 {} +
  rm -rf "$b"
  [ "$("$dir/bin/go" env GOVERSION)" = "go$GO_TOOLCHAIN_VERSION" ] || die "bootstrapped go does not run"
  echo "$dir/bin/go"
}

buildkit_ok() {
  [ -x "$BUILDKIT_DIR/bin/buildkitd" ] && [ -x "$BUILDKIT_DIR/bin/buildctl" ] &&
    "$BUILDKIT_DIR/bin/buildctl" --version 2>/dev/null | grep -q " $BUILDKIT_VERSION "
}

part_buildkit() {
  local t; t="$(now)"
  if buildkit_ok; then
    log "buildkit ok: $("$BUILDKIT_DIR/bin/buildctl" --version)"
    return
  fi
  local go
  go="$(find_go)" || go="$(bootstrap_go)"
  log "building buildkitd + buildctl $BUILDKIT_VERSION with $("$go" version) (about 4 min cold)"
  local b="$TESTBED_HOME/.build-buildkit"
  rm -rf "$b"
  mkdir -p "$b"
  export GOMODCACHE="$b/mod" GOCACHE="$b/cache" GOPATH="$b/gopath" GOFLAGS="-buildvcs=false -modcacherw"
  export CGO_ENABLED=0 GOTOOLCHAIN=auto
  local dir
  dir="$(cd "$b" && "$go" mod download -json "github.com/moby/buildkit@$BUILDKIT_VERSION" |
    awk -F'"' '/"Dir":/{print $4; exit}')"
  [ -n "$dir" ] && [ -d "$dir" ] || die "go mod download of buildkit $BUILDKIT_VERSION failed"
  cp -a "$dir" "$b/src"
  chmod -R u+w "$b/src"
  mkdir -p "$BUILDKIT_DIR/bin"
  local ld="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
  (cd "$b/src" &&
    "$go" build -trimpath -ldflags "$ld" -o "$BUILDKIT_DIR/bin/buildctl.new" ./cmd/buildctl &&
    "$go" build -trimpath -ldflags "$ld" -o "$BUILDKIT_DIR/bin/buildkitd.new" ./cmd/buildkitd)
  mv "$BUILDKIT_DIR/bin/buildctl.new" "$BUILDKIT_DIR/bin/buildctl"
  mv "$BUILDKIT_DIR/bin/buildkitd.new" "$BUILDKIT_DIR/bin/buildkitd"
  rm -rf "$b"
  buildkit_ok || die "buildctl --version does not report $BUILDKIT_VERSION"
  log "buildkit built: $("$BUILDKIT_DIR/bin/buildkitd" --version) ($(elapsed "$t"))"
}

# ---- Python virtualenvs (envd, moto) ------------------------------------------------------
# The host release's python3 (not whatever python3 comes first on PATH): venvs then do not
# depend on a Python installed by hand.
find_python() {
  apt_install python3 python3-venv
  /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || die "/usr/bin/python3 cannot create venvs"
  echo /usr/bin/python3
}

part_envd() {
  local t; t="$(now)"
  if [ -x "$ENVD_VENV/bin/envd" ] && [ -f "$ENVD_VENV/.installed" ]; then
    log "envd ok: $(ENVD_ANALYTICS=false HOME="$ENVD_VENV" "$ENVD_VENV/bin/envd" version --short 2>/dev/null | head -1)"
    return
  fi
  rm -rf "$ENVD_VENV"
  local py; py="$(find_python)"
  "$py" -m venv "$ENVD_VENV"
  "$ENVD_VENV/bin/python" -m pip install -q --disable-pip-version-check "envd==$ENVD_VERSION"
  local v
  v="$(ENVD_ANALYTICS=false HOME="$ENVD_VENV" "$ENVD_VENV/bin/envd" version --short 2>/dev/null | head -1)"
  case "$v" in *"v$ENVD_VERSION"*) ;; *) die "envd version check failed: '$v'";; esac
  echo "$ENVD_VERSION" >"$ENVD_VENV/.installed"
  log "envd installed: $v ($(elapsed "$t"))"
}

part_moto() {
  local t; t="$(now)"
  if [ -x "$MOTO_VENV/bin/moto_server" ] && [ -f "$MOTO_VENV/.installed" ] &&
    "$MOTO_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "moto ok: $MOTO_VERSION"
    return
  fi
  rm -rf "$MOTO_VENV"
  local py; py="$(find_python)"
  "$py" -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    "moto[s3]==$MOTO_VERSION" "flask==$FLASK_VERSION" "flask-cors==$FLASK_CORS_VERSION"
  "$MOTO_VENV/bin/python" -c 'import moto.server, flask, flask_cors' ||
    die "moto server modules do not import"
  echo "$MOTO_VERSION" >"$MOTO_VENV/.installed"
  log "moto installed: $MOTO_VERSION ($(elapsed "$t"))"
}

# ---- Azurite (npm devDependency) --------------------------------------------------------
part_azurite() {
  local t; t="$(now)"
  local az="$REPO/node_modules/.bin/azurite-blob"
  if [ ! -e "$az" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is needed to install the project's devDependencies"
    log "node_modules/.bin/azurite-blob missing: npm ci"
    (cd "$REPO" && npm ci --no-audit --no-fund >&2)
  fi
  [ -e "$az" ] || die "azurite-blob not found after npm ci"
  local ver marker
  ver="$(node -p "require('$REPO/node_modules/azurite/package.json').version")"
  marker="$TESTBED_HOME/azurite-$ver.ok"
  if [ -f "$marker" ]; then
    log "azurite ok: $ver"
    return
  fi
  # Start it once on a free loopback port with a throwaway location: proves it runs
  # without any install script having been run.
  local dir port pid ok=0 i
  dir="$(mktemp -d)"
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  "$az" --blobHost 127.0.0.1 --blobPort "$port" --location "$dir" --skipApiVersionCheck \
    --loose --disableTelemetry --silent >"$dir/out.log" 2>&1 8>&- &
  pid=$!
  for i in $(seq 1 100); do
    if node -e '
      const http=require("http");
      const r=http.get({host:"127.0.0.1",port:+process.argv[1],path:"/devstoreaccount1?comp=list"},res=>process.exit(res.statusCode>0?0:1));
      r.on("error",()=>process.exit(1));' "$port" 2>/dev/null; then ok=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$ok" != 1 ]; then
    cat "$dir/out.log" >&2 || true
    rm -rf "$dir"
    die "azurite-blob did not answer"
  fi
  rm -rf "$dir"
  touch "$marker"
  log "azurite ok: $ver, answers without install scripts ($(elapsed "$t"))"
}

# ---- Node 24 (npm's node-linux-<arch> package ships the official binary) ---------------
part_node24() {
  local t v arch; t="$(now)"
  if [ -x "$NODE24_DIR/bin/node" ] && [ "$("$NODE24_DIR/bin/node" --version 2>/dev/null)" = "v$NODE24_VERSION" ]; then
    log "node ok: v$NODE24_VERSION"
    return
  fi
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) die "no Node $NODE24_VERSION package for $(uname -m)" ;;
  esac
  rm -rf "$NODE24_DIR.tmp"
  mkdir -p "$NODE24_DIR.tmp"
  npm install --prefix "$NODE24_DIR.tmp" --no-save --no-audit --no-fund --no-package-lock \
    "node-linux-$arch@$NODE24_VERSION" >&2
  mkdir -p "$NODE24_DIR.tmp/bin"
  ln -sf "../node_modules/node-linux-$arch/bin/node" "$NODE24_DIR.tmp/bin/node"
  v="$("$NODE24_DIR.tmp/bin/node" --version)"
  [ "$v" = "v$NODE24_VERSION" ] || die "node version check failed: '$v'"
  rm -rf "$NODE24_DIR"
  mv "$NODE24_DIR.tmp" "$NODE24_DIR"
  log "node installed: $v ($(elapsed "$t"))"
}

# ---------------------------------------------------------------------------------------
ALL=(apt docker buildkit envd moto azurite node24)
main() {
  local -a parts=("$@")
  [ "${#parts[@]}" -gt 0 ] || parts=("${ALL[@]}")
  local t0 p
  t0="$(now)"
  # One install at a time per TESTBED_HOME (concurrent test runs both call this script).
  exec 8>"$TESTBED_HOME/.install.lock"
  flock 8
  for p in "${parts[@]}"; do
    case "$p" in
      apt|docker|buildkit|envd|moto|azurite|node24) "part_$p" ;;
      *) die "unknown part '$p' (known: ${ALL[*]})" ;;
    esac
  done
  log "done in $(elapsed "$t0"); TESTBED_HOME=$TESTBED_HOME"
}
# One line: bash has read the whole script before it runs (safe to edit while it runs).
main "$@"; exit $?
