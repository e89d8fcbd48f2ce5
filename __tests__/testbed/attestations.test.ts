// build-push-action's attestation and annotation inputs, run as the runner runs the action, read
// back from the bed's registry: the pushed index, its attestation manifests and their in-toto
// statements. The SBOM comes from a scanner built here (BuildKit's default one cannot be
// pulled): a busybox image that speaks BuildKit's SBOM generator protocol.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { type TestbedEnv, fixtureContext, testbedEnv, toolEnv } from '../../testbed/env.js'
import { INDEX, MANIFEST, buildConfigOf, builderIdOf, provenanceOf, pushed, registryGet, repositoryAndTag } from '../../testbed/registry.js'
import { cacheFigures, pushBuild, tempDir } from '../../testbed/scenario.js'

const run = promisify(execFile)
/** The run the harness's builds belong to (testbed/runner.ts sets GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT to 1). */
const BUILDER_ID = 'https://github.com/octo-org/octo-repo/actions/runs/1/attempts/1'

/**
 * An SBOM generator as BuildKit's protocol asks: it reads the build's root filesystem at
 * BUILDKIT_SCAN_SOURCE and writes one in-toto statement of an SPDX document per target to
 * BUILDKIT_SCAN_DESTINATION/<name>.spdx.json. This one lists the files it finds.
 */
async function buildScanner(bed: TestbedEnv, name: string, nonce: string): Promise<void> {
  const dir = tempDir('sbom-scanner-')
  copyFileSync(bed.busybox, path.join(dir, 'busybox'))
  writeFileSync(
    path.join(dir, 'scan.sh'),
    [
      'set -eu',
      'target=$(basename "$BUILDKIT_SCAN_SOURCE")',
      // Each file as an SPDX file entry, by its path in the image.
      'files=$(cd "$BUILDKIT_SCAN_SOURCE" && find . -type f | sort | ' +
        'awk \'{ printf "%s{\\"SPDXID\\": \\"SPDXRef-File-%d\\", \\"fileName\\": \\"%s\\"}", (NR > 1 ? ", " : ""), NR, $0 }\')',
      'cat > "$BUILDKIT_SCAN_DESTINATION/$target.spdx.json" <<EOF',
      '{"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document", "subject": [],',
      ' "predicate": {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "$target",',
      `  "documentNamespace": "https://scanner.example.com/${nonce}/$target",`,
      `  "creationInfo": {"created": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "creators": ["Tool: bed-scanner-${nonce}"]},`,
      '  "packages": [], "files": [$files]}}',
      'EOF',
      ''
    ].join('\n')
  )
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'RUN ["/bin/busybox","--install","-s","/bin"]',
      'COPY scan.sh /scan.sh',
      'ENTRYPOINT ["/bin/sh", "/scan.sh"]',
      ''
    ].join('\n')
  )
  await run(
    'docker',
    ['buildx', 'build', '--builder', bed.remoteBuilder, '--provenance', 'false', '--output', `type=image,name=${name},push=true`, dir],
    { env: toolEnv(bed) }
  )
}

