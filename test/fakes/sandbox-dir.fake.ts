import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault, ProviderFake } from './fake-http-server';

/**
 * The sandbox's "server" is a directory. `down` puts a regular file where the outbox directory
 * should be, so every write fails (even as root).
 */
export class SandboxDirFake implements ProviderFake {
  readonly root = mkdtempSync(join(tmpdir(), 'mailover-sandbox-'));
  readonly directory = join(this.root, 'outbox');

  get receivedCount(): number {
    try {
      return this.files().length;
    } catch {
      return 0;
    }
  }

  inject(fault: Fault): void {
    if (fault.kind !== 'down') throw new Error(`the sandbox has no ${fault.kind} fault`);
    rmSync(this.directory, { recursive: true, force: true });
    writeFileSync(this.directory, 'not a directory');
  }

  heal(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }

  files(): string[] {
    return readdirSync(this.directory).filter((f) => f.endsWith('.eml'));
  }

  read(name: string): Buffer {
    return readFileSync(join(this.directory, name));
  }

  async stop(): Promise<void> {
    rmSync(this.root, { recursive: true, force: true });
  }
}
