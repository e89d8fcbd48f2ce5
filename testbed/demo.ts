// The first command for a newcomer: starts the test bed, then runs the action as GitHub's
// runner would for a push to main (cold build, cache exported to main's scope) and for pull
// request 7's first build after BuildKit's local state is wiped (every step from main's cache).
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fixtureContext, testbedEnv } from './env.js'
import type { RunResult } from './runner.js'
import { pruneBuildKit, pullRequestBuild, pushBuild } from './scenario.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function show(title: string, result: RunResult): void {
  const o = result.outputs
  console.log(`\n=== ${title}: exit ${result.main.exitCode}, ${(result.main.wallMs / 1000).toFixed(1)} s`)
  console.log(
    `scope ${o.scope}; cached ${o['cached-steps']} of ${o['total-steps']} steps (ratio ${o['cache-hit-ratio']}); export: ` +
      `${o['cache-export']}`
  )
  console.log(`command: ${o.command}`)
  console.log('job summary:')
  console.log(
    result.summary
      .replace(/<\/tr>/g, '\n')
      .replace(/<\/t[dh]><t[dh]>/g, ': ')
      .replace(/<[^>]+>/g, '')
      .trim()
  )
  for (const a of result.annotations.filter(a => a.level !== 'debug')) console.log(`${a.level}: ${a.message}`)
}

execFileSync('bash', ['-c', 'bash testbed/install.sh && bash testbed/up.sh'], { cwd: repo, stdio: 'inherit' })
const bed = testbedEnv()
const nonce = randomBytes(3).toString('hex')
const inputs = {
  context: fixtureContext([`echo deps-${nonce} > /deps && sleep 2`, `echo build-${nonce} > /app && sleep 2`, 'echo done > /done'], bed),
  tags: `${bed.registry}/demo-${nonce}/app:latest`
}
show('push to main (cold)', await pushBuild('main', inputs, { protocol: 'v2' }))
await pruneBuildKit(undefined, bed)
show("pull request 7, first build (BuildKit's local state wiped)", await pullRequestBuild(7, 'main', inputs, { protocol: 'v2' }))
console.log('\nThe test bed keeps running; stop it with: npm run testbed:down')
