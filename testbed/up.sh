#!/usr/bin/env bash
# Starts the test bed (idempotently: a part that is already up and healthy is left alone)
# and waits until every part answers:
#   1. dockerd from the install prefix (containerd image store), buildx in a private DOCKER_CONFIG
#   2. the distribution registry on 127.0.0.1:5000 (deletion enabled)
#   3. a standalone buildkitd (runc worker) on a unix socket and tcp://127.0.0.1:1234,
#      plus a buildx builder "testbed-remote" (remote driver) pointing at it
#   4. moto_server (S3) on 127.0.0.1:9000 with the bucket "buildkit-cache"
#   5. azurite-blob on 127.0.0.1:10000
#   6. the GitHub cache-service stand-in on 127.0.0.1:8055 (when testbed/cache-service/server.ts exists)
#   7. the envd base image 127.0.0.1:5000/testbed/base:1 (FROM scratch: busybox + bash)
#   8. an envd context "testbed" on the buildkitd socket, checked once with a real envd build
# Then writes <state>/env.json and <state>/env.sh describing all of it.
#
# State: $TESTBED_STATE, else <repo>/.testbed. Logs: <state>/logs/<name>.log. Pids: <state>/run/.
# Run testbed/install.sh first. Stop with testbed/down.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=install.sh
. "$HERE/install.sh" # versions and install paths only

mkdir -p "${TESTBED_STATE:-$REPO/.testbed}"
STATE="$(cd "${TESTBED_STATE:-$REPO/.testbed}" && pwd)"
LOGS="$STATE/logs"
RUN="$STATE/run"
BIN="$STATE/bin"
mkdir -p "$LOGS" "$RUN" "$BIN"

# One up.sh or down.sh at a time per state dir (several test runs may share one bed).
exec 9>"$STATE/.lock"
flock 9

REGISTRY="127.0.0.1:5000"
BUILDKITD_TCP="tcp://127.0.0.1:1234"
S3_PORT=9000
S3_BUCKET="buildkit-cache"
AZURITE_PORT=10000
AZURE_ACCOUNT="devstoreaccount1"
# Azurite's documented, well-known development key for devstoreaccount1 (not a secret).
AZURE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CACHE_SERVICE_PORT=8055
BASE_IMAGE="$REGISTRY/testbed/base:1"
REMOTE_BUILDER="testbed-remote"
ENVD_CONTEXT="testbed"

DOCKER_SOCK="$RUN/docker.sock"
BUILDKITD_SOCK="$RUN/buildkitd.sock"
DOCKER_CONFIG_DIR="$STATE/docker-config"
ENVD_HOME="$STATE/envd-home"
BUSYBOX="/bin/busybox"
BASH_STATIC="/bin/bash-static"
ENVD_BIN="$ENVD_VENV/bin/envd"

