import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { maskText, parseFileCommand, parseWorkflowCommand, runAction, type RunOptions } from '../../testbed/runner.js'

const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/runner-action')

const base: RunOptions = {
  actionDir,
  inputs: {},
  eventName: 'pull_request',
  payload: { action: 'synchronize', number: 7 },
  ref: 'refs/pull/7/merge',
  headRef: 'feature/x',
  baseRef: 'main'
}

describe('runAction', () => {
  const leaked = ['INPUT_MESSAGE', 'GITHUB_TOKEN', 'STATE_started']
  beforeAll(() => {
    for (const k of leaked) process.env[k] = 'from-parent'
  })
  afterAll(() => {
    for (const k of leaked) delete process.env[k]
  })

  it('runs main and post like the runner and reads back what a user sees', async () => {
    const r = await runAction({
      ...base,
      inputs: { secret: 's3cr3t', 'Extra Args': '--a --b' },
      env: { GITHUB_TOKEN: 'tok' }
    })
    expect(r.main).toMatchObject({ exitCode: 0 })
    expect(r.post).toMatchObject({ exitCode: 0 })

    // outputs: heredoc form, defaults, ${{ github.token }}, input names with spaces
    expect(r.outputs).toMatchObject({ greeting: 'hello\nsecond line', token: 'tok', extra: '--a --b', 'event-action': 'synchronize' })
    const env = JSON.parse(r.outputs.env)
    expect(env).toMatchObject({
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF_NAME: '7/merge',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_HEAD_REF: 'feature/x',
      GITHUB_BASE_REF: 'main',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      RUNNER_OS: 'Linux',
      INPUT_MESSAGE: 'hello',
      INPUT_FAIL: 'false',
      INPUT_SECRET: 's3cr3t',
      INPUT_EXTRA_ARGS: '--a --b'
    })
    expect(env.STATE_started).toBeUndefined() // parent STATE_* stripped
    expect(r.outputs.cwd).toBe(env.GITHUB_WORKSPACE)

    // state goes to post as STATE_<name>; GITHUB_ENV from main reaches post
    expect(r.state).toEqual({ started: 'yes', multi: 'a\nb' })
    expect(r.exportedEnv).toEqual({ FROM_MAIN: 'exported' })
    expect(r.log).toContain('post: started=yes multi="a\\nb"')
    expect(r.log).toContain('post: FROM_MAIN=exported')

    // annotations: data and properties unescaped
    expect(r.annotations).toEqual([
      { level: 'warning', message: '50% done\nnext line', properties: { title: 'Slow: really, slow' } },
      { level: 'debug', message: 'a debug line', properties: {} },
      { level: 'notice', message: 'post ran', properties: {} }
    ])

    // masking: log and summary, in main and post; raw stdout keeps the value
    expect(r.masks).toEqual(['s3cr3t'])
    expect(r.log).not.toContain('s3cr3t')
    expect(r.log).toContain('the secret is ***')
    expect(r.log).toContain('post: secret again ***')
    expect(r.main.stdout).toContain('::add-mask::s3cr3t')
    expect(r.summary).toContain('<h1>Main summary</h1>')
    expect(r.summary).toContain('secret ***')
    expect(r.summary).toContain('post summary')

    // commands are rendered, not echoed; debug hidden unless RUNNER_DEBUG=1
    expect(r.log).toContain('##[group]details\ninside the group\n##[endgroup]\n##[warning]50% done\nnext line\n')
    expect(r.log).not.toMatch(/^::/m)
    expect(r.log).not.toContain('a debug line')
  })

  it('reports a failed main, and still runs post', async () => {
    const r = await runAction({ ...base, inputs: { fail: 'true' } })
    expect(r.main.exitCode).toBe(1)
    expect(r.annotations).toContainEqual({ level: 'error', message: 'asked to fail', properties: {} })
    expect(r.log).toContain('##[error]asked to fail')
    expect(r.post?.exitCode).toBe(0)
    expect(r.log).toContain('post: started=yes')
    expect(r.outputs.token).toBe('') // no GITHUB_TOKEN given: parent one is not inherited
  })

  it('skips post when asked, shows debug with RUNNER_DEBUG=1, rejects undeclared inputs', async () => {
    const r = await runAction({ ...base, post: false, env: { RUNNER_DEBUG: '1' } })
    expect(r.post).toBeUndefined()
    expect(r.log).toContain('##[debug]a debug line')
    await expect(runAction({ ...base, inputs: { mesage: 'typo' } })).rejects.toThrow(/Unexpected input\(s\) 'mesage'/)
  })
})

describe('parsers', () => {
  it('parses file commands in both forms', () => {
    expect(parseFileCommand('a=1\nb<<EOF\nx\n\ny=z\nEOF\nc=d=e\n')).toEqual({ a: '1', b: 'x\n\ny=z', c: 'd=e' })
    expect(() => parseFileCommand('b<<EOF\nx\n')).toThrow(/closing delimiter/)
  })

  it('parses workflow commands and masks overlapping values', () => {
    expect(parseWorkflowCommand('  ::error file=a%2Cb.ts,line=3::100%25%0Adone')).toEqual({
      name: 'error',
      properties: { file: 'a,b.ts', line: '3' },
      data: '100%\ndone'
    })
    expect(parseWorkflowCommand('no :: command')).toBeUndefined()
    expect(maskText('abcdef abc', ['bcd', 'cdef', 'abc'])).toBe('*** ***')
  })
})
