export const DECISIONS = ['blocking', 'excepted', 'unfixed', 'below-threshold'] as const;
export type Decision = (typeof DECISIONS)[number];

export type DecisionCounts = Record<Decision, number>;

export function emptyCounts(): DecisionCounts {
  return { blocking: 0, excepted: 0, unfixed: 0, 'below-threshold': 0 };
}
