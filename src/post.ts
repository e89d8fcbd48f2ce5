import * as core from '@actions/core'
import { LOCAL_STATE, type LocalCacheState, saveLocalCache } from './local-cache.js'
import { formatBytes } from './summary.js'

/** The post step: saves the local backend's exported directory, when the main step left one. */
async function post(): Promise<void> {
  const saved = core.getState(LOCAL_STATE)
  if (!saved) return
  const state = JSON.parse(saved) as LocalCacheState
  const bytes = await saveLocalCache(state)
  if (bytes !== undefined && process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(`Local cache saved as <code>${state.key}</code>: ${formatBytes(bytes)}`, true).write()
  }
}

try {
  await post()
} catch (error) {
  core.warning(`Post step: ${(error as Error).message}`)
}
