import { loadConfig } from '../config/load.js';
import { detectorContract } from './contract.testkit.js';
import { createPodModel } from './pod-model.js';

// The service's pod model (calibrated scaler + forest, max with zmax) on the generic fixture.
const config = loadConfig({ env: {} });
detectorContract('pod model', (seed) => createPodModel(config, seed), { aucFloor: 0.85 });
