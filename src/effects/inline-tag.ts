import * as core from '@actions/core'
import type { Plan } from '../core/plan.js'
import type { Env } from '../core/context.js'
import { copyTag } from './registry-client.js'
import { decodeSpec } from '../core/spec.js'
import { TOOLS } from '../tools/index.js'
import type { BuildOptions } from '../tools/tool.js'

/**
 * The image envd pushed: the first tag with `push`, else the `name` of an output
 * `type=image,…,push=true` (envd writes one image name).
 */
export function pushedImage(request: Pick<BuildOptions, 'push' | 'tags' | 'outputs'>): string | undefined {
  if (request.push && request.tags.length) return request.tags[0]
  for (const output of request.outputs) {
    const attributes = Object.fromEntries(decodeSpec(output))
    if ((attributes.type ?? 'image') === 'image' && /^(1|t|true)$/i.test(attributes.push ?? '') && attributes.name)
      return attributes.name.split(',')[0]
  }
  return undefined
}

/**
 * Inline cache with envd: the cache travels in the pushed image's config, but envd takes one
 * image name, so the scope's cache tag (what later runs probe and import) cannot be a second
 * name of the build as it is with buildx. After the push, the action tags the image's manifest
 * as the cache tag itself. Never fails the build: a warning says what went wrong.
 */
export async function tagInlineCache(p: Plan, env: Env): Promise<void> {
  if (!TOOLS[p.tool].traits.pushesOneName || !p.cacheExport || !p.extraTags.length) return
  const image = pushedImage(p.request)
  if (!image) {
    core.warning(
      'inline cache with envd travels in the pushed image: push it (push: true, or outputs: type=image,name=<ref>,push=true), or later ' +
        'runs find no cache.'
    )
    return
  }
  for (const tag of p.extraTags) {
    const result = await copyTag(image, tag, env)
    if (result.ok) core.info(`inline cache: ${image} tagged as ${tag}`)
    else core.warning(`inline cache: could not tag ${image} as ${tag} (${result.reason}); later runs will not find this scope's cache.`)
  }
}
