// The HTTP app: CORS, body limit, routes, the one error handler, and the PWA for everything outside /api.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { BatonError, ERROR_KINDS, LIMITS, type ApiErrorBody } from '../../core/index.ts';
import type { HistoryService } from '../orchestrator/history.ts';
import type { ResumeService } from '../orchestrator/resume.ts';
import type { PushService } from '../push/push-service.ts';
import { compression } from './compression.ts';
import { RateLimitedError } from './rate-limit.ts';
import { accountRoutes, createLimiters, type Limiters, type RateLimits, type RouteDeps } from './routes-account.ts';
import { pushRoutes } from './routes-push.ts';
import { sessionRoutes } from './routes-sessions.ts';
import { shareRoutes } from './routes-shares.ts';
import { appPolicy, overHttps, securityHeaders } from './security-headers.ts';
import { createStaticHandler } from './static.ts';

export interface AppOptions extends RouteDeps {
  readonly resume: ResumeService;
  readonly push: PushService;
  readonly history: HistoryService;
  readonly staticDir: string | null;
  readonly appOrigins: readonly string[];
  /** This process terminates TLS itself (HSTS on every response). */
  readonly tls: boolean;
  /** Injected by tests that look at the limiters' memory; default fresh ones on the context's clock. */
  readonly limiters?: Limiters;
  /** Overrides of the defaults in RATE_LIMITS (e.g. a soak test that sends far faster than a person). */
  readonly rateLimits?: Partial<RateLimits>;
  /** Compress responses (br/gzip); off when a reverse proxy does it. Default on. */
  readonly compression?: boolean;
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  const { ctx } = opts;

  app.use('*', securityHeaders({ appOrigins: opts.appOrigins, tls: opts.tls, trustProxy: opts.trustProxy }));
  if (opts.compression !== false) app.use('*', compression());
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

  const limiters = opts.limiters ?? createLimiters(ctx.now, opts.rateLimits);
  accountRoutes(app, opts, limiters, (deviceId) => opts.push.forgetDevice(deviceId));
  sessionRoutes(app, opts, opts.resume, limiters, opts.history);
  shareRoutes(app, opts, limiters);
  pushRoutes(app, opts, opts.push);

  app.all('/api/*', () => {
    throw new BatonError('not-found', 'no such API route');
  });
  if (opts.staticDir) {
    const serve = createStaticHandler(opts.staticDir, (hashes, c) => appPolicy({ ...opts, secure: overHttps(opts, c.req.header('x-forwarded-proto')) }, hashes));
    app.get('*', (c) => serve(c));
  }

  app.onError((err, c) => {
    if (err instanceof BatonError) {
      const body: ApiErrorBody = { error: { kind: err.kind, message: err.message, ...err.extra } };
      // The rest of an oversized body is never read: the connection cannot be reused, so say so.
      if (err.kind === 'too-large') c.header('Connection', 'close');
      if (err instanceof RateLimitedError) c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json(body, ERROR_KINDS[err.kind]);
    }
    ctx.log(`internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    const body: ApiErrorBody = { error: { kind: 'internal', message: 'something went wrong on the server' } };
    return c.json(body, 500);
  });
  app.notFound((c) => c.json({ error: { kind: 'not-found', message: 'not found' } } satisfies ApiErrorBody, 404));
  return app;
}
