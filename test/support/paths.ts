import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPORTS = path.join(ROOT, 'test/fixtures/trivy-reports');
export const reportPath = (name: string) => path.join(REPORTS, `${name}.json`);
export const SHARED_REPORT_NAMES = [
  'alpine-310',
  'alpine-39',
  'alpine-distroless',
  'busybox-with-lockfile',
  'centos-7',
  'debian-buster',
  'debian-stretch',
  'distroless-base',
  'fluentd-gems',
  'spring4shell-jre8',
  'ubuntu-1804',
];
