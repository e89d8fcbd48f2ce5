// build-push-action's secrets, secret-files, secret-envs and ssh, and its imageid output, run as
// the runner runs the action, with real builds:
//   1. a RUN --mount=type=secret step reads a secret given by each of the three inputs (what it
//      read is compared by its hash, never printed); no command line of any process, output,
//      log line or the summary holds a secret; the secrets input's files are the runner user's
//      alone while the build runs, and gone after it;
//   2. a main step that dies mid-build leaves its secret files to the post step, which removes them;
//   3. a RUN --mount=type=ssh,required=true step sees the socket of an ssh-agent the job started;
//   4. imageid is the pushed image's config digest.
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type TestbedEnv, fixtureContext, testbedEnv, toolEnv } from '../../testbed/env.js'
import type { RunResult } from '../../testbed/runner.js'
import { pushBuild, tempDir } from '../../testbed/scenario.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * A `docker` first on PATH that writes each command line the action runs to `argv.log` and, when
 * it is the build, the mode of the secrets input's directory and files to `modes.log`.
 */
function recordingDocker(bed: TestbedEnv, runnerTemp: string): { path: string; argv: () => string; modes: () => string } {
  const dir = tempDir('recording-docker-')
  const real = execFileSync('sh', ['-c', 'command -v docker'], { env: toolEnv(bed), encoding: 'utf8' }).trim()
  const argvLog = path.join(dir, 'argv.log')
  const modesLog = path.join(dir, 'modes.log')
  const script = [
    '#!/bin/sh',
    `printf '%s\\n' "$@" -- >> '${argvLog}'`,
    'if [ "$1 $2" = "buildx build" ]; then',
    `  for f in '${runnerTemp}'/branch-cache-build-*-secrets '${runnerTemp}'/branch-cache-build-*-secrets/*; do`,
    `    [ -e "$f" ] && stat -c '%a %n' "$f" >> '${modesLog}'`,
    '  done',
    'fi',
    `exec '${real}' "$@"`
  ]
  mkdirSync(path.join(dir, 'bin'))
  writeFileSync(path.join(dir, 'bin', 'docker'), `${script.join('\n')}\n`)
  chmodSync(path.join(dir, 'bin', 'docker'), 0o755)
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '')
  return { path: `${path.join(dir, 'bin')}:${toolEnv(bed).PATH}`, argv: () => read(argvLog), modes: () => read(modesLog) }
}

/** Every command line on the machine that holds one of `needles`, looked at every 20 ms until stopped. */
function watchCommandLines(needles: string[]): { stop: () => string[] } {
  const found = new Set<string>()
  const look = () => {
    for (const pid of readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
        if (needles.some(needle => cmdline.includes(needle))) found.add(cmdline)
      } catch {
        // gone meanwhile
      }
    }
  }
  const timer = setInterval(look, 20)
  return {
    stop: () => {
      clearInterval(timer)
      return [...found]
    }
  }
}

/** Every text a run shows anyone: outputs, the summary, state, the log as printed (but the masks' own commands) and stderr. */
function shownTexts(run: RunResult): string[] {
  const printed = [run.main.stdout, run.post?.stdout ?? ''].flatMap(out => out.split('\n')).filter(line => !line.startsWith('::add-mask::'))
  return [...Object.values(run.outputs), run.summary, ...Object.values(run.state), ...printed, run.main.stderr, run.post?.stderr ?? '']
}

const secretDirs = (runnerTemp: string) => readdirSync(runnerTemp).filter(name => /^branch-cache-build-.*-secrets$/.test(name))

