import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { startDefectDojoFake } from '../../test/support/defectdojo-server.ts';
import { gitlabProject, runGitlabCiLocal } from '../../test/support/gitlab.ts';
import { ROOT } from '../../test/support/paths.ts';

const artifactDir = (dir: string) => path.join(dir, '.gitlab-ci-local/artifacts/vulngate/vulngate-out');
const schema = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/schemas/gitlab-container-scanning-report-15.0.7.json'), 'utf8'),
);

const dependencySchema = JSON.parse(
  readFileSync(path.join(ROOT, 'test/fixtures/schemas/gitlab-dependency-scanning-report-15.0.7.json'), 'utf8'),
);

describe('templates/vulngate.gitlab-ci.yml run by gitlab-ci-local (shell executor, real Trivy)', () => {
  test('a blocking finding fails the pipeline; the outputs and the container-scanning report are kept as artifacts', async () => {
    const dir = await gitlabProject({ images: ['debian-app', 'clean'] });
    const { code, output } = await runGitlabCiLocal(dir);
    expect(output).toMatch(/PASS\s+docker_build/);
    expect(output).toMatch(/FAIL\s+vulngate/);
    expect(code).not.toBe(0);
    const artifacts = artifactDir(dir);
    expect(readdirSync(artifacts).sort()).toEqual([
      'gl-container-scanning-report.json',
      'reports',
      'sbom',
      'summary.md',
      'vulngate-results.json',
      'vulngate.openvex.json',
      'vulngate.sarif',
    ]);
    const report = JSON.parse(readFileSync(path.join(artifacts, 'gl-container-scanning-report.json'), 'utf8'));
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(report)).toBe(true);
    expect(report.vulnerabilities).toHaveLength(8);
    expect(JSON.parse(readFileSync(path.join(artifacts, 'vulngate-results.json'), 'utf8')).verdict).toBe('fail');
  });

  test('VULNGATE_FS: the code is scanned too, its dependency-scanning report kept beside the container one', async () => {
    const dir = await gitlabProject({ images: ['clean'], code: 'monorepo' });
    // With VULNGATE_FS alone no images are looked for: a job that scans both names both.
    const { code, output } = await runGitlabCiLocal(dir, {
      VULNGATE_FS: 'services/api,services/worker',
      VULNGATE_IMAGES: 'tar_images/*.tar',
    });
    expect(output).toMatch(/FAIL\s+vulngate/);
    expect(code).not.toBe(0);
    const artifacts = artifactDir(dir);
    expect(readdirSync(artifacts)).toContain('gl-dependency-scanning-report.json');
    const dependencies = JSON.parse(readFileSync(path.join(artifacts, 'gl-dependency-scanning-report.json'), 'utf8'));
    expect(new Ajv({ strict: false }).compile(dependencySchema)(dependencies)).toBe(true);
    expect(dependencies.dependency_files.map((d: { path: string }) => d.path)).toEqual([
      'services/api/package-lock.json',
      'services/worker/package-lock.json',
    ]);
    expect(dependencies.vulnerabilities).toHaveLength(3);
    const results = JSON.parse(readFileSync(path.join(artifacts, 'vulngate-results.json'), 'utf8'));
    expect(results.images.map((i: { kind: string; name: string }) => `${i.kind} ${i.name}`)).toEqual([
      'image vulngate-fixtures/clean:1.0',
      'fs services/api',
      'fs services/worker',
    ]);
  });

  test('the same pipeline passes when the profile excepts the finding', async () => {
    const dir = await gitlabProject({
      images: ['debian-app'],
      profiles: {
        'default.yml':
          'exceptions:\n  - id: CVE-2025-9230\n    note: the openssl fix ships with the next base image\n    until: 2099-01-01\n',
      },
    });
    const { code, output } = await runGitlabCiLocal(dir);
    expect(output).toMatch(/PASS\s+vulngate/);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(artifactDir(dir), 'vulngate-results.json'), 'utf8')).verdict).toBe('pass');
  });

  test('with DefectDojo variables set it forwards, named from GitLab variables; a profile picked by VULNGATE_PROFILE', async () => {
    const dojo = await startDefectDojoFake({ token: 'glpat-dd-token' });
    try {
      const dir = await gitlabProject({
        images: ['debian-app'],
        profiles: { 'strict.yml': 'severity: CRITICAL\nignore_unfixed: false\n' },
      });
      const { code, output } = await runGitlabCiLocal(dir, {
        VULNGATE_DEFECTDOJO_URL: dojo.url,
        VULNGATE_DEFECTDOJO_ALLOW_HTTP: 'true',
        VULNGATE_DEFECTDOJO_TOKEN: 'glpat-dd-token',
        VULNGATE_PROFILE: 'strict',
      });
      expect(code).not.toBe(0);
      expect(dojo.requests).toHaveLength(1);
      expect(dojo.requests[0]!.fields).toMatchObject({
        product_type_name: ['acme'],
        product_name: ['acme/shop'],
        engagement_name: ['main'],
        test_title: ['vulngate-fixtures/debian-app'],
        version: ['1.0'],
        close_old_findings: ['true'],
      });
      const results = JSON.parse(readFileSync(path.join(artifactDir(dir), 'vulngate-results.json'), 'utf8'));
      expect(results.profile.source).toBe('profiles/strict.yml');
      expect(
        results.findings
          .filter((f: { decision: string }) => f.decision === 'blocking')
          .map((f: { package: string }) => f.package),
      ).toEqual(['zlib1g']);
      expect(output).not.toContain('glpat-dd-token');
    } finally {
      await dojo.close();
    }
  });
});

