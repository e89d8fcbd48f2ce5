import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  STATE
} from "./chunk-QGCITXSA.js";
import {
  getExecOutput,
  info,
  saveState,
  warning
} from "./chunk-N3HGW3KE.js";

// src/builder-driver.ts
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { homedir } from "node:os";
import { join } from "node:path";
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
  const contextBuilder = (name) => ({ name, driver: "docker", ...name === "default" && context === "default" && { endpoint: key } });
  const instance = (name) => {
    if (!/^[a-zA-Z][a-zA-Z0-9.\-_+]*$/.test(name)) return void 0;
    const found = json(read, join(dirs.buildx, "instances", name.toLowerCase()));
    if (!found) return void 0;
    return { name: typeof found.Name === "string" && found.Name ? found.Name : name, driver: typeof found.Driver === "string" && found.Driver ? found.Driver : void 0 };
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
  const byDefault = read(join(dirs.buildx, "defaults", createHash("sha256").update(key).digest("hex").slice(0, 20)))?.trim();
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
  return driverStatus.some((entry) => Array.isArray(entry) && entry[0] === "driver-type" && /^io\.containerd\.snapshotter\./.test(String(entry[1])));
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
  const args = ["buildx", "create", "--name", name, "--driver", "docker-container", ...options.driverOpts.flatMap((opt) => ["--driver-opt", opt])];
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
      info(`Builder "${builderName}" uses the docker driver, which cannot export this cache without the containerd image store: building on a docker-container builder created for this job, "${created}" (driver-fallback: docker-container); the post step removes it.`);
      const load = p.request.load || !p.request.push && p.request.outputs.length === 0;
      return { ...p, request: { ...p.request, builder: created, load } };
    }
  }
  return withoutDriverExport(p, builderName);
}
async function fitPlanToBuilder(p, env, options) {
  if (p.tool !== "buildx") return p;
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
  else warning(`Could not remove the docker-container builder "${name}" created for this job: ${(result.stderr || result.stdout).trim().split("\n").pop()}`);
}

export {
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
