// The run most unit tables start from: pull request 7 into main, with the runtime token GitHub
// gives it (write on its own ref, read on main's) and the cache service's v2 URL.
import { runContext } from '../../src/core/context.js'
import { mintRuntimeToken } from '../../testbed/cache-service/token.js'

export const PR_7 = runContext(
  { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'abc', GITHUB_REPOSITORY: 'o/r' },
  { number: 7, pull_request: { number: 7, base: { ref: 'main' }, head: { ref: 'feature' } }, repository: { default_branch: 'main' } }
)

export const PR_7_ENV = {
  ACTIONS_RUNTIME_TOKEN: mintRuntimeToken({
    scopes: [
      { ref: 'refs/pull/7/merge', permission: 3 },
      { ref: 'refs/heads/main', permission: 1 }
    ]
  }),
  ACTIONS_RESULTS_URL: 'http://cache.test/',
  RUNNER_TEMP: '/runner/temp'
}
