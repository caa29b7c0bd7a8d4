/** A Prometheus text exposition, read for assertions. */
export interface PrometheusText {
  /** One entry per sample line: `name{labels}` (exactly as written) → value (`'1'`, `'0.25'`, `'+Inf'`, `'NaN'`). */
  readonly samples: Map<string, string>;
  /** `# TYPE` lines: metric name → `counter`, `gauge`, `histogram`, … */
  readonly types: Map<string, string>;
}

/**
 * Reads the text a prom-client `Registry` (or a `/metrics` endpoint) answers: samples and declared types.
 *
 * @example
 * const { samples, types } = parsePrometheusText(await registry.metrics());
 * expect(samples.get('auth_tokens_issued_total{grant_type="password"}')).toBe('1');
 */
export function parsePrometheusText(text: string): PrometheusText {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const samples = new Map(
    lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)]),
  );
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]));
  return { samples, types };
}
