import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('novelty', (seed) => createDetector('novelty', {}, seed));