log() { printf '[up] %s\n' "$*" >&2; }
die() { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f s", b-a}'; }

# PATH for every part: bookworm's runc first (the testing runc needs a newer glibc), then the
# Docker prefix, BuildKit and envd.
ln -sfn /usr/sbin/runc "$BIN/runc"
TB_PATH="$BIN:$DOCKER_PREFIX/usr/bin:$DOCKER_PREFIX/usr/sbin:$BUILDKIT_DIR/bin:$ENVD_VENV/bin"
export PATH="$TB_PATH:$PATH"
export DOCKER_HOST="unix://$DOCKER_SOCK" DOCKER_CONFIG="$DOCKER_CONFIG_DIR"
unset DOCKER_CONTEXT BUILDX_BUILDER || true

[ "$(id -u)" = 0 ] || die "run as root (dockerd and buildkitd run rootful)"
for f in "$DOCKER_PREFIX/usr/sbin/dockerd" "$BUILDKIT_DIR/bin/buildkitd" "$ENVD_BIN" \
  "$MOTO_VENV/bin/moto_server" "$REPO/node_modules/.bin/azurite-blob" /usr/bin/docker-registry \
  /usr/sbin/runc "$BUSYBOX" "$BASH_STATIC"; do
  [ -x "$f" ] || die "$f missing: run bash testbed/install.sh first"
done

# ---- helpers ------------------------------------------------------------------------------
# http_status METHOD URL [HEADER...]: prints the HTTP status code, 000 when nothing answers.
http_status() {
  local m="$1" u="$2"; shift 2
  local -a h=()
  local x
  for x in "$@"; do h+=(-H "$x"); done
  if [ "$m" = HEAD ]; then h+=(-I); else h+=(-X "$m"); fi # -X HEAD would wait for a body
  curl -s -o /dev/null -m 5 "${h[@]}" -w '%{http_code}' "$u" 2>/dev/null || true
}
if ! command -v curl >/dev/null 2>&1; then
  http_status() { # the same with Node (always present: the project runs on it)
    node -e '
      const [m, u, ...hs] = process.argv.slice(1); const headers = {};
      for (const h of hs) { const i = h.indexOf(":"); headers[h.slice(0, i)] = h.slice(i + 1).trim() }
      const r = require("http").request(u, { method: m, headers, timeout: 5000 }, res => { console.log(res.statusCode); res.resume() });
      r.on("error", () => console.log("000")); r.on("timeout", () => r.destroy()); r.end()' "$@"
  }
fi

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
# alive NAME: its process runs (a zombie waiting for pid 1 to reap it does not count).
alive() {
  local p st
  p="$(pid_of "$1")"
  [ -n "$p" ] || return 1
  st="$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# start NAME CMD...: runs CMD in its own session (so down.sh can stop the whole process
# group), output to logs/NAME.log, pid to run/NAME.pid.
start() {
  local name="$1"; shift
  {
    printf '\n===== %s start %s\n' "$(date -u +%FT%TZ)" "$name"
    printf '%q ' "$@"; printf '\n'
  } >>"$LOGS/$name.log"
  # TESTBED_OWNER marks the part and every process it spawns (down.sh finds strays by it).
  TESTBED_OWNER="$STATE" setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 9>&- &
  echo $! >"$RUN/$name.pid"
}

# wait_for NAME TIMEOUT CHECK...: polls CHECK until it succeeds; fails with the log's tail
# when the process dies or the time is up.
wait_for() {
  local name="$1" timeout="$2"; shift 2
  local t0; t0="$(date +%s)"
  while ! "$@" >/dev/null 2>&1; do
    if ! alive "$name"; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name exited during start-up (log: $LOGS/$name.log)"
    fi
    if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name not ready after ${timeout}s (log: $LOGS/$name.log)"
    fi
    sleep 0.2
  done
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ensure NAME PORT CHECK -- CMD...: leaves a healthy running NAME alone, else (re)starts it.
ensure() {
  local name="$1" port="$2"; shift 2
  local -a check=()
  while [ "$1" != "--" ]; do check+=("$1"); shift; done
  shift
  local t; t="$(now)"
  if alive "$name"; then
    if "${check[@]}" >/dev/null 2>&1; then
      log "$name already up (pid $(pid_of "$name"))"
      return
    fi
    wait_for "$name" 30 "${check[@]}"
    log "$name up (pid $(pid_of "$name"), was starting)"
    return
  fi
  rm -f "$RUN/$name.pid"
  if [ -n "$port" ] && ! port_free "$port"; then
    die "port $port is taken by a process this test bed did not start (another bed, or a leftover: see ss -ltnp)"
  fi
  start "$name" "$@"
  wait_for "$name" 60 "${check[@]}"
  log "$name started (pid $(pid_of "$name"), $(elapsed "$t"))"
}

T0="$(now)"

# ---- 1. dockerd ---------------------------------------------------------------------------
mkdir -p "$STATE/docker/data" "$STATE/docker/exec" "$DOCKER_CONFIG_DIR/cli-plugins"
printf '{"features":{"containerd-snapshotter":true}}\n' >"$STATE/docker/daemon.json"
ln -sfn "$DOCKER_PREFIX/usr/libexec/docker/cli-plugins/docker-buildx" "$DOCKER_CONFIG_DIR/cli-plugins/docker-buildx"
[ -f "$DOCKER_CONFIG_DIR/config.json" ] || printf '{}\n' >"$DOCKER_CONFIG_DIR/config.json"
docker_ready() { docker version --format '{{.Server.Version}}' && docker buildx inspect default; }
if ! alive dockerd; then rm -f "$DOCKER_SOCK" "$RUN/dockerd.pid.daemon"; fi
ensure dockerd "" docker_ready -- \
  dockerd --data-root "$STATE/docker/data" --exec-root "$STATE/docker/exec" \
  -H "unix://$DOCKER_SOCK" --pidfile "$RUN/dockerd.pid.daemon" \
  --config-file "$STATE/docker/daemon.json"

# ---- 2. registry --------------------------------------------------------------------------
mkdir -p "$STATE/registry/data"
cat >"$STATE/registry/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
registry_ready() { [ "$(http_status GET "http://$REGISTRY/v2/")" = 200 ]; }
ensure registry 5000 registry_ready -- /usr/bin/docker-registry serve "$STATE/registry/config.yml"

# ---- 3. buildkitd + the remote builder ----------------------------------------------------
mkdir -p "$STATE/buildkit/root"
cat >"$STATE/buildkit/buildkitd.toml" <<EOF
[registry."$REGISTRY"]
  http = true
  insecure = true
EOF
buildkitd_ready() { buildctl --addr "unix://$BUILDKITD_SOCK" debug workers; }
if ! alive buildkitd; then rm -f "$BUILDKITD_SOCK"; fi
ensure buildkitd 1234 buildkitd_ready -- \
  buildkitd --root "$STATE/buildkit/root" --config "$STATE/buildkit/buildkitd.toml" \
  --addr "unix://$BUILDKITD_SOCK" --addr "$BUILDKITD_TCP" \
  --oci-worker=true --containerd-worker=false
if docker buildx inspect "$REMOTE_BUILDER" 2>/dev/null | grep -q "unix://$BUILDKITD_SOCK"; then
  log "buildx builder $REMOTE_BUILDER ok"
else
  docker buildx rm "$REMOTE_BUILDER" >/dev/null 2>&1 || true
  docker buildx create --name "$REMOTE_BUILDER" --driver remote "unix://$BUILDKITD_SOCK" >/dev/null
  log "buildx builder $REMOTE_BUILDER created"
fi
docker buildx inspect --bootstrap "$REMOTE_BUILDER" >/dev/null ||
  die "buildx builder $REMOTE_BUILDER does not reach buildkitd"
[ "$(docker buildx inspect | awk '/^Driver:/{print $2; exit}')" = docker ] ||
  die "the default buildx builder is not the docker driver"

# ---- 4. moto (S3) -------------------------------------------------------------------------
moto_ready() { [ "$(http_status GET "http://127.0.0.1:$S3_PORT/moto-api/data.json")" = 200 ]; }
ensure moto "$S3_PORT" moto_ready -- "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT"
S3_AUTH="Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
if [ "$(http_status HEAD "http://127.0.0.1:$S3_PORT/$S3_BUCKET" "$S3_AUTH")" != 200 ]; then
  code="$(http_status PUT "http://127.0.0.1:$S3_PORT/$S3_BUCKET" "$S3_AUTH")"
  [ "$code" = 200 ] || die "creating bucket $S3_BUCKET answered $code"
  log "bucket $S3_BUCKET created"
fi

# ---- 5. azurite (Azure Blob) --------------------------------------------------------------
mkdir -p "$STATE/azurite"
azurite_ready() { [ "$(http_status GET "http://127.0.0.1:$AZURITE_PORT/$AZURE_ACCOUNT?comp=list")" != 000 ]; }
ensure azurite "$AZURITE_PORT" azurite_ready -- "$REPO/node_modules/.bin/azurite-blob" \
  --blobHost 127.0.0.1 --blobPort "$AZURITE_PORT" --location "$STATE/azurite" \
  --skipApiVersionCheck --loose --disableTelemetry

# ---- 6. cache-service stand-in ------------------------------------------------------------
CACHE_SERVICE_URL=""
CS_DIR="$REPO/testbed/cache-service"
if [ -f "$CS_DIR/server.ts" ]; then
  cs_ready() { [ "$(http_status GET "http://127.0.0.1:$CACHE_SERVICE_PORT/_admin/health")" = 200 ]; }
  # Restart it when its sources changed since it was started.
  if alive cache-service && [ -n "$(find "$CS_DIR" -name '*.ts' -newer "$RUN/cache-service.pid" 2>/dev/null)" ]; then
    log "cache-service sources changed: restarting it"
    kill -TERM -- "-$(pid_of cache-service)" 2>/dev/null || true
    for _ in $(seq 1 50); do alive cache-service || break; sleep 0.1; done
    kill -KILL -- "-$(pid_of cache-service)" 2>/dev/null || true
    rm -f "$RUN/cache-service.pid"
  fi
  ensure cache-service "$CACHE_SERVICE_PORT" cs_ready -- "$REPO/node_modules/.bin/tsx" \
    "$CS_DIR/server.ts" --port "$CACHE_SERVICE_PORT" \
    --blob-url "http://127.0.0.1:$AZURITE_PORT/$AZURE_ACCOUNT"
  CACHE_SERVICE_URL="http://127.0.0.1:$CACHE_SERVICE_PORT/"
else
  log "cache-service skipped: testbed/cache-service/server.ts does not exist"
fi

# ---- 7. the envd base image ---------------------------------------------------------------
MANIFEST_ACCEPT="Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"
base_path="${BASE_IMAGE#"$REGISTRY"/}"
if [ "$(http_status HEAD "http://$REGISTRY/v2/${base_path%:*}/manifests/${base_path##*:}" "$MANIFEST_ACCEPT")" = 200 ]; then
  log "base image $BASE_IMAGE present"
else
  t="$(now)"
  ctx="$STATE/base-image"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp "$BUSYBOX" "$ctx/busybox"
  cp "$BASH_STATIC" "$ctx/bash"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox","--install","-s","/bin"]
COPY bash /bin/bash
COPY bash /usr/bin/bash
RUN mkdir -p /tmp /root /etc && chmod 1777 /tmp && chmod 0700 /root \
 && echo 'root:x:0:0:root:/root:/bin/bash' > /etc/passwd \
 && echo 'root:x:0:' > /etc/group
EOF
  buildctl --addr "unix://$BUILDKITD_SOCK" build --frontend dockerfile.v0 \
    --local context="$ctx" --local dockerfile="$ctx" --progress plain \
    --output "type=image,name=$BASE_IMAGE,push=true,registry.insecure=true" \
    >"$LOGS/base-image.log" 2>&1 || { tail -n 30 "$LOGS/base-image.log" >&2; die "building $BASE_IMAGE failed"; }
  log "base image $BASE_IMAGE built and pushed ($(elapsed "$t"))"
fi

# ---- 8. envd ------------------------------------------------------------------------------
mkdir -p "$ENVD_HOME/.config/containers"
cat >"$ENVD_HOME/.config/containers/registries.conf" <<EOF
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
envd_() { HOME="$ENVD_HOME" ENVD_ANALYTICS=false "$ENVD_BIN" "$@"; }
if envd_ context ls 2>/dev/null | grep -E "^[[:space:]]*$ENVD_CONTEXT[[:space:]]" | grep -qF "$BUILDKITD_SOCK"; then
  envd_ context use --name "$ENVD_CONTEXT" >/dev/null
  log "envd context $ENVD_CONTEXT ok"
else
  envd_ context rm --name "$ENVD_CONTEXT" >/dev/null 2>&1 || true
  envd_ context create --name "$ENVD_CONTEXT" --builder unix --builder-address "$BUILDKITD_SOCK" --use >/dev/null
  log "envd context $ENVD_CONTEXT created"
fi
if [ -f "$STATE/envd-smoke.ok" ]; then
  log "envd smoke build already passed once"
else
  t="$(now)"
  mkdir -p "$STATE/envd-smoke"
  cat >"$STATE/envd-smoke/build.envd" <<EOF
def build():
    base(image="$BASE_IMAGE", dev=False)
    run(commands=["echo hi"])
EOF
  rm -f "$STATE/envd-smoke.tar"
  (cd "$STATE/envd-smoke" && envd_ build --output "type=oci,dest=$STATE/envd-smoke.tar") \
    >"$LOGS/envd-smoke.log" 2>&1 || { tail -n 30 "$LOGS/envd-smoke.log" >&2; die "envd smoke build failed"; }
  [ -s "$STATE/envd-smoke.tar" ] || die "envd smoke build wrote no $STATE/envd-smoke.tar"
  touch "$STATE/envd-smoke.ok"
  log "envd smoke build ok ($(elapsed "$t"))"
fi

# ---- env.json / env.sh --------------------------------------------------------------------
TB_STATE="$STATE" TB_PATH="$TB_PATH" TB_DOCKER_HOST="unix://$DOCKER_SOCK" TB_DOCKER_CONFIG="$DOCKER_CONFIG_DIR" \
TB_REGISTRY="$REGISTRY" TB_BK_SOCK="$BUILDKITD_SOCK" TB_BK_TCP="$BUILDKITD_TCP" TB_REMOTE="$REMOTE_BUILDER" \
TB_S3_PORT="$S3_PORT" TB_S3_BUCKET="$S3_BUCKET" TB_AZ_PORT="$AZURITE_PORT" TB_AZ_ACCOUNT="$AZURE_ACCOUNT" \
TB_AZ_KEY="$AZURE_KEY" TB_CS_URL="$CACHE_SERVICE_URL" TB_ENVD="$ENVD_BIN" TB_ENVD_HOME="$ENVD_HOME" \
TB_ENVD_CONTEXT="$ENVD_CONTEXT" TB_BASE="$BASE_IMAGE" TB_BUSYBOX="$BUSYBOX" TB_BASH="$BASH_STATIC" \
TB_NODE24="$NODE24_DIR/bin/node" \
node -e '
  const e = process.env, fs = require("fs"), path = require("path")
  const env = {
    state: e.TB_STATE, path: e.TB_PATH, dockerHost: e.TB_DOCKER_HOST, dockerConfig: e.TB_DOCKER_CONFIG,
    registry: e.TB_REGISTRY, buildkitdSocket: e.TB_BK_SOCK, buildkitdAddr: "unix://" + e.TB_BK_SOCK,
    buildkitdTcp: e.TB_BK_TCP, remoteBuilder: e.TB_REMOTE,
    s3: { endpoint: "http://127.0.0.1:" + e.TB_S3_PORT, region: "us-east-1", bucket: e.TB_S3_BUCKET,
          accessKeyId: "test", secretAccessKey: "test" },
    azblob: { accountUrl: "http://127.0.0.1:" + e.TB_AZ_PORT + "/" + e.TB_AZ_ACCOUNT,
              accountName: e.TB_AZ_ACCOUNT, accountKey: e.TB_AZ_KEY },
    cacheService: e.TB_CS_URL ? { url: e.TB_CS_URL } : null,
    envd: e.TB_ENVD, envdHome: e.TB_ENVD_HOME, envdContext: e.TB_ENVD_CONTEXT,
    baseImage: e.TB_BASE, busybox: e.TB_BUSYBOX, bash: e.TB_BASH, node24: e.TB_NODE24
  }
  const q = (s) => "\x27" + String(s).replace(/\x27/g, "\x27\\\x27\x27") + "\x27"
  const sh = [
    "# Written by testbed/up.sh: source it to use the test bed from a shell.",
    "export TESTBED_STATE=" + q(env.state),
    "export PATH=" + q(env.path) + ":\"$PATH\"",
    "export DOCKER_HOST=" + q(env.dockerHost),
    "export DOCKER_CONFIG=" + q(env.dockerConfig),
    "export ENVD_ANALYTICS=false",
    "export TESTBED_REGISTRY=" + q(env.registry),
    "export TESTBED_BUILDKITD_SOCKET=" + q(env.buildkitdSocket),
    "export BUILDKIT_HOST=" + q(env.buildkitdAddr),
    "export TESTBED_BUILDKITD_TCP=" + q(env.buildkitdTcp),
    "export TESTBED_REMOTE_BUILDER=" + q(env.remoteBuilder),
    "export TESTBED_S3_ENDPOINT=" + q(env.s3.endpoint),
    "export TESTBED_S3_REGION=" + q(env.s3.region),
    "export TESTBED_S3_BUCKET=" + q(env.s3.bucket),
    "export TESTBED_S3_ACCESS_KEY_ID=" + q(env.s3.accessKeyId),
    "export TESTBED_S3_SECRET_ACCESS_KEY=" + q(env.s3.secretAccessKey),
    "export TESTBED_AZBLOB_ACCOUNT_URL=" + q(env.azblob.accountUrl),
    "export TESTBED_AZBLOB_ACCOUNT_NAME=" + q(env.azblob.accountName),
    "export TESTBED_AZBLOB_ACCOUNT_KEY=" + q(env.azblob.accountKey),
    "export TESTBED_CACHE_SERVICE_URL=" + q(env.cacheService ? env.cacheService.url : ""),
    "export TESTBED_ENVD=" + q(env.envd),
    "export TESTBED_ENVD_HOME=" + q(env.envdHome),
    "export TESTBED_ENVD_CONTEXT=" + q(env.envdContext),
    "export TESTBED_BASE_IMAGE=" + q(env.baseImage),
    "export TESTBED_BUSYBOX=" + q(env.busybox),
    "export TESTBED_BASH=" + q(env.bash),
    "export TESTBED_NODE24=" + q(env.node24),
    ""
  ].join("\n")
  for (const [f, body] of [["env.json", JSON.stringify(env, null, 2) + "\n"], ["env.sh", sh]]) {
    const p = path.join(env.state, f)
    fs.writeFileSync(p + ".tmp", body)
    fs.renameSync(p + ".tmp", p)
  }'
log "ready in $(elapsed "$T0"); $STATE/env.json"
