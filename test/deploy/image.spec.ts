import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.loader';

const ROOT = join(__dirname, '..', '..');
const exec = promisify(execFile);

/** The Dockerfile's instructions per stage, continuation lines joined. */
function dockerStages(): Array<{ from: string; name?: string; lines: string[] }> {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Array<{ from: string; name?: string; lines: string[] }> = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1], name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('the container image', () => {
  const stages = dockerStages();
  const runtime = stages.at(-1)!;
  const named = (name: string) => stages.find((s) => s.name === name)!;

  it('builds with dev dependencies, installs production ones without running the package scripts', () => {
    expect(named('build').lines).toEqual(
      expect.arrayContaining([expect.stringMatching(/^RUN npm ci\b/), 'RUN npm run build']),
    );
    const deps = named('deps').lines.join('\n');
    // --ignore-scripts: a `prepare` that builds would need TypeScript; only the native addon's
    // own install script runs after.
    expect(deps).toMatch(
      /npm ci --omit=dev [^\n]*--ignore-scripts[^\n]*&& npm rebuild better-sqlite3/,
    );
    expect(runtime.lines).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime.lines).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime.lines.filter((l) => /^RUN .*npm (ci|install)/.test(l))).toEqual([]);
  });

  it('runs node dist/main.js as a numeric non-root user, with /data as the volume, on port 3000', () => {
    const user = runtime.lines.find((l) => l.startsWith('USER '))!;
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    expect(runtime.lines).toContain('EXPOSE 3000');
    expect(runtime.lines).toContain('VOLUME ["/data"]');
    expect(runtime.lines.join('\n')).toMatch(/MAILOVER_DATA_DIR=\/data/);
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "dist/main.js"]');
    // The Kubernetes pods and the image agree on the user.
    for (const file of ['api.yaml', 'worker.yaml']) {
      const pod = parseYaml(readFileSync(join(ROOT, 'deploy', 'kubernetes', file), 'utf8')) as {
        spec: {
          template: { spec: { securityContext: { runAsUser: number; runAsGroup: number } } };
        };
      };
      const { runAsUser, runAsGroup } = pod.spec.template.spec.securityContext;
      expect(`USER ${runAsUser}:${runAsGroup}`).toBe(user);
    }
    // The service user owns /data and nothing else.
    const uid = user.slice(5).split(':')[0];
    expect(runtime.lines.filter((l) => l.includes('chown'))).toEqual([
      `RUN mkdir -p /data && chown ${uid}:${uid} /data && chmod 0700 /data`,
    ]);
  });

  it('sends the build context it needs and no local state', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const path of ['node_modules', 'dist', 'data', '.git', '.env'])
      expect(ignored).toContain(path);
    const copied = stages
      .flatMap((s) => s.lines)
      .filter((l) => /^COPY (?!--from)/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    for (const path of copied) {
      expect(ignored).not.toContain(path);
      expect(existsSync(join(ROOT, path))).toBe(true);
    }
  });

  it('runs its steps in a clean directory: production dependencies, non-root, read-only but the data volume (deploy/image-steps.sh)', async () => {
    const { stdout } = await exec('bash', [join(ROOT, 'deploy', 'image-steps.sh')], {
      maxBuffer: 16 * 2 ** 20,
    });
    expect(stdout).toMatch(/\/health\/ready: 200/);
    expect(stdout).toMatch(/email \w+: sent, .*\.eml written by uid 10001/);
    expect(stdout).toMatch(/image-steps: ok\n$/);
  }, 300_000);
});

describe('compose.yaml', () => {
  const compose = parseYaml(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>;
        depends_on?: Record<string, unknown>;
        read_only?: boolean;
        stop_grace_period?: string;
      }
    >;
  };

  it('runs an api and a worker on PostgreSQL and Redis, read-only, with credentials from the environment', () => {
    const { api, worker, postgres, redis } = compose.services;
    expect(postgres).toBeDefined();
    expect(redis).toBeDefined();
    expect(api.environment?.MAILOVER_ROLE).toBe('api');
    expect(worker.environment?.MAILOVER_ROLE).toBe('worker');
    for (const service of [api, worker]) {
      expect(service.read_only).toBe(true);
      expect(Number(/^(\d+)s$/.exec(service.stop_grace_period!)?.[1]) * 1000).toBeGreaterThan(
        10_000,
      );
      expect(Object.keys(service.depends_on!).sort()).toEqual(['postgres', 'redis']);
      const env = service.environment!;
      expect(env.NODE_ENV).toBe('production');
      // Secrets are required from the shell (${NAME:?...}), never written down.
      expect(env.MAILOVER_KEY_SECRET).toMatch(/^\$\{MAILOVER_KEY_SECRET:\?/);
      expect(env.DATABASE_URL).toMatch(/\$\{POSTGRES_PASSWORD:\?/);
    }
  });

  it('its config overlay loads as a valid production configuration on PostgreSQL and Redis', () => {
    const env = compose.services.api.environment!;
    const dir = mkdtempSync(join(tmpdir(), 'mailover-compose-'));
    try {
      const config = loadConfig({
        MAILOVER_CONFIG: join(ROOT, env.MAILOVER_CONFIG),
        MAILOVER_DATA_DIR: dir,
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://mailover:pw@127.0.0.1:5432/mailover',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MAILOVER_KEY_SECRET: 's'.repeat(64),
      });
      expect(config.store).toMatchObject({
        driver: 'postgres',
        postgresUrl: 'postgres://mailover:pw@127.0.0.1:5432/mailover',
      });
      expect(config.rateLimit).toMatchObject({
        storage: 'redis',
        redisUrl: 'redis://127.0.0.1:6379',
      });
      expect(config.auth.keys.map((k) => k.id)).toEqual(['app']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
