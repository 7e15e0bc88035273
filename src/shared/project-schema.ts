/**
 * zod schemas for the project files users hand us (`project init --workflow/--ontology`), in
 * Encord's shapes: tolerant of extra keys (Encord adds fields), strict about what we rely on.
 */
import { z } from 'zod';
import { TaskAgentError } from './errors.js';
import type { OntologyStructure, Workflow } from './types.js';

const PathwaySchema = z.object({ uuid: z.string().min(1), title: z.string().min(1), destinationUuid: z.string().min(1) });
const StageSchema = z.object({
  stageType: z.enum(['AGENT', 'ANNOTATION', 'REVIEW', 'USER_ROUTER', 'PERCENTAGE_ROUTER', 'CONSENSUS_ANNOTATION', 'CONSENSUS_REVIEW', 'DONE']),
  uuid: z.string().min(1),
  title: z.string().min(1),
  pathways: z.array(PathwaySchema).optional(),
});
export const WorkflowSchema = z.object({ stages: z.array(StageSchema).min(1) }).superRefine((wf, ctx) => {
  const uuids = new Set(wf.stages.map((s) => s.uuid));
  if (uuids.size !== wf.stages.length) ctx.addIssue({ code: 'custom', message: 'stage uuids must be unique' });
  for (const s of wf.stages) {
    for (const p of s.pathways ?? []) {
      if (!uuids.has(p.destinationUuid)) ctx.addIssue({ code: 'custom', path: ['stages', s.title, p.title], message: `pathway destination ${p.destinationUuid} is not a stage` });
    }
  }
});

export const OntologySchema = z.object({
  objects: z.array(z.looseObject({ featureNodeHash: z.string().min(1), name: z.string(), shape: z.string() })).default([]),
  classifications: z.array(z.looseObject({ featureNodeHash: z.string().min(1), attributes: z.array(z.looseObject({})) })).default([]),
  skeleton_templates: z.array(z.unknown()).optional(),
});

function issues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

export function parseWorkflow(json: unknown, source: string): Workflow {
  const r = WorkflowSchema.safeParse(json);
  if (!r.success) {
    throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `invalid workflow in ${source}:\n  ${issues(r.error).join('\n  ')}`,
      { hint: 'expected Encord\'s {"stages":[{stageType, uuid, title, pathways?:[{uuid,title,destinationUuid}]}]}' });
  }
  return r.data as Workflow;
}

export function parseOntology(json: unknown, source: string): OntologyStructure {
  const r = OntologySchema.safeParse(json);
  if (!r.success) {
    throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `invalid ontology in ${source}:\n  ${issues(r.error).join('\n  ')}`,
      { hint: 'expected Encord\'s editor structure {"objects":[...],"classifications":[...]}' });
  }
  return r.data as OntologyStructure;
}
