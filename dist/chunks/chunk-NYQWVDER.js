import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  LOCAL_STATE
} from "./chunk-I2FH5GNM.js";
import {
  getState,
  group,
  info,
  summary,
  warning
} from "./chunk-3NORXGW5.js";

// src/oci-layout.ts
import { readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
async function readJson(path) {
  return JSON.parse(await readFile(path, "utf8"));
}
function blobPath(dir, digest) {
  const [algorithm, hex] = digest.split(":");
  return join(dir, "blobs", algorithm, hex);
}
async function cacheManifestDigest(dir) {
  try {
    const index = await readJson(join(dir, "index.json"));
    const manifests = index.manifests ?? [];
    return manifests.at(-1)?.digest;
  } catch {
    return void 0;
  }
}
function children(document) {
  return [...document.manifests ?? [], ...document.layers ?? [], ...document.config ? [document.config] : []].filter((d) => typeof d?.digest === "string");
}
async function reachableBlobs(dir) {
  const reached = /* @__PURE__ */ new Set();
  const pending = children(await readJson(join(dir, "index.json")));
  while (pending.length) {
    const descriptor = pending.pop();
    if (reached.has(descriptor.digest)) continue;
    reached.add(descriptor.digest);
    if (/manifest|index/.test(descriptor.mediaType ?? "")) {
      try {
        pending.push(...children(await readJson(blobPath(dir, descriptor.digest))));
      } catch {
      }
    }
  }
  return reached;
}
async function compactLayout(dir) {
  const keep = await reachableBlobs(dir);
  let freed = 0;
  const algorithms = await readdir(join(dir, "blobs")).catch(() => []);
  for (const algorithm of algorithms) {
    for (const hex of await readdir(join(dir, "blobs", algorithm))) {
      if (keep.has(`${algorithm}:${hex}`)) continue;
      const path = join(dir, "blobs", algorithm, hex);
      freed += (await stat(path)).size;
      await rm(path, { force: true });
    }
  }
  return freed;
}
async function directorySize(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  let total = 0;
  for (const entry of entries) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

// src/progress.ts
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

// src/summary.ts
function formatBytes(bytes) {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}
function sourceOf(source, scope) {
  return scope.location ? source.includes(scope.location) : source.includes(scope.id);
}
function restoreMarks(p, restored) {
  if (!p.local || !restored?.looked) return void 0;
  const hit = restored.key ? p.local.restoreKeys.findIndex((prefix) => restored.key.startsWith(prefix)) : -1;
  if (restored.key && hit < 0) return void 0;
  return p.chain.map((_, i) => hit < 0 || i < hit ? "\u2717" : i === hit ? "\u2713" : "?");
}
function chainMarks(p, outcome) {
  const marks = restoreMarks(p, outcome.restored) ?? outcome.indexFound?.map((found) => found ? "\u2713" : "\u2717");
  if (marks) return p.chain.map((scope, i) => `${scope.id} ${marks[i]}`).join(" \u2192 ");
  const imports = outcome.report?.imports ?? [];
  return p.chain.map((scope) => {
    const seen = imports.filter((i) => sourceOf(i.source, scope));
    if (p.tool === "envd" && !scope.location) return `${scope.id} ?`;
    const chosen = outcome.chosen.some((c) => c.label === scope.location);
    if (seen.some((i) => i.found) || chosen && p.tool === "envd" && (outcome.report?.cachedSteps ?? 0) > 0) return `${scope.id} \u2713`;
    if (seen.length || p.tool === "envd" && !chosen) return `${scope.id} \u2717`;
    return `${scope.id} ?`;
  }).join(" \u2192 ");
}
function summaryRows(p, outcome) {
  const report = outcome.report;
  const rows = [
    ["Builder", p.tool],
    ["Backend", p.backend],
    ["Own scope", p.scope || "(none)"],
    ["Import chain", p.chain.length ? chainMarks(p, outcome) : `(none)${p.importReason ? `: ${p.importReason}` : ""}`]
  ];
  if (report) {
    rows.push(
      ["Cached steps", `${report.cachedSteps} / ${report.totalSteps} (${hitRatio(report)})`],
      ["Cache source", outcome.cacheSource ?? "unknown"],
      ["Build time", `${(outcome.buildSeconds ?? 0).toFixed(1)} s (steps that ran: ${report.runSeconds.toFixed(1)} s, cache import: ${report.importSeconds.toFixed(1)} s, export: ${report.exportSeconds.toFixed(1)} s)`]
    );
  }
  const where = p.exports.map((e) => e.filter(([k]) => ["type", "scope", "ref", "name", "dest"].includes(k)).map(([k, v]) => `${k}=${v}`).join(",")).join("; ");
  rows.push(["Cache export", p.cacheExport ? `yes: ${where}` : `no: ${p.exportReason}`]);
  if (outcome.restored) rows.push(["Local cache restored", outcome.restored.key ? `${outcome.restored.key} (${formatBytes(outcome.restored.bytes)})` : "nothing"]);
  if (outcome.localExport) rows.push(["Local cache exported", `${formatBytes(outcome.localExport.bytes)}${outcome.localExport.freed ? `, ${formatBytes(outcome.localExport.freed)} of dead blobs removed` : ""}; ${outcome.localExport.unchanged ? "the same as the restored cache: not saved again" : "saved in the post step"}`]);
  if (p.tool === "envd") rows.push(["Note", "envd prints BuildKit's plain progress: cache import and export times and the scope a hit came from are not in it"]);
  if (outcome.dryRun) rows.push(["Dry run", "nothing was built"]);
  return rows;
}
async function writeSummary(p, outcome) {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const rows = summaryRows(p, outcome);
  await summary.addHeading(`Build cache: ${p.scope || p.context.ref || "build"}`, 3).addTable([[{ data: "What", header: true }, { data: "Result", header: true }], ...rows]).write();
}

// src/local-cache.ts
var actionsCache = () => import("./cache-VLODIMAZ.js");
async function restoreLocalCache(p) {
  const local = p.local;
  if (!local.canRestore) return { bytes: 0 };
  try {
    const key = await group("Restore local cache", async () => (await actionsCache()).restoreCache([local.importDir], local.key, local.restoreKeys));
    const bytes = key ? await directorySize(local.importDir) : 0;
    info(key ? `local cache restored from ${key} (${bytes} bytes)` : `no local cache under ${local.restoreKeys.join(", ")}`);
    return { key, bytes, looked: true, digest: key ? await cacheManifestDigest(local.importDir) : void 0 };
  } catch (error) {
    warning(`Local cache not restored, the build goes on uncached: ${error.message}`);
    return { bytes: 0 };
  }
}
async function saveLocalCache(state) {
  if (!state.canSave) return void 0;
  if (state.restoredKey === state.key) {
    info(`local cache: ${state.key} is already saved`);
    return void 0;
  }
  if (state.unchanged) {
    info(`local cache: the same as the restored ${state.restoredKey}, not saved again as ${state.key}`);
    return void 0;
  }
  try {
    const id = await (await actionsCache()).saveCache([state.path], state.key);
    if (id === -1) return void 0;
    info(`local cache saved as ${state.key} (${state.bytes} bytes)`);
    return state.bytes;
  } catch (error) {
    warning(`Local cache not saved: ${error.message}`);
    return void 0;
  }
}
async function saveLocalCacheStep() {
  try {
    const state = JSON.parse(getState(LOCAL_STATE));
    const bytes = await saveLocalCache(state);
    if (bytes !== void 0 && process.env.GITHUB_STEP_SUMMARY) {
      await summary.addRaw(`Local cache saved as <code>${state.key}</code>: ${formatBytes(bytes)}`, true).write();
    }
  } catch (error) {
    warning(`Post step: ${error.message}`);
  }
}

export {
  DOCKERFILE_STEP,
  RawJsonReader,
  PlainProgressReader,
  hitRatio,
  cacheManifestDigest,
  compactLayout,
  directorySize,
  formatBytes,
  sourceOf,
  writeSummary,
  restoreLocalCache,
  saveLocalCache,
  saveLocalCacheStep
};
