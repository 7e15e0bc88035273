/**
 * zod schemas for the project files users hand us (`project init --workflow/--ontology`), in
 * Encord's shapes: tolerant of extra keys (Encord adds fields), strict about what we rely on.
 */
import * as z from 'zod';
import { TaskAgentError } from './errors.js';
import type { OntologyStructure, Workflow } from './types.js';

const PathwaySchema = z.object({ uuid: z.string().min(1), title: z.string().min(1), destinationUuid: z.string().min(1) });
const StageSchema = z.object({
  stageType: z.enum([
    'AGENT',
    'ANNOTATION',
    'REVIEW',
    'USER_ROUTER',
    'PERCENTAGE_ROUTER',
    'CONSENSUS_ANNOTATION',
    'CONSENSUS_REVIEW',
    'DONE',
  ]),
  uuid: z.string().min(1),
  title: z.string().min(1),
  pathways: z.array(PathwaySchema).optional(),
});
export const WorkflowSchema = z.object({ stages: z.array(StageSchema).min(1) }).superRefine((wf, ctx) => {
  const uuids = new Set(wf.stages.map((s) => s.uuid));
  if (uuids.size !== wf.stages.length) ctx.addIssue({ code: 'custom', message: 'stage uuids must be unique' });
  for (const s of wf.stages) {
    for (const p of s.pathways ?? []) {
      if (!uuids.has(p.destinationUuid))
        ctx.addIssue({
          code: 'custom',
          path: ['stages', s.title, p.title],
          message: `pathway destination ${p.destinationUuid} is not a stage`,
        });
    }
  }
});

export const OntologySchema = z.object({
  objects: z.array(z.looseObject({ featureNodeHash: z.string().min(1), name: z.string(), shape: z.string() })).default([]),
  classifications: z.array(z.looseObject({ featureNodeHash: z.string().min(1), attributes: z.array(z.looseObject({})) })).default([]),
  skeleton_templates: z.array(z.unknown()).optional(),
});

/** One `path: message` line per zod issue (how every validation error lists its problems). */
export function zodIssueLines(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

function parseProjectFile<T>(schema: z.ZodType, json: unknown, what: string, source: string, hint: string): T {
  const r = schema.safeParse(json);
  if (!r.success)
    throw new TaskAgentError('TA_CFG_PROJECT_INVALID', `invalid ${what} in ${source}:\n  ${zodIssueLines(r.error).join('\n  ')}`, { hint });
  return r.data as T;
}

export function parseWorkflow(json: unknown, source: string): Workflow {
  return parseProjectFile<Workflow>(
    WorkflowSchema,
    json,
    'workflow',
    source,
    'expected Encord\'s {"stages":[{stageType, uuid, title, pathways?:[{uuid,title,destinationUuid}]}]}',
  );
}

export function parseOntology(json: unknown, source: string): OntologyStructure {
  return parseProjectFile<OntologyStructure>(
    OntologySchema,
    json,
    'ontology',
    source,
    'expected Encord\'s editor structure {"objects":[...],"classifications":[...]}',
  );
}
