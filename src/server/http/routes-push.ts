// Routes for Web Push: this device's subscription, its notification settings, and a test notification.
import type { PushService } from '../push/push-service.ts';
import type { RouteHandlers } from './register-routes.ts';

type PushRoute = 'pushStatus' | 'subscribePush' | 'unsubscribePush' | 'updatePushSettings' | 'testPush';

// Only a phone shows notifications; a terminal may still ask (and turn off) its own, which it never has (the table's `who`).
export function pushRoutes(push: PushService): RouteHandlers<PushRoute> {
  return {
    pushStatus: ({ auth }) => push.status(auth),
    subscribePush: async ({ auth, body }) => ({ subscription: push.subscribe(auth, await body()) }),
    unsubscribePush: ({ auth }) => {
      push.unsubscribe(auth);
      return null;
    },
    updatePushSettings: async ({ auth, body }) => push.updateSettings(auth, await body()),
    testPush: ({ auth }) => push.sendTest(auth),
  };
}
