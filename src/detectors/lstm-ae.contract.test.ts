import { createDetector } from './index.js';
import { detectorContract } from './contract.testkit.js';

// Small settings so the suite trains in seconds on the cpu backend: two trainings per 2,000-point stream.
const SMALL = { window: 8, hidden: 8, epochs: 2, minTrain: 200, retrainEvery: 1000, maxTrain: 600 };

detectorContract('lstm-ae', (seed) => createDetector('lstm-ae', SMALL, seed), { aucFloor: 0.9 });
