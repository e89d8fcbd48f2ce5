// What the bed's plain-HTTP registry holds under an image tag, read over the distribution API:
// the index, its image manifests and configs, and the in-toto statements of its attestation
// manifests (BuildKit's attestation storage).
import type { TestbedEnv } from './env.js'

export const INDEX = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']
export const MANIFEST = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']

export interface Descriptor {
  mediaType: string
  digest: string
  platform?: { os: string; architecture: string }
  annotations?: Record<string, string>
}

export interface Statement {
  predicateType: string
  subject: Array<{ digest: Record<string, string> }>
  predicate: Record<string, any>
}

export interface Manifest {
  mediaType: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

/** What the registry holds under a tag that names an index. */
export interface Pushed {
  index: { annotations?: Record<string, string>; manifests: Descriptor[] }
  /** The index's images (not its attestation manifests). */
  images: Descriptor[]
  /** Every manifest of the index, by digest. */
  manifests: Map<string, Manifest>
  /** Each image's config (its labels under config.Labels), by the image manifest's digest. */
  configs: Map<string, { config?: { Labels?: Record<string, string> } }>
  /** The in-toto statements of every attestation manifest. */
  statements: Statement[]
}

/** GET /v2/<repository>/<what> as JSON. */
export async function registryGet(bed: TestbedEnv, repository: string, what: string, accept: string[]): Promise<any> {
  const response = await fetch(`http://${bed.registry}/v2/${repository}/${what}`, { headers: { Accept: accept.join(', ') } })
  if (!response.ok) throw new Error(`GET ${repository}/${what}: ${response.status}`)
  return response.json()
}

/** `<registry>/<repository>:<tag>` → its repository and tag. */
export function repositoryAndTag(bed: TestbedEnv, image: string): [string, string] {
  const [repository, tag] = image.slice(bed.registry.length + 1).split(':')
  return [repository, tag]
}

export async function pushed(bed: TestbedEnv, image: string): Promise<Pushed> {
  const [repository, tag] = repositoryAndTag(bed, image)
  const index = await registryGet(bed, repository, `manifests/${tag}`, [...INDEX, ...MANIFEST])
  if (!INDEX.includes(index.mediaType)) throw new Error(`${image} is a ${index.mediaType}, not an index`)
  const isAttestation = (d: Descriptor) => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  const manifests = new Map<string, Manifest>()
  const configs = new Map<string, { config?: { Labels?: Record<string, string> } }>()
  const statements: Statement[] = []
  for (const descriptor of index.manifests as Descriptor[]) {
    const manifest: Manifest = await registryGet(bed, repository, `manifests/${descriptor.digest}`, MANIFEST)
    manifests.set(descriptor.digest, manifest)
    if (!isAttestation(descriptor)) {
      configs.set(descriptor.digest, await registryGet(bed, repository, `blobs/${manifest.config.digest}`, ['*/*']))
      continue
    }
    for (const layer of manifest.layers) {
      if (layer.annotations?.['in-toto.io/predicate-type'])
        statements.push(await registryGet(bed, repository, `blobs/${layer.digest}`, ['*/*']))
    }
  }
  return { index, images: (index.manifests as Descriptor[]).filter(d => !isAttestation(d)), manifests, configs, statements }
}

export const provenanceOf = (p: Pushed) => p.statements.filter(s => s.predicateType.startsWith('https://slsa.dev/provenance/'))
// SLSA v1 (the bed's buildkitd's default) and v0.2 (the Docker Engine's older BuildKit) keep these in different places.
export const builderIdOf = (s: Statement) => s.predicate.runDetails?.builder.id ?? s.predicate.builder.id
/** The build's steps, which only mode=max records. */
export const buildConfigOf = (s: Statement) => s.predicate.buildDefinition?.internalParameters.buildConfig ?? s.predicate.buildConfig
