// A cache mount as the Dockerfile reader gives it, with the defaults a table need not repeat.
import type { CacheMount } from '../../src/core/cache-mounts.js'
import { safeName } from '../../src/core/names.js'

export const mount = (key: string, rest: Partial<CacheMount> = {}): CacheMount => ({
  key,
  name: safeName(key),
  target: key,
  sharing: 'shared',
  readonly: false,
  ...rest
})
