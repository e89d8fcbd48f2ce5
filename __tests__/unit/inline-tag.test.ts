import { describe, expect, it } from '@jest/globals'
import { pushedImage } from '../../src/effects/inline-tag.js'

describe('the image envd pushes (inline cache with envd)', () => {
  it.each<[string, { push: boolean; tags: string[]; outputs: string[] }, string | undefined]>([
    ['push with a tag', { push: true, tags: ['ghcr.io/o/env:1'], outputs: [] }, 'ghcr.io/o/env:1'],
    [
      'an image output with push=true',
      { push: false, tags: ['ghcr.io/o/env:1'], outputs: ['type=image,name=ghcr.io/o/env:2,push=true'] },
      'ghcr.io/o/env:2'
    ],
    [
      'the first of several names',
      { push: false, tags: [], outputs: ['type=image,"name=ghcr.io/o/env:2,ghcr.io/o/env:3",push=true'] },
      'ghcr.io/o/env:2'
    ],
    ['an image output without push', { push: false, tags: [], outputs: ['type=image,name=ghcr.io/o/env:2'] }, undefined],
    ['an OCI tarball', { push: false, tags: ['ghcr.io/o/env:1'], outputs: ['type=oci,dest=/tmp/x.tar'] }, undefined],
    ['nothing pushed', { push: false, tags: ['ghcr.io/o/env:1'], outputs: [] }, undefined]
  ])('%s', (_, request, image) => {
    expect(pushedImage(request)).toBe(image)
  })
})
