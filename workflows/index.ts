// Every workflow the worker registers.
export { trialUpgrade } from './trial-upgrade/workflow';
