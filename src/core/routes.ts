// Every HTTP route once: who may call it, its path params, query and body schemas, its success status and the
// type of its answer. The server registers its routes from this table; one typed client (route-client.ts) calls it.
import * as v from 'valibot';
import {
  CreatePairingCodeSchema, CreateShareSchema, HistoryQuerySchema, MessagesQuerySchema, PairRequestSchema, PermissionAnswerSchema,
  RenameSessionSchema, SendMessageSchema, SettingsPatchSchema, StartSessionSchema, SyncQuerySchema,
} from './api.ts';
import type { HistoryPage } from './history.ts';
import { DeviceIdSchema, MessageIdSchema, PermissionIdSchema, SessionIdSchema } from './ids.ts';
import { PushSettingsPatchSchema, PushSubscriptionSchema, type PushSettings, type PushStatusRecord } from './push.ts';
import type {
  DeviceRecord, MachineRecord, MessageRecord, ResumeAttemptRecord, SessionRecord, SettingsRecord, SharedSessionRecord, ShareRecord,
} from './records.ts';
import type { ParamNames, RouteName, RoutePath } from './route-paths.ts';
import type { SyncResponse } from './sync.ts';

/** The kinds of device token that may call routes (a machine token never does: it speaks only its socket). */
export type PersonKind = 'phone' | 'cli';
export type Callers = readonly PersonKind[];
/** People's devices: a phone or a terminal (CLI token) drives the account's sessions. */
export const PEOPLE: Callers = ['phone', 'cli'];
/** Only a phone paired with the app (notifications). */
export const PHONES: Callers = ['phone'];

/**
 * Who may call a route (docs/security.md, "Roles"): device tokens of these kinds; `share`, a share link's token as the
 * bearer (the handler reads it); `anyone`, no token needed.
 */
export type Who = Callers | 'share' | 'anyone';

/** A path segment: its schema (a value it refuses names nothing: 404, `no <noun> <value>`) and the word for what it names. */
export interface ParamDef<S extends v.GenericSchema<string, unknown> = v.GenericSchema<string, unknown>> {
  readonly schema: S;
  readonly noun: string;
}

export interface RouteDef {
  readonly who: Who;
  readonly params?: Readonly<Record<string, ParamDef>>;
  readonly query?: v.GenericSchema;
  readonly body?: v.GenericSchema;
  /** The usual success status (a route may answer another one of its own, e.g. 200 for a repeated message). */
  readonly status: 200 | 201 | 202 | 204;
  /** The answer's type (a phantom: nothing at run time); `null` for a 204. */
  readonly response: unknown;
}

const session = { schema: SessionIdSchema, noun: 'session' };
/** A share token is looked up, never parsed: any text names an unknown link. */
const shareToken = { schema: v.string(), noun: 'share link' };
const returns = <T>() => undefined as unknown as T;

export interface HealthRecord { readonly ok: true; readonly version: string }
export interface PairResponse { readonly token: string; readonly accountId: string; readonly deviceId: string; readonly machineId: string | null }
export interface PairingCodeRecord { readonly code: string; readonly expiresAt: number; readonly link: string }
export interface CreatedShare { readonly id: string; readonly token: string; readonly url: string; readonly expiresAt: number }
export interface SharedView { readonly session: SharedSessionRecord; readonly messages: MessageRecord[] }
export interface MessagesPage { readonly messages: MessageRecord[]; readonly hasMore: boolean }
type One<K extends string, T> = { readonly [P in K]: T };
type OneSession = One<'session', SessionRecord>;
type OneMessage = One<'message', MessageRecord>;

