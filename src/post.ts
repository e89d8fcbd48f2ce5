// The post step saves the local backend's exported directory, when the main step left one.
// Most runs leave none. That is read straight from STATE_<name> (where core.getState reads
// it), so their post step ends before the toolkit is loaded at all.
import { LOCAL_STATE } from './local-state.js'

if (process.env[`STATE_${LOCAL_STATE}`]) {
  const { saveLocalCacheStep } = await import('./local-cache.js')
  await saveLocalCacheStep()
}
