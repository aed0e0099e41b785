import { DELIVERY_OPTIONS } from './options-delivery.js';
import { JUDGE_OPTIONS } from './options-judge.js';
import { SCAN_OPTIONS } from './options-scan.js';
import type { CliCommand, OptionSpec } from './option-types.js';
import { didYouMean } from '../core/suggest.js';

/**
 * The one option table. The action's inputs (and action.yml, checked by a test), the CLI's flags and the
 * VULNGATE_<NAME> variables are all derived from it; src/config/settings.ts turns the values into settings.
 */
export const OPTIONS = { ...JUDGE_OPTIONS, ...SCAN_OPTIONS, ...DELIVERY_OPTIONS };

export type OptionName = keyof typeof OPTIONS;
export type OptionValues = { [N in OptionName]: ReturnType<(typeof OPTIONS)[N]['parse']> };

export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

export function optionSpec(name: OptionName): OptionSpec<unknown> {
  return OPTIONS[name];
}

/** `scan-timeout` → `VULNGATE_SCAN_TIMEOUT`. */
export function envName(name: OptionName): string {
  return `VULNGATE_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** `scan-timeout` → `INPUT_SCAN-TIMEOUT`, as the runner sets it (upper case, dashes kept). */
export function inputEnvName(name: OptionName): string {
  return `INPUT_${name.toUpperCase()}`;
}

/** The flag as typed: `--scan-timeout`, `--report`. */
export function flagName(name: OptionName): string {
  return `--${optionSpec(name).cli?.flag ?? name}`;
}

/** Where an option's value came from; errors and settings name the option by it. */
export type OptionLabel = (name: OptionName) => string;

export interface OptionSet {
  values: OptionValues;
  label: OptionLabel;
}

export interface RawLookup {
  /** The option's raw value and how to name it, or undefined when nothing set it. */
  (name: OptionName): { raw: string | string[]; label: string } | undefined;
}

/**
 * Every option's value: what the lookup gives, else the table's default. Options a surface does not have
 * (the lookup gives nothing for them) get their defaults, so the values are always complete.
 */
export function readOptions(lookup: RawLookup, unsetLabel: OptionLabel): OptionSet {
  const labels = new Map<OptionName, string>();
  const values: Partial<Record<OptionName, unknown>> = {};
  for (const name of OPTION_NAMES) {
    const found = lookup(name);
    const label = found?.label ?? unsetLabel(name);
    labels.set(name, label);
    values[name] = optionSpec(name).parse(found?.raw, label);
  }
  return { values: values as OptionValues, label: (name) => labels.get(name) ?? unsetLabel(name) };
}

/** The action's inputs, read from INPUT_* in the environment it is given. */
export function readActionInputs(env: NodeJS.ProcessEnv): OptionSet {
  return readOptions(
    (name) => {
      const raw = optionSpec(name).input ? env[inputEnvName(name)] : undefined;
      return raw === undefined || raw.trim() === '' ? undefined : { raw: raw.trim(), label: name };
    },
    (name) => name,
  );
}

/** Options of a CLI command. */
export function commandOptions(command: CliCommand): OptionName[] {
  return OPTION_NAMES.filter((n) => (optionSpec(n).commands as readonly string[]).includes(command));
}

/** VULNGATE_* variables that are not options: read elsewhere, or by the GitLab template and the development scripts. */
const OTHER_VARIABLES = ['VULNGATE_DEFAULT_BRANCH', 'VULNGATE_IMAGE', 'VULNGATE_DEV_CACHE', 'VULNGATE_COUNT_FILE'];

/**
 * A VULNGATE_* variable that nothing reads is most often a typo (`VULNGATE_SEVERTY`): silently ignored, the run
 * would judge with something other than what was meant. One warning each, with the closest name.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  const known = new Set([...OPTION_NAMES.map(envName), ...OTHER_VARIABLES]);
  return Object.keys(env)
    .filter((name) => name.startsWith('VULNGATE_') && !known.has(name))
    .sort()
    .map((name) => `${name} is not a vulngate variable and is ignored${didYouMean(name, known)}`);
}
