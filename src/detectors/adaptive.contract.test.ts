import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('adaptive', (seed) => createDetector('adaptive', {}, seed), { aucFloor: 0.8 });