describe('attestations and annotations of a pushed image, read back from the registry', () => {
  let bed: TestbedEnv
  const nonce = randomBytes(4).toString('hex')
  const image = (name: string) => `${bed.registry}/attest${nonce}/${name}:latest`
  let inputs: (name: string) => Record<string, string>

  beforeAll(() => {
    bed = testbedEnv()
    // The bed's remote builder, as docker/setup-buildx-action's builder would be.
    inputs = name => ({
      context: fixtureContext([`echo deps-${nonce}-${name} > /deps`, `echo app-${nonce}-${name} > /app`], bed),
      tags: image(name),
      push: 'true',
      builder: bed.remoteBuilder,
      'cache-backend': 'registry'
    })
  })

  it('provenance: mode=max: an SLSA provenance of the image, naming this workflow run as its builder', async () => {
    const result = await pushBuild('main', { ...inputs('prov'), provenance: 'mode=max' })
    expect(cacheFigures(result)).toMatchObject({ exitCode: 0, exported: 'true' })
    expect(result.outputs.command).toContain(`--attest type=provenance,mode=max,builder-id=${BUILDER_ID}`)
    const p = await pushed(bed, image('prov'))
    const [provenance] = provenanceOf(p)
    expect(provenanceOf(p)).toHaveLength(1)
    expect(builderIdOf(provenance)).toBe(BUILDER_ID)
    // Its subject is the image.
    expect(buildConfigOf(provenance)).toBeDefined()
    expect(provenance.subject.map(s => `sha256:${s.digest.sha256}`)).toEqual(p.images.map(d => d.digest))
  })

  it('no provenance input: build-push-action’s default, mode=max for a public repository', async () => {
    const result = await pushBuild('main', inputs('default'))
    expect(result.main.exitCode).toBe(0)
    expect(result.outputs.command).toContain(`--attest type=provenance,mode=max,builder-id=${BUILDER_ID}`)
    const [provenance] = provenanceOf(await pushed(bed, image('default')))
    expect(builderIdOf(provenance)).toBe(BUILDER_ID)
    expect(buildConfigOf(provenance)).toBeDefined()
  })

  it('the default provenance on buildx’s docker driver (an engine with the containerd image store)', async () => {
    const { builder: _builder, ...onDefaultBuilder } = inputs('docker-driver')
    const result = await pushBuild('main', onDefaultBuilder)
    expect(result.main.exitCode).toBe(0)
    expect(result.outputs.command).not.toContain('--builder')
    const [provenance] = provenanceOf(await pushed(bed, image('docker-driver')))
    expect(builderIdOf(provenance)).toBe(BUILDER_ID)
  })

  it('annotations: index: on the index, manifest: on each platform’s manifest (multi-platform)', async () => {
    const result = await pushBuild('main', {
      ...inputs('annotated'),
      platforms: 'linux/amd64,linux/386',
      annotations: [
        `index:org.example.key=value ${nonce}, with a comma`,
        'manifest:org.opencontainers.image.description=one per platform = fine'
      ].join('\n')
    })
    expect(result.main.exitCode).toBe(0)
    const p = await pushed(bed, image('annotated'))
    expect(p.index.annotations?.['org.example.key']).toBe(`value ${nonce}, with a comma`)
    expect(p.images.map(d => `${d.platform?.os}/${d.platform?.architecture}`).sort()).toEqual(['linux/386', 'linux/amd64'])
    for (const d of p.images)
      expect(p.manifests.get(d.digest)?.annotations?.['org.opencontainers.image.description']).toBe('one per platform = fine')
    // Each platform's image has its own provenance (the default).
    expect(
      provenanceOf(p)
        .map(s => `sha256:${s.subject[0].digest.sha256}`)
        .sort()
    ).toEqual(p.images.map(d => d.digest).sort())
  })

  it('sbom: generator=<scanner>: the SPDX document the scanner wrote is attached to the image', async () => {
    const scanner = `${bed.registry}/attest${nonce}/scanner:1`
    await buildScanner(bed, scanner, nonce)
    const result = await pushBuild('main', { ...inputs('sbom'), sbom: `generator=${scanner}` })
    expect(result.main.exitCode).toBe(0)
    expect(result.outputs.command).toContain(`--attest type=sbom,generator=${scanner}`)
    const p = await pushed(bed, image('sbom'))
    const sboms = p.statements.filter(s => s.predicateType === 'https://spdx.dev/Document')
    expect(sboms).toHaveLength(1)
    expect(sboms[0].predicate.creationInfo.creators).toContain(`Tool: bed-scanner-${nonce}`)
    // It scanned the build's result: the files the Dockerfile wrote.
    expect(sboms[0].predicate.files.map((f: { fileName: string }) => f.fileName)).toEqual(
      expect.arrayContaining(['./app', './deps', './bin/busybox'])
    )
    expect(sboms[0].subject.map(s => `sha256:${s.digest.sha256}`)).toEqual(p.images.map(d => d.digest))
    // The default provenance stays beside it.
    expect(provenanceOf(p)).toHaveLength(1)
  })

  it('provenance: false and BUILDX_NO_DEFAULT_ATTESTATIONS: no provenance at all', async () => {
    const off = await pushBuild('main', { ...inputs('off'), provenance: 'false' })
    expect(off.main.exitCode).toBe(0)
    expect(off.outputs.command).toContain('--attest type=provenance,disabled=true')
    const env = await pushBuild('main', inputs('no-default'), { env: { BUILDX_NO_DEFAULT_ATTESTATIONS: '1' } })
    expect(env.main.exitCode).toBe(0)
    expect(env.outputs.command).not.toContain('--attest')
    for (const name of ['off', 'no-default']) {
      const [repository, tag] = repositoryAndTag(bed, image(name))
      const manifest = await registryGet(bed, repository, `manifests/${tag}`, [...INDEX, ...MANIFEST])
      // One image and no attestation: a manifest, not an index.
      expect([name, MANIFEST.includes(manifest.mediaType)]).toEqual([name, true])
    }
  })
})
