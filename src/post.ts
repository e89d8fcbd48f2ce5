// The post step saves the local backend's exported directory, when the main step left one,
// and removes the docker-container builder driver-fallback created. Most runs leave neither.
// That is read straight from STATE_<name> (where core.getState reads it), so their post step
// ends before the toolkit is loaded at all.
import { FALLBACK_BUILDER_STATE, LOCAL_STATE } from './local-state.js'

if (process.env[`STATE_${LOCAL_STATE}`]) {
  const { saveLocalCacheStep } = await import('./local-cache.js')
  await saveLocalCacheStep()
}
const fallbackBuilder = process.env[`STATE_${FALLBACK_BUILDER_STATE}`]
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import('./builder-driver.js')
  await removeFallbackBuilder(fallbackBuilder)
}
