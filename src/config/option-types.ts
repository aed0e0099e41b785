import { booleanValue, choiceValue, integerValue, listValue, severityValue, urlValue } from './values.js';
import type { Severity } from '../core/severity.js';

/** The CLI's commands; the action takes every option whose `input` is set. */
export type CliCommand = 'scan' | 'evaluate' | 'forward' | 'lint' | 'cluster';

export const JUDGE_COMMANDS: readonly CliCommand[] = ['scan', 'evaluate', 'cluster'];
/** Commands that run Trivy: `scan` on what it is given, `cluster` on what a cluster runs. */
export const SCAN_COMMANDS: readonly CliCommand[] = ['scan', 'cluster'];
export const ALL_COMMANDS: readonly CliCommand[] = ['scan', 'evaluate', 'forward', 'cluster'];

/** As given: text from an input or variable, a list from a repeated flag. */
export type RawValue = string | string[];

export interface OptionSpec<T> {
  /** One line: the action input's description and the flag's help. */
  help: string;
  /** The default as text: action.yml's `default:` and what --help shows. */
  defaultText: string;
  /** action.yml's default when the runner fills it in (the job token's expression); the CLI has none. */
  actionDefault?: string;
  /** An input of the action. */
  input: boolean;
  /** The CLI commands that take it, as `--<name>` and as `VULNGATE_<NAME>`. */
  commands: readonly CliCommand[];
  /** CLI: only the variable, never a flag, so the value stays out of process lists. */
  envOnly?: boolean;
  /** Masked in the action's log, never printed nor written. */
  secret?: boolean;
  cli?: {
    flag?: string;
    placeholder?: string;
    variadic?: boolean;
    switch?: boolean;
    mandatory?: boolean;
    /** A one-letter alias where the ecosystem has one (`-o`, `-f`, `-q`). */
    short?: string;
    /** The value may be left out: `--write-sbom` alone means true, as Trivy users type switches. */
    optionalValue?: boolean;
  };
  /** Text (or a flag's list) → value; the default when unset. Errors name `label`. */
  parse(raw: RawValue | undefined, label: string): T;
}

type Base = Omit<OptionSpec<unknown>, 'parse' | 'defaultText' | 'input' | 'commands'> & {
  input?: boolean;
  commands?: readonly CliCommand[];
};

function joined(raw: RawValue | undefined): string {
  return Array.isArray(raw) ? raw.join('\n') : (raw ?? '');
}

function spec<T>(
  base: Base,
  defaultText: string,
  parse: (text: string, label: string, raw?: RawValue) => T,
): OptionSpec<T> {
  return {
    input: true,
    commands: [],
    ...base,
    defaultText,
    parse: (raw, label) => parse(joined(raw).trim(), label, raw),
  };
}

export function textOption(base: Base & { default: string }): OptionSpec<string>;
export function textOption(base: Base): OptionSpec<string | undefined>;
export function textOption(base: Base & { default?: string }): OptionSpec<string | undefined> {
  const fallback = base.default;
  return spec(base, fallback ?? '', (text) => text || fallback);
}

export function booleanOption(base: Base & { default: boolean }): OptionSpec<boolean>;
export function booleanOption(base: Base): OptionSpec<boolean | undefined>;
export function booleanOption(base: Base & { default?: boolean }): OptionSpec<boolean | undefined> {
  const fallback = base.default;
  const cli = base.cli?.switch ? base.cli : { placeholder: 'bool', ...base.cli, optionalValue: true };
  return spec(
    { ...base, cli },
    fallback === undefined ? '' : String(fallback),
    (text, label) => booleanValue(label, text) ?? fallback,
  );
}

interface Range {
  min: number;
  max: number;
}

export function integerOption(base: Base & Range & { default: number }): OptionSpec<number>;
export function integerOption(base: Base & Range): OptionSpec<number | undefined>;
export function integerOption(base: Base & Range & { default?: number }): OptionSpec<number | undefined> {
  const fallback = base.default;
  const range = { min: base.min, max: base.max };
  return spec(
    base,
    fallback === undefined ? '' : String(fallback),
    (text, label) => integerValue(label, text, range) ?? fallback,
  );
}

export function choiceOption<const T extends string>(base: Base & { choices: readonly T[]; default: T }): OptionSpec<T>;
export function choiceOption<const T extends string>(base: Base & { choices: readonly T[] }): OptionSpec<T | undefined>;
export function choiceOption<const T extends string>(
  base: Base & { choices: readonly T[]; default?: T },
): OptionSpec<T | undefined> {
  const fallback = base.default;
  return spec(base, fallback ?? '', (text, label) => choiceValue(label, text, base.choices) ?? fallback);
}

export function severityOption(base: Base): OptionSpec<Severity | undefined> {
  return spec(base, '', (text, label) => severityValue(label, text));
}

export function urlOption(base: Base): OptionSpec<string | undefined> {
  return spec(base, '', (text, label) => urlValue(label, text));
}

/** A flag repeated, or text with one item per line (or comma-separated). */
export function listOption(base: Base & { default?: string[] }): OptionSpec<string[]> {
  const fallback = base.default ?? [];
  return spec(base, fallback.join('\n'), (_text, _label, raw) => {
    // A repeated flag gives a list; each item may itself be a comma-separated list, as the help says.
    const items = Array.isArray(raw) ? raw.flatMap((s) => listValue(s)) : listValue(raw ?? '');
    return items.length > 0 ? items : [...fallback];
  });
}
