import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
import {
  cacheMountsOf
} from "./chunk-WYO2UCJX.js";
import {
  KEPT,
  carriedMounts,
  extractDockerfile,
  generatedBuildArgs,
  injectDockerfile,
  mountLines,
  mountSaveDecision,
  restoredScope
} from "./chunk-X7FFRMN5.js";
import {
  directorySize,
  restoreCarried,
  saveCarried
} from "./chunk-FT6HNTVX.js";
import {
  formatBytes
} from "./chunk-AUCYMPWF.js";
import {
  STATE
} from "./chunk-G22OP24S.js";
import {
  getExecOutput,
  getState,
  group,
  info,
  notice,
  saveState,
  summary,
  warning
} from "./chunk-N3HGW3KE.js";

// src/effects/mount-cache.ts
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
function carriedMountLines(carried) {
  return carried && mountLines(carried.carry, carried.mounts, carried.skipped);
}
async function mountsOf(carry) {
  if (carry.setting !== "auto") return carry.setting === "off" ? [] : carry.setting;
  const text = await readFile(carry.dockerfile, "utf8").catch(() => void 0);
  if (text === void 0) {
    info(`cache mounts: ${carry.dockerfile} cannot be read here, so none are carried`);
    return [];
  }
  return cacheMountsOf(text, carry.target, carry.buildArgs);
}
async function generatedBuild(what, args) {
  const result = await group(what, () => getExecOutput("docker", args, { ignoreReturnCode: true }));
  const output = `${result.stdout}
${result.stderr}`;
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split("\n").pop() ?? `exit code ${result.exitCode}`;
    return { ok: false, output: reason };
  }
  return { ok: true, output };
}
async function writeGenerated(carry, name, text) {
  await mkdir(carry.generated, { recursive: true });
  const file = join(carry.generated, name);
  await writeFile(file, text);
  return file;
}
var nonce = () => randomBytes(8).toString("hex");
async function readDigest(dir) {
  const text = await readFile(join(dir, "digest"), "utf8").catch(() => void 0);
  return text?.trim().split(/\s+/)[0];
}
async function inject(carry, mounts, builder) {
  const restored = mounts.filter((m) => m.restoredKey);
  if (!restored.length) return;
  for (const m of restored) {
    m.kept = false;
    m.notInjected = false;
  }
  const carried = restored.map((m) => m.carried);
  const file = await writeGenerated(carry, "inject.Dockerfile", injectDockerfile(carry.image, carried, nonce()));
  const built = await generatedBuild(
    "Put the restored cache mounts into the builder",
    generatedBuildArgs(carry, builder, file, carry.root, "type=cacheonly")
  );
  if (!built.ok) {
    warning(`Cache mounts not put into the builder (${built.output}); the build goes on without their saved content.`);
    for (const m of restored) m.notInjected = true;
    return;
  }
  const said = built.output.split("\n").filter((line) => /^#\d+ \d+\.\d+ /.test(line));
  for (const m of restored) m.kept = said.some((line) => line.endsWith(`cache mount ${m.carried.mount.name}: ${KEPT}`));
}
async function carryMountsIn(carry, builder) {
  if (!carry) return void 0;
  try {
    return await restoreAndInject(carry, builder);
  } catch (error) {
    warning(`Cache mounts not carried in, the build goes on without them: ${error.message}`);
    return void 0;
  }
}
async function restoreAll(carry, carried) {
  const what = carried.length === 1 ? `cache mount ${carried[0].mount.key}` : `${carried.length} cache mounts`;
  const restores = await group(
    `Restore ${what}`,
    () => Promise.all(carried.map((c) => restoreCarried(c.dir, c.key, c.restoreKeys, carry.cacheTimeout * 1e3)))
  );
  const mounts = [];
  for (const [i, c] of carried.entries()) {
    const restored = restores[i];
    if (restored.failure) warning(`Cache mount ${c.mount.key} not restored, the build goes on without it: ${restored.failure}`);
    if (!restored.key) {
      if (!restored.failure) info(`no cache mount ${c.mount.key} under ${c.restoreKeys.join(", ")}`);
      mounts.push({ carried: c, bytes: 0 });
      continue;
    }
    const bytes = await directorySize(c.dir);
    info(`cache mount ${c.mount.key} restored from ${restored.key} (${bytes} bytes)`);
    mounts.push({
      carried: c,
      restoredKey: restored.key,
      from: restoredScope(carry, c, restored.key),
      digest: await readDigest(c.dir),
      bytes
    });
  }
  return mounts;
}
async function restoreAndInject(carry, builder) {
  const found = await mountsOf(carry);
  if (!found.length) return void 0;
  const { carried, skipped } = carriedMounts(carry, found);
  for (const s of skipped) info(`cache mount ${s.key} not carried: ${s.reason}`);
  const mounts = carry.restore ? await restoreAll(carry, carried) : carried.map((c) => ({ carried: c, bytes: 0 }));
  await inject(carry, mounts, builder);
  return { carry, mounts, skipped, builder };
}
async function carryMountsInto(carried, builder) {
  if (!carried || carried.builder === builder) return;
  carried.builder = builder;
  try {
    await inject(carried.carry, carried.mounts, builder);
  } catch (error) {
    warning(`Cache mounts not put into builder "${builder}", the build goes on without them: ${error.message}`);
  }
}
function handMountsToPost(carried, builder, stepsRan) {
  if (!carried?.carry.save || !carried.mounts.length) return;
  if (!stepsRan) {
    info("cache mounts: every step came from the cache, so no mount changed: not taken out");
    return;
  }
  const { carry, mounts } = carried;
  const state = {
    carry: {
      save: carry.save,
      noSave: carry.noSave,
      maxBytes: carry.maxBytes,
      root: carry.root,
      generated: carry.generated,
      image: carry.image,
      buildArgs: carry.buildArgs,
      cacheTimeout: carry.cacheTimeout
    },
    builder,
    mounts
  };
  saveState(STATE.cacheMounts, JSON.stringify(state));
}
async function extract(state) {
  const { carry } = state;
  const carried = state.mounts.map((m) => m.carried);
  await rm(carry.root, { recursive: true, force: true });
  const dockerfile = extractDockerfile(
    carry.image,
    carried,
    carry.maxBytes,
    nonce(),
    state.mounts.map((m) => m.digest)
  );
  const file = await writeGenerated(carry, "extract.Dockerfile", dockerfile);
  const built = await generatedBuild(
    "Take the cache mounts out of the builder",
    generatedBuildArgs(carry, state.builder, file, carry.generated, `type=local,dest=${carry.root}`)
  );
  if (!built.ok) {
    warning(`Cache mounts not taken out of the builder (${built.output}); none is saved.`);
    return void 0;
  }
  const found = /* @__PURE__ */ new Map();
  for (const c of carried) {
    const oversize = await readFile(join(c.dir, "oversize"), "utf8").catch(() => void 0);
    if (oversize !== void 0) {
      found.set(c.mount.name, { bytes: Number(oversize.trim()), oversize: true });
      continue;
    }
    const [digest, entries] = (await readFile(join(c.dir, "digest"), "utf8")).trim().split(/\s+/);
    const bytes = await stat(join(c.dir, "mount.tar")).then(
      (tar) => tar.size,
      () => 0
    );
    found.set(c.mount.name, { digest, entries: Number(entries), bytes });
  }
  return found;
}
async function carryMountsOut(env) {
  try {
    const state = JSON.parse(getState(STATE.cacheMounts));
    const extracted = await extract(state);
    const lines = await Promise.all(
      state.mounts.map(async (m) => {
        const key = m.carried.mount.key;
        const found = extracted?.get(m.carried.mount.name);
        const decision = found ? mountSaveDecision(state.carry, m.carried, { key: m.restoredKey, digest: m.digest }, found) : { save: false, reason: "not taken out" };
        if (!decision.save) {
          if (decision.notice) notice(decision.notice);
          info(`cache mount ${key} not saved: ${decision.reason}`);
          return `Cache mount ${key} not saved: ${decision.reason}`;
        }
        const failure = await saveCarried(m.carried.dir, m.carried.key, state.carry.cacheTimeout * 1e3);
        if (failure) {
          warning(`Cache mount ${key} not saved as ${m.carried.key}: ${failure}`);
          return `\u26A0 Cache mount ${key} not saved: ${failure}`;
        }
        info(`cache mount ${key} saved as ${m.carried.key} (${found.bytes} bytes)`);
        return `Cache mount ${key} saved as <code>${m.carried.key}</code>: ${formatBytes(found.bytes)}`;
      })
    );
    if (env.GITHUB_STEP_SUMMARY) await summary.addRaw(lines.join("<br>"), true).write();
  } catch (error) {
    warning(`Post step: cache mounts: ${error.message}`);
  }
}

export {
  carriedMountLines,
  carryMountsIn,
  carryMountsInto,
  handMountsToPost,
  carryMountsOut
};
