import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  plan
} from "./chunk-QM5CNITC.js";
import {
  DEFAULT_CACHE_LIMIT_BYTES,
  budgetBytes,
  readInputs,
  selectPrunes
} from "./chunk-QWTI2ALW.js";
import {
  formatBytes
} from "./chunk-PB4UTKWJ.js";
import {
  STATE
} from "./chunk-G22OP24S.js";
import {
  getInput,
  getState,
  info,
  notice,
  summary,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/cache-budget.ts
import { readFile } from "node:fs/promises";

// src/core/context.ts
var PULL_REQUEST_EVENTS = /* @__PURE__ */ new Set(["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"]);
function branchOf(ref) {
  return ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : void 0;
}
function tagOf(ref) {
  return ref?.startsWith("refs/tags/") ? ref.slice("refs/tags/".length) : void 0;
}
function parseMergeQueueBranch(branch) {
  const match = /^gh-readonly-queue\/(.+)\/pr-(\d+)-[0-9a-f]+$/.exec(branch);
  return match ? { base: match[1], pullRequest: Number(match[2]) } : void 0;
}
function isFork(head, base) {
  return head !== void 0 && base !== void 0 && head !== base;
}
function refContext(ref) {
  const tag = tagOf(ref);
  if (tag !== void 0) return { kind: "tag", tag };
  const branch = branchOf(ref);
  if (branch === void 0) return { kind: "unknown" };
  const queue = parseMergeQueueBranch(branch);
  if (queue) return { kind: "merge-queue", baseBranch: queue.base, pullRequest: queue.pullRequest };
  return { kind: "branch", branch };
}
function runContext(env, payload) {
  const event = env.GITHUB_EVENT_NAME ?? "";
  const ref = env.GITHUB_REF ?? "";
  const common = {
    event,
    ref,
    sha: env.GITHUB_SHA ?? "",
    repository: env.GITHUB_REPOSITORY ?? "",
    defaultBranch: payload.repository?.default_branch,
    ...payload.repository?.private === true && { privateRepository: true }
  };
  if (PULL_REQUEST_EVENTS.has(event) && payload.pull_request) {
    const pr = payload.pull_request;
    return {
      ...common,
      kind: "pull-request",
      pullRequest: Number(pr.number ?? payload.number),
      baseBranch: pr.base?.ref ?? (env.GITHUB_BASE_REF || void 0),
      branch: pr.head?.ref ?? (env.GITHUB_HEAD_REF || void 0),
      ...isFork(pr.head?.repo?.full_name, pr.base?.repo?.full_name) && { fromFork: true }
    };
  }
  if (event === "issue_comment" && payload.issue?.pull_request) {
    return { ...common, kind: "pull-request", pullRequest: Number(payload.issue.number) };
  }
  if (event === "merge_group" && payload.merge_group) {
    const fromRef = refContext(payload.merge_group.head_ref ?? ref);
    return {
      ...common,
      kind: "merge-queue",
      baseBranch: branchOf(payload.merge_group.base_ref) ?? fromRef.baseBranch,
      pullRequest: fromRef.pullRequest
    };
  }
  if (event === "release" && payload.release?.tag_name) {
    return { ...common, kind: "tag", tag: payload.release.tag_name };
  }
  const triggeringPullRequest = payload.workflow_run?.pull_requests?.[0];
  if (event === "workflow_run" && PULL_REQUEST_EVENTS.has(payload.workflow_run.event) && triggeringPullRequest?.number) {
    return {
      ...common,
      kind: "pull-request",
      pullRequest: Number(triggeringPullRequest.number),
      baseBranch: triggeringPullRequest.base?.ref,
      branch: payload.workflow_run.head_branch
    };
  }
  if (event === "workflow_run" && payload.workflow_run?.head_branch) {
    const run = payload.workflow_run;
    const fromFork = isFork(run.head_repository?.full_name, payload.repository?.full_name);
    return { ...common, kind: "branch", branch: run.head_branch, ...fromFork && { fromFork } };
  }
  return { ...common, ...refContext(ref) };
}

// src/effects/github-api.ts
async function client(token, env) {
  const { getOctokit } = await import("./github-TKKHPGNP.js");
  return getOctokit(token, { baseUrl: env.GITHUB_API_URL || "https://api.github.com" });
}
function ownerRepo(context) {
  const [owner, repo] = context.repository.split("/");
  return { owner, repo };
}
async function lookUpMissingBranches(context, token, env) {
  const needsBase = context.kind === "pull-request" && !context.baseBranch && context.pullRequest !== void 0;
  if (context.defaultBranch && !needsBase || !context.repository) return context;
  if (!token) {
    const missing = [!context.defaultBranch && "the default branch", needsBase && "the pull request's base branch"].filter(Boolean).join(" and ");
    warning(`The event does not name ${missing} and no github-token is set: the chain leaves it out.`);
    return context;
  }
  const octokit = await client(token, env);
  const filled = { ...context };
  try {
    if (!filled.defaultBranch) filled.defaultBranch = (await octokit.rest.repos.get(ownerRepo(context))).data.default_branch;
    if (needsBase)
      filled.baseBranch = (await octokit.rest.pulls.get({ ...ownerRepo(context), pull_number: context.pullRequest })).data.base.ref;
  } catch (error) {
    warning(
      `Could not look up the ${filled.defaultBranch ? "pull request's base" : "default"} branch with github-token: ${error.message}`
    );
  }
  return filled;
}
async function deleteActionsCachesOfRef(token, env, context, ref, keys) {
  const octokit = await client(token, env);
  const { owner, repo } = ownerRepo(context);
  const listed = await octokit.paginate(octokit.rest.actions.getActionsCacheList, {
    owner,
    repo,
    ref,
    per_page: 100,
    ...keys && { key: keys.prefix }
  });
  const caches = keys ? listed.filter((entry) => keys.matches(entry.key ?? "")) : listed;
  const deleted = [];
  for (const entry of caches) {
    if (await deleteActionsCache(token, env, context, entry.id)) deleted.push({ key: entry.key ?? "", bytes: entry.size_in_bytes ?? 0 });
  }
  return deleted;
}
async function deleteActionsCache(token, env, context, id) {
  const octokit = await client(token, env);
  try {
    await octokit.rest.actions.deleteActionsCacheById({ ...ownerRepo(context), cache_id: id });
    return true;
  } catch (error) {
    if (error.status === 404) return false;
    throw error;
  }
}
async function actionsCacheUsage(token, env, context) {
  const octokit = await client(token, env);
  return (await octokit.rest.actions.getActionsCacheUsage(ownerRepo(context))).data.active_caches_size_in_bytes;
}
async function actionsCacheLimit(token, env, context) {
  const octokit = await client(token, env);
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/cache/storage-limit", ownerRepo(context));
    return typeof data.max_cache_size_gb === "number" ? data.max_cache_size_gb * 1e9 : void 0;
  } catch (error) {
    if ([403, 404].includes(error.status ?? 0)) return void 0;
    throw error;
  }
}
async function listActionsCaches(token, env, context) {
  const octokit = await client(token, env);
  const listed = await octokit.paginate(octokit.rest.actions.getActionsCacheList, { ...ownerRepo(context), per_page: 100 });
  return listed.map((entry) => ({
    id: entry.id,
    key: entry.key ?? "",
    ref: entry.ref ?? "",
    bytes: entry.size_in_bytes ?? 0,
    createdAt: Date.parse(entry.created_at ?? "") || 0,
    lastAccessedAt: Date.parse(entry.last_accessed_at ?? "") || 0
  }));
}
async function openPullRequests(token, env, context) {
  const octokit = await client(token, env);
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...ownerRepo(context), state: "open", per_page: 100 });
  return new Set(open.map((pull) => pull.number));
}
async function actionsCachesExist(token, env, context, lookups, before) {
  const octokit = await client(token, env);
  return Promise.all(
    lookups.map(async ({ key, ref }) => {
      const { data } = await octokit.rest.actions.getActionsCacheList({
        ...ownerRepo(context),
        key,
        ref,
        sort: "created_at",
        direction: "asc",
        per_page: 1
      });
      const oldest = data.actions_caches[0]?.created_at;
      return !!oldest && Date.parse(oldest) < before.getTime();
    })
  );
}

