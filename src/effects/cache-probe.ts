/**
 * Before a build that imports a cache from a server: does it answer a read at all within
 * cache-timeout? BuildKit resolves cache imports outside the build's own
 * context and without a time limit, and while such a read hangs its solver waits on it for
 * every build of that BuildKit: stopping the client frees nothing, and a build run again on
 * the same builder waits too, until the server lets the connection go. So a server that
 * does not answer is found out here, with the read BuildKit would make first (a registry
 * manifest, the cache service's download-URL lookup, an s3 or azblob manifest object), and
 * then the build neither imports nor exports (an export reads too: it asks which blobs exist).
 *
 * Any answer counts, an error status or a refused connection too: BuildKit fails those fast
 * and the warnings name them. Only silence until the deadline is a stall.
 */
import type { CacheImport, ReadProbe } from '../backends/backend.js'
import { backendOfSpec } from '../backends/index.js'
import type { Env } from '../core/context.js'

/** The first read BuildKit makes for one import, as its backend describes it; undefined for a backend that describes none. */
export function readProbeOf(imp: CacheImport, env: Env): ReadProbe | undefined {
  return backendOfSpec(imp.attributes)?.readProbe?.(imp.attributes, env)
}

/** The distinct reads for these imports (one per server and request). */
export function readProbes(imports: readonly CacheImport[], env: Env): ReadProbe[] {
  const seen = new Set<string>()
  return imports
    .flatMap(i => readProbeOf(i, env) ?? [])
    .filter(p => !seen.has(p.url + (p.init.body ?? '')) && !!seen.add(p.url + (p.init.body ?? '')))
}

/** Whether a failed request failed by the deadline (silence), not by an answer or a refusal. */
export function isSilence(error: unknown): boolean {
  const name = (error as { name?: string })?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

/**
 * The first of these reads the server let go unanswered for `timeoutMs` (the answer's body
 * included), or undefined when every one was answered somehow. They run side by side.
 */
export async function silentRead(
  probes: readonly ReadProbe[],
  timeoutMs: number,
  send: typeof fetch = fetch
): Promise<ReadProbe | undefined> {
  const results = await Promise.all(
    probes.map(async probe => {
      try {
        const response = await send(probe.url, { ...probe.init, signal: AbortSignal.timeout(timeoutMs) })
        await response.arrayBuffer()
        return undefined
      } catch (error) {
        return isSilence(error) ? probe : undefined
      }
    })
  )
  return results.find(Boolean)
}
