/** HubSpot's standard object types: path names, type ids and the singular used in messages. */
const STANDARD: { name: string; id: string; singular: string; idBase: number }[] = [
  { name: 'contacts', id: '0-1', singular: 'CONTACT', idBase: 100_000 },
  { name: 'companies', id: '0-2', singular: 'COMPANY', idBase: 200_000 },
  { name: 'deals', id: '0-3', singular: 'DEAL', idBase: 300_000 },
];

const ALIASES: Record<string, string> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
};

/** Resolves a path segment (`contacts`, `contact`, `0-1`) to the object type name, if known. */
export function resolveObjectType(segment: string, known: Iterable<string>): string | undefined {
  const lower = segment.toLowerCase();
  const standard = STANDARD.find((t) => t.id === lower || t.name === lower);
  if (standard) return standard.name;
  const alias = ALIASES[lower];
  if (alias) return alias;
  for (const name of known) if (name === segment || name.toLowerCase() === lower) return name;
  return undefined;
}

export function objectTypeId(name: string): string {
  return STANDARD.find((t) => t.name === name)?.id ?? name;
}

export function objectSingular(name: string): string {
  return STANDARD.find((t) => t.name === name)?.singular ?? name.toUpperCase();
}

/** Record ids are numeric strings; each type gets its own range so ids never collide across types. */
export function recordId(name: string, sequence: number): string {
  return String((STANDARD.find((t) => t.name === name)?.idBase ?? 900_000) + sequence);
}

/** HUBSPOT_DEFINED default association types (the client's AssociationTypes enum). */
const DEFAULT_ASSOCIATION_TYPES: Record<string, number> = {
  'contacts->companies': 279,
  'companies->contacts': 280,
  'deals->companies': 341,
  'companies->deals': 342,
  'deals->contacts': 3,
  'contacts->deals': 4,
};

const INVERSE_TYPES: Record<number, number> = {
  279: 280,
  280: 279,
  341: 342,
  342: 341,
  3: 4,
  4: 3,
  1: 2,
  2: 1,
};

export function defaultAssociationType(from: string, to: string): number | undefined {
  return DEFAULT_ASSOCIATION_TYPES[`${from}->${to}`];
}

/** The type id of the same association read from the other side. */
export function inverseAssociationType(typeId: number): number {
  return INVERSE_TYPES[typeId] ?? typeId;
}
