// Bench agent: needs the label row and the storage item, saves the row, moves it along "labelled".
import { Runner, deps } from '../../dist/index.js';

const runner = new Runner();
runner.stage('pre-label', { deps: { labelRow: deps.labelRow(), item: deps.storageItem() } }, ({ labelRow, item }) => {
  if (!item.uuid) throw new Error('no storage item');
  return { pathway: 'labelled', labelRow };
});
export default runner;
