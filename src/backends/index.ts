import type { Backend } from './backend.js'
import { azblob } from './azblob.js'
import { gha } from './gha.js'
import { inline } from './inline.js'
import { local } from './local.js'
import { registry } from './registry.js'
import { s3 } from './s3.js'

export const BACKENDS: Readonly<Record<string, Backend>> = Object.fromEntries(
  [gha, registry, inline, local, s3, azblob].map(backend => [backend.name, backend])
)
