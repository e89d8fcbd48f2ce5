import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  maskSecretFiles,
  removeSecretFiles,
  writeSecretFiles
} from "./chunks/chunk-SBI6CETW.js";
import {
  DRIVER_CANNOT_EXPORT,
  DRIVER_REFUSES_ATTESTATION,
  copyTag,
  currentBuilder,
  deleteRegistryTag,
  fitPlanToBuilder,
  planForDockerDriver,
  probeRegistryTag,
  readFileOrUndefined
} from "./chunks/chunk-7OW7WN3Y.js";
import {
  actionsCachesExist,
  deleteActionsCachesOfRef,
  lookUpCacheBudget,
  lookUpMissingBranches,
  readInputs,
  runContext
} from "./chunks/chunk-SQGZMXKF.js";
import {
  displayCommand,
  invocationOf,
  maskSecrets,
  plan,
  specsOf,
  withoutExport
} from "./chunks/chunk-ZX3MJ7GY.js";
import {
  TOOLS,
  addsDefaultProvenance,
  hitRatio,
  ranAnyStep
} from "./chunks/chunk-7KVD4VK7.js";
import {
  carriedMountLines,
  carryMountsIn,
  carryMountsInto,
  handMountsToPost
} from "./chunks/chunk-JC6DUEMP.js";
import "./chunks/chunk-WYO2UCJX.js";
import {
  InputError,
  ownedMountKeys
} from "./chunks/chunk-X7FFRMN5.js";
import {
  decodeSpec
} from "./chunks/chunk-A2ZEUCOF.js";
import {
  cacheManifestDigest,
  compactLayout,
  directorySize,
  restoreLocalCache
} from "./chunks/chunk-FT6HNTVX.js";
import {
  CacheWatch,
  dedupe,
  failedScopes,
  failureWarning,
  formatBytes,
  importFailures,
  plainEvents,
  rawJsonEvents,
  reasonOf
} from "./chunks/chunk-AUCYMPWF.js";
import {
  azblobManifestUrl,
  backendOfSpec,
  encodeKeyPath,
  s3ManifestUrl
} from "./chunks/chunk-UTIKCLHM.js";
import {
  STATE
} from "./chunks/chunk-G22OP24S.js";
import {
  endGroup,
  getExecOutput,
  getInput,
  group,
  info,
  notice,
  saveState,
  setFailed,
  setOutput,
  setSecret,
  startGroup,
  summary,
  warning
} from "./chunks/chunk-N3HGW3KE.js";
import "./chunks/chunk-PQADDHOS.js";
import "./chunks/chunk-HANBNIMK.js";

// src/run.ts
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

// src/effects/build-process.ts
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
function descendants(root) {
  const children = /* @__PURE__ */ new Map();
  let entries = [];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...children.get(ppid) ?? [], Number(name)]);
    } catch {
    }
  }
  const found = [];
  const queue = [root];
  while (queue.length && found.length < 1e3) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
function runWatched(file, args, env, onLine, watch) {
  return new Promise((resolve2) => {
    const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stall;
    let killTimer;
    const pending = { stdout: "", stderr: "" };
    const take = (stream) => (chunk) => {
      const lines = (pending[stream] + chunk.toString("utf8")).split("\n");
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) {
        watch?.feed(line, Date.now());
        onLine(line);
      }
    };
    child.stdout.on("data", take("stdout"));
    child.stderr.on("data", take("stderr"));
    let tree = [];
    const signal = (name) => {
      if (!child.pid) return;
      tree = [.../* @__PURE__ */ new Set([...tree, ...descendants(child.pid)])];
      for (const target of [-child.pid, ...tree]) {
        try {
          process.kill(target, name);
        } catch {
        }
      }
    };
    const clock = watch ? setInterval(() => {
      if (stall) return;
      stall = watch.watcher.check(Date.now());
      if (!stall) return;
      signal("SIGTERM");
      killTimer = setTimeout(() => signal("SIGKILL"), 3e3);
    }, 1e3) : void 0;
    const finish = (exitCode) => {
      if (clock) clearInterval(clock);
      if (killTimer) clearTimeout(killTimer);
      for (const stream of ["stdout", "stderr"]) if (pending[stream]) onLine(pending[stream]);
      resolve2({ exitCode, stall });
    };
    child.on("error", (error) => {
      onLine(`${file}: ${error.message}`);
      finish(127);
    });
    child.on("close", (code, sig) => finish(code ?? (sig ? 128 : 1)));
  });
}

