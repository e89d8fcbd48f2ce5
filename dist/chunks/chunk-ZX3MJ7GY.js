import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  TOOLS,
  UNRESTRICTED,
  actionsCacheAccess,
  usesCacheServiceV2
} from "./chunk-7KVD4VK7.js";
import {
  InputError,
  buildArgValues,
  ownedMountKeys
} from "./chunk-X7FFRMN5.js";
import {
  decodeSpec,
  encodeSpec
} from "./chunk-A2ZEUCOF.js";
import {
  withRetryTimeout
} from "./chunk-AUCYMPWF.js";
import {
  BACKENDS,
  imagePath,
  imageRepository,
  platformsName,
  safeName,
  scopeId
} from "./chunk-UTIKCLHM.js";

// src/core/plan.ts
import { join } from "node:path";

// src/core/scopes.ts
function branchScope(branch, role) {
  return { name: safeName(branch), ref: `refs/heads/${branch}`, role };
}
function pullRequestScope(n, ref) {
  return { name: `pr-${n}`, ref, role: "own" };
}
function pullRequestOfRef(ref) {
  const pr = /^refs\/pull\/(\d+)\/merge$/.exec(ref);
  return pr ? Number(pr[1]) : void 0;
}
function scopeOfRef(ref) {
  const pr = pullRequestOfRef(ref);
  if (pr !== void 0) return pullRequestScope(pr, ref);
  return ref.startsWith("refs/heads/") ? branchScope(ref.slice("refs/heads/".length), "own") : void 0;
}
function ownScope(context) {
  if (context.kind === "pull-request" && context.pullRequest !== void 0) {
    return pullRequestScope(context.pullRequest, context.ref || `refs/pull/${context.pullRequest}/merge`);
  }
  if (context.kind === "branch" && context.branch)
    return { ...branchScope(context.branch, "own"), ...context.ref && { ref: context.ref } };
  return void 0;
}
function naturalRef(context) {
  if (context.kind === "pull-request") return `refs/pull/${context.pullRequest}/merge`;
  return context.branch === void 0 ? void 0 : `refs/heads/${context.branch}`;
}
function eventExport(context, own) {
  if (context.kind === "merge-queue") return { eventExports: false, eventReason: "a merge queue build imports only" };
  if (context.kind === "tag") return { eventExports: false, eventReason: `a tag build (${context.tag}) has no scope of its own` };
  if (context.fromFork && context.kind === "branch") {
    return { eventExports: false, eventReason: `${context.event} of a fork's branch must not write to this repository's scopes` };
  }
  if (!own) return { eventExports: false, eventReason: `no branch to scope the cache by (ref ${context.ref || "unset"})` };
  const kept = own.ref === naturalRef(context) ? "" : `: ${own.name} is kept under that ref`;
  return { eventExports: true, eventReason: `${context.event} on ${own.ref}${kept}` };
}
function scopeChain(context, fallbackBranches) {
  const own = ownScope(context);
  const candidates = [
    ...own ? [own] : [],
    ...context.baseBranch ? [branchScope(context.baseBranch, "base")] : [],
    ...context.defaultBranch ? [branchScope(context.defaultBranch, "default")] : [],
    ...fallbackBranches.map((branch) => branchScope(branch, "fallback"))
  ];
  const imports = candidates.filter((scope, i) => candidates.findIndex((s) => s.name === scope.name) === i);
  return { own, imports, ...eventExport(context, own) };
}

