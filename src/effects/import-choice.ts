import * as core from '@actions/core'
import type { CacheImport } from '../backends/backend.js'
import { cacheManifestDigest } from './oci-layout.js'
import type { Plan } from '../core/plan.js'
import type { Env } from '../core/context.js'
import { probeObjectStore } from './object-store-probe.js'
import { type ProbeResult, probeRegistryTag } from './registry-client.js'

/**
 * For a tool that takes one import (envd): the first candidate of the chain that exists.
 * A local directory is probed on disk (and gets the manifest digest envd's importer needs),
 * a registry tag or an object store's manifest object with a HEAD request; a candidate that cannot
 * be probed is taken as it is.
 */
async function resolve(candidate: CacheImport, env: Env): Promise<{ found: boolean | undefined; use: CacheImport }> {
  const probe = candidate.probe
  if (!probe) return { found: undefined, use: candidate }
  if (probe.kind === 'directory') {
    const digest = await cacheManifestDigest(probe.path)
    return digest
      ? { found: true, use: { ...candidate, attributes: [...candidate.attributes, ['digest', digest]] } }
      : { found: false, use: candidate }
  }
  const result: ProbeResult =
    probe.kind === 'registry'
      ? await probeRegistryTag(probe.ref, env)
      : await probeObjectStore(probe.api, Object.fromEntries(candidate.attributes))
  return { found: result === 'found' ? true : result === 'missing' ? false : undefined, use: candidate }
}

export async function chooseImport(plan: Plan, env: Env): Promise<CacheImport[]> {
  for (const candidate of plan.imports) {
    const { found, use } = await resolve(candidate, env)
    if (found === false) {
      core.info(`cache import: ${candidate.label} has no cache yet, trying the next scope`)
      continue
    }
    core.info(`cache import: ${use.label} (${found ? 'found' : 'not probed: used as the first candidate'})`)
    return [use]
  }
  core.info(plan.imports.length ? 'cache import: no scope of the chain has a cache yet' : 'cache import: none')
  return []
}