export const ROUTES = {
  health: { who: 'anyone', status: 200, response: returns<HealthRecord>() },
  pair: { who: 'anyone', body: PairRequestSchema, status: 201, response: returns<PairResponse>() },
  createPairingCode: { who: PEOPLE, body: CreatePairingCodeSchema, status: 201, response: returns<PairingCodeRecord>() },
  listDevices: { who: PEOPLE, status: 200, response: returns<One<'devices', DeviceRecord[]>>() },
  revokeDevice: { who: PEOPLE, params: { id: { schema: DeviceIdSchema, noun: 'device' } }, status: 204, response: null },
  sync: { who: PEOPLE, query: SyncQuerySchema, status: 200, response: returns<SyncResponse>() },
  listMachines: { who: PEOPLE, status: 200, response: returns<One<'machines', MachineRecord[]>>() },
  getSettings: { who: PEOPLE, status: 200, response: returns<SettingsRecord>() },
  updateSettings: { who: PEOPLE, body: SettingsPatchSchema, status: 200, response: returns<SettingsRecord>() },
  startSession: { who: PEOPLE, body: StartSessionSchema, status: 201, response: returns<OneSession>() },
  getSession: { who: PEOPLE, params: { id: session }, status: 200, response: returns<OneSession>() },
  editSession: { who: PEOPLE, params: { id: session }, body: RenameSessionSchema, status: 200, response: returns<OneSession>() },
  listMessages: { who: PEOPLE, params: { id: session }, query: MessagesQuerySchema, status: 200, response: returns<MessagesPage>() },
  /** 202 for a new message, 200 for a repeat of one already stored (same client id). */
  sendMessage: { who: PEOPLE, params: { id: session }, body: SendMessageSchema, status: 202, response: returns<OneMessage>() },
  cancelMessage: { who: PEOPLE, params: { id: session, messageId: { schema: MessageIdSchema, noun: 'message' } }, status: 200, response: returns<OneMessage>() },
  archiveSession: { who: PEOPLE, params: { id: session }, status: 200, response: returns<OneSession>() },
  unarchiveSession: { who: PEOPLE, params: { id: session }, status: 200, response: returns<OneSession>() },
  stopSession: { who: PEOPLE, params: { id: session }, status: 200, response: returns<OneSession>() },
  interruptSession: { who: PEOPLE, params: { id: session }, status: 204, response: null },
  takeOverSession: { who: PEOPLE, params: { id: session }, status: 200, response: returns<OneSession>() },
  answerPermission: {
    who: PEOPLE, params: { id: session, permissionId: { schema: PermissionIdSchema, noun: 'permission request' } },
    body: PermissionAnswerSchema, status: 200, response: returns<OneMessage>(),
  },
  listResumeAttempts: { who: PEOPLE, params: { id: session }, status: 200, response: returns<One<'attempts', ResumeAttemptRecord[]>>() },
  readHistory: { who: PEOPLE, params: { id: session }, query: HistoryQuerySchema, status: 200, response: returns<HistoryPage>() },
  createShare: { who: PEOPLE, params: { id: session }, body: CreateShareSchema, status: 201, response: returns<CreatedShare>() },
  listShares: { who: PEOPLE, params: { id: session }, status: 200, response: returns<One<'shares', ShareRecord[]>>() },
  revokeShare: { who: PEOPLE, params: { id: { schema: v.string(), noun: 'share' } }, status: 204, response: null },
  readShared: { who: 'share', status: 200, response: returns<SharedView>() },
  /** Links made before the token moved to the fragment (`/shared/<token>`). */
  readSharedByPath: { who: 'anyone', params: { token: shareToken }, status: 200, response: returns<SharedView>() },
  pushStatus: { who: PEOPLE, status: 200, response: returns<PushStatusRecord>() },
  subscribePush: {
    who: PHONES, body: PushSubscriptionSchema, status: 201,
    response: returns<One<'subscription', { readonly endpoint: string; readonly createdAt: number }>>(),
  },
  unsubscribePush: { who: PEOPLE, status: 204, response: null },
  updatePushSettings: { who: PHONES, body: PushSettingsPatchSchema, status: 200, response: returns<PushSettings>() },
  testPush: { who: PHONES, status: 202, response: returns<One<'eventId', string>>() },
} as const satisfies { readonly [N in RouteName]: RouteDef & ParamsOf<RoutePath<N>> };

/** A route's `params` names exactly its path's `:name` segments. */
type ParamsOf<P extends string> = [ParamNames<P>] extends [never] ? { readonly params?: never } : { readonly params: { readonly [K in ParamNames<P>]: ParamDef } };

export type RouteDefOf<N extends RouteName> = (typeof ROUTES)[N];
/** What a route answers when it succeeds. */
export type RouteResponse<N extends RouteName> = RouteDefOf<N>['response'];
