// Trivial agent for the runner bench: every task of "Agent 1" proceeds along "complete".
import { Runner } from '../../dist/index.js';

const runner = new Runner();
runner.stage('Agent 1', () => 'complete');
export default runner;
