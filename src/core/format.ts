/** A byte count as people read it in the log and the summary: kB, MB or GB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e3).toFixed(1)} kB`
}

/** A size as the inputs take it: `500MB`, `1g`, `1.5 TB`, `750k`, bare digits are bytes; decimal units, as formatBytes shows them. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim())
  if (!match) return undefined
  const bytes = Number(match[1]) * 1000 ** ' kmgt'.indexOf(match[2].toLowerCase() || ' ')
  return bytes > 0 ? Math.floor(bytes) : undefined
}
