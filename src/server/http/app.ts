// The HTTP app: CORS, body limit, routes, the one error handler, and the PWA for everything outside /api.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { BatonError, ERROR_KINDS, LIMITS, type ApiErrorBody } from '../../core/index.ts';
import type { ResumeService } from '../orchestrator/resume.ts';
import { accountRoutes, type RouteDeps } from './routes-account.ts';
import { sessionRoutes } from './routes-sessions.ts';
import { shareRoutes } from './routes-shares.ts';
import { createStaticHandler } from './static.ts';

export interface AppOptions extends RouteDeps {
  readonly resume: ResumeService;
  readonly staticDir: string | null;
  readonly appOrigins: readonly string[];
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  const { ctx } = opts;

  if (opts.appOrigins.length > 0) {
    app.use('/api/*', cors({
      origin: [...opts.appOrigins],
      allowHeaders: ['Authorization', 'Content-Type'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    }));
  }
  app.use('/api/*', bodyLimit({
    maxSize: LIMITS.httpBodyBytes,
    onError: () => {
      throw new BatonError('too-large', `the body is larger than ${LIMITS.httpBodyBytes} bytes`);
    },
  }));

  accountRoutes(app, opts);
  sessionRoutes(app, opts, opts.resume);
  shareRoutes(app, opts);

  app.all('/api/*', () => {
    throw new BatonError('not-found', 'no such API route');
  });
  if (opts.staticDir) {
    const serve = createStaticHandler(opts.staticDir);
    app.get('*', (c) => serve(c));
  }

  app.onError((err, c) => {
    if (err instanceof BatonError) {
      const body: ApiErrorBody = { error: { kind: err.kind, message: err.message, ...err.extra } };
      // The rest of an oversized body is never read: the connection cannot be reused, so say so.
      if (err.kind === 'too-large') c.header('Connection', 'close');
      return c.json(body, ERROR_KINDS[err.kind]);
    }
    ctx.log(`internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    const body: ApiErrorBody = { error: { kind: 'internal', message: 'something went wrong on the server' } };
    return c.json(body, 500);
  });
  app.notFound((c) => c.json({ error: { kind: 'not-found', message: 'not found' } } satisfies ApiErrorBody, 404));
  return app;
}
