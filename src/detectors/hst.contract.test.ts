import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('hst', (seed) => createDetector('hst', {}, seed), { aucFloor: 0.9 });
detectorContract('hst (8 features)', (seed) => createDetector('hst', {}, seed), { aucFloor: 0.9, dims: 8 });
