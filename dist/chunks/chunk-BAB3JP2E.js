import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunk-74WAKCNO.js";
import {
  getExecOutput,
  info,
  saveState,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/builder-driver.ts
import { createHash as createHash2, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";

// src/core/progress.ts
var DOCKERFILE_STEP = /^\[[^\]]*?\d+\/\d+\]/;
var IMPORT = /^importing cache manifest from (.*)$/;
var EXPORT = /^(exporting cache|exporting to GitHub Actions Cache|preparing build cache for export|writing cache)/i;
var Vertices = class {
  /** sameNameSameStep: buildx names every step uniquely (`[2/5] RUN …`), envd does not. */
  constructor(step, sameNameSameStep) {
    this.step = step;
    this.sameNameSameStep = sameNameSameStep;
  }
  step;
  sameNameSameStep;
  byId = /* @__PURE__ */ new Map();
  update(id, change) {
    const previous = this.byId.get(id);
    const vertex = { name: "", cached: false, seconds: 0, done: false, ...previous };
    if (change.name) vertex.name = vertex.name || change.name;
    vertex.cached ||= !!change.cached;
    vertex.error ||= change.error;
    if (change.seconds !== void 0) vertex.seconds = change.seconds;
    vertex.done ||= !!change.done || vertex.cached || !!vertex.error;
    this.byId.set(id, vertex);
    return { vertex, finished: vertex.done && !previous?.done };
  }
  report() {
    const all = [...this.byId.values()];
    const byName = /* @__PURE__ */ new Map();
    for (const [id, v] of this.byId) {
      if (!this.step.test(v.name)) continue;
      const key = this.sameNameSameStep ? v.name : id;
      const seen = byName.get(key);
      byName.set(key, seen ? { ...seen, cached: seen.cached || v.cached, seconds: Math.max(seen.seconds, v.seconds) } : v);
    }
    const steps = [...byName.values()];
    const importing = all.filter((v) => IMPORT.test(v.name));
    const exporting = all.filter((v) => EXPORT.test(v.name));
    const sum = (vs) => Math.round(vs.reduce((t, v) => t + v.seconds, 0) * 100) / 100;
    return {
      totalSteps: steps.length,
      cachedSteps: steps.filter((v) => v.cached).length,
      runSeconds: sum(steps.filter((v) => !v.cached)),
      importSeconds: sum(importing),
      exportSeconds: sum(exporting),
      imports: importing.map((v) => ({ source: IMPORT.exec(v.name)[1], found: !v.error, ...v.error && { error: v.error } })),
      exportErrors: exporting.filter((v) => v.error).map((v) => `${v.name}: ${v.error}`)
    };
  }
};
function describe(vertex) {
  if (vertex.cached) return `${vertex.name} CACHED`;
  if (vertex.error) return `${vertex.name} ERROR: ${vertex.error}`;
  return `${vertex.name} DONE ${vertex.seconds.toFixed(1)}s`;
}
var RawJsonReader = class {
  vertices;
  constructor(step) {
    this.vertices = new Vertices(step, true);
  }
  line(text) {
    let status;
    try {
      status = JSON.parse(text);
    } catch {
      return text.trim() ? [text] : [];
    }
    const out = [];
    for (const raw of status.vertexes ?? []) {
      const started = raw.started ? Date.parse(raw.started) : NaN;
      const completed = raw.completed ? Date.parse(raw.completed) : NaN;
      const { vertex, finished } = this.vertices.update(raw.digest, {
        name: raw.name,
        cached: raw.cached,
        error: raw.error || void 0,
        done: !!raw.completed,
        ...completed >= started && { seconds: (completed - started) / 1e3 }
      });
      if (finished) out.push(describe(vertex));
    }
    for (const log of status.logs ?? []) {
      const data = Buffer.from(log.data ?? "", "base64").toString("utf8").replace(/\n$/, "");
      if (data) out.push(...data.split("\n").map((l) => `  ${l}`));
    }
    for (const warning2 of status.warnings ?? []) {
      out.push(`WARNING: ${Buffer.from(warning2.short ?? "", "base64").toString("utf8")}`);
    }
    return out;
  }
  report() {
    return this.vertices.report();
  }
};
var PlainProgressReader = class {
  vertices;
  constructor(step) {
    this.vertices = new Vertices(step, false);
  }
  line(text) {
    const match = /^#(\d+) (.*)$/.exec(text.trimEnd());
    if (!match) return text.trim() ? [text] : [];
    const [, id, rest] = match;
    const done = /^DONE (\d+(?:\.\d+)?)s$/.exec(rest);
    const error = /^ERROR:? (.*)$/.exec(rest);
    if (rest === "CACHED") this.vertices.update(id, { cached: true });
    else if (done) this.vertices.update(id, { done: true, seconds: Number(done[1]) });
    else if (error) this.vertices.update(id, { error: error[1] || "failed" });
    else if (!this.vertices.byId.has(id)) this.vertices.update(id, { name: rest });
    return [text];
  }
  report() {
    return this.vertices.report();
  }
};
function hitRatio(report) {
  return report.totalSteps ? (report.cachedSteps / report.totalSteps).toFixed(2) : "0.00";
}

// src/core/access.ts
var CACHE_MODES = ["read", "write", "write-only", "none"];
function base64UrlDecode(part) {
  return Buffer.from(part.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
}
function decodeTokenScopes(token) {
  const payload = token?.split(".")[1];
  if (!payload) return void 0;
  try {
    const claims = JSON.parse(base64UrlDecode(payload));
    const entries = typeof claims.ac === "string" ? JSON.parse(claims.ac) : claims.ac;
    if (!Array.isArray(entries) || entries.length === 0) return void 0;
    if (!entries.every((e) => typeof e.Scope === "string" && e.Scope.startsWith("refs/") && Number.isInteger(e.Permission))) return void 0;
    return {
      readable: entries.filter((e) => (e.Permission & 1) !== 0).map((e) => e.Scope),
      writable: entries.filter((e) => (e.Permission & 2) !== 0).map((e) => e.Scope)
    };
  } catch {
    return void 0;
  }
}
function parseCacheMode(value) {
  const mode = value?.trim().toLowerCase();
  if (!mode) return void 0;
  return CACHE_MODES.includes(mode) ? mode : void 0;
}
function actionsCacheAccess(token, cacheModeValue) {
  const mode = parseCacheMode(cacheModeValue);
  const scopes = decodeTokenScopes(token);
  const modeSays = `ACTIONS_CACHE_MODE=${cacheModeValue?.trim()}`;
  const access = { canImport: true, canExport: true, readableRefs: scopes?.readable };
  if (mode === "none") {
    return { ...access, canImport: false, canExport: false, importDenied: modeSays, exportDenied: modeSays };
  }
  if (mode === "write-only") Object.assign(access, { canImport: false, importDenied: modeSays });
  if (mode === "read") Object.assign(access, { canExport: false, exportDenied: modeSays });
  if (access.canExport && scopes && scopes.writable.length === 0) {
    Object.assign(access, { canExport: false, exportDenied: "the runtime token is read-only" });
  }
  return access;
}
function usesCacheServiceV2(env) {
  return /^(true|1)$/i.test(env.ACTIONS_CACHE_SERVICE_V2 ?? "") || !env.ACTIONS_CACHE_URL && !!env.ACTIONS_RESULTS_URL;
}
var UNRESTRICTED = { canImport: true, canExport: true };

// src/core/spec.ts
function csvField(field) {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replace(/"/g, '""')}"` : field;
}
function encodeSpec(attributes) {
  return attributes.map(([key, value]) => csvField(`${key}=${value}`)).join(",");
}
function decodeSpec(spec) {
  const fields = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (quoted) {
      if (c === '"' && spec[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === "\r" && spec[i + 1] === "\n") {
        field += "\n";
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => {
    const eq = f.indexOf("=");
    return eq < 0 ? [f, ""] : [f.slice(0, eq), f.slice(eq + 1)];
  });
}

// src/tools/tool.ts
function repeated(flag, values) {
  return values.flatMap((value) => [flag, value]);
}

// src/tools/buildx.ts
var buildx = {
  name: "buildx",
  traits: {
    singleImport: false,
    readsCredentialEnv: true,
    localImportNeedsExportThere: false,
    pushesOneName: false,
    driverMayLackExporters: true,
    plainProgress: false,
    canBuildWithoutCache: true
  },
  progress: () => new RawJsonReader(DOCKERFILE_STEP),
  invocation(request2, cache, env) {
    const args = [
      "buildx",
      "build",
      ...request2.builder ? ["--builder", request2.builder] : [],
      ...request2.file ? ["--file", request2.file] : [],
      ...repeated("--tag", [...request2.tags, ...cache.extraTags]),
      ...request2.platforms.length ? ["--platform", request2.platforms.join(",")] : [],
      ...repeated("--build-arg", request2.buildArgs),
      ...repeated("--label", request2.labels),
      ...request2.target ? ["--target", request2.target] : [],
      ...request2.noCache ? ["--no-cache"] : [],
      ...repeated("--no-cache-filter", request2.noCacheFilters),
      ...request2.pull ? ["--pull"] : [],
      ...request2.network ? ["--network", request2.network] : [],
      ...repeated("--add-host", request2.addHosts),
      ...request2.shmSize ? ["--shm-size", request2.shmSize] : [],
      ...repeated("--ulimit", request2.ulimit),
      ...request2.cgroupParent ? ["--cgroup-parent", request2.cgroupParent] : [],
      ...request2.allow.length ? ["--allow", request2.allow.join(",")] : [],
      ...repeated("--build-context", request2.buildContexts),
      ...repeated("--annotation", request2.annotations),
      ...request2.call ? ["--call", request2.call] : [],
      ...repeated("--output", request2.outputs),
      ...request2.push ? ["--push"] : [],
      ...request2.load ? ["--load"] : [],
      ...repeated("--cache-from", cache.imports.map(encodeSpec)),
      ...repeated("--cache-to", cache.exports.map(encodeSpec)),
      "--metadata-file",
      request2.metadataFile,
      "--progress",
      "rawjson",
      request2.context
    ];
    const toldV2 = /^(true|1)$/i.test(env.ACTIONS_CACHE_SERVICE_V2 ?? "");
    const childEnv = usesCacheServiceV2(env) && !toldV2 ? { ACTIONS_CACHE_SERVICE_V2: "true" } : {};
    return { file: "docker", args, env: childEnv };
  }
};

// src/core/names.ts
import { createHash } from "node:crypto";
var MAX_NAME = 128;
var HASH_LENGTH = 8;
var TAG_GRAMMAR = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
var RESERVED = [/-[0-9a-f]{8}$/, /^h[0-9a-f]{8}$/, /^pr-\d+$/, /^[0-9a-f]{40}$|^[0-9a-f]{64}$/, /--/, /-$/];
function shortHash(value, length = HASH_LENGTH) {
  return createHash("sha256").update(value).digest("hex").slice(0, length);
}
function isPlainName(name, maxLength = MAX_NAME) {
  return name.length <= maxLength && TAG_GRAMMAR.test(name) && !RESERVED.some((shape) => shape.test(name));
}
function safeName(raw, maxLength = MAX_NAME) {
  if (isPlainName(raw, maxLength)) return raw;
  const suffix = `-${shortHash(raw)}`;
  const name = raw.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[.-]+/, "").slice(0, maxLength - suffix.length).replace(/-+$/, "");
  return name === "" ? `h${shortHash(raw)}` : `${name}${suffix}`;
}
function joinNames(names, maxLength = MAX_NAME) {
  const joined = names.join("--");
  if (joined.length <= maxLength) return joined;
  const suffix = `---${shortHash(joined, 16)}`;
  return `${joined.slice(0, maxLength - suffix.length)}${suffix}`;
}
function imageRepository(image) {
  const withoutDigest = image.split("@")[0];
  const lastSlash = withoutDigest.lastIndexOf("/");
  const lastColon = withoutDigest.lastIndexOf(":");
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}
function splitRegistryHost(repository) {
  const [first, ...rest] = repository.split("/");
  const isHost = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? { host: first, path: rest.join("/") } : { path: repository };
}
function imagePath(image) {
  return splitRegistryHost(imageRepository(image)).path;
}
function platformsName(platforms) {
  const sorted = [...new Set(platforms.map((p) => p.trim()).filter(Boolean))].sort();
  const parts = sorted.map((platform) => platform.split("/"));
  const readable = parts.every((p) => p.every((part) => /^[a-z0-9]+$/.test(part)));
  return safeName(readable ? parts.map((p) => p.join("-")).join(".") : sorted.join(","));
}

// src/tools/envd.ts
var ENVD_STEP = /^bash -c /;
var EnvdProgressReader = class {
  plain = new PlainProgressReader(ENVD_STEP);
  downloaded = /* @__PURE__ */ new Set();
  ran = /* @__PURE__ */ new Set();
  line(text) {
    const match = /^#(\d+) (.*)$/.exec(text.trimEnd());
    if (match && /^sha256:[0-9a-f]{64} /.test(match[2])) this.downloaded.add(match[1]);
    if (match && /^\d+\.\d+ /.test(match[2])) this.ran.add(match[1]);
    return this.plain.line(text);
  }
  report() {
    for (const id of this.downloaded) if (!this.ran.has(id)) this.plain.line(`#${id} CACHED`);
    return this.plain.report();
  }
};
function envdBuilderAddress(address) {
  const match = /^([a-z-]+):\/\/(.*)$/.exec(address);
  return match ? { kind: match[1], address: match[2] } : { kind: "unix", address };
}
function localImportCompanion(imports) {
  const src = imports[0]?.find(([key]) => key === "src")?.[1];
  const local = imports[0]?.some(([key, value]) => key === "type" && value === "local");
  return local && src ? [
    [
      ["type", "local"],
      ["dest", src],
      ["ignore-error", "true"]
    ]
  ] : [];
}
var BUILDX_ONLY = [
  ["no-cache-filters", (o) => o.noCacheFilters.length > 0],
  ["pull", (o) => o.pull],
  ["network", (o) => !!o.network],
  ["add-hosts", (o) => o.addHosts.length > 0],
  ["shm-size", (o) => !!o.shmSize],
  ["ulimit", (o) => o.ulimit.length > 0],
  ["cgroup-parent", (o) => !!o.cgroupParent],
  ["allow", (o) => o.allow.length > 0],
  ["build-contexts", (o) => o.buildContexts.length > 0],
  ["annotations", (o) => o.annotations.length > 0],
  ["call", (o) => !!o.call]
];
function unsupported(options) {
  if (options.tags.length > 1)
    return { input: "tags", reason: "envd takes one image name; give one tag (and tag it again in a later step if needed)" };
  if (options.buildArgs.length) return { input: "build-args", reason: "envd has no build arguments; read values in build.envd instead" };
  if (options.labels.length) return { input: "labels", reason: "envd cannot set image labels" };
  if (options.target) return { input: "target", reason: "envd builds the function named in file (e.g. build.envd:build), not a stage" };
  if (options.push && options.load) return { input: "load", reason: "envd writes one output: push or load, not both" };
  if (options.push && options.outputs.length)
    return { input: "push", reason: "with outputs given, put push=true in the output (e.g. type=image,name=<ref>,push=true)" };
  if (options.push && !options.tags.length) return { input: "push", reason: "envd pushes the image named by tags; give one tag" };
  if (options.load && options.outputs.length)
    return { input: "load", reason: "with outputs given, envd does not load the image into Docker" };
  const buildxOnly = BUILDX_ONLY.find(([, given]) => given(options));
  if (buildxOnly) return { input: buildxOnly[0], reason: "envd has no such build flag" };
  return void 0;
}
var envd = {
  name: "envd",
  traits: {
    singleImport: true,
    readsCredentialEnv: false,
    localImportNeedsExportThere: true,
    pushesOneName: true,
    driverMayLackExporters: false,
    plainProgress: true,
    canBuildWithoutCache: false
  },
  check: unsupported,
  needsDockerEngine: (request2) => !request2.outputs.length && !request2.push,
  progress: () => new EnvdProgressReader(),
  prepare(request2) {
    if (!request2.builder) return [];
    const { kind, address } = envdBuilderAddress(request2.builder);
    const name = `bcb-${shortHash(request2.builder)}`;
    const env = { ENVD_ANALYTICS: "false" };
    return [
      { file: "envd", args: ["context", "create", "--name", name, "--builder", kind, "--builder-address", address, "--use"], env },
      { file: "envd", args: ["context", "use", "--name", name], env }
    ];
  },
  invocation(request2, cache, env) {
    const imports = cache.imports.slice(0, 1);
    const exports = cache.exports.slice(0, 1);
    const args = [
      "build",
      "--path",
      request2.context,
      ...request2.file ? ["--from", request2.file] : [],
      ...request2.tags.length ? ["--tag", request2.tags[0]] : [],
      ...request2.platforms.length ? ["--platform", request2.platforms.join(",")] : [],
      ...request2.noCache ? ["--force"] : [],
      ...repeated("--output", request2.push ? [`type=image,name=${request2.tags[0]},push=true`] : request2.outputs),
      ...repeated("--import-cache", imports.map(encodeSpec)),
      ...repeated("--export-cache", (exports.length ? exports : localImportCompanion(imports)).map(encodeSpec))
    ];
    const childEnv = env.ENVD_ANALYTICS === void 0 ? { ENVD_ANALYTICS: "false" } : {};
    return { file: "envd", args, env: childEnv };
  }
};

// src/tools/index.ts
var TOOLS = Object.fromEntries([buildx, envd].map((tool) => [tool.name, tool]));

// src/effects/builder-driver.ts
var DRIVER_CANNOT_EXPORT = /Cache export (?:feature )?is (?:currently )?not supported for (?:the )?docker driver/i;
var DRIVER_FALLBACKS = ["off", "docker-container"];
function json(read, path) {
  const text = read(path);
  if (text === void 0) return void 0;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : void 0;
  } catch {
    return void 0;
  }
}
function buildxDirs(env, home = homedir()) {
  const docker = env.DOCKER_CONFIG || join(home, ".docker");
  return { docker, buildx: env.BUILDX_CONFIG || join(docker, "buildx") };
}
function currentBuilder(read, env, requested, home = homedir()) {
  const dirs = buildxDirs(env, home);
  const config = json(read, join(dirs.docker, "config.json"));
  const context = env.DOCKER_HOST ? "default" : env.DOCKER_CONTEXT || typeof config?.currentContext === "string" && config.currentContext || "default";
  const key = context === "default" ? env.DOCKER_HOST || "unix:///var/run/docker.sock" : context;
  const contextBuilder = (name) => ({
    name,
    driver: "docker",
    ...name === "default" && context === "default" && { endpoint: key }
  });
  const instance = (name) => {
    if (!/^[a-zA-Z][a-zA-Z0-9.\-_+]*$/.test(name)) return void 0;
    const found = json(read, join(dirs.buildx, "instances", name.toLowerCase()));
    if (!found) return void 0;
    return {
      name: typeof found.Name === "string" && found.Name ? found.Name : name,
      driver: typeof found.Driver === "string" && found.Driver ? found.Driver : void 0
    };
  };
  const named = requested || env.BUILDX_BUILDER;
  if (named) {
    const found = instance(named);
    if (found) return found;
    if (named === "default" || named === context) return contextBuilder(named);
    return { name: named };
  }
  const current = json(read, join(dirs.buildx, "current"));
  const currentName = typeof current?.Name === "string" ? current.Name : "";
  if (currentName && current?.Global) {
    const found = instance(currentName);
    if (found) return found;
  }
  if (currentName && current?.Key === key) return instance(currentName) ?? contextBuilder(context);
  const byDefault = read(join(dirs.buildx, "defaults", createHash2("sha256").update(key).digest("hex").slice(0, 20)))?.trim();
  if (byDefault) {
    const found = instance(byDefault);
    if (found) return found;
  }
  return contextBuilder(context);
}
function readFileOrUndefined(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return void 0;
  }
}
function usesContainerdStore(driverStatus) {
  if (!Array.isArray(driverStatus)) return void 0;
  return driverStatus.some(
    (entry) => Array.isArray(entry) && entry[0] === "driver-type" && /^io\.containerd\.snapshotter\./.test(String(entry[1]))
  );
}
function exportsNeedingCacheExport(exports) {
  return exports.filter((spec) => spec.find(([key]) => key === "type")?.[1] !== "inline");
}
function engineInfoOverSocket(socketPath) {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/info", method: "GET", timeout: 3e3 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => body += chunk);
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(body) : void 0);
        } catch {
          resolve(void 0);
        }
      });
    });
    req.on("error", () => resolve(void 0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}
async function engineUsesContainerdStore(builder, env) {
  if (builder.endpoint?.startsWith("unix://")) {
    const info2 = await engineInfoOverSocket(builder.endpoint.slice("unix://".length));
    if (info2) return usesContainerdStore(info2.DriverStatus);
  }
  const args = [...builder.name !== "default" ? ["--context", builder.name] : [], "info", "--format", "{{json .DriverStatus}}"];
  const result = await getExecOutput("docker", args, { silent: true, ignoreReturnCode: true, env }).catch(() => void 0);
  if (result?.exitCode !== 0) return void 0;
  try {
    return usesContainerdStore(JSON.parse(result.stdout));
  } catch {
    return void 0;
  }
}
var FIX = 'to use it, add docker/setup-buildx-action before this step (a docker-container builder), turn on the containerd image store in the Docker Engine ("features": {"containerd-snapshotter": true} in daemon.json), or set driver-fallback: docker-container';
var CLASSIC_STORE_IMPORTS = /* @__PURE__ */ new Set(["registry", "local"]);
var typeOf = (spec) => spec.find(([key]) => key === "type")?.[1] ?? "?";
var listed = (types) => [...new Set(types)].join(", ");
function withoutDriverExport(p, builderName) {
  const dropped = exportsNeedingCacheExport(p.exports);
  const imports = p.imports.filter((i) => CLASSIC_STORE_IMPORTS.has(typeOf(i.attributes)));
  const exportTypes = listed(dropped.map(typeOf));
  const importTypes = listed(p.imports.filter((i) => !imports.includes(i)).map((i) => typeOf(i.attributes)));
  const what = exportTypes && exportTypes === importTypes ? `export or import the ${exportTypes} cache` : [exportTypes && `export the ${exportTypes} cache`, importTypes && `import the ${importTypes} cache`].filter(Boolean).join(" or ");
  const reason = `builder "${builderName}" uses the docker driver, which cannot ${what} without the containerd image store`;
  const doing = exportTypes && importTypes ? "exporting or importing it" : exportTypes ? "exporting the cache (imports still work)" : "importing it";
  warning(`The ${reason}: building without ${doing}. ${FIX[0].toUpperCase()}${FIX.slice(1)}.`);
  const ownDropped = p.cacheExport && p.exports.length > 0 && dropped.includes(p.exports[0]);
  return {
    ...p,
    exports: p.exports.filter((spec) => !dropped.includes(spec)),
    imports,
    ...importTypes && { importReason: reason },
    ...ownDropped && { extraTags: [], cacheExport: false, exportReason: reason }
  };
}
async function createFallbackBuilder(env, options) {
  const name = `branch-cache-build-${randomBytes(4).toString("hex")}`;
  const args = [
    "buildx",
    "create",
    "--name",
    name,
    "--driver",
    "docker-container",
    ...options.driverOpts.flatMap((opt) => ["--driver-opt", opt])
  ];
  const result = await getExecOutput("docker", args, { silent: true, ignoreReturnCode: true, env });
  if (result.exitCode !== 0) {
    info(`Could not create a docker-container builder (${(result.stderr || result.stdout).trim().split("\n").pop()}).`);
    return void 0;
  }
  saveState(STATE.fallbackBuilder, name);
  return name;
}
async function planForDockerDriver(p, builderName, env, options) {
  if (options.fallback === "docker-container") {
    const created = await createFallbackBuilder(env, options);
    if (created) {
      info(
        `Builder "${builderName}" uses the docker driver, which cannot export this cache without the containerd image store: building on a docker-container builder created for this job, "${created}" (driver-fallback: docker-container); the post step removes it.`
      );
      const load = p.request.load || !p.request.push && p.request.outputs.length === 0;
      return { ...p, request: { ...p.request, builder: created, load } };
    }
  }
  return withoutDriverExport(p, builderName);
}
async function fitPlanToBuilder(p, env, options) {
  if (!TOOLS[p.tool].traits.driverMayLackExporters) return p;
  const needsExport = exportsNeedingCacheExport(p.exports).length > 0 || p.imports.some((i) => !CLASSIC_STORE_IMPORTS.has(typeOf(i.attributes)));
  const needsBuildKit = p.needsBuildKitDriver && options.fallback === "docker-container";
  if (!needsExport && !needsBuildKit) return p;
  const builder = currentBuilder(readFileOrUndefined, env, p.request.builder);
  if (builder.driver !== "docker") return p;
  if (needsBuildKit) return planForDockerDriver(p, builder.name, env, options);
  if (await engineUsesContainerdStore(builder, env) !== false) return p;
  info(`Builder "${builder.name}" uses the docker driver and the engine has no containerd image store.`);
  return planForDockerDriver(p, builder.name, env, options);
}
async function removeFallbackBuilder(name) {
  const result = await getExecOutput("docker", ["buildx", "rm", "--force", name], { silent: true, ignoreReturnCode: true });
  if (result.exitCode === 0) info(`Removed the docker-container builder "${name}" created for this job.`);
  else
    warning(
      `Could not remove the docker-container builder "${name}" created for this job: ${(result.stderr || result.stdout).trim().split("\n").pop()}`
    );
}

export {
  safeName,
  joinNames,
  imageRepository,
  splitRegistryHost,
  imagePath,
  platformsName,
  hitRatio,
  actionsCacheAccess,
  usesCacheServiceV2,
  UNRESTRICTED,
  encodeSpec,
  decodeSpec,
  TOOLS,
  DRIVER_CANNOT_EXPORT,
  DRIVER_FALLBACKS,
  buildxDirs,
  currentBuilder,
  readFileOrUndefined,
  usesContainerdStore,
  exportsNeedingCacheExport,
  engineUsesContainerdStore,
  CLASSIC_STORE_IMPORTS,
  withoutDriverExport,
  planForDockerDriver,
  fitPlanToBuilder,
  removeFallbackBuilder
};
