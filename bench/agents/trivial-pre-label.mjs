// Bench agent: no dependencies, moves every task along "labelled".
import { Runner } from '../../dist/index.js';

const runner = new Runner();
runner.stage('pre-label', () => 'labelled');
export default runner;
