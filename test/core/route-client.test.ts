// The route table's client: a call by name becomes the route's method and path (params encoded, query in order,
// JSON body), and the answer comes back parsed, or as the server's error body.
import { describe, expect, it } from 'vitest';
import { callRoute, routeRequest, type FetchLike } from '../../src/core/index.ts';

function fakeFetch(status: number, text: string) {
  const calls: { url: string; init: Parameters<FetchLike>[1] }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    return { status, ok: status >= 200 && status < 300, text: async () => text };
  };
  return { calls, fetch };
}

describe('routeRequest', () => {
  it('fills in and encodes the path params', () => {
    expect(routeRequest('cancelMessage', { id: 'ses 1/x', messageId: 'msg_2' })).toEqual({ method: 'POST', path: '/api/sessions/ses%201%2Fx/messages/msg_2/cancel', body: '{}' });
  });

  it('writes the query, leaving out what is undefined', () => {
    expect(routeRequest('sync', { query: { since: 5, after: undefined } }).path).toBe('/api/sync?since=5');
    expect(routeRequest('listMessages', { id: 's', query: { after: 3, limit: 200 } }).path).toBe('/api/sessions/s/messages?after=3&limit=200');
    expect(routeRequest('sync', { query: { since: 0, after: '12.ses_1' } }).path).toBe('/api/sync?since=0&after=12.ses_1');
  });

  it('sends JSON on POST, PUT and PATCH, and nothing on GET and DELETE', () => {
    expect(routeRequest('editSession', { id: 's', body: { title: 'x' } })).toMatchObject({ method: 'PATCH', body: '{"title":"x"}' });
    expect(routeRequest('testPush').body).toBe('{}');
    expect(routeRequest('getSession', { id: 's' }).body).toBeNull();
    expect(routeRequest('revokeShare', { id: 'shr_1' })).toEqual({ method: 'DELETE', path: '/api/shares/shr_1', body: null });
  });

  it('refuses a call missing a path param', () => {
    expect(() => routeRequest('getSession', {} as never)).toThrow(/missing path parameter id/);
  });
});

describe('callRoute', () => {
  it('sends the token and JSON headers under the server base, and parses the answer', async () => {
    const f = fakeFetch(200, '{"session":{"id":"s"}}');
    const reply = await callRoute({ server: 'https://b.example/', token: 'bt_x', fetch: f.fetch }, 'editSession', { id: 's', body: { title: 't' } });
    expect(reply).toEqual({ ok: true, status: 200, body: { session: { id: 's' } } });
    expect(f.calls[0]!.url).toBe('https://b.example/api/sessions/s');
    expect(f.calls[0]!.init.headers).toEqual({ accept: 'application/json', authorization: 'Bearer bt_x', 'content-type': 'application/json' });
  });

  it('sends no authorization without a token, and reads a 204 as no body', async () => {
    const f = fakeFetch(204, 'ignored');
    expect(await callRoute({ server: 'http://h', fetch: f.fetch }, 'unsubscribePush')).toEqual({ ok: true, status: 204, body: null });
    expect(f.calls[0]!.init.headers).toEqual({ accept: 'application/json' });
  });

  it('hands back the server’s error body, or null with the text when the answer is not one', async () => {
    const refused = await callRoute({ server: 'http://h', fetch: fakeFetch(404, '{"error":{"kind":"not-found","message":"no session s"}}').fetch }, 'getSession', { id: 's' });
    expect(refused).toMatchObject({ ok: false, status: 404, error: { kind: 'not-found', message: 'no session s' } });
    const proxy = await callRoute({ server: 'http://h', fetch: fakeFetch(502, '<html>bad gateway</html>').fetch }, 'health');
    expect(proxy).toEqual({ ok: false, status: 502, error: null, text: '<html>bad gateway</html>' });
  });

  it('rejects when the request never got an answer', async () => {
    const down: FetchLike = async () => { throw new TypeError('fetch failed'); };
    await expect(callRoute({ server: 'http://h', fetch: down }, 'health')).rejects.toThrow('fetch failed');
  });
});
