// The OpenVEX document a run writes (vulngate.openvex.json), for the shared reports.
import { renderOpenVex } from '../../src/render/openvex.js';
import { expectGolden } from '../../test/support/golden.ts';
import { sharedResults } from '../../test/support/shared-results.ts';

test('the OpenVEX document of three shared reports (golden)', () => {
  expectGolden('openvex-shared.json', `${JSON.stringify(renderOpenVex(sharedResults()), null, 2)}\n`);
});
