import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('iforest', (seed) => createDetector('iforest', {}, seed), { aucFloor: 0.9 });
detectorContract('iforest (8 features, contamination 0.02)', (seed) => createDetector('iforest', { contamination: 0.02 }, seed), { aucFloor: 0.9, dims: 8 });
