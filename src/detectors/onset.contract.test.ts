import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

// The default scores rises only: planted anomalies that go down in every feature are not its business, hence the floor.
detectorContract('onset', (seed) => createDetector('onset', {}, seed), { aucFloor: 0.85 });
detectorContract('onset (both directions, 8 features)', (seed) => createDetector('onset', { direction: 'both' }, seed), { aucFloor: 0.9, dims: 8 });
