import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('ensemble', (seed) => createDetector('ensemble', {}, seed), { aucFloor: 0.85 });
