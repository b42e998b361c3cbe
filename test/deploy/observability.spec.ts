import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { MetricsService } from '../../src/metrics/metrics.service';

const ROOT = join(__dirname, '..', '..');

/**
 * Mailover's metrics and their labels: those MetricsService has, and those issue 12 adds under
 * exactly these names. The dashboard and the alert rules may use nothing else (but the
 * process metrics prom-client collects under the same prefix).
 */
const METRICS: Record<string, { labels: string[]; histogram?: true; existing?: true }> = {
  mailover_emails_accepted_total: { labels: ['status'], existing: true },
  mailover_rounds_total: { labels: ['result'], existing: true },
  mailover_provider_attempts_total: { labels: ['provider', 'outcome'], existing: true },
  mailover_provider_send_seconds: {
    labels: ['provider', 'outcome'],
    histogram: true,
    existing: true,
  },
  mailover_outbox_in_flight: { labels: [], existing: true },
  mailover_provider_circuit_state: { labels: ['provider'], existing: true },
  mailover_queue_emails: { labels: ['status'] },
  mailover_queue_oldest_due_seconds: { labels: [] },
  mailover_http_requests_total: { labels: ['method', 'route', 'status'] },
  mailover_http_request_duration_seconds: {
    labels: ['method', 'route', 'status'],
    histogram: true,
  },
  mailover_failovers_total: { labels: ['provider'] },
  mailover_breaker_transitions_total: { labels: ['provider', 'state'] },
  mailover_leases_recovered_total: { labels: [] },
  mailover_webhook_deliveries_total: { labels: ['outcome'] },
};
/** Labels Prometheus attaches to every scraped series (targets, Kubernetes discovery). */
const TARGET_LABELS = ['job', 'instance', 'pod', 'namespace'];

/** Every series name a query may select, with its labels. */
async function knownSeries(): Promise<Map<string, string[]>> {
  const known = new Map<string, string[]>();
  const add = (name: string, labels: string[], histogram: boolean) => {
    known.set(name, labels);
    if (histogram) {
      known.set(`${name}_bucket`, [...labels, 'le']);
      known.set(`${name}_sum`, labels);
      known.set(`${name}_count`, labels);
    }
  };
  for (const [name, m] of Object.entries(METRICS)) add(name, m.labels, !!m.histogram);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mailover_' });
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = [...new Set(m.values.flatMap((v) => Object.keys(v.labels)))];
    add(m.name, labels, String(m.type) === 'histogram');
  }
  return known;
}

interface Use {
  metric: string;
  labels: string[];
}

