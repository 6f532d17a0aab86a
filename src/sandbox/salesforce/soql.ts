import { SalesforceHttpError } from './errors.js';

export type SoqlValue = string | number | boolean | null;

export interface SoqlCondition {
  field: string;
  operator: '=' | '!=' | 'IN' | 'NOT IN';
  values: SoqlValue[];
  /** Character offset of the field name, for error positions. */
  at: number;
}

export interface SoqlQuery {
  fields: Array<{ name: string; at: number }>;
  object: string;
  objectAt: number;
  where: SoqlCondition[];
  orderBy?: { field: string; descending: boolean; at: number };
  limit?: number;
}

interface Token {
  kind: 'word' | 'string' | 'number' | 'symbol';
  text: string;
  value: SoqlValue;
  at: number;
}

function malformed(soql: string, at: number, message: string): SalesforceHttpError {
  return new SalesforceHttpError(
    400,
    'MALFORMED_QUERY',
    `\n${soql}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${message}`,
  );
}

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < soql.length && soql.charAt(j) !== "'"; j++) {
        if (soql.charAt(j) === '\\') j++;
        text += soql.charAt(j);
      }
      if (j >= soql.length) throw malformed(soql, i, 'unterminated string literal');
      tokens.push({ kind: 'string', text, value: text, at: i });
      i = j + 1;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(soql.slice(i));
      if (!m) throw malformed(soql, i, `unexpected token: '${c}'`);
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i)) as RegExpExecArray;
      const lower = m[0].toLowerCase();
      const value = lower === 'true' ? true : lower === 'false' ? false : null;
      tokens.push({ kind: 'word', text: m[0], value, at: i });
      i += m[0].length;
    } else if (soql.startsWith('!=', i) || soql.startsWith('<>', i)) {
      tokens.push({ kind: 'symbol', text: '!=', value: null, at: i });
      i += 2;
    } else if ('=,()'.includes(c)) {
      tokens.push({ kind: 'symbol', text: c, value: null, at: i });
      i++;
    } else {
      throw malformed(soql, i, `unexpected token: '${c}'`);
    }
  }
  return tokens;
}

/** Parses the subset the sandbox answers: SELECT … FROM … [WHERE a AND b] [ORDER BY f] [LIMIT n]. */
export function parseSoql(soql: string): SoqlQuery {
  const tokens = tokenize(soql);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (word: string) => peek()?.kind === 'word' && peek()?.text.toUpperCase() === word;
  const fail = (message?: string): never => {
    const token = peek();
    throw malformed(
      soql,
      token?.at ?? soql.length,
      message ?? (token ? `unexpected token: '${token.text}'` : 'unexpected end of query'),
    );
  };
  const expectWord = (word: string) => {
    if (!isWord(word)) fail();
    pos++;
  };
  const next = (): Token => {
    const token = peek();
    if (!token) return fail();
    pos++;
    return token;
  };
  const identifier = (): Token => {
    const token = next();
    if (token.kind !== 'word') {
      pos--;
      fail();
    }
    return token;
  };

  expectWord('SELECT');
  const fields = [identifier()];
  while (peek()?.text === ',') {
    pos++;
    fields.push(identifier());
  }
  expectWord('FROM');
  const object = identifier();
  const where: SoqlCondition[] = [];
  if (isWord('WHERE')) {
    pos++;
    let more = true;
    while (more) {
      const field = identifier();
      let operator: SoqlCondition['operator'];
      if (peek()?.text === '=' || peek()?.text === '!=') operator = next().text as '=' | '!=';
      else if (isWord('IN')) {
        pos++;
        operator = 'IN';
      } else if (isWord('NOT')) {
        pos++;
        expectWord('IN');
        operator = 'NOT IN';
      } else return fail();
      const literal = (): SoqlValue => {
        const token = next();
        if (token.kind === 'string' || token.kind === 'number') return token.value;
        if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.text.toLowerCase()))
          return token.value;
        pos--;
        return fail();
      };
      const values: SoqlValue[] = [];
      if (operator === 'IN' || operator === 'NOT IN') {
        if (next().text !== '(') {
          pos--;
          fail();
        }
        values.push(literal());
        while (peek()?.text === ',') {
          pos++;
          values.push(literal());
        }
        if (next().text !== ')') {
          pos--;
          fail();
        }
      } else values.push(literal());
      where.push({ field: field.text, operator, values, at: field.at });
      more = isWord('AND');
      if (more) pos++;
    }
  }
  let orderBy: SoqlQuery['orderBy'];
  if (isWord('ORDER')) {
    pos++;
    expectWord('BY');
    const field = identifier();
    let descending = false;
    if (isWord('ASC') || isWord('DESC')) descending = next().text.toUpperCase() === 'DESC';
    orderBy = { field: field.text, descending, at: field.at };
  }
  let limit: number | undefined;
  if (isWord('LIMIT')) {
    pos++;
    const token = next();
    if (token.kind !== 'number' || !Number.isInteger(token.value)) {
      pos--;
      fail();
    }
    limit = token.value as number;
  }
  if (peek()) fail();
  return {
    fields: fields.map((f) => ({ name: f.text, at: f.at })),
    object: object.text,
    objectAt: object.at,
    where,
    ...(orderBy ? { orderBy } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}
