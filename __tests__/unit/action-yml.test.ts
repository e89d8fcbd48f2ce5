// action.yml and the code name the same inputs and outputs: an input the code reads but
// action.yml lacks never reaches the action, an output action.yml lists but no code writes is
// always empty.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import { readInputs } from '../../src/core/inputs.js'
import { OUTPUT_NAMES } from '../../src/effects/outputs.js'

const action = parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../action.yml'), 'utf8'))

describe('action.yml', () => {
  it('lists exactly the inputs the action reads', () => {
    const read = new Set<string>()
    readInputs(name => {
      read.add(name)
      return ''
    })
    expect(Object.keys(action.inputs).sort()).toEqual([...read].sort())
  })

  it('lists exactly the outputs the action writes', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUT_NAMES].sort())
  })

  it('describes every input and output', () => {
    for (const [name, entry] of [...Object.entries(action.inputs), ...Object.entries(action.outputs)] as Array<
      [string, { description?: string }]
    >) {
      expect([name, typeof entry.description === 'string' && entry.description.length > 10]).toEqual([name, true])
    }
  })
})
