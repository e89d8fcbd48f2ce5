import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  csvFields,
  encodeFields,
  encodeSpec
} from "./chunk-A2ZEUCOF.js";
import {
  shortHash
} from "./chunk-UTIKCLHM.js";

// src/tools/attests.ts
var SWITCH_ON = /^(1|t|T|TRUE|true|True)$/;
var SWITCH_OFF = /^(0|f|F|FALSE|false|False)$/;
var INPUT_TRUE = /^(true|True|TRUE)$/;
var INPUT_FALSE = /^(false|False|FALSE)$/;
function fieldsOf(text) {
  return csvFields(text).map((field) => field.trim()).filter((field) => field !== "").map((field) => SWITCH_ON.test(field) ? "disabled=false" : SWITCH_OFF.test(field) ? "disabled=true" : field);
}
var keyOf = (field) => field.split("=")[0].trim();
var typeOf = (fields) => {
  const type = fields.find((field) => keyOf(field) === "type");
  return type?.slice(type.indexOf("=") + 1).trim();
};
function builderId(env) {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return void 0;
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : "";
  return `${env.GITHUB_SERVER_URL || "https://github.com"}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`;
}
function withBuilderId(fields, env) {
  const id = builderId(env);
  return id && !fields.some((field) => keyOf(field) === "builder-id") ? [...fields, `builder-id=${id}`] : fields;
}
function provenanceInput(value, env) {
  if (INPUT_FALSE.test(value)) return ["type=provenance", "disabled=true"];
  return withBuilderId(["type=provenance", ...INPUT_TRUE.test(value) ? [] : fieldsOf(value)], env);
}
var asksForProvenance = (options) => !!options.provenance || options.attests.some((attest) => typeOf(fieldsOf(attest)) === "provenance");
var loadsIntoDocker = (request) => request.load || request.outputs.some((output) => typeOf(fieldsOf(output)) === "docker");
function defaultProvenance(request, env) {
  if (!request.defaultProvenance || asksForProvenance(request) || loadsIntoDocker(request)) return void 0;
  if (SWITCH_ON.test(env.BUILDX_NO_DEFAULT_ATTESTATIONS ?? "")) return void 0;
  const mode = request.defaultProvenance === "max" ? ["mode=max"] : ["mode=min", "inline-only=true"];
  return withBuilderId(["type=provenance", ...mode], env);
}
function addsDefaultProvenance(request, env) {
  return defaultProvenance(request, env) !== void 0;
}
function attestValues(request, env) {
  const provenance = request.provenance ? provenanceInput(request.provenance, env) : defaultProvenance(request, env);
  const lines = request.attests.map(fieldsOf).flatMap((fields) => {
    const type = typeOf(fields);
    if (type === "provenance") return request.provenance ? [] : [withBuilderId(fields, env)];
    return type === "sbom" && request.sbom ? [] : [fields];
  });
  return [...provenance ? [provenance] : [], ...request.sbom ? [["type=sbom", ...fieldsOf(request.sbom)]] : [], ...lines].map(
    encodeFields
  );
}
function asksForAttestation(value) {
  return !!value && !SWITCH_OFF.test(value);
}

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
    for (const warning of status.warnings ?? []) {
      out.push(`WARNING: ${Buffer.from(warning.short ?? "", "base64").toString("utf8")}`);
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
function ranAnyStep(report) {
  return report.totalSteps === 0 || report.cachedSteps < report.totalSteps;
}
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
    pushesOneName: false,
    driverMayLackExporters: true,
    plainProgress: false,
    canBuildWithoutCache: true,
    reachesCacheMounts: true
  },
  progress: () => new RawJsonReader(DOCKERFILE_STEP),
  invocation(request, cache, env) {
    const args = [
      "buildx",
      "build",
      ...request.builder ? ["--builder", request.builder] : [],
      ...request.file ? ["--file", request.file] : [],
      ...repeated("--tag", [...request.tags, ...cache.extraTags]),
      ...request.platforms.length ? ["--platform", request.platforms.join(",")] : [],
      ...repeated("--build-arg", request.buildArgs),
      ...repeated("--label", request.labels),
      ...request.target ? ["--target", request.target] : [],
      ...request.noCache ? ["--no-cache"] : [],
      ...repeated("--no-cache-filter", request.noCacheFilters),
      ...request.pull ? ["--pull"] : [],
      ...request.network ? ["--network", request.network] : [],
      ...repeated("--add-host", request.addHosts),
      ...request.shmSize ? ["--shm-size", request.shmSize] : [],
      ...repeated("--ulimit", request.ulimit),
      ...request.cgroupParent ? ["--cgroup-parent", request.cgroupParent] : [],
      ...request.allow.length ? ["--allow", request.allow.join(",")] : [],
      ...repeated("--build-context", request.buildContexts),
      ...repeated("--annotation", request.annotations),
      ...repeated("--attest", attestValues(request, env)),
      ...request.call ? ["--call", request.call] : [],
      ...repeated(
        "--secret",
        request.secrets.map((secret) => encodeSpec([["id", secret.id], "file" in secret ? ["src", secret.file] : ["env", secret.env]]))
      ),
      ...repeated("--ssh", request.ssh),
      ...repeated("--output", request.outputs),
      ...request.push ? ["--push"] : [],
      ...request.load ? ["--load"] : [],
      ...repeated("--cache-from", cache.imports.map(encodeSpec)),
      ...repeated("--cache-to", cache.exports.map(encodeSpec)),
      "--metadata-file",
      request.metadataFile,
      "--progress",
      "rawjson",
      request.context
    ];
    const toldV2 = /^(true|1)$/i.test(env.ACTIONS_CACHE_SERVICE_V2 ?? "");
    const childEnv = usesCacheServiceV2(env) && !toldV2 ? { ACTIONS_CACHE_SERVICE_V2: "true" } : {};
    return { file: "docker", args, env: childEnv };
  }
};

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
  ["call", (o) => !!o.call],
  ["secrets", (o) => o.secrets.some((secret) => "value" in secret)],
  ["secret-files", (o) => o.secrets.some((secret) => "file" in secret)],
  ["secret-envs", (o) => o.secrets.some((secret) => "env" in secret)],
  ["ssh", (o) => o.ssh.length > 0]
];
var ATTESTATIONS = [
  ["provenance", (o) => asksForAttestation(o.provenance), "empty or false"],
  ["sbom", (o) => asksForAttestation(o.sbom), "empty or false"],
  ["attests", (o) => o.attests.length > 0, "empty"]
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
  const attesting = ATTESTATIONS.find(([, given]) => given(options));
  if (attesting)
    return { input: attesting[0], reason: `envd attaches no attestations to the image it builds; leave ${attesting[0]} ${attesting[2]}` };
  return void 0;
}
var envd = {
  name: "envd",
  traits: {
    singleImport: true,
    readsCredentialEnv: false,
    pushesOneName: true,
    driverMayLackExporters: false,
    plainProgress: true,
    canBuildWithoutCache: false,
    reachesCacheMounts: false
  },
  check: unsupported,
  needsDockerEngine: (request) => !request.outputs.length && !request.push,
  progress: () => new EnvdProgressReader(),
  prepare(request) {
    if (!request.builder) return [];
    const { kind, address } = envdBuilderAddress(request.builder);
    const name = `bcb-${shortHash(request.builder)}`;
    const env = { ENVD_ANALYTICS: "false" };
    return [
      { file: "envd", args: ["context", "create", "--name", name, "--builder", kind, "--builder-address", address, "--use"], env },
      { file: "envd", args: ["context", "use", "--name", name], env }
    ];
  },
  invocation(request, cache, env) {
    const imports = cache.imports.slice(0, 1);
    const exports = cache.exports.slice(0, 1);
    const args = [
      "build",
      "--path",
      request.context,
      ...request.file ? ["--from", request.file] : [],
      ...request.tags.length ? ["--tag", request.tags[0]] : [],
      ...request.platforms.length ? ["--platform", request.platforms.join(",")] : [],
      ...request.noCache ? ["--force"] : [],
      ...repeated("--output", request.push ? [`type=image,name=${request.tags[0]},push=true`] : request.outputs),
      ...repeated("--import-cache", imports.map(encodeSpec)),
      ...repeated("--export-cache", (exports.length ? exports : localImportCompanion(imports)).map(encodeSpec))
    ];
    const childEnv = env.ENVD_ANALYTICS === void 0 ? { ENVD_ANALYTICS: "false" } : {};
    return { file: "envd", args, env: childEnv };
  }
};

// src/tools/index.ts
var TOOLS = Object.fromEntries([buildx, envd].map((tool) => [tool.name, tool]));

export {
  addsDefaultProvenance,
  ranAnyStep,
  hitRatio,
  actionsCacheAccess,
  usesCacheServiceV2,
  UNRESTRICTED,
  TOOLS
};
