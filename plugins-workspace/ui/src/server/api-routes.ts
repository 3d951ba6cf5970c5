/** The JSON routes of `hyp ui`: each reads the history through the HistoryReader, nothing writes. */
import { UsageError, queryReadOnly } from '@hypaware/core';
import type { HistoryReader } from '../history/history-reader.js';
import { exchangeDetail, listExchanges } from '../history/exchanges.js';
import { upstreamHealth } from '../history/upstream-health.js';
import { dateParam, intParam, textParam } from './query-params.js';

export const SQL_ROW_CAP = 1000;
const PAGE_MAX = 500;

export interface ApiRequest {
  url: URL;
  match: RegExpExecArray;
  body: unknown;
}

export interface ApiRoute {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handle(req: ApiRequest): unknown;
}

export class NotFound extends Error {}

function sessionId(req: ApiRequest): string {
  return decodeURIComponent(req.match[1]!);
}

export function apiRoutes(reader: HistoryReader): ApiRoute[] {
  return [
    { method: 'GET', pattern: /^\/api\/version$/, handle: () => ({ version: reader.version() }) },
    {
      method: 'GET',
      pattern: /^\/api\/overview$/,
      handle: ({ url }) => {
        const days = intParam(url, 'days', 7, 1, 3660);
        if (!reader.ready()) return { empty: true };
        return {
          overview: reader.overview(days),
          latest: reader.sessions({ offset: 0, limit: 10 }).sessions,
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/sessions$/,
      handle: ({ url }) => {
        const since = dateParam(url, 'since');
        const until = dateParam(url, 'until');
        const client = textParam(url, 'client');
        const repo = textParam(url, 'repo');
        const text = textParam(url, 'q');
        return reader.sessions({
          offset: intParam(url, 'offset', 0, 0, 1_000_000),
          limit: intParam(url, 'limit', 50, 1, 200),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          ...(client ? { client } : {}),
          ...(repo ? { repo } : {}),
          ...(text ? { text } : {}),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/sessions\/([^/]+)$/,
      handle: (req) => {
        const summary = reader.session(sessionId(req));
        if (!summary) throw new NotFound(`no session ${sessionId(req)}`);
        return summary;
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/sessions\/([^/]+)\/parts$/,
      handle: (req) =>
        reader.replay(
          sessionId(req),
          intParam(req.url, 'offset', 0, 0, 10_000_000),
          intParam(req.url, 'limit', 200, 1, PAGE_MAX),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/api\/exchanges$/,
      handle: ({ url }) => {
        const session = textParam(url, 'session');
        const upstream = textParam(url, 'upstream');
        return listExchanges(reader.db, {
          offset: intParam(url, 'offset', 0, 0, 10_000_000),
          limit: intParam(url, 'limit', 100, 1, PAGE_MAX),
          ...(session ? { session } : {}),
          ...(upstream ? { upstream } : {}),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/exchanges\/([0-9a-f]{1,64})$/,
      handle: ({ match }) => {
        const detail = exchangeDetail(reader.db, match[1]!);
        if (!detail) throw new NotFound(`no exchange ${match[1]}`);
        return detail;
      },
    },
    {
      method: 'GET',
      pattern: /^\/api\/upstreams$/,
      handle: ({ url }) => upstreamHealth(reader.db, intParam(url, 'hours', 24, 1, 24 * 90)),
    },
    { method: 'GET', pattern: /^\/api\/recipes$/, handle: () => reader.history.recipes() },
    {
      method: 'POST',
      pattern: /^\/api\/sql$/,
      handle: ({ body }) => {
        const sql = (body as { sql?: unknown } | null)?.sql;
        if (typeof sql !== 'string') throw new UsageError('send {"sql": "<one SELECT statement>"}');
        return queryReadOnly(reader.db, sql, SQL_ROW_CAP);
      },
    },
  ];
}
