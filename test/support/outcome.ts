import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageReport } from '../../src/core/finding.ts';
import type { GateOutcome } from '../../src/pipeline.ts';
import { judge } from './judge.ts';

/** A GateOutcome as runGate returns it, for forwarders, with each report written to disk. */
export function outcomeFor(images: ImageReport[], reportTexts?: string[]): GateOutcome & { outputDir: string } {
  const outputDir = mkdtempSync(path.join(tmpdir(), 'vg-out-'));
  images.forEach((image, i) => {
    image.reportPath = path.join(outputDir, `report-${i}.json`);
    writeFileSync(image.reportPath, reportTexts?.[i] ?? JSON.stringify({ SchemaVersion: 2, ArtifactName: `tar_images/${i}.tar`, Results: [] }));
  });
  const { results, findings } = judge(images, { severity: 'HIGH', ignoreUnfixed: true });
  return {
    outputDir,
    results,
    findings,
    reports: images,
    exitCode: results.verdict === 'fail' ? 1 : 0,
    files: { results: '', summary: '', reportsDir: '', sarif: '', gitlab: '' },
    summaryMarkdown: '',
    sarifOmitted: { results: 0, runs: 0 },
  };
}
