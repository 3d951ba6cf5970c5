/**
 * Message text as Markdown, safely: markdown-it with `html: false` escapes every tag in the
 * text (a captured `<script>` stays text), and its link check refuses javascript: URLs.
 */
import MarkdownIt from 'markdown-it';
import { useMemo } from 'preact/hooks';

const md = new MarkdownIt({ html: false, linkify: false, breaks: true });
const defaultLinkOpen = md.renderer.rules.link_open;
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  tokens[idx]!.attrSet('target', '_blank');
  return defaultLinkOpen ? defaultLinkOpen(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

export function Markdown({ text }: { text: string }) {
  const html = useMemo(() => md.render(text), [text]);
  return <div class="md" dangerouslySetInnerHTML={{ __html: html }} />;
}
