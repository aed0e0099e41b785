/** `vex`: a VEX document given to the scan says the product is not affected (or the finding is fixed). */
export const DECISIONS = ['blocking', 'excepted', 'vex', 'unfixed', 'below-threshold'] as const;
export type Decision = (typeof DECISIONS)[number];

export type DecisionCounts = Record<Decision, number>;

export function emptyCounts(): DecisionCounts {
  return { blocking: 0, excepted: 0, vex: 0, unfixed: 0, 'below-threshold': 0 };
}
