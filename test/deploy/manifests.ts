import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

interface Kustomization {
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  [k: string]: unknown;
}

/** Every YAML document in a file (comments and empty documents dropped). */
export function readDocuments(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/**
 * Renders the kustomization the way `kubectl kustomize` does, for the two fields it uses:
 * `resources` (plain files) and `images` (newName/newTag on containers). Any other field is
 * refused, so a kustomization that outgrows this renderer fails loudly rather than silently.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unsupported = Object.keys(k).filter(
    (f) => !['apiVersion', 'kind', 'resources', 'images'].includes(f),
  );
  if (unsupported.length)
    throw new Error(`renderKustomization: unsupported fields ${unsupported.join(', ')}`);
  const objects = (k.resources ?? []).flatMap((file) => readDocuments(join(dir, file)));
  for (const object of objects) {
    for (const container of podContainers(object)) {
      const [name, tag] = splitImage(container.image);
      const rule = k.images?.find((i) => i.name === name);
      if (rule)
        container.image = `${rule.newName ?? name}${rule.newTag ? `:${rule.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }
  return objects;
}

/** `kubectl kustomize DIR` when a kubectl is installed, else undefined. */
export function kubectlKustomize(dir: string): K8sObject[] | undefined {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export interface Container {
  name: string;
  image: string;
  [k: string]: unknown;
}

export function podSpec(object: K8sObject): Record<string, unknown> | undefined {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec;
}

export function podContainers(object: K8sObject): Container[] {
  const pod = podSpec(object);
  return pod
    ? [...((pod.initContainers as Container[]) ?? []), ...(pod.containers as Container[])]
    : [];
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/')
    ? [image.slice(0, at), image.slice(at + 1)]
    : [image, undefined];
}

/** Bytes of a Kubernetes memory quantity (Ki, Mi, Gi, k, M, G or none). */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** Cores of a Kubernetes CPU quantity ("2", "500m", 1.5). */
export function cpuCores(quantity: string | number): number {
  const text = String(quantity);
  return text.endsWith('m') ? Number(text.slice(0, -1)) / 1000 : Number(text);
}