// src/core/plan.ts
function namespaceParts(inputs) {
  const raw = inputs.scopePrefix ?? (inputs.tags.length ? imagePath(inputs.tags[0]) : inputs.target ?? inputs.file ?? "");
  return {
    named: raw.split("/").filter(Boolean).map((part) => safeName(part)),
    platforms: inputs.platforms.length ? [platformsName(inputs.platforms)] : []
  };
}
function namespaceOf(inputs) {
  const { named, platforms } = namespaceParts(inputs);
  return [...named, ...platforms].join("/");
}
function actionsCacheService(env) {
  const token = env.ACTIONS_RUNTIME_TOKEN;
  const useV2 = usesCacheServiceV2(env);
  const url = useV2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL;
  if (!token || !url) return void 0;
  return useV2 ? { urlV2: url, token } : { url, token };
}
function cacheAccess(backend, settings, env) {
  if (!backend.usesActionsCache) return UNRESTRICTED;
  const access = actionsCacheAccess(env.ACTIONS_RUNTIME_TOKEN, env.ACTIONS_CACHE_MODE);
  if (settings.actionsCache || !backend.buildsThroughActionsCache || !(access.canImport || access.canExport)) return access;
  const reason = "the job has no cache service (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL are not set; GitHub's runners always set them, act only with its cache server on)";
  return { canImport: false, canExport: false, importDenied: reason, exportDenied: reason, serviceMissing: true };
}
function settingsFor(inputs, env, backend, context) {
  const namespace = namespaceOf(inputs);
  const parts = namespaceParts(inputs);
  const cacheRepository = inputs.cacheRef ? imageRepository(inputs.cacheRef) : inputs.tags.length ? imageRepository(inputs.tags[0]) : void 0;
  return {
    builder: TOOLS[inputs.buildTool].traits,
    namespace,
    tagNamespace: inputs.cacheRef || inputs.scopePrefix ? [...parts.named, ...parts.platforms] : parts.platforms,
    mode: inputs.cacheMode ?? (backend.minOnly ? "min" : "max"),
    options: { ...backend.optionsFromEnv?.(env, TOOLS[inputs.buildTool].traits, inputs.cacheOptions), ...inputs.cacheOptions },
    cacheRepository,
    cacheRepositoryGiven: !!inputs.cacheRef,
    cacheDir: inputs.cacheDir ?? join(env.RUNNER_TEMP ?? ".", "buildkit-cache", namespace.replace(/\//g, "-") || "default"),
    actionsCache: actionsCacheService(env),
    sha: context.sha
  };
}
function stepPath(env, name) {
  return join(env.RUNNER_TEMP ?? ".", `branch-cache-build-${safeName(env.GITHUB_ACTION || "step")}-${name}`);
}
function secretMounts(inputs, env) {
  const dir = stepPath(env, "secrets");
  const files = [];
  const mounts = inputs.secrets.map((secret) => {
    if (!("value" in secret)) return secret;
    const path = join(dir, String(files.length));
    files.push({ path, value: secret.value });
    return { id: secret.id, file: path };
  });
  return { mounts, ...files.length && { files: { dir, files } } };
}
function secretMasks(value) {
  return [.../* @__PURE__ */ new Set([value, ...value.split(/\r\n|\r|\n/)])].filter((mask) => mask.trim() !== "");
}
function buildRequest(inputs, context, env, secrets) {
  return {
    context: inputs.context,
    file: inputs.file,
    tags: inputs.tags,
    push: inputs.push,
    load: inputs.load,
    platforms: inputs.platforms,
    buildArgs: inputs.buildArgs,
    labels: inputs.labels,
    target: inputs.target,
    outputs: inputs.outputs,
    builder: inputs.builder,
    noCache: inputs.noCache,
    noCacheFilters: inputs.noCacheFilters,
    pull: inputs.pull,
    network: inputs.network,
    addHosts: inputs.addHosts,
    shmSize: inputs.shmSize,
    ulimit: inputs.ulimit,
    cgroupParent: inputs.cgroupParent,
    allow: inputs.allow,
    buildContexts: inputs.buildContexts,
    annotations: inputs.annotations,
    call: inputs.call,
    provenance: inputs.provenance,
    sbom: inputs.sbom,
    attests: inputs.attests,
    // build-push-action's: max where anyone may read the repository, so also its build's provenance.
    defaultProvenance: context.privateRepository ? "min" : "max",
    secrets,
    ssh: inputs.ssh,
    metadataFile: stepPath(env, "metadata.json")
  };
}
function evaluatesOnly(inputs) {
  return inputs.call !== void 0 && inputs.call.split(",")[0].trim() !== "build";
}
function exportDecision(inputs, chain, access) {
  if (inputs.cacheBackend === "none") return { cacheExport: false, reason: "cache-backend: none" };
  if (inputs.cacheExport === "false") return { cacheExport: false, reason: "cache-export: false" };
  if (evaluatesOnly(inputs)) return { cacheExport: false, reason: `call: ${inputs.call} evaluates the build without running it` };
  if (!chain.own) return { cacheExport: false, reason: chain.eventReason };
  if (!access.canExport) {
    const reason = access.exportDenied ?? "the cache service does not allow writes";
    return inputs.cacheExport === "true" ? { cacheExport: false, reason, warning: `cache-export: true cannot override ${reason}: export skipped.` } : { cacheExport: false, reason };
  }
  if (!chain.eventExports && inputs.cacheExport === "auto") return { cacheExport: false, reason: chain.eventReason };
  return { cacheExport: true, reason: inputs.cacheExport === "true" ? "cache-export: true" : chain.eventReason };
}
function mountCarryOf(inputs, env, context, chain, settings) {
  if (inputs.cacheMounts === "off" || !TOOLS[inputs.buildTool].traits.reachesCacheMounts) return void 0;
  if (evaluatesOnly(inputs)) return void 0;
  const access = actionsCacheAccess(env.ACTIONS_RUNTIME_TOKEN, env.ACTIONS_CACHE_MODE);
  const readable = access.readableRefs && new Set(access.readableRefs);
  const scopes = access.canImport ? chain.imports.filter((scope) => !readable || readable.has(scope.ref)) : [];
  const saving = exportDecision(inputs, chain, access);
  const service = !!settings.actionsCache;
  const noService = "the job has no cache service";
  return {
    setting: inputs.cacheMounts,
    dockerfile: inputs.file ?? join(inputs.context, "Dockerfile"),
    target: inputs.target,
    buildArgs: buildArgValues(inputs.buildArgs, env),
    root: join(settings.cacheDir, "mounts"),
    generated: join(settings.cacheDir, "mounts-build"),
    image: inputs.cacheMountsImage,
    maxBytes: inputs.cacheMountsMaxSize,
    cacheTimeout: inputs.cacheTimeout,
    chain: scopes.map((scope) => scopeId(scope, settings)),
    ...chain.own && { own: scopeId(chain.own, settings) },
    sha: context.sha,
    restore: service && scopes.length > 0,
    save: service && saving.cacheExport,
    ...(!service || !scopes.length) && { noRestore: !service ? noService : access.importDenied ?? "no scope to restore from" },
    ...(!service || !saving.cacheExport) && { noSave: !service ? noService : saving.reason }
  };
}
function rawImports(specs) {
  return specs.map((spec) => ({ label: spec, attributes: decodeSpec(spec) }));
}
function locationOf(scope, imports) {
  const reading = imports.find((i) => i.scope?.name === scope.name);
  return reading ? { location: reading.label } : {};
}
function keyGroupsOf(backend, settings, scope) {
  const layers = backend.ownedKeys?.(scope, settings, [scope]);
  const mountKeys = ownedMountKeys(scopeId(scope, settings));
  return (key) => layers?.matches(key) ? layers.prefix : mountKeys.matches(key) ? key.slice(0, key.indexOf("#") + 1) : void 0;
}
function keysOfRef(backend, settings, ref) {
  const own = scopeOfRef(ref);
  if (!own) return void 0;
  const ownGroup = keyGroupsOf(backend, settings, own);
  const pullRequest = pullRequestOfRef(ref);
  return (key) => {
    const group = ownGroup(key);
    if (group) return { group, ...pullRequest !== void 0 && { pullRequest } };
    if (pullRequest !== void 0) return void 0;
    for (const [, n] of key.matchAll(/pr-(\d+)/g)) {
      const group2 = keyGroupsOf(backend, settings, pullRequestScope(Number(n), ref))(key);
      if (group2) return { group: group2, pullRequest: Number(n) };
    }
    return void 0;
  };
}
function plan(inputs, context, env) {
  const backend = BACKENDS[inputs.cacheBackend];
  const chain = scopeChain(context, inputs.fallbackBranches);
  const mounted = secretMounts(inputs, env);
  const request = buildRequest(inputs, context, env, mounted.mounts);
  const warnings = [];
  const notices = [];
  const details = [];
  const buildSecrets = inputs.secrets.map((secret) => "value" in secret ? secret.value : "env" in secret ? env[secret.env] : void 0);
  const secrets = [env.ACTIONS_RUNTIME_TOKEN, inputs.githubToken, ...buildSecrets].filter((s) => !!s).flatMap(secretMasks);
  const common = {
    tool: inputs.buildTool,
    backend: inputs.cacheBackend,
    context,
    request,
    ...mounted.files && { secretFiles: mounted.files },
    secrets,
    warnings,
    notices,
    details
  };
  if (!backend) {
    return {
      ...common,
      scope: "",
      chain: [],
      imports: rawImports(inputs.cacheFrom),
      exports: inputs.cacheTo.map(decodeSpec),
      extraTags: [],
      cacheExport: inputs.cacheTo.length > 0,
      exportReason: "cache-backend: none",
      needsBuildKitDriver: false
    };
  }
  const settings = settingsFor(inputs, env, backend, context);
  const refused = backend.check?.(settings);
  if (refused) throw InputError.refusing(refused);
  const access = cacheAccess(backend, settings, env);
  if (access.serviceMissing) warnings.push(`No ${backend.name} cache for this build: ${access.importDenied}.`);
  for (const key of backend.secretOptions ?? []) if (settings.options[key]) secrets.push(settings.options[key]);
  let importScopes = chain.imports;
  if (access.readableRefs) {
    const readable = new Set(access.readableRefs);
    for (const scope of importScopes.filter((s) => !readable.has(s.ref))) {
      const skipped = `Cache scope "${scope.name}" lives under ${scope.ref}, which this job's runtime token cannot read (GitHub lets a run read its own ref, its base branch and the default branch): skipped.`;
      (scope.role === "fallback" ? warnings : details).push(skipped);
    }
    importScopes = importScopes.filter((s) => readable.has(s.ref));
  }
  if (!access.canImport) {
    if (!access.serviceMissing) notices.push(`Cache import skipped: ${access.importDenied}.`);
    importScopes = [];
  }
  const blocked = backend.exportBlocked?.(inputs);
  const allowed = exportDecision(inputs, chain, access);
  const decision = allowed.cacheExport && blocked ? { cacheExport: false, reason: blocked } : allowed;
  if (decision.warning) warnings.push(decision.warning);
  if (!access.canImport && !access.canExport && !access.serviceMissing)
    notices.push(`No ${backend.name} cache for this build (${access.importDenied}): it runs uncached.`);
  const carried = backend.carriedDirectory?.(chain.own, importScopes, settings);
  const hasService = !!settings.actionsCache;
  const local = carried && {
    ...carried,
    canRestore: hasService && access.canImport,
    canSave: hasService && access.canExport && !!chain.own
  };
  if (local && !settings.actionsCache) {
    warnings.push("The local cache directory is not carried between runs: ACTIONS_RUNTIME_TOKEN or the cache service URL is missing.");
  }
  const own = decision.cacheExport ? chain.own : void 0;
  const chainImports = importScopes.length ? backend.imports(importScopes, settings) : [];
  const mounts = mountCarryOf(inputs, env, context, chain, settings);
  return {
    ...common,
    scope: chain.own ? scopeId(chain.own, settings) : "",
    chain: importScopes.map((scope) => ({
      ...scope,
      id: scopeId(scope, settings),
      ...locationOf(scope, chainImports),
      ...backend.indexKey && { indexKey: backend.indexKey(scope, settings) }
    })),
    // BuildKit's gha client retries a 429 for its own timeout: cache-timeout ends that loop too.
    imports: [...chainImports, ...rawImports(inputs.cacheFrom)].map((i) => ({
      ...i,
      attributes: withRetryTimeout(i.attributes, inputs.cacheTimeout)
    })),
    exports: [...own ? [backend.exportTo(own, settings, chain.imports)] : [], ...inputs.cacheTo.map(decodeSpec)].map(
      (e) => withRetryTimeout(e, inputs.cacheTimeout)
    ),
    extraTags: own ? backend.exportTags?.(own, settings) ?? [] : [],
    cacheExport: decision.cacheExport,
    exportReason: decision.reason,
    importReason: access.importDenied,
    needsBuildKitDriver: TOOLS[inputs.buildTool].traits.driverMayLackExporters && !!backend.needsBuildKitDriver,
    local,
    mounts,
    ...chain.own && backend.ownedKeys && { ownedKeys: (ref) => backend.ownedKeys({ ...chain.own, ref }, settings, chain.imports) },
    ...(backend.ownedKeys || mounts) && { keysOfRef: (ref) => keysOfRef(backend, settings, ref) },
    ...chain.own && backend.cacheTagOf && { ownedTag: backend.cacheTagOf(chain.own, settings) }
  };
}
function withoutExport(p, reason) {
  return { ...p, exports: [], extraTags: [], cacheExport: false, exportReason: reason };
}
function invocationOf(plan2, imports, env, noCache = false) {
  return TOOLS[plan2.tool].invocation(
    noCache ? { ...plan2.request, noCache } : plan2.request,
    { imports: imports.map((i) => i.attributes), exports: plan2.exports, extraTags: plan2.extraTags },
    env
  );
}
function specsOf(attributes) {
  return attributes.map(encodeSpec);
}
function maskSecrets(text, secrets) {
  return secrets.reduce((line, secret) => line.split(secret).join("***"), text);
}
function displayCommand(invocation, secrets) {
  const quoted = [invocation.file, ...invocation.args].map((arg) => /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  return maskSecrets(quoted.join(" "), secrets);
}

export {
  secretMasks,
  plan,
  withoutExport,
  invocationOf,
  specsOf,
  maskSecrets,
  displayCommand
};
