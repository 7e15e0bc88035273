/**
 * The workflow and ontology a project gets when `project init` is given none: two agent stages
 * (pre-label, then triage), a human annotation stage and a done stage, and a small ontology with
 * one object of each common shape and a radio/checklist/text classification.
 */
import { randomUUID } from 'node:crypto';
import type { OntologyStructure, Workflow } from '../../shared/types.js';

export function defaultWorkflow(): Workflow {
  const preLabel = randomUUID();
  const triage = randomUUID();
  const annotate = randomUUID();
  const complete = randomUUID();
  return {
    stages: [
      {
        stageType: 'AGENT',
        uuid: preLabel,
        title: 'pre-label',
        pathways: [{ uuid: randomUUID(), title: 'labelled', destinationUuid: triage }],
      },
      {
        stageType: 'AGENT',
        uuid: triage,
        title: 'triage',
        pathways: [
          { uuid: randomUUID(), title: 'accept', destinationUuid: complete },
          { uuid: randomUUID(), title: 'review', destinationUuid: annotate },
        ],
      },
      { stageType: 'ANNOTATION', uuid: annotate, title: 'Annotate' },
      { stageType: 'DONE', uuid: complete, title: 'Complete' },
    ],
  };
}

export function defaultOntology(): OntologyStructure {
  return {
    objects: [
      {
        id: '1',
        name: 'Bright region',
        color: '#D33115',
        shape: 'bounding_box',
        featureNodeHash: 'brgtBox1',
        required: false,
        attributes: [
          {
            id: '1.1',
            name: 'Confidence band',
            type: 'radio',
            featureNodeHash: 'confRad1',
            required: false,
            dynamic: false,
            options: [
              { id: '1.1.1', label: 'High', value: 'high', featureNodeHash: 'confHigh' },
              { id: '1.1.2', label: 'Low', value: 'low', featureNodeHash: 'confLow1' },
            ],
          },
        ],
      },
      { id: '2', name: 'Outline', color: '#1F8A70', shape: 'polygon', featureNodeHash: 'outlnPl1', required: false, attributes: [] },
      { id: '3', name: 'Keypoint', color: '#FCDC00', shape: 'point', featureNodeHash: 'keyPnt01', required: false, attributes: [] },
    ],
    classifications: [
      {
        id: '4',
        featureNodeHash: 'sceneCl1',
        attributes: [
          {
            id: '4.1',
            name: 'Scene brightness',
            type: 'radio',
            featureNodeHash: 'sceneRd1',
            required: false,
            options: [
              { id: '4.1.1', label: 'Dark', value: 'dark', featureNodeHash: 'scnDark1' },
              { id: '4.1.2', label: 'Normal', value: 'normal', featureNodeHash: 'scnNorm1' },
              { id: '4.1.3', label: 'Bright', value: 'bright', featureNodeHash: 'scnBrgt1' },
            ],
          },
        ],
      },
      {
        id: '5',
        featureNodeHash: 'tagsCl01',
        attributes: [
          {
            id: '5.1',
            name: 'Tags',
            type: 'checklist',
            featureNodeHash: 'tagsChk1',
            required: false,
            options: [
              { id: '5.1.1', label: 'Blurry', value: 'blurry', featureNodeHash: 'tagBlur1' },
              { id: '5.1.2', label: 'Occluded', value: 'occluded', featureNodeHash: 'tagOccl1' },
            ],
          },
        ],
      },
      {
        id: '6',
        featureNodeHash: 'noteCl01',
        attributes: [{ id: '6.1', name: 'Note', type: 'text', featureNodeHash: 'noteTxt1', required: false }],
      },
    ],
  };
}
