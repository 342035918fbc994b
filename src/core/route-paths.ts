// Where each HTTP route and socket lives, by name. The rest of each route (who may call it, its schemas, its
// answer) is in routes.ts under the same names; this half stands apart so the app's bundle carries no schemas.

export const ROUTE_PATHS = {
  health: 'GET /api/health',
  pair: 'POST /api/pair',
  createPairingCode: 'POST /api/pairing-codes',
  listDevices: 'GET /api/devices',
  revokeDevice: 'DELETE /api/devices/:id',
  sync: 'GET /api/sync',
  listMachines: 'GET /api/machines',
  getSettings: 'GET /api/settings',
  updateSettings: 'PUT /api/settings',
  startSession: 'POST /api/sessions',
  getSession: 'GET /api/sessions/:id',
  editSession: 'PATCH /api/sessions/:id',
  listMessages: 'GET /api/sessions/:id/messages',
  sendMessage: 'POST /api/sessions/:id/messages',
  cancelMessage: 'POST /api/sessions/:id/messages/:messageId/cancel',
  archiveSession: 'POST /api/sessions/:id/archive',
  unarchiveSession: 'POST /api/sessions/:id/unarchive',
  stopSession: 'POST /api/sessions/:id/stop',
  interruptSession: 'POST /api/sessions/:id/interrupt',
  takeOverSession: 'POST /api/sessions/:id/takeover',
  answerPermission: 'POST /api/sessions/:id/permissions/:permissionId',
  listResumeAttempts: 'GET /api/sessions/:id/resume-attempts',
  readHistory: 'GET /api/sessions/:id/history',
  createShare: 'POST /api/sessions/:id/shares',
  listShares: 'GET /api/sessions/:id/shares',
  revokeShare: 'DELETE /api/shares/:id',
  readShared: 'GET /api/shared',
  readSharedByPath: 'GET /api/shared/:token',
  pushStatus: 'GET /api/push',
  subscribePush: 'POST /api/push/subscription',
  unsubscribePush: 'DELETE /api/push/subscription',
  updatePushSettings: 'PUT /api/push/settings',
  testPush: 'POST /api/push/test',
} as const;

export type RouteName = keyof typeof ROUTE_PATHS;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

type MethodOf<S> = S extends `${infer M extends HttpMethod} ${string}` ? M : never;
type PathOf<S> = S extends `${HttpMethod} ${infer P}` ? P : never;
export type RouteMethod<N extends RouteName> = MethodOf<(typeof ROUTE_PATHS)[N]>;
export type RoutePath<N extends RouteName> = PathOf<(typeof ROUTE_PATHS)[N]>;
/** The `:name` segments of a path pattern. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<`/${Rest}`> : P extends `${string}:${infer Name}` ? Name : never;

export const ROUTE_NAMES = Object.keys(ROUTE_PATHS) as RouteName[];

export function routeMethod<N extends RouteName>(name: N): RouteMethod<N> {
  return ROUTE_PATHS[name].split(' ')[0] as RouteMethod<N>;
}

export function routePattern<N extends RouteName>(name: N): RoutePath<N> {
  return ROUTE_PATHS[name].split(' ')[1] as RoutePath<N>;
}

/** The two WebSockets: the events socket for phones, CLIs and share viewers, and the machine socket for daemons. */
export const SOCKET_PATHS = { events: '/api/events', machine: '/api/machine' } as const;
