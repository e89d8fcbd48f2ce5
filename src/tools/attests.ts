/**
 * build-push-action's attestation inputs as buildx's `--attest` values, in its order: the
 * provenance (the `provenance` input, else build-push-action's default), the `sbom` input,
 * then the `attests` lines (one of type provenance or sbom only when that input is not given).
 */
import type { Env } from '../core/context.js'
import { csvFields, encodeFields } from '../core/spec.js'
import type { BuildOptions, BuildRequest } from './tool.js'

/** Go's strconv.ParseBool, with which buildx reads a switch (and the toolkit turns a bare one into `disabled=`). */
const SWITCH_ON = /^(1|t|T|TRUE|true|True)$/
const SWITCH_OFF = /^(0|f|F|FALSE|false|False)$/
/** What @actions/core's getBooleanInput takes: build-push-action reads `provenance` with it first. */
const INPUT_TRUE = /^(true|True|TRUE)$/
const INPUT_FALSE = /^(false|False|FALSE)$/

/** The fields of an attestation, trimmed; a bare switch (`true`, `0`) says whether it is disabled. */
function fieldsOf(text: string): string[] {
  return csvFields(text)
    .map(field => field.trim())
    .filter(field => field !== '')
    .map(field => (SWITCH_ON.test(field) ? 'disabled=false' : SWITCH_OFF.test(field) ? 'disabled=true' : field))
}

const keyOf = (field: string) => field.split('=')[0].trim()
const typeOf = (fields: readonly string[]) => {
  const type = fields.find(field => keyOf(field) === 'type')
  return type?.slice(type.indexOf('=') + 1).trim()
}

/** The workflow run, which a provenance names as its builder; none outside a run. */
function builderId(env: Env): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`
}

function withBuilderId(fields: string[], env: Env): string[] {
  const id = builderId(env)
  return id && !fields.some(field => keyOf(field) === 'builder-id') ? [...fields, `builder-id=${id}`] : fields
}

/** `true`: a provenance of this run; `false`: none; else its attributes (`mode=max`, …). */
function provenanceInput(value: string, env: Env): string[] {
  if (INPUT_FALSE.test(value)) return ['type=provenance', 'disabled=true']
  return withBuilderId(['type=provenance', ...(INPUT_TRUE.test(value) ? [] : fieldsOf(value))], env)
}

const asksForProvenance = (options: BuildOptions) =>
  !!options.provenance || options.attests.some(attest => typeOf(fieldsOf(attest)) === 'provenance')

/** The image goes to Docker (`load`, a `type=docker` output), which keeps no attestations. */
const loadsIntoDocker = (request: BuildRequest) => request.load || request.outputs.some(output => typeOf(fieldsOf(output)) === 'docker')

/**
 * build-push-action's default provenance: when none is asked for, BUILDX_NO_DEFAULT_ATTESTATIONS
 * is not set true, the image does not go to Docker and the builder can attach attestations:
 * mode=max for a public repository, mode=min (inline only) for a private one.
 */
function defaultProvenance(request: BuildRequest, env: Env): string[] | undefined {
  if (!request.defaultProvenance || asksForProvenance(request) || loadsIntoDocker(request)) return undefined
  if (SWITCH_ON.test(env.BUILDX_NO_DEFAULT_ATTESTATIONS ?? '')) return undefined
  const mode = request.defaultProvenance === 'max' ? ['mode=max'] : ['mode=min', 'inline-only=true']
  return withBuilderId(['type=provenance', ...mode], env)
}

/** Whether the build would carry build-push-action's default provenance (a builder must be able to attach it). */
export function addsDefaultProvenance(request: BuildRequest, env: Env): boolean {
  return defaultProvenance(request, env) !== undefined
}

/** The `--attest` values of the build. */
export function attestValues(request: BuildRequest, env: Env): string[] {
  const provenance = request.provenance ? provenanceInput(request.provenance, env) : defaultProvenance(request, env)
  const lines = request.attests.map(fieldsOf).flatMap(fields => {
    const type = typeOf(fields)
    if (type === 'provenance') return request.provenance ? [] : [withBuilderId(fields, env)]
    return type === 'sbom' && request.sbom ? [] : [fields]
  })
  return [...(provenance ? [provenance] : []), ...(request.sbom ? [['type=sbom', ...fieldsOf(request.sbom)]] : []), ...lines].map(
    encodeFields
  )
}

/** Whether an attestation input asks for one: given, and not a switch turned off. */
export function asksForAttestation(value: string | undefined): boolean {
  return !!value && !SWITCH_OFF.test(value)
}
