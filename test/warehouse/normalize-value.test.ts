import { describe, expect, it } from 'vitest';
import { decimalText, integerValue, normalizeValue } from '../../src/warehouse/normalize-value.js';
import { parseTimestampText } from '../../src/warehouse/postgres-type-parsers.js';

describe('normalising warehouse values', () => {
  it('turns decimals into numbers only when the number reads back as the same value', () => {
    expect(decimalText('100.00')).toBe(100);
    expect(decimalText('-0.50')).toBe(-0.5);
    expect(decimalText('0.1')).toBe(0.1);
    // 1e-7 would print in exponent notation: the exact decimal text is kept instead.
    expect(decimalText('0.0000001')).toBe('0.0000001');
    expect(decimalText('1234.50')).toBe(1234.5);
    expect(decimalText('12345678901234567890.1234567891')).toBe('12345678901234567890.1234567891');
    expect(decimalText('0.10000000000000000001')).toBe('0.10000000000000000001');
    expect(decimalText('NaN')).toBe('NaN');
  });

  it('keeps big integers beyond 2^53 as their exact digits', () => {
    expect(integerValue('9007199254740991')).toBe(9007199254740991);
    expect(integerValue('9007199254740993')).toBe('9007199254740993');
    expect(integerValue(-9007199254740993n)).toBe('-9007199254740993');
    expect(normalizeValue(170141183460469231731687303715884105727n)).toBe(
      '170141183460469231731687303715884105727',
    );
  });

  it('writes dates as ISO-8601 and structured values as JSON text', () => {
    expect(normalizeValue(new Date(Date.UTC(2024, 4, 1, 12)))).toBe('2024-05-01T12:00:00.000Z');
    expect(normalizeValue({ plan: 'pro', seats: 3n, tiny: 1e-10 })).toBe(
      '{"plan":"pro","seats":3,"tiny":0.0000000001}',
    );
    expect(normalizeValue([1, 2])).toBe('[1,2]');
    expect(normalizeValue(1e-10)).toBe('0.0000000001');
    expect(normalizeValue(-1.5e21)).toBe('-1500000000000000000000');
    expect(normalizeValue(0.5)).toBe(0.5);
    expect(normalizeValue(undefined)).toBeNull();
    expect(normalizeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it('reads PostgreSQL timestamp text in UTC, honouring offsets and keeping what the calendar cannot hold', () => {
    expect(parseTimestampText('2024-05-01 12:00:00.123456')).toBe('2024-05-01T12:00:00.123Z');
    expect(parseTimestampText('2024-05-01 17:30:00+05:30')).toBe('2024-05-01T12:00:00.000Z');
    expect(parseTimestampText('2024-05-01 08:00:00-04')).toBe('2024-05-01T12:00:00.000Z');
    expect(parseTimestampText('0044-03-15 12:00:00')).toBe('0044-03-15T12:00:00.000Z');
    expect(parseTimestampText('infinity')).toBe('infinity');
    expect(parseTimestampText('0044-03-15 12:00:00 BC')).toBe('0044-03-15 12:00:00 BC');
  });
});
