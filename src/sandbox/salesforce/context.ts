import type { FastifyRequest } from 'fastify';
import type { SandboxStore } from '../store.js';
import type { TokenIssuer } from './auth.js';
import { DmlContext } from './dml.js';
import { notFound } from './errors.js';
import type { ObjectRegistry } from './objects.js';
import type { SalesforceObject } from './types.js';
import { ValueIndexes } from './value-indexes.js';

/** What every route of one sandbox server shares. */
export class SalesforceContext {
  private readonly indexes: ValueIndexes;

  constructor(
    readonly store: SandboxStore,
    readonly registry: ObjectRegistry,
    readonly tokens: TokenIssuer,
  ) {
    this.indexes = new ValueIndexes(store);
  }

  dml(undoable = true): DmlContext {
    return new DmlContext(this.store, this.registry, this.tokens.userId(), this.indexes, undoable);
  }

  /** The sObject named in a URL; unknown ones answer 404 NOT_FOUND like Salesforce. */
  object(name: string): SalesforceObject {
    const object = this.registry.get(name);
    if (!object) throw notFound();
    return object;
  }
}

/** `v50.0` → 50; the data routes only match a `vNN.N` segment. */
export function apiVersion(request: FastifyRequest): number {
  const match = /^\/services\/data\/v(\d+)\.\d+/.exec(request.url);
  return match ? Number(match[1]) : 0;
}

export function versionPath(request: FastifyRequest): string {
  const match = /^\/services\/data\/v\d+\.\d+/.exec(request.url);
  return match ? match[0] : '/services/data/v50.0';
}
