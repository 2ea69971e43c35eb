import { jobSchema } from '@guildserver/contracts';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { jobView } from '../../domain/jobs.js';
import type { ApiDeps, ApiEnv } from '../context.js';
import { validationHook } from '../errors.js';
import { errorResponses, json } from '../openapi.js';

/** Mounted at `/jobs`. */
export function jobRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: 'A job with its steps and their timings',
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: json(jobSchema, 'The job'),
        ...errorResponses({ 403: "Another user's job", 404: 'No such job' }),
      },
    }),
    (c) => {
      const job = jobView(deps.db, c.req.valid('param').id);
      if (!job) throw new DomainError('not_found', `There is no job with id ${c.req.valid('param').id}.`);
      deps.servers.requireMayRead(job.serverId, c.get('actor'));
      return c.json(job, 200);
    },
  );
  return app;
}
