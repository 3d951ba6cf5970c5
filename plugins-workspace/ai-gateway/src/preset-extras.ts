/**
 * The parts of a preset that describe its protocol rather than its route: probes for the
 * overlap check, the error shape, extra secret header names. Checked at registration like
 * the rest of the preset (TypeError with the plugin-facing message).
 */
import { isPlainObject } from '@hypaware/core';
import type { UpstreamPreset } from './api-types.js';
import { isHeaderName, type GatewayConfig } from './config.js';
import type { GatewayState } from './gateway-state.js';

function checkProbes(probes: unknown, where: string): void {
  if (!Array.isArray(probes)) throw new TypeError(`${where}: probes must be an array of {path, headers?}`);
  probes.forEach((probe: unknown, i) => {
    const at = `${where}: probes[${i}]`;
    if (!isPlainObject(probe)) throw new TypeError(`${at} must be an object {path, headers?}`);
    if (typeof probe.path !== 'string' || !probe.path.startsWith('/'))
      throw new TypeError(`${at}.path must be a path starting with "/"`);
    if (probe.headers === undefined) return;
    const headers = probe.headers;
    const valid =
      isPlainObject(headers) &&
      Object.entries(headers).every(
        ([name, values]) =>
          isHeaderName(name) &&
          name === name.toLowerCase() &&
          Array.isArray(values) &&
          values.every((v) => typeof v === 'string'),
      );
    if (!valid) throw new TypeError(`${at}.headers must map lowercase header names to arrays of strings`);
  });
}

function checkErrorShape(shape: unknown, where: string): void {
  if (typeof shape !== 'object' || shape === null)
    throw new TypeError(`${where}: error_shape must be an object {body(), recognizes()?}`);
  const s = shape as { body?: unknown; recognizes?: unknown };
  if (typeof s.body !== 'function') throw new TypeError(`${where}: error_shape.body must be a function`);
  if (s.recognizes !== undefined && typeof s.recognizes !== 'function')
    throw new TypeError(`${where}: error_shape.recognizes must be a function`);
}

function checkSecretHeaders(names: unknown, where: string): void {
  if (!Array.isArray(names)) throw new TypeError(`${where}: secret_headers must be an array of header names`);
  names.forEach((name: unknown, i) => {
    if (!isHeaderName(name))
      throw new TypeError(`${where}: secret_headers[${i}] must be a header name (e.g. "x-my-token")`);
  });
}

/** `where`: `registerUpstreamPreset '<name>'` */
export function checkPresetExtras(preset: UpstreamPreset, where: string): void {
  if (preset.probes !== undefined) checkProbes(preset.probes, where);
  if (preset.error_shape !== undefined) checkErrorShape(preset.error_shape, where);
  if (preset.secret_headers !== undefined) checkSecretHeaders(preset.secret_headers, where);
}

/** Secret header names the presets add, lowercased (the gateway's own list is always there too). */
export function presetSecretHeaders(presets: Iterable<UpstreamPreset>): string[] {
  const names = new Set<string>();
  for (const preset of presets) for (const name of preset.secret_headers ?? []) names.add(name.toLowerCase());
  return [...names];
}

/** What the writer redacts besides its own list: the config's `redact_headers` and every registered preset's names. */
export function secretHeaderExtras(state: GatewayState, config: GatewayConfig): string[] {
  const presets = [...state.presets.values()].map((entry) => entry.preset);
  return [...new Set([...config.redactHeaders, ...presetSecretHeaders(presets)])];
}
