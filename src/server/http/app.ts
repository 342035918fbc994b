// The HTTP app: CORS, body limit, routes, the one error handler, and the PWA for everything outside /api.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { BatonError, ERROR_KINDS, LIMITS, type ApiErrorBody } from '../../core/index.ts';
import type { HistoryService } from '../orchestrator/history.ts';
import type { PushService } from '../push/push-service.ts';
import { storageFailure } from '../db/storage-error.ts';
import { compression } from './compression.ts';
import type { HostCheck } from './host-check.ts';
import { RateLimitedError } from './rate-limit.ts';
import { accountRoutes, createLimiters, type Limiters, type RateLimits, type RouteDeps } from './routes-account.ts';
import { registerRoutes } from './register-routes.ts';
import { pushRoutes } from './routes-push.ts';
import { sessionRoutes } from './routes-sessions.ts';
import { shareRoutes } from './routes-shares.ts';
import { appPolicy, overHttps, securityHeaders } from './security-headers.ts';
import { createStaticHandler } from './static.ts';

export interface AppOptions extends RouteDeps {
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
  /** Which Host names this server answers for (DNS rebinding); every host when absent (unit tests of the app alone). */
  readonly hosts?: HostCheck;
}

export function createApp(opts: AppOptions): Hono {
  const app = new Hono();
  const { ctx } = opts;

  app.use('*', securityHeaders({ appOrigins: opts.appOrigins, tls: opts.tls, trustProxy: opts.trustProxy }));
  const hosts = opts.hosts;
  if (hosts) {
    // Before anything else reads the request: a page on a rebinding domain gets nothing of ours.
    app.use('*', async (c, next) => {
      const foreign = hosts.foreignHost({ host: c.req.header('host'), 'x-forwarded-host': c.req.header('x-forwarded-host') });
      if (foreign !== null) throw misdirected(foreign);
      await next();
    });
  }
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
  // Every route of the table (src/core/routes.ts), each with its handler.
  registerRoutes(app, ctx, {
    ...accountRoutes(opts, limiters, (deviceId) => opts.push.forgetDevice(deviceId)),
    ...sessionRoutes(opts, limiters, opts.history),
    ...shareRoutes(opts, limiters),
    ...pushRoutes(opts.push),
  });

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
    const storage = storageFailure(err, ctx.db);
    if (storage) {
      ctx.log(`storage failure on ${c.req.method} ${c.req.path}: ${(err as Error).message}`);
      return c.json({ error: { kind: storage.kind, message: storage.message } } satisfies ApiErrorBody, ERROR_KINDS[storage.kind]);
    }
    ctx.log(`internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? err}`);
    const body: ApiErrorBody = { error: { kind: 'internal', message: 'something went wrong on the server' } };
    return c.json(body, 500);
  });
  app.notFound((c) => c.json({ error: { kind: 'not-found', message: 'not found' } } satisfies ApiErrorBody, 404));
  return app;
}

/** 421: the request named a host this server does not answer for. */
export function misdirected(host: string): BatonError {
  return new BatonError('misdirected', `this server does not answer for the host ${JSON.stringify(host.slice(0, 200))}; open it by its own address, or start it with --allow-host for that name`);
}
