import type { Receiver } from '../receiver.js';
import { defectDojoReceiver } from './defectdojo/receiver.js';
import { elasticsearchReceiver } from './elasticsearch/receiver.js';
import { issuesReceiver } from './issues/receiver.js';
import { slackReceiver } from './slack/receiver.js';
import { sqsReceiver } from './sqs/receiver.js';

/**
 * Every receiver, in the order a run delivers to them (within each stage). Adding one: a folder beside these that
 * implements Receiver (receiver.ts), and its line here.
 */
export const RECEIVERS: readonly Receiver[] = [
  sqsReceiver,
  elasticsearchReceiver,
  defectDojoReceiver,
  slackReceiver,
  issuesReceiver,
];
