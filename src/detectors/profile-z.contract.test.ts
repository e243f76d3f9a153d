import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

detectorContract('profile-z', (seed) => createDetector('profile-z', {}, seed), { aucFloor: 0.9 });
detectorContract('profile-z (8 features)', (seed) => createDetector('profile-z', {}, seed), { aucFloor: 0.9, dims: 8 });
