import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageReport } from '../../src/core/finding.ts';
import type { GateResults } from '../../src/core/results.ts';
import { judge } from './judge.ts';

/** What the receivers take from a run: its results and the reports, each written to disk. */
export function outcomeFor(
  images: ImageReport[],
  reportTexts?: string[],
): { results: GateResults; reports: ImageReport[]; outputDir: string } {
  const outputDir = mkdtempSync(path.join(tmpdir(), 'vg-out-'));
  images.forEach((image, i) => {
    image.reportPath = path.join(outputDir, `report-${i}.json`);
    writeFileSync(
      image.reportPath,
      reportTexts?.[i] ?? JSON.stringify({ SchemaVersion: 2, ArtifactName: `tar_images/${i}.tar`, Results: [] }),
    );
  });
  const { results } = judge(images, { severity: 'HIGH', ignoreUnfixed: true });
  return { outputDir, results, reports: images };
}
