import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  TOOLS,
  addsDefaultProvenance
} from "./chunk-7KVD4VK7.js";
import {
  attribute,
  backendOfSpec,
  registryBaseUrl,
  splitImageRef
} from "./chunk-UTIKCLHM.js";
import {
  STATE
} from "./chunk-G22OP24S.js";
import {
  getExecOutput,
  info,
  saveState,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/builder-driver.ts
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { homedir as homedir2 } from "node:os";
import { join as join2 } from "node:path";

// src/effects/registry-client.ts
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
var ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json"
].join(", ");
function dockerConfigDir(env, home = homedir()) {
  return env.DOCKER_CONFIG || join(home, ".docker");
}
async function dockerLogin(host, env) {
  try {
    const config = JSON.parse(await readFile(join(dockerConfigDir(env), "config.json"), "utf8"));
    return config.auths?.[host]?.auth;
  } catch {
    return void 0;
  }
}
async function bearerToken(challenge, basic) {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return void 0;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set("service", params.service);
  if (params.scope) url.searchParams.set("scope", params.scope);
  const response = await fetch(url, { headers: basic ? { Authorization: `Basic ${basic}` } : {} });
  if (!response.ok) return void 0;
  const body = await response.json();
  return body.token ?? body.access_token;
}
async function registryRequest(host, path, method, env, body) {
  const url = `${registryBaseUrl(host)}${path}`;
  const send = (authorization) => fetch(url, {
    method,
    headers: { Accept: ACCEPT, ...body && { "Content-Type": body.type }, ...authorization && { Authorization: authorization } },
    ...body && { body: body.data },
    signal: AbortSignal.timeout(1e4)
  });
  let response = await send();
  if (response.status === 401) {
    const basic = await dockerLogin(host, env);
    const challenge = response.headers.get("www-authenticate") ?? "";
    const token = /^bearer/i.test(challenge) ? await bearerToken(challenge, basic) : void 0;
    if (token) response = await send(`Bearer ${token}`);
    else if (basic) response = await send(`Basic ${basic}`);
  }
  return response;
}
var manifestPath = (path, reference) => `/v2/${path}/manifests/${encodeURIComponent(reference)}`;
async function manifestRequest(ref, method, env, reference) {
  const { host, path, tag } = splitImageRef(ref);
  if (!host) return void 0;
  return registryRequest(host, manifestPath(path, reference ?? tag), method, env);
}
async function probeRegistryTag(ref, env) {
  try {
    const response = await manifestRequest(ref, "HEAD", env);
    if (!response) return "unknown";
    return response.ok ? "found" : response.status === 404 ? "missing" : "unknown";
  } catch {
    return "unknown";
  }
}
function nextPage(link) {
  return link?.split(",").map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)?.[1]).find(Boolean);
}
var MAX_TAG_PAGES = 20;
async function listTags(host, path, env) {
  const tags = [];
  let page = `/v2/${path}/tags/list?n=1000`;
  for (let i = 0; page && i < MAX_TAG_PAGES; i++) {
    const response = await registryRequest(host, page, "GET", env);
    if (!response.ok) return void 0;
    tags.push(...(await response.json()).tags ?? []);
    const next = nextPage(response.headers.get("link"));
    page = next ? next.startsWith("/") ? next : next.replace(/^https?:\/\/[^/]+/, "") : void 0;
  }
  return page ? void 0 : tags;
}
async function otherTagOf(ref, digest, env) {
  const { host, path, tag } = splitImageRef(ref);
  const tags = host ? await listTags(host, path, env).catch(() => void 0) : void 0;
  if (!host || !tags) return "unknown";
  const others = tags.filter((t) => t !== tag);
  for (let i = 0; i < others.length; i += 8) {
    const batch = others.slice(i, i + 8);
    const digests = await Promise.all(
      batch.map(
        (t) => registryRequest(host, manifestPath(path, t), "HEAD", env).then(
          (r) => r.ok ? r.headers.get("docker-content-digest") : null,
          () => "unknown"
        )
      )
    );
    const shared = batch.find((_, j) => digests[j] === digest);
    if (shared) return shared;
    if (digests.includes("unknown")) return "unknown";
  }
  return void 0;
}
async function deleteRegistryTag(ref, env) {
  const head = await manifestRequest(ref, "HEAD", env).catch(() => void 0);
  if (head?.status === 404) return { result: "missing" };
  const digest = head?.headers.get("docker-content-digest");
  if (!head?.ok || !digest) return { result: "unsupported" };
  const other = await otherTagOf(ref, digest, env);
  if (other === "unknown")
    return {
      result: "kept",
      reason: "the registry does not list the repository's tags, so it cannot be ruled out that another tag shares its manifest (which a delete would remove too)"
    };
  if (other)
    return {
      result: "kept",
      reason: `tag ${other} points at the same manifest, and deleting the manifest would delete that tag too (the cache tag takes no space of its own)`
    };
  const response = await manifestRequest(ref, "DELETE", env, digest).catch(() => void 0);
  return { result: response?.ok ? "deleted" : response?.status === 404 ? "missing" : "unsupported" };
}
async function copyTag(source, target, env) {
  const from = splitImageRef(source);
  const to = splitImageRef(target);
  if (!from.host || from.host !== to.host) return { ok: false, reason: `${target} is not in the registry of ${source}` };
  try {
    const got = await registryRequest(from.host, manifestPath(from.path, from.tag), "GET", env);
    if (!got.ok) return { ok: false, reason: `reading ${source} answered HTTP ${got.status}` };
    const type = got.headers.get("content-type") ?? "application/vnd.oci.image.manifest.v1+json";
    const data = await got.arrayBuffer();
    const put = await registryRequest(to.host, manifestPath(to.path, to.tag), "PUT", env, { type, data });
    return put.ok ? { ok: true } : { ok: false, reason: `writing ${target} answered HTTP ${put.status}` };
  } catch (error) {
    return { ok: false, reason: error.message };
  }
}

