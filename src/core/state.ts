/**
 * What the main step hands the post step, by name (the runner keeps it as STATE_<name>).
 * The names are here alone, so the main step and the post step can never disagree.
 */
export const STATE = {
  /** The local backend's exported directory, to save. */
  localCache: 'local-cache',
  /** The cache budget of a run that exported to the Actions cache, to keep. */
  cacheBudget: 'cache-budget',
  /** The docker-container builder driver-fallback created, to remove. */
  fallbackBuilder: 'fallback-builder',
  /** The directory the `secrets` values were written to, to remove should the main step have died before it did. */
  secretFiles: 'secret-files',
  /** The build's cache mounts, to take out of the builder and save when changed. */
  cacheMounts: 'cache-mounts'
} as const

/** What the post step needs to keep the Actions cache within the budget. */
export interface CacheBudgetState {
  /** Bytes. */
  budget: number
  /** The budget as people read it, e.g. `80% of the 10.00 GB limit`. */
  said: string
  /** Undefined when neither the event nor the API named it: then the post step deletes nothing. */
  defaultBranch?: string
  /** The ref this run's export went under. */
  ownRef: string
}

/** What the post step needs to save the local backend's exported directory. */
export interface LocalCacheState {
  path: string
  key: string
  /** The scope it is saved for, for the warning when it cannot be. */
  scope: string
  canSave: boolean
  restoredKey?: string
  /** The export is the restored cache again (same manifest): saving it would store a copy. */
  unchanged?: boolean
  bytes: number
  /** Seconds the save may make no progress (cache-timeout; 0: no limit). */
  cacheTimeout: number
}
