/**
 * A cache spec as BuildKit reads it: comma-separated `key=value` fields, parsed as CSV.
 * This is the only place that quotes, so no ref name can add, change or drop an attribute.
 */
export type Attributes = ReadonlyArray<readonly [string, string]>

function csvField(field: string): string {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replace(/"/g, '""')}"` : field
}

/** Fields joined as one CSV record, each quoted where it needs to be. */
export function encodeFields(fields: readonly string[]): string {
  return fields.map(csvField).join(',')
}

export function encodeSpec(attributes: Attributes): string {
  return encodeFields(attributes.map(([key, value]) => `${key}=${value}`))
}

/** The fields of one CSV record, read the way BuildKit's (and buildx's) CSV reader does. */
export function csvFields(spec: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]
    if (quoted) {
      if (c === '"' && spec[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '\r' && spec[i + 1] === '\n') {
        // Go's encoding/csv reads a quoted CRLF as LF: no quoting can carry one through.
        field += '\n'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

/** Reads a spec the way BuildKit's CSV reader does; used for user-given raw specs and in tests. */
export function decodeSpec(spec: string): Array<[string, string]> {
  return csvFields(spec).map(f => {
    const eq = f.indexOf('=')
    return eq < 0 ? [f, ''] : [f.slice(0, eq), f.slice(eq + 1)]
  })
}
