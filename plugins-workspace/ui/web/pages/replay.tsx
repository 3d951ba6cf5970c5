/**
 * Session replay (`#/session/<id>`): the conversation in order, a page of parts at a time
 * (more load as the end scrolls into view), consecutive parts of one message in one block.
 * Prompts and answers as Markdown, thinking collapsed, tool calls with their arguments and a
 * link to their result, errors highlighted, sub-agent parts nested, tokens and cost per response.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import { Markdown } from '../components/markdown.js';
import { Stat, Status } from '../components/misc.js';
import { fmtInt, fmtTime, fmtTokens, fmtUsd, repoName } from '../format.js';
import { useLoad } from '../live.js';
import { href, type Route } from '../router.js';
import type { ReplayPage, ReplayPart, SessionSummary } from '../types.js';

const PAGE = 200;

interface MessageBlock {
  message_id: string;
  role: string;
  at: string;
  agent: string | null;
  parts: ReplayPart[];
}

function groupMessages(parts: ReplayPart[]): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  for (const part of parts) {
    const last = blocks[blocks.length - 1];
    if (last && last.message_id === part.message_id) last.parts.push(part);
    else
      blocks.push({
        message_id: part.message_id,
        role: part.role,
        at: part.message_created_at,
        agent: part.is_sidechain === 1 || part.agent_id ? (part.agent_id ?? 'sidechain') : null,
        parts: [part],
      });
  }
  return blocks;
}

function prettyJson(text: string | null): string {
  if (text === null) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Cut({ part }: { part: ReplayPart }) {
  if (part.content_length === null || part.content_text === null || part.content_length <= part.content_text.length)
    return null;
  return <p class="muted">… {fmtInt(part.content_length - part.content_text.length)} more characters not shown</p>;
}

function Usage({ part }: { part: ReplayPart }) {
  if (part.output_tokens === null && part.input_tokens === null) return null;
  return (
    <div class="usage">
      {part.model ?? ''} · in {fmtTokens(part.input_tokens)} · cache read {fmtTokens(part.cache_read_input_tokens)} ·
      cache write {fmtTokens(part.cache_creation_input_tokens)} · out {fmtTokens(part.output_tokens)} ·{' '}
      {fmtUsd(part.estimated_cost_usd)}
    </div>
  );
}

function PartView({ part }: { part: ReplayPart }) {
  const text = part.content_text ?? '';
  switch (part.part_type) {
    case 'text':
      return (
        <>
          <Markdown text={text} />
          <Cut part={part} />
        </>
      );
    case 'reasoning':
      return (
        <details class="thinking">
          <summary>thinking</summary>
          <pre>{text || '(redacted)'}</pre>
        </details>
      );
    case 'tool_call':
      return (
        <div class="tool-call" id={part.tool_call_id ? `call-${part.tool_call_id}` : undefined}>
          <div class="tool-head">
            <span class="tool-name">{part.tool_name ?? 'tool'}</span>
            {part.tool_call_id && (
              <a class="link" href={`#result-${part.tool_call_id}`} onClick={jump(`result-${part.tool_call_id}`)}>
                result ↓
              </a>
            )}
          </div>
          <pre class="args">{prettyJson(part.tool_args)}</pre>
        </div>
      );
    case 'tool_result':
      return (
        <div
          class={part.is_error === 1 ? 'tool-result failed' : 'tool-result'}
          id={part.tool_result_for ? `result-${part.tool_result_for}` : undefined}
        >
          <div class="tool-head">
            <span class="tool-name">{part.tool_name ?? 'tool'} result</span>
            {part.is_error === 1 && <span class="badge bad">error</span>}
            {part.tool_result_for && (
              <a class="link" href={`#call-${part.tool_result_for}`} onClick={jump(`call-${part.tool_result_for}`)}>
                ↑ call
              </a>
            )}
          </div>
          <pre>{text}</pre>
          <Cut part={part} />
        </div>
      );
    case 'error':
      return <div class="error-part">{text || part.status || 'error'}</div>;
    default:
      return (
        <div class="other-part">
          <span class="badge">{part.part_type}</span> {text}
        </div>
      );
  }
}

/** In-page anchors would change the hash route: scroll instead. */
function jump(id: string) {
  return (e: Event) => {
    e.preventDefault();
    document.getElementById(id)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  };
}

/** A system prompt, or context the client put in the user's turn (`<system-reminder>` …): shown collapsed. */
function isContext(p: ReplayPart): boolean {
  return (
    p.part_type === 'text' &&
    (p.role === 'system' || (p.role === 'user' && (p.content_text ?? '').trimStart().startsWith('<')))
  );
}