// src/effects/builder-driver.ts
var DRIVER_CANNOT_EXPORT = /Cache export (?:feature )?is (?:currently )?not supported for (?:the )?docker driver/i;
var DRIVER_REFUSES_ATTESTATION = /Attestation is not supported for (?:the )?docker driver/i;
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
function buildxDirs(env, home = homedir2()) {
  const docker = dockerConfigDir(env, home);
  return { docker, buildx: env.BUILDX_CONFIG || join2(docker, "buildx") };
}
function currentBuilder(read, env, requested, home = homedir2()) {
  const dirs = buildxDirs(env, home);
  const config = json(read, join2(dirs.docker, "config.json"));
  const context = env.DOCKER_HOST ? "default" : env.DOCKER_CONTEXT || typeof config?.currentContext === "string" && config.currentContext || "default";
  const key = context === "default" ? env.DOCKER_HOST || "unix:///var/run/docker.sock" : context;
  const contextBuilder = (name) => ({
    name,
    driver: "docker",
    ...name === "default" && context === "default" && { endpoint: key }
  });
  const instance = (name) => {
    if (!/^[a-zA-Z][a-zA-Z0-9.\-_+]*$/.test(name)) return void 0;
    const found = json(read, join2(dirs.buildx, "instances", name.toLowerCase()));
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
  const current = json(read, join2(dirs.buildx, "current"));
  const currentName = typeof current?.Name === "string" ? current.Name : "";
  if (currentName && current?.Global) {
    const found = instance(currentName);
    if (found) return found;
  }
  if (currentName && current?.Key === key) return instance(currentName) ?? contextBuilder(context);
  const byDefault = read(join2(dirs.buildx, "defaults", createHash("sha256").update(key).digest("hex").slice(0, 20)))?.trim();
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
  return exports.filter((spec) => !backendOfSpec(spec)?.exportedWithImage);
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
var importsOnClassicStore = (i) => !!backendOfSpec(i.attributes)?.importsOnClassicDockerStore;
var typeOf = (spec) => attribute(spec, "type") ?? "?";
var listed = (types) => [...new Set(types)].join(", ");
function withoutDefaultProvenance(p) {
  return { ...p, request: { ...p.request, defaultProvenance: void 0 } };
}
function withoutDriverExport(p, builderName) {
  const dropped = exportsNeedingCacheExport(p.exports);
  const imports = p.imports.filter(importsOnClassicStore);
  if (!dropped.length && imports.length === p.imports.length) return withoutDefaultProvenanceOn(p, builderName);
  const exportTypes = listed(dropped.map(typeOf));
  const importTypes = listed(p.imports.filter((i) => !imports.includes(i)).map((i) => typeOf(i.attributes)));
  const what = exportTypes && exportTypes === importTypes ? `export or import the ${exportTypes} cache` : [exportTypes && `export the ${exportTypes} cache`, importTypes && `import the ${importTypes} cache`].filter(Boolean).join(" or ");
  const reason = `builder "${builderName}" uses the docker driver, which cannot ${what} without the containerd image store`;
  const doing = exportTypes && importTypes ? "exporting or importing it" : exportTypes ? "exporting the cache (imports still work)" : "importing it";
  warning(`The ${reason}: building without ${doing}. ${FIX[0].toUpperCase()}${FIX.slice(1)}.`);
  const ownDropped = p.cacheExport && p.exports.length > 0 && dropped.includes(p.exports[0]);
  return withoutDefaultProvenance({
    ...p,
    exports: p.exports.filter((spec) => !dropped.includes(spec)),
    imports,
    ...importTypes && { importReason: reason },
    ...ownDropped && { extraTags: [], cacheExport: false, exportReason: reason }
  });
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
  const needsExport = exportsNeedingCacheExport(p.exports).length > 0 || !p.imports.every(importsOnClassicStore);
  const needsBuildKit = p.needsBuildKitDriver && options.fallback === "docker-container";
  const attests = addsDefaultProvenance(p.request, env);
  if (!needsExport && !needsBuildKit && !attests) return p;
  const builder = currentBuilder(readFileOrUndefined, env, p.request.builder);
  if (builder.driver !== "docker") return p;
  if (needsBuildKit) return planForDockerDriver(p, builder.name, env, options);
  if (await engineUsesContainerdStore(builder, env) !== false) return p;
  info(`Builder "${builder.name}" uses the docker driver and the engine has no containerd image store.`);
  if (needsExport) return planForDockerDriver(p, builder.name, env, options);
  return withoutDefaultProvenanceOn(p, builder.name);
}
function withoutDefaultProvenanceOn(p, builderName) {
  info(
    `No default provenance attestation: buildx attaches none with the docker driver of "${builderName}" and no containerd image store.`
  );
  return withoutDefaultProvenance(p);
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
  probeRegistryTag,
  deleteRegistryTag,
  copyTag,
  DRIVER_CANNOT_EXPORT,
  DRIVER_REFUSES_ATTESTATION,
  DRIVER_FALLBACKS,
  buildxDirs,
  currentBuilder,
  readFileOrUndefined,
  usesContainerdStore,
  exportsNeedingCacheExport,
  engineUsesContainerdStore,
  withoutDriverExport,
  planForDockerDriver,
  fitPlanToBuilder,
  removeFallbackBuilder
};
