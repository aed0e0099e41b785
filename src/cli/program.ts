import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { readCiContext } from '../config/ci-context.js';
import { replayDestinations, replayProfile } from '../config/replay-settings.js';
import { cliCacheRoot, cliSettings } from '../config/run-settings.js';
import {
  commandOptions,
  envName,
  flagName,
  optionSpec,
  readOptions,
  unknownVariableWarnings,
  type OptionName,
  type OptionSet,
} from '../config/options.js';
import type { CliCommand } from '../config/option-types.js';
import { ConfigError, ExitCode, errorCode } from '../core/errors.js';
import { lintExitCode, lintProfiles, lintText } from '../profile/lint.js';
import { logLine } from '../core/text.js';
import { replay, run, type RunOutcome, type RunPorts } from '../app/run.js';
import { runCluster } from '../app/cluster.js';
import { DirToolStore } from '../trivy/dir-tool-store.js';
import { createTrivyScanner } from '../trivy/factory.js';
import { VULNGATE_VERSION } from '../version.js';
import { createCliLogger } from './logger.js';
import { failedBeforeRun } from './errors.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { consoleReport, type ConsoleFormat } from './console.js';
import { examplesText, helpGroup } from './help.js';
import type { GateOutcome } from '../app/gate.js';

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  now: () => Date;
}

const DESCRIPTIONS: Record<Exclude<CliCommand, 'lint'>, string> = {
  scan: 'scan image tarballs (docker save) with Trivy, then judge the findings',
  evaluate: 'judge existing Trivy JSON reports (SchemaVersion 2)',
  forward: 'send again what an earlier run could not deliver (out/undelivered/)',
  cluster: "scan the images a Kubernetes cluster runs (each digest once) and judge them by each workload's profile",
};

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Pass;
  const program = new Command('vulngate')
    .description('Security gate for container images: Trivy findings judged against a security profile.')
    .version(VULNGATE_VERSION)
    .exitOverride()
    // Long flag names leave little room at 80 columns: wrap the help text there anyway.
    .configureHelp({ minWidthToWrap: 24 })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Wrapped to the terminal the help is shown on (80 columns in a log).
      getOutHelpWidth: () => (io.stdout as { columns?: number }).columns ?? 80,
      getErrHelpWidth: () => (io.stderr as { columns?: number }).columns ?? 80,
    })
    .showHelpAfterError('(run with --help for every option)')
    .addHelpText(
      'after',
      `\n${EXIT_CODE_HELP}\nEvery option can also be set as VULNGATE_<OPTION> (e.g. VULNGATE_PROFILE); a flag ` +
        `wins over its variable.`,
    );
  const profiles = program.command('profiles').description('tools for a central profiles repository');
  const lint = profiles
    .command('lint')
    .description('check every profile of a profiles repository and list the exceptions to review')
    .argument('[dir]', 'the profiles repository', '.');
  for (const option of commandOptions('lint')) lint.addOption(commanderOption(option));
  lint.addHelpText('after', examplesText('lint'));
  lint.action(async (dir: string, _flags: unknown, cmd: Command) => {
    exitCode = await runLint({ io, dir, read: () => readCommandOptions(cmd, 'lint', io.env) });
  });
  for (const name of ['forward', 'evaluate', 'scan', 'cluster'] as const) {
    const command = program.command(name).description(DESCRIPTIONS[name]).addHelpText('after', examplesText(name));
    for (const option of commandOptions(name))
      if (!optionSpec(option).envOnly) command.addOption(commanderOption(option));
    command.action(async (_flags: unknown, cmd: Command) => {
      requireMandatory(cmd, name, io.env);
      exitCode = await runCommand({ io, command: name, read: () => readCommandOptions(cmd, name, io.env) });
    });
  }
  try {
    await program.parseAsync(io.argv, { from: 'user' });
  } catch (err) {
    // --help and --version end here with code 0; usage errors were already printed by commander.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Pass : ExitCode.Config;
    io.stderr.write(`vulngate: unexpected error: ${String(err)} (please report this)\n`);
    return ExitCode.Internal;
  }
  return exitCode;
}

/** The flag as the table describes it; defaults stay in the table, so the help shows them from there. */
function commanderOption(name: OptionName): Option {
  const spec = optionSpec(name);
  const cli = spec.cli ?? {};
  const [open, close] = cli.optionalValue ? ['[', ']'] : ['<', '>'];
  const value = cli.switch ? '' : ` ${open}${cli.placeholder ?? 'value'}${cli.variadic ? '...' : ''}${close}`;
  const shown = spec.defaultText !== '' && !cli.switch ? ` (default: ${spec.defaultText.replace(/\n/g, ', ')})` : '';
  const short = cli.short ? `-${cli.short}, ` : '';
  return new Option(`${short}${flagName(name)}${value}`, `${spec.help}${shown}`).helpGroup(helpGroup(name));
}

