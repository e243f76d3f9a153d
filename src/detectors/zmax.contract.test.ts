import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('zmax', (seed) => createDetector('zmax', {}, seed), { aucFloor: 0.85 });
