// Routes for Web Push: this device's subscription, its notification settings, and a test notification.
import type { Context, Hono } from 'hono';
import { BatonError, PushSettingsPatchSchema, PushSubscriptionSchema } from '../../core/index.ts';
import { authenticate, type DeviceAuth } from '../auth.ts';
import type { PushService } from '../push/push-service.ts';
import { readBody } from './input.ts';
import type { RouteDeps } from './routes-account.ts';

export function pushRoutes(app: Hono, { ctx }: RouteDeps, push: PushService): void {
  // A person's device: a machine never shows notifications (and share links are refused by authenticate).
  const person = (c: Context): DeviceAuth => {
    const a = authenticate(ctx, c.req.header('authorization'));
    if (a.kind === 'machine') throw new BatonError('forbidden', 'a machine token cannot manage notifications');
    return a;
  };

  app.get('/api/push', (c) => c.json(push.status(person(c))));

  app.post('/api/push/subscription', async (c) => {
    const a = person(c);
    const body = await readBody(c, PushSubscriptionSchema);
    return c.json({ subscription: push.subscribe(a, body) }, 201);
  });

  app.delete('/api/push/subscription', (c) => {
    push.unsubscribe(person(c));
    return c.body(null, 204);
  });

  app.put('/api/push/settings', async (c) => {
    const a = person(c);
    const body = await readBody(c, PushSettingsPatchSchema);
    return c.json(push.updateSettings(a, body));
  });

  app.post('/api/push/test', (c) => c.json(push.sendTest(person(c)), 202));
}
