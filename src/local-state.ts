/** The name under which the main step hands the local cache to the post step. */
export const LOCAL_STATE = 'local-cache'

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

/** The name under which the main step hands the post step the docker-container builder it created (driver-fallback). */
export const FALLBACK_BUILDER_STATE = 'fallback-builder'