// src/effects/cache-budget.ts
async function lookUpCacheBudget(p, budget, token, env) {
  if (budget.kind === "off" || !p.keysOfRef || !p.cacheExport || !token) return void 0;
  const base = { defaultBranch: p.context.defaultBranch, ownRef: p.context.ref };
  if (budget.kind === "bytes") return { ...base, budget: budget.bytes, said: "set by cache-budget" };
  const limit = await actionsCacheLimit(token, env, p.context).catch(() => void 0);
  return {
    ...base,
    budget: budgetBytes(budget, limit ?? DEFAULT_CACHE_LIMIT_BYTES),
    said: `${budget.percent}% of the ${formatBytes(limit ?? DEFAULT_CACHE_LIMIT_BYTES)} limit` + (limit === void 0 ? " (GitHub's default: reading the repository's own takes the administration permission)" : "")
  };
}
var PERMISSION = '"permissions: actions: write"';
async function keepCacheBudget(env) {
  try {
    const state = JSON.parse(getState(STATE.cacheBudget));
    const token = getInput("github-token");
    const payload = env.GITHUB_EVENT_PATH ? JSON.parse(await readFile(env.GITHUB_EVENT_PATH, "utf8")) : {};
    const context = { ...runContext(env, payload), defaultBranch: state.defaultBranch };
    const usage = await actionsCacheUsage(token, env, context);
    if (usage <= state.budget) {
      info(`cache budget: ${formatBytes(usage)} in use, within ${formatBytes(state.budget)} (${state.said})`);
      return;
    }
    await prune(state, token, context, env);
  } catch (error) {
    warning(`Cache budget: ${error.message}`);
  }
}
async function prune(state, token, context, env) {
  const p = plan(
    readInputs((name) => getInput(name, { trimWhitespace: false })),
    context,
    env
  );
  const entries = await listActionsCaches(token, env, context);
  const keys = new Map(entries.map((entry) => [entry.ref, p.keysOfRef?.(entry.ref)]));
  const scopeOf = (entry) => keys.get(entry.ref)?.(entry.key);
  const open = entries.some((entry) => scopeOf(entry)?.pullRequest !== void 0) ? await openPullRequests(token, env, context).catch((error) => {
    info(`cache budget: could not list the open pull requests (${error.message}); no pull request counts as closed`);
    return void 0;
  }) : void 0;
  const usage = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const selection = selectPrunes({
    // The listing, not the usage call: GitHub refreshes that figure only every few minutes.
    usage,
    budget: state.budget,
    entries,
    openPullRequests: open,
    defaultBranch: state.defaultBranch,
    ownRef: state.ownRef,
    scopeOf
  });
  const deleted = [];
  let refusal;
  for (const prune2 of selection.prunes) {
    try {
      if (await deleteActionsCache(token, env, context, prune2.entry.id)) deleted.push(prune2);
    } catch (error) {
      refusal = error.status === 403 ? "forbidden" : error.message;
      break;
    }
  }
  const freed = deleted.reduce((sum, d) => sum + d.entry.bytes, 0);
  const over = `the repository's GitHub Actions cache holds ${formatBytes(usage)}, over the budget of ${formatBytes(state.budget)} (${state.said})`;
  if (refusal === "forbidden" && !deleted.length) {
    const wouldFree = selection.prunes.reduce((sum, d) => sum + d.entry.bytes, 0);
    notice(
      `Cache budget: ${over}. Deleting ${selection.prunes.length} of this action's caches would free ${formatBytes(wouldFree)}, but github-token may not delete caches: give the job ${PERMISSION}.`
    );
    return;
  }
  if (refusal)
    warning(`Cache budget: deleting caches stopped after ${deleted.length} (${refusal === "forbidden" ? PERMISSION : refusal}).`);
  for (const d of deleted)
    info(`cache budget: deleted ${d.entry.key} under ${d.entry.ref} (${formatBytes(d.entry.bytes)}; ${d.reason})`);
  const after = usage - freed;
  info(`cache budget: ${over}; freed ${formatBytes(freed)} (${freed} bytes), ${formatBytes(after)} left`);
  if (selection.shortfall) info(`cache budget: still over, ${selection.shortfall}`);
  await writeBudgetSummary(usage, after, freed, state, deleted, selection.shortfall, env);
}
async function writeBudgetSummary(before, after, freed, state, deleted, shortfall, env) {
  if (!env.GITHUB_STEP_SUMMARY) return;
  summary.addHeading("Cache budget", 3).addRaw(
    `Usage: ${formatBytes(before)} \u2192 ${formatBytes(after)}, budget ${formatBytes(state.budget)} (${state.said}). Freed: ${formatBytes(freed)} (${freed} bytes) in ${deleted.length} caches.`,
    true
  );
  if (deleted.length) {
    summary.addTable([
      ["Deleted cache", "Ref", "Size", "Why"].map((data) => ({ data, header: true })),
      ...deleted.map((d) => [`<code>${d.entry.key}</code>`, d.entry.ref, formatBytes(d.entry.bytes), d.reason])
    ]);
  }
  if (shortfall) summary.addRaw(`Still over the budget: ${shortfall}.`, true);
  await summary.write();
}

export {
  lookUpMissingBranches,
  deleteActionsCachesOfRef,
  actionsCachesExist,
  runContext,
  lookUpCacheBudget,
  keepCacheBudget
};
