/**
 * GET /models: the incident classifier's versions (registry/classifier-versions.ts) with their stage
 * and validation macro-F1, which one is production (and naming firing pods' incidents), and the
 * dataset watch's last training. Without a classifier service: no versions.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModelsView } from '../engine/classifier-service.js';

/** What the route reads. */
export interface ModelsDeps {
  /** The service's classifier (engine/classifier-service.ts); unset: GET /models lists none. */
  classifiers?: { models(): ModelsView };
}

const Stage = Type.Union([Type.Literal('candidate'), Type.Literal('production'), Type.Literal('archived')]);

const Version = Type.Object({
  version: Type.String({ description: 'v0001, v0002, …' }),
  kind: Type.String({ description: 'The classifier algorithm, e.g. random-forest' }),
  params: Type.Record(Type.String(), Type.Unknown()),
  data_sha256: Type.String({ description: 'SHA-256 of the training data (hex)' }),
  macro_f1: Type.Number({ minimum: 0, maximum: 1, description: 'Validation macro-F1 (held-out rows, stratified)' }),
  recall: Type.Record(Type.String(), Type.Number(), { description: 'Validation recall per class' }),
  created_at: Type.String({ description: 'ISO 8601' }),
  stage: Stage,
  production: Type.Boolean({ description: 'True for the production version' }),
});

const Training = Type.Object({
  data: Type.String(),
  finished_at: Type.String(),
  ok: Type.Boolean(),
  version: Type.Optional(Type.String()),
  stage: Type.Optional(Type.String()),
  macro_f1: Type.Optional(Type.Number()),
  reason: Type.Optional(Type.String({ description: 'Why it was promoted or held back as a candidate (the margin rule)' })),
  duration_ms: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
});

const Models = Type.Object({
  dir: Type.Union([Type.String(), Type.Null()], { description: 'Where the version files are (KAD_CLASSIFIER_DIR)' }),
  production: Type.Union([Type.String(), Type.Null()], { description: 'The production version (null: none)' }),
  in_use: Type.Union([Type.String(), Type.Null()], { description: 'The version naming incident_type on firing pods (null: none, or see problem)' }),
  problem: Type.Union([Type.String(), Type.Null()], { description: 'Why the production version is not in use (e.g. trained on other features)' }),
  training: Type.Boolean({ description: 'A training runs now (in a worker thread)' }),
  watching: Type.Union([Type.String(), Type.Null()], { description: 'The watched data set (KAD_CLASSIFIER_DATA; null: no watch)' }),
  last_training: Type.Union([Training, Type.Null()]),
  versions: Type.Array(Version, { description: 'Oldest first' }),
  count: Type.Integer(),
});

/** Registers GET /models. */
export const modelsRoutes: FastifyPluginAsync<ModelsDeps> = async (app, deps) => {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/models', {
    schema: {
      description: 'Incident classifier versions with stage and validation macro-F1; production marked. New versions come from the dataset watch (KAD_CLASSIFIER_DATA) or `kad classify train`.',
      tags: ['models'],
      response: { 200: Models },
    },
  }, async () => {
    const m = deps.classifiers?.models();
    if (!m) return { dir: null, production: null, in_use: null, problem: null, training: false, watching: null, last_training: null, versions: [], count: 0 };
    const t = m.lastTraining;
    return {
      dir: m.dir, production: m.production, in_use: m.inUse, problem: m.problem, training: m.training, watching: m.watching,
      last_training: t ? {
        data: t.data, finished_at: t.finishedAt, ok: t.ok, version: t.version, stage: t.stage, macro_f1: t.macroF1, reason: t.reason, duration_ms: t.ms, error: t.error,
      } : null,
      versions: m.versions.map((e) => ({
        version: e.version, kind: e.algorithm, params: e.params, data_sha256: e.dataSha256, macro_f1: e.macroF1, recall: e.recall, created_at: e.createdAt, stage: e.stage,
        production: e.version === m.production,
      })),
      count: m.versions.length,
    };
  });
};