describe('build secrets, ssh and imageid', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  // A value of two lines, with a comma, a # and quotes: given in double quotes, it is one secret.
  const given = `s3cr3t-given-${nonce}, with a comma # and "quotes"\nsecond line ${nonce}`
  const plain = `s3cr3t-plain-${nonce}`
  const inFile = `s3cr3t-file-${nonce}\n`
  const inEnv = `s3cr3t-env-${nonce}`
  const needles = [given, ...given.split('\n'), plain, inFile.trim(), inEnv]
  let secretFile: string

  /** A build whose RUN step mounts the four secrets (each required) and keeps their hashes in /secrets.sha. */
  function secretsContext(extra = ''): string {
    const mounts = ['given', 'plain', 'fromfile', 'fromenv'].map(id => `--mount=type=secret,id=${id},required=true`).join(' ')
    const hashes = `for s in given plain fromfile fromenv; do sha256sum < /run/secrets/$s | cut -d' ' -f1; done > /secrets.sha`
    return fixtureContext([`${mounts} echo ${nonce} > /nonce && ${hashes}${extra}`], bed)
  }

  function secretInputs(context: string, out: string): Record<string, string> {
    return {
      context,
      'cache-backend': 'none',
      outputs: `type=local,dest=${out}`,
      secrets: `"given=${given.replace(/"/g, '""')}"\nplain=${plain}`,
      'secret-files': `fromfile=${secretFile}`,
      'secret-envs': 'fromenv=BCB_TEST_SECRET'
    }
  }

  beforeAll(() => {
    bed = testbedEnv()
    secretFile = path.join(tempDir('secret-file-'), 'secret.txt')
    writeFileSync(secretFile, inFile, { mode: 0o600 })
  })

  it('a RUN step reads each secret; no command line, output, log line or summary holds one; the files are gone after', async () => {
    const runnerTemp = tempDir('runner-temp-')
    const docker = recordingDocker(bed, runnerTemp)
    const out = tempDir('secrets-out-')
    const watch = watchCommandLines(needles)
    const run = await pushBuild('main', secretInputs(secretsContext(), out), {
      runnerTemp,
      env: { PATH: docker.path, BCB_TEST_SECRET: inEnv }
    })
    const commandLines = watch.stop()
    if (run.main.exitCode !== 0) console.log(`action failed:\n${run.log}\n${run.main.stderr}`)
    expect(run.main.exitCode).toBe(0)
    expect(run.post?.exitCode ?? 0).toBe(0)

    // What the step read, by hash, in the order mounted.
    expect(readFileSync(path.join(out, 'secrets.sha'), 'utf8').trim().split('\n')).toEqual([given, plain, inFile, inEnv].map(sha256))

    expect(docker.argv()).toContain('buildx\nbuild\n')
    expect(docker.argv()).toContain('\n--secret\nid=fromenv,env=BCB_TEST_SECRET\n')
    expect(docker.argv()).toContain(`\n--secret\nid=fromfile,src=${secretFile}\n`)
    expect(run.outputs.command).toMatch(/--secret id=given,src=\S+-secrets\/0 --secret id=plain,src=\S+-secrets\/1 /)
    for (const needle of needles) {
      expect([needle, docker.argv().includes(needle)]).toEqual([needle, false])
      for (const text of shownTexts(run)) expect([needle, text.includes(needle)]).toEqual([needle, false])
    }
    expect(commandLines).toEqual([])
    expect(run.masks).toEqual(expect.arrayContaining(needles))

    // While the build ran: a directory of the runner user's alone, a file of the runner user's alone per value.
    const modes = docker.modes().trim().split('\n')
    expect(modes.map(line => line.split(' ')[0])).toEqual(['700', '600', '600'])
    expect(modes[0]).toMatch(/-secrets$/)
    expect(secretDirs(runnerTemp)).toEqual([])
  })

  it('a main step that dies mid-build leaves its secret files to the post step, which removes them', async () => {
    const runnerTemp = tempDir('runner-temp-')
    const docker = recordingDocker(bed, runnerTemp)
    const run = await pushBuild('main', secretInputs(secretsContext(' && sleep 15'), tempDir('secrets-out-')), {
      runnerTemp,
      env: { PATH: docker.path, BCB_TEST_SECRET: inEnv },
      timeoutMs: 8000
    })
    expect(run.main.timedOut).toBe(true)
    expect(docker.modes()).toMatch(/^700 .*-secrets$/m)
    expect(run.state['secret-files']).toMatch(/-secrets$/)
    expect(run.post?.exitCode).toBe(0)
    expect(secretDirs(runnerTemp)).toEqual([])
  })

  describe('ssh', () => {
    let agent: ChildProcess
    let socket: string

    beforeAll(async () => {
      const dir = tempDir('ssh-agent-')
      socket = path.join(dir, 'agent.sock')
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
      for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise(resolve => setTimeout(resolve, 100))
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `key-${nonce}`, '-f', path.join(dir, 'key')])
      execFileSync('ssh-add', [path.join(dir, 'key')], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' })
    })

    afterAll(() => {
      agent?.kill()
    })

    it('ssh: default hands the job’s agent to a RUN --mount=type=ssh step', async () => {
      expect(execFileSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' })).toContain(
        `key-${nonce}`
      )
      const out = tempDir('ssh-out-')
      const context = fixtureContext(
        [`--mount=type=ssh,required=true,target=/run/agent.sock test -S /run/agent.sock && echo agent-${nonce} > /ssh`],
        bed
      )
      const run = await pushBuild(
        'main',
        { context, 'cache-backend': 'none', outputs: `type=local,dest=${out}`, ssh: 'default' },
        {
          env: { SSH_AUTH_SOCK: socket }
        }
      )
      if (run.main.exitCode !== 0) console.log(`action failed:\n${run.log}\n${run.main.stderr}`)
      expect(run.main.exitCode).toBe(0)
      expect(run.outputs.command).toContain('--ssh default')
      expect(readFileSync(path.join(out, 'ssh'), 'utf8')).toBe(`agent-${nonce}\n`)
    })
  })

  it('imageid is the pushed image’s config digest', async () => {
    const repository = `inputs${nonce}/imageid`
    const run = await pushBuild(
      'main',
      {
        context: fixtureContext([`echo ${nonce} > /nonce`], bed),
        tags: `${bed.registry}/${repository}:latest`,
        push: 'true',
        'cache-backend': 'none'
      },
      // One image manifest, not an index with an attestation: the config digest is the image's ID.
      { env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' } }
    )
    if (run.main.exitCode !== 0) console.log(`action failed:\n${run.log}\n${run.main.stderr}`)
    expect(run.main.exitCode).toBe(0)
    const manifest = await fetch(`http://${bed.registry}/v2/${repository}/manifests/latest`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' }
    }).then(response => response.json() as Promise<{ config: { digest: string } }>)
    expect(run.outputs.imageid).toBe(manifest.config.digest)
    expect(run.outputs.imageid).not.toBe(run.outputs.digest)
    expect(JSON.parse(run.outputs.metadata)['containerimage.config.digest']).toBe(run.outputs.imageid)
  })
})
