import { type Backend, attribute } from './backend.js'
import type { Attributes } from '../core/spec.js'
import { azblob } from './azblob.js'
import { gha } from './gha.js'
import { inline } from './inline.js'
import { local } from './local.js'
import { registry } from './registry.js'
import { s3 } from './s3.js'

export const BACKENDS: Readonly<Record<string, Backend>> = Object.fromEntries(
  [gha, registry, inline, local, s3, azblob].map(backend => [backend.name, backend])
)

/**
 * The backend that knows a spec of this `type`: what it says of a spec holds for every spec of
 * the type, inline's imports (registry specs) and raw cache-from ones included.
 */
export function backendOfSpec(spec: Attributes): Backend | undefined {
  return BACKENDS[attribute(spec, 'type') ?? '']
}
