import { readFile, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * A local cache directory is an OCI image layout: index.json points at BuildKit's cache
 * manifest, which points at config and layer blobs under blobs/sha256/.
 */
interface Descriptor {
  digest: string
  mediaType?: string
}

async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'))
}

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  return join(dir, 'blobs', algorithm, hex)
}

/** The digest BuildKit's local importer needs (envd passes it as `digest=`); undefined when there is no cache. */
export async function cacheManifestDigest(dir: string): Promise<string | undefined> {
  try {
    const index = await readJson(join(dir, 'index.json'))
    const manifests: Descriptor[] = index.manifests ?? []
    return manifests.at(-1)?.digest
  } catch {
    return undefined
  }
}

function children(document: any): Descriptor[] {
  return [...(document.manifests ?? []), ...(document.layers ?? []), ...(document.config ? [document.config] : [])].filter(
    (d: any) => typeof d?.digest === 'string'
  )
}

/** Every blob index.json still reaches, walking indexes and manifests down to configs and layers. */
export async function reachableBlobs(dir: string): Promise<Set<string>> {
  const reached = new Set<string>()
  const pending: Descriptor[] = children(await readJson(join(dir, 'index.json')))
  while (pending.length) {
    const descriptor = pending.pop()!
    if (reached.has(descriptor.digest)) continue
    reached.add(descriptor.digest)
    if (/manifest|index/.test(descriptor.mediaType ?? '')) {
      try {
        pending.push(...children(await readJson(blobPath(dir, descriptor.digest))))
      } catch {
        // A blob that is not there or not JSON has nothing more to reach.
      }
    }
  }
  return reached
}

/**
 * Deletes the blobs that the newest index.json no longer reaches, so a directory exported
 * into again and again does not grow without bound. Returns the bytes freed.
 */
export async function compactLayout(dir: string): Promise<number> {
  const keep = await reachableBlobs(dir)
  let freed = 0
  const algorithms = await readdir(join(dir, 'blobs')).catch(() => [] as string[])
  for (const algorithm of algorithms) {
    for (const hex of await readdir(join(dir, 'blobs', algorithm))) {
      if (keep.has(`${algorithm}:${hex}`)) continue
      const path = join(dir, 'blobs', algorithm, hex)
      freed += (await stat(path)).size
      await rm(path, { force: true })
    }
  }
  return freed
}

/** Total size of the files under dir, in bytes (0 when it does not exist). */
export async function directorySize(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  let total = 0
  for (const entry of entries) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  return total
}
