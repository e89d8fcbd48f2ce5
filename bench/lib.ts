// Small helpers for the bench: statistics, the action's printed command back to argv, figures
// from the job summary and the log, a timed child process, and PATH shims that record every
// child process the action starts.
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { RunResult } from '../testbed/runner.js'
import { displayCommand } from '../src/core/plan.js'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  if (!s.length) return NaN
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
export const min = (xs: number[]): number => Math.min(...xs)

/** Milliseconds as seconds with one decimal. */
export const secs = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '–')
export const ratio = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–')
export const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1e6).toFixed(1) : '–')
export const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS')

/** What the user waits for: the main step and the post step, as the runner runs them. */
export const stepsMs = (r: RunResult): number => r.main.wallMs + (r.post?.wallMs ?? 0)

/**
 * The action's `command` output back to argv. The action quotes each word that holds anything
 * but [\w@%+=:,./-] in single quotes ('\'' for a quote); the result is checked by quoting it
 * again with the action's own displayCommand.
 */
export function commandArgv(command: string): string[] {
  if (command.includes('***')) throw new Error('the command holds a masked secret: it cannot be run as printed')
  const words: string[] = []
  let word: string | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]
    if (c === ' ') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1)
      if (end < 0) throw new Error(`unbalanced quote in: ${command}`)
      word = (word ?? '') + command.slice(i + 1, end)
      i = end
    } else if (c === '\\') {
      word = (word ?? '') + command[++i]
    } else {
      word = (word ?? '') + c
    }
  }
  if (word !== undefined) words.push(word)
  const again = displayCommand({ file: words[0], args: words.slice(1), env: {} }, [])
  if (again !== command) throw new Error(`the command does not round-trip:\n  ${command}\n  ${again}`)
  return words
}

export interface BuildTimes {
  build: number
  run: number
  import: number
  export: number
}

/** "Build time: X s (steps that ran: R s, cache import: I s, export: E s)" from the job summary, in seconds. */
export function buildTimes(r: RunResult): BuildTimes | undefined {
  const m = /Build time<\/td><td>([\d.]+) s \(steps that ran: ([\d.]+) s, cache import: ([\d.]+) s, export: ([\d.]+) s\)/.exec(r.summary)
  return m ? { build: +m[1], run: +m[2], import: +m[3], export: +m[4] } : undefined
}

/** local backend: the bytes the main step restored (from its log) and exported (its saved state). */
export function localBytes(r: RunResult): { restored: number; exported: number } {
  const restored = Number(/local cache restored from \S+ \((\d+) bytes\)/.exec(r.log)?.[1] ?? 0)
  let exported = NaN
  try {
    exported = JSON.parse(r.state['local-cache']).bytes
  } catch {
    /* no export */
  }
  return { restored, exported }
}

export function assertRan(what: string, r: RunResult): RunResult {
  if (r.main.exitCode !== 0) {
    const tail = `${r.log}\n${r.main.stderr}`.split('\n').slice(-30).join('\n')
    throw new Error(`${what}: the action failed (exit ${r.main.exitCode})\n${tail}`)
  }
  return r
}

/** Runs argv to completion with stdout and stderr collected (as the action collects them); wall ms. */
export function timed(argv: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<{ code: number; ms: number; out: string }> {
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => chunks.push(b))
    child.stderr.on('data', (b: Buffer) => chunks.push(b))
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? 1, ms: performance.now() - start, out: Buffer.concat(chunks).toString('utf8') }))
  })
}

export interface Shims {
  /** PATH with the shims first. */
  path: string
  log: string
  /** The recorded child processes: command line and wall ms, in start order. */
  read(): Array<{ command: string; ms: number; code: number; startMs: number }>
}

/**
 * Shims for the programs the action may start (docker, tar, zstd, gzip, envd, buildctl): each
 * runs the real one and appends its wall time and argv to a log. For a diagnostic run only
 * (each shim adds a bash start, a few ms).
 */
export function makeShims(env: NodeJS.ProcessEnv): Shims {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-shims-'))
  const log = path.join(dir, 'calls.tsv')
  writeFileSync(log, '')
  for (const name of ['docker', 'tar', 'zstd', 'zstdmt', 'gzip', 'envd', 'buildctl']) {
    const real = spawnSync('bash', ['-c', `command -v ${name}`], { env, encoding: 'utf8' }).stdout.trim()
    if (!real) continue
    const file = path.join(dir, name)
    writeFileSync(
      file,
      [
        '#!/bin/bash',
        's=$(date +%s%N)',
        `${JSON.stringify(real)} "$@"`,
        'rc=$?',
        'e=$(date +%s%N)',
        `printf '%s\\t%s\\t%s\\t%s\\n' "$s" "$(( (e - s) / 1000 ))" "$rc" ${JSON.stringify(name)}" $*" >> ${JSON.stringify(log)}`,
        'exit $rc',
        ''
      ].join('\n')
    )
    chmodSync(file, 0o755)
  }
  return {
    path: `${dir}:${env.PATH}`,
    log,
    read() {
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(l => l.split('\t'))
        .sort((a, b) => Number(BigInt(a[0]) - BigInt(b[0])))
        .map(([ns, us, code, command]) => ({ command, ms: Number(us) / 1000, code: Number(code), startMs: Number(BigInt(ns) / 1000000n) }))
    }
  }
}

/** A Markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(c => String(c).replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}
