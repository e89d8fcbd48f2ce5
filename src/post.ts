// The post step saves the local backend's exported directory, when the main step left one,
// takes the build's cache mounts out and saves the changed ones, removes the files of the
// secrets input, should the main step have died before it did, and removes the docker-container
// builder driver-fallback created; after a run that exported to the GitHub Actions cache, it
// keeps that cache within cache-budget. Most runs leave none of these.
// That is read straight from STATE_<name> (where core.getState reads it), so their post step
// ends before the toolkit is loaded at all.
import { STATE } from './core/state.js'

if (process.env[`STATE_${STATE.localCache}`]) {
  const { saveLocalCacheStep } = await import('./effects/local-cache.js')
  await saveLocalCacheStep(process.env)
}
// Before the fallback builder goes: the mounts are taken out of the builder the build ran on.
if (process.env[`STATE_${STATE.cacheMounts}`]) {
  const { carryMountsOut } = await import('./effects/mount-cache.js')
  await carryMountsOut(process.env)
}
// After the local cache's and the mounts' saves, so the budget counts them.
if (process.env[`STATE_${STATE.cacheBudget}`]) {
  const { keepCacheBudget } = await import('./effects/cache-budget.js')
  await keepCacheBudget(process.env)
}
const secretFiles = process.env[`STATE_${STATE.secretFiles}`]
if (secretFiles) {
  const { removeSecretFiles } = await import('./effects/build-secrets.js')
  await removeSecretFiles(secretFiles)
}
const fallbackBuilder = process.env[`STATE_${STATE.fallbackBuilder}`]
if (fallbackBuilder) {
  const { removeFallbackBuilder } = await import('./effects/builder-driver.js')
  await removeFallbackBuilder(fallbackBuilder)
}
// Everything is done: a save the action gave up on (past cache-timeout) must not hold the step open.
process.exit()
