import { type Backend, type BackendSettings, exportAttributes, pick, scopeId } from './backend.js'
import type { Scope } from '../core/scopes.js'

type ObjectStoreShape = Pick<Backend, 'name' | 'sharedOptions' | 'exportOptions' | 'secretOptions' | 'requiredOptions' | 'optionsFromEnv'>

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
export function objectStoreBackend(shape: ObjectStoreShape): Backend {
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
        probe: { kind: 'object-store' }
      }))
    },
    exportTo: (own, settings) => {
      const commit = commitName(settings)
      const names = [scopeId(own, settings), ...(commit ? [commit] : [])].join(';')
      return [['type', shape.name], ['name', names], ...exportAttributes(backend, settings)]
    }
  }
  return backend
}