// src/effects/cache-probe.ts
function readProbeOf(imp, env) {
  return backendOfSpec(imp.attributes)?.readProbe?.(imp.attributes, env);
}
function readProbes(imports, env) {
  const seen = /* @__PURE__ */ new Set();
  return imports.flatMap((i) => readProbeOf(i, env) ?? []).filter((p) => !seen.has(p.url + (p.init.body ?? "")) && !!seen.add(p.url + (p.init.body ?? "")));
}
function isSilence(error) {
  const name = error?.name;
  return name === "TimeoutError" || name === "AbortError";
}
async function silentRead(probes, timeoutMs, send = fetch) {
  const results = await Promise.all(
    probes.map(async (probe) => {
      try {
        const response = await send(probe.url, { ...probe.init, signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        return void 0;
      } catch (error) {
        return isSilence(error) ? probe : void 0;
      }
    })
  );
  return results.find(Boolean);
}

// src/core/summary.ts
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
  const failed = outcome.failed ?? /* @__PURE__ */ new Set();
  const marks = restoreMarks(p, outcome.restored) ?? outcome.indexFound?.map((found) => found ? "\u2713" : "\u2717");
  if (marks) return p.chain.map((scope, i) => `${scope.id} ${failed.has(scope.id) ? "\u26A0" : marks[i]}`).join(" \u2192 ");
  const imports = outcome.report?.imports ?? [];
  const single = TOOLS[p.tool].traits.singleImport;
  const chosenAt = p.chain.findIndex((scope) => outcome.chosen.some((c) => c.label === scope.location));
  return p.chain.map((scope, i) => {
    const seen = imports.filter((i2) => sourceOf(i2.source, scope));
    if (failed.has(scope.id)) return `${scope.id} \u26A0`;
    if (single && !scope.location) return `${scope.id} ?`;
    const chosen = outcome.chosen.some((c) => c.label === scope.location);
    if (seen.some((i2) => i2.found) || chosen && single && (outcome.report?.cachedSteps ?? 0) > 0) return `${scope.id} \u2713`;
    if (seen.length || single && !chosen && (chosenAt < 0 || i < chosenAt)) return `${scope.id} \u2717`;
    return `${scope.id} ?`;
  }).join(" \u2192 ");
}
function summaryRows(p, outcome) {
  const report2 = outcome.report;
  const rows = [
    ["Builder", p.tool],
    ["Backend", p.backend],
    ["Own scope", p.scope || "(none)"],
    ["Import chain", p.chain.length ? chainMarks(p, outcome) : `(none)${p.importReason ? `: ${p.importReason}` : ""}`]
  ];
  if (report2) {
    rows.push(
      ["Cached steps", `${report2.cachedSteps} / ${report2.totalSteps} (${hitRatio(report2)})`],
      ["Cache source", outcome.cacheSource ?? "unknown"],
      [
        "Build time",
        `${(outcome.buildSeconds ?? 0).toFixed(1)} s (steps that ran: ${report2.runSeconds.toFixed(1)} s, cache import: ${report2.importSeconds.toFixed(1)} s, export: ${report2.exportSeconds.toFixed(1)} s)`
      ]
    );
  }
  const where = p.exports.map(
    (e) => e.filter(([k]) => ["type", "scope", "ref", "name", "dest"].includes(k)).map(([k, v]) => `${k}=${v}`).join(",")
  ).join("; ");
  const exportRow = !p.cacheExport ? `no: ${p.exportReason}` : outcome.exportFailed ? `failed: ${where} (see Cache problems)` : `yes: ${where}`;
  rows.push(["Cache export", exportRow]);
  if (outcome.restored)
    rows.push([
      "Local cache restored",
      outcome.restored.key ? `${outcome.restored.key} (${formatBytes(outcome.restored.bytes)})` : "nothing"
    ]);
  const exported = outcome.localExport;
  if (exported) {
    const freed = exported.freed ? `, ${formatBytes(exported.freed)} of dead blobs removed` : "";
    const saved = exported.unchanged ? "the same as the restored cache: not saved again" : "saved in the post step";
    rows.push(["Local cache exported", `${formatBytes(exported.bytes)}${freed}; ${saved}`]);
  }
  if (outcome.mounts?.length) rows.push(["Cache mounts", outcome.mounts.join("<br>")]);
  if (outcome.problems?.length) rows.push(["Cache problems", outcome.problems.map((line) => `\u26A0 ${line}`).join("<br>")]);
  if (TOOLS[p.tool].traits.plainProgress)
    rows.push([
      "Note",
      `${p.tool} prints BuildKit's plain progress: cache import and export times and the scope a hit came from are not in it`
    ]);
  if (outcome.dryRun) rows.push(["Dry run", "nothing was built"]);
  return rows;
}

// src/effects/outputs.ts
var OUTPUT_NAMES = [
  "scope",
  "cache-from",
  "cache-to",
  "cache-export",
  "command",
  "imageid",
  "digest",
  "metadata",
  "cached-steps",
  "total-steps",
  "cache-hit-ratio",
  "cache-source",
  "cleaned-bytes"
];
function writeOutputs(values) {
  for (const name of OUTPUT_NAMES) if (values[name] !== void 0) setOutput(name, values[name]);
}
async function writeSummary(p, outcome, env) {
  if (!env.GITHUB_STEP_SUMMARY) return;
  const rows = summaryRows(p, outcome);
  await summary.addHeading(`Build cache: ${p.scope || p.context.ref || "build"}`, 3).addTable([
    [
      { data: "What", header: true },
      { data: "Result", header: true }
    ],
    ...rows
  ]).write();
}

// src/cleanup.ts
async function deletePullRequestCaches(token, env, context, owned, wholeRef) {
  const pullRef = `refs/pull/${context.pullRequest}/merge`;
  const branchRefs = [...new Set([context.baseBranch, context.defaultBranch].filter(Boolean).map((branch) => `refs/heads/${branch}`))];
  try {
    const deleted = wholeRef ? await deleteActionsCachesOfRef(token, env, context, pullRef) : [];
    for (const ref of wholeRef ? branchRefs : [pullRef, ...branchRefs])
      for (const keys of owned) deleted.push(...await deleteActionsCachesOfRef(token, env, context, ref, keys(ref)));
    return deleted;
  } catch (error) {
    if (error.status === 403) {
      throw InputError.refusing({
        input: "github-token",
        reason: `may not delete caches (${error.message}); give the job "permissions: actions: write".`
      });
    }
    throw error;
  }
}
async function cleanUpClosedPullRequest(inputs, context, env, action) {
  if (context.kind !== "pull-request" || context.pullRequest === void 0 || !/^pull_request/.test(context.event) || action !== "closed") {
    notice(
      "cleanup: true deletes the caches of a closed pull request; this run is not a closed pull_request event, so nothing is deleted."
    );
    return;
  }
  const p = plan({ ...inputs, cacheExport: "true" }, context, env);
  const mountKeys = p.mounts?.own ? ownedMountKeys(p.mounts.own) : void 0;
  const ownedMounts = mountKeys ? [() => mountKeys] : [];
  let lines;
  let freed = 0;
  const listDeleted = (deleted) => {
    freed += deleted.reduce((sum, d) => sum + d.bytes, 0);
    return deleted.map((d) => `deleted cache ${d.key} (${formatBytes(d.bytes)})`);
  };
  if (p.ownedKeys) {
    if (!inputs.githubToken)
      throw InputError.refusing({ input: "github-token", reason: "cleanup needs a token with the actions: write permission." });
    lines = listDeleted(await deletePullRequestCaches(inputs.githubToken, env, context, [p.ownedKeys, ...ownedMounts], true));
    if (!lines.length) lines = [`no GitHub Actions caches of pull request #${context.pullRequest}`];
  } else if (p.ownedTag) {
    const tagRef = p.ownedTag;
    const deletion = await deleteRegistryTag(tagRef, env);
    lines = [
      deletion.result === "deleted" ? `deleted cache tag ${tagRef}` : deletion.result === "missing" ? `no cache tag ${tagRef} to delete` : deletion.result === "kept" ? `cache tag ${tagRef} left in place: ${deletion.reason}` : `the registry does not allow deleting ${tagRef} through its API: delete that tag by hand or with the registry's own tools`
    ];
    if (deletion.result === "unsupported" || deletion.result === "kept") notice(lines[0]);
  } else {
    lines = [
      `the ${p.backend} backend keeps ${p.scope} under its own name; delete that object yourself (the action does not manage bucket or container contents)`
    ];
    notice(lines[0]);
  }
  if (!p.ownedKeys && ownedMounts.length && inputs.githubToken) {
    try {
      lines.push(...listDeleted(await deletePullRequestCaches(inputs.githubToken, env, context, ownedMounts, false)));
    } catch (error) {
      warning(`The pull request's cache mounts were not deleted: ${error.message}`);
    }
  }
  for (const line of lines) info(line);
  writeOutputs({ scope: p.scope, "cleaned-bytes": String(freed) });
  await summary.addHeading(`Cache clean-up for pull request #${context.pullRequest}`, 3).addList(lines).addRaw(`Freed: ${formatBytes(freed)}`, true).write();
}

// src/effects/object-store-probe.ts
import { createHash, createHmac } from "node:crypto";
var PROBE_TIMEOUT_MS = 3e3;
var sha256Hex = (data) => createHash("sha256").update(data, "utf8").digest("hex");
var hmac = (key, data) => createHmac("sha256", key).update(data, "utf8").digest();
function amzDate(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
function signS3Request(request, credentials, date) {
  const timestamp = amzDate(date);
  const day = timestamp.slice(0, 8);
  const headers = {
    ...request.headers,
    "x-amz-content-sha256": sha256Hex(""),
    "x-amz-date": timestamp,
    ...credentials.sessionToken && { "x-amz-security-token": credentials.sessionToken }
  };
  const canonical = { host: request.url.host };
  for (const [name, value] of Object.entries(headers)) canonical[name.toLowerCase()] = value.trim().replace(/\s+/g, " ");
  const names = Object.keys(canonical).sort();
  const query = [...request.url.searchParams].map(([k, v]) => [encodeKeyPath(k), encodeKeyPath(v)]).sort(([a, x], [b, y]) => a === b ? x < y ? -1 : 1 : a < b ? -1 : 1).map(([k, v]) => `${k}=${v}`).join("&");
  const canonicalRequest = [
    request.method,
    request.url.pathname || "/",
    query,
    ...names.map((name) => `${name}:${canonical[name]}`),
    "",
    names.join(";"),
    headers["x-amz-content-sha256"]
  ].join("\n");
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), request.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    ...headers,
    Authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`
  };
}
function azblobAccountName(attributes) {
  return attributes.account_name || new URL(attributes.account_url).hostname.split(".")[0];
}
var AZURE_API_VERSION = "2021-08-06";
function azureStringToSign(method, url, accountName, headers) {
  const msHeaders = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value.trim()]).filter(([name]) => name.startsWith("x-ms-")).sort(([a], [b]) => a < b ? -1 : 1).map(([name, value]) => `${name}:${value}
`).join("");
  const params = /* @__PURE__ */ new Map();
  for (const [k, v] of url.searchParams) params.set(k.toLowerCase(), [...params.get(k.toLowerCase()) ?? [], v]);
  const query = [...params.keys()].sort().map((k) => `
${k}:${params.get(k).sort().join(",")}`).join("");
  return `${method}
${"\n".repeat(11)}${msHeaders}/${accountName}${url.pathname}${query}`;
}
function signAzureRequest(request, accountKey, date) {
  const headers = { ...request.headers, "x-ms-date": date.toUTCString(), "x-ms-version": AZURE_API_VERSION };
  const stringToSign = azureStringToSign(request.method, request.url, request.accountName, headers);
  const signature = createHmac("sha256", Buffer.from(accountKey, "base64")).update(stringToSign, "utf8").digest("base64");
  return { ...headers, Authorization: `SharedKey ${request.accountName}:${signature}` };
}
function resultOf(status) {
  return status >= 200 && status < 300 ? "found" : status === 404 ? "missing" : "unknown";
}
function manifestRequest(api, attributes, date = /* @__PURE__ */ new Date()) {
  if (api === "s3") {
    if (!attributes.access_key_id || !attributes.secret_access_key || !attributes.bucket || !attributes.region) return void 0;
    const url = s3ManifestUrl(attributes);
    const credentials = {
      accessKeyId: attributes.access_key_id,
      secretAccessKey: attributes.secret_access_key,
      sessionToken: attributes.session_token
    };
    return { url, headers: signS3Request({ method: "HEAD", url, region: attributes.region }, credentials, date) };
  }
  if (api === "azblob") {
    if (!attributes.secret_access_key || !attributes.account_url) return void 0;
    const url = azblobManifestUrl(attributes);
    return {
      url,
      headers: signAzureRequest({ method: "HEAD", url, accountName: azblobAccountName(attributes) }, attributes.secret_access_key, date)
    };
  }
  return void 0;
}
async function probeObjectStore(api, attributes, timeoutMs = PROBE_TIMEOUT_MS) {
  try {
    const request = manifestRequest(api, attributes);
    if (!request) return "unknown";
    const response = await fetch(request.url, { method: "HEAD", headers: request.headers, signal: AbortSignal.timeout(timeoutMs) });
    return resultOf(response.status);
  } catch {
    return "unknown";
  }
}

// src/effects/import-choice.ts
async function resolve(candidate, env) {
  const probe = candidate.probe;
  if (!probe) return { found: void 0, use: candidate };
  if (probe.kind === "directory") {
    const digest = await cacheManifestDigest(probe.path);
    return digest ? { found: true, use: { ...candidate, attributes: [...candidate.attributes, ["digest", digest]] } } : { found: false, use: candidate };
  }
  const result = probe.kind === "registry" ? await probeRegistryTag(probe.ref, env) : await probeObjectStore(probe.api, Object.fromEntries(candidate.attributes));
  return { found: result === "found" ? true : result === "missing" ? false : void 0, use: candidate };
}
async function chooseImport(plan2, env) {
  for (const candidate of plan2.imports) {
    const { found, use } = await resolve(candidate, env);
    if (found === false) {
      info(`cache import: ${candidate.label} has no cache yet, trying the next scope`);
      continue;
    }
    info(`cache import: ${use.label} (${found ? "found" : "not probed: used as the first candidate"})`);
    return [use];
  }
  info(plan2.imports.length ? "cache import: no scope of the chain has a cache yet" : "cache import: none");
  return [];
}

// src/effects/inline-tag.ts
function pushedImage(request) {
  if (request.push && request.tags.length) return request.tags[0];
  for (const output of request.outputs) {
    const attributes = Object.fromEntries(decodeSpec(output));
    if ((attributes.type ?? "image") === "image" && /^(1|t|true)$/i.test(attributes.push ?? "") && attributes.name)
      return attributes.name.split(",")[0];
  }
  return void 0;
}
async function tagInlineCache(p, env) {
  if (!TOOLS[p.tool].traits.pushesOneName || !p.cacheExport || !p.extraTags.length) return;
  const image = pushedImage(p.request);
  if (!image) {
    warning(
      "inline cache with envd travels in the pushed image: push it (push: true, or outputs: type=image,name=<ref>,push=true), or later runs find no cache."
    );
    return;
  }
  for (const tag of p.extraTags) {
    const result = await copyTag(image, tag, env);
    if (result.ok) info(`inline cache: ${image} tagged as ${tag}`);
    else warning(`inline cache: could not tag ${image} as ${tag} (${result.reason}); later runs will not find this scope's cache.`);
  }
}

