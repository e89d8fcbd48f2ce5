import { type Backend, type BackendSettings, type StoreApi, exportAttributes, pick, scopeId } from './backend.js'
import type { Scope } from '../core/scopes.js'

/** An object store spec's attributes, by key. */
export type StoreAttributes = Readonly<Record<string, string>>

type ObjectStoreShape = Pick<
  Backend,
  'name' | 'sharedOptions' | 'exportOptions' | 'secretOptions' | 'requiredOptions' | 'optionsFromEnv'
> & {
  /** Another store may speak the same API (an S3-compatible one): the probe of a single import signs by the API. */
  api: StoreApi
  /** Where BuildKit reads an import's manifest object; undefined when the attributes do not say (BuildKit fails those itself). */
  manifestUrl(store: StoreAttributes): URL | undefined
}

/** The first of BuildKit's `;`-separated names (BuildKit imports only that one). */
export function importedName(attributes: StoreAttributes): string {
  return (attributes.name ?? 'buildkit').split(';')[0]
}

/** RFC 3986 encoding of each path segment, `/` kept: what S3 signs and what the URL carries. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map(segment => encodeURIComponent(segment).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
}

/**
 * The commit's own manifest name. The export is written under the scope and under the commit
 * (BuildKit takes `name=a;b`), so a build of a commit that was already built — a re-run, or a
 * tag pushed on a commit the default branch built — finds that exact cache even after its
 * branch's scope has moved on.
 */
function commitName(settings: BackendSettings): string | undefined {
  return settings.sha ? scopeId({ name: settings.sha, ref: '', role: 'own' }, settings) : undefined
}

/** Backends that keep one manifest object per `name` in a bucket or container (s3, azblob). */
export function objectStoreBackend({ api, manifestUrl, ...shape }: ObjectStoreShape): Backend {
  const backend: Backend = {
    ...shape,
    needsBuildKitDriver: true,
    imports: (chain, settings) => {
      const commit = commitName(settings)
      const names: Array<{ name: string; scope?: Scope }> = [
        ...chain.map(scope => ({ name: scopeId(scope, settings), scope })),
        ...(commit ? [{ name: commit }] : [])
      ]
      // probe: envd takes one import, so the action looks for each name's manifest object first.
      return names.map(({ name, scope }) => ({
        label: name,
        ...(scope && { scope }),
        attributes: [['type', shape.name], ['name', name], ...pick(settings.options, shape.sharedOptions)],
        probe: { kind: 'object-store', api }
      }))
    },
    exportTo: (own, settings) => {
      const commit = commitName(settings)
      const names = [scopeId(own, settings), ...(commit ? [commit] : [])].join(';')
      return [['type', shape.name], ['name', names], ...exportAttributes(backend, settings)]
    },
    // Unsigned: only silence is a stall, and a refusal of the signature is an answer too.
    readProbe: attributes => {
      try {
        const url = manifestUrl(Object.fromEntries(attributes))
        if (!url) return undefined
        return { what: `the ${shape.name} store ${url.host} (${url.pathname})`, url: url.href, init: { method: 'HEAD', headers: {} } }
      } catch {
        // An endpoint that is no URL: BuildKit fails it itself.
        return undefined
      }
    }
  }
  return backend
}
