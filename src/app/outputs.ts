import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resultsDocumentChunks } from '../core/results-document.js';
import { OUTPUT_FILES, type GateResults } from '../core/results.js';
import { gitlabReportChunks, hasGitlabTargets } from '../render/gitlab.js';
import { writeChunks } from './stream-file.js';
import { writeSarifFile } from './sarif-writer.js';
import { renderOpenVex } from '../render/openvex.js';
import { renderSummary } from '../render/summary.js';

export interface GateFiles {
  results: string;
  summary: string;
  reportsDir: string;
  sarif: string;
  gitlab: string;
  gitlabDependencies: string;
  sbomDir: string;
  openVex: string;
}

export function outputFiles(outputDir: string): GateFiles {
  return {
    results: path.join(outputDir, OUTPUT_FILES.results),
    summary: path.join(outputDir, OUTPUT_FILES.summary),
    reportsDir: path.join(outputDir, OUTPUT_FILES.reportsDir),
    sarif: path.join(outputDir, OUTPUT_FILES.sarif),
    gitlab: path.join(outputDir, OUTPUT_FILES.gitlab),
    gitlabDependencies: path.join(outputDir, OUTPUT_FILES.gitlabDependencies),
    sbomDir: path.join(outputDir, OUTPUT_FILES.sbomDir),
    openVex: path.join(outputDir, OUTPUT_FILES.openVex),
  };
}

export interface OutputsArgs {
  results: GateResults;
  files: Omit<GateFiles, 'reportsDir' | 'sbomDir'>;
  sarif: { include: 'all' | 'blocking'; dockerfile?: { path: string; fromLine: number } };
  failOnFindings: boolean;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The record travels in the audit artifact with its output directory: reports and SBOMs are named from there
 * (`reports/001-api.json`), not by the runner's absolute paths.
 */
export function withRecordPaths(results: GateResults, outputDir: string): GateResults {
  const fromOutput = (file: string) => path.relative(outputDir, file).split(path.sep).join('/');
  return {
    ...results,
    images: results.images.map((i) => ({
      ...i,
      report: fromOutput(i.report),
      ...(i.sbom ? { sbom: fromOutput(i.sbom) } : {}),
    })),
  };
}

/**
 * The audit record, SARIF, GitLab report and summary, rendered and written one at a time, each dropped once
 * written: with 100k findings they are hundreds of MB. The audit record is indented for people; the machine-read
 * reports are compact.
 */
export async function writeOutputs(args: OutputsArgs) {
  const { results, files } = args;
  await writeChunks(files.results, resultsDocumentChunks(withRecordPaths(results, path.dirname(files.results))));
  const sarifOmitted = await writeSarifFile(files.sarif, { results, ...args.sarif });
  // The profile's exceptions as VEX, for whoever consumes the images next.
  await writeFile(files.openVex, `${JSON.stringify(renderOpenVex(results), null, 2)}\n`);
  const times = { startedAt: args.startedAt, finishedAt: args.finishedAt };
  // The container report is always written (GitLab jobs declare it); the dependency report when code was scanned.
  await writeChunks(files.gitlab, gitlabReportChunks({ results, ...times, type: 'container_scanning' }));
  if (hasGitlabTargets(results, 'dependency_scanning')) {
    await writeChunks(files.gitlabDependencies, gitlabReportChunks({ results, ...times, type: 'dependency_scanning' }));
  }

  const notes: string[] = [];
  if (results.verdict === 'fail' && !args.failOnFindings) {
    notes.push('fail-on-findings is off: this run reports the findings without failing.');
  }
  if (sarifOmitted.results > 0 || sarifOmitted.runs > 0) {
    const { results: left, runs } = sarifOmitted;
    notes.push(
      `GitHub's SARIF limits: ${left} finding(s) and ${runs} image(s) were left out of ${OUTPUT_FILES.sarif} ` +
        `(blocking findings kept first); all are in ${OUTPUT_FILES.results}.`,
    );
  }
  const summaryMarkdown = renderSummary({ results, notes });
  await writeFile(files.summary, summaryMarkdown);
  return { summaryMarkdown, sarifOmitted };
}
