import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('robust-z', (seed) => createDetector('robust-z', {}, seed), { aucFloor: 0.9 });
detectorContract('robust-z (8 features)', (seed) => createDetector('robust-z', {}, seed), { aucFloor: 0.9, dims: 8 });
