/**
 * Where a run's time goes, phase by phase: printed with `--timings` (input `timings`), else in the debug log.
 * Phases that overlap (the DB check and reading the image manifests) are one phase; scans run in parallel, so the
 * scans' phase is wall time, and the Trivy time summed over targets is given beside it.
 */
export class Timings {
  private readonly phases = new Map<string, number>();
  private readonly started: number;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.started = clock();
  }

  /** Runs the work and adds its wall time to the phase (a phase entered twice adds up). */
  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const start = this.clock();
    try {
      return await work();
    } finally {
      this.add(phase, this.clock() - start);
    }
  }

  add(phase: string, ms: number): void {
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms);
  }

  entries(): { phase: string; ms: number }[] {
    return [...this.phases].map(([phase, ms]) => ({ phase, ms }));
  }

  /** Since the run started: the whole, of which the phases are parts (the rest is start-up and glue). */
  total(): number {
    return this.clock() - this.started;
  }
}

/** A plain aligned table: phase, seconds, share of the whole. */
export function renderTimings(entries: { phase: string; ms: number }[], totalMs: number): string {
  const rows = [...entries, { phase: 'whole run', ms: totalMs }];
  const width = Math.max(...rows.map((r) => r.phase.length));
  const lines = rows.map((r) => {
    const share = totalMs > 0 ? `${Math.round((r.ms / totalMs) * 100)}%`.padStart(5) : '';
    return `  ${r.phase.padEnd(width)}  ${(r.ms / 1000).toFixed(3).padStart(8)} s ${share}`;
  });
  return ['Timings:', ...lines].join('\n');
}