/** As commander says it, but a VULNGATE_* variable counts too (commander would read process.env, not ours). */
function requireMandatory(cmd: Command, command: CliCommand, env: NodeJS.ProcessEnv): void {
  const flags = cmd.opts<Record<string, unknown>>();
  for (const name of commandOptions(command)) {
    const spec = optionSpec(name);
    if (!spec.cli?.mandatory || flags[camelCase(spec.cli.flag ?? name)] !== undefined || env[envName(name)]) continue;
    const option = cmd.options.find((o) => o.long === flagName(name));
    cmd.error(`error: required option '${option?.flags ?? flagName(name)}' not specified`, {
      exitCode: ExitCode.Config,
    });
  }
}

/** Flags win over VULNGATE_* variables, which win over the table's defaults; errors name what the user set. */
function readCommandOptions(cmd: Command, command: CliCommand, env: NodeJS.ProcessEnv): OptionSet {
  const names = new Set(commandOptions(command));
  const flags = cmd.opts<Record<string, unknown>>();
  return readOptions(
    (name) => {
      if (!names.has(name)) return undefined;
      const key = camelCase(optionSpec(name).cli?.flag ?? name);
      const flag = flags[key];
      if (flag !== undefined && !optionSpec(name).envOnly) {
        const raw = typeof flag === 'boolean' ? String(flag) : (flag as string | string[]);
        return { raw, label: flagName(name) };
      }
      const variable = env[envName(name)];
      return variable === undefined || variable.trim() === '' ? undefined : { raw: variable, label: envName(name) };
    },
    (name) => flagName(name),
  );
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** `vulngate profiles lint [dir]`: exit 2 on any invalid profile, else 0; the lists are for review. */
async function runLint(args: { io: CliIo; dir: string; read: () => OptionSet }): Promise<number> {
  const { io } = args;
  try {
    const { values } = args.read();
    const report = await lintProfiles({ dir: args.dir, now: io.now() });
    io.stdout.write(values.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : lintText(report));
    return lintExitCode(report, values.strict);
  } catch (err) {
    return failedBeforeRun(io.stderr, new ConfigError(`profiles lint: cannot read '${args.dir}' (${errorCode(err)})`));
  }
}

function cliPorts(io: CliIo, options: OptionSet): RunPorts {
  const logger = createCliLogger(io.stderr, options.values.verbose, options.values.quiet);
  return {
    logger,
    now: io.now,
    env: io.env,
    createScanner: async (settings) => {
      const store = new DirToolStore(options.values['tool-dir'] ?? path.join(cliCacheRoot(io.env), 'tools'));
      if (!settings.trivy) throw new Error('scanner asked for without Trivy settings');
      return createTrivyScanner({ options: settings.trivy, store, logger, env: io.env });
    },
  };
}

async function runCommand(args: {
  io: CliIo;
  command: Exclude<CliCommand, 'lint'>;
  read: () => OptionSet;
}): Promise<number> {
  const { io, command } = args;
  let outcome: RunOutcome;
  let consoleFormat: ConsoleFormat = { format: 'table', quiet: false };
  try {
    const options = args.read();
    consoleFormat = { format: options.values.format, quiet: options.values.quiet };
    const ports = cliPorts(io, options);
    for (const warning of unknownVariableWarnings(io.env)) ports.logger.warning(warning);
    if (command === 'forward') {
      // Where to and with what: this job's flags and variables, never the spool's.
      const ci = readCiContext(io.env);
      const destinations = replayDestinations(options, io.env, ci);
      const profile = replayProfile(options, ci);
      outcome = await replay({ fromDir: options.values.from ?? '', destinations, profile, ports });
      if (outcome.exitCode === ExitCode.Config || outcome.exitCode === ExitCode.Internal) {
        io.stderr.write(`vulngate: ${logLine(outcome.reason)}\n`);
      } else io.stdout.write(`${logLine(outcome.reason)}\n`);
      return outcome.exitCode;
    }
    const format = consoleFormat;
    const onJudged = async (gate: GateOutcome) => void io.stdout.write(await consoleReport(gate, format, io));
    if (command === 'cluster') return await clusterCommand(io, options, { ...ports, onJudged });
    outcome = await run(cliSettings(options, command, io.env), { ...ports, onJudged });
  } catch (err) {
    // Settings are checked before anything runs: a ConfigError here is a bad flag or variable.
    return failedBeforeRun(io.stderr, err);
  }
  if (!outcome.gate) {
    io.stderr.write(`vulngate: ${logLine(outcome.reason)}\n`);
    return outcome.exitCode;
  }
  return outcome.exitCode;
}

/** `vulngate cluster`: one run per profile the workloads ask for; the worst exit code. */
async function clusterCommand(io: CliIo, options: OptionSet, ports: RunPorts): Promise<number> {
  const { values } = options;
  const cluster = { kubeconfig: values.kubeconfig, namespaces: values.namespaces, selector: values.selector };
  const outcome = await runCluster(cliSettings(options, 'scan', io.env), cluster, ports);
  if (outcome.runs.length === 0 || outcome.exitCode === ExitCode.Config) {
    const stream = outcome.exitCode === ExitCode.Pass ? io.stdout : io.stderr;
    stream.write(`vulngate: ${logLine(outcome.reason)}\n`);
  }
  return outcome.exitCode;
}