/** Parses one PromQL expression (Grafana's variables replaced); throws on a syntax error. */
function selectors(expr: string): { uses: Use[]; grouping: string[] } {
  const query = expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?(\w+)\}?/g, '$1');
  const tree = parser.parse(query);
  const uses: Use[] = [];
  const grouping: string[] = [];
  const text = (from: number, to: number) => query.slice(from, to);
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${expr}`);
    if (cursor.name === 'VectorSelector') {
      const node = cursor.node;
      const id = node.getChild('Identifier');
      const labels = (node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [])
        .map((m) => m.getChild('LabelName')!)
        .map((l) => text(l.from, l.to));
      uses.push({ metric: id ? text(id.from, id.to) : '', labels });
    }
    if (cursor.name === 'GroupingLabels') {
      for (const l of cursor.node.getChildren('LabelName')) grouping.push(text(l.from, l.to));
    }
  } while (cursor.next());
  return { uses, grouping };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { uid: string };
  targets?: Array<{ refId: string; expr: string }>;
}

describe('the Grafana dashboard and the Prometheus alert rules', () => {
  let known: Map<string, string[]>;
  const dashboard = JSON.parse(
    readFileSync(join(ROOT, 'deploy', 'grafana', 'mailover.json'), 'utf8'),
  ) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: Array<{ name: string; query: unknown; definition?: string }> };
  };
  const rules = parseYaml(
    readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8'),
  ) as {
    groups: Array<{
      name: string;
      rules: Array<{
        alert?: string;
        expr: string;
        for?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      }>;
    }>;
  };
  const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variableExprs = dashboard.templating.list
    .filter((v) => v.definition)
    .map((v) => /label_values\((\w+)/.exec(v.definition!)![1]);
  const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));

  beforeAll(async () => {
    known = await knownSeries();
  });

  it('the existing metrics are named and labelled as MetricsService registers them', async () => {
    const registry = new MetricsService().registry;
    const registered = new Map(
      (await registry.getMetricsAsJSON()).map((m) => [m.name, m] as const),
    );
    for (const [name, m] of Object.entries(METRICS).filter(([, m]) => m.existing)) {
      const metric = registered.get(name) as unknown as
        { labelNames?: string[]; type: string } | undefined;
      expect(metric).toBeDefined();
      expect(metric!.type === 'histogram').toBe(!!m.histogram);
    }
    // labelNames are not in the JSON form: read them from the metric objects.
    for (const [name, m] of Object.entries(METRICS).filter(([, m]) => m.existing)) {
      const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[] };
      expect([...metric.labelNames].sort()).toEqual([...m.labels].sort());
    }
  });

  it('use only known metrics and their labels, in valid PromQL', () => {
    const problems: string[] = [];
    for (const expr of [...panelExprs, ...ruleExprs]) {
      const { uses, grouping } = selectors(expr);
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) {
        const labels = known.get(use.metric);
        if (!labels) problems.push(`unknown metric ${use.metric || '(none)'} in ${expr}`);
        for (const label of use.labels)
          if (labels && !labels.includes(label) && !TARGET_LABELS.includes(label))
            problems.push(`${use.metric} has no label ${label}`);
      }
      const available = uses.flatMap((u) => known.get(u.metric) ?? []);
      for (const label of grouping)
        if (!available.includes(label) && !TARGET_LABELS.includes(label))
          problems.push(
            `grouping by ${label}, which none of ${uses.map((u) => u.metric).join(', ')} has`,
          );
    }
    for (const metric of variableExprs)
      if (!known.has(metric)) problems.push(`variable uses ${metric}`);
    expect(problems).toEqual([]);
  });

  it('the syntax check catches a broken expression and an unknown metric', () => {
    expect(() => selectors('sum(rate(mailover_rounds_total[5m])')).toThrow(/syntax error/);
    expect(selectors('mailover_no_such_metric{provider="x"}').uses).toEqual([
      { metric: 'mailover_no_such_metric', labels: ['provider'] },
    ]);
  });

  it('the dashboard shows every Mailover metric, each panel on the Prometheus data source variable', () => {
    const used = new Set(panelExprs.flatMap((e) => selectors(e).uses.map((u) => u.metric)));
    const shown = (name: string) =>
      used.has(name) || used.has(`${name}_bucket`) || used.has(`${name}_count`);
    expect(Object.keys(METRICS).filter((m) => !shown(m))).toEqual([]);
    expect(dashboard).toMatchObject({ uid: 'mailover', title: 'Mailover' });
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('alert on the oldest due email, open breakers, provider failure rate and the 5xx rate', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    const on = (metric: string) =>
      alerts.filter((a) => selectors(a.expr).uses.some((u) => u.metric === metric));
    expect(on('mailover_queue_oldest_due_seconds').length).toBeGreaterThan(0);
    expect(on('mailover_provider_circuit_state').length).toBeGreaterThan(0);
    expect(on('mailover_provider_attempts_total').length).toBeGreaterThan(0);
    expect(on('mailover_http_requests_total').some((a) => /status=~"5\.\."/.test(a.expr))).toBe(
      true,
    );
    for (const a of alerts) {
      expect(a.alert).toMatch(/^Mailover[A-Z]\w+$/);
      expect(['info', 'warning', 'critical']).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toBeTruthy();
      if (a.for !== undefined) expect(a.for).toMatch(/^\d+[smh]$/);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });
});
