import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export const COLUMN_DELIMITERS: Record<string, string> = {
  COMMA: ',',
  BACKQUOTE: '`',
  CARET: '^',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
};

export type LineEnding = 'LF' | 'CRLF';

export interface UploadedCsv {
  header: string[];
  rows: string[][];
}

/** Why a job fails before any row is processed; becomes the job's `errorMessage`. */
export class InvalidUpload extends Error {}

function firstLineEnding(text: string): LineEnding | null {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) return text.charAt(i - 1) === '\r' ? 'CRLF' : 'LF';
  }
  return null;
}

/** The uploaded data as RFC-4180 CSV in the job's delimiter and line ending; empty data has no rows. */
export function parseUpload(text: string, delimiter: string, lineEnding: LineEnding): UploadedCsv {
  if (text.trim() === '') return { header: [], rows: [] };
  const found = firstLineEnding(text);
  if (found && found !== lineEnding) {
    throw new InvalidUpload(
      `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${lineEnding}`,
    );
  }
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      record_delimiter: lineEnding === 'CRLF' ? '\r\n' : '\n',
      skip_empty_lines: true,
      bom: true,
    }) as string[][];
  } catch (error) {
    throw new InvalidUpload(`ClientInputError : ${(error as Error).message}`);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

/**
 * Result CSVs quote every value, as Salesforce's do: jsforce splits unquoted values on `;`, `|`
 * and tabs. A job that received no data answers an empty body.
 */
export function resultCsv(header: string[], rows: string[][]): string {
  if (header.length === 0) return '';
  return stringify([header, ...rows], { quoted: true, record_delimiter: 'unix' });
}
