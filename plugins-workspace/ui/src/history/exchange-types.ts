/** The shapes of the exchange routes' answers (shared with the front end, which has no Node types). */

export interface ShownBody {
  bytes: number;
  /** text as shown: JSON pretty-printed, cut at BODY_SHOW_BYTES */
  text: string | null;
  truncated: boolean;
  /** a content-encoding still on the stored bytes (decoding failed when captured): not shown */
  encoding: string | null;
  events?: Array<{ event: string; data: string }>;
}
