import { availableParallelism, homedir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, ExitCode, describeError, isGateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { booleanValue, choiceValue, positiveIntValue, severityValue, urlValue } from '../config/values.js';
import { finalExitCode, runGate, type GateOptions, type GateSource } from '../pipeline.js';
import { readCiContext } from '../config/ci-context.js';
import { FORWARD_INPUTS, readForwardOptions, type ForwardInput } from '../config/forward-options.js';
import { forwardResults, replayUndelivered } from '../forward/forward.js';
import { DEFAULT_TRIVY_DOWNLOAD_URL, DEFAULT_TRIVY_VERSION } from '../trivy/checksums.js';
import { DirToolStore } from '../trivy/dir-tool-store.js';
import { createTrivyScanner } from '../trivy/factory.js';
import { parseTrivyVersion } from '../trivy/install.js';
import type { TrivyOptions } from '../trivy/options.js';
import { VULNGATE_VERSION } from '../version.js';
import { createCliLogger } from './logger.js';

export interface CliIo {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  now: () => Date;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function runCli(io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Pass;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(io.argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? ExitCode.Pass : ExitCode.Config;
    }
    if (isGateError(err)) {
      io.stderr.write(`vulngate: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`vulngate: unexpected error: ${describeError(err)} (please report this; VULNGATE_DEBUG=1 shows the stack)\n`);
    if (io.env.VULNGATE_DEBUG === '1' && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return ExitCode.Scanner;
  }
  return exitCode;
}

interface CommonFlags {
  profile?: string;
  profilesDir: string;
  severity?: string;
  ignoreUnfixed?: string;
  outputDir: string;
  failOnFindings: string;
  sarifFindings: string;
  dockerfile?: string;
  verbose?: boolean;
}

interface ScanFlags extends CommonFlags {
  images: string[];
  parallel?: string;
  scanTimeout: string;
  trivyVersion: string;
  trivyChecksum?: string;
  trivyDownloadUrl: string;
  cacheDir?: string;
  toolDir?: string;
  offline?: boolean;
  dbRepository?: string[];
  javaDb: string;
  trivyServer?: string;
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('vulngate')
    .description('Security gate for container images: Trivy findings judged against a security profile.')
    .version(VULNGATE_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for every option)')
    .hook('preAction', (_program, command) => applyEnvironment(command, io.env))
    .addHelpText(
      'after',
      '\nExit codes: 0 pass, 1 the profile failed the check, 2 bad usage or configuration, 3 the scanner failed or a report could not be read.\nEvery option can also be set as VULNGATE_<OPTION> (e.g. VULNGATE_PROFILE); a flag wins over its variable.',
    );

  const forward = program
    .command('forward')
    .description('send again what an earlier run could not deliver (out/undelivered/)')
    .addOption(new Option('--from <dir>', "the earlier run's output directory").makeOptionMandatory().env('VULNGATE_FROM'))
    .addOption(new Option('--sqs-queue-url <url>', 'send to this queue instead of the one recorded').env('VULNGATE_SQS_QUEUE_URL'))
    .addOption(new Option('--aws-region <region>', 'AWS region (default: AWS_REGION, or the queue URL)').env('VULNGATE_AWS_REGION'))
    .addOption(new Option('--defectdojo-url <url>', 'send to this DefectDojo instead of the one recorded').env('VULNGATE_DEFECTDOJO_URL'))
    .addOption(new Option('--defectdojo-allow-http <bool>', 'allow an http:// DefectDojo URL').env('VULNGATE_DEFECTDOJO_ALLOW_HTTP').default('false'))
    .addOption(new Option('--verbose', 'debug output').env('VULNGATE_VERBOSE'));
  forward.action(async (flags: { from: string; sqsQueueUrl?: string; awsRegion?: string; defectdojoUrl?: string; defectdojoAllowHttp: string; verbose?: boolean }) => {
    const logger = createCliLogger(io.stderr, flags.verbose === true);
    const allowHttp = booleanValue('--defectdojo-allow-http', flags.defectdojoAllowHttp) ?? false;
    const outcome = await replayUndelivered({
      fromDir: flags.from,
      overrides: {
        queueUrl: urlValue('--sqs-queue-url', flags.sqsQueueUrl ?? ''),
        region: flags.awsRegion,
        defectDojoUrl: urlValue('--defectdojo-url', flags.defectdojoUrl ?? '', allowHttp ? ['https:', 'http:'] : ['https:']),
        defectDojoToken: io.env.VULNGATE_DEFECTDOJO_TOKEN,
      },
      context: { logger, env: io.env, now: io.now() },
    });
    io.stdout.write(outcome.failed ? `Still undelivered: ${outcome.undeliveredFiles.join(', ')}\n` : 'Everything was delivered.\n');
    setExitCode(outcome.failed ? ExitCode.Scanner : ExitCode.Pass);
  });

  const evaluate = addCommonOptions(
    program
      .command('evaluate')
      .description('judge existing Trivy JSON reports (SchemaVersion 2)')
      .addOption(new Option('--report <file...>', 'Trivy JSON report; repeat for several').makeOptionMandatory()),
  );
  evaluate.action(async (flags: CommonFlags & { report: string[] }) => {
    setExitCode(await runWithFlags({ io, flags, source: { kind: 'reports', reports: flags.report } }));
  });

  const scan = addScanOptions(
    addCommonOptions(
      program
        .command('scan')
        .description('scan image tarballs (docker save) with Trivy, then judge the findings')
        .addOption(new Option('--images <glob...>', 'image tarballs to scan').env('VULNGATE_IMAGES').default(['tar_images/*.tar'])),
    ),
  );
  scan.action(async (flags: ScanFlags) => {
    setExitCode(await runWithFlags({ io, flags, source: { kind: 'scan', images: flags.images }, scanFlags: flags }));
  });
  return program;
}

/**
 * Commander reads VULNGATE_* from process.env; the CLI takes its environment as an argument,
 * so values come from there. A flag on the command line wins over its variable.
 */
function applyEnvironment(command: Command, env: NodeJS.ProcessEnv): void {
  for (const option of command.options) {
    const key = option.attributeName();
    const value = option.envVar ? env[option.envVar] : undefined;
    if (value === undefined || command.getOptionValueSource(key) === 'cli') continue;
    const parsed = option.variadic ? value.split(/[\n,]/).map((v) => v.trim()).filter(Boolean) : option.isBoolean() ? value !== 'false' && value !== '0' : value;
    command.setOptionValueWithSource(key, parsed, 'env');
  }
}

function addCommonOptions(command: Command): Command {
  command
    .addOption(new Option('--profile <path-or-name>', 'security profile file, or a name in --profiles-dir').env('VULNGATE_PROFILE'))
    .addOption(new Option('--profiles-dir <dir>', 'where named profiles live').env('VULNGATE_PROFILES_DIR').default('profiles'))
    .addOption(new Option('--severity <level>', "override the profile's threshold (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)").env('VULNGATE_SEVERITY'))
    .addOption(new Option('--ignore-unfixed <bool>', "override the profile's ignore_unfixed (true|false)").env('VULNGATE_IGNORE_UNFIXED'))
    .addOption(new Option('--output-dir <dir>', 'where results, summary and reports are written').env('VULNGATE_OUTPUT_DIR').default('out'))
    .addOption(new Option('--fail-on-findings <bool>', 'exit 1 when the profile fails the check (true|false)').env('VULNGATE_FAIL_ON_FINDINGS').default('true'))
    .addOption(new Option('--sarif-findings <which>', 'findings in vulngate.sarif: all or blocking').env('VULNGATE_SARIF_FINDINGS').default('all'))
    .addOption(new Option('--dockerfile <path>', "locate SARIF results on this Dockerfile's FROM line").env('VULNGATE_DOCKERFILE'))
    .addOption(new Option('--verbose', 'debug output').env('VULNGATE_VERBOSE'));
  return addForwardOptions(command);
}

const FORWARD_HELP: Record<ForwardInput, string> = {
  'sqs-queue-url': 'send one message per finding and per image to this SQS queue',
  'aws-region': 'AWS region (default: AWS_REGION, or the queue URL)',
  'sqs-message-attributes': 'extra message attributes: JSON object or name=value lines',
  'defectdojo-url': 'import each image into this DefectDojo (https)',
  'defectdojo-token': 'DefectDojo API v2 key (better: VULNGATE_DEFECTDOJO_TOKEN)',
  'defectdojo-product-type': 'product type name (default: repository owner)',
  'defectdojo-product': 'product name (default: repository)',
  'defectdojo-engagement': 'engagement name (default: branch)',
  'defectdojo-close-old-findings': 'close findings the image no longer has (default: on the default branch only)',
  'defectdojo-minimum-severity': 'Info, Low, Medium, High or Critical',
  'defectdojo-tags': 'tags for the test, comma-separated',
  'defectdojo-version': 'version of what was scanned',
  'defectdojo-allow-http': 'allow an http:// DefectDojo URL',
  'forward-failure': 'warn (default) or fail the run when forwarding fails',
};

function addForwardOptions(command: Command): Command {
  for (const name of FORWARD_INPUTS) {
    command.addOption(new Option(`--${name} <value>`, FORWARD_HELP[name]).env(`VULNGATE_${name.toUpperCase().replace(/-/g, '_')}`));
  }
  return command;
}

function addScanOptions(command: Command): Command {
  return command
    .addOption(new Option('--parallel <n>', 'images scanned at once (default: number of cores)').env('VULNGATE_PARALLEL'))
    .addOption(new Option('--scan-timeout <seconds>', 'per-image Trivy timeout').env('VULNGATE_SCAN_TIMEOUT').default('900'))
    .addOption(new Option('--trivy-version <version>', 'Trivy release to use').env('VULNGATE_TRIVY_VERSION').default(DEFAULT_TRIVY_VERSION))
    .addOption(new Option('--trivy-checksum <sha256>', 'SHA-256 of the release archive, for a version vulngate has no checksum for').env('VULNGATE_TRIVY_CHECKSUM'))
    .addOption(new Option('--trivy-download-url <template>', 'release URL template ({version}, {asset}), for mirrors').env('VULNGATE_TRIVY_DOWNLOAD_URL').default(DEFAULT_TRIVY_DOWNLOAD_URL))
    .addOption(new Option('--cache-dir <dir>', 'Trivy cache (vulnerability DB); default ~/.cache/vulngate/trivy').env('VULNGATE_CACHE_DIR'))
    .addOption(new Option('--tool-dir <dir>', 'where downloaded Trivy binaries are kept; default ~/.cache/vulngate/tools').env('VULNGATE_TOOL_DIR'))
    .addOption(new Option('--offline', 'use the DB in --cache-dir; never download').env('VULNGATE_OFFLINE'))
    .addOption(new Option('--db-repository <repo...>', 'OCI repositories of the Trivy DB, tried in order').env('VULNGATE_DB_REPOSITORY'))
    .addOption(new Option('--java-db <bool>', 'also prepare the Java DB (for JAR findings)').env('VULNGATE_JAVA_DB').default('true'))
    .addOption(new Option('--trivy-server <url>', 'scan as a client of a Trivy server (token: VULNGATE_TRIVY_SERVER_TOKEN)').env('VULNGATE_TRIVY_SERVER'));
}

interface RunArgs {
  io: CliIo;
  flags: CommonFlags;
  source: GateSource;
  scanFlags?: ScanFlags;
}

async function runWithFlags({ io, flags, source, scanFlags }: RunArgs): Promise<number> {
  const logger = createCliLogger(io.stderr, flags.verbose === true);
  const ci = readCiContext(io.env);
  const raw = flags as unknown as Record<string, string | undefined>;
  const forwarding = readForwardOptions((name) => raw[camelCase(name)] ?? '', ci);
  const options: GateOptions = {
    source,
    profile: flags.profile,
    profilesDir: flags.profilesDir,
    overrides: {
      severity: severityValue('--severity', flags.severity ?? ''),
      ignoreUnfixed: booleanValue('--ignore-unfixed', flags.ignoreUnfixed ?? ''),
    },
    outputDir: flags.outputDir,
    failOnFindings: booleanValue('--fail-on-findings', flags.failOnFindings) ?? true,
    parallel: positiveIntValue('--parallel', scanFlags?.parallel ?? '') ?? availableParallelism(),
    sarif: { include: choiceValue('--sarif-findings', flags.sarifFindings, ['all', 'blocking'] as const) ?? 'all', dockerfile: flags.dockerfile },
  };
  const trivy = scanFlags ? trivyOptions(scanFlags, io.env) : undefined;
  const outcome = await runGate(options, {
    logger,
    now: io.now,
    toolVersion: VULNGATE_VERSION,
    createScanner: async () => {
      if (!trivy) throw new ConfigError('this command does not scan');
      const store = new DirToolStore(scanFlags?.toolDir ?? path.join(cacheRoot(io.env), 'tools'));
      return createTrivyScanner({ options: trivy, store, logger, env: io.env });
    },
  });
  const forwarded = await forwardResults({ outcome, options: forwarding, ci, outputDir: options.outputDir, context: { logger, env: io.env, now: io.now() } });
  io.stdout.write(outcome.summaryMarkdown);
  io.stdout.write(`\nResults: ${outcome.files.results}\nSummary: ${outcome.files.summary}\n`);
  return finalExitCode({ gate: outcome.exitCode, forwardFailed: forwarded.failed, forwardFailure: forwarding.failure });
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'vulngate');
}

function trivyOptions(flags: ScanFlags, env: NodeJS.ProcessEnv): TrivyOptions {
  const serverToken = env.VULNGATE_TRIVY_SERVER_TOKEN?.trim();
  return {
    version: parseTrivyVersion(flags.trivyVersion),
    checksum: flags.trivyChecksum,
    downloadUrl: flags.trivyDownloadUrl,
    cacheDir: flags.cacheDir ?? path.join(cacheRoot(env), 'trivy'),
    timeoutSeconds: positiveIntValue('--scan-timeout', flags.scanTimeout) ?? 900,
    offline: flags.offline === true,
    dbRepositories: flags.dbRepository ?? [],
    javaDb: booleanValue('--java-db', flags.javaDb) ?? true,
    server: flags.trivyServer ? { url: flags.trivyServer, token: serverToken || undefined } : undefined,
  };
}