describe('the template and the Dockerfile', () => {
  test('the job keeps every output for a month, always, and declares the container- and dependency-scanning reports', () => {
    const template = yaml.load(readFileSync(path.join(ROOT, 'templates/vulngate.gitlab-ci.yml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    const job = template.vulngate!;
    expect(job.artifacts).toEqual({
      when: 'always',
      expire_in: '1 month',
      paths: ['${VULNGATE_OUTPUT_DIR}/'],
      reports: {
        container_scanning: '${VULNGATE_OUTPUT_DIR}/gl-container-scanning-report.json',
        dependency_scanning: '${VULNGATE_OUTPUT_DIR}/gl-dependency-scanning-report.json',
      },
    });
    expect(job.needs).toEqual([{ job: 'docker_build', artifacts: true, optional: true }]);
    expect(job.image).toEqual({ name: '${VULNGATE_IMAGE}', entrypoint: [''] });
  });

  test('hadolint finds nothing in the Dockerfile', () => {
    const hadolint = process.env.HADOLINT_BIN;
    if (!hadolint) throw new Error('HADOLINT_BIN is not set: run the tests with `npm test`');
    const run = spawnSync(hadolint, ['--no-color', 'Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('the lint can fail (a bad Dockerfile is reported)', () => {
    const run = spawnSync(process.env.HADOLINT_BIN!, ['--no-color', '-'], {
      input: 'FROM alpine:latest\nRUN apk add curl\n',
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/DL3007|DL3018/);
  });

  test('bases pinned by version and digest, non-root, empty entrypoint, only the bundled CLI', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(
      'ARG TRIVY_IMAGE=aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969',
    );
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=debian:bookworm-\d{8}-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \[\]$/m);
    // From the Node and Trivy images their one binary each; from the build context the bundled CLI alone.
    expect(dockerfile.match(/^COPY .*/gm)).toEqual([
      'COPY --from=node /usr/local/bin/node /usr/local/bin/node',
      'COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy',
      'COPY dist/cli/ /opt/vulngate/',
      'COPY --from=trivy-db --chown=10001:10001 / /home/vulngate/.cache/vulngate/trivy/',
    ]);
    expect(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\*\n!dist\/cli\/$/m);
    expect(existsSync(path.join(ROOT, 'dist/cli/index.js'))).toBe(true);
  });
});