// src/core/recovery.ts
function failedPush(line) {
  const match = /failed to push (\S+): (.*)$/.exec(line);
  return match ? { ref: match[1], reason: match[2].trim() } : void 0;
}
var APART = " (with --no-cache: BuildKit goes on fetching the stopped build's layers, and a build of the same steps would wait for them)";
var stalledFor = (stall, cacheTimeout) => `${stall.what} made no progress for ${stall.idleSeconds} s (cache-timeout: ${cacheTimeout} s)`;
function recover(attempt, run, earlier, cacheTimeout) {
  const p = attempt.plan;
  const stall = run.stall;
  const stoppedBefore = earlier.some((r) => r.stall);
  if (stall?.phase === "export" && stall.resultWritten) {
    return {
      kind: "finish",
      exitCode: 0,
      plan: withoutExport(p, `the ${p.backend} cache export stalled (cache-timeout)`),
      problem: `Cache export to scope ${p.scope || "(own)"} (${p.backend}) stalled: ${stalledFor(stall, cacheTimeout)}. The action stopped it; the build's result is kept, its cache was not saved.`
    };
  }
  if (stall && stoppedBefore) {
    return {
      kind: "finish",
      exitCode: run.exitCode,
      plan: p,
      problem: `The build stalled again on cache traffic (${stall.what}); it was stopped.`
    };
  }
  if (stall?.phase === "import") {
    const apart = TOOLS[p.tool].traits.canBuildWithoutCache;
    return {
      kind: "retry",
      attempt: { plan: p, imports: [], noCache: apart },
      stalledImport: stall,
      problem: `Cache import (${p.backend}) stalled: ${stalledFor(stall, cacheTimeout)}. The action stopped the build and built again without importing the cache${apart ? APART : ""}.`
    };
  }
  if (stall) {
    return {
      kind: "retry",
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export stalled (cache-timeout)`) },
      problem: `Cache export to scope ${p.scope || "(own)"} (${p.backend}) stalled before the build's result was written: ${stalledFor(stall, cacheTimeout)}. The action stopped the build and built again without exporting the cache.`
    };
  }
  const refused = run.exitCode !== 0 && run.pushFailed;
  if (refused && p.extraTags.some((tag) => refused.ref === tag || refused.ref.endsWith(`/${tag}`))) {
    return {
      kind: "retry",
      attempt: { ...attempt, plan: withoutExport(p, `the registry refused the ${p.backend} cache tag`) },
      problem: `Cache export to scope ${p.scope || "(own)"} (${p.backend}) failed: the registry refused the cache tag ${refused.ref} (${refused.reason}), which fails the image's push; the build ran again without it, its cache was not saved.`
    };
  }
  const refusedHost = refused ? refused.ref.split("/")[0] : void 0;
  const exportsThere = p.exports.some((spec) => spec.some(([key, value]) => key === "ref" && value.split("/")[0] === refusedHost));
  if (refused && exportsThere && run.report.exportErrors.length && !earlier.some((r) => r.pushFailed)) {
    return {
      kind: "retry",
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export failed beside the image's push`) },
      problem: `Cache export to scope ${p.scope || "(own)"} (${p.backend}) failed beside the image's push to ${refusedHost} (${reasonOf(run.report.exportErrors[0])}; the push: ${refused.reason}); the build ran again without exporting the cache, its cache was not saved.`
    };
  }
  const stoppedBeforeAnyStep = run.exitCode !== 0 && run.report.totalSteps === 0;
  if (stoppedBeforeAnyStep && run.driverLacksStore && !earlier.some((r) => r.driverLacksStore)) return { kind: "fit-to-docker-driver" };
  if (stoppedBeforeAnyStep && run.exporterSetupFailed && p.exports.length) {
    return {
      kind: "retry",
      attempt: { ...attempt, plan: withoutExport(p, `the ${p.backend} cache export could not be set up (its server did not answer)`) },
      problem: `Cache export to scope ${p.scope || "(own)"} (${p.backend}) failed: BuildKit could not set up the export (its server did not answer as it should) and stopped before building, which ignore-error does not cover; the build ran again without exporting the cache.`
    };
  }
  return { kind: "finish", exitCode: run.exitCode, plan: p };
}

