// Routes for Web Push: this device's subscription, its notification settings, and a test notification.
import type { Context, Hono } from 'hono';
import { PushSettingsPatchSchema, PushSubscriptionSchema } from '../../core/index.ts';
import { authenticate, PEOPLE, PHONES, type Callers, type DeviceAuth } from '../auth.ts';
import type { PushService } from '../push/push-service.ts';
import { readBody } from './input.ts';
import type { RouteDeps } from './routes-account.ts';

export function pushRoutes(app: Hono, { ctx }: RouteDeps, push: PushService): void {
  // Only a phone shows notifications; a terminal may still ask (and turn off) its own, which it never has.
  const who = (c: Context, callers: Callers): DeviceAuth => authenticate(ctx, c.req.header('authorization'), callers);

  app.get('/api/push', (c) => c.json(push.status(who(c, PEOPLE))));

  app.post('/api/push/subscription', async (c) => {
    const a = who(c, PHONES);
    const body = await readBody(c, PushSubscriptionSchema);
    return c.json({ subscription: push.subscribe(a, body) }, 201);
  });

  app.delete('/api/push/subscription', (c) => {
    push.unsubscribe(who(c, PEOPLE));
    return c.body(null, 204);
  });

  app.put('/api/push/settings', async (c) => {
    const a = who(c, PHONES);
    const body = await readBody(c, PushSettingsPatchSchema);
    return c.json(push.updateSettings(a, body));
  });

  app.post('/api/push/test', (c) => c.json(push.sendTest(who(c, PHONES)), 202));
}