/** Consecutive context parts under one collapsed line; every other part on its own. */
function Parts({ parts }: { parts: ReplayPart[] }) {
  const out: preact.JSX.Element[] = [];
  for (let i = 0; i < parts.length;) {
    if (isContext(parts[i]!)) {
      let j = i;
      while (j < parts.length && isContext(parts[j]!)) j++;
      const run = parts.slice(i, j);
      out.push(
        <details class="context" key={run[0]!.row}>
          <summary>
            {run[0]!.role === 'system' ? 'system prompt' : 'client context'}
            {run.length > 1 ? ` (${run.length} parts)` : ''}
          </summary>
          {run.map((p) => (
            <pre>{p.content_text}</pre>
          ))}
        </details>,
      );
      i = j;
      continue;
    }
    const p = parts[i]!;
    out.push(
      <div class="part" key={p.row}>
        <PartView part={p} />
        <Usage part={p} />
      </div>,
    );
    i++;
  }
  return <>{out}</>;
}

function Block({ block }: { block: MessageBlock }) {
  const failed = block.parts.some((p) => p.is_error === 1 || p.part_type === 'error');
  return (
    <article class={`msg role-${block.role}${block.agent ? ' subagent' : ''}${failed ? ' failed' : ''}`}>
      <header>
        <span class="role">{block.role}</span>
        {block.agent && <span class="badge">sub-agent {block.agent.slice(0, 12)}</span>}
        <time>{fmtTime(block.at)}</time>
      </header>
      <Parts parts={block.parts} />
    </article>
  );
}

function Timeline({ parts, first, last }: { parts: ReplayPart[]; first: string; last: string }) {
  const t0 = Date.parse(first);
  const span = Math.max(1, Date.parse(last) - t0);
  return (
    <div class="timeline" aria-label="timeline">
      {parts
        .filter((p) => !isContext(p))
        .map((p) => (
          <span
            class={`tick t-${p.part_type}${p.is_error === 1 ? ' bad' : ''}`}
            style={{ left: `${((Date.parse(p.message_created_at) - t0) / span) * 100}%` }}
            title={`${fmtTime(p.message_created_at)} ${p.role} ${p.part_type} ${p.tool_name ?? ''}`}
          />
        ))}
    </div>
  );
}

export function ReplayPageView({ route, version }: { route: Route; version: string }) {
  const id = route.arg ?? '';
  const summary = useLoad(() => getJson<SessionSummary>(`/api/sessions/${encodeURIComponent(id)}`), [id, version]);
  const [parts, setParts] = useState<ReplayPart[]>([]);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const loadMore = async (from: number) => {
    setBusy(true);
    try {
      const page = await getJson<ReplayPage>(`/api/sessions/${encodeURIComponent(id)}/parts`, {
        offset: from,
        limit: PAGE,
      });
      setTotal(page.total);
      setParts((prev) => (from === 0 ? page.parts : [...prev.slice(0, from), ...page.parts]));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setParts([]);
    void loadMore(0);
  }, [id]);
  // new rows of a live session: fetch the tail again when the data changes
  useEffect(() => {
    if (parts.length > 0 && parts.length >= total)
      void loadMore(Math.max(0, parts.length - (parts.length % PAGE || PAGE)));
  }, [version]);
  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const watch = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !busy && parts.length < total) void loadMore(parts.length);
    });
    watch.observe(el);
    return () => watch.disconnect();
  }, [parts.length, total, busy]);

  const s = summary.data;
  return (
    <section class="replay">
      <header class="page-head">
        <h1>Session</h1>
        <a href={href('exchanges', undefined, { session: id })}>raw exchanges →</a>
      </header>
      <Status loading={summary.loading && !s} error={summary.error ?? error} />
      {s && (
        <>
          <p class="muted mono">{s.session_id}</p>
          <div class="stats">
            <Stat label="client" value={s.client_name ?? '–'} />
            <Stat label="repo" value={repoName(s.cwd)} title={s.cwd ?? ''} />
            <Stat label="branch" value={s.git_branch ?? '–'} />
            <Stat label="model" value={s.models.join(', ') || '–'} />
            <Stat label="messages" value={fmtInt(s.messages)} />
            <Stat label="tool calls" value={fmtInt(s.tool_calls)} />
            <Stat label="errors" value={fmtInt(s.errors)} />
            <Stat label="est. cost" value={fmtUsd(s.estimated_cost_usd)} />
          </div>
          <p class="muted">
            {fmtTime(s.first_message_at)} → {fmtTime(s.last_message_at)}
          </p>
          <Timeline parts={parts} first={s.first_message_at} last={s.last_message_at} />
        </>
      )}
      <div class="conversation">
        {groupMessages(parts).map((b) => (
          <Block block={b} key={`${b.message_id}-${b.parts[0]!.row}`} />
        ))}
      </div>
      <div ref={sentinel} class="sentinel">
        {parts.length < total && (
          <button type="button" disabled={busy} onClick={() => void loadMore(parts.length)}>
            {busy ? 'Loading…' : `Load more (${fmtInt(parts.length)} of ${fmtInt(total)} parts)`}
          </button>
        )}
        {total > 0 && parts.length >= total && <p class="muted">{fmtInt(total)} parts.</p>}
      </div>
    </section>
  );
}