// src/core/report.ts
function planOutputs(attempt, env) {
  const p = attempt.plan;
  return {
    scope: p.scope,
    // envd carries the gha token as a spec attribute: later steps read these outputs, never the token.
    "cache-from": maskSecrets(specsOf(attempt.imports.map((i) => i.attributes)).join("\n"), p.secrets),
    "cache-to": maskSecrets(specsOf(p.exports).join("\n"), p.secrets),
    "cache-export": String(p.cacheExport),
    command: displayCommand(invocationOf(p, attempt.imports, env, attempt.noCache), p.secrets)
  };
}
function cacheSource(p, report2, chosen, facts) {
  const restoredKey = facts.restored?.key;
  if (report2.cachedSteps === 0) return "none";
  const restoredFrom = restoredKey && p.local?.restoreKeys.findIndex((prefix) => restoredKey.startsWith(prefix));
  if (typeof restoredFrom === "number" && restoredFrom >= 0) return p.chain[restoredFrom]?.id ?? "unknown";
  const found = p.chain.find((scope) => report2.imports.some((i) => i.found && sourceOf(i.source, scope)));
  if (found) return found.id;
  const indexed = facts.indexFound && p.chain.find((_, i) => facts.indexFound[i]);
  if (indexed) return indexed.id;
  const single = TOOLS[p.tool].traits.singleImport && chosen.length === 1 ? p.chain.find((scope) => scope.location === chosen[0].label) : void 0;
  return single?.id ?? "unknown";
}
function cacheFailures(p, chosen, runs) {
  const denied = runs.some((r) => r.denied);
  const chain = TOOLS[p.tool].traits.singleImport ? chosen.flatMap(
    (i) => i.wholeChain ? p.chain.map((s) => ({ id: s.id })) : [
      {
        id: p.chain.find((s) => s.location === i.label)?.id ?? i.label,
        location: backendOfSpec(i.attributes)?.importLocation?.(i.attributes)
      }
    ]
  ) : p.chain.map((s) => ({ id: s.id, location: s.location }));
  const failures = runs.flatMap((run) => [
    ...run.stall ? [] : importFailures(p.backend, chain, run.report.imports),
    ...(run.stall?.phase === "export" ? [] : run.report.exportErrors).filter((error) => !(denied && /cache write denied/i.test(error))).map((error) => ({
      kind: "export",
      backend: p.backend,
      scopes: [p.scope || "(own)"],
      ambiguous: false,
      reason: reasonOf(error)
    }))
  ]);
  return dedupe(failures);
}
function restoreFailures(p, restored) {
  const failure = restored?.failure;
  if (!failure || !p.chain.length) return [];
  return [{ kind: "import", backend: p.backend, scopes: p.chain.map((s) => s.id), ambiguous: false, ...failure }];
}
function stalledScopes(p, stall) {
  const named = p.chain.filter((s) => s.location && stall.what.includes(s.location));
  return (named.length ? named : p.chain).map((s) => s.id);
}
function stepsRun(runs) {
  const [before, last] = runs.slice(-2);
  const builtBefore = before?.pushFailed && before.exitCode !== 0 || before?.stall?.phase === "export";
  return last && builtBefore ? before : runs[runs.length - 1];
}
function buildMetadata(text) {
  try {
    const metadata = JSON.parse(text);
    const digest = metadata["containerimage.digest"];
    return { text, digest, imageId: metadata["containerimage.config.digest"] ?? digest };
  } catch {
    return { text: "" };
  }
}
function report(execution, facts, env) {
  const p = execution.last.plan;
  const { report: progress } = stepsRun(execution.runs);
  const failures = [...restoreFailures(p, facts.restored), ...cacheFailures(p, execution.first.imports, execution.runs)];
  const warnings = [...execution.problems, ...failures.map(failureWarning)];
  if (execution.runs.some((r) => r.denied))
    warnings.push("The cache service denied the cache write (cache write denied): this run could not save its cache; the build went on.");
  const exportFailed = failures.some((f) => f.kind === "export") || execution.runs.some((r) => r.denied);
  const source = cacheSource(p, progress, execution.last.imports, facts);
  const invocation = invocationOf(p, execution.last.imports, env, execution.last.noCache);
  return {
    outputs: {
      ...planOutputs(execution.last, env),
      ...exportFailed && { "cache-export": "false" },
      imageid: facts.metadata.imageId ?? "",
      digest: facts.metadata.digest ?? "",
      metadata: facts.metadata.text,
      "cached-steps": String(progress.cachedSteps),
      "total-steps": String(progress.totalSteps),
      "cache-hit-ratio": hitRatio(progress),
      "cache-source": source
    },
    warnings,
    outcome: {
      chosen: execution.last.imports,
      report: progress,
      buildSeconds: execution.seconds,
      exitCode: execution.exitCode,
      restored: facts.restored,
      cacheSource: source,
      indexFound: facts.indexFound,
      failed: /* @__PURE__ */ new Set([...failedScopes(failures), ...execution.stalled]),
      exportFailed,
      problems: warnings,
      ...facts.localExport && { localExport: facts.localExport }
    },
    ...execution.exitCode !== 0 && { failure: `${invocation.file} ${invocation.args[0]} failed with exit code ${execution.exitCode}.` }
  };
}

