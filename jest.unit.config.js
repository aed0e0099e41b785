// The pure tier: everything that runs without Go, Trivy or the bundle, in seconds (`npm run test:unit`).
import full from './jest.config.js';

export default { ...full, testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'] };
