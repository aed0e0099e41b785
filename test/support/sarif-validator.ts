import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.ts';

export interface SarifProblem {
  level: string;
  rule: string;
  file: string;
  message: string;
}

/**
 * Microsoft's SARIF validator (the native Sarif.Multitool from @microsoft/sarif-multitool-linux), with the SARIF and
 * GitHub Advanced Security rule sets. It exits 0 even when it finds problems, so its output log is read.
 * Quirk: its `--log` list option rejects a single value; two values parse.
 */
export function validateSarif(files: string[]): SarifProblem[] {
  const tool = path.join(ROOT, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
  const output = path.join(mkdtempSync(path.join(tmpdir(), 'vg-sarif-')), 'validation.sarif');
  const run = spawnSync(
    tool,
    ['validate', '--rule-kind', 'Sarif;Ghas', '--output', output, '--log', 'ForceOverwrite;PrettyPrint', ...files],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
    },
  );
  if (run.status !== 0) throw new Error(`Sarif.Multitool failed (${run.status}): ${run.stdout}${run.stderr}`);
  const log = JSON.parse(readFileSync(output, 'utf8')) as {
    runs: {
      results?: {
        level?: string;
        ruleId: string;
        message: { text?: string; arguments?: string[] };
        locations?: { physicalLocation?: { artifactLocation?: { uri?: string } } }[];
      }[];
    }[];
  };
  return log.runs.flatMap((r) =>
    (r.results ?? []).map((res) => ({
      level: res.level ?? 'warning',
      rule: res.ruleId,
      file: res.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '',
      message: res.message.text ?? (res.message.arguments ?? []).join(' | '),
    })),
  );
}
