import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/config.loader';
import {
  cpuCores,
  type Container,
  type K8sObject,
  kubectlKustomize,
  memoryBytes,
  podContainers,
  podSpec,
  renderKustomization,
} from './manifests';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'deploy', 'kubernetes');
const BENCH_PEAK_RSS = 230 * 2 ** 20; // bench/README.md, one process at full load

interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
type Mailover = Container & {
  env: EnvVar[];
  envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>;
  ports: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
};
interface Volume {
  name: string;
  emptyDir?: unknown;
  configMap?: { name: string };
}

const key = (o: K8sObject) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`;
const byKey = (objects: K8sObject[]) =>
  Object.fromEntries(objects.map((o) => [key(o), o])) as Record<string, K8sObject>;

/** The kubernetes-models class for an apiVersion and kind (its validate() holds the schema). */
function modelFor(object: K8sObject): { new (data: unknown): { validate(): void } } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(modelPath(object)) as Record<string, never>)[object.kind];
}

describe('deploy/kubernetes', () => {
  const rendered = renderKustomization(DIR);
  const kubectl = kubectlKustomize(DIR);
  // With a kubectl on the machine its rendering is the one checked; this repository's renderer
  // (for machines without one) must then agree with it.
  const objects = kubectl ?? rendered;
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const mailover = (d: K8sObject) =>
    podContainers(d).find((c) => c.name === 'mailover') as Mailover;
  const envOf = (d: K8sObject) => Object.fromEntries(mailover(d).env.map((e) => [e.name, e.value]));
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as K8sObject & {
    data: Record<string, string>;
  };

  it('renders the same objects with kubectl kustomize as with the fallback renderer', () => {
    expect(rendered.map(key).sort()).toEqual(
      [
        'apps/v1 Deployment mailover-api',
        'apps/v1 Deployment mailover-worker',
        'autoscaling/v2 HorizontalPodAutoscaler mailover-api',
        'policy/v1 PodDisruptionBudget mailover-api',
        'policy/v1 PodDisruptionBudget mailover-worker',
        'v1 ConfigMap mailover-config',
        'v1 Service mailover',
      ].sort(),
    );
    if (kubectl) expect(byKey(rendered)).toEqual(byKey(kubectl));
  });

  it('validates every object against the Kubernetes schemas (kubernetes-models)', () => {
    for (const object of objects) {
      const Model = modelFor(object);
      expect(Model).toBeDefined();
      expect(() => new Model(object).validate()).not.toThrow();
    }
    // The schemas catch wrong types, not unknown fields: shown here on a broken copy.
    const broken = structuredClone(deployments[0]);
    (podSpec(broken)!.containers as Array<{ ports: unknown[] }>)[0].ports = [
      { containerPort: 'http' },
    ];
    expect(() => new (modelFor(broken))(broken).validate()).toThrow(/must be integer/);
  });

  it('has no field the Kubernetes types do not know (typos such as readOnlyRootFileSystem)', () => {
    // Object literals typed with kubernetes-models' interfaces: TypeScript's excess-property
    // check rejects any unknown field, at any depth.
    const dir = mkdtempSync(join(tmpdir(), 'mailover-k8s-'));
    try {
      const source = (list: K8sObject[]) =>
        list
          .map((o, i) => {
            const module = require.resolve(modelPath(o)).replace(/\.js$/, '');
            return `import type { I${o.kind} as T${i} } from ${JSON.stringify(module)};\nexport const o${i}: T${i} = ${JSON.stringify(o)};\n`;
          })
          .join('');
      const check = (list: K8sObject[]) => {
        const file = join(dir, `check-${list.length}.ts`);
        writeFileSync(file, source(list));
        const program = ts.createProgram([file], {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        });
        return ts
          .getPreEmitDiagnostics(program)
          .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      };
      const typo = structuredClone(deployments[0]);
      const sc = (podSpec(typo)!.containers as Mailover[])[0].securityContext as Record<
        string,
        unknown
      >;
      sc.readOnlyRootFileSystem = sc.readOnlyRootFilesystem;
      delete sc.readOnlyRootFilesystem;
      const [manifests, withTypo] = [check(objects), check([...objects, typo])];
      expect(manifests).toEqual([]);
      expect(withTypo.join('\n')).toMatch(/readOnlyRootFileSystem\W{0,3} does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the api role and the worker role, from the one image the kustomization names', () => {
    expect(deployments.map((d) => envOf(d).MAILOVER_ROLE).sort()).toEqual(['api', 'worker']);
    for (const d of deployments) expect(mailover(d).image).toMatch(/^mailover:\d+\.\d+\.\d+$/);
  });

  it('probes liveness on /health/live, readiness on /health/ready, with a startup probe', () => {
    for (const d of deployments) {
      const c = mailover(d);
      const port = (p?: Probe) =>
        c.ports.find((x) => x.name === p?.httpGet?.port || x.containerPort === p?.httpGet?.port)
          ?.containerPort;
      expect(c.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(c.readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(c.startupProbe?.httpGet?.path).toMatch(/^\/health\/(live|ready)$/);
      for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe])
        expect(port(p)).toBe(3000);
    }
  });

  it('runs as non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    for (const d of deployments) {
      const pod = podSpec(d)! as {
        securityContext: Record<string, unknown>;
        automountServiceAccountToken?: boolean;
      };
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of podContainers(d) as Mailover[]) {
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
        expect(c.securityContext.capabilities?.drop).toContain('ALL');
      }
    }
  });

  it('writes only to emptyDir volumes at /tmp and the data directory', () => {
    for (const d of deployments) {
      const c = mailover(d);
      const volumes = podSpec(d)!.volumes as Volume[];
      const writable = c.volumeMounts.filter((m) => !m.readOnly);
      expect(writable.map((m) => m.mountPath).sort()).toEqual(
        ['/tmp', envOf(d).MAILOVER_DATA_DIR].sort(),
      );
      for (const m of writable)
        expect(volumes.find((v) => v.name === m.name)?.emptyDir).toBeDefined();
    }
  });

  it('mounts the ConfigMap overlay where MAILOVER_CONFIG points, and it loads as a valid configuration', () => {
    const [file, overlay] = Object.entries(configMap.data)[0];
    for (const d of deployments) {
      const c = mailover(d);
      const volume = (podSpec(d)!.volumes as Volume[]).find(
        (v) => v.configMap?.name === configMap.metadata.name,
      )!;
      const mount = c.volumeMounts.find((m) => m.name === volume.name)!;
      expect(envOf(d).MAILOVER_CONFIG).toBe(`${mount.mountPath}/${file}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'mailover-k8s-'));
    try {
      writeFileSync(join(dir, file), overlay);
      const config = loadConfig({
        MAILOVER_CONFIG: join(dir, file),
        MAILOVER_DATA_DIR: dir,
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://mailover@127.0.0.1:5432/mailover',
        REDIS_URL: 'redis://127.0.0.1:6379',
        MAILOVER_KEY_ID: 'app',
        MAILOVER_KEY_SECRET: 'k'.repeat(64),
      });
      expect(config.store.driver).toBe('postgres');
      expect(config.rateLimit.storage).toBe('redis');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes every credential from a Secret the operator creates, never from a literal', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const credential = /secret|password|passwd|token|apikey|api_key|accesskey|_url$|url$/i;
    for (const d of deployments) {
      const c = mailover(d);
      expect(c.envFrom).toContainEqual({ secretRef: { name: 'mailover-secrets' } });
      for (const e of c.env) if (credential.test(e.name)) expect(e.value).toBeUndefined();
    }
    // In the overlay, every credential-like setting is a ${NAME} from the environment.
    const literals: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
      else if (credential.test(path.split('.').pop()!) && !/^\$\{[A-Z0-9_]+\}$/.test(String(value)))
        literals.push(path);
    };
    for (const overlay of Object.values(configMap.data)) walk(parseYaml(overlay), '');
    expect(literals).toEqual([]);
  });

  it('gives a stopping pod longer than server.shutdownGraceMs plus its preStop pause', () => {
    const overlay = parseYaml(Object.values(configMap.data)[0]) as {
      server?: { shutdownGraceMs?: number };
    };
    const defaults = parseYaml(readFileSync(join(ROOT, 'config', 'default.yaml'), 'utf8')) as {
      server: { shutdownGraceMs: number };
    };
    const graceMs = overlay.server?.shutdownGraceMs ?? defaults.server.shutdownGraceMs;
    for (const d of deployments) {
      const preStop = mailover(d).lifecycle?.preStop?.exec?.command ?? [];
      const pauseMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      expect((podSpec(d)!.terminationGracePeriodSeconds as number) * 1000).toBeGreaterThan(
        graceMs + pauseMs,
      );
    }
  });

  it('requests and limits resources sized from the benchmarks', () => {
    for (const d of deployments) {
      const { requests, limits } = mailover(d).resources;
      expect(Object.keys(requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      // The peak RSS under load fits under the limit, and V8's heap cap sits below it.
      expect(memoryBytes(limits!.memory)).toBeGreaterThan(BENCH_PEAK_RSS);
      expect(memoryBytes(requests!.memory)).toBeLessThanOrEqual(memoryBytes(limits!.memory));
      expect(cpuCores(requests!.cpu)).toBeLessThanOrEqual(cpuCores(limits!.cpu));
      const heapMb = Number(/--max-old-space-size=(\d+)/.exec(envOf(d).NODE_OPTIONS ?? '')?.[1]);
      expect(heapMb * 2 ** 20).toBeLessThan(memoryBytes(limits!.memory));
    }
  });

  it('points the Service, the PodDisruptionBudgets and the autoscaler at real pods', () => {
    const podLabels = (d: K8sObject) =>
      (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
        .labels;
    const matches = (selector: Record<string, string>, d: K8sObject) =>
      Object.entries(selector).every(([k, v]) => podLabels(d)[k] === v);
    const api = deployments.find((d) => envOf(d).MAILOVER_ROLE === 'api')!;

    const service = objects.find((o) => o.kind === 'Service')!;
    const svc = service.spec as {
      selector: Record<string, string>;
      ports: Array<{ targetPort: string }>;
    };
    expect(deployments.filter((d) => matches(svc.selector, d))).toEqual([api]);
    expect(mailover(api).ports.map((p) => p.name)).toContain(svc.ports[0].targetPort);

    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const d of deployments) {
      const covering = pdbs.filter((p) =>
        matches(
          (p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          d,
        ),
      );
      expect(covering).toHaveLength(1);
    }

    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    const hpaSpec = hpa.spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      maxReplicas: number;
    };
    expect(hpaSpec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: api.metadata.name });
    expect(hpaSpec.minReplicas).toBeGreaterThanOrEqual(2);
    // The autoscaler owns the API's replica count: a fixed one would fight it on every apply.
    expect((api.spec as { replicas?: number }).replicas).toBeUndefined();
  });
});

function modelPath(object: K8sObject): string {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : [undefined, object.apiVersion];
  return ['kubernetes-models', group, version, object.kind].filter(Boolean).join('/');
}
