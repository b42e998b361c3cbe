/** What routing needs to know of a provider. */
export interface RouteCandidate {
  id: string;
  priority: number;
  weight: number;
  enabled: boolean;
}

/**
 * The order in which one email tries providers: by priority (lower first); among equal
 * priorities a weighted random order (Efraimidis-Spirakis), so traffic splits by weight.
 * Disabled providers are left out; `only` restricts the route to those ids.
 */
export function planRoute(
  candidates: RouteCandidate[],
  only: string[] | null,
  random: () => number = Math.random,
): string[] {
  const allowed = only ? new Set(only) : undefined;
  return candidates
    .filter((c) => c.enabled && (!allowed || allowed.has(c.id)))
    .map((c) => ({ c, key: Math.pow(random() || Number.MIN_VALUE, 1 / c.weight) }))
    .sort((a, b) => a.c.priority - b.c.priority || b.key - a.key)
    .map(({ c }) => c.id);
}