// src/run.ts
async function runMain() {
  try {
    const inputs = readInputs((name) => getInput(name, { trimWhitespace: false }));
    const env = { ...process.env, RUNNER_TEMP: process.env.RUNNER_TEMP || tmpdir() };
    const payload = await readPayload(env.GITHUB_EVENT_PATH);
    const context = await lookUpMissingBranches(runContext(env, payload), inputs.githubToken, env);
    if (inputs.cleanup) return await cleanUpClosedPullRequest(inputs, context, env, payload.action);
    await build(inputs, context, env);
  } catch (error) {
    setFailed(error.message);
  }
}
async function build(inputs, context, env) {
  const planned = plan(inputs, context, env);
  announcePlan(planned);
  const driver = { fallback: inputs.driverFallback, driverOpts: inputs.driverFallbackOpts };
  if (!inputs.dryRun) await maskSecretFiles(planned);
  const restored = planned.local && !inputs.dryRun ? await restoreLocalCache(planned, inputs.cacheTimeout) : void 0;
  const fitted = inputs.dryRun ? planned : await fitPlanToBuilder(planned, env, driver);
  const chosen = TOOLS[fitted.tool].traits.singleImport ? await chooseImport(fitted, env) : fitted.imports;
  const first = { plan: fitted, imports: chosen, noCache: false };
  if (inputs.dryRun) {
    const outputs = planOutputs(first, env);
    info(`dry-run: ${outputs.command}`);
    writeOutputs(outputs);
    await writeSummary(fitted, { dryRun: true, chosen }, env);
    return;
  }
  await prepareBuilder(fitted, env);
  const mounts = await carryMountsIn(fitted.mounts, fitted.request.builder);
  const answered = await whenCacheAnswers(first, inputs.cacheTimeout, env);
  const indexLookup = lookUpChainIndexes(fitted, inputs.githubToken, context, env);
  const budgetLookup = lookUpCacheBudget(fitted, inputs.cacheBudget, inputs.githubToken, env);
  await rm(fitted.request.metadataFile, { force: true });
  await writeSecretFiles(fitted);
  const movedTo = (builder) => carryMountsInto(mounts, builder);
  const execution = await execute(answered, env, inputs.cacheTimeout, driver, movedTo).finally(
    () => removeSecretFiles(fitted.secretFiles?.dir)
  );
  const last = execution.last.plan;
  handMountsToPost(mounts, last.request.builder, ranAnyStep(execution.runs[execution.runs.length - 1].report));
  const metadata = await readMetadata(last.request.metadataFile);
  if (execution.exitCode === 0) await tagInlineCache(last, env);
  const localExport = execution.exitCode === 0 && last.local && last.cacheExport ? await settleLocalExport(last, restored, inputs.cacheTimeout) : void 0;
  const result = report(execution, { restored, indexFound: await indexLookup, metadata, localExport }, env);
  writeOutputs(result.outputs);
  const budget = result.outputs["cache-export"] === "true" ? await budgetLookup : void 0;
  if (budget) saveState(STATE.cacheBudget, JSON.stringify(budget));
  for (const warning2 of result.warnings) warning(warning2);
  await writeSummary(last, { ...result.outcome, mounts: carriedMountLines(mounts) }, env);
  if (result.failure) setFailed(result.failure);
}
function announcePlan(p) {
  for (const secret of p.secrets) setSecret(secret);
  const c = p.context;
  startGroup("Cache plan");
  info(`event: ${c.event} (${c.kind}${c.pullRequest ? ` #${c.pullRequest}` : ""}), ref ${c.ref || "unset"}`);
  info(`base branch: ${c.baseBranch ?? "-"}, default branch: ${c.defaultBranch ?? "-"}`);
  info(`backend: ${p.backend}, builder: ${p.tool}, own scope: ${p.scope || "(none)"}`);
  info(
    `import chain: ${p.chain.map((s) => s.id).join(" \u2192 ") || "(none)"}${p.importReason ? ` (import skipped: ${p.importReason})` : ""}`
  );
  info(`export: ${p.cacheExport ? "yes" : "no"} (${p.exportReason})`);
  for (const line of p.details) info(line);
  endGroup();
  for (const warning2 of p.warnings) warning(warning2);
  for (const notice2 of p.notices) notice(notice2);
}
var MAX_BUILDS = 4;
async function execute(start, env, cacheTimeout, driver, movedTo) {
  const started = Date.now();
  const runs = [];
  const { problems, stalled } = start;
  let attempt = start.attempt;
  for (; ; ) {
    const run = await runBuild(attempt, env, cacheTimeout);
    const next = runs.length + 1 < MAX_BUILDS ? recover(attempt, run, runs, cacheTimeout) : { kind: "finish", exitCode: run.exitCode, plan: attempt.plan };
    runs.push(run);
    if (next.kind === "finish") {
      if (next.problem) problems.push(next.problem);
      return {
        first: start.attempt,
        last: { ...attempt, plan: next.plan },
        runs,
        exitCode: next.exitCode,
        problems,
        stalled,
        seconds: (Date.now() - started) / 1e3
      };
    }
    if (next.kind === "fit-to-docker-driver") {
      const builder = attempt.plan.request.builder ?? currentBuilder(readFileOrUndefined, env).name;
      const fitted = await planForDockerDriver(attempt.plan, builder, env, driver);
      await movedTo(fitted.request.builder);
      attempt = { ...attempt, plan: fitted, imports: fitted.imports };
      continue;
    }
    problems.push(next.problem);
    if (next.stalledImport) stalled.push(...stalledScopes(attempt.plan, next.stalledImport));
    attempt = next.attempt;
  }
}
async function whenCacheAnswers(attempt, cacheTimeout, env) {
  const p = attempt.plan;
  const silent = cacheTimeout > 0 && attempt.imports.length ? await silentRead(readProbes(attempt.imports, env), cacheTimeout * 1e3) : void 0;
  if (!silent) return { attempt, problems: [], stalled: [] };
  return {
    attempt: { ...attempt, imports: [], plan: withoutExport(p, `the ${p.backend} cache did not answer a read within cache-timeout`) },
    problems: [
      `Cache import (${p.backend}) stalled: ${silent.what} did not answer within cache-timeout (${cacheTimeout} s). The build runs without importing${p.exports.length ? " or exporting" : ""} the cache (BuildKit would wait on the server with every build of its builder).`
    ],
    stalled: p.chain.map((scope) => scope.id)
  };
}
var EXPORTER_SETUP_FAILED = /failed to configure \S+ cache exporter|failed to receive status: .*no such job/;
var MIN_BYTES_PER_SECOND = 16 * 1024;
async function runBuild(attempt, env, cacheTimeout) {
  const p = attempt.plan;
  const tool = TOOLS[p.tool];
  const invocation = invocationOf(p, attempt.imports, env, attempt.noCache);
  const reader = tool.progress();
  let denied = false;
  let exporterSetupFailed = false;
  let driverLacksStore = false;
  const defaultProvenance = addsDefaultProvenance(p.request, env);
  let pushFailed;
  const onLine = (line) => {
    if (/cache write denied/i.test(line)) denied = true;
    if (EXPORTER_SETUP_FAILED.test(line)) exporterSetupFailed = true;
    if (DRIVER_CANNOT_EXPORT.test(line) || defaultProvenance && DRIVER_REFUSES_ATTESTATION.test(line)) driverLacksStore = true;
    pushFailed ??= failedPush(line);
    for (const out of reader.line(line)) info(out);
  };
  const watcher = new CacheWatch({
    timeoutMs: cacheTimeout * 1e3,
    minBytesPerSecond: MIN_BYTES_PER_SECOND,
    importing: attempt.imports.length > 0,
    pushCarriesCache: p.extraTags.length > 0 && !tool.traits.pushesOneName
  });
  const events = tool.traits.plainProgress ? plainEvents : rawJsonEvents;
  const watch = cacheTimeout > 0 ? {
    watcher,
    feed: (line, now) => {
      for (const event of events(line)) watcher.feed(event, now);
    }
  } : void 0;
  const { exitCode, stall } = await group(
    `Build: ${displayCommand(invocation, p.secrets)}`,
    () => runWatched(invocation.file, invocation.args, { ...definedOnly(env), ...invocation.env }, onLine, watch)
  );
  return { exitCode, report: reader.report(), denied, exporterSetupFailed, driverLacksStore, stall, pushFailed };
}
async function prepareBuilder(p, env) {
  const tool = TOOLS[p.tool];
  if (p.needsBuildKitDriver) requireBuildKitDriver(p, env);
  const alternatives = tool.prepare?.(p.request) ?? [];
  let lastError = "";
  let prepared = !alternatives.length;
  for (const step of alternatives) {
    const result = await getExecOutput(step.file, step.args, {
      silent: true,
      ignoreReturnCode: true,
      env: { ...definedOnly(env), ...step.env }
    });
    if (result.exitCode === 0) {
      info(`builder: ${[step.file, ...step.args].join(" ")}`);
      prepared = true;
      break;
    }
    lastError = (result.stderr || result.stdout).trim().split("\n").pop() ?? "";
  }
  if (!prepared) throw InputError.refusing({ input: "builder", reason: `could not use "${p.request.builder}" (${lastError}).` });
  if (tool.needsDockerEngine?.(p.request)) await requireDockerEngine(env);
}
function requireBuildKitDriver(p, env) {
  const builder = currentBuilder(readFileOrUndefined, env, p.request.builder);
  if (builder.driver !== "docker") return;
  throw InputError.refusing({
    input: "cache-backend",
    reason: `${p.backend} needs a builder with the docker-container or remote driver, but builder "${builder.name}" uses the docker driver; add docker/setup-buildx-action before this step, or set builder: to a remote builder.`
  });
}
async function requireDockerEngine(env) {
  const probe = await getExecOutput("docker", ["version", "--format", "{{.Server.Version}}"], {
    silent: true,
    ignoreReturnCode: true,
    env: definedOnly(env)
  }).catch(() => void 0);
  if (probe?.exitCode !== 0) {
    throw InputError.refusing({
      input: "outputs",
      reason: 'envd needs an output when no Docker engine answers, e.g. "type=image,name=<ref>,push=true" or "type=oci,dest=<file>".'
    });
  }
}
function definedOnly(env) {
  return Object.fromEntries(Object.entries(env).filter((entry) => entry[1] !== void 0));
}
async function readPayload(path) {
  if (!path) return {};
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    warning(`Could not read the event payload (${error.message}); resolving the scope from GITHUB_REF alone.`);
    return {};
  }
}
async function readMetadata(path) {
  return buildMetadata(await readFile(path, "utf8").catch(() => ""));
}
async function lookUpChainIndexes(p, token, context, env) {
  if (!token || !p.chain.length || !p.chain.every((scope) => scope.indexKey)) return void 0;
  try {
    return await actionsCachesExist(
      token,
      env,
      context,
      p.chain.map((scope) => ({ key: scope.indexKey, ref: scope.ref })),
      /* @__PURE__ */ new Date()
    );
  } catch (error) {
    info(
      `Could not list the chain's caches (${error.message}); the summary marks them ?. "permissions: actions: read" allows it.`
    );
    return void 0;
  }
}
async function settleLocalExport(p, restored, cacheTimeout) {
  const local = p.local;
  const freed = await compactLayout(local.dir).catch(() => 0);
  const bytes = await directorySize(local.dir);
  const unchanged = !!restored?.digest && restored.digest === await cacheManifestDigest(local.dir);
  const state = {
    path: local.dir,
    key: local.key,
    scope: p.scope,
    canSave: local.canSave,
    restoredKey: restored?.key,
    unchanged,
    bytes,
    cacheTimeout
  };
  saveState(STATE.localCache, JSON.stringify(state));
  return { bytes, freed, unchanged };
}

// src/main.ts
await runMain();
process.exit();
