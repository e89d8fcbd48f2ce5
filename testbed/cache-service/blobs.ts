// Where the bytes live. v2 entries: block blobs in an Azure Blob Storage container (Azurite in
// the test bed), handed to clients as SAS-signed URLs, as GitHub's v2 service does. v1
// entries: files in a temporary directory, served by this process.
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BlobSASPermissions, ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob'

// Azurite's documented development account and key (public, identical in every Azurite).
export const AZURITE_ACCOUNT = 'devstoreaccount1'
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

export class BlobStore {
  private readonly credential: StorageSharedKeyCredential
  private readonly container: ContainerClient
  private ready?: Promise<void>

  /** blobUrl: the account URL, path-style, e.g. http://127.0.0.1:10000/devstoreaccount1 */
  constructor(
    blobUrl: string,
    readonly containerName: string,
    accountKey = AZURITE_KEY
  ) {
    const account = new URL(blobUrl).pathname.split('/').filter(Boolean)[0] ?? AZURITE_ACCOUNT
    this.credential = new StorageSharedKeyCredential(account, accountKey)
    this.container = new ContainerClient(`${blobUrl.replace(/\/+$/, '')}/${containerName}`, this.credential, {
      retryOptions: { maxTries: 2, retryDelayInMs: 200 }
    })
  }

  /** Creates the container once; a failure is forgotten so the next call tries again. */
  ensureContainer(): Promise<void> {
    this.ready ??= this.container.createIfNotExists().then(
      () => undefined,
      err => {
        this.ready = undefined
        throw err
      }
    )
    return this.ready
  }

  /** A SAS URL for one blob: 'upload' may create and write it, 'download' may read it. */
  signedUrl(blob: string, use: 'upload' | 'download', ttlSeconds: number): string {
    const now = Date.now()
    const sas = generateBlobSASQueryParameters(
      {
        containerName: this.containerName,
        blobName: blob,
        permissions: BlobSASPermissions.parse(use === 'upload' ? 'cw' : 'r'),
        startsOn: new Date(now - 5 * 60_000),
        expiresOn: new Date(now + ttlSeconds * 1000)
      },
      this.credential
    )
    return `${this.container.getBlockBlobClient(blob).url}?${sas.toString()}`
  }

  /** The blob's size, or undefined when it does not exist (e.g. an upload never committed). */
  async size(blob: string): Promise<number | undefined> {
    try {
      return (await this.container.getBlockBlobClient(blob).getProperties()).contentLength
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined
      throw err
    }
  }

  async delete(blob: string): Promise<void> {
    await this.container.getBlockBlobClient(blob).deleteIfExists()
  }
}

/** v1 archives: one sparse file per entry, written at the offsets of each PATCH. */
export class FileStore {
  private constructor(readonly dir: string) {}

  static async create(): Promise<FileStore> {
    return new FileStore(await mkdtemp(path.join(tmpdir(), 'cache-service-v1-')))
  }

  pathOf(id: number): string {
    return path.join(this.dir, `${id}.bin`)
  }

  /** Creates the (empty) file of a new reservation, so that parallel chunks never truncate it. */
  async create(id: number): Promise<string> {
    const file = this.pathOf(id)
    await (await open(file, 'w')).close()
    return file
  }

  async writeAt(file: string, offset: number, data: Buffer): Promise<void> {
    const fh = await open(file, 'r+')
    try {
      await fh.write(data, 0, data.length, offset)
    } finally {
      await fh.close()
    }
  }

  async size(file: string): Promise<number> {
    return (await stat(file).catch(() => ({ size: 0 }))).size
  }

  async delete(file: string): Promise<void> {
    await rm(file, { force: true })
  }

  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true })
  }
}
