/**
 * What the main step hands the post step, by name (the runner keeps it as STATE_<name>).
 * The names are here alone, so the main step and the post step can never disagree.
 */
export const STATE = {
  /** The local backend's exported directory, to save. */
  localCache: 'local-cache',
  /** The docker-container builder driver-fallback created, to remove. */
  fallbackBuilder: 'fallback-builder',
  /** The directory the `secrets` values were written to, to remove should the main step have died before it did. */
  secretFiles: 'secret-files'
} as const

/** What the post step needs to save the local backend's exported directory. */
export interface LocalCacheState {
  path: string
  key: string
  canSave: boolean
  restoredKey?: string
  /** The export is the restored cache again (same manifest): saving it would store a copy. */
  unchanged?: boolean
  bytes: number
}
