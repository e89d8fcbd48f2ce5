import { type Backend, exportAttributes, pick, scopeId } from './backend.js'

type ObjectStoreShape = Pick<Backend, 'name' | 'sharedOptions' | 'exportOptions' | 'secretOptions' | 'requiredOptions'>

/** Backends that keep one manifest object per `name` in a bucket or container (s3, azblob). */
export function objectStoreBackend(shape: ObjectStoreShape): Backend {
  const backend: Backend = {
    ...shape,
    needsBuildKitDriver: true,
    imports: (chain, settings) =>
      chain.map(scope => ({
        label: scopeId(scope, settings),
        attributes: [['type', shape.name], ['name', scopeId(scope, settings)], ...pick(settings.options, shape.sharedOptions)]
      })),
    exportTo: (own, settings) => [['type', shape.name], ['name', scopeId(own, settings)], ...exportAttributes(backend, settings)]
  }
  return backend
}
