export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Case-insensitive; undefined when the text is not a severity. */
export function parseSeverity(text: unknown): Severity | undefined {
  if (typeof text !== 'string') return undefined;
  const upper = text.trim().toUpperCase();
  return (SEVERITIES as readonly string[]).includes(upper) ? (upper as Severity) : undefined;
}

/** Most severe first, for tables people read top-down. */
export function compareSeverityDesc(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}
